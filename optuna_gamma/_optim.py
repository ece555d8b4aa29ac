"""Maximising an acquisition function over a mixed search space.

1. Score scrambled-Sobol candidates (snapped to admissible points) and the best observed points;
   in many dimensions also candidates near the best observed points (:func:`perturbed`), since
   a quasi-random design of a thousand points in 20 or 40 dimensions lands nowhere near them.
2. Pick the starting points: the best candidate, and the others drawn without replacement with
   probability proportional to ``exp(acq - max acq)`` -- for the log acquisitions, proportional
   to the acquisition itself (a roulette wheel, as BoTorch's initialiser and Optuna's GPSampler
   do) -- so the starts spread over every region the acquisition rates, not only the best
   one's neighbourhood; plus the given starts (the incumbent). ``starts="best"`` takes the
   top-scored candidates instead (the rule before 0.2, kept for the ablation).
3. From the starts, alternate
   a. L-BFGS-B on the continuous coordinates (int and stepped coordinates with large grids join
      as a relaxation and are snapped back to their grid afterwards), all starts in one batched
      problem: the objective is the sum over starts, which separates, so one call optimises all;
   b. an exact coordinate sweep over each discrete coordinate: every admissible value of a
      categorical or small-grid coordinate, the nearest grid values of a large-grid one;
   until a round improves no start.

Every returned point is admissible: continuous coordinates in [0, 1], the others on their grid.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.optimize

from optuna_gamma._search_space import _MAX_EXHAUSTIVE_GRID
from optuna_gamma._search_space import SearchSpace

AcqFn = Callable[[np.ndarray], np.ndarray]  # (s, d) -> (s,)
AcqGradFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # (s, d) -> (s,), (s, d)

_NEIGHBOURS = 8  # grid values tried on each side of the current one for large grids
_CHUNK = 4096  # lattice points scored at once
# Local candidates (``perturbed``): each coordinate moves with probability min(1, _SUBSET / d),
# so about 20 of them move in a 40-D space (the rule of TuRBO's candidates near the best
# points), by a normal step whose scale is drawn log-uniformly from [_STEP_MIN, _STEP_MAX] (in
# fractions of each parameter's range): fine steps refine the incumbent, coarse ones leave it.
_SUBSET = 20.0
_STEP_MIN, _STEP_MAX = 1e-3, 0.2


def _sweep_values(space: SearchSpace, j: int, current: float) -> np.ndarray:
    grid = space.grid_x[j]
    if space.is_categorical[j] or space.n_grid[j] <= _MAX_EXHAUSTIVE_GRID:
        assert grid is not None
        return grid
    # A large grid (possibly implicit): the grid values around the current one.
    i = int(space.grid_index(j, np.array(current)))
    index = np.arange(max(i - _NEIGHBOURS, 0), min(i + _NEIGHBOURS + 1, int(space.n_grid[j])))
    return space.grid_values(j, index)


def _discrete_sweep(
    space: SearchSpace, acq: AcqFn, X: np.ndarray, f: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One exact coordinate sweep over every discrete coordinate of every start (the starts'
    trial points of one coordinate scored in one call)."""
    X, f = X.copy(), f.copy()
    for j in np.flatnonzero(space.is_discrete):
        values = [_sweep_values(space, int(j), X[s, j]) for s in range(len(X))]
        trials = np.repeat(X, [len(v) for v in values], axis=0)
        trials[:, j] = np.concatenate(values)
        scores = acq(trials)
        start = 0
        for s, v in enumerate(values):
            best = start + int(np.argmax(scores[start : start + len(v)]))
            if scores[best] > f[s]:
                X[s], f[s] = trials[best], scores[best]
            start += len(v)
    return X, f


def _lbfgsb(
    space: SearchSpace,
    acq_grad: AcqGradFn,
    X: np.ndarray,
    free: np.ndarray,
    max_iter: int,
) -> np.ndarray:
    """Batched L-BFGS-B over the ``free`` coordinates of all starts (others held fixed)."""
    n, d_free = len(X), len(free)

    def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
        Z = X.copy()
        Z[:, free] = v.reshape(n, d_free)
        values, grads = acq_grad(Z)
        if not np.all(np.isfinite(values)):
            return 1e300, np.zeros_like(v)
        return -float(values.sum()), -grads[:, free].ravel()

    res = scipy.optimize.minimize(
        fun,
        X[:, free].ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * (n * d_free),
        options={"maxiter": max_iter},
    )
    Z = X.copy()
    Z[:, free] = np.clip(res.x.reshape(n, d_free), 0.0, 1.0)
    return Z


