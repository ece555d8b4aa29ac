"""Seconds per suggestion and peak memory in long studies: 1,000 to 10,000 trials, in memory and
on SQLite.

Usage::

    python -m benchmarks overhead_large                  # the committed table
    python -m benchmarks overhead_large --quick          # n = 300, 600: a smoke run, ignored

The companion of :mod:`benchmarks.overhead` for long studies. Peak memory is a property of a
process, so every (storage, size, sampler) runs in a fresh process of its own, one after the
other (not interleaved as in ``overhead``; the ratio to GPSampler compares runs minutes apart):

1. the history: the first n trials of one stream of uniform random completed trials of a 5-D
   problem (Ackley-5, seed ``--seeds``; the stream of ``benchmarks.overhead``), added with
   ``study.add_trials`` to a new study in memory or in a new SQLite file;
2. ``read_s``: one ``study.get_trials()`` of the whole history, the cold read every new process
   pays first (on SQLite, Optuna's cache is then warm);
3. one warm-up suggestion (``first_s``: the kernel fit without a stored warm start), then
   ``--repeats`` (10) timed suggestions, each after adding one new completed trial, as in
   ``overhead``: ``median_s``, ``mean_s`` and ``max_s`` (past ``refit_from`` trials
   GammaBOSampler refits its kernel on one number of trials in ten, so ten consecutive
   suggestions hold one refit: the mean includes its share, the median does not);
4. ``peak_rss_mb``: the process's peak resident memory (``ru_maxrss``), the history and every
   imported library included, and ``ask_rss_mb``: its growth from before the first suggestion.

GPSampler runs only up to ``--gp-max-n`` trials (default 3,000): at 5,000 one suggestion costs
it minutes on this machine. Writes ``overhead_large.csv`` and ``overhead_large.md`` into
``--out`` (default ``benchmarks/results/overhead/``, beside ``overhead.md``).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
import csv
import gc
import math
import multiprocessing
from pathlib import Path
import resource
import statistics
import sys
import tempfile
import time
from typing import Any

from benchmarks import _env
from benchmarks import _frame

DEFAULT_SIZES = "1000,3000,5000,10000"
DEFAULT_SAMPLERS = "gamma-t,gp"
STORAGES = ("memory", "sqlite")
FIELDS = (
    "storage",
    "sampler",
    "n_trials",
    "repeats",
    "median_s",
    "mean_s",
    "max_s",
    "first_s",
    "read_s",
    "peak_rss_mb",
    "ask_rss_mb",
    "ratio_to_gp",
)
# The targets of docs/benchmarks.md for GammaBOSampler: (n, most seconds per suggestion).
SECONDS_TARGETS = ((5000, 1.0), (10000, 3.0))
MEMORY_TARGET_MB = 2048.0  # at 10,000 trials


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def measure_one(
    storage: str, sampler_name: str, n: int, repeats: int, seed: int, problem_name: str
) -> dict[str, Any]:
    """One row, measured in the calling process (run it in a fresh one: see the module)."""
    _env.limit_threads(1)
    import optuna

    from benchmarks.overhead import random_history
    from benchmarks.overhead import time_one
    from benchmarks.overhead import timed_sampler
    from benchmarks.problems import get_problem

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    problem = get_problem(problem_name)
    stream = random_history(problem, n + repeats, seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = None if storage == "memory" else f"sqlite:///{Path(tmp) / 'study.db'}"
        study = optuna.create_study(
            storage=url,
            direction=problem.direction,
            sampler=timed_sampler(sampler_name, seed, problem, n + repeats + 1),
        )
        study.add_trials(stream[:n])
        if url is not None:  # a new process's view of the storage: nothing cached yet
            study = optuna.load_study(
                study_name=study.study_name,
                storage=url,
                sampler=timed_sampler(sampler_name, seed, problem, n + repeats + 1),
            )
        gc.collect()
        t0 = time.perf_counter()
        study.get_trials(deepcopy=False)
        read_s = time.perf_counter() - t0
        before = _rss_mb()
        first = time_one(study, problem)
        times = []
        for r in range(repeats):
            study.add_trial(stream[n + r])
            gc.collect()
            times.append(time_one(study, problem))
        peak = _rss_mb()
    return {
        "storage": storage,
        "sampler": sampler_name,
        "n_trials": n,
        "repeats": repeats,
        "median_s": statistics.median(times),
        "mean_s": statistics.fmean(times),
        "max_s": max(times),
        "first_s": first,
        "read_s": read_s,
        "peak_rss_mb": peak,
        "ask_rss_mb": peak - before,
    }


def measure(
    samplers: list[str],
    sizes: list[int],
    storages: list[str],
    repeats: int,
    seed: int,
    gp_max_n: int,
    problem: str = "ackley5",
) -> list[dict[str, Any]]:
    """Every row, each in a fresh process; progress goes to stdout."""
    rows = []
    context = multiprocessing.get_context("spawn")
    for storage in storages:
        for n in sizes:
            for s in samplers:
                if s == "gp" and n > gp_max_n:
                    continue
                with ProcessPoolExecutor(1, mp_context=context) as pool:
                    row = pool.submit(measure_one, storage, s, n, repeats, seed, problem).result()
                rows.append(row)
                print(
                    f"{storage:<7} n={n:>6} {s:<8} median {row['median_s']:.3f} s  first "
                    f"{row['first_s']:.3f} s  read {row['read_s']:.3f} s  peak "
                    f"{row['peak_rss_mb']:.0f} MB (+{row['ask_rss_mb']:.0f})",
                    flush=True,
                )
    gp = {(r["storage"], r["n_trials"]): r["median_s"] for r in rows if r["sampler"] == "gp"}
    for r in rows:
        r["ratio_to_gp"] = r["median_s"] / gp.get((r["storage"], r["n_trials"]), math.nan)
    return rows


def _g(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.3g}"


def target_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The targets for every gamma-* sampler and storage, one line each, with PASS/FAIL."""
    by = {(r["storage"], r["sampler"], r["n_trials"]): r for r in rows}
    lines = []
    for storage, s, n in sorted({(r["storage"], r["sampler"], 0) for r in rows}):
        if not s.startswith("gamma"):
            continue
        for n, limit in SECONDS_TARGETS:
            if (storage, s, n) in by:
                sec = by[(storage, s, n)]["median_s"]
                verdict = "PASS" if sec <= limit else "FAIL"
                lines.append(
                    f"- {s}, {storage}, {n} trials: {_g(sec)} s per suggestion (target ≤ "
                    f"{limit:g} s): **{verdict}**"
                )
        if (storage, s, 10000) in by:
            mb = by[(storage, s, 10000)]["peak_rss_mb"]
            verdict = "PASS" if mb < MEMORY_TARGET_MB else "FAIL"
            lines.append(
                f"- {s}, {storage}, 10000 trials: peak memory {mb:.0f} MB (target < "
                f"{MEMORY_TARGET_MB:.0f} MB): **{verdict}**"
            )
    return lines


