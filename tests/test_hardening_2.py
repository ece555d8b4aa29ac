"""Second adversarial round: one named regression test per defect found.

Each test reproduces the defect as it was reported, on the code that had it, and checks the
behaviour a user should get instead. The defects of several objectives, of the dashboard
publisher and of ``kappa_score`` have their tests beside those features
(tests/test_many_objectives.py, tests/test_dashboard.py, tests/test_kappa.py); the
whole-study properties are in tests/test_properties.py.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.trial import TrialState
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma._inputs import model_inputs
from optuna_gamma._inputs import relative_search_space
from optuna_gamma._sampler import _clashes
from optuna_gamma._sampler import _in_clashes
from optuna_gamma._sampler import _unclaimed_point
from optuna_gamma._search_space import INACTIVE
from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._search_space import separation_probability
from optuna_gamma._storage import PREDICTION_KEY
from optuna_gamma._storage import admissible
from optuna_gamma._storage import read_constraints
from optuna_gamma._storage import read_prediction
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.visualization import _compute_slice
from optuna_gamma.visualization import plot_surrogate

optuna.logging.set_verbosity(optuna.logging.WARNING)


def n_modelled(study: optuna.Study) -> int:
    return sum(PREDICTION_KEY in t.system_attrs for t in study.trials)


def could_not_model(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "could not model" in r.getMessage()]


# -- 1. a branched space with an integer shared by the branches -----------------------------------


def _shared_integer(trial: optuna.Trial) -> float:
    n = trial.suggest_int("n_estimators", 10, 500)
    if trial.suggest_categorical("model", ["rf", "gb"]) == "gb":
        lr = trial.suggest_float("lr", 1e-3, 1, log=True)
        return (n - 300) ** 2 / 1e4 + abs(lr - 0.1)
    return (n - 300) ** 2 / 1e4 + 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_a_shared_integer_of_a_branched_space_is_not_frozen(seed: int) -> None:
    """The shared integer took new values in almost every trial, so its values never overlapped
    between the branches, and the sampler held it to the values seen on each: [213, 225] for the
    rest of the study, best 0.61 (TPE: 0.05)."""
    study = optuna.create_study(sampler=GammaBOSampler(seed=seed))
    study.optimize(_shared_integer, n_trials=30)
    start_up = {t.params["n_estimators"] for t in study.trials[:5]}
    later = {t.params["n_estimators"] for t in study.trials[5:]}
    assert len(later - start_up) >= 10
    assert study.best_value < 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_a_wide_integer_with_one_branch_is_not_copied_from_a_completed_trial(seed: int) -> None:
    """``suggest_int("k", 0, 10**6)`` and one optional parameter: 16 of 20 trials copied a
    completed trial's parameters."""

    def objective(trial: optuna.Trial) -> float:
        k = trial.suggest_int("k", 0, 10**6)
        if trial.suggest_categorical("b", ["x", "y"]) == "y":
            return (k - 3e5) ** 2 / 1e10 + trial.suggest_float("z", 0, 1)
        return (k - 3e5) ** 2 / 1e10

    study = optuna.create_study(sampler=GammaBOSampler(seed=seed))
    study.optimize(objective, n_trials=25)
    points = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(points)) == len(points)
    assert n_modelled(study) == 20


@pytest.mark.parametrize(
    ("here", "there", "expected"),
    [
        (["a"] * 5, ["b"] * 5, 2 / math.comb(10, 5)),  # two categories, five each
        (["a", "a", "a"], ["b", "b"], 1 / math.comb(5, 2)),
        ([1, 2, 3], [4, 5], 1.0),  # all distinct: every draw separates
        ([1, 1, 2], [3, 3, 3], 2 / math.comb(6, 3)),  # {1, 2} or {3} complete three draws
    ],
)
def test_separation_probability_counts_the_separating_draws(
    here: list[Any], there: list[Any], expected: float
) -> None:
    assert separation_probability(here, there) == pytest.approx(expected)


