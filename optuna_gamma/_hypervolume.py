"""Pareto fronts, hypervolume and the box decomposition of the non-dominated region.

Maximisation throughout (the model's orientation: every objective oriented so that larger is
better). Two exact decompositions into disjoint boxes of the region above the reference point
``r`` that a front of ``m`` points in ``d`` objectives does not dominate (docs/math.md §8):

- The grid: the first ``d - 1`` coordinates of the front and the reference point cut those axes
  into ``(m + 1)^(d - 1)`` cells. Inside one cell ``C`` with upper corner ``u`` (in those
  ``d - 1`` coordinates) the front points that dominate a point ``z`` in the first ``d - 1``
  coordinates are the same for every ``z``: those with ``y[:d-1] >= u``. So ``z`` is dominated
  exactly when ``z_d <= M(C) = max{y_d : y[:d-1] >= u}`` (``r_d`` if there is none), and the
  boxes are ``C x [M(C), inf)``. Used while it has at most :data:`MAX_BOXES` boxes (always for
  two objectives, where it has ``m + 1``), as before the sweep existed.
- The sweep (:func:`_sweep`, docs/math.md eq. 22), otherwise: with the points sorted by their
  first coordinate, a point ``z`` whose first coordinate has passed ``y_1`` can only be
  dominated by the points after ``y``. So the region is ``[r_1, inf) x A'``, ``A'`` the part of
  the other coordinates that the projected front leaves free, plus for each ``y`` the slab
  ``[y_1, inf) x E(y)``, ``E(y)`` the part of ``[r, y]`` (other coordinates) that the later
  points clipped to ``y`` leave free: what ``y`` alone held in that projection. ``A'`` and every
  ``E(y)`` are the same problem in ``d - 1`` coordinates, solved the same way, all problems of
  one level at once, down to two coordinates (a staircase). It is the recursion of the WFG
  algorithm (While et al. 2012) kept as boxes: ``2m + 1`` boxes for three objectives, about
  600, 1,900 and 4,300-7,400 for four, five and six on fronts of 100 points of the unit sphere
  (the grid: ``101^(d - 1)``).

The hypervolume comes with the sweep: the dominated region is the union of the slabs
``[r_1, y_1] x E(y)`` (docs/math.md eq. 23). The sampler caps the sweep at
:data:`MAX_SWEEP_BOXES` boxes; beyond, the front is thinned to the points with the largest
exclusive contributions (:func:`thin_front`), an approximation that over-estimates EHVI.

References:
    - L. While, L. Bradstreet, L. Barone, "A Fast Way of Calculating Exact Hypervolumes", IEEE
      TEVC 16(1), 2012 (WFG: exclusive contributions from the point set limited to a point).
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

# The grid decomposition is used while it has at most this many boxes.
MAX_BOXES = 2048
# The sampler's cap on the sweep's boxes, beyond which the front is thinned (thin_front).
MAX_SWEEP_BOXES = 10_000
# Each try of thin_front keeps this share of the points of the previous one.
_THIN_STEP = 0.8
# _undominated drops the rows its kept rows cover every this many rounds, comparing at most
# about _COMPARE_BLOCK coordinates at once.
_BULK_ROUNDS = 8
_COMPARE_BLOCK = 2**20
# Points the sweep sorts at one level at most where it has max_boxes (about 1,000 front points at
# the first level), and exclusive_contributions at once: bounds the memory.
_MAX_CANDIDATES = 2**19

_Boxes = tuple[np.ndarray, np.ndarray, np.ndarray]  # lower (B, d), upper (B, d), owner (B,)


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


def _ranges(first: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenated index ranges ``first[i], ..., first[i] + lengths[i] - 1``."""
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(first - offsets, lengths) + np.arange(int(lengths.sum()))


