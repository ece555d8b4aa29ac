"""Long studies: the trials the exact model is fitted to once they are many (docs/math.md §12).

The exact model costs ``O(n^3)`` time and ``O(n^2)`` memory in the ``n`` trials it holds. Past
``SurrogateSettings.max_model_trials`` it holds a subset of that size, chosen from the storage's
content alone (so every worker and every process picks the same one):

- half of it, the best trials (feasible ones first; with several objectives, by the sum of their
  ranks over the objectives) -- the model stays exact where the search refines;
- the other half, trials evenly spread over the rest of the history in the order of their
  numbers -- the global picture, at a coarser resolution, so that the acquisition does not take
  a region the study has already found poor for an unexplored one;
- PRUNED trials, which join the data at the worst value, take at most a tenth of it, the latest.

Every evaluated point, modelled or not, still counts as taken: a suggestion never repeats one.

From ``SurrogateSettings.refit_from`` trials on, the kernel hyperparameters -- whose fit costs
several factorisations -- are fitted again only when the number of trials is a multiple of
:func:`refit_period` (a tenth of it, at most ``REFIT_PERIOD``), and in between kept from the fit
the latest trial stored (:func:`refit_due`): the data grow by at most a tenth between two fits,
which moves the hyperparameters little.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
import scipy.stats

from optuna_gamma._storage import read_constraints

PRUNED_SHARE = 10  # PRUNED trials fill at most 1 / PRUNED_SHARE of the subset
#: From ``SurrogateSettings.refit_from`` trials on, the kernel hyperparameters are fitted again
#: when the number of trials is a multiple of a tenth of it, and at the latest on every
#: REFIT_PERIOD-th number of trials (:func:`refit_period`); kept from the previous fit in between.
REFIT_PERIOD = 10
REFIT_GROWTH = 10  # the period is the number of trials over this (the data grow by a tenth)


def model_subset(
    completed: Sequence[FrozenTrial],
    pruned: Sequence[FrozenTrial],
    directions: Sequence[StudyDirection],
    limit: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Ascending indices of the COMPLETE and of the PRUNED trials the model holds: all of them
    up to ``limit`` together (``None``: no limit), else ``limit`` chosen as the module says."""
    n, p = len(completed), len(pruned)
    if limit is None or n + p <= limit:
        return np.arange(n), np.arange(p)
    kept_pruned = np.arange(p - min(p, limit // PRUNED_SHARE), p)
    m = min(limit - len(kept_pruned), n)
    best = best_first(completed, directions)[: m // 2]
    rest = np.setdiff1d(np.arange(n), best)  # ascending: the history's order
    spread = rest[np.linspace(0, len(rest) - 1, m - len(best)).round().astype(int)]
    return np.sort(np.concatenate([best, spread])), kept_pruned


def refit_period(n_trials: int) -> int:
    """The refit schedule's period at ``n_trials`` trials: a tenth of them, between 1 and
    ``REFIT_PERIOD`` (every number of trials below 20, every tenth from 100 on)."""
    return min(REFIT_PERIOD, max(1, n_trials // REFIT_GROWTH))


def refit_due(n_trials: int, refit_from: int | None) -> bool:
    """Whether a model of a study with ``n_trials`` trials (COMPLETE and PRUNED) fits its kernel
    hyperparameters again, or keeps those the previous trial stored: below ``refit_from``
    trials (``None``: always) and on every multiple of :func:`refit_period` it refits. The
    number of trials comes from the storage, so every worker keeps the same schedule."""
    return refit_from is None or n_trials < refit_from or n_trials % refit_period(n_trials) == 0


def best_first(trials: Sequence[FrozenTrial], directions: Sequence[StudyDirection]) -> np.ndarray:
    """Indices of ``trials`` (COMPLETE) from the best: feasible ones (stored constraint values
    all ``<= 0``, or none) before the others, each by their objective value, or by the sum of
    their ranks over several objectives; ties in the history's order."""
    signs = np.array([1.0 if d == StudyDirection.MAXIMIZE else -1.0 for d in directions])
    Y = np.nan_to_num(np.array([t.values for t in trials], dtype=float) * signs)  # (n, k)
    score = Y[:, 0] if len(directions) == 1 else scipy.stats.rankdata(Y, axis=0).sum(axis=1)
    infeasible = np.array([_violation(t) > 0.0 for t in trials], dtype=bool)
    return np.lexsort((-score, infeasible))


def _violation(trial: FrozenTrial) -> float:
    """The sum of the positive stored constraint values (``inf`` if undecodable)."""
    values = read_constraints(trial)
    if values is None:
        return float("inf")
    return float(sum(max(v, 0.0) for v in values.values()))
