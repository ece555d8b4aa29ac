"""The surrogate: settings, fit, and the fitted model with its predictions and acquisition.

One home for the model layer, used by :class:`~optuna_gamma.GammaBOSampler`, by
:mod:`optuna_gamma.visualization` and by :mod:`optuna_gamma.dashboard` alike:

- :class:`SurrogateSettings` -- everything that decides the model and the acquisition (a frozen,
  validated dataclass; ``GammaBOSampler.surrogate_settings`` is the sampler's);
- :func:`fit_surrogate` -- trials in, :class:`FittedSurrogate` out;
- :class:`FittedSurrogate` -- the fitted model: ``predict`` (median and credible interval in the
  objective's units), ``acquisition_values`` (and gradients), ``maximize``.

The mathematics is in docs/math.md (§2 the model, §3 the acquisition, §5 the value transform).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
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
from optuna_gamma._checks import check_bool as _check_bool
from optuna_gamma._checks import check_choice as _check_choice
from optuna_gamma._checks import check_int as _check_int
from optuna_gamma._checks import check_real as _check_real
from optuna_gamma._optim import maximize_acquisition
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._transform import ValueTransform

__all__ = ["CREDIBLE_MASS", "FittedSurrogate", "SurrogateSettings", "fit_surrogate"]

#: Probability mass of the credible intervals in predictions and plots.
CREDIBLE_MASS = 0.95
PREDICTIVES = ("student_t", "gaussian")
ACQUISITIONS = ("ei", "pi", "ucb")
PRUNED_TRIALS = ("worst", "exclude")
MAX_CANDIDATES = 2**18  # more cost memory without helping the acquisition optimiser
# A suggestion closer than this to a running or pruned trial's parameters in every encoded
# coordinate (fractions of each parameter's range) counts as the same point.
RUNNING_RADIUS = 1e-3
# L-BFGS-B always starts from this many of the best observed points, besides the best candidates,
# so the optimiser can refine around the incumbent even when no candidate lands near it.
_N_INCUMBENT_STARTS = 1


@dataclass(frozen=True)
class SurrogateSettings:
    """What decides the surrogate and its acquisition; see :class:`~optuna_gamma.GammaBOSampler`
    for the meaning of each field (they are its arguments of the same names).

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

    def __post_init__(self) -> None:
        _check_choice("predictive", self.predictive, PREDICTIVES)
        _check_choice("acquisition", self.acquisition, ACQUISITIONS)
        _check_choice("pruned_trials", self.pruned_trials, PRUNED_TRIALS)
        _check_int("n_candidates", self.n_candidates, minimum=1, maximum=MAX_CANDIDATES)
        _check_real("xi", self.xi, minimum=0.0, inclusive=True)
        _check_real("ucb_beta", self.ucb_beta, minimum=0.0, inclusive=True)
        _check_real("prior_concentration", self.prior_concentration, 0.0, inclusive=False)
        _check_real("prior_rate", self.prior_rate, minimum=0.0, inclusive=False)
        _check_bool("deterministic_objective", self.deterministic_objective)
        _check_bool("power_transform", self.power_transform)
        # Plain Python values, so that the settings compare, hash and print simply.
        for name in ("xi", "ucb_beta", "prior_concentration", "prior_rate"):
            object.__setattr__(self, name, float(getattr(self, name)))
        for name in ("deterministic_objective", "power_transform"):
            object.__setattr__(self, name, bool(getattr(self, name)))
        object.__setattr__(self, "n_candidates", int(self.n_candidates))


def fit_surrogate(
    completed: Sequence[FrozenTrial],
    space: SearchSpace | Mapping[str, BaseDistribution],
    direction: StudyDirection,
    settings: SurrogateSettings,
    *,
    pending: Sequence[Mapping[str, Any]] = (),
    pruned: Sequence[FrozenTrial] = (),
    initial: _gp.Hyperparams | None = None,
) -> FittedSurrogate:
    """Fits the surrogate to COMPLETE trials.

    Args:
        completed: COMPLETE trials, each holding every parameter of ``space`` (finite values).
        space: The search space (distributions by name).
        direction: The study's direction.
        settings: The surrogate's settings.
        pending: Parameters of RUNNING trials, added as a kriging believer (docs/math.md §2).
        pruned: PRUNED trials: with ``settings.pruned_trials == "worst"`` they join the data at
            the worst completed value; either way no suggestion may come near them.
        initial: Kernel hyperparameters to start the fit from. Defaults to the defaults.

    Returns:
        The fitted surrogate.
    """
    if not isinstance(space, SearchSpace):
        space = SearchSpace(space)
    X = space.encode([t.params for t in completed])  # (n, d)
    sign = 1.0 if direction == StudyDirection.MAXIMIZE else -1.0
    raw = _clip_infinite(np.array([t.value for t in completed], dtype=float))
    transform = ValueTransform.fit(raw, sign, power_transform=settings.power_transform)
    y = transform.forward(raw)  # standardised (and power-transformed), larger is better
    X_pruned = space.encode([t.params for t in pruned]) if pruned else np.empty((0, space.dim))
    if len(X_pruned) and settings.pruned_trials == "worst":
        # A pruner stopped these trials because they looked worse than the others at the same
        # step: they count as observed at the worst completed value.
        X = np.vstack([X, X_pruned])
        y = np.concatenate([y, np.full(len(X_pruned), y.min())])
    X_pending = space.encode(list(pending)) if pending else None
    hp = _gp.fit_hyperparams(
        X,
        y,
        space.is_categorical,
        settings.prior_concentration,
        settings.prior_rate,
        settings.deterministic_objective,
        initial=initial,
    )
    model = _gp.Posterior(
        X,
        y,
        space.is_categorical,
        hp,
        settings.prior_concentration,
        settings.prior_rate,
        settings.predictive,
        X_pending=X_pending,
    )
    P = space.snap(X_pending) if X_pending is not None else np.empty((0, space.dim))
    y_best = float(y.max())  # pruned trials, at the minimum, never raise it
    if len(P):
        # Kriging believer: running trials count as observed at their predicted mean, which also
        # raises the incumbent, so EI no longer rewards crowding next to them.
        y_best = max(y_best, float(model.predict(P)[0].max()))
    return FittedSurrogate(
        space=space,
        model=model,
        X=X,
        y=y,
        avoid=np.vstack([P, space.snap(X_pruned)]),
        transform=transform,
        y_best=y_best,
        settings=settings,
    )


