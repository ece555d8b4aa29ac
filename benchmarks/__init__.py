"""Benchmarks for optuna-gamma: suites of seeded studies, one runner, one run store, one report.

Run from the repository root: ``python -m benchmarks`` lists the suites, ``python -m benchmarks
<suite> --quick`` is a smoke run. The map of suites, commands and results: benchmarks/README.md.
"""
