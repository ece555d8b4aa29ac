"""GammaBOSampler behaviour beyond Optuna's contract suite."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
from typing import Any

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma._storage import PARAMS_KEY
from optuna_gamma._storage import PREDICTION_KEY
from optuna_gamma._storage import intended_params

optuna.logging.set_verbosity(optuna.logging.WARNING)


def blog_1d(trial: optuna.Trial) -> float:
    """The blog's test function (docs/math.md §6), maximum 1.7074958733 at x = 0.6313742."""
    x = trial.suggest_float("x", -2, 6)
    return math.exp(-((x - 3) ** 2)) + math.exp(-((3 * x - 2) ** 2)) + 1 / (x**2 + 1)


def mixed(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -3, 3)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    n = trial.suggest_int("n", 1, 64, log=True)
    k = trial.suggest_int("k", 0, 20, step=5)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return (
        (x - 1) ** 2
        + (math.log10(lr) + 3) ** 2
        + (math.log2(n) - 3) ** 2
        + abs(k - 10) / 5
        + (c != "b")
    )


@pytest.mark.parametrize("predictive", ["student_t", "gaussian"])
def test_blog_function_within_20_trials(predictive: str) -> None:
    """The blog's 1-D check: best value >= 1.70 within 20 trials in at least 9 of 10 seeds."""
    hits = 0
    for seed in range(10):
        study = optuna.create_study(
            direction="maximize", sampler=GammaBOSampler(seed=seed, predictive=predictive)
        )
        study.optimize(blog_1d, n_trials=20)
        hits += study.best_value >= 1.70
    assert hits >= 9


def test_beats_random_search_on_mixed_space() -> None:
    bo, rnd = [], []
    for seed in range(3):
        study = optuna.create_study(sampler=GammaBOSampler(seed=seed))
        study.optimize(mixed, n_trials=30)
        bo.append(study.best_value)
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
        study.optimize(mixed, n_trials=30)
        rnd.append(study.best_value)
    assert np.median(bo) < np.median(rnd)
    assert min(bo) < 1.0  # the optimum is 0


def _params_sequence(sampler: optuna.samplers.BaseSampler, n: int = 12) -> list[dict[str, Any]]:
    study = optuna.create_study(sampler=sampler)
    study.optimize(mixed, n_trials=n)
    return [t.params for t in study.trials]


def test_same_seed_same_suggestions_different_seed_different() -> None:
    a = _params_sequence(GammaBOSampler(seed=3))
    b = _params_sequence(GammaBOSampler(seed=3))
    c = _params_sequence(GammaBOSampler(seed=4))
    assert a == b
    assert a != c


def test_minimize_equals_maximize_of_negation() -> None:
    def neg(trial: optuna.Trial) -> float:
        return -mixed(trial)

    s_min = optuna.create_study(direction="minimize", sampler=GammaBOSampler(seed=1))
    s_min.optimize(mixed, n_trials=12)
    s_max = optuna.create_study(direction="maximize", sampler=GammaBOSampler(seed=1))
    s_max.optimize(neg, n_trials=12)
    for t_min, t_max in zip(s_min.trials, s_max.trials):
        assert t_min.params.keys() == t_max.params.keys()
        for key, value in t_min.params.items():
            if isinstance(value, str):
                assert t_max.params[key] == value
            else:
                assert t_max.params[key] == pytest.approx(value, rel=1e-6, abs=1e-9)


def test_suggestions_are_admissible_python_values() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=2))
    study.optimize(mixed, n_trials=15)
    for t in study.trials:
        assert type(t.params["x"]) is float and -3 <= t.params["x"] <= 3
        assert type(t.params["lr"]) is float and 1e-5 <= t.params["lr"] <= 1e-1
        assert type(t.params["n"]) is int and 1 <= t.params["n"] <= 64
        assert t.params["k"] in (0, 5, 10, 15, 20)
        assert t.params["c"] in ("a", "b", "c")
    assert all(PREDICTION_KEY in t.system_attrs for t in study.trials[2:])


def test_prediction_is_recorded_in_objective_units() -> None:
    study = optuna.create_study(direction="maximize", sampler=GammaBOSampler(seed=0))
    study.optimize(blog_1d, n_trials=12)
    last = study.trials[-1]
    prediction = json.loads(last.system_attrs[PREDICTION_KEY])
    assert set(prediction) == {"median", "lower", "upper", "nu", "acquisition"}
    assert prediction["nu"] == 2 * 2.5 + 11
    assert prediction["lower"] < prediction["median"] < prediction["upper"]
    assert abs(prediction["median"] - last.value) < 1.0  # same units as the objective


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_infinite_values_are_clipped_with_a_warning(value: float) -> None:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        return value if trial.number % 4 == 1 else x

    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=3))
    with pytest.warns(RuntimeWarning, match="clipped"):
        study.optimize(objective, n_trials=10)
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 10


