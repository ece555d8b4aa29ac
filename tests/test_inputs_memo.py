"""The sampler's memo of what it read of each finished trial (:class:`InputsMemo`): the same
inputs as reading every trial again, whatever the storage hands out."""

from __future__ import annotations

import math
import pickle
import weakref

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.trial import TrialState
from optuna.trial import create_trial
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma._inputs import InputsMemo
from optuna_gamma._inputs import model_inputs
from optuna_gamma._inputs import relative_search_space

X = FloatDistribution(-5.0, 5.0)
Y = FloatDistribution(1e-3, 10.0, log=True)
K = IntDistribution(1, 20)
FAMILY = CategoricalDistribution(("a", "b", "c"))


def _branched(i: int, state: TrialState = TrialState.COMPLETE) -> optuna.trial.FrozenTrial:
    """Trial ``i`` of a branched space: ``family`` a holds ``y``, b holds ``k``, c neither;
    every seventh has a value the model cannot use (an infinite ``x``)."""
    family = "abc"[i % 3]
    params: dict[str, object] = {"family": family, "x": math.inf if i % 7 == 6 else i / 10.0}
    dists = {"family": FAMILY, "x": X}
    if family == "a":
        params["y"], dists["y"] = 0.01 * (i + 1), Y
    elif family == "b":
        params["k"], dists["k"] = 1 + i % 20, K
    # FrozenTrial, not create_trial, which refuses the infinite value a storage may hold.
    return optuna.trial.FrozenTrial(
        number=i,
        state=state,
        value=float(i) if state == TrialState.COMPLETE else None,
        datetime_start=None,
        datetime_complete=None,
        params=params,
        distributions=dists,
        user_attrs={},
        system_attrs={},
        intermediate_values={},
        trial_id=i,
    )


def _same(a: object, b: object) -> None:
    assert type(a.space) is type(b.space)  # type: ignore[attr-defined]
    assert a.space.names == b.space.names  # type: ignore[attr-defined]
    assert a.conditional == b.conditional  # type: ignore[attr-defined]
    assert [id(t) for t in a.completed] == [id(t) for t in b.completed]  # type: ignore
    assert [id(t) for t in a.pruned] == [id(t) for t in b.pruned]  # type: ignore[attr-defined]


def test_memo_gives_the_inputs_of_a_fresh_read_as_the_study_grows() -> None:
    memo = InputsMemo()
    trials: list[optuna.trial.FrozenTrial] = []
    for i in range(40):
        state = TrialState.PRUNED if i % 5 == 4 else TrialState.COMPLETE
        trials.append(_branched(i, state))
        space = relative_search_space(trials, memo)
        assert space == relative_search_space(trials)
        _same(model_inputs(trials, space, memo=memo), model_inputs(trials, space))
    # The memo did hold entries for the trials (it was used, not bypassed).
    assert len(memo.entries(dict(space))) == len(
        [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    )


def test_memo_follows_trials_that_are_not_an_extension_of_the_last_read() -> None:
    memo = InputsMemo()
    trials = [_branched(i) for i in range(12)]
    relative_search_space(trials, memo)
    # A trial finished late with a lower number lands in the middle; one with a conflicting
    # distribution of x appears; then trials are dropped.
    late = create_trial(params={"family": "b", "x": 0.5, "k": 3},
                        distributions={"family": FAMILY, "x": FloatDistribution(0, 1), "k": K},
                        value=0.0)  # fmt: skip
    for changed in ([*trials[:5], late, *trials[5:]], trials[:4], trials[6:], []):
        space = relative_search_space(changed, memo)
        assert space == relative_search_space(changed)
        _same(model_inputs(changed, space, memo=memo), model_inputs(changed, space))
    assert "x" not in relative_search_space([*trials, late], memo)  # two distributions of x


def test_memo_entries_follow_the_search_space() -> None:
    memo = InputsMemo()
    trials = [_branched(i) for i in range(10)]
    wide = relative_search_space(trials)
    narrow = {"x": X}
    # The same trials in two spaces: each read matches a fresh one (a trial lacking y is
    # encodable in the narrow space, not in the wide one).
    for space in (wide, narrow, wide):
        _same(model_inputs(trials, space, memo=memo), model_inputs(trials, space))


def test_an_entry_of_another_object_is_never_used() -> None:
    memo = InputsMemo()
    good, bad = _branched(0), _branched(6)  # bad: an infinite x, not encodable
    space = {"x": X, "family": FAMILY}
    entries = memo.entries(space)
    # Forge what a reused id would look like: bad's id, pointing at another object's verdict.
    entries[id(bad)] = (weakref.ref(good), (True, frozenset()))
    assert model_inputs([bad], space, memo=memo).completed == []
    assert entries[id(bad)][0]() is bad  # recomputed and replaced


def test_memo_stays_bounded_when_the_storage_builds_new_objects() -> None:
    memo = InputsMemo()
    trials = [_branched(i) for i in range(20)]
    space = relative_search_space(trials)
    for _ in range(30):
        copies = [_branched(t.number) for t in trials]
        _same(model_inputs(copies, space, memo=memo), model_inputs(copies, space))
    assert len(memo.entries(dict(space))) <= 2 * len(trials) + InputsMemo._PRUNE_SLACK


@pytest.mark.parametrize("deepcopy_reads", [False, True])
def test_sampler_with_memo_suggests_as_without(
    deepcopy_reads: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A study suggests the same points whether the sampler keeps its memo or starts each
    suggestion with an empty one (and whether the storage hands out the same objects)."""

    def objective(trial: optuna.Trial) -> float:
        family = trial.suggest_categorical("family", ["a", "b"])
        x = trial.suggest_float("x", -5.0, 5.0)
        if family == "a":
            return (x - 1.0) ** 2 + trial.suggest_float("y", 1e-3, 10.0, log=True)
        return (x + 2.0) ** 2 + trial.suggest_int("k", 1, 20) / 10.0

    def run(fresh_memo: bool) -> list[dict[str, object]]:
        sampler = GammaBOSampler(seed=3, n_startup_trials=4)
        study = optuna.create_study(sampler=sampler)
        if deepcopy_reads:
            get_trials = study.get_trials
            monkeypatch.setattr(study, "get_trials", lambda deepcopy=True, states=None:
                                get_trials(deepcopy=True, states=states))  # fmt: skip
        for _ in range(16):
            if fresh_memo:
                sampler._inputs_memo = InputsMemo()
            study.optimize(objective, n_trials=1)
        return [t.params for t in study.trials]

    assert run(fresh_memo=False) == run(fresh_memo=True)


def test_a_pickled_sampler_starts_with_an_empty_memo() -> None:
    sampler = GammaBOSampler(seed=0, n_startup_trials=2)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0) ** 2, n_trials=4)
    space = {"x": FloatDistribution(0.0, 1.0)}
    assert len(sampler._inputs_memo.entries(space)) == 3  # what the last suggestion read
    copy = pickle.loads(pickle.dumps(sampler))
    assert copy._inputs_memo.entries(space) == {}
    assert copy._inputs_memo.union([]) == {}
    study.sampler = copy
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0) ** 2, n_trials=2)
    assert len(study.trials) == 6
