"""Which trial to keep: the best by the model's posterior mean, not by its noisy value.

Under noise the best observed value is the luckiest draw as much as the best configuration; the
surrogate's posterior mean at an evaluated point pools that trial's value with its neighbours'
and discounts what the fitted noise explains (docs/math.md §11). :func:`best_predicted_trial`
and :func:`best_predicted_trials` fit the sampler's model to the stored trials -- by the
sampler's own path, from the kernel fit the latest trial stored -- so a new process that loads
the study gets the same answer.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np
from optuna.study import Study
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from optuna_gamma import _hypervolume
from optuna_gamma._inputs import model_inputs
from optuna_gamma._inputs import relative_search_space
from optuna_gamma._storage import read_constraints
from optuna_gamma._threads import single_blas_thread
from optuna_gamma.surrogate import CREDIBLE_MASS
from optuna_gamma.surrogate import FittedSurrogate
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate._fitted import fit_stored
from optuna_gamma.surrogate._models import noisy

if TYPE_CHECKING:
    from optuna_gamma._sampler import GammaBOSampler

#: User attrs of a returned trial (on the copy only; nothing is written to the storage): the
#: model's predictive median and central 95 % interval of its objective value (a list, one per
#: objective, for several objectives).
PREDICTED_USER_ATTRS = ("gammabo_predicted_median", "gammabo_predicted_lower",
                        "gammabo_predicted_upper")  # fmt: skip

#: Under noise, with one objective, the recommendation is the evaluated point of largest
#: posterior mean less this many posterior scales of the objective there (a lower confidence
#: bound: the kriging quantile of Picheny, Wagner & Ginsbourger 2013), not of largest
#: mean alone: a mean the data barely support -- at the edge of a range, extrapolated from the
#: trend of poor configurations -- no longer outranks one where the search gathered evidence.
#: The same score breaks ties among equal best observations (docs/math.md §11; measured in
#: docs/benchmarks.md, "Noisy objectives").
RECOMMEND_PESSIMISM = 2.0


def best_predicted_trial(study: Study, *, sampler: GammaBOSampler | None = None) -> FrozenTrial:
    """The COMPLETE trial the surrogate predicts best, in place of ``study.best_trial``, the
    best *observed* value, which under noise is mostly the luckiest draw: among the trials the
    model holds -- feasible ones only, when the trials carry constraint values -- the one whose
    posterior mean is best by the widest margin the model is sure of, the largest (minimising:
    smallest) posterior mean less (plus) :data:`RECOMMEND_PESSIMISM` posterior scales (a lower
    confidence bound; docs/math.md §11): a mean that rests on one lucky value, or on the
    extrapolated trend of poor configurations, does not outrank one the data support.

    The model is the one ``GammaBOSampler`` fits for its next suggestion: the same trials, the
    same settings (those of ``sampler``, else of ``study.sampler`` if it is a
    :class:`~optuna_gamma.GammaBOSampler`, else the defaults), the kernel fit started where the
    latest trial stored it. The answer depends only on what the storage holds: a new process
    that loads the study with :func:`optuna.load_study` gets the same trial.

    Where the fitted noise is negligible (a noise ratio of at most
    :data:`~optuna_gamma.surrogate.NEGLIGIBLE_NOISE`, always with
    ``deterministic_objective=True``) an observation is the objective's true value and the
    answer is the best observed feasible trial, as ``study.best_trial`` (among trials tied at
    the best value, the one of the best lower confidence bound); so it is when
    repeated evaluations of the same parameters gave the same values (the objective is then
    known to be noise-free; ``SurrogateSettings.noise_check``), and when the model cannot be
    fitted (fewer than two COMPLETE trials it can hold, no parameter, or a failed fit).

    Returns:
        A copy of the trial whose user attrs also hold the model's prediction of its value:
        ``gammabo_predicted_median``, ``gammabo_predicted_lower`` and
        ``gammabo_predicted_upper`` (the median and central 95 % credible interval, in the
        objective's units). The copy is not written back: the study's trials are unchanged.
        The prediction is absent when no model was fitted.

    Raises:
        ValueError: If the study has several objectives (use :func:`best_predicted_trials`), or
            no COMPLETE trial (with constraints: no feasible one).
    """
    if len(study.directions) > 1:
        raise ValueError(
            "best_predicted_trial(study) needs a single-objective study; this one has "
            f"{len(study.directions)} objectives: use best_predicted_trials(study)."
        )
    return _recommend(study, sampler)[0]


def best_predicted_trials(
    study: Study, *, sampler: GammaBOSampler | None = None
) -> list[FrozenTrial]:
    """The trials whose predicted values are Pareto-optimal: among the COMPLETE (and feasible)
    trials the model holds, those whose vectors of posterior means no other's dominates -- the
    analogue of ``study.best_trials`` by the model (see :func:`best_predicted_trial` for the
    model, the fallbacks and what the copies hold; with several objectives each user attr is a
    list, one entry per objective). For one objective, ``[best_predicted_trial(study)]``.

    Returns:
        Copies of the trials, in the order of their numbers.

    Raises:
        ValueError: If the study has no COMPLETE trial (with constraints: no feasible one).
    """
    return _recommend(study, sampler)


def _recommend(study: Study, sampler: GammaBOSampler | None) -> list[FrozenTrial]:
    """The recommended trials (one for one objective) as annotated copies."""
    from optuna_gamma._sampler import GammaBOSampler

    if sampler is not None and not isinstance(sampler, GammaBOSampler):
        raise TypeError(f"sampler must be a GammaBOSampler or None, got {sampler!r}.")
    if sampler is None and isinstance(study.sampler, GammaBOSampler):
        sampler = study.sampler
    settings = sampler.surrogate_settings if sampler is not None else SurrogateSettings()
    trials = study.get_trials(deepcopy=False)
    completed = [t for t in trials if t.state == TrialState.COMPLETE]
    feasible = [t for t in completed if _feasible(t)]
    if not feasible:
        what = "feasible COMPLETE" if completed else "COMPLETE"
        raise ValueError(f"Study {study.study_name!r} has no {what} trial to recommend.")
    fitted, held = _fit(study, trials, settings)
    if fitted is None:
        return [copy.deepcopy(t) for t in _observed_best(feasible, study.directions)]
    n = len(held)
    chosen: list[tuple[FrozenTrial, int | None]]
    rows = np.array([_feasible(t) for t in held], dtype=bool)
    # Repeated evaluations that agreed (``noise_check``) show a noise-free objective, whatever
    # noise the fit gives the structure it cannot follow: the best observation is the truth.
    known_exact = fitted.noise_evidence is False
    single = len(fitted.objectives) == 1
    if not rows.any() or known_exact or not any(noisy(o.model) for o in fitted.objectives):
        index = {t.number: i for i, t in enumerate(held)}
        chosen = [(t, index.get(t.number)) for t in _observed_best(feasible, study.directions)]
        # Equal best observations (an accuracy on a small validation split often ties): the
        # model decides among them, not the order of the trials.
        # (One objective only: ``FrozenTrial.value`` raises for several.)
        if single:
            top = chosen[0][0].value
            tied = [index[t.number] for t in feasible if t.value == top and t.number in index]
            if len(tied) > 1:
                score = _pessimistic(fitted, n)[:, 0]
                i = max(tied, key=lambda r: score[r])
                chosen = [(held[i], i)]
    else:
        means = (
            _pessimistic(fitted, n)
            if single
            else np.column_stack([o.model.predict(o.X[:n])[0] for o in fitted.objectives])
        )
        candidates = np.flatnonzero(rows)
        best = candidates[_hypervolume.pareto_mask(means[candidates])]
        chosen = [(held[i], int(i)) for i in sorted(best, key=lambda i: held[i].number)]
    return [_annotated(t, i, fitted) for t, i in chosen]


def _pessimistic(fitted: FittedSurrogate, n: int) -> np.ndarray:
    """The objective's posterior mean less ``RECOMMEND_PESSIMISM`` posterior scales at the
    model's first ``n`` rows (the evaluated points), ``(n, 1)``, in model values (larger is
    better)."""
    loc, scale = fitted.objectives[0].model.predict(fitted.X[:n])
    return (loc - RECOMMEND_PESSIMISM * scale)[:, None]


def _fit(
    study: Study, trials: list[FrozenTrial], settings: SurrogateSettings
) -> tuple[FittedSurrogate | None, list[FrozenTrial]]:
    """The sampler's model of ``trials`` and the COMPLETE trials it holds (in its rows' order),
    or ``None`` where it cannot be fitted."""
    inputs = model_inputs(trials, relative_search_space(trials), settings.ordinal_lists)
    space = inputs.space
    if space.dim == 0 or len(inputs.completed) < 2:
        return None, []
    try:
        with single_blas_thread():
            fitted = fit_stored(inputs, trials, study.directions, settings)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None, []
    return fitted, list(fitted.completed)


def _feasible(trial: FrozenTrial) -> bool:
    """Whether the trial's stored constraint values are all at most zero (no values: feasible;
    values the storage could not decode: not)."""
    values = read_constraints(trial)
    return values is not None and all(v <= 0.0 for v in values.values())


def _observed_best(
    trials: list[FrozenTrial], directions: list[StudyDirection]
) -> list[FrozenTrial]:
    """The best observed trial (one objective) or the observed Pareto set (several)."""
    signs = np.array([1.0 if d == StudyDirection.MAXIMIZE else -1.0 for d in directions])
    Y = np.array([t.values for t in trials], dtype=float) * signs  # (n, k), larger is better
    if len(directions) == 1:
        return [trials[int(np.argmax(Y[:, 0]))]]
    return sorted((trials[i] for i in np.flatnonzero(_hypervolume.pareto_mask(Y))),
                  key=lambda t: t.number)  # fmt: skip


def _annotated(trial: FrozenTrial, row: int | None, fitted: FittedSurrogate) -> FrozenTrial:
    """A copy of ``trial`` with the model's prediction at its row in user attrs."""
    out = copy.deepcopy(trial)
    if row is None:
        return out
    x = fitted.X[row : row + 1]
    predicted = [[float(a[0]) for a in o.predict(x, CREDIBLE_MASS)] for o in fitted.objectives]
    for k, name in enumerate(PREDICTED_USER_ATTRS):
        values = [p[k] for p in predicted]
        out.set_user_attr(name, values[0] if len(values) == 1 else values)
    return out
