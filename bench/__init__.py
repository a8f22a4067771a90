"""Benchmarks that print figures (never timed unit tests: shared machines are noisy)."""