def write_markdown(
    path: Path, rows: list[dict[str, Any]], info: dict[str, Any], extra: dict[str, str]
) -> None:
    """overhead_large.md: machine info, one table per storage, the targets."""
    lines = [
        "# Sampler overhead in long studies: seconds per suggestion and peak memory",
        "",
        _env.markdown_header(info, extra),
        "",
        "Each row ran in a fresh process: `median` of the timed suggestions (each after adding "
        "one new completed trial) with the ratio to GPSampler's median at the same size and "
        "storage, `mean` and `max` over the timed suggestions (ten consecutive numbers of "
        "trials hold one kernel refit past `refit_from`, which the median passes over), "
        "`first` the warm-up (kernel fit without a stored start), `read` one cold "
        "`study.get_trials()` of the history, `peak` the process's peak resident memory and, "
        "in brackets, its growth from before the first suggestion.",
    ]
    for storage in dict.fromkeys(r["storage"] for r in rows):
        lines += [
            "",
            f"### {storage}",
            "",
            "| trials | sampler | median s | ratio to gp | mean s | max s | first s | read s "
            "| peak MB |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in (r for r in rows if r["storage"] == storage):
            lines.append(
                f"| {r['n_trials']} | {r['sampler']} | {_g(r['median_s'])} "
                f"| ×{_g(r['ratio_to_gp'])} | {_g(r['mean_s'])} | {_g(r['max_s'])} "
                f"| {_g(r['first_s'])} "
                f"| {_g(r['read_s'])} | {r['peak_rss_mb']:.0f} (+{r['ask_rss_mb']:.0f}) |"
            )
    targets = target_lines(rows)
    if targets:
        lines += ["", "Targets (median seconds per suggestion, peak memory):", "", *targets]
    lines.append("")
    path.write_text("\n".join(lines))


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m benchmarks overhead_large``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks overhead_large",
        description="Seconds per suggestion and peak memory at 1,000-10,000 trials.",
    )
    parser.add_argument("--sizes", default=None, help=f"default {DEFAULT_SIZES}")
    parser.add_argument("--samplers", default=DEFAULT_SAMPLERS, help=f"default {DEFAULT_SAMPLERS}")
    parser.add_argument(
        "--storages", default=",".join(STORAGES), help="memory, sqlite or both (default)"
    )
    parser.add_argument("--repeats", type=int, default=10, help="timed suggestions; default 10")
    parser.add_argument(
        "--gp-max-n", type=int, default=3000, help="largest size GPSampler runs at; default 3000"
    )
    parser.add_argument("--seeds", type=int, default=0, help="history and sampler seed")
    parser.add_argument("--out", type=Path, default=None, help="folder of the results")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="--sizes 300,600 --repeats 2 (explicit --sizes wins), into an ignored folder",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks overhead_large``."""
    from benchmarks.overhead import _parse_sizes
    from benchmarks.overhead import resolve_timed

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quick:  # explicit options still win
        args.sizes, args.repeats = args.sizes or "300,600", min(args.repeats, 2)
    args.sizes = args.sizes or DEFAULT_SIZES
    try:
        sizes = _parse_sizes(args.sizes)
        samplers = resolve_timed(args.samplers)
    except ValueError as err:
        parser.error(str(err))
    storages = [s.strip() for s in args.storages.split(",") if s.strip()]
    if not storages or any(s not in STORAGES for s in storages):
        parser.error(f"--storages: {args.storages!r}; valid: {', '.join(STORAGES)}")
    if args.repeats < 1:
        parser.error(f"--repeats: must be >= 1, got {args.repeats}")
    rows = measure(samplers, sizes, storages, args.repeats, args.seeds, args.gp_max_n)
    full = (
        (args.sizes, args.samplers, args.repeats, args.seeds)
        == (
            DEFAULT_SIZES,
            DEFAULT_SAMPLERS,
            10,
            0,
        )
        and storages == list(STORAGES)
        and not args.quick
    )
    dest = args.out or (
        _frame.RESULTS / "overhead" if full else _frame.QUICK_OUT / "overhead_large"
    )
    dest.mkdir(parents=True, exist_ok=True)
    with (dest / "overhead_large.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    extra = {
        "problem": f"ackley5 (5-D), random history seed {args.seeds}",
        "timed repeats": f"{args.repeats} per row, each after adding one new completed trial; "
        f"GPSampler up to {args.gp_max_n} trials",
    }
    write_markdown(dest / "overhead_large.md", rows, _env.machine_info(), extra)
    print(f"wrote {dest / 'overhead_large.csv'}, {dest / 'overhead_large.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
