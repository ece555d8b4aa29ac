"""One worker of a distributed GammaBOSampler study; start as many as you like, anywhere.

Every worker runs this script against the same storage and study name. Workers share nothing but
the storage: the sampler reads completed trials, and the intended parameters of running trials,
from it. Run, for example, four workers on PostgreSQL::

    optuna create-study --storage postgresql+psycopg2://user:pw@db-host/optuna \\
        --study-name demo --direction minimize --skip-if-exists
    for i in 1 2 3 4; do
        python examples/distributed.py --storage postgresql+psycopg2://user:pw@db-host/optuna \\
            --study-name demo --n-trials 40 --seed 0 &
    done; wait

``--storage`` is a SQLAlchemy URL (``postgresql+psycopg2://...``, ``mysql+pymysql://...``,
``sqlite:///...``) or, without ``://``, the path of a journal file shared by workers on one
machine (or on a file system with working locks). With a URL, each running trial sends a heartbeat
every ``--heartbeat-interval`` seconds; a trial whose worker died (no heartbeat for
``--grace-period`` seconds) is marked FAIL by the next worker that starts a trial, and a copy of
it, with the same parameters, is queued and run again (at most ``--max-retry`` times).

``--n-trials`` is the study's target: a worker stops once the study holds that many COMPLETE
trials and no queued (WAITING) retry. Workers that finish at the same moment may overshoot the
target by at most one trial each.

The objective is a toy with a stepped float, an integer and a categorical parameter (504 distinct
points, so duplicate suggestions are possible and visible), padded with ``--sleep`` seconds to
stand in for an expensive evaluation.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
import datetime
import os
import time
from typing import Any

import optuna
from optuna.storages import BaseStorage
from optuna.storages import RDBStorage
from optuna.storages.journal import JournalFileBackend
from optuna.storages.journal import JournalStorage
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from optuna_gamma import GammaBOSampler

ObjectiveFunc = Callable[[optuna.Trial], float]

ACTIVATION_PENALTY = {"relu": 0.0, "tanh": 0.3, "gelu": 0.1}


def toy_value(x: float, n_layers: int, activation: str) -> float:
    """The toy objective: minimum 0 at ``x = 1``, ``n_layers = 3``, ``activation = "relu"``."""
    return (x - 1.0) ** 2 + 0.5 * (n_layers - 3) ** 2 + ACTIVATION_PENALTY[activation]


def suggest_params(trial: optuna.Trial) -> dict[str, Any]:
    """The search space: 21 values of ``x`` x 8 of ``n_layers`` x 3 activations."""
    return {
        "x": trial.suggest_float("x", -5.0, 5.0, step=0.5),
        "n_layers": trial.suggest_int("n_layers", 1, 8),
        "activation": trial.suggest_categorical("activation", list(ACTIVATION_PENALTY)),
    }


def make_objective(sleep: float) -> ObjectiveFunc:
    """The toy objective as an Optuna objective that sleeps ``sleep`` seconds per trial."""

    def objective(trial: optuna.Trial) -> float:
        params = suggest_params(trial)
        # Who evaluated the trial, and from when: the tests use these to find overlapping
        # evaluations (the parameters are fixed from this moment until the trial finishes).
        trial.set_user_attr("worker_pid", os.getpid())
        trial.set_user_attr("params_fixed_at", datetime.datetime.now().isoformat())
        time.sleep(sleep)
        return toy_value(**params)

    return objective


def retry_callback(max_retry: int) -> Any:
    """Optuna's callback that re-queues a trial whose worker died (renamed in Optuna 4.9)."""
    cls = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None)
    if cls is None:  # Optuna < 4.9
        cls = optuna.storages.RetryFailedTrialCallback
    return cls(max_retry=max_retry)


def make_storage(
    storage: str, heartbeat_interval: int, grace_period: int, max_retry: int
) -> BaseStorage:
    """An RDB storage with heartbeats and retries for a URL, a journal storage for a path."""
    if "://" not in storage:
        return JournalStorage(JournalFileBackend(storage))
    kwargs: dict[str, Any] = {
        "heartbeat_interval": heartbeat_interval,
        "grace_period": grace_period,
        # Connections that the database closed while a long trial ran are replaced, not reused.
        "engine_kwargs": {"pool_pre_ping": True} if not storage.startswith("sqlite") else None,
    }
    callback = retry_callback(max_retry)
    if hasattr(optuna.storages, "RetryHeartbeatStaleTrialCallback"):
        kwargs["heartbeat_stale_trial_callback"] = callback
    else:  # Optuna < 4.9
        kwargs["failed_trial_callback"] = callback
    return RDBStorage(storage, **kwargs)


def study_done(study: optuna.Study, n_trials: int) -> bool:
    """True once the study has ``n_trials`` COMPLETE trials and no queued (WAITING) trial."""
    counts = Counter(t.state for t in study.get_trials(deepcopy=False))
    return counts[TrialState.COMPLETE] >= n_trials and counts[TrialState.WAITING] == 0


def main(
    argv: list[str] | None = None,
    *,
    wrap_objective: Callable[[ObjectiveFunc], ObjectiveFunc] | None = None,
) -> optuna.Study:
    """Runs one worker; ``wrap_objective`` (optional) wraps the objective, e.g. to log or to
    synchronise workers (the tests use it to make workers evaluate at the same time)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", required=True, help="SQLAlchemy URL or journal file path")
    parser.add_argument("--study-name", required=True)
    parser.add_argument("--n-trials", type=int, required=True, help="COMPLETE trials wanted")
    parser.add_argument("--seed", type=int, default=None, help="sampler seed (same on all: ok)")
    parser.add_argument("--sleep", type=float, default=0.1, help="seconds per evaluation")
    parser.add_argument("--heartbeat-interval", type=int, default=10, help="seconds (RDB only)")
    parser.add_argument("--grace-period", type=int, default=30, help="seconds (RDB only)")
    parser.add_argument("--max-retry", type=int, default=3, help="retries of a dead trial")
    args = parser.parse_args(argv)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = make_storage(
        args.storage, args.heartbeat_interval, args.grace_period, args.max_retry
    )
    study = optuna.create_study(
        study_name=args.study_name,
        storage=storage,
        direction="minimize",
        sampler=GammaBOSampler(seed=args.seed),
        load_if_exists=True,
    )

    def stop_when_done(study: optuna.Study, trial: FrozenTrial) -> None:
        if study_done(study, args.n_trials):
            study.stop()

    objective = make_objective(args.sleep)
    if wrap_objective is not None:
        objective = wrap_objective(objective)
    n_before = len(study.trials)
    if not study_done(study, args.n_trials):
        study.optimize(objective, callbacks=[stop_when_done])
    mine = [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.user_attrs.get("worker_pid") == os.getpid()
    ]
    print(
        f"worker {os.getpid()}: ran {len(mine)} trials; study has {len(study.trials)} trials "
        f"({len(study.trials) - n_before} new); best value {study.best_value:.4g} with "
        f"{study.best_params}"
    )
    return study


if __name__ == "__main__":
    main()