@pytest.mark.parametrize("pruned_trials", ["worst", "exclude"])
def test_a_pruned_point_is_never_suggested_again(pruned_trials: str) -> None:
    # A pruner that stops every trial near the optimum at x = 0.3 (each trial's report there is
    # poor): with PRUNED trials dropped from the model, EI kept proposing the same point.
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        if abs(x - 0.3) < 0.2 and trial.number >= 5:
            raise optuna.TrialPruned()
        return (x - 0.3) ** 2

    sampler = GammaBOSampler(seed=0, pruned_trials=pruned_trials)
    study = optuna.create_study(sampler=sampler)
    study.enqueue_trial({"x": 0.3})  # the optimum itself, completed
    study.optimize(objective, n_trials=25)
    assert sum(t.state == TrialState.PRUNED for t in study.trials) >= 2
    # What must hold: no model-based suggestion within 0.1 % of the range (2e-3 here) of an
    # earlier pruned trial's point.
    for t in study.trials:
        if PREDICTION_KEY not in t.system_attrs:
            continue
        earlier = [u.params["x"] for u in study.trials[: t.number] if u.state == TrialState.PRUNED]
        assert all(abs(t.params["x"] - p) >= 2e-3 for p in earlier), (t.number, earlier)


def test_pruned_trials_inform_the_model_at_the_worst_completed_value() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    for x in (-0.9, -0.5, 0.0, 0.5, 0.9):
        study.enqueue_trial({"x": x})
    study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.2) ** 2, n_trials=5)
    trial = study.ask({"x": FloatDistribution(-1, 1)})
    trial.report(0.0, 0)  # looked fine at step 0, yet was pruned
    study.tell(trial, state=TrialState.PRUNED)
    space = {"x": FloatDistribution(-1, 1)}
    frozen = study.trials
    completed = [t for t in frozen if t.state == TrialState.COMPLETE]
    pruned = [t for t in frozen if t.state == TrialState.PRUNED]
    from optuna_gamma._search_space import SearchSpace
    from optuna_gamma.surrogate import SurrogateSettings
    from optuna_gamma.surrogate import fit_surrogate

    encoded = SearchSpace(space)
    worst = SurrogateSettings(pruned_trials="worst")
    exclude = SurrogateSettings(pruned_trials="exclude")
    with_pruned = fit_surrogate(completed, encoded, study.direction, worst, pruned=pruned)
    without = fit_surrogate(completed, encoded, study.direction, exclude, pruned=pruned)
    assert len(with_pruned.X) == 6 and len(without.X) == 5
    assert with_pruned.y[-1] == pytest.approx(without.y.min())  # the worst completed value
    assert with_pruned.y_best == pytest.approx(without.y_best)  # never raises the incumbent
    # Both keep the pruned point out of reach of the acquisition.
    x_pruned = encoded.encode([pruned[0].params])
    for fitted in (with_pruned, without):
        assert fitted.acquisition_values(x_pruned)[0] == -1e300


def test_nan_failed_and_pruned_trials_are_handled() -> None:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        if trial.number % 3 == 0:
            return math.nan
        if trial.number % 3 == 1:
            trial.report(x, 0)
            raise optuna.TrialPruned()
        return x**2

    sampler = GammaBOSampler(seed=0, n_startup_trials=3)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=15)
    states = [t.state for t in study.trials]
    assert states.count(TrialState.FAIL) == 5 and states.count(TrialState.PRUNED) == 5
    # With 5 COMPLETE trials, only those after the 3rd complete one were suggested by the model.
    modelled = [t for t in study.trials if PREDICTION_KEY in t.system_attrs]
    n_complete_before = [
        sum(s.state == TrialState.COMPLETE for s in study.trials[: t.number]) for t in modelled
    ]
    assert modelled and min(n_complete_before) >= 3


def test_constant_objective_and_duplicates() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=2))
    for _ in range(4):
        study.enqueue_trial({"x": 0.5, "c": "a"})
    study.optimize(
        lambda t: 0.0 * t.suggest_float("x", 0, 1) + (t.suggest_categorical("c", ["a"]) == "a"),
        n_trials=10,
    )
    assert len(study.trials) == 10 and all(t.state == TrialState.COMPLETE for t in study.trials)


