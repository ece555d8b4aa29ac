"""Plots of what :class:`~optuna_gamma.GammaBOSampler`'s surrogate believes.

Public names:

- :func:`plot_surrogate` -- a plotly figure: for one parameter the predictive median with its 95%
  credible band (Student-t or normal), the observations and the acquisition below; for two
  parameters three maps (median, band width, acquisition) with the observations and the
  suggestion.
- :func:`plot_surrogate_matplotlib` -- the same picture as a matplotlib figure (static export
  without a browser).
- :func:`plot_surrogate_animation` -- the 2-D (or 1-D) picture as it was at each trial, as one
  plotly figure with a slider and a play button.

Everything is rebuilt from the study's trials (any storage, any process): the model is refitted
to the COMPLETE trials with the sampler's settings, so a plot made in a fresh process after
``optuna.load_study`` shows the same model the sampler would fit.  Parameters that are not drawn
are held at the best trial's values.

plotly (and matplotlib for :func:`plot_surrogate_matplotlib`) are imported only when a function is
called; ``pip install optuna-gamma[dashboard]`` installs plotly.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
import math
from typing import TYPE_CHECKING
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
from optuna_gamma.surrogate import MultiObjectiveSurrogate
from optuna_gamma.surrogate import fit_model
from optuna_gamma.surrogate import predictive_quantile
from optuna_gamma.surrogate import propose
from optuna_gamma.surrogate import stored_starts

if TYPE_CHECKING:
    import matplotlib.figure
    import plotly.graph_objects as go

__all__ = ["plot_surrogate", "plot_surrogate_animation", "plot_surrogate_matplotlib"]

_DEFAULT_POINTS_1D = 200
_DEFAULT_POINTS_2D = 50
_MAX_POINTS = {1: 10_000, 2: 300}  # per axis, by the number of drawn parameters
_MIN_COMPLETE_TRIALS = 2
_MAPS = ("median", "width", "acquisition", "feasibility")
_DEFAULT_MAPS = ("median", "width", "acquisition")  # and "feasibility" with constraints
_ACQUISITION_LABELS = {"ei": "log EI", "pi": "log PI", "ucb": "UCB (standardised)"}
# Colour range of log-acquisition maps: the top this many nats (log EI falls to -1e3 far from
# the data, which would wash out the interesting region).
_LOG_ACQ_RANGE = 12.0
_INSTALL_HINT = (
    "optuna_gamma.visualization needs plotly; install it with "
    "`pip install optuna-gamma[dashboard]` (or `pip install plotly`)."
)


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


# -- public ------------------------------------------------------------------------------------


def plot_surrogate(
    study: Study,
    params: str | Sequence[str] | None = None,
    *,
    trial_number: int | None = None,
    sampler: GammaBOSampler | None = None,
    fixed_params: Mapping[str, Any] | None = None,
    n_points: int | None = None,
    maps: Sequence[str] | None = None,
    objective: int | str | None = None,
) -> go.Figure:
    """Plots the surrogate model of :class:`~optuna_gamma.GammaBOSampler` over one or two params.

    One parameter: the predictive median with the central 95% credible band, in the objective's
    units -- the model's predictive is Student-t with ``nu`` degrees of freedom for
    ``predictive="student_t"`` (normal for ``"gaussian"``) on the standardised, power-transformed
    values, and its quantiles are mapped back through the (monotone) transform, so the band can be
    asymmetric -- the observed trials, and the acquisition function below (the quantity the
    sampler maximises: log EI, log PI or UCB on the model's values).  Categorical parameters are
    drawn as one point with an error bar per choice.

    Two parameters: three heat maps -- predictive median, width of the 95% band and acquisition --
    with the observed trials (white dots) and the suggestion (a red star).

    With constraints (``trial.set_constraint`` or the sampler's ``constraints_func``), infeasible
    observations are drawn as grey crosses, the acquisition is the constrained one, and the
    model's probability of feasibility ``P(feasible)`` is drawn too: a third panel for one
    parameter, a fourth map for two.

    The other parameters are held at the best trial's values (or ``fixed_params``), so with more
    than the drawn parameters the curves are a slice of the model while the observations are
    projections of all trials.  Log-scaled parameters are drawn on log axes, integer and stepped
    parameters on their grid.

    The model is refitted to the trials (any storage, any process) with the sampler's settings:
    ``sampler`` if given, else ``study.sampler`` if it is a :class:`GammaBOSampler`, else the
    defaults.  The relative search space is that of the sampler: the parameters that every
    COMPLETE trial has with the same distribution.

    Args:
        study: A study with at least two COMPLETE trials (several objectives: see
            ``objective``).
        params: Name of one parameter, or a sequence of one or two names. Defaults to ``None``:
            the first two names of the search space in sorted order (one if there is one).
        trial_number: ``None`` draws the model of all COMPLETE trials and marks the point the
            sampler would suggest next. An int ``k`` draws the model as it was when trial ``k``
            was suggested (COMPLETE trials numbered below ``k``) and marks trial ``k``'s
            parameters as the suggestion. Defaults to ``None``.
        sampler: Sampler whose settings (predictive, priors, acquisition, ``xi``) are used.
            Defaults to ``None`` (see above).
        fixed_params: Values for parameters that are not drawn, overriding the best trial's.
            Defaults to ``None``.
        n_points: Grid points per axis, at most 10,000 for one parameter and 300 for two.
            Defaults to ``None``: 200 for one parameter, 50 for
            two. Integer and categorical axes use their own grid when it is smaller.
        maps: The maps of a 2-D plot, side by side, from ``"median"``, ``"width"``,
            ``"acquisition"`` and ``"feasibility"`` (one map per figure suits a narrow dashboard
            cell). Defaults to ``None``: the first three, and ``"feasibility"`` when the trials
            carry constraints.
        objective: For a multi-objective study, the objective to draw: its index or its metric
            name (``study.set_metric_names``); required there, since a figure shows one
            objective's model. The acquisition drawn is still the sampler's: log expected
            hypervolume improvement over all objectives. Defaults to ``None`` (the objective of
            a single-objective study).

    Returns:
        A :class:`plotly.graph_objects.Figure`. ``figure.layout.meta`` holds the slice's
        description (parameters, held values, ``nu``, number of trials, suggestion).

    Raises:
        ValueError: If the study has too few COMPLETE trials, or ``params``, ``objective``,
            ``trial_number``, ``fixed_params`` or ``n_points`` are invalid.
        ImportError: If plotly is not installed.
    """
    _import_plotly()  # a missing plotly is said before the model is fitted
    maps = None if maps is None else _check_maps(maps)
    s = _compute_slice(study, params, trial_number, sampler, fixed_params, n_points, objective)
    return _plotly_figure(s, maps)


def plot_surrogate_matplotlib(
    study: Study,
    params: str | Sequence[str] | None = None,
    *,
    trial_number: int | None = None,
    sampler: GammaBOSampler | None = None,
    fixed_params: Mapping[str, Any] | None = None,
    n_points: int | None = None,
    objective: int | str | None = None,
) -> matplotlib.figure.Figure:
    """The picture of :func:`plot_surrogate` as a matplotlib figure (for static export).

    Takes the same arguments as :func:`plot_surrogate` and draws the same slice; save it with
    ``figure.savefig("surrogate.png")``.

    Returns:
        A :class:`matplotlib.figure.Figure` (not attached to pyplot's state).

    Raises:
        ValueError: As :func:`plot_surrogate`.
        ImportError: If matplotlib is not installed.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_surrogate_matplotlib needs matplotlib; install it with `pip install matplotlib`."
        ) from e
    s = _compute_slice(study, params, trial_number, sampler, fixed_params, n_points, objective)
    if len(s.axes) == 1:
        return _matplotlib_1d(Figure, s)
    return _matplotlib_2d(Figure, s)


def plot_surrogate_animation(
    study: Study,
    params: str | Sequence[str] | None = None,
    *,
    trial_numbers: Sequence[int] | None = None,
    sampler: GammaBOSampler | None = None,
    fixed_params: Mapping[str, Any] | None = None,
    n_points: int | None = None,
    maps: Sequence[str] | None = None,
    objective: int | str | None = None,
) -> go.Figure:
    """The surrogate as it was at each trial: a plotly figure with a slider and a play button.

    Frame ``k`` is ``plot_surrogate(study, params, trial_number=k)``: the model of the trials
    completed before trial ``k`` and trial ``k`` as the suggestion -- the blog's GIF of the 2-D
    process, one frame per trial.

    Args:
        study: As :func:`plot_surrogate`.
        params: As :func:`plot_surrogate`.
        trial_numbers: Trials to show. Defaults to ``None``: every trial that had at least two
            COMPLETE trials before it.
        sampler: As :func:`plot_surrogate`.
        fixed_params: As :func:`plot_surrogate`.
        n_points: As :func:`plot_surrogate`.
        maps: As :func:`plot_surrogate`.
        objective: As :func:`plot_surrogate`.

    Returns:
        A :class:`plotly.graph_objects.Figure` with one frame per trial number.

    Raises:
        ValueError: As :func:`plot_surrogate`, or if ``trial_numbers`` is empty.
    """
    # Long by design: argument checks, then one frame per trial and the slider that plays them.
    go, _ = _import_plotly()
    maps = None if maps is None else _check_maps(maps)
    if trial_numbers is None:
        trials = study.get_trials(deepcopy=False)
        trial_numbers = []
        n_complete = 0
        for t in trials:
            if n_complete >= _MIN_COMPLETE_TRIALS:
                trial_numbers.append(t.number)
            n_complete += t.state == TrialState.COMPLETE
    trial_numbers = list(trial_numbers)
    if not trial_numbers:
        raise ValueError(
            "trial_numbers is empty: the study needs a trial after at least "
            f"{_MIN_COMPLETE_TRIALS} COMPLETE trials to animate."
        )
    # Frame k is plot_surrogate(..., trial_number=k).
    slices = (
        _compute_slice(study, params, k, sampler, fixed_params, n_points, objective)
        for k in trial_numbers
    )
    figures = [_plotly_figure(s, maps) for s in slices]
    fig = go.Figure(figures[-1])
    fig.frames = [
        go.Frame(data=f.data, name=str(k), layout={"title": f.layout.title})
        for k, f in zip(trial_numbers, figures)
    ]
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "x": 0.0,
                "y": -0.12,
                "xanchor": "left",
                "buttons": [
                    {
                        "label": "play",
                        "method": "animate",
                        "args": [None, {"frame": {"duration": 700, "redraw": True}}],
                    }
                ],
            }
        ],
        sliders=[
            {
                "active": len(trial_numbers) - 1,
                "currentvalue": {"prefix": "trial "},
                "pad": {"t": 40},
                "steps": [
                    {
                        "label": str(k),
                        "method": "animate",
                        "args": [[str(k)], {"mode": "immediate", "frame": {"redraw": True}}],
                    }
                    for k in trial_numbers
                ],
            }
        ],
    )
    return fig


