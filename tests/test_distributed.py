"""Parallel and distributed optimisation: worker processes on PostgreSQL, MariaDB and a journal
file, a worker killed mid-trial, ``n_jobs`` threads, and the read-compute-write race.

The workers are ``examples/distributed.py`` itself, started with ``sys.executable``, all with the
same seed. Its objective has 504 distinct points (stepped float, int, categorical), so a failure
of the running-trial mechanism shows up as duplicates. That workers evaluate at the same time is
arranged, not hoped for: they meet at a rendezvous (``tests/rendezvous.py``) after each
evaluation, so every round of trials overlaps however busy the machine is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
import csv
import datetime
import itertools
import math
from pathlib import Path
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import optuna
from optuna.storages import BaseStorage
from optuna.storages import RDBStorage
from optuna.storages.journal import JournalFileBackend
from optuna.storages.journal import JournalStorage
from optuna.trial import FrozenTrial
from optuna.trial import TrialState
import pytest
import rendezvous

from optuna_gamma import GammaBOSampler
from optuna_gamma._sampler import _MODEL_CLAIM_ROUNDS
from optuna_gamma._storage import PREDICTION_KEY
from optuna_gamma._storage import intended_params

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "examples" / "distributed.py"
SYNCHRONISED_WORKER = Path(rendezvous.__file__)
SEED = 0
WORKER_TIMEOUT = 600.0  # a generous ceiling for a busy machine; a hang still ends the test

example = rendezvous.load_example()


# -- helpers ---------------------------------------------------------------------------------


def start_worker(
    storage: str,
    study_name: str,
    n_trials: int,
    *,
    sleep: float,
    extra: Sequence[str] = (),
    meet: tuple[Path, int] | None = None,
) -> subprocess.Popen[str]:
    """Starts ``examples/distributed.py`` in a new process (same seed for every worker).

    ``meet=(directory, parties)``: the worker meets the other ``parties - 1`` at a rendezvous
    in ``directory`` after each evaluation (``tests/rendezvous.py``).
    """
    script = [str(WORKER)]
    if meet is not None:
        script = [
            str(SYNCHRONISED_WORKER),
            "--rendezvous",
            str(meet[0]),
            "--parties",
            str(meet[1]),
        ]
    cmd = [
        sys.executable,
        *script,
        "--storage",
        storage,
        "--study-name",
        study_name,
        "--n-trials",
        str(n_trials),
        "--seed",
        str(SEED),
        "--sleep",
        str(sleep),
        *extra,
    ]
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_ok(workers: Sequence[subprocess.Popen[str]]) -> list[str]:
    """Waits for the workers; asserts that each exited 0 without a traceback; their stdouts."""
    outs = []
    for proc in workers:
        try:
            out, err = proc.communicate(timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"worker {proc.pid} timed out; stderr:\n{err}")
        assert proc.returncode == 0, f"worker {proc.pid} exited {proc.returncode}:\n{err}"
        assert "Traceback" not in err, err
        outs.append(out)
    return outs


def _evaluation(t: FrozenTrial) -> tuple[datetime.datetime, datetime.datetime]:
    """From when the trial's parameters were fixed until it finished (or now).

    The objective's own timestamps come first (``params_fixed_at``, ``evaluated_until``): the
    storage's ``datetime_start`` / ``datetime_complete`` are whole seconds on MySQL/MariaDB.
    """
    fixed = t.user_attrs.get("params_fixed_at")
    until = t.user_attrs.get("evaluated_until")
    assert t.datetime_start is not None
    start = datetime.datetime.fromisoformat(fixed) if fixed else t.datetime_start
    if until:
        return start, datetime.datetime.fromisoformat(until)
    return start, t.datetime_complete or datetime.datetime.now()


def overlapping_pairs(trials: Sequence[FrozenTrial]) -> list[tuple[FrozenTrial, FrozenTrial]]:
    """Pairs of trials that were evaluated at the same time.

    A trial's evaluation runs from the moment its parameters were fixed (recorded by the
    example's objective, after the sampler has answered) until ``datetime_complete``.  Measuring
    from ``datetime_start`` instead would also count a trial whose parameters were chosen after
    the other had already finished, knowing its result: repeating a completed point is the
    sequential algorithm's business (it happens, rarely, when the optimum is found), not a
    concurrency failure.
    """
    started = [t for t in trials if t.datetime_start is not None]
    pairs = []
    for a, b in itertools.combinations(started, 2):
        (a0, a1), (b0, b1) = _evaluation(a), _evaluation(b)
        if a0 < b1 and b0 < a1:
            pairs.append((a, b))
    return pairs


def assert_no_concurrent_duplicates(
    trials: Sequence[FrozenTrial], min_pairs: int, *, startup_pairs: bool = True
) -> None:
    """No two trials evaluated at the same time have the same parameters.

    ``startup_pairs=False`` leaves out pairs of two start-up trials: those are independent
    uniform draws (keyed by trial number when the seed is fixed, random after Optuna reseeds the
    sampler of each ``n_jobs`` thread), which coincide by chance with probability ``1 / 504``.
    """
    pairs = overlapping_pairs(trials)
    # The rendezvous guarantees ``min_pairs``: fewer means the overlap measure itself is wrong.
    assert len(pairs) >= min_pairs, f"only {len(pairs)} overlapping pairs, {min_pairs} arranged"
    duplicates = [
        (a.number, b.number, a.params, _evaluation(a), _evaluation(b))
        for a, b in pairs
        if a.params
        and a.params == b.params
        and (startup_pairs or PREDICTION_KEY in a.system_attrs or PREDICTION_KEY in b.system_attrs)
    ]
    assert not duplicates, f"trials running at the same time got the same parameters: {duplicates}"


def assert_persisted(trials: Sequence[FrozenTrial], n_trials: int, n_workers: int) -> None:
    """All requested trials COMPLETE, with their parameters and the right value; nothing else."""
    states = Counter(t.state for t in trials)
    assert n_trials <= states[TrialState.COMPLETE] <= n_trials + n_workers - 1, states
    assert set(states) == {TrialState.COMPLETE}, states
    for t in trials:
        assert set(t.params) == {"x", "n_layers", "activation"}
        assert t.value == pytest.approx(example.toy_value(**t.params))
        if PREDICTION_KEY in t.system_attrs:  # a model-based trial: its claim was what it ran
            assert intended_params(t) == t.params


def expected_startup_params(n: int) -> list[dict[str, Any]]:
    """Start-up parameters of trials 0..n-1 for ``SEED``: keyed by trial number, not by worker."""
    study = optuna.create_study(sampler=GammaBOSampler(seed=SEED))
    out = []
    for _ in range(n):
        trial = study.ask()
        out.append(example.suggest_params(trial))
        study.tell(trial, state=TrialState.FAIL)  # never COMPLETE: the model never starts
    return out


def assert_startup_keyed_by_trial_number(trials: Sequence[FrozenTrial]) -> None:
    startup = [t for t in trials if PREDICTION_KEY not in t.system_attrs]
    assert len(startup) >= 5
    expected = expected_startup_params(max(t.number for t in startup) + 1)
    for t in startup:
        assert t.params == expected[t.number], t.number
    # Same seed in every worker, yet the start-up points differ from one another.
    points = [tuple(sorted(t.params.items())) for t in startup]
    assert len(set(points)) == len(points)


def storage_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "journal":
        return str(tmp_path / "journal.log")
    return str(request.getfixturevalue(f"{backend}_url"))


def open_storage(storage: str, **kwargs: Any) -> BaseStorage:
    if "://" not in storage:
        return JournalStorage(JournalFileBackend(storage))
    return RDBStorage(storage, **kwargs)


# -- worker processes ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql", "mysql", "journal"])
def test_four_worker_processes(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    n_workers, n_trials = 4, 24
    url = storage_for(backend, request, tmp_path)
    # Create the tables and the study once, as `optuna create-study` would: four processes
    # creating tables in an empty database at the same moment can collide.
    storage = open_storage(url)
    optuna.create_study(study_name="dist", storage=storage, direction="minimize")

    meet = (tmp_path / "rendezvous", n_workers)
    meet[0].mkdir()
    workers = [start_worker(url, "dist", n_trials, sleep=0.1, meet=meet) for _ in range(n_workers)]
    outs = wait_ok(workers)

    trials = optuna.load_study(study_name="dist", storage=storage).trials
    assert_persisted(trials, n_trials, n_workers)
    assert len({t.user_attrs["worker_pid"] for t in trials}) >= 2, outs
    assert sum(PREDICTION_KEY in t.system_attrs for t in trials) >= n_trials // 2
    # Lockstep rounds of n_workers trials until n_trials are COMPLETE: every pair in a round
    # is evaluated concurrently.
    rounds = n_trials // n_workers
    assert_no_concurrent_duplicates(trials, min_pairs=rounds * math.comb(n_workers, 2))
    assert_startup_keyed_by_trial_number(trials)
    if isinstance(storage, RDBStorage):
        storage.engine.dispose()


@pytest.mark.slow
def test_killed_worker_trial_is_failed_and_retried(postgresql_url: str, tmp_path: Path) -> None:
    n_trials = 36
    heartbeat = ["--heartbeat-interval", "1", "--grace-period", "2", "--max-retry", "2"]
    storage = example.make_storage(postgresql_url, 1, 2, 2)
    study = optuna.create_study(study_name="fault", storage=storage, direction="minimize")

    victim = start_worker(postgresql_url, "fault", n_trials, sleep=600.0, extra=heartbeat)
    killed = _poll(lambda: _running_trial_of(study, victim.pid), what="the victim's trial")
    meet = (tmp_path / "rendezvous", 3)
    meet[0].mkdir()
    others = [
        start_worker(postgresql_url, "fault", n_trials, sleep=0.1, extra=heartbeat, meet=meet)
        for _ in range(meet[1])
    ]
    _poll(
        lambda: len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))) >= 1,
        what="a first COMPLETE trial of the other workers",
    )
    victim.send_signal(signal.SIGKILL)  # in the middle of its 600-second trial
    victim.communicate(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    wait_ok(others)

    trials = study.trials
    states = Counter(t.state for t in trials)
    assert states[TrialState.FAIL] == 1 and states[TrialState.COMPLETE] >= n_trials, states
    assert set(states) == {TrialState.FAIL, TrialState.COMPLETE}, states
    assert trials[killed.number].state == TrialState.FAIL
    retries = [t for t in trials if t.system_attrs.get("failed_trial") == killed.number]
    assert len(retries) == 1, "the killed trial was not re-queued exactly once"
    assert retries[0].state == TrialState.COMPLETE
    assert retries[0].params == killed.params
    assert retries[0].user_attrs["worker_pid"] != victim.pid
    assert_no_concurrent_duplicates(trials, min_pairs=(n_trials // 3) * math.comb(3, 2))
    storage.engine.dispose()


def _running_trial_of(study: optuna.Study, pid: int) -> FrozenTrial | None:
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if t.user_attrs.get("worker_pid") == pid:
            return t
    return None


def _poll(condition: Any, what: str, timeout: float = 300.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


# -- threads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["inmemory", "postgresql"])
def test_n_jobs_threads(backend: str, request: pytest.FixtureRequest) -> None:
    n_trials, n_jobs = 24, 4
    storage: BaseStorage | None = None
    if backend != "inmemory":
        storage = RDBStorage(request.getfixturevalue(f"{backend}_url"))
    study = optuna.create_study(
        storage=storage, sampler=GammaBOSampler(seed=SEED), direction="minimize"
    )
    # The threads meet at a barrier after each evaluation: rounds of 4 concurrent trials.
    objective = rendezvous.synchronised(
        example.make_objective(0.05), rendezvous.thread_barrier(n_jobs)
    )
    study.optimize(objective, n_trials=n_trials, n_jobs=n_jobs)  # raises if any trial did

    trials = study.trials
    assert_persisted(trials, n_trials, n_workers=1)
    assert sum(PREDICTION_KEY in t.system_attrs for t in trials) >= n_trials // 2
    # Optuna reseeds the sampler in every thread: start-up points are random, not keyed by seed.
    assert_no_concurrent_duplicates(
        trials, min_pairs=(n_trials // n_jobs) * math.comb(n_jobs, 2), startup_pairs=False
    )
    if isinstance(storage, RDBStorage):
        storage.engine.dispose()


# -- Dask --------------------------------------------------------------------------------------


# Dask pickles every task, even for workers in this process; the barrier cannot be pickled, so
# the task finds it here (the workers share this module).
_DASK_ROUND: dict[str, Any] = {}


def _dask_optimize(study: optuna.Study, n_trials: int) -> None:
    """One Dask worker's part: ``n_trials`` trials of the example's objective, meeting the
    other workers after each evaluation."""
    objective = rendezvous.synchronised(example.make_objective(0.05), _DASK_ROUND["wait"])
    study.optimize(objective, n_trials=n_trials)


def test_dask_workers_share_a_study() -> None:
    """Eight Dask workers (a ``distributed.LocalCluster``) optimise one study held by
    ``optuna_integration.DaskStorage``: rounds of eight concurrent trials, none lost, none
    failed, and no two trials evaluated at the same time with the same parameters."""
    distributed = pytest.importorskip("distributed")
    optuna_integration = pytest.importorskip("optuna_integration")
    n_workers, per_worker = 8, 4
    # Workers in this process (threads), so that they can meet at one thread barrier after
    # each evaluation: every round of eight trials overlaps however busy the machine is.
    with (
        distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        storage = optuna_integration.DaskStorage(client=client)
        study = optuna.create_study(
            storage=storage, sampler=GammaBOSampler(seed=SEED), direction="minimize"
        )
        _DASK_ROUND["wait"] = rendezvous.thread_barrier(n_workers)
        futures = [
            client.submit(_dask_optimize, study, per_worker, pure=False) for _ in range(n_workers)
        ]
        distributed.wait(futures)
        for future in futures:
            future.result()  # re-raises a worker's error
        trials = study.get_trials()
    n_trials = n_workers * per_worker
    assert len(trials) == n_trials
    assert_persisted(trials, n_trials, n_workers=1)
    assert sum(PREDICTION_KEY in t.system_attrs for t in trials) >= n_trials // 2
    assert_no_concurrent_duplicates(
        trials, min_pairs=per_worker * math.comb(n_workers, 2), startup_pairs=False
    )


# -- the sampler's decisions come from the storage ---------------------------------------------


def _study_with_history(storage: BaseStorage | None = None) -> optuna.Study:
    study = optuna.create_study(storage=storage, sampler=GammaBOSampler(seed=SEED))
    for _ in range(8):
        trial = study.ask()
        study.tell(trial, example.toy_value(**example.suggest_params(trial)))
    return study


def test_restarted_worker_makes_the_same_decision_from_the_storage(tmp_path: Path) -> None:
    storage = JournalStorage(JournalFileBackend(str(tmp_path / "journal.log")))
    study = _study_with_history(storage)
    running = study.ask()
    running_params = example.suggest_params(running)  # claimed in the storage, still RUNNING
    trial_id = study.ask()._trial_id

    suggestions = []
    for _ in range(2):  # two fresh processes' worth of sampler: no in-memory state
        sampler = GammaBOSampler(seed=SEED)
        loaded = optuna.load_study(study_name=study.study_name, storage=storage, sampler=sampler)
        frozen = storage.get_trial(trial_id)
        space = sampler.infer_relative_search_space(loaded, frozen)
        suggestions.append(sampler.sample_relative(loaded, frozen, space))
    assert suggestions[0] == suggestions[1]
    assert suggestions[0] != running_params


def test_concurrent_suggestions_that_read_the_same_storage_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two workers read the storage before either has written its claim (the race).

    Both see the same completed and running trials, so a sampler that only reads claims before
    computing gives both the same point. Needs: write the claim, read the other claims, and
    re-suggest on a clash.
    """
    study = _study_with_history()
    barrier = threading.Barrier(2, timeout=60)
    seen: set[int] = set()
    lock = threading.Lock()
    original = GammaBOSampler._suggest

    def suggest_after_both_read(self: GammaBOSampler, *args: Any) -> Any:
        with lock:
            first = threading.get_ident() not in seen
            seen.add(threading.get_ident())
        if first:
            barrier.wait()  # both threads have read the storage; neither has written yet
        return original(self, *args)

    monkeypatch.setattr(GammaBOSampler, "_suggest", suggest_after_both_read)
    trials = [study.ask(), study.ask()]
    results: dict[int, dict[str, Any]] = {}
    errors: list[BaseException] = []

    def run(trial: optuna.Trial) -> None:
        try:
            results[trial.number] = example.suggest_params(trial)
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,)) for t in trials]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    a, b = (results[t.number] for t in trials)
    assert a != b, f"two concurrent trials got the same parameters {a}"


