"""Benchmarks. Figures are ratios measured in one run; never assert timings in tests."""