def _plotly_figure(s: _Slice, maps: tuple[str, ...] | None) -> go.Figure:
    """The figure of :func:`plot_surrogate` for a computed slice (``maps`` already checked)."""
    go, make_subplots = _import_plotly()
    if maps is None:
        maps = _DEFAULT_MAPS + (("feasibility",) if s.feasibility is not None else ())
    elif "feasibility" in maps and s.feasibility is None:
        raise ValueError(
            "maps includes 'feasibility', but the trials carry no constraint values; give maps "
            f"from {_DEFAULT_MAPS}."
        )
    if len(s.axes) == 1:
        fig = _plotly_1d(go, make_subplots, s)
    else:
        fig = _plotly_2d(go, make_subplots, s, maps)
    fig.update_layout(meta=s.meta, template="plotly_white")
    return fig


# -- the slice (pure computation) --------------------------------------------------------------


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
    # Long by design: after the steps it calls, it assembles the _Slice's 21 fields and its meta.
    _check_slice_arguments(study, sampler, n_points)
    k = _objective_index(study, objective)
    trials = study.get_trials(deepcopy=False)
    target = _target_trial(study, trials, trial_number)
    inputs = _plotted_data(study, trials, target)
    completed, space = inputs.completed, inputs.space
    names = _check_params(params, space)
    settings = _resolve_sampler(study, sampler).surrogate_settings
    # In a conditional space the figure is a slice of the branch that asks for the drawn
    # parameters: the other values are held at the best trial of that branch.
    shown = [t for t in completed if all(n in t.params for n in names)]
    fixed = _fixed_values(space, _best_trial(shown, study.directions, k), fixed_params)
    base = space.encode([fixed])  # (1, d)
    if n_points is None:
        n_points = _DEFAULT_POINTS_1D if len(names) == 1 else _DEFAULT_POINTS_2D
    if n_points > _MAX_POINTS[len(names)]:
        # Each grid point costs a prediction against every trial: a 2-D grid of 10**6 per axis
        # would need terabytes.
        raise ValueError(
            f"n_points={n_points} is too many for a {len(names)}-D plot; give at most "
            f"{_MAX_POINTS[len(names)]} (points per axis)."
        )
    axes = [_make_axis(space, base, name, int(n_points)) for name in names]
    Z, shape = _grid(base, axes)

    with single_blas_thread():
        before = target.number if target is not None else math.inf
        starts, constraint_starts = stored_starts(
            trials, before, space, settings, len(study.directions)
        )
        # What the sampler maximised: the same model from the same inputs (no running trials:
        # which ones were running when the trial was suggested is not recorded).
        decider = fit_model(inputs, study.directions, settings, starts=(starts, constraint_starts))
        fitted = decider if isinstance(decider, FittedSurrogate) else decider.objectives[k or 0]
        median, lower, upper = (a.reshape(shape) for a in fitted.predict(Z, CREDIBLE_MASS))
        acq = decider.acquisition_values(Z).reshape(shape)
        feasibility = (
            np.exp(decider.log_feasibility(Z)).reshape(shape) if decider.constraints else None
        )
        suggestion_params, label = _suggestion(decider, space, completed, target, names)
        suggestion = suggestion_median = suggestion_acq = None
        if suggestion_params is not None:
            point = dict(fixed)
            point.update({name: suggestion_params[name] for name in names})
            zs = space.encode([point])
            suggestion_median = float(fitted.predict(zs)[0][0])
            suggestion_acq = float(decider.acquisition_values(zs)[0])
            suggestion = [_axis_value(ax, suggestion_params[ax.name]) for ax in axes]

    nu = float(fitted.model.nu)
    q = predictive_quantile(nu, 0.5 + CREDIBLE_MASS / 2)
    meta: dict[str, Any] = {
        "params": names,
        "fixed_params": {k: v for k, v in fixed.items() if k not in names},
        "trial_number": None if target is None else target.number,
        "n_trials": len(completed),
        "predictive": settings.predictive,
        "nu": None if math.isinf(nu) else nu,
        "credible_mass": CREDIBLE_MASS,
        "quantile": q,
        "power_transform_lambda": fitted.transform.exponent,
        "acquisition": settings.acquisition if k is None else "ehvi",
        "objective": k,
        "suggestion": None
        if suggestion_params is None
        else {name: suggestion_params[name] for name in names},
    }
    prediction = None if target is None else read_prediction(target.system_attrs)
    if prediction is not None:
        meta["prediction_at_suggestion"] = prediction
    return _Slice(
        axes=axes,
        median=median,
        width=upper - lower,
        lower=lower,
        upper=upper,
        acquisition=acq,
        acquisition_name=_ACQUISITION_LABELS[settings.acquisition] if k is None else "log EHVI",
        predictive=settings.predictive,
        nu=nu,
        quantile=q,
        observations=[[_axis_value(ax, t.params[ax.name]) for t in shown] for ax in axes],
        observed_values=[float(t.value if k is None else t.values[k]) for t in shown],  # type: ignore[arg-type]
        observed_feasible=[
            bool(decider.feasible[i]) if decider.feasible is not None else True
            for i, t in enumerate(completed)
            if all(n in t.params for n in names)
        ],
        feasibility=feasibility,
        observed_numbers=[t.number for t in shown],
        suggestion=suggestion,
        suggestion_label=label,
        suggestion_median=suggestion_median,
        suggestion_acquisition=suggestion_acq,
        fixed=fixed,
        trial_number=None if target is None else target.number,
        n_trials=len(completed),
        objective_name=_objective_name(study, k),
        meta=meta,
    )


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
    study: Study, trials: list[FrozenTrial], target: FrozenTrial | None
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
    inputs = model_inputs(seen, distributions)
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
    fitted: FittedSurrogate | MultiObjectiveSurrogate,
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


