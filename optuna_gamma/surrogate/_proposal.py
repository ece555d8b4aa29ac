"""The proposal policy: the sampler's next point from a fitted surrogate, over the whole space
or on every branch of a conditional one (docs/math.md §9)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

import numpy as np
from optuna.trial import FrozenTrial

from optuna_gamma._optim import AcqFn
from optuna_gamma._optim import AcqGradFn
from optuna_gamma._optim import maximize_acquisition
from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma._search_space import SearchSpace
from optuna_gamma.surrogate._models import noisy
from optuna_gamma.surrogate._settings import MAX_BRANCHES
from optuna_gamma.surrogate._settings import NOISY_PRIOR_RATE
from optuna_gamma.surrogate._settings import NOISY_TRUST_REGION

if TYPE_CHECKING:
    from optuna_gamma.surrogate._fitted import FittedSurrogate

# L-BFGS-B always starts from this many of the best observed points, besides the best candidates,
# so the optimiser can refine around the incumbent even when no candidate lands near it.
_N_INCUMBENT_STARTS = 1
# Centres of the local candidates (many dimensions only): this share of the trials, the best.
_LOCAL_SHARE = 0.05

#: With ``noisy_trust_region``: the penalty per squared unit (of a parameter's range) outside
#: the region -- 0.01 of the range outside costs 0.1, beyond any log-acquisition difference
#: that matters.
TRUST_PENALTY = 1e3

#: One branch of a conditional space: its own space, its columns in the full space, the map from
#: its encoded points to the full space's, and the log weight of its points (``-inf``: off the
#: branch; :meth:`ConditionalSearchSpace.branch`).
Branch = tuple[
    SearchSpace,
    np.ndarray,
    Callable[[np.ndarray], np.ndarray],
    Callable[[np.ndarray], np.ndarray],
]


def maximize(
    fitted: FittedSurrogate,
    ranked: np.ndarray,
    rng: np.random.Generator,
    branch: Branch | None,
) -> tuple[np.ndarray, float]:
    """Maximises ``fitted``'s acquisition from the trials ``ranked`` (best first), over the
    whole space or over one branch: there the other columns stay at the branch's values and
    the starting points are the trials that took the branch."""
    if branch is None:
        acq, acq_grad = _within_trust_region(fitted)
        return maximize_acquisition(
            fitted.space,
            acq,
            acq_grad,
            rng,
            X_seed=ranked[:3],
            X_start=ranked[:_N_INCUMBENT_STARTS],
            n_candidates=fitted.settings.n_candidates,
            starts=fitted.settings.acquisition_starts,
            lattice_limit=fitted.settings.lattice_limit,
            X_local=local_centres(fitted.space, ranked, fitted.settings.local_candidates_from),
        )
    sub, columns, embed, log_weight = branch
    on_branch = ranked[np.all(np.abs(embed(ranked[:, columns]) - ranked) < 1e-12, axis=1)]

    def values(Z: np.ndarray) -> np.ndarray:
        w = log_weight(Z)
        return np.where(np.isfinite(w), fitted.acquisition_values(embed(Z)) + w, -1e300)

    def values_and_grad(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        value, grad = fitted.acquisition_values_and_grad(embed(Z))
        w = log_weight(Z)
        return np.where(np.isfinite(w), value + w, -1e300), grad[:, columns]

    x, value = maximize_acquisition(
        sub,
        values,
        values_and_grad,
        rng,
        X_seed=on_branch[:3, columns],
        X_start=on_branch[:_N_INCUMBENT_STARTS, columns],
        n_candidates=fitted.settings.n_candidates,
        starts=fitted.settings.acquisition_starts,
        lattice_limit=fitted.settings.lattice_limit,
        X_local=local_centres(sub, on_branch[:, columns], fitted.settings.local_candidates_from),
    )
    return embed(x[None])[0], value


def _within_trust_region(fitted: FittedSurrogate) -> tuple[AcqFn, AcqGradFn]:
    """The acquisition (values, and values with gradients) that the optimiser maximises: as
    fitted, or, with ``settings.noisy_trust_region`` while the fitted noise is not negligible,
    less a steep quadratic penalty ``TRUST_PENALTY * sum(e_j^2)`` on the distance ``e_j`` by
    which a relaxed coordinate lies beyond the half-width around the evaluated point of
    largest posterior mean (a feasible one, where some are; one objective only;
    docs/math.md §11). A penalty, not a box: the candidates, the starts and L-BFGS-B's
    bounds stay as they are, and a point well outside the region loses to the points
    inside."""
    width = _trust_width(fitted)
    if width is None:
        return fitted.acquisition_values, fitted.acquisition_values_and_grad
    X, mean = fitted.X, fitted.model.fitted_mean[: len(fitted.X)]
    if fitted.feasible is not None and fitted.feasible.any():
        X, mean = (
            X[: len(fitted.feasible)][fitted.feasible],
            mean[: len(fitted.feasible)][fitted.feasible],
        )
    if not len(X):
        return fitted.acquisition_values, fitted.acquisition_values_and_grad
    centre = X[int(np.argmax(mean))]
    relaxed = fitted.space.is_relaxed

    def excess(Z: np.ndarray) -> np.ndarray:
        return np.where(relaxed, np.maximum(np.abs(Z - centre) - width, 0.0), 0.0)

    def values(Z: np.ndarray) -> np.ndarray:
        return fitted.acquisition_values(Z) - TRUST_PENALTY * (excess(Z) ** 2).sum(axis=1)

    def values_and_grad(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        value, grad = fitted.acquisition_values_and_grad(Z)
        e = excess(Z)
        penalty = TRUST_PENALTY * (e**2).sum(axis=1)
        return value - penalty, grad - 2.0 * TRUST_PENALTY * e * np.sign(Z - centre)

    return values, values_and_grad


def _trust_width(fitted: FittedSurrogate) -> float | None:
    """The trust region's half-width, or ``None`` for the whole box: ``noisy_trust_region``
    while the fitted noise is not negligible; with ``trust_region_from``, that width (the
    default one where it is ``None``) in a space of at least that many relaxed coordinates,
    noise or not. One objective only."""
    settings = fitted.settings
    if len(fitted.objectives) != 1:
        return None
    if settings.noisy_trust_region is not None and noisy(fitted.model):
        return settings.noisy_trust_region
    wide = settings.trust_region_from
    if wide is not None and int(np.count_nonzero(fitted.space.is_relaxed)) >= wide:
        return settings.noisy_trust_region or NOISY_TRUST_REGION
    return None


def local_centres(
    space: SearchSpace, ranked: np.ndarray, from_dim: int | None
) -> np.ndarray | None:
    """The best 5 % of the trials ``ranked`` (best first; at least one), around which the
    acquisition optimiser also draws candidates, in a space of at least ``from_dim`` relaxed
    (continuous or large-grid) coordinates; ``None`` in a smaller one (docs/math.md §13)."""
    if from_dim is None or int(np.count_nonzero(space.is_relaxed)) < from_dim or not len(ranked):
        return None
    return ranked[: max(1, int(np.ceil(_LOCAL_SHARE * len(ranked))))]


def maximize_fresh(
    fitted: FittedSurrogate,
    space: SearchSpace,
    rng: np.random.Generator,
    branch: Branch | None = None,
    taken: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """The acquisition's maximiser (on ``branch``, if given), unless it repeats an evaluated
    point: EI can settle on parameters already evaluated -- typically a bound where a smooth
    trend through equally poor values peaks -- and would repeat them forever. A repeat teaches
    the model little, so a pure-exploration step is taken instead. Where every parameter is
    discrete (and on a branch of a conditional space) -- grids where the acquisition's optimum
    is often an evaluated point next to other evaluated points, and a point not yet evaluated
    is a distinct configuration, not one a hair's breadth away -- the best point not yet
    evaluated comes first, and exploration only if there is none. ``taken``: the evaluated
    points snapped to the grid, if the caller has them already."""
    x_best, acq_value = fitted.maximize(rng, branch)
    settings = fitted.settings
    if settings.noisy_repeats and noisy(fitted.model):
        return x_best, float(acq_value)  # under noise, a repeat is a re-evaluation
    if taken is None:
        taken = fitted.evaluated
    lattice = branch is not None or (
        bool(space.is_discrete.all()) and settings.discrete_repeats == "best_fresh"
    )
    if matches_any(x_best, taken) and lattice:
        x_best, acq_value = fitted.avoiding(taken).maximize(rng, branch)
    if matches_any(x_best, taken):
        x_best = fitted.most_uncertain(rng, default=x_best, branch=branch)
        acq_value = float(fitted.acquisition_values(x_best[None])[0])
    return x_best, float(acq_value)


def _suggest_on_branches(
    fitted: FittedSurrogate,
    space: ConditionalSearchSpace,
    completed: list[FrozenTrial],
    rng: np.random.Generator,
) -> tuple[dict[str, Any], np.ndarray, float]:
    """A full assignment of the union space: the acquisition is maximised on each branch the
    trials took (up to ``MAX_BRANCHES``, the most frequent), the best branch's point is the
    suggestion, and the parameters it leaves inactive take the values of the next best
    branches' points -- so whichever branch the trial then takes, every parameter it asks for
    has a value the model chose (docs/math.md §9)."""
    counts = Counter(frozenset(n for n in space.conditional if n in t.params) for t in completed)
    observed = [t.params for t in completed]
    taken = fitted.evaluated
    results = []
    branches = [space.branch(active, observed) for active, _ in counts.most_common(MAX_BRANCHES)]
    # An unseen choice of a parameter that separates the branches (a model family no trial has
    # tried) competes as a branch of its own: otherwise every branch holds the parameter to
    # the values seen on it, and a family the start-up trials missed is never tried.
    if fitted.settings.unseen_choices:
        unseen = space.unexplored(observed)
        branches += [space.unexplored_branch(n, c) for n, c in unseen.items()]
    for branch in branches:
        x, value = maximize_fresh(fitted, space, rng, branch, taken)
        # A branch whose every point was evaluated offers only a repeat: any branch with a new
        # point comes first.
        results.append((not matches_any(x, taken), value, x))
    results.sort(key=lambda r: (not r[0], -r[1]))
    _, acq_value, x_best = results[0]
    params: dict[str, Any] = {}
    for _, _, x in results:
        for name, value in space.decode(x).items():
            params.setdefault(name, value)
    # A parameter only on branches beyond MAX_BRANCHES: the latest value a trial had, or none
    # (then the trial that asks for it gets it from the independent sampler).
    for name in space.union:
        if name not in params:
            latest = [t.params[name] for t in completed if name in t.params]
            if latest:
                params[name] = latest[-1]
    return params, x_best, acq_value


def propose(
    fitted: FittedSurrogate,
    space: SearchSpace,
    completed: Sequence[FrozenTrial],
    rng: np.random.Generator,
) -> tuple[dict[str, Any], np.ndarray, float]:
    """The sampler's next suggestion from ``fitted``: the parameters (a full assignment of a
    conditional space's union), the encoded point of the chosen branch, and its acquisition."""
    row = noise_check(fitted, len(completed))
    if row is not None:  # evaluate the best trial again: is the objective noisy?
        x = fitted.X[row]
        params = {n: v for n, v in fitted.completed[row].params.items() if n in space.names}
        return params, x, float(fitted.acquisition_values(x[None])[0])
    if isinstance(space, ConditionalSearchSpace):
        return _suggest_on_branches(fitted, space, list(completed), rng)
    x_best, acq_value = maximize_fresh(fitted, space, rng)
    return space.decode(x_best), x_best, acq_value


