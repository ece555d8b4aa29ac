"""Seconds per suggestion against the number of completed trials, as a ratio to GPSampler.

Usage::

    python -m benchmarks.overhead                    # n = 25, 100, 300, 1000
    python -m benchmarks.overhead --max-n 100        # quick: n = 25, 100

For each n, every sampler gets a fresh study holding the same n completed random trials of a 5-D
problem (``study.add_trials``; Ackley-5 by default). One untimed suggestion warms the sampler up
(its time is reported as ``first_s``), then ``--repeats`` timed suggestions follow, each a full
``study.ask()`` plus ``trial.suggest_*`` for every parameter, told as FAIL so the history stays at
n completed trials. Before anything is timed, each sampler makes one suggestion on a throwaway
study, so lazy imports are not counted. Samplers take turns within each repeat, so machine-speed
drift hits all of them alike; the report gives the median and its ratio to GPSampler's median in
the same run. Everything runs in this process with one BLAS/OpenMP/torch thread.

Writes ``<out>/overhead/overhead.csv`` and ``overhead.md``.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path
import sys
import time
from typing import Any
import warnings

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState

from benchmarks import _env
from benchmarks.problems import Problem
from benchmarks.problems import get_problem
from benchmarks.samplers import make_sampler
from benchmarks.samplers import resolve_samplers

DEFAULT_OUT = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = "25,100,300,1000"
DEFAULT_SAMPLERS = "gamma-t,gamma-gauss,gp,tpe"
FIELDS = (
    "sampler",
    "n_trials",
    "repeats",
    "median_s",
    "q25_s",
    "q75_s",
    "first_s",
    "ratio_to_gp",
)


def random_history(problem: Problem, n: int, seed: int) -> list[optuna.trial.FrozenTrial]:
    """``n`` completed trials at uniform random points of a continuous static problem."""
    assert problem.distributions is not None
    rng = np.random.default_rng(seed)
    trials = []
    for _ in range(n):
        params: dict[str, Any] = {}
        for name, d in problem.distributions.items():
            assert isinstance(d, FloatDistribution)
            if d.log:
                params[name] = float(np.exp(rng.uniform(np.log(d.low), np.log(d.high))))
            else:
                params[name] = float(rng.uniform(d.low, d.high))
        trials.append(
            optuna.trial.create_trial(
                params=params,
                distributions=dict(problem.distributions),
                value=problem.evaluate(params),
            )
        )
    return trials


def time_one(study: optuna.Study, problem: Problem) -> float:
    """Seconds for one ask + suggest; the trial is told as FAIL."""
    t0 = time.perf_counter()
    trial = study.ask()
    problem.suggest(trial)
    elapsed = time.perf_counter() - t0
    study.tell(trial, state=TrialState.FAIL)
    return elapsed


def measure(
    problem: Problem, samplers: list[str], sizes: list[int], repeats: int, seed: int
) -> list[dict[str, Any]]:
    """The rows of overhead.csv; progress goes to stdout."""
    history = random_history(problem, max(sizes), seed)
    for s in samplers:  # load every lazily imported module before anything is timed
        study = optuna.create_study(
            direction=problem.direction, sampler=make_sampler(s, seed, problem, 30)
        )
        study.add_trials(history[: min(len(history), 20)])
        time_one(study, problem)
    rows = []
    for n in sizes:
        studies = {}
        first = {}
        for s in samplers:
            sampler = make_sampler(s, seed, problem, n + repeats + 1)
            study = optuna.create_study(direction=problem.direction, sampler=sampler)
            study.add_trials(history[:n])
            first[s] = time_one(study, problem)
            studies[s] = study
        times: dict[str, list[float]] = {s: [] for s in samplers}
        for r in range(repeats):
            order = samplers if r % 2 == 0 else samplers[::-1]
            for s in order:
                times[s].append(time_one(studies[s], problem))
        gp_median = float(np.median(times["gp"])) if "gp" in times else math.nan
        for s in samplers:
            q25, q50, q75 = np.percentile(times[s], [25, 50, 75])
            rows.append(
                {
                    "sampler": s,
                    "n_trials": n,
                    "repeats": repeats,
                    "median_s": float(q50),
                    "q25_s": float(q25),
                    "q75_s": float(q75),
                    "first_s": first[s],
                    "ratio_to_gp": float(q50) / gp_median,
                }
            )
            print(
                f"n={n:>5} {s:<12} median {q50:.4f} s  IQR [{q25:.4f}, {q75:.4f}]  "
                f"first {first[s]:.4f} s  x{float(q50) / gp_median:.3g} of gp",
                flush=True,
            )
    return rows


def _g(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.3g}"


def write_markdown(
    path: Path, rows: list[dict[str, Any]], info: dict[str, Any], extra: dict[str, str]
) -> None:
    """overhead.md: machine info, then seconds per suggestion and the ratio to GPSampler."""
    samplers = list(dict.fromkeys(r["sampler"] for r in rows))
    sizes = list(dict.fromkeys(r["n_trials"] for r in rows))
    by = {(r["sampler"], r["n_trials"]): r for r in rows}
    header = ["completed trials"] + samplers
    lines = [
        "# Sampler overhead: seconds per suggestion",
        "",
        _env.markdown_header(info, extra),
        "",
        "Median seconds of one `study.ask()` + `suggest_*` over the repeats, with the ratio to "
        "GPSampler's median in the same run in brackets (the ratio is the comparable number: "
        "absolute times drift with machine load). `first` = the untimed warm-up suggestion "
        "(cold model fit).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for n in sizes:
        cells = [
            f"{_g(by[(s, n)]['median_s'])} s (×{_g(by[(s, n)]['ratio_to_gp'])})" for s in samplers
        ]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    lines += ["", "| first suggestion (s) | " + " | ".join(samplers) + " |"]
    lines.append("|" + "|".join("---" for _ in range(len(samplers) + 1)) + "|")
    for n in sizes:
        lines.append(f"| {n} | " + " | ".join(_g(by[(s, n)]["first_s"]) for s in samplers) + " |")
    lines.append("")
    path.write_text("\n".join(lines))


def _parse_sizes(spec: str) -> list[int]:
    try:
        sizes = sorted({int(x) for x in spec.split(",") if x.strip()})
    except ValueError:
        raise ValueError(f"--sizes: {spec!r} must be a comma list of ints, e.g. 25,100") from None
    if not sizes or sizes[0] < 1:
        raise ValueError(f"--sizes: {spec!r} must list ints >= 1")
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.overhead``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.overhead",
        description="Seconds per suggestion vs completed trials, with the ratio to GPSampler.",
    )
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"default {DEFAULT_SIZES}")
    parser.add_argument("--max-n", type=int, default=None, help="drop sizes above this")
    parser.add_argument("--samplers", default=DEFAULT_SAMPLERS, help=f"default {DEFAULT_SAMPLERS}")
    parser.add_argument("--problem", default="ackley5", help="continuous problem; default ackley5")
    parser.add_argument("--repeats", type=int, default=7, help="timed suggestions per size")
    parser.add_argument("--seed", type=int, default=0, help="history and sampler seed")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="results root; writes <out>/overhead/"
    )
    args = parser.parse_args(argv)
    try:
        sizes = _parse_sizes(args.sizes)
        samplers = resolve_samplers(args.samplers)
        problem = get_problem(args.problem)
    except ValueError as err:
        parser.error(str(err))
    if args.max_n is not None:
        sizes = [n for n in sizes if n <= args.max_n]
        if not sizes:
            parser.error(f"--max-n: {args.max_n} drops every size of --sizes {args.sizes}")
    if not problem.continuous:
        parser.error(f"--problem: {args.problem!r} is not a continuous static problem")
    if args.repeats < 1:
        parser.error(f"--repeats: must be >= 1, got {args.repeats}")

    _env.limit_threads(1)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # numpy's BLAS is already loaded in this process
    except ImportError:
        pass
    if "gp" in samplers:
        import torch

        torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    rows = measure(problem, samplers, sizes, args.repeats, args.seed)
    dest = args.out / "overhead"
    dest.mkdir(parents=True, exist_ok=True)
    with (dest / "overhead.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    extra = {
        "problem": f"{problem.name} ({problem.dim}-D), random history seed {args.seed}",
        "repeats": str(args.repeats),
    }
    write_markdown(dest / "overhead.md", rows, _env.machine_info(), extra)
    print(f"wrote {dest / 'overhead.csv'}, {dest / 'overhead.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