def _check_maps(maps: Sequence[str]) -> tuple[str, ...]:
    chosen = (maps,) if isinstance(maps, str) else tuple(maps)
    if not chosen or len(set(chosen)) != len(chosen) or not set(chosen) <= set(_MAPS):
        raise ValueError(
            f"maps={maps!r} is not supported; give one or more distinct names from {_MAPS}."
        )
    return chosen


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


def _objective_name(study: Study, k: int | None = None) -> str:
    names = study.metric_names
    if k is None:
        return names[0] if names else "objective value"
    return names[k] if names else f"objective {k}"


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


def _import_plotly() -> tuple[Any, Any]:
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return go, make_subplots


def _list(a: np.ndarray) -> list[Any]:
    """Plain JSON lists (not plotly's base64 arrays), rounded to 7 significant digits."""
    return np.vectorize(lambda v: float(f"{v:.7g}"), otypes=[float])(a).tolist()


def _acq_range(s: _Slice) -> tuple[float, float]:
    top = float(np.max(s.acquisition))
    bottom = float(np.min(s.acquisition))
    if s.acquisition_name.startswith("log"):
        bottom = max(bottom, top - _LOG_ACQ_RANGE)
    return bottom, top


# -- plotly ------------------------------------------------------------------------------------


def _plotly_1d(go: Any, make_subplots: Any, s: _Slice) -> Any:
    # Long by design: one literal plotly trace per curve (band, median, observations,
    # acquisition, suggestion), each a dozen keyword lines.
    ax = s.axes[0]
    constrained = s.feasibility is not None
    fig = make_subplots(
        rows=3 if constrained else 2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.6, 0.2, 0.2] if constrained else [0.7, 0.3],
        vertical_spacing=0.06,
    )
    band = f"{CREDIBLE_MASS:.0%} credible band"

    def scatter(row: int, **trace: Any) -> None:  # one trace in the curve (1) or acquisition (2)
        fig.add_trace(go.Scatter(**trace), row=row, col=1)

    hover = [f"trial {n}" for n in s.observed_numbers]
    if ax.kind == "category":
        scatter(
            1,
            x=ax.values,
            y=_list(s.median),
            mode="markers",
            marker={"size": 12, "symbol": "line-ew-open", "color": "#1f77b4"},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": _list(s.upper - s.median),
                "arrayminus": _list(s.median - s.lower),
            },
            name=f"median ± {band}",
            meta="median",
        )
        # Band ends as invisible traces, so the data carry them the same way as for numbers.
        for key, values in (("band_upper", s.upper), ("band_lower", s.lower)):
            scatter(
                1,
                x=ax.values,
                y=_list(values),
                mode="markers",
                marker={"size": 1, "opacity": 0},
                showlegend=False,
                hoverinfo="skip",
                name=key,
                meta=key,
            )
    else:
        # The band: an invisible upper edge, then the lower edge filled up to it.
        fill = {"fill": "tonexty", "fillcolor": "rgba(31, 119, 180, 0.2)"}
        for values, edge in (
            (s.upper, {"showlegend": False, "name": "band upper", "meta": "band_upper"}),
            (s.lower, {**fill, "name": band, "meta": "band_lower"}),
        ):
            scatter(
                1,
                x=ax.values,
                y=_list(values),
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                **edge,
            )
        scatter(
            1,
            x=ax.values,
            y=_list(s.median),
            mode="lines",
            line={"color": "#1f77b4"},
            name="predicted median",
            meta="median",
        )
    for group, keep, marker in (
        ("observations", True, {"color": "black", "size": 7}),
        ("infeasible_observations", False, {"color": "grey", "size": 8, "symbol": "x"}),
    ):
        rows = [i for i, f in enumerate(s.observed_feasible) if f == keep]
        if keep or rows:
            scatter(
                1,
                x=[s.observations[0][i] for i in rows],
                y=[s.observed_values[i] for i in rows],
                mode="markers",
                marker=marker,
                text=[hover[i] for i in rows],
                name=group.replace("_", " "),
                meta=group,
            )
    # The curves of the lower panels, P(feasible) (row 3) before the acquisition (row 2), the
    # order of the figure's traces since constraints were added.
    lower_panels = [(2, s.acquisition, "#2ca02c", s.acquisition_name, "acquisition")]
    if s.feasibility is not None:
        lower_panels.insert(0, (3, s.feasibility, "#9467bd", "P(feasible)", "feasibility"))
        fig.update_yaxes(title_text="P(feasible)", range=[-0.05, 1.05], row=3, col=1)
    for row, values, color, name, meta in lower_panels:
        scatter(
            row,
            x=ax.values,
            y=_list(values),
            mode="markers" if ax.kind == "category" else "lines",
            marker={"size": 10},
            line={"color": color},
            name=name,
            meta=meta,
        )
    # The suggestion: a star on the curve (in the legend) and one on the acquisition.
    sx = [] if s.suggestion is None else [s.suggestion[0]]
    for row, y, meta in (
        (1, s.suggestion_median, "suggestion"),
        (2, s.suggestion_acquisition, "suggestion_acquisition"),
    ):
        scatter(
            row,
            x=sx,
            y=[] if y is None else [y],
            mode="markers",
            marker={"symbol": "star", "size": 15, "color": "red", "line": {"width": 1}},
            showlegend=None if row == 1 else False,
            name=s.suggestion_label or "suggestion",
            meta=meta,
        )
    low, high = _acq_range(s)
    pad = 0.05 * max(high - low, 1e-12)
    fig.update_yaxes(title_text=s.objective_name, row=1, col=1)
    fig.update_yaxes(title_text=s.acquisition_name, range=[low - pad, high + pad], row=2, col=1)
    last = 3 if constrained else 2
    fig.update_xaxes(title_text=ax.name, row=last, col=1)
    _set_axis_type(fig, ax, rows_cols=[(r, 1) for r in range(1, last + 1)])
    fig.update_layout(
        title=_title(s),
        height=620,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"t": 110},
    )
    return fig


