"""Pareto fronts, hypervolume and the box decomposition of the non-dominated region.

Maximisation throughout (the model's orientation: every objective oriented so that larger is
better). For ``d`` objectives and a front of ``m`` points, the first ``d - 1`` coordinates of the
front and the reference point cut those axes into a grid of ``(m + 1)^(d - 1)`` cells. Inside
one cell ``C`` with upper corner ``u`` (in those ``d - 1`` coordinates) the front points that
dominate a point ``z`` in the first ``d - 1`` coordinates are the same for every ``z``: those
with ``y[:d-1] >= u``. So ``z`` is dominated exactly when ``z_d <= M(C) = max{y_d : y[:d-1] >=
u}`` (``ref_d`` if there is none), which gives both

- the hypervolume: ``sum_C vol(C) * (M(C) - ref_d)`` over the cells below the front's maxima;
- the non-dominated region as disjoint boxes ``C x [M(C), inf)``, whose sum of
  ``prod_k (min(y_k, upper_k) - lower_k)^+`` is the hypervolume improvement of a new point ``y``
  (docs/math.md §8).

The decomposition is exact for every ``d``; its size grows as ``m^(d - 1)``, so the sampler uses
it while it stays below :data:`MAX_BOXES` (always for two objectives in practice).
"""

from __future__ import annotations

import itertools

import numpy as np

MAX_BOXES = 2048


def pareto_mask(Y: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: the rows of ``Y`` ``(n, d)`` that no other row dominates (maximisation;
    of rows that are equal, only the first is kept)."""
    n = len(Y)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        if not keep[i]:
            continue
        dominated = np.all(Y[i] >= Y, axis=1) & np.any(Y[i] > Y, axis=1)
        same = np.all(Y == Y[i], axis=1)
        same[: i + 1] = False
        keep &= ~(dominated | same)
    return keep


def reference_point(Y: np.ndarray) -> np.ndarray:
    """The reference point for ``Y`` ``(n, d)`` (maximisation): 10 % of the worst value's
    magnitude beyond the worst value of each objective -- Optuna's GPSampler's rule,
    ``max(1.1 w, 0.9 w)`` for the worst loss ``w``, in this orientation -- and one float step
    further, so that every observed point strictly dominates it."""
    worst = Y.min(axis=0)
    return np.nextafter(np.minimum(1.1 * worst, 0.9 * worst), -np.inf)


def _cells(front: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid cells over the first ``d - 1`` coordinates: lower and upper corners ``(C, d - 1)``
    and ``M(C)`` ``(C,)``."""
    d = front.shape[1]
    edges = [np.concatenate([[ref[k]], np.unique(front[:, k]), [np.inf]]) for k in range(d - 1)]
    index = np.array(list(itertools.product(*[range(len(e) - 1) for e in edges])), dtype=int)
    lower = np.stack([edges[k][index[:, k]] for k in range(d - 1)], axis=1)
    upper = np.stack([edges[k][index[:, k] + 1] for k in range(d - 1)], axis=1)
    covers = np.all(front[None, :, : d - 1] >= upper[:, None, :], axis=2)  # (C, m)
    top = np.where(covers, front[None, :, d - 1], -np.inf).max(axis=1, initial=-np.inf)
    return lower, upper, np.maximum(top, ref[d - 1])


def _front(Y: np.ndarray, ref: np.ndarray) -> np.ndarray:
    Y = Y[np.all(Y > ref, axis=1)]
    return Y[pareto_mask(Y)]


def n_boxes(m: int, d: int) -> int:
    """The number of boxes of a front of ``m`` points in ``d`` objectives."""
    return (m + 1) ** (d - 1)


def hypervolume(Y: np.ndarray, ref: np.ndarray) -> float:
    """The volume dominated by the rows of ``Y`` ``(n, d)`` and dominating ``ref`` ``(d,)``."""
    front = _front(np.asarray(Y, dtype=float), ref)
    if len(front) == 0:
        return 0.0
    if front.shape[1] == 1:
        return float(front.max() - ref[0])
    lower, upper, top = _cells(front, ref)
    finite = np.all(np.isfinite(upper), axis=1)
    volume = np.prod(upper[finite] - lower[finite], axis=1)
    return float(np.sum(volume * (top[finite] - ref[-1])))


def nondominated_boxes(Y: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes ``(lower, upper)``, each ``(B, d)`` (``upper`` may be ``inf``), whose union
    is the part of ``{z >= ref}`` that no row of ``Y`` dominates."""
    d = len(ref)
    front = _front(np.asarray(Y, dtype=float), ref)
    if len(front) == 0:
        return ref[None, :].copy(), np.full((1, d), np.inf)
    lower, upper, top = _cells(front, ref)
    lower = np.column_stack([lower, top])
    upper = np.column_stack([upper, np.full(len(top), np.inf)])
    return lower, upper
