"""Long studies: the subset of trials the model holds past ``max_model_trials`` and the kernel's
refit schedule past ``refit_from`` (optuna_gamma.surrogate._subset, docs/math.md §12)."""

from __future__ import annotations

import math

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.study import StudyDirection
from optuna.trial import TrialState
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma import best_predicted_trial
from optuna_gamma._inputs import model_inputs
from optuna_gamma._inputs import relative_search_space
from optuna_gamma._storage import model_key
from optuna_gamma._storage import read_model_starts
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate._fitted import fit_stored
from optuna_gamma.surrogate._subset import REFIT_PERIOD
from optuna_gamma.surrogate._subset import best_first
from optuna_gamma.surrogate._subset import model_subset
from optuna_gamma.surrogate._subset import refit_due
from optuna_gamma.surrogate._subset import refit_period

MIN = [StudyDirection.MINIMIZE]
DIST = {"x": FloatDistribution(0.0, 1.0)}


def _trials(values, state=TrialState.COMPLETE, constraints=None):
    out = []
    for i, v in enumerate(values):
        t = optuna.trial.create_trial(
            params={"x": (i + 0.5) / len(values)},
            distributions=DIST,
            value=v if state == TrialState.COMPLETE else None,
            state=state,
            system_attrs={} if constraints is None else {"constraints": [constraints[i]]},
        )
        out.append(t)
    return out


def test_subset_is_everything_up_to_the_limit() -> None:
    trials = _trials(range(30))
    keep, keep_pruned = model_subset(trials, _trials([0] * 5, TrialState.PRUNED), MIN, 35)
    assert keep.tolist() == list(range(30)) and keep_pruned.tolist() == list(range(5))
    keep, _ = model_subset(trials, [], MIN, None)
    assert len(keep) == 30


def test_subset_holds_the_best_half_and_a_spread_of_the_rest() -> None:
    rng = np.random.default_rng(0)
    values = rng.permutation(100).astype(float)
    keep, _ = model_subset(_trials(values), [], MIN, 20)
    assert len(keep) == 20 and len(set(keep.tolist())) == 20
    assert np.all(np.diff(keep) > 0)  # in the history's order
    best = np.argsort(values)[:10]
    assert set(best.tolist()) <= set(keep.tolist())  # the 10 best (minimised values)
    rest = np.setdiff1d(np.arange(100), best)
    assert rest[0] in keep and rest[-1] in keep  # the spread reaches both ends of the history
    # A spread, not a block: the kept rest covers every fifth of the history.
    spread = np.setdiff1d(keep, best)
    assert len(np.unique(spread // 20)) == 5


def test_subset_follows_the_direction() -> None:
    values = np.arange(100.0)
    keep, _ = model_subset(_trials(values), [], [StudyDirection.MAXIMIZE], 20)
    assert set(range(90, 100)) <= set(keep.tolist())  # the 10 largest values


def test_subset_keeps_the_latest_pruned_trials_within_a_tenth() -> None:
    completed = _trials(np.arange(100.0))
    pruned = _trials([0.0] * 40, TrialState.PRUNED)
    keep, keep_pruned = model_subset(completed, pruned, MIN, 60)
    assert keep_pruned.tolist() == list(range(34, 40))  # 60 // 10, the latest
    assert len(keep) == 54


def test_feasible_trials_rank_first() -> None:
    values = np.arange(10.0)  # trial 0 best by value but infeasible
    violations = [1.0, 1.0, -1.0, -1.0, -1.0, 2.0, -1.0, -1.0, -1.0, -1.0]
    order = best_first(_trials(values, constraints=violations), MIN)
    assert order[:7].tolist() == [2, 3, 4, 6, 7, 8, 9]
    assert order[7:].tolist() == [0, 1, 5]


def test_several_objectives_rank_by_the_sum_of_ranks() -> None:
    dists = {"x": FloatDistribution(0.0, 1.0)}
    values = [(0.0, 9.0), (1.0, 1.0), (9.0, 0.0), (5.0, 5.0)]
    trials = [
        optuna.trial.create_trial(params={"x": 0.1 * i}, distributions=dists, values=list(v))
        for i, v in enumerate(values)
    ]
    order = best_first(trials, MIN * 2)
    assert order[0] == 1 and order[-1] == 3


@pytest.mark.parametrize(
    ("n", "refit_from", "due"),
    [
        (5, 250, True),
        (249, 250, True),
        (251, 250, False),
        (260, 250, True),
        (251, None, True),
        (19, 20, True),
        (21, 20, False),  # every second number of trials from 20
        (22, 20, True),
        (52, 20, False),  # every fifth from 50
        (55, 20, True),
        (99, 20, True),  # 99 is a multiple of 9
        (101, 20, False),  # every tenth from 100
        (110, 20, True),
        (10_001, 20, False),
        (10_010, 20, True),
    ],
)
def test_refit_schedule(n: int, refit_from: int | None, due: bool) -> None:
    assert refit_due(n, refit_from) is due


def test_settings_name_the_bad_argument() -> None:
    with pytest.raises(ValueError, match="max_model_trials"):
        SurrogateSettings(max_model_trials=5)
    with pytest.raises(TypeError, match="max_model_trials"):
        SurrogateSettings(max_model_trials=100.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="refit_from"):
        SurrogateSettings(refit_from=-1)
    assert SurrogateSettings(max_model_trials=None, refit_from=None).max_model_trials is None


def _quadratic(trial: optuna.Trial) -> float:
    x, y = trial.suggest_float("x", -1, 1), trial.suggest_float("y", -1, 1)
    return (x - 0.3) ** 2 + (y + 0.2) ** 2


def test_a_capped_model_holds_the_subset_and_still_converges() -> None:
    settings = SurrogateSettings(max_model_trials=20)
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=settings))
    study.optimize(_quadratic, n_trials=45)
    trials = study.get_trials(deepcopy=False)
    inputs = model_inputs(trials, relative_search_space(trials))
    fitted = fit_stored(inputs, trials, study.directions, settings)
    assert len(fitted.X) == 20 and len(fitted.completed) == 20
    assert len(fitted.unmodelled) == 25
    assert len(fitted.evaluated) == 45
    assert study.best_trial in fitted.completed  # the best trial is always held
    assert study.best_value < 0.01
    recommended = best_predicted_trial(study)
    assert recommended.number in {t.number for t in fitted.completed}