def test_separation_probability_matches_enumeration() -> None:
    """Against brute force over every subset of positions."""
    import itertools

    rng = np.random.default_rng(0)
    for _ in range(20):
        pooled = list(rng.integers(0, 4, size=int(rng.integers(2, 9))))
        k = int(rng.integers(1, len(pooled)))
        subsets = list(itertools.combinations(range(len(pooled)), k))
        separated = sum(
            not {pooled[i] for i in s} & {pooled[i] for i in range(len(pooled)) if i not in s}
            for s in subsets
        )
        assert separation_probability(pooled[:k], pooled[k:]) == pytest.approx(
            separated / len(subsets)
        )


def test_a_branch_deciding_choice_is_held_once_the_evidence_is_strong() -> None:
    """The optimizer choice still decides its branch when the data say so: ten trials, five per
    branch, never the same choice on both."""
    union = {
        "model": CategoricalDistribution(["rf", "gb"]),
        "n": IntDistribution(1, 100),
        "lr": FloatDistribution(1e-3, 1.0, log=True),
    }
    space = ConditionalSearchSpace(union, frozenset({"lr"}))
    observed = [{"model": "gb", "n": i, "lr": 0.1} for i in range(5)]
    observed += [{"model": "rf", "n": 10 + i} for i in range(5)]
    sub, _, _, allowed = space.branch(frozenset({"lr"}), observed)
    Z = sub.encode([{"model": "gb", "n": 50, "lr": 0.2}, {"model": "rf", "n": 50, "lr": 0.2}])
    np.testing.assert_array_equal(np.isfinite(allowed(Z)), [True, False])
    # Three trials are not evidence (a clean split has probability 1/3): nothing is held.
    sub, _, _, allowed = space.branch(frozenset({"lr"}), observed[4:7])
    np.testing.assert_array_equal(np.isfinite(allowed(Z)), [True, True])


def test_a_point_that_would_rerun_a_trial_of_a_smaller_branch_is_not_allowed() -> None:
    """On the two-layer branch, ``n_layers = 1`` with a one-layer trial's width is that trial."""
    union = {
        "n_layers": IntDistribution(1, 2),
        "w0": IntDistribution(1, 8),
        "w1": IntDistribution(1, 8),
    }
    space = ConditionalSearchSpace(union, frozenset({"w1"}))
    observed = [{"n_layers": 1, "w0": 3}, {"n_layers": 2, "w0": 4, "w1": 5}]
    sub, _, _, allowed = space.branch(frozenset({"w1"}), observed)
    Z = sub.encode(
        [
            {"n_layers": 1, "w0": 3, "w1": 7},  # re-runs the one-layer trial
            {"n_layers": 1, "w0": 5, "w1": 7},  # a new one-layer point
            {"n_layers": 2, "w0": 3, "w1": 7},
        ]
    )
    np.testing.assert_array_equal(np.isfinite(allowed(Z)), [False, True, True])


# -- 2. pruned_trials="exclude" with a constraint and a pruned trial ------------------------------


