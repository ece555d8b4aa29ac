"""``n_jobs=2`` on a branched (define-by-run) space: no two trials evaluated at the same time
ask for the same parameters.

After writing its claim, a worker re-checks the other running trials' claims. A claim
assigns every parameter of the union space, but a trial asks only for its branch's; comparing
whole claims, a differing value of a parameter on the branch *not* taken hid a clash, and two
concurrent trials evaluated the same point (3 of about 10 free-running studies had such a pair).

Nothing here depends on how busy the machine is. Every round of the study is arranged:

1. the two threads meet after both trials of the previous round were told (a callback), so
   both read the same storage;
2. they meet again inside the sampler, after reading the storage and before either writes its
   first claim (``_RacingSampler``): the race the re-check exists for, every round;
3. they meet after evaluating and before telling (``rendezvous.synchronised``), so the two
   trials of a round overlap in time.

The space makes the hidden clash likely. The better branch is small and discrete (``x`` x
``ya``: 12 points), so two models fitted to the same trials pick the same point there. The
other branch has a categorical with 16 choices, most never evaluated; those score exactly
alike, and the optimiser keeps whichever its random start (keyed by trial number) had, so the
two claims almost always differ in it. The start-up round takes both branches (enqueued), so
every parameter a model-based trial asks for is the model's, none the independent sampler's:
two trials that take a branch no finished trial has taken get its parameters from the
independent sampler, which no claim covers (they coincide by chance).

On the code before the fix, 19 of 20 seeds had such a pair; the fixed sampler, none.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
import datetime
import itertools
import threading
from typing import Any

import optuna
from optuna.trial import FrozenTrial
from optuna.trial import TrialState
import pytest
import rendezvous

from optuna_gamma import GammaBOSampler
from optuna_gamma._storage import PREDICTION_KEY

optuna.logging.set_verbosity(optuna.logging.ERROR)

N_JOBS = 2
N_ROUNDS = 8
TIMEOUT = 120.0  # a barrier not met within this raises: a hang fails the test, with a message


class _RacingSampler(GammaBOSampler):
    """A GammaBOSampler whose threads both compute their first suggestion for a trial from the
    storage as it was before either wrote a claim (both read, then meet, then compute).

    Optuna reseeds the sampler of each ``n_jobs`` thread; here the seed is kept, so the study
    is reproducible (start-up points are keyed by trial number, model-based ones by the storage
    and trial number).
    """

    def __init__(self, barrier: threading.Barrier, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._race = barrier
        self._first = threading.local()
        self.errors: list[BaseException] = []

    def reseed_rng(self) -> None:
        pass

    def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
        self._first.pending = True
        return super().sample_relative(study, trial, search_space)

    def _suggest(self, *args: Any, **kwargs: Any) -> Any:
        if getattr(self._first, "pending", False):
            self._first.pending = False
            try:
                self._race.wait()
            except threading.BrokenBarrierError as error:  # sample_relative would swallow it
                self.errors.append(error)
                raise
        return super()._suggest(*args, **kwargs)


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_int("x", 0, 3)  # asked by both branches
    value: float
    if trial.suggest_categorical("branch", ["a", "b"]) == "a":
        ya = trial.suggest_int("ya", 0, 2)
        value = (x - 2) ** 2 + (ya - 1) ** 2
    else:
        zb = trial.suggest_categorical("zb", list(range(16)))
        value = 2.0 + (x - 2) ** 2 + (zb % 3) / 2
    trial.set_user_attr("params_fixed_at", datetime.datetime.now().isoformat())
    return float(value)


def _evaluation(t: FrozenTrial) -> tuple[datetime.datetime, datetime.datetime]:
    """From when the trial's parameters were fixed until its evaluation ended (recorded at
    full precision by the objective and by ``rendezvous.synchronised``)."""
    return (
        datetime.datetime.fromisoformat(t.user_attrs["params_fixed_at"]),
        datetime.datetime.fromisoformat(t.user_attrs["evaluated_until"]),
    )


def concurrent_duplicates(
    trials: Sequence[FrozenTrial],
) -> tuple[int, list[tuple[int, int, dict[str, Any]]]]:
    """The number of pairs of trials evaluated at the same time, and those of them that asked
    for identical parameters (``trial.params``: what each trial holds, its branch's, not the
    sampler's claim on the whole union) where at least one of the two is the model's (two
    start-up points are independent draws, which may coincide by chance)."""
    pairs = 0
    duplicates = []
    for a, b in itertools.combinations(trials, 2):
        (a0, a1), (b0, b1) = _evaluation(a), _evaluation(b)
        if not (a0 < b1 and b0 < a1):
            continue
        pairs += 1
        modelled = PREDICTION_KEY in a.system_attrs or PREDICTION_KEY in b.system_attrs
        if modelled and a.params == b.params:
            duplicates.append((a.number, b.number, a.params))
    return pairs, duplicates


def _meet(barrier: threading.Barrier) -> Callable[[optuna.Study, FrozenTrial], None]:
    def callback(study: optuna.Study, trial: FrozenTrial) -> None:
        barrier.wait()

    return callback


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_concurrent_trials_on_branches_never_share_parameters(seed: int) -> None:
    sampler = _RacingSampler(
        threading.Barrier(N_JOBS, timeout=TIMEOUT), seed=seed, n_startup_trials=2
    )
    study = optuna.create_study(sampler=sampler)
    for branch in ("a", "b"):  # the start-up round: one trial on each branch
        study.enqueue_trial({"branch": branch})
    objective = rendezvous.synchronised(
        _objective, rendezvous.thread_barrier(N_JOBS, timeout=TIMEOUT)
    )
    told = threading.Barrier(N_JOBS, timeout=TIMEOUT)
    study.optimize(
        objective, n_trials=N_JOBS * N_ROUNDS, n_jobs=N_JOBS, callbacks=[_meet(told)]
    )  # raises if any trial did

    assert not sampler.errors, sampler.errors
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * (N_JOBS * N_ROUNDS)
    modelled = [t for t in trials if PREDICTION_KEY in t.system_attrs]
    assert len(modelled) == N_JOBS * (N_ROUNDS - 1)  # every round after the start-up one
    pairs, duplicates = concurrent_duplicates(trials)
    assert pairs >= N_ROUNDS, f"only {pairs} overlapping pairs, {N_ROUNDS} arranged"
    assert not duplicates, f"trials evaluated at the same time asked for the same: {duplicates}"