def _roulette(
    scores: np.ndarray, best: int, n_starts: int, rng: np.random.Generator
) -> np.ndarray:
    """``best`` and up to ``n_starts - 1`` other indices drawn without replacement with
    probability ``exp(scores - scores[best])`` (fewer where fewer have a positive one)."""
    weights = np.exp(np.nan_to_num(scores - scores[best], nan=-np.inf, posinf=0.0))
    weights[best] = 0.0
    k = min(n_starts - 1, int(np.count_nonzero(weights > 0.0)))
    if k <= 0:
        return np.array([best])
    others = rng.choice(len(scores), size=k, replace=False, p=weights / weights.sum())
    return np.concatenate([[best], others])


def perturbed(
    space: SearchSpace, centres: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``n`` admissible points near the rows of ``centres`` (``(k, d)``, drawn uniformly): a
    random subset of each one's relaxed (continuous or large-grid) coordinates -- each with
    probability ``min(1, 20 / d)``, at least one -- moves by a normal step of a scale drawn
    log-uniformly from [1e-3, 0.2] of its range, clipped to [0, 1], then snapped; the other
    coordinates keep the centre's values."""
    free = np.flatnonzero(space.is_relaxed)
    X = centres[rng.integers(len(centres), size=n)].copy()
    if not len(free) or not len(X):
        return space.snap(X)
    move = rng.random((n, len(free))) < min(1.0, _SUBSET / len(free))
    move[np.arange(n), rng.integers(len(free), size=n)] = True  # at least one coordinate
    scale = np.exp(rng.uniform(np.log(_STEP_MIN), np.log(_STEP_MAX), size=(n, 1)))
    step = np.where(move, scale * rng.standard_normal((n, len(free))), 0.0)
    X[:, free] = np.clip(X[:, free] + step, 0.0, 1.0)
    return space.snap(X)


def maximize_acquisition(
    space: SearchSpace,
    acq: AcqFn,
    acq_grad: AcqGradFn,
    rng: np.random.Generator,
    *,
    X_seed: np.ndarray | None = None,
    X_start: np.ndarray | None = None,
    n_candidates: int = 1024,
    n_starts: int = 8,
    max_rounds: int = 3,
    max_iter: int = 100,
    starts: str = "roulette",
    lattice_limit: int = 0,
    X_local: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Returns the best admissible point found, ``(d,)``, and its acquisition value. A space
    of discrete columns with at most ``lattice_limit`` points is searched exhaustively.
    ``X_local``: centres of ``n_candidates`` further candidates near them (:func:`perturbed`)."""
    lattice = space.lattice(lattice_limit) if lattice_limit > 0 else None
    if lattice is not None:
        scores = np.concatenate(
            [acq(lattice[i : i + _CHUNK]) for i in range(0, len(lattice), _CHUNK)]
        )
        best = int(np.argmax(scores))
        return lattice[best], float(scores[best])
    candidates = space.sample_sobol(rng, n_candidates)
    if X_local is not None and len(X_local):
        candidates = np.vstack([candidates, perturbed(space, X_local, n_candidates, rng)])
    if X_seed is not None and len(X_seed):
        candidates = np.vstack([space.snap(X_seed), candidates])
    scores = acq(candidates)
    order = np.argsort(-scores, kind="stable")
    chosen = order[:n_starts] if starts == "best" else _roulette(scores, order[0], n_starts, rng)
    X = candidates[chosen].copy()
    f = scores[chosen].copy()
    if X_start is not None and len(X_start):
        X_start = space.snap(X_start)
        X = np.vstack([X, X_start])
        f = np.concatenate([f, acq(X_start)])

    free = np.flatnonzero(space.is_relaxed)
    for _ in range(max_rounds):
        improved = False
        if len(free):
            Z = space.snap(_lbfgsb(space, acq_grad, X, free, max_iter))
            fz = acq(Z)
            better = fz > f
            X[better], f[better] = Z[better], fz[better]
            improved |= bool(better.any())
        if space.is_discrete.any():
            X_new, f_new = _discrete_sweep(space, acq, X, f)
            improved |= bool(np.any(f_new > f))
            X, f = X_new, f_new
        if not improved or not space.is_discrete.any():
            break
    best = int(np.argmax(f))
    if f[best] < scores[order[0]]:  # never worse than the best candidate
        return candidates[order[0]], float(scores[order[0]])
    return X[best], float(f[best])
