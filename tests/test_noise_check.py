"""``SurrogateSettings.noise_check``: repeated evaluations decide the noise prior, and one
re-evaluation of the best trial finds out whether an objective that looks noisy is
(docs/math.md §11)."""

from __future__ import annotations

from collections import Counter
import math
from typing import Any

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
from optuna.trial import create_trial
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma import best_predicted_trial
from optuna_gamma._inputs import model_inputs
from optuna_gamma._inputs import relative_search_space
from optuna_gamma.dashboard import recommendation_lines
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate import fit_model
from optuna_gamma.surrogate._models import noisy
from optuna_gamma.surrogate._noise import repeat_evidence
from optuna_gamma.surrogate._proposal import noise_check
from optuna_gamma.surrogate._settings import EXACT_REPEATS_TIED
from optuna_gamma.surrogate._settings import NOISE_CHECK_FROM
from optuna_gamma.surrogate._settings import NOISY_PRIOR_RATE

optuna.logging.set_verbosity(optuna.logging.ERROR)

_CHECK = SurrogateSettings(noise_check=True)
_XY = {"x": FloatDistribution(-5.0, 5.0), "y": FloatDistribution(-5.0, 5.0)}


def _trial(params: dict[str, Any], value: float | list[float]) -> optuna.trial.FrozenTrial:
    values = value if isinstance(value, list) else [value]
    dists = {n: _XY[n] for n in params}
    return create_trial(params=params, distributions=dists, values=values)


def _repeats(study: optuna.Study) -> list[int]:
    """Numbers of the COMPLETE trials whose parameters an earlier trial already had."""
    seen: set[frozenset[tuple[str, Any]]] = set()
    out = []
    for t in study.get_trials(states=(TrialState.COMPLETE,)):
        key = frozenset(t.params.items())
        if key in seen:
            out.append(t.number)
        seen.add(key)
    return out


def _rastrigin(trial: optuna.Trial) -> float:
    # Shifted, so that no two corners of the box tie (equal values of different
    # configurations would ask for a second agreeing repeat).
    x, y = trial.suggest_float("x", -5, 5) - 0.3, trial.suggest_float("y", -5, 5) + 0.7
    return x * x + y * y + 10 * (2 - math.cos(2 * math.pi * x) - math.cos(2 * math.pi * y))


def _noisy_quadratic(seed: int) -> Any:
    rng = np.random.default_rng(seed)

    def objective(trial: optuna.Trial) -> float:
        x, y = trial.suggest_float("x", -5, 5), trial.suggest_float("y", -5, 5)
        return (x - 1) ** 2 + (y + 1) ** 2 + 5.0 * rng.standard_normal()

    return objective


def test_repeat_evidence_reads_the_repeated_parameters() -> None:
    a, b, c = {"x": 1.0, "y": 2.0}, {"x": 0.5, "y": 2.0}, {"x": 0.0, "y": 0.0}
    assert repeat_evidence([_trial(a, 1.0), _trial(b, 3.0)]) is None
    # Distinct values: one repeat that agrees shows a noise-free objective.
    assert repeat_evidence([_trial(a, 1.0), _trial(b, 3.0), _trial(a, 1.0)]) is False
    assert repeat_evidence([_trial(a, 1.0), _trial(b, 3.0), _trial(a, 1.5)]) is True
    # Two configurations with the same value (few distinct scores): an agreeing repeat may be
    # chance, and EXACT_REPEATS_TIED are needed.
    tied = [_trial(a, 1.0), _trial(b, 3.0), _trial(c, 3.0)]
    for k in range(1, EXACT_REPEATS_TIED + 1):
        tied.append(_trial(a if k % 2 else b, 1.0 if k % 2 else 3.0))
        assert repeat_evidence(tied) is (False if k == EXACT_REPEATS_TIED else None)
    assert repeat_evidence([*tied, _trial(a, 1.5)]) is True  # one that differs is enough
    # Below 1e-3 of the values' standard deviation (1.0 here): arithmetic, not noise.
    assert repeat_evidence([_trial(a, 1.0), _trial(b, 3.0), _trial(a, 1.0 + 1e-9)]) is False
    # Several objectives: one that differs is enough.
    two = [_trial(a, [1.0, 0.0]), _trial(b, [3.0, 1.0]), _trial(a, [1.0, 0.5])]
    assert repeat_evidence(two) is True


