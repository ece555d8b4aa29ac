"""The slice of the surrogate that a figure draws, computed without any plotting library.

:func:`_compute_slice` checks the plot's arguments, reads the trials the model saw by the
sampler's own path (:func:`optuna_gamma._inputs.model_inputs`), fits the model with the sampler's
call (:func:`optuna_gamma.surrogate.fit_model`, from the same stored warm starts) and evaluates it
on the plot's grid.  The result, a :class:`_Slice`, is what the plotly and matplotlib renderers
draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
import math
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.study import Study
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from optuna_gamma._inputs import ModelInputs
from optuna_gamma._inputs import model_inputs
from optuna_gamma._inputs import relative_search_space
from optuna_gamma._sampler import GammaBOSampler
from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._storage import intended_params
from optuna_gamma._storage import read_prediction
from optuna_gamma._threads import single_blas_thread
from optuna_gamma.surrogate import CREDIBLE_MASS
from optuna_gamma.surrogate import FittedSurrogate
from optuna_gamma.surrogate import ObjectiveModel
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate import predictive_quantile
from optuna_gamma.surrogate import propose
from optuna_gamma.surrogate._fitted import fit_stored

_DEFAULT_POINTS_1D = 200
_DEFAULT_POINTS_2D = 50
_MAX_POINTS = {1: 10_000, 2: 300}  # per axis, by the number of drawn parameters
_MIN_COMPLETE_TRIALS = 2
_ACQUISITION_LABELS = {"ei": "log EI", "pi": "log PI", "ucb": "UCB (standardised)"}
# Colour range of log-acquisition maps: the top this many nats (log EI falls to -1e3 far from
# the data, which would wash out the interesting region).
_LOG_ACQ_RANGE = 12.0
_BAND_LABEL = f"{CREDIBLE_MASS:.0%} credible band"
_WIDTH_LABEL = f"{CREDIBLE_MASS:.0%} band width"

_Decider = FittedSurrogate  # what the sampler maximises


@dataclass
class _Axis:
    name: str
    distribution: BaseDistribution
    column: int
    x: np.ndarray  # encoded grid, (m,)
    values: list[Any]  # decoded grid values (plain Python), or category labels
    kind: str  # "linear", "log" or "category"


@dataclass
class _Slice:
    """A slice of the fitted surrogate, ready to draw (no plotting library involved)."""

    axes: list[_Axis]
    median: np.ndarray  # (m,) for 1-D, (m_y, m_x) for 2-D; objective units
    width: np.ndarray  # upper - lower
    lower: np.ndarray
    upper: np.ndarray
    acquisition: np.ndarray
    acquisition_name: str
    predictive: str
    nu: float
    quantile: float
    observations: list[list[Any]]  # per axis, the trials' values (category labels for cat.)
    observed_values: list[float]
    observed_feasible: list[bool]  # all True without constraints
    feasibility: np.ndarray | None  # P(feasible) on the grid; None without constraints
    observed_numbers: list[int]
    suggestion: list[Any] | None  # per axis
    suggestion_label: str
    suggestion_median: float | None
    suggestion_acquisition: float | None
    fixed: dict[str, Any]
    trial_number: int | None
    n_trials: int
    objective_name: str
    meta: dict[str, Any] = field(default_factory=dict)


def _compute_slice(
    study: Study,
    params: str | Sequence[str] | None,
    trial_number: int | None,
    sampler: GammaBOSampler | None,
    fixed_params: Mapping[str, Any] | None,
    n_points: int | None,
    objective: int | str | None = None,
) -> _Slice:
    """Validates the arguments, fits the surrogate as it was at the plotted moment and
    evaluates it on the plot's grid."""
    _check_slice_arguments(study, sampler, n_points)
    k = _objective_index(study, objective)
    trials = study.get_trials(deepcopy=False)
    target = _target_trial(study, trials, trial_number)
    settings = _resolve_sampler(study, sampler).surrogate_settings
    inputs = _plotted_data(study, trials, target, settings.ordinal_lists)
    completed, space = inputs.completed, inputs.space
    names = _check_params(params, space)
    # In a conditional space the figure is a slice of the branch that asks for the drawn
    # parameters: the other values are held at the best trial of that branch.
    on_branch = [all(n in t.params for n in names) for t in completed]
    shown = [t for t, on in zip(completed, on_branch) if on]
    fixed = _fixed_values(space, _best_trial(shown, study.directions, k), fixed_params)
    base = space.encode([fixed])  # (1, d)
    n = _points_per_axis(names, n_points)
    axes = [_make_axis(space, base, name, n) for name in names]

    with single_blas_thread():
        decider = _fit_decider(study, trials, target, inputs, settings)
        fitted = decider.objectives[k or 0]  # the drawn objective's model
        median, lower, upper, acq, feasibility = _evaluate_grid(decider, fitted, axes, base)
        suggested, label = _suggestion(decider, space, completed, target, names)
        at_suggestion = _evaluate_suggestion(decider, fitted, space, fixed, suggested, names)

    nu = float(fitted.model.nu)
    s = _Slice(
        axes=axes,
        median=median,
        width=upper - lower,
        lower=lower,
        upper=upper,
        acquisition=acq,
        acquisition_name=_ACQUISITION_LABELS[settings.acquisition] if k is None else "log EHVI",
        predictive=settings.predictive,
        nu=nu,
        quantile=predictive_quantile(nu, 0.5 + CREDIBLE_MASS / 2),
        observations=[[_axis_value(ax, t.params[ax.name]) for t in shown] for ax in axes],
        observed_values=[float(t.value if k is None else t.values[k]) for t in shown],  # type: ignore[arg-type]
        observed_feasible=_observed_feasible(decider, on_branch),
        feasibility=feasibility,
        observed_numbers=[t.number for t in shown],
        suggestion=None if suggested is None else _axis_values(axes, suggested),
        suggestion_label=label,
        suggestion_median=at_suggestion[0],
        suggestion_acquisition=at_suggestion[1],
        fixed=fixed,
        trial_number=None if target is None else target.number,
        n_trials=len(completed),
        objective_name=_objective_name(study, k),
    )
    s.meta = _meta(s, names, settings, fitted, k, suggested, target)
    return s


