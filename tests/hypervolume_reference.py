"""Exact references for the hypervolume tests: brute force over every subset of a small front.

Shared by tests/test_multi_objective.py and tests/test_many_objectives.py (maximisation, as the
model sees the objectives).
"""

from __future__ import annotations

import itertools

import numpy as np


def inclusion_exclusion(Y: np.ndarray, ref: np.ndarray) -> float:
    """The hypervolume of ``Y`` ``(m, d)`` above ``ref`` by inclusion-exclusion over every
    subset (maximisation)."""
    total = 0.0
    for r in range(1, len(Y) + 1):
        for subset in itertools.combinations(range(len(Y)), r):
            corner = Y[list(subset)].min(axis=0)
            total += (-1) ** (r + 1) * float(np.prod(np.clip(corner - ref, 0.0, None)))
    return total


def improvement_by_boxes(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """The hypervolume improvement of ``y`` from boxes ``(lower, upper)`` of the region the
    front leaves free."""
    return float(np.sum(np.prod(np.clip(np.minimum(y, upper) - lower, 0.0, None), axis=1)))
