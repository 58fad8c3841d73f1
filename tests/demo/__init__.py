"""Tests of the synthetic demo area."""