def space_key(space: SearchSpace, deterministic: bool) -> str:
    """Identifies the search space (and noise setting) that kernel hyperparameters belong to."""
    return repr([(n, repr(d)) for n, d in zip(space.names, space.distributions)]) + str(
        deterministic
    )


@dataclass
class FittedSurrogate:
    """A fitted surrogate with its data transform, for the sampler, the plots and the dashboard.

    ``X`` are encoded points (see :class:`SearchSpace`); ``y`` are the model's
    values, larger is better: ``y = transform.forward(value)``. ``avoid`` are the points no
    suggestion may come near: running trials' and pruned trials' parameters.
    """

    space: SearchSpace
    model: _gp.Posterior
    X: np.ndarray
    y: np.ndarray
    avoid: np.ndarray
    transform: ValueTransform
    y_best: float
    settings: SurrogateSettings

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

    def maximize(self, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        """The encoded point that maximises the acquisition, and its value."""
        ranked = self.X[np.argsort(-self.y, kind="stable")]
        return maximize_acquisition(
            self.space,
            self.acquisition_values,
            self.acquisition_values_and_grad,
            rng,
            X_seed=ranked[:3],
            X_start=ranked[:_N_INCUMBENT_STARTS],
            n_candidates=self.settings.n_candidates,
        )

    def acquisition_values(self, Z: np.ndarray) -> np.ndarray:
        """The acquisition (log EI / log PI / UCB on the model's values) at encoded points."""
        mean, scale = self.model.predict(Z)
        value = self._acquisition(mean, scale)[0]
        return _exclude(value, Z, self.avoid)

    def most_uncertain(self, rng: np.random.Generator, default: np.ndarray) -> np.ndarray:
        """The quasi-random candidate with the largest predictive scale that repeats no
        completed or running trial's parameters (``default`` if every candidate does)."""
        Z = self.space.sample_sobol(rng, self.settings.n_candidates)  # (m, d)
        taken = np.vstack([self.space.snap(self.X), self.avoid])
        fresh = ~np.array([matches_any(z, taken) for z in Z], dtype=bool)
        if not fresh.any():
            return default
        scale = self.model.predict(Z[fresh])[1]
        return Z[fresh][int(np.argmax(scale))]

    def acquisition_values_and_grad(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The acquisition and its gradient with respect to the encoded points ``Z``."""
        mean, scale, d_mean, d_scale = self.model.predict_with_grad(Z)
        value, dv_dm, dv_ds = self._acquisition(mean, scale)
        grad = dv_dm[:, None] * d_mean + dv_ds[:, None] * d_scale
        return _exclude(value, Z, self.avoid), grad

    def _acquisition(self, mean: np.ndarray, scale: np.ndarray) -> _acquisition.AcquisitionResult:
        s = self.settings
        if s.acquisition == "ucb":
            return _acquisition.upper_confidence_bound(mean, scale, s.ucb_beta)
        if s.acquisition == "pi":
            return _acquisition.log_probability_of_improvement(
                mean, scale, self.model.nu, self.y_best, s.xi
            )
        return _acquisition.log_expected_improvement(mean, scale, self.model.nu, self.y_best, s.xi)


def predictive_quantile(nu: float, p: float) -> float:
    """The ``p`` quantile of the standard Student-t with ``nu`` degrees of freedom (normal if
    ``nu`` is infinite)."""
    return float(scipy.stats.norm.ppf(p) if math.isinf(nu) else scipy.stats.t.ppf(p, nu))


def matches_any(x: np.ndarray, P: np.ndarray, tol: float = 1e-12) -> bool:
    """Whether the encoded point ``x`` is within ``tol`` of a row of ``P`` (``(k, d)``) in every
    coordinate."""
    return bool(len(P)) and bool(np.all(np.abs(P - x) < tol, axis=1).any())


def _exclude(value: np.ndarray, Z: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Rules out points within ``RUNNING_RADIUS`` of a running trial's parameters."""
    if len(P) == 0:
        return value
    same = np.all(np.abs(Z[:, None, :] - P[None, :, :]) < RUNNING_RADIUS, axis=-1).any(axis=1)
    return np.where(same, -1e300, value)


def _clip_infinite(values: np.ndarray) -> np.ndarray:
    """Replaces ``±inf`` by the largest / smallest finite value (Optuna's GPSampler rule)."""
    inf = np.isinf(values)
    if not inf.any():
        return values
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
