"""Conditional (define-by-run, branched) search spaces: the union encoding and the sampler."""

from __future__ import annotations

import math
import pickle
from typing import Any

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.samplers import BaseSampler
from optuna.samplers import RandomSampler
from optuna.trial import TrialState
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma._search_space import union_search_space

UNION: dict[str, BaseDistribution] = {
    "model": CategoricalDistribution(["svc", "knn", "forest"]),
    "C": FloatDistribution(1e-3, 1e3, log=True),
    "kernel": CategoricalDistribution(["rbf", "linear"]),
    "k": IntDistribution(1, 50),
    "depth": IntDistribution(2, 32, log=True),
    "frac": FloatDistribution(0.1, 1.0, step=0.1),
    "shared": FloatDistribution(-1.0, 1.0),
}
BRANCHES = {"svc": ("C", "kernel"), "knn": ("k",), "forest": ("depth", "frac")}


def _value(name: str, draw: Any) -> Any:
    dist = UNION[name]
    if isinstance(dist, CategoricalDistribution):
        return draw(st.sampled_from(dist.choices))
    if isinstance(dist, IntDistribution):
        return draw(st.integers(int(dist.low), int(dist.high)))
    assert isinstance(dist, FloatDistribution)
    if dist.step is not None:
        n = int(round((dist.high - dist.low) / dist.step))
        return dist.low + dist.step * draw(st.integers(0, n))
    if dist.log:
        return math.exp(draw(st.floats(math.log(dist.low), math.log(dist.high))))
    return draw(st.floats(dist.low, dist.high))


@st.composite
def branch_params(draw: Any) -> dict[str, Any]:
    model = draw(st.sampled_from(list(BRANCHES)))
    params = {"model": model, "shared": _value("shared", draw)}
    for name in BRANCHES[model]:
        params[name] = _value(name, draw)
    return params


@settings(max_examples=150, deadline=None, derandomize=True)
@given(branch_params())
def test_union_encoding_round_trips(params: dict[str, Any]) -> None:
    conditional = frozenset(n for names in BRANCHES.values() for n in names)
    space = ConditionalSearchSpace(UNION, conditional)
    x = space.encode([params])[0]
    decoded = space.decode(x)
    assert decoded.keys() == params.keys()  # exactly the branch's parameters come back
    for name, value in params.items():
        if isinstance(value, float):
            assert decoded[name] == pytest.approx(value, rel=1e-9, abs=1e-12)
        else:
            assert decoded[name] == value and type(decoded[name]) is type(value)
    np.testing.assert_allclose(space.encode([decoded])[0], x, atol=1e-12)


def test_trials_that_lack_a_parameter_agree_on_it() -> None:
    conditional = frozenset({"k", "C"})
    space = ConditionalSearchSpace({n: UNION[n] for n in ("model", "C", "k")}, conditional)
    a, b, c = space.encode(
        [{"model": "svc", "C": 1.0}, {"model": "svc", "C": 1.0}, {"model": "knn", "k": 5}]
    )
    np.testing.assert_array_equal(a, b)
    differs = np.flatnonzero(a != c)
    names = space.names
    # The branches differ in the parent choice, in C's activity and in k's activity column.
    assert {names[j] for j in differs} >= {"model", "k\x00active", "C\x00active"}


def test_union_search_space_marks_conditional_and_drops_conflicting_parameters() -> None:
    def trial(params: dict[str, Any], dists: dict[str, BaseDistribution]) -> Any:
        return optuna.trial.create_trial(params=params, distributions=dists, value=0.0)

    x = FloatDistribution(0, 1)
    trials = [
        trial({"a": 0.5, "b": 0.1}, {"a": x, "b": x}),
        trial({"a": 0.5, "c": 0.1}, {"a": x, "c": x}),
        trial({"a": 0.5, "c": 3.0}, {"a": x, "c": FloatDistribution(0, 5)}),
    ]
    union, conditional = union_search_space(trials)
    assert list(union) == ["a", "b"]  # c changed its distribution: independent
    assert conditional == {"b"}


# -- the sampler --------------------------------------------------------------------------------


def _two_branches(optimum_in: str) -> Any:
    """Branch a: (x - 1)^2 + 0.5 (or + 0 when the optimum is there); branch b: 2-D quadratic
    with its minimum at (7, 3), + 0.5 unless the optimum is there."""

    def objective(trial: optuna.Trial) -> float:
        branch = trial.suggest_categorical("branch", ["a", "b"])
        if branch == "a":
            x = trial.suggest_float("xa", -3, 3)
            return (x - 1) ** 2 + (0.0 if optimum_in == "a" else 0.5)
        y = trial.suggest_float("yb", 0, 10)
        z = trial.suggest_int("zb", 0, 10)
        return (y - 7) ** 2 / 10 + (z - 3) ** 2 / 10 + (0.0 if optimum_in == "b" else 0.5)

    return objective


