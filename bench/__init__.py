"""Benchmarks of the Stelselregister: data generation, HTTP load runs, in-process floors and query plans.

``make bench`` runs the whole suite and writes ``bench/RESULTS.md``; see :mod:`bench.suite`.
"""
