"""Acquisition functions behind one interface (docs/math.md §3, §7, §8).

Every acquisition is a log quantity at encoded points ``Z`` ``(s, d)`` with its gradient, made
of two terms: an *improvement* term of the objective models -- log EI, log PI or UCB for one
objective, log EHVI for several, nothing while no trial is feasible -- plus the shared
``sum_k log P(c_k <= 0)`` of the constraint models. Points within ``RUNNING_RADIUS`` of a point
to avoid (running and pruned trials' parameters) get ``-1e300``. The optimiser and the proposal
policy call :meth:`Acquisition.values` and :meth:`Acquisition.values_and_grad` and nothing
else; a subclass supplies only :meth:`Acquisition.improvement`.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from optuna_gamma import _acquisition
from optuna_gamma import _gp
from optuna_gamma.surrogate._models import ConstraintModel
from optuna_gamma.surrogate._settings import RUNNING_RADIUS


@dataclass(frozen=True)
class Acquisition:
    """The improvement term of the objective models (none here: while no trial is feasible,
    the acquisition is the log probability of feasibility alone), plus the constraints' term,
    with ``avoid`` ruled out."""

    constraints: tuple[ConstraintModel, ...]
    avoid: np.ndarray  # (k, d) encoded points no suggestion may come near

    def improvement(self, Z: np.ndarray, with_grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """The improvement term at ``Z`` and, if ``with_grad``, its gradient ``(s, d)``."""
        return np.zeros(len(Z)), (np.zeros_like(Z) if with_grad else None)

    def values(self, Z: np.ndarray) -> np.ndarray:
        """The acquisition at encoded points ``Z``."""
        value = self.improvement(Z, with_grad=False)[0]
        if self.constraints:
            value = value + log_feasibility(self.constraints, Z)
        return _exclude(value, Z, self.avoid)

    def values_and_grad(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The acquisition and its gradient with respect to ``Z``."""
        value, grad = self.improvement(Z, with_grad=True)
        assert grad is not None
        for c in self.constraints:
            mean, scale, d_mean, d_scale = c.model.predict_with_grad(Z)
            v, dv_dm, dv_ds = c.log_feasibility(mean, scale)
            value = value + v
            grad = grad + dv_dm[:, None] * d_mean + dv_ds[:, None] * d_scale
        return _exclude(value, Z, self.avoid), grad

    def avoiding(self, P: np.ndarray) -> Acquisition:
        """The same acquisition with the encoded points ``P`` also ruled out."""
        return dataclasses.replace(self, avoid=np.vstack([self.avoid, P]))


@dataclass(frozen=True)
class _SingleObjective(Acquisition):
    """An improvement term of one objective's predictive ``(mean, scale)``."""

    model: _gp.Posterior

    def _of(self, mean: np.ndarray, scale: np.ndarray) -> _acquisition.AcquisitionResult:
        raise NotImplementedError

    def improvement(self, Z: np.ndarray, with_grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
        if not with_grad:
            mean, scale = self.model.predict(Z)
            return self._of(mean, scale)[0], None
        mean, scale, d_mean, d_scale = self.model.predict_with_grad(Z)
        value, dv_dm, dv_ds = self._of(mean, scale)
        return value, dv_dm[:, None] * d_mean + dv_ds[:, None] * d_scale


@dataclass(frozen=True)
class _OverIncumbent(_SingleObjective):
    """An improvement over the incumbent ``y_best`` (in the model's values) plus ``xi`` (in
    its standard deviations), by ``_function`` of :mod:`optuna_gamma._acquisition`."""

    y_best: float
    xi: float
    _function: ClassVar[Callable[..., _acquisition.AcquisitionResult]]

    def _of(self, mean: np.ndarray, scale: np.ndarray) -> _acquisition.AcquisitionResult:
        return type(self)._function(mean, scale, self.model.nu, self.y_best, self.xi)


class LogEI(_OverIncumbent):
    """log Expected Improvement over ``y_best + xi`` under the Student-t (or normal) predictive
    (docs/math.md §3)."""

    _function = staticmethod(_acquisition.log_expected_improvement)


class LogPI(_OverIncumbent):
    """log Probability of Improvement over ``y_best + xi``."""

    _function = staticmethod(_acquisition.log_probability_of_improvement)


@dataclass(frozen=True)
class UCB(_SingleObjective):
    """The upper confidence bound ``mean + beta * scale``; ``y_best`` (the incumbent) is kept
    for the record."""

    y_best: float
    beta: float

    def _of(self, mean: np.ndarray, scale: np.ndarray) -> _acquisition.AcquisitionResult:
        return _acquisition.upper_confidence_bound(mean, scale, self.beta)


@dataclass(frozen=True)
class LogEHVI(Acquisition):
    """log expected hypervolume improvement over the box decomposition ``boxes`` of the region
    no feasible trial dominates, one model per objective (docs/math.md §8)."""

    models: tuple[_gp.Posterior, ...]
    boxes: tuple[np.ndarray, np.ndarray]

    def improvement(self, Z: np.ndarray, with_grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
        nu = np.array([m.nu for m in self.models])
        if not with_grad:
            predicted = [m.predict(Z) for m in self.models]
            mean = np.column_stack([p[0] for p in predicted])
            scale = np.column_stack([p[1] for p in predicted])
            value = _acquisition.log_expected_hypervolume_improvement(
                mean, scale, nu, *self.boxes, with_grad=False
            )[0]
            return value, None
        with_grads = [m.predict_with_grad(Z) for m in self.models]
        mean = np.column_stack([p[0] for p in with_grads])
        scale = np.column_stack([p[1] for p in with_grads])
        value, dv_dm, dv_ds = _acquisition.log_expected_hypervolume_improvement(
            mean, scale, nu, *self.boxes
        )
        grad = np.zeros_like(Z)
        for k, (_, _, d_mean, d_scale) in enumerate(with_grads):
            grad = grad + dv_dm[:, k, None] * d_mean + dv_ds[:, k, None] * d_scale
        return value, grad


def log_feasibility(constraints: Sequence[ConstraintModel], Z: np.ndarray) -> np.ndarray:
    """``sum_k log P(c_k <= 0)`` at encoded points ``Z`` (zeros without constraints)."""
    value = np.zeros(len(Z))
    for c in constraints:
        value = value + c.log_feasibility(*c.model.predict(Z))[0]
    return value


def _exclude(value: np.ndarray, Z: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Rules out points within ``RUNNING_RADIUS`` of a point to avoid."""
    if len(P) == 0:
        return value
    same = np.all(np.abs(Z[:, None, :] - P[None, :, :]) < RUNNING_RADIUS, axis=-1).any(axis=1)
    return np.where(same, -1e300, value)
