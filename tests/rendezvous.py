"""Workers that evaluate at the same time by construction, not by luck.

The distributed tests check that trials evaluated *at the same time* never share parameters. On
a busy machine, free-running workers may hardly overlap at all (one runs its trial while the
others are still computing suggestions), and a check that hopes for overlap fails there. A
rendezvous makes overlap a precondition: each worker, after its objective has run and before
the trial is told, waits until every other worker has reached the same round (or has exited).
So in every round all workers hold a trial whose parameters are fixed and whose value is not yet
told, i.e. every pair of those trials is evaluated concurrently.

Run as a script, this is ``examples/distributed.py`` with two more options: ``--rendezvous DIR``
(a directory shared by the workers, one marker file per worker and round) and ``--parties N``.
A worker that does not meet the others within ``--rendezvous-timeout`` seconds raises, which
fails its trial and the test, with a message that says so.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import datetime
import importlib.util
import os
from pathlib import Path
import sys
import threading
import time
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "distributed.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("distributed_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FileRendezvous:
    """A reusable barrier between processes on one machine, through marker files.

    Round ``r`` is passed once ``parties`` distinct workers have arrived at it or exited
    (workers leave when the study is done, and those still running must not wait for them).
    """

    def __init__(self, directory: Path, parties: int, timeout: float) -> None:
        self.directory = directory
        self.parties = parties
        self.timeout = timeout
        self.round = 0
        self.me = str(os.getpid())

    def _pids(self, prefix: str) -> set[str]:
        return {p.name.rsplit("-", 1)[1] for p in self.directory.glob(f"{prefix}-*")}

    def wait(self) -> None:
        (self.directory / f"round{self.round}-{self.me}").touch()
        deadline = time.monotonic() + self.timeout
        while len(self._pids(f"round{self.round}") | self._pids("exited")) < self.parties:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"rendezvous round {self.round}: only "
                    f"{sorted(self._pids(f'round{self.round}'))} of {self.parties} workers "
                    f"arrived within {self.timeout} s"
                )
            time.sleep(0.01)
        self.round += 1

    def leave(self) -> None:
        (self.directory / f"exited-{self.me}").touch()


ObjectiveFunc = Callable[[Any], float]


def synchronised(objective: ObjectiveFunc, wait: Callable[[], object]) -> ObjectiveFunc:
    """``objective``, followed by ``wait()`` before its value is returned (and told).

    The trial's user attr ``evaluated_until`` records, at full precision, when the wait ended:
    the storages' own ``datetime_complete`` is whole seconds on MySQL/MariaDB, too coarse to
    tell which trials overlapped.
    """

    def wrapped(trial: Any) -> float:
        value = objective(trial)
        wait()
        trial.set_user_attr("evaluated_until", datetime.datetime.now().isoformat())
        return value

    return wrapped


def thread_barrier(parties: int, timeout: float = 120.0) -> Callable[[], object]:
    """``wait`` for threads of one process (``n_jobs``): a :class:`threading.Barrier`."""
    barrier = threading.Barrier(parties, timeout=timeout)
    return barrier.wait


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rendezvous", type=Path, required=True)
    parser.add_argument("--parties", type=int, required=True)
    parser.add_argument("--rendezvous-timeout", type=float, default=120.0)
    args, rest = parser.parse_known_args(argv)
    rendezvous = FileRendezvous(args.rendezvous, args.parties, args.rendezvous_timeout)
    try:
        load_example().main(rest, wrap_objective=lambda f: synchronised(f, rendezvous.wait))
    finally:
        rendezvous.leave()


if __name__ == "__main__":
    main(sys.argv[1:])