def _points_per_axis(names: list[str], n_points: int | None) -> int:
    """The grid's points per axis for ``names`` drawn parameters (``n_points`` already an int
    ``>= 2`` or ``None``)."""
    if n_points is None:
        n_points = _DEFAULT_POINTS_1D if len(names) == 1 else _DEFAULT_POINTS_2D
    if n_points > _MAX_POINTS[len(names)]:
        # Each grid point costs a prediction against every trial: a 2-D grid of 10**6 per axis
        # would need terabytes.
        raise ValueError(
            f"n_points={n_points} is too many for a {len(names)}-D plot; give at most "
            f"{_MAX_POINTS[len(names)]} (points per axis)."
        )
    return int(n_points)


def _fit_decider(
    study: Study,
    trials: list[FrozenTrial],
    target: FrozenTrial | None,
    inputs: ModelInputs,
    settings: SurrogateSettings,
) -> _Decider:
    """What the sampler maximised when it suggested ``target`` (``None``: what it would maximise
    next): the same model from the same inputs, its kernel fits started where the sampler's were
    (no running trials: which ones were running when the trial was suggested is not
    recorded)."""
    before = target.number if target is not None else math.inf
    return fit_stored(inputs, trials, study.directions, settings, before=before)


def _evaluate_grid(
    decider: _Decider, fitted: ObjectiveModel, axes: list[_Axis], base: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """The drawn objective's median and band ends, the acquisition and ``P(feasible)``
    (``None`` without constraints) on the plot's grid, shaped as the grid."""
    Z, shape = _grid(base, axes)
    median, lower, upper = (a.reshape(shape) for a in fitted.predict(Z, CREDIBLE_MASS))
    acquisition = decider.acquisition_values(Z).reshape(shape)
    feasibility = (
        np.exp(decider.log_feasibility(Z)).reshape(shape) if decider.constraints else None
    )
    return median, lower, upper, acquisition, feasibility


def _evaluate_suggestion(
    decider: _Decider,
    fitted: ObjectiveModel,
    space: SearchSpace,
    fixed: dict[str, Any],
    suggested: dict[str, Any] | None,
    names: list[str],
) -> tuple[float | None, float | None]:
    """The median and the acquisition at the suggestion's drawn values, the others held."""
    if suggested is None:
        return None, None
    point = dict(fixed)
    point.update({name: suggested[name] for name in names})
    zs = space.encode([point])
    return float(fitted.predict(zs)[0][0]), float(decider.acquisition_values(zs)[0])


def _observed_feasible(decider: _Decider, on_branch: list[bool]) -> list[bool]:
    """Whether each drawn observation (the COMPLETE trials ``on_branch``) is feasible; all
    ``True`` without constraints."""
    feasible = decider.feasible
    return [feasible is None or bool(feasible[i]) for i, on in enumerate(on_branch) if on]


def _meta(
    s: _Slice,
    names: list[str],
    settings: SurrogateSettings,
    fitted: ObjectiveModel,
    k: int | None,
    suggested: dict[str, Any] | None,
    target: FrozenTrial | None,
) -> dict[str, Any]:
    """The slice's description that a figure carries (plotly's ``layout.meta``)."""
    meta: dict[str, Any] = {
        "params": names,
        "fixed_params": {name: v for name, v in s.fixed.items() if name not in names},
        "trial_number": s.trial_number,
        "n_trials": s.n_trials,
        "predictive": settings.predictive,
        "nu": None if math.isinf(s.nu) else s.nu,
        "credible_mass": CREDIBLE_MASS,
        "quantile": s.quantile,
        "power_transform_lambda": fitted.transform.exponent,
        "acquisition": settings.acquisition if k is None else "ehvi",
        "objective": k,
        "suggestion": None if suggested is None else {name: suggested[name] for name in names},
    }
    prediction = None if target is None else read_prediction(target.system_attrs)
    if prediction is not None:
        meta["prediction_at_suggestion"] = prediction
    return meta


def _default_trial_numbers(study: Study) -> list[int]:
    """The trials an animation shows by default: every trial that had at least
    ``_MIN_COMPLETE_TRIALS`` COMPLETE trials before it."""
    trial_numbers = []
    n_complete = 0
    for t in study.get_trials(deepcopy=False):
        if n_complete >= _MIN_COMPLETE_TRIALS:
            trial_numbers.append(t.number)
        n_complete += t.state == TrialState.COMPLETE
    return trial_numbers


def _check_slice_arguments(
    study: Study, sampler: GammaBOSampler | None, n_points: int | None
) -> None:
    if sampler is not None and not isinstance(sampler, GammaBOSampler):
        raise TypeError(f"sampler must be a GammaBOSampler or None, got {sampler!r}.")
    if n_points is not None and (
        isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2
    ):
        raise ValueError(f"n_points must be an int >= 2 or None, got {n_points!r}.")


def _objective_index(study: Study, objective: int | str | None) -> int | None:
    """``None`` for a single-objective study, else the index of the objective to draw."""
    n = len(study.directions)
    names = study.metric_names or []
    valid = f"an index 0 to {n - 1}" + (f" or a metric name from {names}" if names else "")
    if objective is None:
        if n == 1:
            return None
        raise ValueError(
            f"study {study.study_name!r} has {n} objectives and a figure draws one model: "
            f"pass objective= {valid}."
        )
    if isinstance(objective, str):
        if objective not in names:
            raise ValueError(f"objective={objective!r} is not a metric name; give {valid}.")
        index = names.index(objective)
    elif isinstance(objective, (int, np.integer)) and not isinstance(objective, bool):
        index = int(objective)
        if not 0 <= index < n:
            raise ValueError(f"objective={objective!r} is out of range; give {valid}.")
    else:
        raise TypeError(f"objective must be an int, a str or None, got {objective!r}.")
    return None if n == 1 else index


def _target_trial(
    study: Study, trials: list[FrozenTrial], trial_number: int | None
) -> FrozenTrial | None:
    """The trial whose suggestion is plotted (``None``: the model of all COMPLETE trials)."""
    if trial_number is None:
        return None
    if isinstance(trial_number, bool) or not isinstance(trial_number, (int, np.integer)):
        raise TypeError(f"trial_number must be an int or None, got {trial_number!r}.")
    by_number = {t.number: t for t in trials}
    if trial_number not in by_number:
        raise ValueError(
            f"trial_number={trial_number} is not a trial of study {study.study_name!r}; "
            f"valid values are 0 to {len(trials) - 1}."
        )
    return by_number[int(trial_number)]


def _plotted_data(
    study: Study, trials: list[FrozenTrial], target: FrozenTrial | None, ordinal: str
) -> ModelInputs:
    """What the model saw when the sampler suggested ``target`` (the trials numbered below it;
    every trial if ``None``), read by the sampler's own path (:func:`model_inputs`): the same
    COMPLETE and PRUNED trials, the same encodable filter, the same space."""
    seen = [t for t in trials if target is None or t.number < target.number]
    when = "" if target is None else f" before trial {target.number}"
    distributions = relative_search_space(seen)
    n_complete = sum(t.state == TrialState.COMPLETE for t in seen)
    if n_complete >= _MIN_COMPLETE_TRIALS and not distributions:
        raise ValueError(
            f"The COMPLETE trials{when} of study {study.study_name!r} have no parameter with "
            "one distribution, so there is no search space to plot."
        )
    inputs = model_inputs(seen, distributions, ordinal)
    if len(inputs.completed) < _MIN_COMPLETE_TRIALS:
        number = None if target is None else target.number
        raise ValueError(
            f"study {study.study_name!r} has {len(inputs.completed)} COMPLETE trials{when} "
            f"the model can use; plot_surrogate needs at least {_MIN_COMPLETE_TRIALS} "
            f"(trial_number={number})."
        )
    return inputs


def _distributions(space: SearchSpace) -> dict[str, BaseDistribution]:
    """The parameters of the plotted space (for a conditional space: of its union)."""
    if isinstance(space, ConditionalSearchSpace):
        return dict(space.union)
    return dict(zip(space.names, space.distributions))


def _fixed_values(
    space: SearchSpace, best: FrozenTrial, fixed_params: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Values of the parameters not on an axis: the best trial's, unless ``fixed_params``."""
    distributions = _distributions(space)
    fixed = {name: best.params[name] for name in distributions if name in best.params}
    if fixed_params is None:
        return fixed
    unknown = sorted(set(fixed_params) - set(distributions))
    if unknown:
        raise ValueError(
            f"fixed_params has unknown parameters {unknown}; the search space holds "
            f"{list(distributions)}."
        )
    for name, value in fixed_params.items():
        dist = distributions[name]
        if not _contains(dist, value):
            raise ValueError(
                f"fixed_params[{name!r}]={value!r} is outside its distribution {dist!r}."
            )
        fixed[name] = value
    return fixed


def _grid(base: np.ndarray, axes: list[_Axis]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Encoded points of the plot's grid ``(m, d)`` and the shape to reshape values to."""
    if len(axes) == 1:
        Z = np.repeat(base, len(axes[0].x), axis=0)  # (m, d)
        Z[:, axes[0].column] = axes[0].x
        return Z, (len(axes[0].x),)
    gx, gy = np.meshgrid(axes[0].x, axes[1].x)  # (m_y, m_x): rows follow the y axis
    Z = np.repeat(base, gx.size, axis=0)
    Z[:, axes[0].column] = gx.ravel()
    Z[:, axes[1].column] = gy.ravel()
    return Z, gx.shape


def _suggestion(
    fitted: _Decider,
    space: SearchSpace,
    completed: list[FrozenTrial],
    target: FrozenTrial | None,
    names: list[str],
) -> tuple[dict[str, Any] | None, str]:
    """The suggestion to mark and its label: the plotted trial's own parameters, or what the
    sampler would suggest next (if that is on the drawn parameters' branch)."""
    if target is not None:
        intended = intended_params(target)
        if all(name in intended for name in names):
            return intended, f"suggestion (trial {target.number})"
        return None, ""
    _, x_next, _ = propose(fitted, space, completed, np.random.default_rng(0))
    params = space.decode(x_next)
    if all(name in params for name in names):
        return params, "next suggestion"
    return None, ""


def _resolve_sampler(study: Study, sampler: GammaBOSampler | None) -> GammaBOSampler:
    if sampler is not None:
        return sampler
    if isinstance(study.sampler, GammaBOSampler):
        return study.sampler
    return GammaBOSampler(seed=0)


def _check_params(params: str | Sequence[str] | None, space: SearchSpace) -> list[str]:
    distributions = _distributions(space)
    available = list(distributions)
    if params is None:  # the first two parameters every trial has, if there are two
        conditional = space.conditional if isinstance(space, ConditionalSearchSpace) else set()
        return sorted(available, key=lambda n: n in conditional)[:2]
    names = [params] if isinstance(params, str) else list(params)
    if not 1 <= len(names) <= 2:
        raise ValueError(
            f"params must name one or two parameters, got {len(names)}: {names!r}; "
            f"choose from {available}."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"params names a parameter twice: {names!r}.")
    for name in names:
        if name not in distributions:
            raise ValueError(
                f"params contains {name!r}, which is not in the search space of the COMPLETE "
                f"trials (parameters present with one distribution wherever they appear): "
                f"{available}."
            )
    return names


def _best_trial(
    completed: list[FrozenTrial], directions: Sequence[StudyDirection], k: int | None
) -> FrozenTrial:
    """The best trial by the drawn objective (the ``k``-th of several)."""
    direction = directions[0 if k is None else k]
    sign = 1.0 if direction == StudyDirection.MAXIMIZE else -1.0
    values = np.array([t.value if k is None else t.values[k] for t in completed], dtype=float)
    values = np.where(np.isnan(values), -np.inf, sign * values)
    return completed[int(np.argmax(values))]


def _make_axis(space: SearchSpace, base: np.ndarray, name: str, n_points: int) -> _Axis:
    j = space.names.index(name)
    dist = _distributions(space)[name]
    grid = space.grid_x[j]
    if isinstance(dist, CategoricalDistribution):
        x = np.arange(len(dist.choices), dtype=float)
        return _Axis(name, dist, j, x, [_label(c) for c in dist.choices], "category")
    assert isinstance(dist, (FloatDistribution, IntDistribution))
    if grid is not None and len(grid) <= n_points:
        x = np.array(grid, dtype=float)
    else:
        x = np.linspace(0.0, 1.0, n_points)
        if grid is not None:
            rows = np.repeat(base, n_points, axis=0)
            rows[:, j] = x
            x = np.unique(space.snap(rows)[:, j])
    rows = np.repeat(base, len(x), axis=0)
    rows[:, j] = x
    values = [space.decode(row)[name] for row in rows]
    return _Axis(name, dist, j, x, values, "log" if dist.log else "linear")


def _contains(dist: BaseDistribution, value: Any) -> bool:
    if isinstance(dist, CategoricalDistribution):
        return any(value == c for c in dist.choices)
    assert isinstance(dist, (FloatDistribution, IntDistribution))
    try:
        return bool(dist.low <= float(value) <= dist.high)
    except (TypeError, ValueError):
        return False


def _label(choice: Any) -> str:
    return str(choice)


def _axis_value(axis: _Axis, value: Any) -> Any:
    return _label(value) if axis.kind == "category" else value


def _axis_values(axes: list[_Axis], params: Mapping[str, Any]) -> list[Any]:
    """The drawn parameters' values in ``params``, one per axis, as the axes show them."""
    return [_axis_value(ax, params[ax.name]) for ax in axes]


def _objective_name(study: Study, k: int | None = None) -> str:
    names = study.metric_names
    if k is None:
        return names[0] if names else "objective value"
    return names[k] if names else f"objective {k}"


# -- what both renderers draw alike ------------------------------------------------------------


def _title(s: _Slice) -> str:
    if s.predictive == "student_t":
        model = f"Student-t predictive, ν = {s.nu:g}"
    else:
        model = "Gaussian predictive"
    when = "all COMPLETE trials" if s.trial_number is None else f"at trial {s.trial_number}"
    title = f"GammaBO surrogate ({model}; {s.n_trials} trials, {when})"
    held = {k: v for k, v in s.fixed.items() if k not in [a.name for a in s.axes]}
    if held:
        title += "<br><sup>held at " + ", ".join(f"{k}={_fmt(v)}" for k, v in held.items())
        title += "</sup>"
    return title


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _acq_range(s: _Slice) -> tuple[float, float]:
    top = float(np.max(s.acquisition))
    bottom = float(np.min(s.acquisition))
    if s.acquisition_name.startswith("log"):
        bottom = max(bottom, top - _LOG_ACQ_RANGE)
    return bottom, top