def test_excluded_pruned_trials_with_constraints_keep_the_model_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The feasibility mask counted the pruned trial that ``"exclude"`` had left out of the
    values, so ``y[feasible]`` raised IndexError and every later trial was random."""

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        trial.set_constraint("c", x - 1)
        if trial.number == 1:
            raise optuna.TrialPruned()
        return x**2

    sampler = GammaBOSampler(seed=0, pruned_trials="exclude", n_startup_trials=3)
    study = optuna.create_study(sampler=sampler)
    with caplog.at_level(logging.WARNING, logger="optuna"):
        study.optimize(objective, n_trials=12)
    assert could_not_model(caplog) == []
    assert n_modelled(study) == 12 - 4  # three start-up trials and the pruned one
    assert study.best_value < 0.05


# -- 4. n_jobs=2 on a branched space: the re-check after claiming ---------------------------------


def _two_branches(
    max_depth: int,
) -> tuple[dict[str, BaseDistribution], ConditionalSearchSpace, set[frozenset[str]]]:
    """A union space of two branches (``depth`` for one model, ``lr`` for the other), its
    encoding and its branches."""
    union: dict[str, BaseDistribution] = {
        "model": CategoricalDistribution(["rf", "gb"]),
        "depth": IntDistribution(1, max_depth),
        "lr": FloatDistribution(1e-3, 1.0, log=True),
    }
    space = ConditionalSearchSpace(union, frozenset({"depth", "lr"}))
    return union, space, {frozenset({"depth"}), frozenset({"lr"})}


def test_claims_that_differ_only_off_the_taken_branch_clash() -> None:
    """Two full assignments that differ in a parameter of the branch not taken are the same
    trial if both take the other branch; comparing whole assignments missed it."""
    union, space, branches = _two_branches(max_depth=4)
    a = {"model": "rf", "depth": 2, "lr": 0.01}
    b = {"model": "rf", "depth": 2, "lr": 0.5}
    assert _clashes(space, a, b, branches)
    assert not _clashes(space, a, {**b, "depth": 3}, branches)
    assert _clashes(space, a, {**b, "depth": 3, "lr": 0.01}, branches)  # same on the lr branch
    plain = SearchSpace({"x": FloatDistribution(0, 1)})
    assert _clashes(plain, {"x": 0.5}, {"x": 0.5}, set())
    assert not _clashes(plain, {"x": 0.5}, {"x": 0.6}, set())


def test_the_trials_in_a_clash_are_found_among_all_claims() -> None:
    """Every claim that clashes with another one's, on a plain space and branch by branch."""
    plain = SearchSpace({"x": FloatDistribution(0, 1), "n": IntDistribution(1, 3)})
    claims = {3: {"x": 0.5, "n": 1}, 5: {"x": 0.5, "n": 1}, 7: {"x": 0.5, "n": 2}}
    assert _in_clashes(plain, claims, set(), []) == {3, 5}
    assert _in_clashes(plain, {**claims, 9: {"x": 0.5, "n": 2}}, set(), []) == {3, 5, 7, 9}
    assert _in_clashes(plain, {3: claims[3]}, set(), []) == set()
    assert _in_clashes(plain, claims, set(), [], above=3) == {5}  # only those numbered above
    union, space, branches = _two_branches(max_depth=4)
    on_branches = {
        1: {"model": "rf", "depth": 2, "lr": 0.01},
        2: {"model": "rf", "depth": 2, "lr": 0.5},  # same as 1 on the depth branch
        4: {"model": "gb", "depth": 3, "lr": 0.1},
    }
    assert _in_clashes(space, on_branches, branches, []) == {1, 2}
    assert _in_clashes(space, on_branches, branches, [], above=1) == {2}


def test_a_random_point_away_from_the_claims_assigns_the_whole_union() -> None:
    """The last resort of workers in lockstep: a full assignment of the union, every value
    admissible, clashing with no claim -- here the claims hold two of the three depths of the
    ``rf`` branch."""
    union, space, branches = _two_branches(max_depth=3)
    observed = [{"model": "rf", "depth": 2}, {"model": "gb", "lr": 0.1}]
    claims = [{"model": "rf", "depth": d, "lr": 0.5} for d in (1, 2)]
    for seed in range(20):
        params = _unclaimed_point(
            union, space, claims, branches, observed, np.random.default_rng(seed)
        )
        assert params.keys() == union.keys()
        assert all(admissible(union[n], v) for n, v in params.items())
        assert not any(_clashes(space, params, c, branches, observed) for c in claims)


# -- 5. integer ranges with 2**63 values or more --------------------------------------------------


@pytest.mark.parametrize("high", [2**63, 2**64, 2**70, 10**30])
def test_integer_ranges_beyond_int64_complete_every_trial(high: int) -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=3))
    study.optimize(lambda t: float(t.suggest_int("k", -high, high)) / high, n_trials=8)
    assert all(s == TrialState.COMPLETE for s in (t.state for t in study.trials))
    assert n_modelled(study) == 5
    assert all(type(t.params["k"]) is int and -high <= t.params["k"] <= high for t in study.trials)


def test_a_huge_integer_range_round_trips_exact_integers() -> None:
    dist = IntDistribution(0, 2**70)
    space = SearchSpace({"k": dist})
    for value in (0, 1, 2**53 + 1, 2**70 - 1, 2**70):
        decoded = space.decode(space.encode([{"k": value}])[0])["k"]
        assert type(decoded) is int and dist._contains(decoded)
        assert abs(decoded - value) <= 2**70 * 1e-15


# -- 6. a float range whose width overflows -------------------------------------------------------


