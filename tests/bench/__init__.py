"""Benchmarks: ``make bench`` runs :mod:`tests.bench.pipeline` and prints one JSON line."""