def noise_check(fitted: FittedSurrogate, n_completed: int) -> int | None:
    """The row of the trial to evaluate again to learn whether the objective is noisy -- the
    best feasible one -- or ``None`` if that is not due: under ``noise_check``, in a
    single-objective study of at least ``noise_check_from`` COMPLETE trials (``n_completed``)
    whose repeats (if any) have not yet shown whether the objective is noisy
    (:func:`~optuna_gamma.surrogate._noise.repeat_evidence`), whose model fits noise that is
    not negligible (with a noise prior not already meant for noise, ``deterministic_objective``
    off), and while no running or pruned trial is at that point (docs/math.md §11)."""
    settings = fitted.settings
    if (
        not settings.noise_check
        or settings.deterministic_objective
        or settings.noise_prior_rate <= NOISY_PRIOR_RATE
        or fitted.noise_evidence is not None
        or len(fitted.objectives) > 1
        or n_completed < settings.noise_check_from
        or not noisy(fitted.model)
    ):
        return None
    n = len(fitted.completed)
    feasible = np.ones(n, dtype=bool) if fitted.feasible is None else fitted.feasible[:n]
    if not feasible.any():
        return None
    rows = np.flatnonzero(feasible)
    row = int(rows[np.argmax(fitted.y[rows])])
    if matches_any(fitted.space.snap(fitted.X[row][None])[0], fitted.avoid):
        return None
    return row


def matches_any(x: np.ndarray, P: np.ndarray, tol: float = 1e-12) -> bool:
    """Whether the encoded point ``x`` is within ``tol`` of a row of ``P`` (``(k, d)``) in every
    coordinate."""
    return bool(len(P)) and bool(np.all(np.abs(P - x) < tol, axis=1).any())
