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
from typing import TYPE_CHECKING
from typing import Any

from optuna.study import Study

from optuna_gamma._sampler import GammaBOSampler
from optuna_gamma.visualization._matplotlib import _import_matplotlib
from optuna_gamma.visualization._matplotlib import _matplotlib_figure
from optuna_gamma.visualization._plotly import _MAPS as _MAPS
from optuna_gamma.visualization._plotly import _animation
from optuna_gamma.visualization._plotly import _check_maps
from optuna_gamma.visualization._plotly import _import_plotly
from optuna_gamma.visualization._plotly import _plotly_figure
from optuna_gamma.visualization._slice import _MIN_COMPLETE_TRIALS
from optuna_gamma.visualization._slice import _compute_slice
from optuna_gamma.visualization._slice import _default_trial_numbers

if TYPE_CHECKING:
    import matplotlib.figure
    import plotly.graph_objects as go

__all__ = ["plot_surrogate", "plot_surrogate_animation", "plot_surrogate_matplotlib"]
# Private names the tests import from here: _MAPS (tests/test_dashboard.py checks the dashboard's
# list of maps against it) and _compute_slice (tests/test_hardening_2.py).


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
    Figure = _import_matplotlib()
    s = _compute_slice(study, params, trial_number, sampler, fixed_params, n_points, objective)
    return _matplotlib_figure(Figure, s)


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
    _import_plotly()  # a missing plotly is said before the model is fitted
    maps = None if maps is None else _check_maps(maps)
    if trial_numbers is None:
        trial_numbers = _default_trial_numbers(study)
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
    return _animation([_plotly_figure(s, maps) for s in slices], trial_numbers)