def _plotly_2d(go: Any, make_subplots: Any, s: _Slice, maps: Sequence[str]) -> Any:
    # Long by design: one literal plotly trace per map and per overlay, each a dozen keyword lines.
    ax, ay = s.axes
    low, high = _acq_range(s)
    spec = {
        "median": ("median_map", "predicted median", s.median, "Viridis", None),
        "width": ("width_map", f"{CREDIBLE_MASS:.0%} band width", s.width, "Cividis", None),
        "acquisition": (
            "acquisition_map",
            s.acquisition_name,
            s.acquisition,
            "Inferno",
            (low, high),
        ),
        "feasibility": ("feasibility_map", "P(feasible)", s.feasibility, "Purples", (0.0, 1.0)),
    }
    chosen = [spec[m] for m in maps]
    titles = [c[1] for c in chosen]
    fig = make_subplots(
        rows=1,
        cols=len(chosen),
        subplot_titles=titles,
        horizontal_spacing=0.08,
        shared_yaxes=True,
    )
    cells = [(1, c) for c in range(1, len(chosen) + 1)]
    for i, ((key, title, z, colorscale, zrange), (row, col)) in enumerate(zip(chosen, cells)):
        domain = fig.layout[f"xaxis{'' if i == 0 else i + 1}"].domain
        extra = {} if zrange is None else {"zmin": zrange[0], "zmax": zrange[1]}
        assert z is not None  # only the feasibility map can be None; never asked for then
        fig.add_trace(
            go.Heatmap(
                x=ax.values,
                y=ay.values,
                z=_list(z),
                colorscale=colorscale,
                colorbar={"x": domain[1] + 0.005, "thickness": 12, "len": 0.85},
                name=title,
                meta=key,
                **extra,
            ),
            row=row,
            col=col,
        )
        labels = [f"trial {n}: {v:.4g}" for n, v in zip(s.observed_numbers, s.observed_values)]
        overlays = [
            (
                group,
                [s.observations[0][k] for k in rows],
                [s.observations[1][k] for k in rows],
                marker,
                [labels[k] for k in rows],
            )
            for group, rows, marker in (
                (
                    "observations",
                    [k for k, f in enumerate(s.observed_feasible) if f],
                    {"color": "white", "size": 7, "line": {"color": "black", "width": 1}},
                ),
                (
                    "infeasible_observations",
                    [k for k, f in enumerate(s.observed_feasible) if not f],
                    {"color": "grey", "size": 8, "symbol": "x"},
                ),
            )
            if group == "observations" or rows
        ] + [
            (
                "suggestion",
                [] if s.suggestion is None else [s.suggestion[0]],
                [] if s.suggestion is None else [s.suggestion[1]],
                {"symbol": "star", "size": 16, "color": "red", "line": {"width": 1}},
                None,
            ),
        ]
        for group, x, y, marker, text in overlays:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="markers",
                    marker=marker,
                    text=text,
                    name=(s.suggestion_label or group)
                    if group == "suggestion"
                    else group.replace("_", " "),
                    showlegend=i == 0,
                    legendgroup=group,
                    meta=group,
                ),
                row=row,
                col=col,
            )
        fig.update_xaxes(title_text=ax.name, row=row, col=col)
    fig.update_yaxes(title_text=ay.name, row=1, col=1)
    _set_axis_type(fig, ax, rows_cols=cells)
    _set_axis_type(fig, ay, rows_cols=cells, which="y")
    fig.update_layout(
        title=_title(s),
        height=480,
        legend={"orientation": "h", "y": -0.2, "x": 0},
        margin={"t": 110},
    )
    return fig


