"""Benchmarks for optuna-gamma: problems, sampler factories, a resumable runner and a report.

Run from the repository root, e.g. ``python -m benchmarks.run --quick`` then
``python -m benchmarks.report --tag quick``. See docs/benchmarks.md.
"""