def _undominated(V: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: the rows of ``V`` ``(n, q)`` that no other row of the same group
    (``group`` ``(n,)``, integers) dominates; of equal rows, one is kept."""
    n, q = V.shape
    # In the order of decreasing coordinate sum (ties: decreasing coordinates), a row can only
    # be dominated by or equal to an earlier row of its group, and then also by an earlier row
    # that is kept. So each round takes the first pending row of every group and keeps it
    # unless a kept row of its group covers it; every few rounds, the pending rows that the kept
    # rows already cover are dropped in one pass (most are, early, which saves rounds).
    order = np.lexsort((*(-V.T[::-1]), -V.sum(axis=1), group))
    V, group = V[order], group[order]
    slot = np.cumsum(np.r_[False, group[1:] != group[:-1]])[:n]  # the group's index
    kept = np.full((int(slot[-1]) + 1 if n else 0, 8, q), -np.inf)
    n_kept = np.zeros(len(kept), dtype=int)
    keep = np.zeros(n, dtype=bool)
    pending = np.arange(n)
    rounds = 0
    while len(pending):
        s = slot[pending]
        head = np.r_[True, s[1:] != s[:-1]]
        rows = pending[head]
        fresh = ~_covered(kept, n_kept, slot[rows], V[rows])
        rows, s = rows[fresh], slot[rows[fresh]]
        if int(n_kept[s].max(initial=0)) == kept.shape[1]:
            kept = np.concatenate([kept, np.full_like(kept, -np.inf)], axis=1)
        kept[s, n_kept[s]] = V[rows]
        n_kept[s] += 1
        keep[rows] = True
        pending = pending[~head]
        rounds += 1
        if rounds % _BULK_ROUNDS == 0:
            pending = pending[~_covered(kept, n_kept, slot[pending], V[pending])]
    out = np.empty(n, dtype=bool)
    out[order] = keep
    return out


def _covered(kept: np.ndarray, n_kept: np.ndarray, slot: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: whether a row of ``kept[slot]`` (the first ``n_kept`` of each) is at least
    ``V`` ``(n, q)`` in every coordinate; in blocks, to bound the memory."""
    width = int(n_kept[slot].max(initial=0))
    step = max(1, _COMPARE_BLOCK // max(1, width * V.shape[1]))
    return np.concatenate(
        [
            np.all(kept[slot[i : i + step], :width] >= V[i : i + step, None, :], axis=2).any(
                axis=1
            )
            for i in range(0, len(V), step)
        ]
        or [np.zeros(0, dtype=bool)]
    )


class _Level(NamedTuple):
    """The sub-problems of one level of the sweep: the non-dominated region of the points
    ``V[group == p]`` (sorted by group, then by their first coordinate) in ``[lower[p],
    upper[p]]``; the coordinates already swept are ``[head_lower[p], head_upper[p]]``, and
    ``owner[p]`` is the problem of the first level it comes from."""

    V: np.ndarray  # (n, q)
    group: np.ndarray  # (n,)
    lower: np.ndarray  # (P, q)
    upper: np.ndarray  # (P, q)
    head_lower: np.ndarray  # (P, d - q)
    head_upper: np.ndarray  # (P, d - q)
    owner: np.ndarray  # (P,)


def _boxes(level: _Level, problems: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> _Boxes:
    """Boxes of the given ``problems`` of ``level``: their heads, then ``lower``/``upper``."""
    return (
        np.hstack([level.head_lower[problems], lower]),
        np.hstack([level.head_upper[problems], upper]),
        level.owner[problems],
    )


def _next_level(
    level: _Level, first: np.ndarray, leaving: np.ndarray, later: np.ndarray
) -> _Level:
    """The sub-problems one coordinate down: per problem, the part of the slab before its
    first point, which the projection of all its points cuts (``A'``), and per point ``y`` that
    leaves the slab before the problem's upper bound, the part of ``[lower, y]`` that the
    ``later`` points of its problem, clipped to ``y``, leave free (``E(y)``); ``first`` are the
    problems with points."""
    V, group, lower, upper = level.V, level.group, level.lower, level.upper
    members = np.flatnonzero(np.isin(group, first))
    p = group[leaving]
    clipped_by = np.repeat(np.arange(len(leaving)), later)
    others = _ranges(leaving + 1, later)
    child_V = np.vstack([V[members, 1:], np.minimum(V[others, 1:], V[leaving[clipped_by], 1:])])
    child_group = np.concatenate([np.searchsorted(first, group[members]), len(first) + clipped_by])
    keep = _undominated(child_V, child_group)
    child_V, child_group = child_V[keep], child_group[keep]
    order = np.lexsort((child_V[:, 0], child_group))
    both = np.concatenate([first, p])
    return _Level(
        V=child_V[order],
        group=child_group[order],
        lower=lower[both, 1:],
        upper=np.vstack([upper[first, 1:], V[leaving, 1:]]),
        head_lower=np.column_stack(
            [level.head_lower[both], np.r_[lower[first, 0], V[leaving, 0]]]
        ),
        head_upper=np.column_stack([level.head_upper[both], upper[both, 0]]),
        owner=level.owner[both],
    )


def _staircase(level: _Level, first: np.ndarray, leaving: np.ndarray) -> tuple[_Boxes, _Boxes]:
    """The boxes of the problems ``first`` of a level with two coordinates left, where the
    points of a problem, sorted by the first coordinate, fall in the second: above the first
    point, ``A'`` is ``[lower_1, upper_1] x [y_2, upper_2]``; each point ``y`` of ``leaving``
    gives ``E(y) = [y'_2, y_2]``, ``y'`` the next point (``lower_2`` after the last)."""
    V, group, lower, upper = level.V, level.group, level.lower, level.upper
    top = V[np.searchsorted(group, first), 1]
    free = top < upper[first, 1]
    p = first[free]
    above = _boxes(level, p, np.column_stack([lower[p, 0], top[free]]), upper[p])
    last = np.r_[group[1:] != group[:-1], True][leaving]
    below = np.where(last, lower[group[leaving], 1], V[np.minimum(leaving + 1, len(V) - 1), 1])
    g = group[leaving]
    slabs = _boxes(
        level,
        g,
        np.column_stack([V[leaving, 0], below]),
        np.column_stack([upper[g, 0], V[leaving, 1]]),
    )
    return above, slabs


def _sweep(
    V: np.ndarray,
    group: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    max_boxes: int | None = None,
) -> _Boxes | None:
    """Disjoint boxes whose union is, for each problem ``p``, the part of ``[lower[p],
    upper[p]]`` (``(P, d)``, ``d >= 2``; ``upper`` may be infinite) that no point of ``V[group
    == p]`` dominates: ``(box_lower, box_upper, owner)``, ``(B, d)``, ``(B, d)`` and ``(B,)``
    (the problem of each box). Every point must lie in ``(lower[p], upper[p]]``.

    The sweep of the module docstring, one coordinate per level, all sub-problems of a level at
    once. With ``max_boxes``: ``None`` as soon as a level has more than ``max_boxes``
    sub-problems or boxes (each sub-problem gives at least one box in the end), or more than
    ``_MAX_CANDIDATES`` points to sort (a very large front: memory).
    """
    keep = _undominated(V, group)
    V, group = V[keep], group[keep]
    order = np.lexsort((V[:, 0], group))
    P = len(lower)
    level = _Level(
        V[order], group[order], lower, upper, np.empty((P, 0)), np.empty((P, 0)), np.arange(P)
    )
    boxes = []
    while True:
        counts = np.bincount(level.group, minlength=len(level.lower))
        first, empty = np.flatnonzero(counts), np.flatnonzero(counts == 0)
        boxes.append(_boxes(level, empty, level.lower[empty], level.upper[empty]))
        leaving = np.flatnonzero(level.V[:, 0] < level.upper[level.group, 0])
        if level.V.shape[1] == 2:
            boxes.extend(_staircase(level, first, leaving))
            break
        later = np.searchsorted(level.group, level.group[leaving], side="right") - leaving - 1
        if max_boxes is not None and (
            len(first) + len(leaving) > max_boxes or len(level.V) + later.sum() > _MAX_CANDIDATES
        ):
            return None
        level = _next_level(level, first, leaving, later)
    box_lower, box_upper, owner = (np.concatenate(parts) for parts in zip(*boxes))
    if max_boxes is not None and len(owner) > max_boxes:
        return None
    return box_lower, box_upper, owner


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
    """The number of boxes of the grid decomposition of a front of ``m`` points in ``d``
    objectives."""
    return (m + 1) ** (d - 1)


def _sweep_front(
    front: np.ndarray, ref: np.ndarray, max_boxes: int | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_sweep` of one front (mutually non-dominated points above ``ref``) to infinity:
    ``(lower, upper)``, or ``None`` beyond ``max_boxes``."""
    d = len(ref)
    boxes = _sweep(
        front, np.zeros(len(front), dtype=int), ref[None], np.full((1, d), np.inf), max_boxes
    )
    return None if boxes is None else boxes[:2]


def hypervolume(Y: np.ndarray, ref: np.ndarray) -> float:
    """The volume dominated by the rows of ``Y`` ``(n, d)`` and dominating ``ref`` ``(d,)``."""
    front = _front(np.asarray(Y, dtype=float), ref)
    if len(front) == 0:
        return 0.0
    if front.shape[1] == 1:
        return float(front.max() - ref[0])
    boxes = _sweep_front(front, ref)
    assert boxes is not None
    lower, upper = boxes
    # The dominated region is the union of the slabs [ref_1, y_1] x E(y); E(y)'s boxes are the
    # sweep's boxes that start at y_1 > ref_1 in the first coordinate.
    slab = lower[:, 0] > ref[0]
    width = lower[slab, 0] - ref[0]
    return float(np.sum(width * np.prod(upper[slab, 1:] - lower[slab, 1:], axis=1)))


def exclusive_contributions(front: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``(m,)``: the volume that each point of ``front`` ``(m, d)`` (mutually non-dominated,
    above ``ref``) alone dominates: the part of ``[ref, y]`` that the other points clipped to
    ``y`` leave free (While et al. 2012), every point's problem in one sweep."""
    m, d = front.shape
    if m == 1:
        return np.prod(front - ref, axis=1)
    contribution = np.empty(m)
    # Points whose problems are solved together: their clipped points, and the deeper levels
    # they lead to (growing with d), stay well below _MAX_CANDIDATES.
    chunk = max(1, _MAX_CANDIDATES // (m * 4 ** max(d - 3, 0)))
    for start in range(0, m, chunk):
        points = np.arange(start, min(start + chunk, m))
        owner = np.repeat(np.arange(len(points)), m - 1)
        others = np.concatenate([np.delete(front, i, axis=0) for i in points])
        boxes = _sweep(
            np.minimum(others, front[points][owner]),
            owner,
            np.broadcast_to(ref, (len(points), d)),
            front[points],
        )
        assert boxes is not None
        lower, upper, box_owner = boxes
        volume = np.prod(upper - lower, axis=1)
        contribution[points] = np.bincount(box_owner, weights=volume, minlength=len(points))
    return contribution


def thin_front(
    front: np.ndarray, ref: np.ndarray, max_boxes: int
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The points of ``front`` with the largest exclusive contributions, as many as the sweep
    decomposes into at most ``max_boxes`` boxes (``max_boxes >= d``), and those boxes.

    The number kept is found by trying ``0.8`` times the previous number until one fits, then
    halving the interval to the last that did not while it is wider than 1/16 of it (each try is
    a sweep; a few points fewer than would fit are kept rather than paying more tries).
    """
    if max_boxes < front.shape[1]:
        raise ValueError(
            f"max_boxes must be at least the number of objectives ({front.shape[1]}), "
            f"got {max_boxes}."
        )
    order = np.argsort(-exclusive_contributions(front, ref), kind="stable")

    def boxes(k: int) -> tuple[np.ndarray, np.ndarray] | None:
        return _sweep_front(front[np.sort(order[:k])], ref, max_boxes)

    too_many, k = len(front), len(front)
    while True:
        k = max(1, int(_THIN_STEP * k))
        fit = boxes(k)
        if fit is not None or k == 1:
            break
        too_many = k
    while too_many - k > max(1, k // 16):
        middle = (k + too_many) // 2
        tried = boxes(middle)
        if tried is None:
            too_many = middle
        else:
            k, fit = middle, tried
    assert fit is not None
    return front[np.sort(order[:k])], fit


def nondominated_boxes(
    Y: np.ndarray, ref: np.ndarray, max_boxes: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes ``(lower, upper)``, each ``(B, d)`` (``upper`` may be ``inf``), whose union
    is the part of ``{z >= ref}`` that no row of ``Y`` dominates.

    The grid while it has at most :data:`MAX_BOXES` boxes (always for two objectives),
    otherwise the sweep; both exact. With ``max_boxes``, a sweep that would need more boxes is
    replaced by that of the front thinned to the points with the largest exclusive
    contributions (:func:`thin_front`): an approximation (docs/math.md §8).
    """
    d = len(ref)
    front = _front(np.asarray(Y, dtype=float), ref)
    if len(front) == 0:
        return ref[None, :].copy(), np.full((1, d), np.inf)
    if d <= 2 or n_boxes(len(front), d) <= MAX_BOXES:
        lower, upper, top = _cells(front, ref)
        lower = np.column_stack([lower, top])
        upper = np.column_stack([upper, np.full(len(top), np.inf)])
        return lower, upper
    boxes = _sweep_front(front, ref, max_boxes)
    if boxes is None:
        assert max_boxes is not None
        boxes = thin_front(front, ref, max_boxes)[1]
    return boxes