def test_repeats_that_differ_switch_the_noise_prior() -> None:
    """Once two evaluations of one point differ, the model (for the sampler and for
    ``best_predicted_trial`` alike) is fitted with the noise prior meant for noise."""
    rng = np.random.default_rng(0)
    study = optuna.create_study()
    points = [{"x": float(x), "y": float(y)} for x, y in rng.uniform(-5, 5, (12, 2))]
    for p in points:
        study.add_trial(_trial(p, (p["x"] - 1) ** 2 + p["y"] ** 2))

    def rate(settings: SurrogateSettings) -> float:
        inputs = model_inputs(study.trials, relative_search_space(study.trials))
        return fit_model(inputs, study.directions, settings).settings.noise_prior_rate

    assert rate(_CHECK) == _CHECK.noise_prior_rate  # nothing repeated yet
    study.add_trial(_trial(points[0], (points[0]["x"] - 1) ** 2 + points[0]["y"] ** 2))
    assert rate(_CHECK) == _CHECK.noise_prior_rate  # the same values again: no noise
    study.add_trial(_trial(points[2], (points[2]["x"] - 1) ** 2 + points[2]["y"] ** 2 + 2.0))
    assert rate(_CHECK) == NOISY_PRIOR_RATE
    off = SurrogateSettings(noise_check=False)
    assert rate(off) == _CHECK.noise_prior_rate  # noise_check off
    assert rate(SurrogateSettings(noise_check=True, noise_prior_rate=0.5)) == 0.5  # lower kept


def test_a_noisy_objective_gets_one_re_evaluation_of_its_best_trial() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=_CHECK))
    study.optimize(_noisy_quadratic(0), n_trials=NOISE_CHECK_FROM + 20)
    repeats = _repeats(study)
    assert len(repeats) == 1
    number = repeats[0]
    assert number >= NOISE_CHECK_FROM
    earlier = [t for t in study.trials[:number] if t.state == TrialState.COMPLETE]
    best = min(earlier, key=lambda t: t.value)  # type: ignore[arg-type, return-value]
    assert study.trials[number].params == best.params
    inputs = model_inputs(study.trials, relative_search_space(study.trials))
    fitted = fit_model(inputs, study.directions, _CHECK)
    assert fitted.noise_evidence is True
    assert fitted.settings.noise_prior_rate == NOISY_PRIOR_RATE
    assert "gave different values" in "\n".join(recommendation_lines(study, study.sampler))


def test_a_rugged_noise_free_objective_is_re_evaluated_then_left_alone() -> None:
    """Rastrigin looks noisy to the model (its fitted noise is not negligible), so its best
    trial is evaluated again; equal values show that it is not, and the prior stays."""
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=_CHECK))
    study.optimize(_rastrigin, n_trials=NOISE_CHECK_FROM + 30)
    assert len(_repeats(study)) == 1  # distinct values: one repeat tells
    inputs = model_inputs(study.trials, relative_search_space(study.trials))
    fitted = fit_model(inputs, study.directions, _CHECK)
    assert fitted.noise_evidence is False
    assert fitted.settings.noise_prior_rate == _CHECK.noise_prior_rate
    # Noise-free: the repeat is the same observation, and the model holds it once.
    assert len(fitted.completed) == len(study.trials) - 1
    assert len({tuple(x) for x in fitted.X}) == len(fitted.X)
    # Known to be noise-free: the recommendation is the best observed trial, although the fit
    # calls part of Rastrigin noise.
    assert noisy(fitted.model)
    assert best_predicted_trial(study).number == study.best_trial.number
    note = "\n".join(recommendation_lines(study, study.sampler))
    assert "gave the same values" in note