def test_workers_still_in_lockstep_move_to_a_point_no_running_trial_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A model that keeps proposing the point a running trial claimed (workers that keep reading
    each other's claims at the wrong moment) gives way after its rounds to a random point that no
    running trial holds, claimed and recorded like any other; the duplicate CI once caught in
    the Dask test came from running out of rounds."""
    study = _study_with_history()
    other = study.ask()
    held = example.suggest_params(other)
    original = GammaBOSampler._suggest
    calls = []

    def stuck(self: GammaBOSampler, *args: Any) -> Any:
        _, prediction, fitted = original(self, *args)
        calls.append(1)
        return dict(held), prediction, fitted

    monkeypatch.setattr(GammaBOSampler, "_suggest", stuck)
    trial = study.ask()
    params = example.suggest_params(trial)
    assert params != held
    assert len(calls) == _MODEL_CLAIM_ROUNDS  # no fantasies: the running trial is older
    frozen = study._storage.get_trial(trial._trial_id)
    assert intended_params(frozen) == params
    assert PREDICTION_KEY in frozen.system_attrs


# -- the benchmark script --------------------------------------------------------------------


@pytest.mark.slow
def test_parallel_benchmark_smoke_run(tmp_path: Path) -> None:
    from benchmarks import _frame

    argv = [
        "--samplers=gamma-w1,gamma-w2,tpe-w1",
        "--seeds=0",
        "--n-trials=7",
        "--sleep=0.01",
        f"--out={tmp_path}",
    ]
    assert _frame.main("parallel", argv) == 0
    for name in ("parallel_summary.csv", "parallel.md", "parallel.png"):
        assert (tmp_path / name).stat().st_size > 0
    with (tmp_path / "parallel_summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["sampler"], r["workers"]) for r in rows} == {
        ("gamma", "1"),
        ("gamma", "2"),
        ("tpe", "1"),
    }
    table = (tmp_path / "parallel.md").read_text()
    assert "| GammaBOSampler | 2 |" in table and "| TPESampler(constant_liar) | 1 |" in table
