"""The fitted models: one per objective, one per constraint, and the steps that fit them.

docs/math.md §2 (the model), §5 (the value transform), §7 (constraints).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
import math
import warnings

import numpy as np
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
import scipy.special

from optuna_gamma import _acquisition
from optuna_gamma import _gp
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._transform import ValueTransform
from optuna_gamma.surrogate._settings import CREDIBLE_MASS
from optuna_gamma.surrogate._settings import NEGLIGIBLE_NOISE
from optuna_gamma.surrogate._settings import ROBUST_RESIDUAL
from optuna_gamma.surrogate._settings import SurrogateSettings
from optuna_gamma.surrogate._settings import lengthscale_prior


@dataclass(frozen=True)
class ObjectiveModel:
    """The fitted model of one objective.

    ``X`` are encoded points (see :class:`~optuna_gamma._search_space.SearchSpace`), PRUNED
    trials appended when they join the data; ``y`` are the model's values, larger is better:
    ``y = transform.forward(value)``.
    """

    space: SearchSpace
    model: _gp.Posterior
    X: np.ndarray
    y: np.ndarray
    transform: ValueTransform

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


def fit_objective(
    completed: Sequence[FrozenTrial],
    space: SearchSpace,
    direction: StudyDirection,
    settings: SurrogateSettings,
    *,
    objective: int | None,
    X_pruned: np.ndarray,
    X_pending: np.ndarray | None,
    initial: _gp.Hyperparams | None,
    refit: bool = True,
) -> ObjectiveModel:
    """The model of one objective (``objective``: which of several values; ``None``: the single
    ``trial.value``), fitted to the COMPLETE trials -- and, with ``pruned_trials="worst"``, to
    the PRUNED ones at the worst completed value -- with running trials (``X_pending``) as a
    kriging believer; ``refit=False`` keeps the ``initial`` hyperparameters (see
    :func:`fit_posterior`)."""
    X = space.encode([t.params for t in completed])  # (n, d)
    sign = 1.0 if direction == StudyDirection.MAXIMIZE else -1.0
    raw = clip_infinite(
        np.array(
            [t.value if objective is None else t.values[objective] for t in completed],
            dtype=float,
        )
    )
    # y: standardised (and power-transformed), larger is better
    transform, y = ValueTransform.fit_forward(raw, sign, power_transform=settings.power_transform)
    if len(X_pruned) and settings.pruned_trials == "worst":
        # A pruner stopped these trials because they looked worse than the others at the same
        # step: they count as observed at the worst completed value.
        X = np.vstack([X, X_pruned])
        y = np.concatenate([y, np.full(len(X_pruned), y.min())])
    model = fit_posterior(X, y, space, settings, X_pending, initial, refit)
    return ObjectiveModel(space=space, model=model, X=X, y=y, transform=transform)


def fit_posterior(
    X: np.ndarray,
    y: np.ndarray,
    space: SearchSpace,
    settings: SurrogateSettings,
    X_pending: np.ndarray | None,
    initial: _gp.Hyperparams | None,
    refit: bool = True,
) -> _gp.Posterior:
    """The kernel hyperparameters fitted to ``(X, y)`` and the posterior they give (running
    trials' ``X_pending`` as a kriging believer). With ``refit=False`` and ``initial`` given,
    the hyperparameters are ``initial``, not fitted again (a long study's refit schedule:
    :func:`optuna_gamma.surrogate._subset.refit_due`)."""
    if not refit and initial is not None:
        try:
            return _posterior(X, y, space, settings, X_pending, initial)
        except np.linalg.LinAlgError:
            pass  # the kept hyperparameters do not suit the new data: fit them
    hp = _gp.fit_hyperparams(
        X,
        y,
        space.is_categorical,
        settings.prior_concentration,
        settings.prior_rate,
        settings.deterministic_objective,
        initial=initial,
        lengthscale_prior=lengthscale_prior(settings, space.is_discrete),
        loose_fit_from=settings.loose_fit_from,
        noise_rate=settings.noise_prior_rate,
    )
    return _posterior(X, y, space, settings, X_pending, hp)


def _posterior(
    X: np.ndarray,
    y: np.ndarray,
    space: SearchSpace,
    settings: SurrogateSettings,
    X_pending: np.ndarray | None,
    hp: _gp.Hyperparams,
) -> _gp.Posterior:
    return _gp.Posterior(
        X,
        y,
        space.is_categorical,
        hp,
        settings.prior_concentration,
        settings.prior_rate,
        settings.predictive,
        X_pending=X_pending,
        robust=ROBUST_RESIDUAL if settings.robust_noise and hp.g > NEGLIGIBLE_NOISE else None,
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
        refit: bool = True,
    ) -> tuple[ConstraintModel, np.ndarray]:
        """The model of constraint ``name`` observed as ``values`` at encoded points ``X``, and
        the model values ``y`` of those observations. ``±inf`` values are clipped to the finite
        extremes; running trials (``X_pending``) join as a kriging believer, as for the
        objective."""
        raw = clip_infinite(values, warn=False)
        transform, y = ValueTransform.fit_forward(
            raw, -1.0, power_transform=settings.power_transform
        )
        model = fit_posterior(X, y, space, settings, X_pending, initial, refit)
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


def fit_constraints(
    values: Sequence[Mapping[str, float] | None],
    names: Sequence[str],
    X: np.ndarray,
    n_pruned: int,
    space: SearchSpace,
    settings: SurrogateSettings,
    X_pending: np.ndarray | None,
    initial: Mapping[str, _gp.Hyperparams],
    refit: bool = True,
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
            name, X[rows], raw, space, settings, X_pending, initial.get(name), refit
        )
        constraints.append(constraint)
        violation[~rows] = np.inf
        violation[rows] += np.maximum(constraint.threshold - y_c, 0.0)
    return constraints, np.concatenate([violation, np.full(n_pruned, np.inf)])


def noisy(model: _gp.Posterior) -> bool:
    """Whether the model's fitted noise is not negligible (a noise ratio above
    :data:`~optuna_gamma.surrogate._settings.NEGLIGIBLE_NOISE`; never with
    ``deterministic_objective``, which fixes it at its minimum)."""
    return model.hp.g > NEGLIGIBLE_NOISE


def predictive_quantile(nu: float, p: float) -> float:
    """The ``p`` quantile of the standard Student-t with ``nu`` degrees of freedom (normal if
    ``nu`` is infinite): ``scipy.special``'s inverse distribution functions, which
    ``scipy.stats.t.ppf`` and ``norm.ppf`` call (the same values) after argument handling that
    costs forty times more."""
    return float(scipy.special.ndtri(p) if math.isinf(nu) else scipy.special.stdtrit(nu, p))


def clip_infinite(values: np.ndarray, warn: bool = True) -> np.ndarray:
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