@pytest.mark.parametrize("optimum_in", ["a", "b"])
def test_two_branch_problem_is_solved_in_either_branch(optimum_in: str) -> None:
    for seed in range(3):
        study = optuna.create_study(sampler=GammaBOSampler(seed=seed))
        study.optimize(_two_branches(optimum_in), n_trials=35)
        assert study.best_value < 0.02, seed
        assert study.best_trial.params["branch"] == optimum_in


class _Recorder(BaseSampler):
    """Uniform random independent sampling that records what it was asked to sample."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []
        self._random = RandomSampler(seed=0)

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
        return {}

    def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
        return {}

    def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
        self.calls.append((trial.number, name))
        return self._random.sample_independent(study, trial, name, dist)


def test_no_modelled_parameter_is_sampled_independently_after_start_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = _Recorder()
    sampler = GammaBOSampler(seed=0, independent_sampler=recorder)
    study = optuna.create_study(sampler=sampler)
    objective = _two_branches("b")
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.logging.enable_propagation()
    try:
        with caplog.at_level("WARNING"):
            study.optimize(objective, n_trials=25)
    finally:
        optuna.logging.disable_propagation()
        optuna.logging.set_verbosity(verbosity)
    seen: set[str] = set()
    complete = 0
    for t in study.trials:
        independent = {name for n, name in recorder.calls if n == t.number}
        if complete >= 5:
            # After start-up only a parameter no COMPLETE trial had yet goes to the independent
            # sampler (Optuna's convention), with Optuna's warning; none of the modelled ones.
            assert independent <= set(t.params) - seen
        seen |= set(t.params)
        complete += t.state == TrialState.COMPLETE
    late = [n for n, _ in recorder.calls if n >= 10]
    assert late == []  # both branches seen by then: everything is modelled
    assert "sampled independently" not in caplog.text.split("trial#10")[-1]
    assert all("gammabo_acq" in t.user_attrs for t in study.trials[5:])


def test_every_union_parameter_gets_a_value_and_the_taken_branch_uses_them() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=1))
    study.optimize(_two_branches("a"), n_trials=12)
    dists = {
        "branch": CategoricalDistribution(["a", "b"]),
        "xa": FloatDistribution(-3, 3),
        "yb": FloatDistribution(0, 10),
        "zb": IntDistribution(0, 10),
    }
    trial = study.ask()
    assert set(trial.relative_params) == set(dists)  # a full assignment of the union
    chosen = trial.suggest_categorical("branch", ["a", "b"])
    name = "xa" if chosen == "a" else "yb"
    value = trial.suggest_float(name, *((-3, 3) if chosen == "a" else (0, 10)))
    assert value == trial.relative_params[name]


def test_conditional_studies_with_running_trials_n_jobs_and_pickling() -> None:
    sampler = pickle.loads(pickle.dumps(GammaBOSampler(seed=0)))
    for seed in range(4):  # deterministic histories, several of them
        study = optuna.create_study(sampler=GammaBOSampler(seed=seed))
        study.optimize(_two_branches("b"), n_trials=12 + 2 * seed)
        first, second = study.ask(), study.ask()
        # Running trials: the second trial does not evaluate the first one's point -- on the
        # branch it takes, its parameters differ (a claim is avoided on every branch).
        a, b = first.relative_params, second.relative_params
        if a["branch"] == b["branch"]:
            names = ("xa",) if a["branch"] == "a" else ("yb", "zb")
            assert [a[n] for n in names] != [b[n] for n in names], seed
    study = optuna.create_study(sampler=sampler)
    study.optimize(_two_branches("b"), n_trials=20, n_jobs=2)
    assert len([t for t in study.trials if t.state == TrialState.COMPLETE]) == 20


def test_snapping_never_moves_an_inactive_coordinate() -> None:
    union = {
        "n": IntDistribution(1, 2),
        "w1": IntDistribution(1, 64, log=True),
        "w2": IntDistribution(1, 64, log=True),
        "s": FloatDistribution(0.0, 0.9, step=0.3),
    }
    space = ConditionalSearchSpace(union, frozenset({"w2", "s"}))
    X = space.encode([{"n": 1, "w1": 8}, {"n": 2, "w1": 8, "w2": 4, "s": 0.6}])
    np.testing.assert_array_equal(space.snap(X), X)


def test_a_repeated_point_on_a_branch_is_replaced_by_exploration() -> None:
    """On integer branches the acquisition can peak at an evaluated point; the sampler must
    notice the repeat (as without branches) instead of evaluating it again and again."""

    def objective(trial: optuna.Trial) -> float:
        n = trial.suggest_int("n_layers", 1, 3)
        widths = [trial.suggest_int(f"width_{i}", 1, 64, log=True) for i in range(n)]
        return 0.3 * (n - 2) ** 2 + sum(
            (math.log2(w) - t) ** 2 / 4 for w, t in zip(widths, (5, 4, 3))
        )

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=40)
    points = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(points)) == len(points)
    assert study.best_value < 0.3