def _set_axis_type(
    fig: Any, axis: _Axis, rows_cols: list[tuple[int, int]], which: str = "x"
) -> None:
    update = fig.update_xaxes if which == "x" else fig.update_yaxes
    for row, col in rows_cols:
        if axis.kind == "log":
            update(type="log", row=row, col=col)
        elif axis.kind == "category":
            update(
                type="category",
                categoryorder="array",
                categoryarray=axis.values,
                row=row,
                col=col,
            )


# -- matplotlib --------------------------------------------------------------------------------


def _matplotlib_1d(Figure: Any, s: _Slice) -> matplotlib.figure.Figure:
    ax = s.axes[0]
    fig = Figure(figsize=(8, 6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[0.7, 0.3])
    band = f"{CREDIBLE_MASS:.0%} credible band"
    if ax.kind == "category":
        pos = np.arange(len(ax.values))
        lookup = {label: i for i, label in enumerate(ax.values)}
        top.errorbar(
            pos,
            s.median,
            yerr=[s.median - s.lower, s.upper - s.median],
            fmt="_",
            markersize=14,
            capsize=6,
            label=f"median ± {band}",
        )
        obs_x = [lookup[v] for v in s.observations[0]]
        grid_x: Any = pos
        bottom.plot(pos, s.acquisition, "o", color="tab:green")
        bottom.set_xticks(pos, ax.values)
        sx = None if s.suggestion is None else lookup[s.suggestion[0]]
    else:
        top.fill_between(ax.values, s.lower, s.upper, alpha=0.25, label=band)
        top.plot(ax.values, s.median, label="predicted median")
        obs_x = s.observations[0]
        grid_x = ax.values
        bottom.plot(ax.values, s.acquisition, color="tab:green")
        sx = None if s.suggestion is None else s.suggestion[0]
        if ax.kind == "log":
            bottom.set_xscale("log")
    _matplotlib_observations(top, obs_x, s)
    if s.feasibility is not None:
        twin = bottom.twinx()
        twin.plot(grid_x, s.feasibility, "--", color="tab:purple")
        twin.set_ylim(-0.05, 1.05)
        twin.set_ylabel("P(feasible)", color="tab:purple")
    if sx is not None:  # the star on the curve (in the legend) and on the acquisition
        for panel, y, label in (
            (top, s.suggestion_median, s.suggestion_label),
            (bottom, s.suggestion_acquisition, None),
        ):
            star = {"marker": "*", "s": 220, "color": "red", "zorder": 4, "edgecolors": "black"}
            panel.scatter([sx], [y], label=label, **star)
    low, high = _acq_range(s)
    pad = 0.05 * max(high - low, 1e-12)
    bottom.set_ylim(low - pad, high + pad)
    top.set_ylabel(s.objective_name)
    bottom.set_ylabel(s.acquisition_name)
    bottom.set_xlabel(ax.name)
    top.legend(loc="best", fontsize="small")
    fig.suptitle(_title(s).replace("<br><sup>", "\n").replace("</sup>", ""), fontsize="medium")
    return fig


def _matplotlib_observations(panel: Any, obs_x: Sequence[Any], s: _Slice) -> None:
    """The observed trials on a 1-D curve: feasible ones as black dots, infeasible as crosses."""
    ok = np.array(s.observed_feasible, dtype=bool)
    obs_y = np.asarray(s.observed_values)
    panel.scatter(
        [x for x, f in zip(obs_x, ok) if f],
        obs_y[ok],
        color="black",
        s=18,
        zorder=3,
        label="observations",
    )
    if not ok.all():
        panel.scatter(
            [x for x, f in zip(obs_x, ok) if not f],
            obs_y[~ok],
            color="grey",
            marker="x",
            s=24,
            zorder=3,
            label="infeasible observations",
        )


def _matplotlib_2d(Figure: Any, s: _Slice) -> matplotlib.figure.Figure:
    ax, ay = s.axes
    fig = Figure(figsize=(15, 4.8), layout="constrained")
    low, high = _acq_range(s)
    maps = [
        ("predicted median", s.median, "viridis", None),
        (f"{CREDIBLE_MASS:.0%} band width", s.width, "cividis", None),
        (s.acquisition_name, s.acquisition, "inferno", (low, high)),
    ]
    if s.feasibility is not None:
        maps.append(("P(feasible)", s.feasibility, "Purples", (0.0, 1.0)))
    panels = fig.subplots(1, len(maps))

    def coords(axis: _Axis, values: Sequence[Any]) -> np.ndarray:
        if axis.kind == "category":
            lookup = {label: i for i, label in enumerate(axis.values)}
            return np.array([lookup[v] for v in values], dtype=float)
        return np.asarray(values, dtype=float)

    gx, gy = coords(ax, ax.values), coords(ay, ay.values)
    ox, oy = coords(ax, s.observations[0]), coords(ay, s.observations[1])
    for panel, (title, z, cmap, zrange) in zip(panels, maps):
        kw = {} if zrange is None else {"vmin": zrange[0], "vmax": zrange[1]}
        mesh = panel.pcolormesh(gx, gy, z, cmap=cmap, shading="nearest", **kw)
        fig.colorbar(mesh, ax=panel)
        ok = np.array(s.observed_feasible, dtype=bool)
        panel.scatter(ox[ok], oy[ok], c="white", edgecolors="black", s=25, label="observations")
        if not ok.all():
            panel.scatter(
                ox[~ok], oy[~ok], c="grey", marker="x", s=30, label="infeasible observations"
            )
        if s.suggestion is not None:
            sx, sy = coords(ax, [s.suggestion[0]]), coords(ay, [s.suggestion[1]])
            panel.scatter(
                sx, sy, marker="*", s=260, c="red", edgecolors="black", label=s.suggestion_label
            )
        for axis, set_scale, set_ticks, set_label in (
            (ax, panel.set_xscale, panel.set_xticks, panel.set_xlabel),
            (ay, panel.set_yscale, panel.set_yticks, panel.set_ylabel),
        ):
            if axis.kind == "log":
                set_scale("log")
            elif axis.kind == "category":
                set_ticks(np.arange(len(axis.values)), axis.values)
            set_label(axis.name)
        panel.set_title(title)
    panels[0].legend(loc="upper right", fontsize="small", framealpha=0.8)
    fig.suptitle(_title(s).replace("<br><sup>", "\n").replace("</sup>", ""), fontsize="medium")
    return fig
