"""Pareto fronts and exact hypervolume for the multi-objective benchmarks (minimisation).

The benchmarks keep their own implementation, independent of the sampler's, so that a change to
the library cannot move the yardstick it is measured with. Small fronts only (hundreds of
points, a few objectives): the code is written to be checked, not to be fast.

- :func:`pareto_mask`: the rows no other row dominates.
- :func:`hypervolume`: the volume of the region that the points dominate and that dominates the
  reference point. One objective: ``ref - min``. Two: a sweep along the first objective, summing
  rectangles whose height is the lowest second objective so far. Three or more: slicing along
  the last objective (the HSO recursion of While, Hingston, Barone & Huband, IEEE TEVC 10(1),
  2006): between two consecutive values of the last objective the dominated region's
  cross-section is the ``d - 1`` objective hypervolume of the points at or below the slice, so
  ``HV = sum_i HV_{d-1}(P_i) (z_{i+1} - z_i)`` with ``z`` the sorted last coordinates and
  ``z_{n+1} = ref_d``; ``O(n^(d-1) log n)``.
"""

from __future__ import annotations

import numpy as np


def pareto_mask(Y: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: the rows of ``Y`` ``(n, m)`` that no other row dominates (minimisation;
    of rows that are equal, only the first is kept)."""
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 2 and Y.shape[1] == 2:
        # Sorted by (first, second, position), a row survives when its second objective is
        # below every earlier row's: O(n log n).
        order = np.lexsort((np.arange(len(Y)), Y[:, 1], Y[:, 0]))
        y = Y[order, 1]
        earlier = np.append(np.inf, np.minimum.accumulate(y)[:-1])
        keep = np.zeros(len(Y), dtype=bool)
        keep[order] = y < earlier
        return keep
    keep = np.ones(len(Y), dtype=bool)
    for i in range(len(Y)):
        if not keep[i]:
            continue
        dominated = np.all(Y[i] <= Y, axis=1) & np.any(Y[i] < Y, axis=1)
        same = np.all(Y == Y[i], axis=1)
        same[: i + 1] = False
        keep &= ~(dominated | same)
    return keep


def hypervolume(Y: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of the points ``Y`` ``(n, m)`` (minimised) with respect to ``ref`` ``(m,)``.

    Points that do not dominate ``ref`` strictly in every objective add nothing (they are left
    out); an empty set has hypervolume 0.
    """
    Y = np.asarray(Y, dtype=float).reshape(-1, len(ref))
    ref = np.asarray(ref, dtype=float)
    Y = Y[np.all(Y < ref, axis=1)]
    if len(Y) == 0:
        return 0.0
    return _hv(Y[pareto_mask(Y)], ref)


def _hv(Y: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of points that all dominate ``ref`` (dominated ones among them add
    nothing and need not be removed)."""
    m = Y.shape[1]
    if m == 1:
        return float(ref[0] - Y[:, 0].min())
    order = np.argsort(Y[:, 0] if m == 2 else Y[:, -1], kind="stable")
    if m == 2:
        # Between the i-th and the next first coordinate (sorted), the dominated region reaches
        # from ref down to the lowest second coordinate so far.
        x, lowest = Y[order, 0], np.minimum.accumulate(Y[order, 1])
        return float(np.sum((np.append(x[1:], ref[0]) - x) * (ref[1] - lowest)))
    z = np.append(Y[order, -1], ref[-1])
    volume = 0.0
    for i in range(len(order)):
        depth = z[i + 1] - z[i]
        if depth > 0:
            volume += depth * _hv(Y[order[: i + 1], :-1], ref[:-1])
    return volume
