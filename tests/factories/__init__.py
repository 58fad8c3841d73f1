"""Factories per domain: small async builders that insert valid rows with synthetic data."""