def test_a_capped_model_never_repeats_an_unmodelled_configuration() -> None:
    # An 8 x 8 grid: with the cap at 12 most evaluated configurations are not in the model,
    # and still every suggestion is a configuration not evaluated before.
    def grid(trial: optuna.Trial) -> float:
        a, b = trial.suggest_int("a", 0, 7), trial.suggest_int("b", 0, 7)
        return (a - 3) ** 2 + (b - 4) ** 2 + 0.1 * a * b

    settings = SurrogateSettings(max_model_trials=12)
    study = optuna.create_study(sampler=GammaBOSampler(seed=1, surrogate_settings=settings))
    study.optimize(grid, n_trials=50)
    seen = [(t.params["a"], t.params["b"]) for t in study.trials]
    assert len(set(seen)) == len(seen)


def test_between_refits_the_stored_hyperparameters_are_kept() -> None:
    settings = SurrogateSettings(refit_from=0)
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=settings))
    study.optimize(_quadratic, n_trials=45)  # periods 1 (below 20) to 4 (from 40)
    trials = study.get_trials(deepcopy=False)
    space = model_inputs(trials, relative_search_space(trials)).space
    key = model_key(space.names, space.distributions, False)

    def stored(number: int) -> np.ndarray:
        hp = read_model_starts(trials, number + 1, key, space.dim, 1)[0][0]
        assert hp is not None
        return np.append(hp.inv_ls2, hp.g)

    kept = refits = 0
    for t in trials[11:]:  # after the start-up trials, with a stored start before them
        # Trial t saw t.number COMPLETE trials (every earlier one).
        same = np.array_equal(stored(t.number), stored(t.number - 1))
        if refit_due(t.number, 0):
            refits += not same
        else:
            kept += same
            assert same, t.number
    assert kept >= 8 and refits >= 1


def test_refit_period_keeps_the_growth_between_fits_to_a_tenth() -> None:
    # Between two refits the data grow by at most a tenth (and by at least one trial).
    n, last = 20, 20
    while n < 5000:
        n += 1
        if refit_due(n, 20):
            assert n - last <= max(1, last // 10) + 1, (last, n)
            last = n
        assert 1 <= refit_period(n) <= REFIT_PERIOD


def test_default_settings_change_nothing_below_the_thresholds() -> None:
    default = SurrogateSettings()
    assert default.max_model_trials is not None and default.max_model_trials >= 1000
    assert default.refit_from is not None and default.refit_from >= 50
    # Below both, the default and the exact model make the same suggestions: every one of a
    # study's first 51 trials (the last of them sees 50 trials).
    exact = SurrogateSettings(max_model_trials=None, refit_from=None)
    values = []
    for settings in (default, exact):
        study = optuna.create_study(sampler=GammaBOSampler(seed=3, surrogate_settings=settings))
        study.optimize(_quadratic, n_trials=51)
        values.append([t.value for t in study.trials])
    assert values[0] == values[1]
    assert all(math.isfinite(v) for v in values[0])


def _sphere(d: int) -> object:
    def objective(trial: optuna.Trial) -> float:
        return sum((trial.suggest_float(f"x{i}", -1, 1) - 0.3) ** 2 for i in range(d))

    return objective


@pytest.mark.parametrize("d", [10, 12])
def test_local_candidates_act_only_in_more_than_ten_dimensions(d: int) -> None:
    """With ten continuous parameters the default and ``local_candidates_from=None`` make the
    same suggestions (the small-budget suites' results stand); with twelve they differ."""
    assert SurrogateSettings().local_candidates_from == 11
    values = []
    for local in (11, None):
        settings = SurrogateSettings(local_candidates_from=local)
        study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=settings))
        study.optimize(_sphere(d), n_trials=12)
        values.append([t.value for t in study.trials])
    assert values[0][:5] == values[1][:5]  # the start-up trials
    assert (values[0] == values[1]) is (d <= 10)


def test_local_candidates_settings_name_the_bad_argument() -> None:
    with pytest.raises(ValueError, match="local_candidates_from"):
        SurrogateSettings(local_candidates_from=0)
    with pytest.raises(TypeError, match="local_candidates_from"):
        SurrogateSettings(local_candidates_from=11.0)  # type: ignore[arg-type]
