"""The study's fitted surrogate: one model per objective, the constraint models and the
acquisition, fitted by one function whatever the number of objectives."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
import dataclasses
from dataclasses import dataclass
import math
from typing import TYPE_CHECKING
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial

from optuna_gamma import _gp
from optuna_gamma import _hypervolume
from optuna_gamma._inputs import ModelInputs
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._storage import model_key
from optuna_gamma._storage import read_constraints
from optuna_gamma._storage import read_model_starts
from optuna_gamma._transform import ValueTransform
from optuna_gamma.surrogate._acquisitions import UCB
from optuna_gamma.surrogate._acquisitions import Acquisition
from optuna_gamma.surrogate._acquisitions import LogEHVI
from optuna_gamma.surrogate._acquisitions import LogEI
from optuna_gamma.surrogate._acquisitions import LogPI
from optuna_gamma.surrogate._acquisitions import log_feasibility
from optuna_gamma.surrogate._models import ConstraintModel
from optuna_gamma.surrogate._models import ObjectiveModel
from optuna_gamma.surrogate._models import fit_constraints
from optuna_gamma.surrogate._models import fit_objective
from optuna_gamma.surrogate._models import noisy
from optuna_gamma.surrogate._noise import checked_settings
from optuna_gamma.surrogate._noise import distinct
from optuna_gamma.surrogate._noise import repeat_evidence
from optuna_gamma.surrogate._settings import CREDIBLE_MASS
from optuna_gamma.surrogate._settings import SurrogateSettings
from optuna_gamma.surrogate._subset import model_subset
from optuna_gamma.surrogate._subset import refit_due

if TYPE_CHECKING:
    from optuna_gamma.surrogate._proposal import Branch

#: Where the kernel fits start: one entry per objective (``None``: the defaults) and the
#: constraint models' by name (:func:`optuna_gamma._storage.read_model_starts`).
Starts = tuple[Sequence[_gp.Hyperparams | None], Mapping[str, _gp.Hyperparams]]


@dataclass(frozen=True)
class FittedSurrogate:
    """A study's fitted surrogate, for the sampler, the plots and the dashboard alike.

    ``objectives`` holds one :class:`ObjectiveModel` per objective; ``constraints`` one
    :class:`ConstraintModel` per constraint; ``acquisition`` the :class:`Acquisition` the
    sampler maximises (log EI, log PI or UCB for one objective, log EHVI for several, each plus
    the constraints' log probability of feasibility). ``feasible`` marks the rows of ``X``
    known to be feasible (``None`` for one objective without constraints: every row);
    ``order`` ranks the rows, best first, for the optimiser's starting points (``None``: by
    ``y``). ``completed`` are the COMPLETE trials of the first rows, in their order (a long
    study's model holds a subset of its trials: :mod:`optuna_gamma.surrogate._subset`);
    ``unmodelled`` the encoded points of the trials it leaves out (``None``: none).
    ``noise_evidence`` is what trials that repeated their parameters say about noise
    (:func:`~optuna_gamma.surrogate._noise.repeat_evidence`: ``True`` noisy, ``False``
    noise-free, ``None`` not known yet or without ``settings.noise_check``), and ``settings``
    are the settings the models were fitted with, the noise prior already chosen from it.
    """

    space: SearchSpace
    objectives: tuple[ObjectiveModel, ...]
    constraints: tuple[ConstraintModel, ...]
    acquisition: Acquisition
    settings: SurrogateSettings
    feasible: np.ndarray | None = None
    order: np.ndarray | None = None
    completed: tuple[FrozenTrial, ...] = ()
    unmodelled: np.ndarray | None = None
    noise_evidence: bool | None = None

    @property
    def evaluated(self) -> np.ndarray:
        """Encoded points of every observation, held by the model or not, snapped to the grid:
        the points a suggestion must not repeat ``(m, d)``."""
        X = self.X if self.unmodelled is None else np.vstack([self.X, self.unmodelled])
        return self.space.snap(X)

    # -- the first objective's model, for one-objective studies --------------------------------

    @property
    def model(self) -> _gp.Posterior:
        return self.objectives[0].model

    @property
    def X(self) -> np.ndarray:
        """Encoded points of the observations ``(n, d)`` (PRUNED trials appended when they
        join the data)."""
        return self.objectives[0].X

    @property
    def y(self) -> np.ndarray:
        return self.objectives[0].y

    @property
    def transform(self) -> ValueTransform:
        return self.objectives[0].transform

    @property
    def y_best(self) -> float | None:
        """The incumbent of a single-objective acquisition, in the model's values (``None``
        while no trial is feasible, and for several objectives)."""
        return getattr(self.acquisition, "y_best", None)

    @property
    def boxes(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The box decomposition log EHVI integrates over (``None`` without it)."""
        return getattr(self.acquisition, "boxes", None)

    @property
    def avoid(self) -> np.ndarray:
        return self.acquisition.avoid

    # -- predictions and the acquisition ---------------------------------------------------------

    def predict(
        self, Z: np.ndarray, mass: float = CREDIBLE_MASS, objective: int = 0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predictive median and central ``mass`` credible interval ``(lower, upper)`` of one
        objective at encoded points ``Z`` ``(s, d)``, in the objective's own units."""
        return self.objectives[objective].predict(Z, mass)

    def predict_each(
        self, Z: np.ndarray, mass: float = CREDIBLE_MASS
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """:meth:`predict` for every objective."""
        return [o.predict(Z, mass) for o in self.objectives]

    def acquisition_values(self, Z: np.ndarray) -> np.ndarray:
        return self.acquisition.values(Z)

    def acquisition_values_and_grad(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.acquisition.values_and_grad(Z)

    def log_feasibility(self, Z: np.ndarray) -> np.ndarray:
        """``log P(feasible)`` at encoded points ``Z``: the sum over the constraint models
        (independent given the data); zero without constraints."""
        return log_feasibility(self.constraints, Z)

    def avoiding(self, P: np.ndarray) -> FittedSurrogate:
        """The same surrogate with the encoded points ``P`` also ruled out."""
        return dataclasses.replace(self, acquisition=self.acquisition.avoiding(P))

    def maximize(
        self, rng: np.random.Generator, branch: Branch | None = None
    ) -> tuple[np.ndarray, float]:
        """The encoded point that maximises the acquisition, and its value (on one ``branch``
        of a conditional space, if given: see :meth:`ConditionalSearchSpace.branch`)."""
        from optuna_gamma.surrogate._proposal import maximize

        order = np.argsort(-self.y, kind="stable") if self.order is None else self.order
        return maximize(self, self.X[order], rng, branch)

    def most_uncertain(
        self, rng: np.random.Generator, default: np.ndarray, branch: Branch | None = None
    ) -> np.ndarray:
        """The quasi-random candidate (of ``branch``, if given) with the largest predictive
        scale of the first objective that repeats no completed or running trial's parameters
        (``default`` if every candidate does)."""
        from optuna_gamma.surrogate._proposal import matches_any

        if branch is None:
            Z = self.space.sample_sobol(rng, self.settings.n_candidates)  # (m, d)
        else:
            Z_branch = branch[0].sample_sobol(rng, self.settings.n_candidates)
            Z = branch[2](Z_branch[np.isfinite(branch[3](Z_branch))])
        taken = np.vstack([self.evaluated, self.avoid])
        fresh = ~np.array([matches_any(z, taken) for z in Z], dtype=bool)
        if not fresh.any():
            return default
        scale = self.model.predict(Z[fresh])[1]
        return Z[fresh][int(np.argmax(scale))]


#: The multi-objective surrogate is the same class with several objectives.
MultiObjectiveSurrogate = FittedSurrogate


def fit_model(
    inputs: ModelInputs,
    directions: Sequence[StudyDirection],
    settings: SurrogateSettings,
    *,
    pending: Sequence[Mapping[str, Any]] = (),
    starts: Starts = ((), {}),
) -> FittedSurrogate:
    """The study's surrogate from :func:`optuna_gamma._inputs.model_inputs` -- the one call the
    sampler and the plots make, so both fit the same model to the same trials.

    Args:
        inputs: The trials and the space.
        directions: The study's directions, one per objective.
        settings: The surrogate's settings.
        pending: Parameters of RUNNING trials (a kriging believer).
        starts: Where the kernel fits start: one entry per objective and the constraint
            models' by name.
    """
    return _fit(
        inputs.completed, inputs.space, directions, settings, pending, inputs.pruned, starts
    )


def fit_stored(
    inputs: ModelInputs,
    trials: Sequence[FrozenTrial],
    directions: Sequence[StudyDirection],
    settings: SurrogateSettings,
    *,
    before: float = math.inf,
) -> FittedSurrogate:
    """:func:`fit_model` with the kernel fits started where the sampler's were: from the
    hyperparameters the latest trial numbered below ``before`` stored (``inf``: the latest
    trial; no running trials), so that a plot or a recommendation fits the model the sampler
    fitted, or would fit next, from the storage's content alone."""
    space = inputs.space
    key = model_key(space.names, space.distributions, settings.deterministic_objective)
    starts = read_model_starts(trials, before, key, space.dim, len(directions))
    return fit_model(inputs, directions, settings, starts=starts)


def fit_surrogate(
    completed: Sequence[FrozenTrial],
    space: SearchSpace | Mapping[str, BaseDistribution],
    direction: StudyDirection,
    settings: SurrogateSettings,
    *,
    pending: Sequence[Mapping[str, Any]] = (),
    pruned: Sequence[FrozenTrial] = (),
    initial: _gp.Hyperparams | None = None,
    initial_constraints: Mapping[str, _gp.Hyperparams] | None = None,
) -> FittedSurrogate:
    """Fits the surrogate of a single-objective study to its COMPLETE trials.

    If any of them carries constraint values (``FrozenTrial.constraints``: set with
    ``trial.set_constraint``, or stored from a sampler's ``constraints_func``), one
    :class:`ConstraintModel` per constraint name is fitted too, on the trials that have a value
    for it, and the acquisition becomes constrained (docs/math.md §7).

    Args:
        completed: COMPLETE trials, each holding every parameter of ``space`` (finite values).
        space: The search space (distributions by name).
        direction: The study's direction.
        settings: The surrogate's settings.
        pending: Parameters of RUNNING trials, added as a kriging believer (docs/math.md §2).
        pruned: PRUNED trials: with ``settings.pruned_trials == "worst"`` they join the data at
            the worst completed value; either way no suggestion may come near them.
        initial: Kernel hyperparameters to start the fit from. Defaults to the defaults.
        initial_constraints: The same for the constraint models, by constraint name.
    """
    starts = ([initial], initial_constraints or {})
    return _fit(completed, _space(space), [direction], settings, pending, pruned, starts)


def fit_multi_objective(
    completed: Sequence[FrozenTrial],
    space: SearchSpace | Mapping[str, BaseDistribution],
    directions: Sequence[StudyDirection],
    settings: SurrogateSettings,
    *,
    pending: Sequence[Mapping[str, Any]] = (),
    pruned: Sequence[FrozenTrial] = (),
    initial: Sequence[_gp.Hyperparams | None] = (),
    initial_constraints: Mapping[str, _gp.Hyperparams] | None = None,
) -> FittedSurrogate:
    """Fits one model per objective (and one per constraint) to the COMPLETE trials of a
    multi-objective study; the acquisition is log expected hypervolume improvement
    (docs/math.md §8). The arguments are those of :func:`fit_surrogate`, with ``directions``
    and ``initial`` one per objective."""
    starts = (initial, initial_constraints or {})
    return _fit(completed, _space(space), directions, settings, pending, pruned, starts)


def _space(space: SearchSpace | Mapping[str, BaseDistribution]) -> SearchSpace:
    return space if isinstance(space, SearchSpace) else SearchSpace(space)


def _fit(
    completed: Sequence[FrozenTrial],
    space: SearchSpace,
    directions: Sequence[StudyDirection],
    settings: SurrogateSettings,
    pending: Sequence[Mapping[str, Any]],
    pruned: Sequence[FrozenTrial],
    starts: Starts,
) -> FittedSurrogate:
    """The fit's steps: the trials the model holds (all of them, or in a long study a subset:
    :mod:`._subset`), the objective models, the constraint models, the points to avoid, then
    the acquisition and the optimiser's ranking of the observations."""
    initial, initial_constraints = starts
    evidence = repeat_evidence(completed) if settings.noise_check else None
    settings = checked_settings(settings, evidence)
    if evidence is False:  # noise-free: a repeat is the same observation, held once
        completed = distinct(completed)
    refit = refit_due(len(completed) + len(pruned), settings.refit_from)
    keep, keep_pruned = model_subset(completed, pruned, directions, settings.max_model_trials)
    unmodelled = _left_out(space, completed, keep, pruned, keep_pruned)
    completed = [completed[i] for i in keep]
    pruned = [pruned[i] for i in keep_pruned]
    X_pruned = space.encode([t.params for t in pruned]) if pruned else np.empty((0, space.dim))
    X_pending = space.encode(list(pending)) if pending else None
    several = len(directions) > 1
    objectives = tuple(
        fit_objective(
            completed,
            space,
            direction,
            settings,
            objective=k if several else None,
            X_pruned=X_pruned,
            X_pending=X_pending,
            initial=initial[k] if k < len(initial) else None,
            refit=refit,
        )
        for k, direction in enumerate(directions)
    )
    n, X = len(completed), objectives[0].X
    values = [read_constraints(t) for t in completed]
    names = sorted({name for c in values if c for name in c})
    constraints, violation = fit_constraints(
        values, names, X[:n], len(X) - n, space, settings, X_pending, initial_constraints, refit
    )
    P = space.snap(X_pending) if X_pending is not None else np.empty((0, space.dim))
    # Kriging believer: the running trials the constraint models believe feasible count as
    # observed at their predicted means, which also raises the incumbent, so the acquisition no
    # longer rewards crowding next to them.
    believed = np.ones(len(P), dtype=bool)
    for c in constraints:
        believed &= c.model.predict(P)[0] >= c.threshold + c.margin
    base = Acquisition(tuple(constraints), np.vstack([P, space.snap(X_pruned)]))
    feasible = violation <= 0.0
    if several:
        acquisition, order = _several(objectives, base, feasible, violation, P[believed], n)
    else:
        acquisition = _single(objectives[0], base, feasible, P[believed], settings)
        # Starting points: feasible trials best first, then the least violating ones.
        order = np.lexsort((violation, -np.where(feasible, objectives[0].y, -np.inf)))
    ranked = several or bool(constraints)  # else: every row feasible, ranked by y
    return FittedSurrogate(space, objectives, base.constraints, acquisition, settings,
                           feasible=feasible if ranked else None, order=order if ranked else None,
                           completed=tuple(completed), unmodelled=unmodelled,
                           noise_evidence=evidence)  # fmt: skip


def _left_out(
    space: SearchSpace,
    completed: Sequence[FrozenTrial],
    keep: np.ndarray,
    pruned: Sequence[FrozenTrial],
    keep_pruned: np.ndarray,
) -> np.ndarray:
    """Encoded points of the trials the model does not hold ``(k, d)``."""
    rest = []
    for trials, kept in ((completed, keep), (pruned, keep_pruned)):
        out = np.ones(len(trials), dtype=bool)
        out[kept] = False
        rest += [trials[int(i)].params for i in np.flatnonzero(out)]
    return space.encode(rest) if rest else np.empty((0, space.dim))


def _single(
    objective: ObjectiveModel,
    base: Acquisition,
    feasible: np.ndarray,
    P_believed: np.ndarray,
    settings: SurrogateSettings,
) -> Acquisition:
    """One objective's acquisition at the incumbent (pruned rows, at the minimum, never raise
    it; running trials do, at their predicted means), or the log probability of feasibility
    alone while no trial is feasible."""
    if not feasible.any():
        return base
    y_best = incumbent(objective, feasible, settings)
    if len(P_believed):
        y_best = max(y_best, float(objective.model.predict(P_believed)[0].max()))
    model = objective.model
    if settings.acquisition == "ucb":
        return UCB(
            base.constraints, base.avoid, model=model, y_best=y_best, beta=settings.ucb_beta
        )
    kind = LogPI if settings.acquisition == "pi" else LogEI
    return kind(base.constraints, base.avoid, model=model, y_best=y_best, xi=settings.xi)


def incumbent(
    objective: ObjectiveModel, feasible: np.ndarray, settings: SurrogateSettings
) -> float:
    """The value improvement is measured from, in the model's values: the best feasible
    observation, or, with ``incumbent="plug_in"`` and noise that is not negligible, the best
    posterior mean at the feasible evaluated points (the plug-in rule, docs/math.md §11)."""
    if settings.incumbent == "observed" or not noisy(objective.model):
        return float(objective.y[feasible].max())
    return float(objective.model.predict(objective.X[feasible])[0].max())


def _several(
    objectives: tuple[ObjectiveModel, ...],
    base: Acquisition,
    feasible: np.ndarray,
    violation: np.ndarray,
    P_believed: np.ndarray,
    n: int,
) -> tuple[Acquisition, np.ndarray]:
    """log EHVI over the front of the feasible trials (running ones believed at their
    predicted means; the reference point from the COMPLETE trials: GPSampler's rule), or the
    log probability of feasibility alone while no trial is feasible; and the optimiser's
    ranking: the feasible Pareto-optimal trials first."""
    Y = np.column_stack([o.y for o in objectives])  # (n + pruned, d), larger is better
    ref = _hypervolume.reference_point(Y[:n])
    front = Y[feasible]
    if len(front) and len(P_believed):
        means = np.column_stack([o.model.predict(P_believed)[0] for o in objectives])
        front = np.vstack([front, means])
    acquisition = base
    if len(front):
        # Exact up to MAX_SWEEP_BOXES boxes; beyond, of the thinned front (docs/math.md §8).
        boxes = _hypervolume.nondominated_boxes(front, ref, _hypervolume.MAX_SWEEP_BOXES)
        models = tuple(o.model for o in objectives)
        acquisition = LogEHVI(base.constraints, base.avoid, models=models, boxes=boxes)
    rank = np.full(len(Y), 2.0)
    rank[feasible] = 1.0
    if feasible.any():
        rows = np.flatnonzero(feasible)
        rank[rows[_hypervolume.pareto_mask(Y[rows])]] = 0.0
    return acquisition, np.lexsort((violation, -Y.sum(axis=1), rank))