def test_single_valued_and_one_point_spaces() -> None:
    def objective(trial: optuna.Trial) -> float:
        a = trial.suggest_float("a", 2.0, 2.0)
        b = trial.suggest_int("b", 3, 3)
        c = trial.suggest_categorical("c", ["only"])
        x = trial.suggest_float("x", 0, 1)
        return a + b + len(c) + x

    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=2))
    study.optimize(objective, n_trials=6)
    assert all(t.params["a"] == 2.0 and t.params["b"] == 3 for t in study.trials)


def test_twenty_dimensions() -> None:
    def objective(trial: optuna.Trial) -> float:
        return sum((trial.suggest_float(f"x{i}", -1, 1) - 0.1 * i / 20) ** 2 for i in range(20))

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=25)
    assert study.best_value < min(t.value for t in study.trials[:5])


def test_independent_sampling_warns_with_optunas_wording(caplog: pytest.LogCaptureFixture) -> None:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 2:
            return x + trial.suggest_float(f"extra_{trial.number}", 0, 1)
        return x

    # Another test module may have lowered Optuna's verbosity at import: set it here.
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.logging.enable_propagation()
    try:
        study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=2))
        with caplog.at_level("WARNING"):
            study.optimize(objective, n_trials=6)
    finally:
        optuna.logging.disable_propagation()
        optuna.logging.set_verbosity(verbosity)
    assert "The parameter 'extra_5' in trial#5 is sampled independently" in caplog.text
    assert "extra_1'" not in caplog.text  # no warning during start-up


def test_running_trials_get_distinct_parameters() -> None:
    """Concurrent workers: every running trial of a 6-point space gets its own point."""
    sampler = GammaBOSampler(seed=0, n_startup_trials=2, deterministic_objective=True)
    study = optuna.create_study(sampler=sampler)
    dist = {"c": CategoricalDistribution(list(range(6)))}
    for v in (0, 5):
        study.add_trial(optuna.trial.create_trial(params={"c": v}, distributions=dist, value=v))
    running = [study.ask(dist) for _ in range(4)]
    values = [t.params["c"] for t in running]
    assert len(set(values)) == 4
    frozen = {t.number: t for t in study.get_trials(states=(TrialState.RUNNING,))}
    for t in running:
        assert intended_params(frozen[t.number]) == t.params
        assert PARAMS_KEY in frozen[t.number].system_attrs


def test_running_trials_push_continuous_suggestions_apart() -> None:
    sampler = GammaBOSampler(seed=0, n_startup_trials=3)
    study = optuna.create_study(sampler=sampler)
    dist = {"x": FloatDistribution(0, 1)}
    for x in (0.1, 0.5, 0.9):
        study.add_trial(
            optuna.trial.create_trial(params={"x": x}, distributions=dist, value=(x - 0.3) ** 2)
        )
    xs = [study.ask(dist).params["x"] for _ in range(4)]
    gaps = np.diff(np.sort(xs))
    assert gaps.min() > 0.01


def test_same_seed_workers_start_from_different_points() -> None:
    study = optuna.create_study()
    a = GammaBOSampler(seed=7)
    b = GammaBOSampler(seed=7)
    study.sampler = a
    t1 = study.ask({"x": FloatDistribution(0, 1)})
    study.sampler = b
    t2 = study.ask({"x": FloatDistribution(0, 1)})
    assert t1.params["x"] != t2.params["x"]


def test_pickle_round_trip_and_continue() -> None:
    sampler = GammaBOSampler(seed=5)
    study = optuna.create_study(sampler=sampler)
    study.optimize(mixed, n_trials=8)
    clone = pickle.loads(pickle.dumps(sampler))
    study.sampler = clone
    study.optimize(mixed, n_trials=2)
    assert len(study.trials) == 10


def test_threads_share_one_sampler() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=4))
    study.optimize(mixed, n_trials=24, n_jobs=4)
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 24