@pytest.mark.parametrize(
    "dist",
    [
        FloatDistribution(-1e308, 1e308),
        FloatDistribution(-np.finfo(float).max, np.finfo(float).max),
        FloatDistribution(-1.7e308, 1.7e308, step=1e307),
    ],
)
def test_a_range_wider_than_the_largest_float_encodes_and_decodes(
    dist: FloatDistribution,
) -> None:
    space = SearchSpace({"x": dist})
    X = space.encode([{"x": dist.low}, {"x": 0.0}, {"x": dist.high}])
    assert np.all(np.isfinite(X)) and np.all((0 <= X) & (X <= 1))
    for x in (0.0, 0.25, 0.5, 1.0):
        value = space.decode(np.array([x]))["x"]
        assert math.isfinite(value) and dist.low <= value <= dist.high
    assert space.decode(space.snap(X[[1]])[0])["x"] == pytest.approx(0.0, abs=dist.step or 1e292)


def test_a_float_range_wider_than_the_largest_float_gives_finite_suggestions() -> None:
    """From the first model-based trial on, the suggestion was NaN."""
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("x", -1e308, 1e308) / 1e308) ** 2, n_trials=10)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert all(math.isfinite(t.params["x"]) for t in study.trials)
    assert n_modelled(study) == 5


def test_a_stepped_range_optuna_cannot_check_goes_to_the_independent_sampler() -> None:
    """Optuna's own check of a relative value of this distribution overflows (and would fail
    the trial), so the parameter is not modelled."""
    dist = FloatDistribution(-1.7e308, 1.7e308, step=1e307)
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, warn_independent_sampling=False))
    study.optimize(lambda t: t.suggest_float("x", dist.low, dist.high, step=dist.step), n_trials=8)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert relative_search_space(study.trials) == {}


# -- 7. a stored constraint beyond the float range ------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"), [("constraints:c", 10**400), ("constraints", [10**400])]
)
def test_a_stored_constraint_beyond_the_float_range_counts_as_infinite(
    key: str, value: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """``float(10**400)`` raised OverflowError: every later trial was random, and
    ``plot_surrogate`` raised."""

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        if trial.number == 2:
            trial.storage.set_trial_system_attr(trial._trial_id, key, value)
        elif key == "constraints":
            trial.storage.set_trial_system_attr(trial._trial_id, key, [x - 1])
        else:
            trial.set_constraint("c", x - 1)
        return x**2

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    with caplog.at_level(logging.WARNING, logger="optuna"):
        study.optimize(objective, n_trials=10)
    assert could_not_model(caplog) == []
    assert n_modelled(study) == 5
    assert list((read_constraints(study.trials[2]) or {}).values()) == [math.inf]
    plot_surrogate(study)


# -- 8. absurd priors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("prior_concentration", 1e308),
        ("prior_rate", 1e308),
        ("prior_concentration", 1001.0),
        ("prior_rate", 10**400),
        ("xi", 1e308),
        ("ucb_beta", 1e4),
    ],
)
def test_absurd_priors_are_rejected_with_the_valid_range(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=rf"{name} must be .*<= 1000"):
        GammaBOSampler(**{name: value})
    with pytest.raises(ValueError, match=name):
        SurrogateSettings(**{name: value})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prior_concentration": 1000.0, "prior_rate": 1000.0},
        {"prior_concentration": 1e-300, "prior_rate": 1e-300},
        {"prior_rate": 1000.0},
        {"xi": 1000.0},
        {"acquisition": "ucb", "ucb_beta": 1000.0},
    ],
)
def test_the_extreme_accepted_priors_keep_every_recorded_number_finite(
    kwargs: dict[str, Any],
) -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, **kwargs))
    study.optimize(lambda t: (t.suggest_float("x", -3, 3) - 1) ** 2, n_trials=12)
    assert n_modelled(study) == 7
    for t in study.trials[5:]:
        prediction = read_prediction(t.system_attrs)
        assert prediction is not None and all(math.isfinite(v) for v in prediction.values())


# -- 9. a categorical choice equal to the inactive sentinel ---------------------------------------