@pytest.mark.parametrize(
    "settings",
    [
        SurrogateSettings(noise_check=False),  # the check off
        SurrogateSettings(noise_check=True, deterministic_objective=True),
        SurrogateSettings(noise_check=True, noise_prior_rate=1.0),  # already meant for noise
    ],
)
def test_no_re_evaluation_without_the_check_or_where_it_cannot_change_anything(
    settings: SurrogateSettings,
) -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=settings))
    study.optimize(_noisy_quadratic(0), n_trials=NOISE_CHECK_FROM + 15)
    assert _repeats(study) == []


def test_a_smooth_noise_free_objective_is_never_re_evaluated() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=_CHECK))
    study.optimize(
        lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=NOISE_CHECK_FROM + 20
    )
    assert _repeats(study) == []


def test_several_objectives_are_not_re_evaluated() -> None:
    rng = np.random.default_rng(0)

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0, 1)
        return x + rng.standard_normal(), 1 - x + rng.standard_normal()

    sampler = GammaBOSampler(seed=0, surrogate_settings=_CHECK)
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(objective, n_trials=NOISE_CHECK_FROM + 10)
    assert _repeats(study) == []


def test_no_re_evaluation_of_a_point_a_running_trial_holds() -> None:
    """The check picks the best trial, unless a running trial (a concurrent worker's check)
    already holds its parameters."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(_noisy_quadratic(3), n_trials=NOISE_CHECK_FROM + 30)
    inputs = model_inputs(study.trials, relative_search_space(study.trials))
    fitted = fit_model(inputs, study.directions, _CHECK)
    assert noisy(fitted.model)
    row = noise_check(fitted, len(inputs.completed))
    assert row is not None
    assert fitted.completed[row].number == study.best_trial.number
    held = fit_model(inputs, study.directions, _CHECK, pending=[study.best_trial.params])
    assert noise_check(held, len(inputs.completed)) is None
    # Too few trials yet: no check.
    assert noise_check(fitted, NOISE_CHECK_FROM - 1) is None


def test_a_branched_space_re_evaluates_the_best_trials_branch() -> None:
    rng = np.random.default_rng(2)

    def objective(trial: optuna.Trial) -> float:
        if trial.suggest_categorical("kind", ["a", "b"]) == "a":
            value = (trial.suggest_float("xa", -5, 5) - 1) ** 2
        else:
            value = 3 + trial.suggest_int("nb", 0, 20) / 5
        return value + rng.standard_normal()

    study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=_CHECK))
    study.optimize(objective, n_trials=NOISE_CHECK_FROM + 20)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    repeats = _repeats(study)
    assert len(repeats) == 1
    counts = Counter(frozenset(t.params.items()) for t in study.trials)
    assert counts[frozenset(study.trials[repeats[0]].params.items())] == 2
    # The recommendation reads the repeats too, and is one of the trials.
    assert best_predicted_trial(study, sampler=study.sampler).number in {
        t.number for t in study.trials
    }


def test_noise_check_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="noise_check"):
        SurrogateSettings(noise_check="yes")  # type: ignore[arg-type]


def test_the_check_waits_for_noise_check_from_trials() -> None:
    later = SurrogateSettings(noise_check=True, noise_check_from=NOISE_CHECK_FROM + 15)
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=later))
    study.optimize(_noisy_quadratic(0), n_trials=NOISE_CHECK_FROM + 30)
    repeats = _repeats(study)
    assert len(repeats) == 1
    assert repeats[0] >= NOISE_CHECK_FROM + 15


@pytest.mark.parametrize("value", [0, -3, 2.5, "10", True])
def test_noise_check_from_must_be_a_positive_int(value: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="noise_check_from"):
        SurrogateSettings(noise_check=True, noise_check_from=value)


def test_the_default_sampler_checks_once_from_noise_check_from_trials() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(_noisy_quadratic(1), n_trials=NOISE_CHECK_FROM + 15)
    repeats = _repeats(study)
    assert len(repeats) == 1 and repeats[0] >= NOISE_CHECK_FROM
    off = optuna.create_study(
        sampler=GammaBOSampler(seed=0, surrogate_settings=SurrogateSettings(noise_check=False))
    )
    off.optimize(_noisy_quadratic(1), n_trials=NOISE_CHECK_FROM + 15)
    assert _repeats(off) == []
