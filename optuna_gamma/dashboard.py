"""Publishing what :class:`~optuna_gamma.GammaBOSampler` thinks to optuna-dashboard, as it runs.

optuna-dashboard shows user attrs, notes and saved plotly figures, never system attrs:

.. code-block:: python

    import optuna
    from optuna_gamma import GammaBOSampler
    from optuna_gamma.dashboard import DashboardPublisher

    study = optuna.create_study(sampler=GammaBOSampler(seed=0), storage="sqlite:///runs.db")
    study.optimize(objective, n_trials=50, callbacks=[DashboardPublisher(every=5)])
    # then: optuna-dashboard sqlite:///runs.db

- The sampler itself writes, for every model-based trial, what its model predicted when the
  trial was suggested into the trial's user attrs (:data:`PREDICTION_USER_ATTRS`;
  ``GammaBOSampler(record_predictions=True)``, the default).
- ``callbacks=[DashboardPublisher(...)]`` saves the surrogate figure
  (:func:`~optuna_gamma.visualization.plot_surrogate`) with
  ``optuna_dashboard.save_plotly_graph_object`` every ``every`` finished trials, and a study note
  with the sampler's configuration.

Publishing never costs the study a trial: errors while plotting or saving become warnings, and an
``objective`` that does not fit the study is logged once as an error.
optuna-dashboard and plotly are imported only when a publisher is made;
``pip install optuna-gamma[dashboard]`` installs them.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
import functools
import numbers
from pathlib import Path
import shlex
import string
import sys
from typing import Any
import warnings

import optuna
from optuna.study import Study
from optuna.trial import FrozenTrial
from optuna.trial import Trial
from optuna.trial import TrialState

from optuna_gamma._checks import check_int
from optuna_gamma._checks import check_optional_int
from optuna_gamma._sampler import MIN_STARTUP_TRIALS
from optuna_gamma._sampler import PARAMS_PER_STARTUP_TRIAL
from optuna_gamma._sampler import GammaBOSampler
from optuna_gamma._storage import PREDICTION_KEY
from optuna_gamma._storage import PREDICTION_USER_ATTRS
from optuna_gamma._storage import live_system_attrs
from optuna_gamma._storage import read_prediction
from optuna_gamma.surrogate._noise import repeat_evidence

__all__ = [
    "GRAPH_OBJECT_ID",
    "PREDICTION_USER_ATTRS",
    "DashboardPublisher",
    "dashboard_command",
    "recommendation_lines",
    "record_prediction",
    "sampler_note",
]

_logger = optuna.logging.get_logger(f"optuna.{__name__}")

#: Id under which the surrogate figure is saved (one figure per study, overwritten).
GRAPH_OBJECT_ID = "gammabo-surrogate"

_MIN_COMPLETE_TRIALS = 2
# The maps plot_surrogate draws (tests/test_dashboard.py checks that the two lists agree).
_PLOT_MAPS = ("median", "width", "acquisition", "feasibility")
# What optuna_dashboard.save_plotly_graph_object accepts in a graph object id.
_GRAPH_ID_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_:.")
_INSTALL_HINT = (
    "optuna_gamma.dashboard needs optuna-dashboard and plotly; install them with "
    "`pip install optuna-gamma[dashboard]`."
)


def _import_dashboard() -> Any:
    try:
        import optuna_dashboard
        import plotly  # noqa: F401
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return optuna_dashboard


def dashboard_command(storage: str) -> str:
    """The shell command that opens ``storage`` in optuna-dashboard, for this Python.

    The ``optuna-dashboard`` executable installed next to the running interpreter (for example
    ``.venv/bin/optuna-dashboard`` when the script runs as ``.venv/bin/python``, relative to the
    working directory when it lies below it), so the printed command works without activating
    the virtual environment; plain ``optuna-dashboard`` if there is none.

    Args:
        storage: The storage URL, e.g. ``"sqlite:///runs.db"``.

    Returns:
        The command, e.g. ``".venv/bin/optuna-dashboard sqlite:///runs.db"``.
    """
    scripts = Path(sys.executable).parent
    executable = next(
        (
            scripts / name
            for name in ("optuna-dashboard", "optuna-dashboard.exe")
            if (scripts / name).is_file()
        ),
        None,
    )
    if executable is None:
        return f"optuna-dashboard {storage}"
    try:
        shown = str(executable.relative_to(Path.cwd()))
    except ValueError:  # not below the working directory
        shown = str(executable)
    return f"{shlex.quote(shown)} {shlex.quote(storage)}"


def record_prediction(trial: Trial) -> dict[str, float] | None:
    """Copies the sampler's prediction for a running trial into its user attrs.

    The prediction -- predictive median and central 95% credible interval ``(lower, upper)`` in
    the objective's units, degrees of freedom ``nu`` (``inf`` for the Gaussian predictive) and the
    acquisition value the sampler maximised -- was made when the trial's parameters were
    suggested; start-up trials have none.

    Args:
        trial: A RUNNING trial (for example inside the objective, or after ``study.ask()`` and
            before ``study.tell()``).

    Returns:
        The user attrs written (see :data:`PREDICTION_USER_ATTRS`), or ``None`` if the sampler
        made no prediction for this trial.
    """
    prediction = read_prediction(
        live_system_attrs(trial)
    )  # None if absent or malformed: data, not trusted
    if prediction is None:
        return None
    attrs = {
        user_key: float(prediction[key])
        for user_key, key in PREDICTION_USER_ATTRS.items()
        if key in prediction
    }
    for key, value in attrs.items():
        trial.set_user_attr(key, value)
    return attrs


def _startup_text(n_startup_trials: int | None) -> str:
    if n_startup_trials is not None:
        return str(n_startup_trials)
    return f"None ({MIN_STARTUP_TRIALS}, or one per {PARAMS_PER_STARTUP_TRIAL} parameters)"


def sampler_note(
    sampler: Any, *, n_complete: int | None = None, study: Study | None = None
) -> str:
    """A Markdown note describing the sampler's configuration and what is published.

    Args:
        sampler: The study's sampler (any sampler; a :class:`GammaBOSampler` is described in full).
        n_complete: Number of COMPLETE trials at the last update, for the note's footer. Defaults
            to ``None`` (no footer).
        study: The study, to name the trial the model recommends
            (:func:`~optuna_gamma.best_predicted_trial`, or ``best_predicted_trials`` for several
            objectives) next to ``study.best_trial``, with observed and predicted values. Defaults
            to ``None`` (no recommendation).

    Returns:
        The note's Markdown text.
    """
    lines = ["## GammaBO sampler", ""]
    if isinstance(sampler, GammaBOSampler):
        cfg = sampler.surrogate_settings
        settings = [
            ("predictive", f"`{cfg.predictive}`"),
            ("prior_concentration (a0)", f"{cfg.prior_concentration:g}"),
            ("prior_rate (b0)", f"{cfg.prior_rate:g}"),
            ("prior degrees of freedom 2 a0", f"{2.0 * cfg.prior_concentration:g}"),
            ("acquisition", f"`{cfg.acquisition}`"),
            ("xi", f"{cfg.xi:g}"),
            ("ucb_beta", f"{cfg.ucb_beta:g}"),
            ("n_startup_trials", _startup_text(sampler.n_startup_trials)),
            ("deterministic_objective", str(cfg.deterministic_objective)),
            ("n_candidates", str(cfg.n_candidates)),
            ("power_transform", str(cfg.power_transform)),
            ("pruned_trials", f"`{cfg.pruned_trials}`"),
            ("seed", str(sampler.seed)),
        ]
        lines += ["| setting | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in settings]
        predictive = (
            "Student-t with `nu = 2 a0 + n` degrees of freedom (the Gamma prior on the GP's "
            "precision integrated out)"
            if cfg.predictive == "student_t"
            else "Gaussian with the plug-in scale"
        )
        lines += ["", f"Predictive: {predictive}."]
    else:
        lines += [
            f"The study's sampler is `{type(sampler).__name__}`; the figure shows the surrogate "
            "that GammaBOSampler with default settings would fit to the trials."
        ]
    lines += [
        "",
        "### What is published",
        "",
        f"- Figure `{GRAPH_OBJECT_ID}`: the surrogate's predictive median, 95% credible band (or "
        "band-width map) and acquisition over one or two parameters, the others held at the best "
        "trial's values; dots are trials, the star is the next suggestion.",
        "- Trial user attrs, the model's prediction when the trial was suggested: "
        "`gammabo_pred_median`, `gammabo_pred_lower`, `gammabo_pred_upper` (95% interval, "
        "objective units), `gammabo_pred_nu` "
        "(degrees of freedom), `gammabo_acq` (the acquisition value the sampler maximised) "
        "and, with constraints, `gammabo_pred_feasible` (the probability of feasibility).",
    ]
    if study is not None:
        lines += ["", *recommendation_lines(study, sampler)]
    if n_complete is not None:
        lines += ["", f"_Last updated with {n_complete} COMPLETE trials._"]
    return "\n".join(lines) + "\n"


def recommendation_lines(study: Study, sampler: Any = None) -> list[str]:
    """The note's Markdown lines naming the recommended trial(s) -- the model's
    (:func:`~optuna_gamma.best_predicted_trial`) next to the best observed -- with observed
    values and the predicted median and 95 % interval; one line saying why, if there is none."""
    from optuna_gamma._recommend import best_predicted_trials

    lines = ["### Recommended trial", ""]
    gamma = sampler if isinstance(sampler, GammaBOSampler) else None
    try:
        recommended = best_predicted_trials(study, sampler=gamma)
    except Exception as e:  # noqa: BLE001 - the note must be written whatever the trials hold
        return [*lines, f"None yet ({type(e).__name__}: {e})."]
    if len(study.directions) == 1:
        best, chosen = study.best_trial, recommended[0]
        lines.append(
            f"- `study.best_trial` (best observed): trial {best.number}, value {best.value:.6g}."
        )
        lines.append(
            f"- `best_predicted_trial` (best by the model): trial {chosen.number}, observed "
            f"{chosen.value:.6g}" + _predicted_text(chosen) + "."
        )
        if chosen.number != best.number:
            lines.append(
                "- They differ: the model attributes part of the best observed value to noise; "
                "keep the recommended trial (docs/math.md §11)."
            )
        return lines + _noise_check_lines(study, gamma)
    numbers = ", ".join(str(t.number) for t in recommended[:20])
    more = f" and {len(recommended) - 20} more" if len(recommended) > 20 else ""
    lines.append(
        f"- `best_predicted_trials` (Pareto set of the posterior means): trials {numbers}{more}; "
        f"`study.best_trials` (observed): {len(study.best_trials)} trials."
    )
    return lines


def _noise_check_lines(study: Study, sampler: GammaBOSampler | None) -> list[str]:
    """What trials with repeated parameters said about noise, under ``noise_check``."""
    settings = sampler.surrogate_settings if sampler is not None else None
    if settings is None or not settings.noise_check or settings.deterministic_objective:
        return []
    evidence = repeat_evidence(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if evidence is None:
        return []
    if evidence:
        return [
            "- Trials with the same parameters gave different values: the objective is noisy, "
            "and the model admits noise of the signal's size (`noise_check`)."
        ]
    return [
        "- Trials with the same parameters gave the same values: the objective is taken as "
        "noise-free, and the best observed trial is the recommendation (`noise_check`)."
    ]


def _predicted_text(trial: FrozenTrial) -> str:
    median = trial.user_attrs.get("gammabo_predicted_median")
    if median is None:
        return ""
    lower = trial.user_attrs["gammabo_predicted_lower"]
    upper = trial.user_attrs["gammabo_predicted_upper"]
    return f", predicted {median:.6g} (95 % interval {lower:.6g} to {upper:.6g})"


class DashboardPublisher:
    """Publishes the surrogate model to optuna-dashboard while a study runs.

    Use it as a callback: ``study.optimize(objective, n_trials=..., callbacks=[publisher])``.

    - The per-trial predictions need nothing from the publisher: the sampler writes them
      (``record_predictions=True``, the default).
    - As a callback, every ``every`` finished trials (of this process) it saves the figure of
      :func:`~optuna_gamma.visualization.plot_surrogate` under the id :data:`GRAPH_OBJECT_ID`
      (overwriting the previous one) and a study note with the sampler's configuration
      (:func:`sampler_note`).

    Errors while plotting or saving are turned into warnings: publishing never fails a trial or
    stops the study.  The arguments are checked when the publisher is made; whether ``objective``
    fits the study can only be checked against the study: as a callback, at the first finished
    trial, where a mismatch is logged once as an error and nothing is published (the study goes
    on); :meth:`publish` raises it.  Several worker processes may each use a publisher on one
    storage; the last figure saved wins.

    Args:
        every: Save the figure and note after every ``every`` finished trials; an int ``>= 1``.
            Defaults to ``1``.
        params: Parameters to draw, passed to
            :func:`~optuna_gamma.visualization.plot_surrogate`: a name or a sequence of one or
            two distinct names. Defaults to ``None`` (the first two of the search space).
        sampler: Sampler whose settings the figure uses when ``study.sampler`` is not a
            :class:`GammaBOSampler`. Defaults to ``None``.
        graph_object_id: Id of the saved figure: a non-empty string of letters, digits, ``-``,
            ``_``, ``:`` and ``.`` (what optuna-dashboard accepts). Defaults to
            :data:`GRAPH_OBJECT_ID`.
        n_points: Grid points per axis of the figure, an int ``>= 2``. Defaults to ``None`` (the
            plot's default).
        maps: Maps of a 2-D figure, one or more distinct names from ``"median"``, ``"width"``,
            ``"acquisition"`` and ``"feasibility"`` (see
            :func:`~optuna_gamma.visualization.plot_surrogate`). Defaults to
            ``("median", "acquisition")``: the dashboard shows a saved figure in a half-width
            cell 450 pixels high, where two maps side by side stay readable.
        objective: The objective to draw: its index (an int ``>= 0``, below the study's number
            of objectives) or its metric name. Defaults to ``None``: one figure per objective,
            saved under the ids ``f"{graph_object_id}-{k}"`` for objective ``k`` (a
            single-objective study has one figure under ``graph_object_id``).

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If an argument is out of range (``objective`` is checked against the study
            later, see above).
        ImportError: If optuna-dashboard or plotly is not installed.
    """

    def __init__(
        self,
        every: int = 1,
        params: str | Sequence[str] | None = None,
        *,
        sampler: GammaBOSampler | None = None,
        graph_object_id: str = GRAPH_OBJECT_ID,
        n_points: int | None = None,
        maps: Sequence[str] = ("median", "acquisition"),
        objective: int | str | None = None,
    ) -> None:
        check_int("every", every, 1)
        if sampler is not None and not isinstance(sampler, GammaBOSampler):
            raise TypeError(f"sampler must be a GammaBOSampler or None, got {sampler!r}.")
        _check_graph_object_id(graph_object_id)
        check_optional_int("n_points", n_points, 2)
        _import_dashboard()
        self.every = int(every)
        self.params = _checked_params(params)
        self.sampler = sampler
        self.graph_object_id = graph_object_id
        self.n_points = n_points
        self.maps = _checked_maps(maps)
        self.objective = _checked_objective(objective)
        self._n_finished = 0
        self._warned_unwrapped = False
        self._logged_configuration_error = False

    def wrap(self, objective: Callable[[Trial], Any]) -> Callable[[Trial], Any]:
        """Returns ``objective`` that also records the sampler's prediction in user attrs.

        Deprecated: ``GammaBOSampler`` writes these user attrs itself (``record_predictions``,
        on by default), so the objective needs no wrapper. Kept for code written against
        earlier versions; it warns once (``FutureWarning``) and still works.

        Args:
            objective: The objective function (``trial -> value``).

        Returns:
            A function with the same behaviour and return value (exceptions, including
            :class:`optuna.TrialPruned`, pass through unchanged).
        """

        warnings.warn(
            "DashboardPublisher.wrap is no longer needed: GammaBOSampler writes the prediction "
            "user attrs itself (record_predictions=True, the default). Pass the objective "
            "unwrapped.",
            FutureWarning,
            stacklevel=2,
        )

        @functools.wraps(objective)
        def wrapped(trial: Trial) -> Any:
            try:
                return objective(trial)
            finally:
                self._record(trial)

        return wrapped

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        """The callback: publishes after every ``every`` finished trials.

        Never raises into ``study.optimize``: an ``objective`` that does not fit the study is
        logged once as an error (checked from the first finished trial on), other failures
        become warnings.
        """
        self._n_finished += 1
        if (
            not self._warned_unwrapped
            and PREDICTION_KEY in trial.system_attrs
            and not any(k in trial.user_attrs for k in PREDICTION_USER_ATTRS)
        ):
            self._warned_unwrapped = True
            warnings.warn(
                f"Trial {trial.number} has a prediction from GammaBOSampler but no "
                "'gammabo_pred_*' user attrs, so optuna-dashboard cannot show it: create the "
                "sampler with record_predictions=True (the default).",
                UserWarning,
                stacklevel=2,
            )
        due = self._n_finished % self.every == 0
        if not due and self._n_finished > 1:
            return
        try:
            if due:
                self.publish(study)
            else:  # check the arguments against the study now, not only at the first publish
                self._figures(study)
        except _ConfigurationError as e:
            if not self._logged_configuration_error:
                self._logged_configuration_error = True
                _logger.error(
                    f"DashboardPublisher publishes nothing to study {study.study_name!r}: {e} "
                    "The study goes on; create the publisher with a valid objective."
                )
        except Exception as e:  # the callback must never stop the study
            _warn_failure(f"check its arguments against study {study.study_name!r}", e)

    def publish(self, study: Study) -> bool:
        """Saves the figure and the note now.

        Args:
            study: The study.

        Returns:
            ``True`` if the figure was saved; ``False`` if there were too few COMPLETE trials
            or publishing failed (with a warning).

        Raises:
            ValueError: If ``objective`` does not fit the study: an index not below its number
                of objectives, or not one of its metric names. Nothing is published then.
        """
        try:
            figures = self._figures(study)
            optuna_dashboard = _import_dashboard()
            from optuna_gamma.visualization import plot_surrogate

            n_complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
            sampler = self.sampler if self.sampler is not None else study.sampler
            note = sampler_note(sampler, n_complete=n_complete, study=study)
            optuna_dashboard.save_note(study, note)
            if n_complete < _MIN_COMPLETE_TRIALS:
                _logger.debug(f"DashboardPublisher: {n_complete} COMPLETE trials; no figure yet.")
                return False
            for graph_object_id, objective in figures:
                figure = plot_surrogate(
                    study,
                    self.params,
                    sampler=self.sampler,
                    n_points=self.n_points,
                    maps=self.maps,
                    objective=objective,
                )
                _fit_dashboard_cell(figure)
                optuna_dashboard.save_plotly_graph_object(
                    study, figure, graph_object_id=graph_object_id
                )
            return True
        except _ConfigurationError:
            raise  # the arguments, not the data: a warning at every publish would hide it
        except Exception as e:  # publishing must never stop the study
            _warn_failure(f"publish the surrogate of study {study.study_name!r}", e)
            return False

    def _figures(self, study: Study) -> list[tuple[str, int | str | None]]:
        """The id and the objective of each figure to save, or _ConfigurationError if
        ``self.objective`` does not fit ``study`` (the study's objectives are fixed at its
        creation; its metric names can be set later)."""
        n_objectives = len(study.directions)
        if self.objective is None:
            if n_objectives == 1:
                return [(self.graph_object_id, None)]
            return [(f"{self.graph_object_id}-{k}", k) for k in range(n_objectives)]
        names = study.metric_names or []
        valid = (
            f"an index 0 to {n_objectives - 1}"
            + (f", a metric name from {names}" if names else "")
            + (" or None (one figure per objective)" if n_objectives > 1 else " or None")
        )
        if isinstance(self.objective, str):
            if self.objective not in names:
                has = (
                    "whose metric names are " + repr(names)
                    if names
                    else "which has no metric names"
                )
                raise _ConfigurationError(
                    f"objective={self.objective!r} is not a metric name of study "
                    f"{study.study_name!r}, {has}: give {valid}."
                )
        elif not 0 <= self.objective < n_objectives:
            counted = f"{n_objectives} objective" + ("s" if n_objectives > 1 else "")
            raise _ConfigurationError(
                f"objective={self.objective!r} is out of range for study {study.study_name!r}, "
                f"which has {counted}: give {valid}."
            )
        return [(self.graph_object_id, self.objective)]

    def _record(self, trial: Trial) -> None:
        try:
            record_prediction(trial)
        except Exception as e:  # recording must never fail the trial
            _warn_failure(f"record the prediction of trial {trial.number}", e)


class _ConfigurationError(ValueError):
    """The publisher's arguments do not fit the study, which it sees only when it publishes."""


def _checked_params(params: object) -> str | tuple[str, ...] | None:
    valid = "a parameter name, a sequence of one or two distinct names, or None"
    if params is None or isinstance(params, str):
        return params
    if not isinstance(params, Sequence) or not all(isinstance(n, str) for n in params):
        raise TypeError(f"params must be {valid}, got {params!r}.")
    names = tuple(params)
    if not 1 <= len(names) <= 2 or len(set(names)) != len(names):
        raise ValueError(f"params must be {valid}, got {params!r}.")
    return names


def _checked_maps(maps: object) -> tuple[str, ...]:
    valid = f"one or more distinct names from {_PLOT_MAPS}"
    chosen = (maps,) if isinstance(maps, str) else maps
    if not isinstance(chosen, Sequence) or not all(isinstance(m, str) for m in chosen):
        raise TypeError(f"maps must be {valid}, got {maps!r}.")
    names = tuple(chosen)
    if not names or len(set(names)) != len(names) or not set(names) <= set(_PLOT_MAPS):
        raise ValueError(f"maps must be {valid}, got {maps!r}.")
    return names


def _checked_objective(objective: object) -> int | str | None:
    valid = "an objective's index (an int >= 0), a metric name (a str) or None"
    if objective is None or isinstance(objective, str):
        return objective
    if isinstance(objective, bool) or not isinstance(objective, numbers.Integral):
        raise TypeError(f"objective must be {valid}, got {objective!r}.")
    if objective < 0:
        raise ValueError(f"objective must be {valid}, got {objective!r}.")
    return int(objective)


def _check_graph_object_id(graph_object_id: object) -> None:
    valid = "a non-empty str of letters, digits, '-', '_', ':' and '.'"
    if not isinstance(graph_object_id, str):
        raise TypeError(f"graph_object_id must be {valid}, got {graph_object_id!r}.")
    if not graph_object_id or not set(graph_object_id) <= _GRAPH_ID_CHARACTERS:
        raise ValueError(f"graph_object_id must be {valid}, got {graph_object_id!r}.")


def _warn_failure(what: str, error: Exception) -> None:
    warnings.warn(
        f"DashboardPublisher could not {what}: {type(error).__name__}: {error}",
        RuntimeWarning,
        stacklevel=3,
    )


def _fit_dashboard_cell(figure: Any) -> None:
    """Lets the figure fill the dashboard's cell (a div 450 px high, half the page wide)."""
    figure.layout.height = None
    figure.update_layout(
        autosize=True,
        title_font_size=13,
        margin={"t": 60, "b": 40, "l": 60, "r": 20},
        showlegend=False,  # the note explains the dots (trials) and the star (suggestion)
    )
    figure.layout.annotations = [a.update(font_size=12) for a in figure.layout.annotations]