def test_a_choice_equal_to_the_inactive_sentinel_is_modelled_as_a_choice() -> None:
    union = {"x": FloatDistribution(0, 1), "c": CategoricalDistribution(["a", INACTIVE])}
    space = ConditionalSearchSpace(union, frozenset({"c"}))
    rows = [{"x": 0.5, "c": INACTIVE}, {"x": 0.5, "c": "a"}, {"x": 0.5}]
    X = space.encode(rows)
    assert len({tuple(r) for r in X}) == 3  # the choice, the other choice, inactive: distinct
    assert [space.decode(x) for x in X] == rows


def _sentinel_objective(name: str) -> Any:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        if x > 0:
            return x**2 + (0 if trial.suggest_categorical("c", ["a", name]) == name else 1)
        return x**2 + 0.5

    return objective


def test_a_choice_named_like_the_sentinel_is_searched_as_any_other() -> None:
    """The same study with the choice renamed makes the same decisions (best <= 0.05 in 2 of 4
    seeds with the sentinel's name, 4 of 4 with another)."""
    bests = []
    for name in (INACTIVE, "other"):
        study = optuna.create_study(sampler=GammaBOSampler(seed=1))
        study.optimize(_sentinel_objective(name), n_trials=25)
        bests.append([t.value for t in study.trials])
    assert bests[0] == bests[1]


def test_plot_n_points_is_bounded() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=3)
    with pytest.raises(ValueError, match=r"n_points=1000000 .* at most 300"):
        plot_surrogate(study, n_points=10**6)
    with pytest.raises(ValueError, match=r"n_points=10001 .* at most 10000"):
        plot_surrogate(study, params="x", n_points=10_001)


# -- 10. the plots draw the model the sampler used ------------------------------------------------


@pytest.mark.parametrize("pruned_trials", ["worst", "exclude"])
def test_the_plotted_median_at_a_suggestion_is_the_recorded_prediction(
    pruned_trials: str,
) -> None:
    """A 1-D study with pruned trials: the sampler recorded a predicted median of 0.961 at its
    suggestion, the plot drew 0.319 at the same x (it never applied ``pruned_trials``)."""

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -3, 3)
        if trial.number in (6, 9):
            raise optuna.TrialPruned()
        return (x - 1) ** 2

    sampler = GammaBOSampler(seed=0, pruned_trials=pruned_trials)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=14)
    checked = 0
    for trial in study.trials[10:]:
        recorded = read_prediction(trial.system_attrs)
        assert recorded is not None
        drawn = _compute_slice(study, "x", trial.number, None, None, None)
        assert drawn.suggestion_median == pytest.approx(recorded["median"], rel=1e-9)
        checked += 1
    assert checked == 4


def test_the_sampler_and_the_plots_read_trials_by_one_path() -> None:
    """Pruned trials and values the model cannot encode are treated alike by both."""
    study = optuna.create_study()
    dist = FloatDistribution(0, 1)
    for value, state in [(0.1, TrialState.COMPLETE), (0.2, TrialState.PRUNED)]:
        study.add_trial(
            optuna.trial.create_trial(
                params={"x": value},
                distributions={"x": dist},
                value=value if state == TrialState.COMPLETE else None,
                state=state,
            )
        )
    inputs = model_inputs(study.trials, relative_search_space(study.trials))
    assert [t.number for t in inputs.completed] == [0]
    assert [t.number for t in inputs.pruned] == [1]
    assert inputs.branches == {frozenset()}  # no conditional parameter: one branch


def test_claims_are_not_compared_on_a_branch_neither_can_take() -> None:
    """Once the trials show that ``model`` decides the branches, two claims that both chose
    ``rf`` never take the ``gb`` branch, so agreeing there is no clash (it cost up to eight
    model fits in the re-check rounds)."""
    union, space, branches = _two_branches(max_depth=4)
    observed = [{"model": "rf", "depth": 1 + i % 4} for i in range(5)]
    observed += [{"model": "gb", "lr": 0.01 * (i + 1)} for i in range(5)]
    a = {"model": "rf", "depth": 2, "lr": 0.01}
    b = {"model": "rf", "depth": 3, "lr": 0.01}
    assert _clashes(space, a, b, branches)  # nothing observed: the lr branch may be taken
    assert not _clashes(space, a, b, branches, observed)
    assert _clashes(space, a, {**b, "depth": 2}, branches, observed)