@pytest.mark.parametrize("acquisition", ["pi", "ucb"])
def test_other_acquisitions_optimise(acquisition: str) -> None:
    study = optuna.create_study(
        direction="maximize", sampler=GammaBOSampler(seed=0, acquisition=acquisition)
    )
    study.optimize(blog_1d, n_trials=20)
    assert study.best_value > 1.6


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"predictive": "normal"}, ValueError, "predictive='normal'.*'student_t' and 'gaussian'"),
        ({"acquisition": "EI"}, ValueError, "acquisition='EI'.*'ei', 'pi' and 'ucb'"),
        ({"n_startup_trials": -1}, ValueError, "n_startup_trials must be >= 0, got -1"),
        ({"n_startup_trials": 2.5}, TypeError, "n_startup_trials must be an int"),
        ({"xi": -0.1}, ValueError, "xi must be a finite number >= 0.0 and <= 1000, got -0.1"),
        ({"xi": math.nan}, ValueError, "xi must be a finite number"),
        ({"ucb_beta": "2"}, TypeError, "ucb_beta must be a finite number"),
        ({"prior_concentration": 0}, ValueError, "prior_concentration must be .* <= 1000, got 0"),
        ({"prior_rate": -1.0}, ValueError, "prior_rate must be .*> 0.0 and <= 1000, got -1.0"),
        ({"n_candidates": 0}, ValueError, r"n_candidates must be in \[1, 262144\], got 0"),
        ({"n_candidates": 10**8}, ValueError, r"n_candidates must be in \[1, 262144\]"),
        ({"seed": 1.5}, TypeError, "seed must be a non-negative int or None"),
        ({"seed": -1}, ValueError, "seed must be a non-negative int, got -1"),
        ({"deterministic_objective": "no"}, TypeError, "deterministic_objective must be True or"),
        ({"warn_independent_sampling": None}, TypeError, "warn_independent_sampling must be"),
        ({"power_transform": 1}, TypeError, "power_transform must be True or False"),
        ({"independent_sampler": "random"}, TypeError, "independent_sampler must be"),
        ({"pruned_trials": "last"}, ValueError, "pruned_trials='last'.*'worst' and 'exclude'"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        GammaBOSampler(**kwargs)


def test_importing_does_not_import_torch() -> None:
    code = "import sys, optuna_gamma; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_custom_independent_sampler_is_used_for_startup() -> None:
    independent = optuna.samplers.RandomSampler(seed=0)
    study = optuna.create_study(sampler=GammaBOSampler(independent_sampler=independent))
    study.optimize(blog_1d, n_trials=3)
    reference = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    reference.optimize(blog_1d, n_trials=3)
    assert [t.params for t in study.trials] == [t.params for t in reference.trials]


def test_does_not_repeat_an_evaluated_bound() -> None:
    """Equally poor start-up values make a smooth trend peak at a bound; EI must not re-evaluate
    that bound forever (seen in the thesis benchmark: lr = 0.5 for 19 trials)."""
    dist = {"lr": FloatDistribution(1e-4, 0.5)}
    for predictive in ("student_t", "gaussian"):
        study = optuna.create_study(
            direction="maximize",
            sampler=GammaBOSampler(seed=0, n_startup_trials=2, predictive=predictive),
        )
        for lr, value in ((0.3791, 0.13), (0.3771, 0.14), (0.0001, 0.11), (0.5, 0.14)):
            study.add_trial(
                optuna.trial.create_trial(params={"lr": lr}, distributions=dist, value=value)
            )
        seen = {t.params["lr"] for t in study.trials}
        for _ in range(8):
            trial = study.ask(dist)
            lr = trial.params["lr"]
            assert lr not in seen
            seen.add(lr)
            study.tell(trial, 0.14 if lr > 0.3 else 0.96 - 2 * abs(lr - 0.08))
        assert study.best_value > 0.9


def test_exhausted_discrete_space_still_suggests_valid_values() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=2))
    study.optimize(lambda t: float(t.suggest_int("k", 0, 2)), n_trials=8)
    assert {t.params["k"] for t in study.trials} == {0, 1, 2}


def test_startup_trials_grow_with_the_number_of_parameters() -> None:
    from optuna_gamma._sampler import startup_trials

    assert [startup_trials(n) for n in (1, 5, 20, 21, 24, 25, 36, 40)] == [5, 5, 5, 6, 6, 7, 9, 10]


@pytest.mark.parametrize(
    ("n_params", "n_startup_trials", "first_model_trial"),
    [(12, None, 5), (36, None, 9), (36, 5, 5), (36, 2, 2)],
)
def test_default_startup_counts_the_space_and_an_explicit_one_is_kept(
    n_params: int,
    n_startup_trials: int | None,
    first_model_trial: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With ``n_startup_trials=None`` a space of many parameters starts with more random
    trials (one per four parameters), without warning that they are sampled independently;
    an explicit count is used as given. Model-based trials carry the prediction attrs."""
    names = [f"x{i:02d}" for i in range(n_params)]

    def objective(trial: optuna.Trial) -> float:
        return sum((trial.suggest_float(n, 0.0, 1.0) - 0.3) ** 2 for n in names)

    sampler = GammaBOSampler(seed=0, n_startup_trials=n_startup_trials)
    assert sampler.n_startup_trials == n_startup_trials
    study = optuna.create_study(sampler=sampler)
    with caplog.at_level("WARNING", logger="optuna"):
        study.optimize(objective, n_trials=first_model_trial + 1)
    modelled = ["gammabo_pred_median" in t.user_attrs for t in study.trials]
    assert modelled == [False] * first_model_trial + [True]
    assert "sampled independently" not in caplog.text
