"""The surrogate: settings, fit, and the fitted model with its predictions and acquisition.

One home for the model layer, used by :class:`~optuna_gamma.GammaBOSampler`, by
:mod:`optuna_gamma.visualization` and by :mod:`optuna_gamma.dashboard` alike:

- :class:`SurrogateSettings` -- everything that decides the model and the acquisition (a frozen,
  validated dataclass; ``GammaBOSampler.surrogate_settings`` is the sampler's);
- :func:`fit_surrogate` -- trials in, :class:`FittedSurrogate` out;
- :class:`FittedSurrogate` -- the fitted model: ``predict`` (median and credible interval in the
  objective's units), ``acquisition_values`` (and gradients), ``maximize``;
- :class:`ConstraintModel` -- the model of one outcome constraint, fitted alongside when trials
  carry constraint values (``trial.set_constraint`` or a sampler's ``constraints_func``);
- :func:`fit_multi_objective` / :class:`MultiObjectiveSurrogate` -- one model per objective and
  log expected hypervolume improvement;
- :func:`propose` -- the sampler's next point from a fitted surrogate, on every branch of a
  conditional space; :func:`stored_starts` -- where the kernel fits start.

The mathematics is in docs/math.md (§2 the model, §3 the acquisition, §5 the value transform,
§7 constraints, §8 several objectives, §9 conditional spaces).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
import dataclasses
from dataclasses import dataclass
import functools
import math
from typing import Any
import warnings

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
import scipy.stats

from optuna_gamma import _acquisition
from optuna_gamma import _gp
from optuna_gamma import _hypervolume
from optuna_gamma._checks import check_bool as _check_bool
from optuna_gamma._checks import check_choice as _check_choice
from optuna_gamma._checks import check_int as _check_int
from optuna_gamma._checks import check_real as _check_real
from optuna_gamma._inputs import ModelInputs
from optuna_gamma._optim import maximize_acquisition
from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._storage import read_constraints
from optuna_gamma._storage import read_latest_hyperparams
from optuna_gamma._storage import read_latest_model_hyperparams
from optuna_gamma._transform import ValueTransform

__all__ = [
    "CREDIBLE_MASS",
    "ConstraintModel",
    "FittedSurrogate",
    "MultiObjectiveSurrogate",
    "SurrogateSettings",
    "fit_model",
    "fit_multi_objective",
    "fit_surrogate",
    "propose",
    "stored_starts",
]

#: Probability mass of the credible intervals in predictions and plots.
CREDIBLE_MASS = 0.95
PREDICTIVES = ("student_t", "gaussian")
ACQUISITIONS = ("ei", "pi", "ucb")
ACQUISITION_STARTS = ("roulette", "best")
PRUNED_TRIALS = ("worst", "exclude")
#: Largest accepted ``prior_concentration`` and ``prior_rate``.
MAX_PRIOR = 1e3
#: Largest accepted ``xi`` and ``ucb_beta`` (in standard deviations of the modelled values).
MAX_XI = 1e3
MAX_CANDIDATES = 2**18  # more cost memory without helping the acquisition optimiser
# A suggestion closer than this to a running or pruned trial's parameters in every encoded
# coordinate (fractions of each parameter's range) counts as the same point.
RUNNING_RADIUS = 1e-3
# L-BFGS-B always starts from this many of the best observed points, besides the best candidates,
# so the optimiser can refine around the incumbent even when no candidate lands near it.
_N_INCUMBENT_STARTS = 1
#: Branches of a conditional space on which the acquisition is maximised (the most frequent).
MAX_BRANCHES = 8


@dataclass(frozen=True)
class SurrogateSettings:
    """What decides the surrogate and its acquisition; see :class:`~optuna_gamma.GammaBOSampler`
    for the meaning of the first eleven fields (they are its arguments of the same names). The
    last four are the alternatives the benchmarks' ablations compare; pass them through
    ``GammaBOSampler(surrogate_settings=...)``:

    - ``lengthscale_prior_mode``: the mode ``m`` of the prior on each inverse squared
      lengthscale (docs/math.md §2, "Lengthscale prior"); ``4.0``, a lengthscale of 0.5 on the
      unit cube (``1.0`` is GPSampler's and 0.1's).
    - ``lengthscale_prior``: a replacement for that prior, a function of the inverse squared
      lengthscales ``(d,)`` returning the log prior and its gradient with respect to their
      logarithms; ``None``, the library's (the noise ratio's prior is kept either way).
    - ``acquisition_starts``: how the acquisition optimiser picks its L-BFGS-B starting points
      among the scored candidates, ``"roulette"`` (drawn in proportion to their scores) or
      ``"best"`` (the top-scored, 0.1's rule).
    - ``loose_fit_from``: from this many observations on the kernel fit stops at a looser
      tolerance (1e-6 relative instead of scipy's default), which saves evaluations that cost
      ``O(n^3)``; ``200``.

    Raises:
        ValueError, TypeError: If a field is invalid; the message names it and what is valid.
    """

    predictive: str = "student_t"
    prior_concentration: float = 2.5
    prior_rate: float = 1.5
    deterministic_objective: bool = False
    power_transform: bool = True
    pruned_trials: str = "worst"
    acquisition: str = "ei"
    xi: float = 0.0
    ucb_beta: float = 2.0
    n_candidates: int = 1024
    feasibility_margin: bool = True
    lengthscale_prior_mode: float = _gp.INV_LS2_PRIOR_MODE
    lengthscale_prior: _gp.LengthscalePrior | None = None
    acquisition_starts: str = "roulette"
    loose_fit_from: int = _gp.LOOSE_FIT_FROM

    def __post_init__(self) -> None:
        _check_choice("predictive", self.predictive, PREDICTIVES)
        _check_choice("acquisition", self.acquisition, ACQUISITIONS)
        _check_choice("pruned_trials", self.pruned_trials, PRUNED_TRIALS)
        _check_int("n_candidates", self.n_candidates, minimum=1, maximum=MAX_CANDIDATES)
        # The upper bounds keep every derived quantity finite (2 a0 + n, 2 b0 + q, y_best + xi)
        # and lie far beyond any useful value: the prior is on the precision of standardised
        # values (variance 1), and a0 = 1e3 already makes the predictive Gaussian to 3 decimals.
        _check_real("xi", self.xi, minimum=0.0, inclusive=True, maximum=MAX_XI)
        _check_real("ucb_beta", self.ucb_beta, minimum=0.0, inclusive=True, maximum=MAX_XI)
        for name in ("prior_concentration", "prior_rate"):
            _check_real(name, getattr(self, name), 0.0, inclusive=False, maximum=MAX_PRIOR)
        _check_real("lengthscale_prior_mode", self.lengthscale_prior_mode, 0.0, inclusive=False)
        if self.lengthscale_prior is not None and not callable(self.lengthscale_prior):
            raise TypeError(
                "lengthscale_prior must be None or a callable of the inverse squared "
                f"lengthscales returning (value, gradient); got {self.lengthscale_prior!r}."
            )
        _check_choice("acquisition_starts", self.acquisition_starts, ACQUISITION_STARTS)
        _check_int("loose_fit_from", self.loose_fit_from, minimum=0)
        _check_bool("deterministic_objective", self.deterministic_objective)
        _check_bool("power_transform", self.power_transform)
        _check_bool("feasibility_margin", self.feasibility_margin)
        # Plain Python values, so that the settings compare, hash and print simply.
        for name in (
            "xi",
            "ucb_beta",
            "prior_concentration",
            "prior_rate",
            "lengthscale_prior_mode",
        ):
            object.__setattr__(self, name, float(getattr(self, name)))
        for name in ("deterministic_objective", "power_transform", "feasibility_margin"):
            object.__setattr__(self, name, bool(getattr(self, name)))
        object.__setattr__(self, "n_candidates", int(self.n_candidates))
        object.__setattr__(self, "loose_fit_from", int(self.loose_fit_from))


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
    objective: int | None = None,
    constrained: bool = True,
) -> FittedSurrogate:
    """Fits the surrogate to COMPLETE trials.

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
        objective: Which of a multi-objective study's values to model (``direction`` is then
            that objective's). Defaults to ``None``: the single objective, ``trial.value``.
        constrained: If ``False``, constraint values are not modelled. Defaults to ``True``.

    Returns:
        The fitted surrogate.
    """
    # Long by design: the fit's steps in order (encode, transform, pruned trials, posterior,
    # constraint models, incumbent), each a few lines working on the same arrays.
    if not isinstance(space, SearchSpace):
        space = SearchSpace(space)
    X = space.encode([t.params for t in completed])  # (n, d)
    sign = 1.0 if direction == StudyDirection.MAXIMIZE else -1.0
    raw = _clip_infinite(
        np.array(
            [t.value if objective is None else t.values[objective] for t in completed],
            dtype=float,
        )
    )
    transform = ValueTransform.fit(raw, sign, power_transform=settings.power_transform)
    y = transform.forward(raw)  # standardised (and power-transformed), larger is better
    X_pruned = space.encode([t.params for t in pruned]) if pruned else np.empty((0, space.dim))
    if len(X_pruned) and settings.pruned_trials == "worst":
        # A pruner stopped these trials because they looked worse than the others at the same
        # step: they count as observed at the worst completed value.
        X = np.vstack([X, X_pruned])
        y = np.concatenate([y, np.full(len(X_pruned), y.min())])
    X_pending = space.encode(list(pending)) if pending else None
    model = _fit_posterior(X, y, space, settings, X_pending, initial)
    P = space.snap(X_pending) if X_pending is not None else np.empty((0, space.dim))
    values = [read_constraints(t) for t in completed] if constrained else []
    names = sorted({name for c in values if c for name in c})
    constraints: list[ConstraintModel] = []
    feasible = order = None
    y_best: float | None = float(y.max())  # pruned trials, at the minimum, never raise it
    believed = np.ones(len(P), dtype=bool)
    if names:
        constraints, violation = _fit_constraints(
            values,
            names,
            X[: len(completed)],
            len(X) - len(completed),  # pruned rows, where they joined the data ("worst")
            space,
            settings,
            X_pending,
            initial_constraints or {},
        )
        feasible = violation <= 0.0
        y_best = float(y[feasible].max()) if feasible.any() else None
        if len(P):
            believed = np.all(
                [c.model.predict(P)[0] >= c.threshold + c.margin for c in constraints], axis=0
            )
        # The acquisition optimiser's starting points: feasible trials best first, then the
        # least violating ones.
        order = np.lexsort((violation, -np.where(feasible, y, -np.inf)))
    if y_best is not None and believed.any():
        # Kriging believer: running trials (those the constraint models believe feasible)
        # count as observed at their predicted mean, which also raises the incumbent, so EI
        # no longer rewards crowding next to them.
        y_best = max(y_best, float(model.predict(P[believed])[0].max()))
    return FittedSurrogate(
        space=space,
        model=model,
        X=X,
        y=y,
        avoid=np.vstack([P, space.snap(X_pruned)]),
        transform=transform,
        y_best=y_best,
        settings=settings,
        constraints=tuple(constraints),
        feasible=feasible,
        order=order,
    )


def _fit_posterior(
    X: np.ndarray,
    y: np.ndarray,
    space: SearchSpace,
    settings: SurrogateSettings,
    X_pending: np.ndarray | None,
    initial: _gp.Hyperparams | None,
) -> _gp.Posterior:
    """The kernel hyperparameters fitted to ``(X, y)`` and the posterior they give (running
    trials' ``X_pending`` as a kriging believer)."""
    hp = _gp.fit_hyperparams(
        X,
        y,
        space.is_categorical,
        settings.prior_concentration,
        settings.prior_rate,
        settings.deterministic_objective,
        initial=initial,
        lengthscale_prior=_lengthscale_prior(settings),
        loose_fit_from=settings.loose_fit_from,
    )
    return _gp.Posterior(
        X,
        y,
        space.is_categorical,
        hp,
        settings.prior_concentration,
        settings.prior_rate,
        settings.predictive,
        X_pending=X_pending,
    )


def _lengthscale_prior(settings: SurrogateSettings) -> _gp.LengthscalePrior | None:
    """The settings' lengthscale prior (``None``: the library's at its default mode)."""
    if settings.lengthscale_prior is not None:
        return settings.lengthscale_prior
    if settings.lengthscale_prior_mode == _gp.INV_LS2_PRIOR_MODE:
        return None
    return functools.partial(_gp.inv_ls2_log_prior, mode=settings.lengthscale_prior_mode)


def _fit_constraints(
    values: Sequence[Mapping[str, float] | None],
    names: Sequence[str],
    X: np.ndarray,
    n_pruned: int,
    space: SearchSpace,
    settings: SurrogateSettings,
    X_pending: np.ndarray | None,
    initial: Mapping[str, _gp.Hyperparams],
) -> tuple[list[ConstraintModel], np.ndarray]:
    """One model per constraint name, fitted to the completed trials (rows of ``X``) that have
    a value for it, and each trial's violation in the models' units (0 if feasible), with
    ``n_pruned`` pruned trials appended as never feasible. Unknown values (absent, or what the
    storage could not decode) count as an infinite violation."""
    constraints = []
    violation = np.zeros(len(X))
    for name in names:
        rows = np.array([c is not None and name in c for c in values])
        raw = np.array([c[name] for c in values if c is not None and name in c], dtype=float)
        constraint, y_c = ConstraintModel.fit(
            name, X[rows], raw, space, settings, X_pending, initial.get(name)
        )
        constraints.append(constraint)
        violation[~rows] = np.inf
        violation[rows] += np.maximum(constraint.threshold - y_c, 0.0)
    return constraints, np.concatenate([violation, np.full(n_pruned, np.inf)])


def fit_model(
    inputs: ModelInputs,
    directions: Sequence[StudyDirection],
    settings: SurrogateSettings,
    *,
    pending: Sequence[Mapping[str, Any]] = (),
    starts: tuple[Sequence[_gp.Hyperparams | None], Mapping[str, _gp.Hyperparams]] = ((), {}),
) -> FittedSurrogate | MultiObjectiveSurrogate:
    """The study's model from :func:`optuna_gamma._inputs.model_inputs`: :func:`fit_surrogate`
    for one objective, :func:`fit_multi_objective` for several -- the one call the sampler and
    the plots make, so both fit the same model to the same trials.

    Args:
        inputs: The trials and the space.
        directions: The study's directions.
        settings: The surrogate's settings.
        pending: Parameters of RUNNING trials (a kriging believer).
        starts: Where the kernel fits start (:func:`stored_starts`): one entry per objective
            and the constraint models' by name.
    """
    initial, initial_constraints = starts
    if len(directions) > 1:
        return fit_multi_objective(
            inputs.completed,
            inputs.space,
            directions,
            settings,
            pending=pending,
            pruned=inputs.pruned,
            initial=initial,
            initial_constraints=initial_constraints,
        )
    return fit_surrogate(
        inputs.completed,
        inputs.space,
        directions[0],
        settings,
        pending=pending,
        pruned=inputs.pruned,
        initial=initial[0] if initial else None,
        initial_constraints=initial_constraints,
    )


def stored_starts(
    trials: Sequence[FrozenTrial],
    before: float,
    space: SearchSpace,
    settings: SurrogateSettings,
    n_objectives: int = 1,
) -> tuple[list[_gp.Hyperparams | None], dict[str, _gp.Hyperparams]]:
    """Where the kernel fits start: the hyperparameters the latest trial numbered below
    ``before`` stored for this search space -- one per objective, and the constraint models'
    by constraint name -- so a decision depends only on the storage's content, not on a
    process's history (``None``: the defaults)."""
    key = space_key(space, settings.deterministic_objective)
    stored = read_latest_hyperparams(trials, before, key, space.dim)
    others = {
        name: _gp.Hyperparams(inv_ls2=inv_ls2, g=g)
        for name, (inv_ls2, g) in read_latest_model_hyperparams(
            trials, before, key, space.dim
        ).items()
    }
    starts = [None if stored is None else _gp.Hyperparams(inv_ls2=stored[0], g=stored[1])]
    starts += [others.get(f"objective:{k}") for k in range(1, n_objectives)]
    constraints = {
        name.split(":", 1)[1]: hp for name, hp in others.items() if name.startswith("constraint:")
    }
    return starts, constraints


def space_key(space: SearchSpace, deterministic: bool) -> str:
    """Identifies the search space (and noise setting) that kernel hyperparameters belong to."""
    return repr([(n, repr(d)) for n, d in zip(space.names, space.distributions)]) + str(
        deterministic
    )


@dataclass(frozen=True)
class ConstraintModel:
    """The surrogate of one outcome constraint ``c(x) <= 0`` (feasible when at most zero).

    The same model as the objective's -- kernel, Gamma prior on the precision, Student-t
    predictive -- fitted to ``y = transform.forward(c)`` (oriented so that larger is better,
    i.e. more feasible). The value transform is monotone, so ``c <= 0`` exactly when
    ``y >= threshold = transform.forward(0)``, and the probability of feasibility is a
    Student-t CDF (docs/math.md eq. 18): ``P(c(x) <= 0) = T_nu((mean(x) - threshold) / s(x))``.
    With ``margin > 0`` (``SurrogateSettings.feasibility_margin``) the threshold is raised by the
    model's noise scale ``sqrt(s^2 g)``, so that a violation the model cannot resolve counts.
    """

    name: str
    model: _gp.Posterior
    transform: ValueTransform
    threshold: float
    margin: float = 0.0

    @classmethod
    def fit(
        cls,
        name: str,
        X: np.ndarray,
        values: np.ndarray,
        space: SearchSpace,
        settings: SurrogateSettings,
        X_pending: np.ndarray | None = None,
        initial: _gp.Hyperparams | None = None,
    ) -> tuple[ConstraintModel, np.ndarray]:
        """The model of constraint ``name`` observed as ``values`` at encoded points ``X``, and
        the model values ``y`` of those observations. ``±inf`` values are clipped to the finite
        extremes; running trials (``X_pending``) join as a kriging believer, as for the
        objective."""
        raw = _clip_infinite(values, warn=False)
        transform = ValueTransform.fit(raw, -1.0, power_transform=settings.power_transform)
        y = transform.forward(raw)
        model = _fit_posterior(X, y, space, settings, X_pending, initial)
        threshold = float(transform.forward(np.zeros(1))[0])
        # The model cannot tell a violation smaller than its noise scale from none; with the
        # margin such a point counts as infeasible (docs/math.md §7).
        margin = math.sqrt(model.scale2 * model.hp.g) if settings.feasibility_margin else 0.0
        constraint = cls(
            name=name, model=model, transform=transform, threshold=threshold, margin=margin
        )
        return constraint, y

    def log_feasibility(
        self, mean: np.ndarray, scale: np.ndarray
    ) -> _acquisition.AcquisitionResult:
        """``log P(y >= threshold + margin)`` -- ``log P(c <= 0)`` with violations below the
        model's noise scale counted as violations -- from the predictive ``(mean, scale)`` of
        this model, with its derivatives with respect to ``mean`` and ``scale`` (stable far into
        the tails)."""
        return _acquisition.log_probability_of_improvement(
            mean, scale, self.model.nu, self.threshold + self.margin, 0.0
        )


@dataclass
class FittedSurrogate:
    """A fitted surrogate with its data transform, for the sampler, the plots and the dashboard.

    ``X`` are encoded points (see :class:`SearchSpace`); ``y`` are the model's
    values, larger is better: ``y = transform.forward(value)``. ``avoid`` are the points no
    suggestion may come near: running trials' and pruned trials' parameters.

    With constraints (``constraints`` not empty), ``feasible`` marks the rows of ``X`` known to be
    feasible, ``y_best`` is the best feasible value (``None`` while no trial is feasible) and the
    acquisition is ``log EI`` (or ``log PI``, or UCB) at ``y_best`` plus ``sum_k log P(c_k <= 0)``
    -- or the sum alone while no trial is feasible (docs/math.md §7).
    """

    space: SearchSpace
    model: _gp.Posterior
    X: np.ndarray
    y: np.ndarray
    avoid: np.ndarray
    transform: ValueTransform
    y_best: float | None
    settings: SurrogateSettings
    constraints: tuple[ConstraintModel, ...] = ()
    feasible: np.ndarray | None = None  # (n,) bool; None: unconstrained (every row)
    order: np.ndarray | None = None  # rows of X, best first; None: by y

    def predict(
        self, Z: np.ndarray, mass: float = CREDIBLE_MASS
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predictive median and central ``mass`` credible interval ``(lower, upper)`` at encoded
        points ``Z`` ``(s, d)``, in the objective's own units.

        The predictive is a Student-t (or normal) on the model's scale; the value transform is
        monotone, so its quantiles map exactly to quantiles of the objective.
        """
        loc, scale = self.model.predict(Z)
        q = predictive_quantile(self.model.nu, 0.5 + mass / 2)
        ends = self.transform.inverse(np.stack([loc - q * scale, loc + q * scale]))  # (2, s)
        return self.transform.inverse(loc), ends.min(axis=0), ends.max(axis=0)

    def maximize(
        self, rng: np.random.Generator, branch: Branch | None = None
    ) -> tuple[np.ndarray, float]:
        """The encoded point that maximises the acquisition, and its value (on one ``branch``
        of a conditional space, if given: see :meth:`ConditionalSearchSpace.branch`)."""
        order = np.argsort(-self.y, kind="stable") if self.order is None else self.order
        return _maximize(self, self.X[order], rng, branch)

    def avoiding(self, P: np.ndarray) -> FittedSurrogate:
        """The same surrogate with the encoded points ``P`` also ruled out."""
        return dataclasses.replace(self, avoid=np.vstack([self.avoid, P]))

    def acquisition_values(self, Z: np.ndarray) -> np.ndarray:
        """The acquisition (log EI / log PI / UCB on the model's values, plus the log
        probability of feasibility with constraints) at encoded points."""
        if self.y_best is None:
            value = np.zeros(len(Z))
        else:
            mean, scale = self.model.predict(Z)
            value = self._acquisition(mean, scale)[0]
        if self.constraints:
            value = value + self.log_feasibility(Z)
        return _exclude(value, Z, self.avoid)

    def log_feasibility(self, Z: np.ndarray) -> np.ndarray:
        """``log P(feasible)`` at encoded points ``Z``: the sum over the constraint models
        (independent given the data); zero without constraints."""
        return _log_feasibility(self.constraints, Z)

    def most_uncertain(
        self, rng: np.random.Generator, default: np.ndarray, branch: Branch | None = None
    ) -> np.ndarray:
        """The quasi-random candidate (of ``branch``, if given) with the largest predictive
        scale that repeats no completed or running trial's parameters (``default`` if every
        candidate does)."""
        if branch is None:
            Z = self.space.sample_sobol(rng, self.settings.n_candidates)  # (m, d)
        else:
            Z_branch = branch[0].sample_sobol(rng, self.settings.n_candidates)
            Z = branch[2](Z_branch[np.isfinite(branch[3](Z_branch))])
        taken = np.vstack([self.space.snap(self.X), self.avoid])
        fresh = ~np.array([matches_any(z, taken) for z in Z], dtype=bool)
        if not fresh.any():
            return default
        scale = self.model.predict(Z[fresh])[1]
        return Z[fresh][int(np.argmax(scale))]

    def acquisition_values_and_grad(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The acquisition and its gradient with respect to the encoded points ``Z``."""
        if self.y_best is None:
            value, grad = np.zeros(len(Z)), np.zeros_like(Z)
        else:
            mean, scale, d_mean, d_scale = self.model.predict_with_grad(Z)
            value, dv_dm, dv_ds = self._acquisition(mean, scale)
            grad = dv_dm[:, None] * d_mean + dv_ds[:, None] * d_scale
        value, grad = _add_log_feasibility(self.constraints, Z, value, grad)
        return _exclude(value, Z, self.avoid), grad

    def _acquisition(self, mean: np.ndarray, scale: np.ndarray) -> _acquisition.AcquisitionResult:
        s = self.settings
        assert self.y_best is not None
        if s.acquisition == "ucb":
            return _acquisition.upper_confidence_bound(mean, scale, s.ucb_beta)
        if s.acquisition == "pi":
            return _acquisition.log_probability_of_improvement(
                mean, scale, self.model.nu, self.y_best, s.xi
            )
        return _acquisition.log_expected_improvement(mean, scale, self.model.nu, self.y_best, s.xi)


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
) -> MultiObjectiveSurrogate:
    """Fits one surrogate per objective (and one per constraint) to the COMPLETE trials of a
    multi-objective study; the acquisition is log expected hypervolume improvement
    (docs/math.md §8).

    Args:
        completed: COMPLETE trials, each holding every parameter of ``space``.
        space: The search space.
        directions: The study's directions, one per objective.
        settings: The surrogates' settings (``acquisition``, ``xi`` and ``ucb_beta`` apply to
            single-objective studies only).
        pending: Parameters of RUNNING trials (a kriging believer in every model).
        pruned: PRUNED trials, as for :func:`fit_surrogate`.
        initial: Kernel hyperparameters to start each objective's fit from.
        initial_constraints: The same for the constraint models, by constraint name.
    """
    if not isinstance(space, SearchSpace):
        space = SearchSpace(space)
    objectives = tuple(
        fit_surrogate(
            completed,
            space,
            direction,
            settings,
            pending=pending,
            pruned=pruned,
            initial=initial[k] if k < len(initial) else None,
            objective=k,
            constrained=False,
        )
        for k, direction in enumerate(directions)
    )
    n = len(completed)
    X = objectives[0].X
    Y = np.column_stack([o.y for o in objectives])  # (n + pruned, d), larger is better
    values = [read_constraints(t) for t in completed]
    names = sorted({name for c in values if c for name in c})
    X_pending = space.encode(list(pending)) if pending else None
    constraints, violation = _fit_constraints(
        values, names, X[:n], len(X) - n, space, settings, X_pending, initial_constraints or {}
    )
    feasible = violation <= 0.0
    observed = Y[:n]
    ref = _hypervolume.reference_point(observed)
    front = Y[feasible]
    P = space.snap(X_pending) if X_pending is not None else np.empty((0, space.dim))
    if len(front) and len(P):
        # Kriging believer for several objectives: the running trials the constraint models
        # believe feasible join the front at their predicted means.
        believed = np.ones(len(P), dtype=bool)
        for c in constraints:
            believed &= c.model.predict(P)[0] >= c.threshold + c.margin
        if believed.any():
            means = np.column_stack([o.model.predict(P[believed])[0] for o in objectives])
            front = np.vstack([front, means])
    boxes = None
    if len(front):
        # Exact up to MAX_SWEEP_BOXES boxes; beyond, of the thinned front (docs/math.md §8).
        boxes = _hypervolume.nondominated_boxes(front, ref, _hypervolume.MAX_SWEEP_BOXES)
    # Starting points of the optimiser: the feasible Pareto-optimal trials first.
    rank = np.full(len(X), 2.0)
    rank[feasible] = 1.0
    if feasible.any():
        rows = np.flatnonzero(feasible)
        rank[rows[_hypervolume.pareto_mask(Y[rows])]] = 0.0
    order = np.lexsort((violation, -Y.sum(axis=1), rank))
    return MultiObjectiveSurrogate(
        space=space,
        objectives=objectives,
        constraints=tuple(constraints),
        feasible=feasible,
        boxes=boxes,
        reference=ref,
        order=order,
        settings=settings,
    )


@dataclass
class MultiObjectiveSurrogate:
    """The fitted surrogates of a multi-objective study: one :class:`FittedSurrogate` per
    objective (its own transform, unconstrained), the constraint models, and the box
    decomposition of the region no feasible trial dominates, in the models' values (every
    objective oriented so that larger is better). ``boxes`` is ``None`` while no trial is
    feasible: the acquisition is then the log probability of feasibility alone.
    """

    space: SearchSpace
    objectives: tuple[FittedSurrogate, ...]
    constraints: tuple[ConstraintModel, ...]
    feasible: np.ndarray
    boxes: tuple[np.ndarray, np.ndarray] | None
    reference: np.ndarray
    order: np.ndarray
    settings: SurrogateSettings

    @property
    def X(self) -> np.ndarray:
        return self.objectives[0].X

    def predict(
        self, Z: np.ndarray, mass: float = CREDIBLE_MASS
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per objective, the predictive median and credible interval (objective units)."""
        return [o.predict(Z, mass) for o in self.objectives]

    def log_feasibility(self, Z: np.ndarray) -> np.ndarray:
        """``log P(feasible)`` at encoded points (zero without constraints)."""
        return _log_feasibility(self.constraints, Z)

    def avoiding(self, P: np.ndarray) -> MultiObjectiveSurrogate:
        """The same surrogates with the encoded points ``P`` also ruled out."""
        first = self.objectives[0].avoiding(P)
        return dataclasses.replace(self, objectives=(first, *self.objectives[1:]))

    def _nu(self) -> np.ndarray:
        return np.array([o.model.nu for o in self.objectives])

    def acquisition_values(self, Z: np.ndarray) -> np.ndarray:
        """``log EHVI + log P(feasible)`` at encoded points ``Z``."""
        value = np.zeros(len(Z))
        if self.boxes is not None:
            predicted = [o.model.predict(Z) for o in self.objectives]
            mean = np.column_stack([p[0] for p in predicted])
            scale = np.column_stack([p[1] for p in predicted])
            value = _acquisition.log_expected_hypervolume_improvement(
                mean, scale, self._nu(), *self.boxes, with_grad=False
            )[0]
        if self.constraints:
            value = value + self.log_feasibility(Z)
        return _exclude(value, Z, self.objectives[0].avoid)

    def acquisition_values_and_grad(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The acquisition and its gradient with respect to ``Z``."""
        value, grad = np.zeros(len(Z)), np.zeros_like(Z)
        if self.boxes is not None:
            predicted = [o.model.predict_with_grad(Z) for o in self.objectives]
            mean = np.column_stack([p[0] for p in predicted])
            scale = np.column_stack([p[1] for p in predicted])
            value, dv_dm, dv_ds = _acquisition.log_expected_hypervolume_improvement(
                mean, scale, self._nu(), *self.boxes
            )
            for k, (_, _, d_mean, d_scale) in enumerate(predicted):
                grad = grad + dv_dm[:, k, None] * d_mean + dv_ds[:, k, None] * d_scale
        value, grad = _add_log_feasibility(self.constraints, Z, value, grad)
        return _exclude(value, Z, self.objectives[0].avoid), grad

    def maximize(
        self, rng: np.random.Generator, branch: Branch | None = None
    ) -> tuple[np.ndarray, float]:
        """The encoded point that maximises the acquisition, and its value (on ``branch``)."""
        return _maximize(self, self.X[self.order], rng, branch)

    def most_uncertain(
        self, rng: np.random.Generator, default: np.ndarray, branch: Branch | None = None
    ) -> np.ndarray:
        """As :meth:`FittedSurrogate.most_uncertain`, by the first objective's model."""
        return self.objectives[0].most_uncertain(rng, default, branch)


#: One branch of a conditional space: its own space, its columns in the full space, the map from
#: its encoded points to the full space's, and which of its points lie on the branch
#: (:meth:`ConditionalSearchSpace.branch`).
Branch = tuple[
    SearchSpace,
    np.ndarray,
    Callable[[np.ndarray], np.ndarray],
    Callable[[np.ndarray], np.ndarray],
]


def _maximize(
    fitted: FittedSurrogate | MultiObjectiveSurrogate,
    ranked: np.ndarray,
    rng: np.random.Generator,
    branch: Branch | None,
) -> tuple[np.ndarray, float]:
    """Maximises ``fitted``'s acquisition from the trials ``ranked`` (best first), over the
    whole space or over one branch: there the other columns stay at the branch's values and
    the starting points are the trials that took the branch."""
    if branch is None:
        return maximize_acquisition(
            fitted.space,
            fitted.acquisition_values,
            fitted.acquisition_values_and_grad,
            rng,
            X_seed=ranked[:3],
            X_start=ranked[:_N_INCUMBENT_STARTS],
            n_candidates=fitted.settings.n_candidates,
            starts=fitted.settings.acquisition_starts,
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
    )
    return embed(x[None])[0], value


def _maximize_fresh(
    fitted: FittedSurrogate | MultiObjectiveSurrogate,
    space: SearchSpace,
    rng: np.random.Generator,
    branch: Branch | None = None,
) -> tuple[np.ndarray, float]:
    """The acquisition's maximiser (on ``branch``, if given), unless it repeats an evaluated
    point: EI can settle on parameters already evaluated -- typically a bound where a smooth
    trend through equally poor values peaks -- and would repeat them forever. A repeat teaches
    the model little, so a pure-exploration step is taken instead. On a branch of a
    conditional space -- small integer grids, where the acquisition's optimum is often an
    evaluated point next to other evaluated points -- the best point not yet evaluated comes
    first, and exploration only if there is none."""
    x_best, acq_value = fitted.maximize(rng, branch)
    taken = space.snap(fitted.X)
    if matches_any(x_best, taken) and branch is not None:
        x_best, acq_value = fitted.avoiding(taken).maximize(rng, branch)
    if matches_any(x_best, taken):
        x_best = fitted.most_uncertain(rng, default=x_best, branch=branch)
        acq_value = float(fitted.acquisition_values(x_best[None])[0])
    return x_best, float(acq_value)


def _suggest_on_branches(
    fitted: FittedSurrogate | MultiObjectiveSurrogate,
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
    results = []
    for active, _ in counts.most_common(MAX_BRANCHES):
        x, value = _maximize_fresh(fitted, space, rng, space.branch(active, observed))
        results.append((value, x))
    results.sort(key=lambda r: -r[0])
    acq_value, x_best = results[0]
    params: dict[str, Any] = {}
    for _, x in results:
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
    fitted: FittedSurrogate | MultiObjectiveSurrogate,
    space: SearchSpace,
    completed: Sequence[FrozenTrial],
    rng: np.random.Generator,
) -> tuple[dict[str, Any], np.ndarray, float]:
    """The sampler's next suggestion from ``fitted``: the parameters (a full assignment of a
    conditional space's union), the encoded point of the chosen branch, and its acquisition."""
    if isinstance(space, ConditionalSearchSpace):
        return _suggest_on_branches(fitted, space, list(completed), rng)
    x_best, acq_value = _maximize_fresh(fitted, space, rng)
    return space.decode(x_best), x_best, acq_value


def predictive_quantile(nu: float, p: float) -> float:
    """The ``p`` quantile of the standard Student-t with ``nu`` degrees of freedom (normal if
    ``nu`` is infinite)."""
    return float(scipy.stats.norm.ppf(p) if math.isinf(nu) else scipy.stats.t.ppf(p, nu))


def matches_any(x: np.ndarray, P: np.ndarray, tol: float = 1e-12) -> bool:
    """Whether the encoded point ``x`` is within ``tol`` of a row of ``P`` (``(k, d)``) in every
    coordinate."""
    return bool(len(P)) and bool(np.all(np.abs(P - x) < tol, axis=1).any())


def _log_feasibility(constraints: Sequence[ConstraintModel], Z: np.ndarray) -> np.ndarray:
    """``sum_k log P(c_k <= 0)`` at encoded points ``Z`` (zeros without constraints)."""
    value = np.zeros(len(Z))
    for c in constraints:
        value = value + c.log_feasibility(*c.model.predict(Z))[0]
    return value


def _add_log_feasibility(
    constraints: Sequence[ConstraintModel], Z: np.ndarray, value: np.ndarray, grad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``value`` and ``grad`` plus ``sum_k log P(c_k <= 0)`` and its gradient at ``Z``."""
    for c in constraints:
        mean, scale, d_mean, d_scale = c.model.predict_with_grad(Z)
        v, dv_dm, dv_ds = c.log_feasibility(mean, scale)
        value = value + v
        grad = grad + dv_dm[:, None] * d_mean + dv_ds[:, None] * d_scale
    return value, grad


def _exclude(value: np.ndarray, Z: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Rules out points within ``RUNNING_RADIUS`` of a running trial's parameters."""
    if len(P) == 0:
        return value
    same = np.all(np.abs(Z[:, None, :] - P[None, :, :]) < RUNNING_RADIUS, axis=-1).any(axis=1)
    return np.where(same, -1e300, value)


def _clip_infinite(values: np.ndarray, warn: bool = True) -> np.ndarray:
    """Replaces ``±inf`` by the largest / smallest finite value (Optuna's GPSampler rule)."""
    inf = np.isinf(values)
    if not inf.any():
        return values
    if warn:
        warnings.warn(
            "Objective values include ±inf; they are clipped to the most extreme finite values "
            "for the surrogate model.",
            RuntimeWarning,
            stacklevel=3,
        )
    finite = values[~inf]
    hi = finite.max() if len(finite) else 0.0
    lo = finite.min() if len(finite) else 0.0
    return np.clip(
        np.where(np.isposinf(values), hi, np.where(np.isneginf(values), lo, values)), lo, hi
    )
