"""The resumable run store shared by the benchmarks that keep one JSON file per run
(``benchmarks.constrained``, ``benchmarks.multi_objective``): ``<out>/raw/<problem>/<sampler>-
<seed>.json``, written atomically, so an interrupted benchmark resumes where it stopped."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
import functools
import json
from pathlib import Path
import statistics
from typing import Any

from benchmarks import _env

RunOne = Callable[[str, str, int, int], dict[str, Any]]  # (problem, sampler, seed, n_trials)


def parse_seeds(spec: str) -> list[int]:
    """``"0-9"`` or ``"0,3,5"``."""
    if "-" in spec:
        lo, hi = spec.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in spec.split(",")]


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks of ``values`` (1 = smallest); ties share the mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def run_path(out: Path, problem: str, sampler: str, seed: int) -> Path:
    return out / "raw" / problem / f"{sampler}-{seed}.json"


def _run_and_save(run_one: RunOne, job: tuple[Path, str, str, int, int]) -> str:
    out, problem, sampler, seed, n_trials = job
    result = run_one(problem, sampler, seed, n_trials)
    path = run_path(out, problem, sampler, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result) + "\n")
    tmp.replace(path)
    return f"{problem} {sampler} {seed}"


def parse_args(
    doc: str,
    problems: Sequence[str],
    samplers: Sequence[str],
    out: Path,
    ablations: Sequence[str] = (),
) -> argparse.Namespace:
    """The benchmark's command line (``doc``: its module docstring), checked. ``samplers`` run
    by default; ``ablations`` only when ``--samplers`` names them."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--n-trials", type=int, default=100)
    parser.add_argument("--problems", default=",".join(problems))
    parser.add_argument("--samplers", default=",".join(samplers))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--report", action="store_true", help="only write the report")
    args = parser.parse_args()
    for name in args.problems.split(","):
        if name not in problems:
            parser.error(f"unknown problem {name!r}; valid: {', '.join(problems)}")
    valid = [*samplers, *ablations]
    for name in args.samplers.split(","):
        if name not in valid:
            parser.error(f"unknown sampler {name!r}; valid: {', '.join(valid)}")
    return args


def run_missing(args: argparse.Namespace, run_one: RunOne) -> list[dict[str, Any]]:
    """Runs every (sampler, seed, problem) of ``args`` that has no file yet -- cheap samplers
    first when they are listed first, so a partial run already compares something -- and
    returns every stored run of ``args.problems``."""
    problems = args.problems.split(",")
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report:
        jobs = [
            (args.out, p, s, seed, args.n_trials)
            for s in args.samplers.split(",")
            for seed in parse_seeds(args.seeds)
            for p in problems
            if not run_path(args.out, p, s, seed).exists()
        ]
        print(f"{len(jobs)} runs to do", flush=True)
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            for done in pool.map(functools.partial(_run_and_save, run_one), jobs):
                print(done, flush=True)
    return [
        json.loads(path.read_text())
        for path in sorted((args.out / "raw").glob("*/*.json"))
        if path.parent.name in problems
    ]


def index_runs(
    runs: Sequence[dict[str, Any]], problem_order: Sequence[str], sampler_order: Sequence[str]
) -> tuple[dict[tuple[str, str, int], dict[str, Any]], list[str], list[str], dict[str, list[int]]]:
    """``(by_key, problems, samplers, complete)``: the runs by ``(problem, sampler, seed)``, the
    problems and samplers present (in their benchmark's order), and per problem the seeds that
    every sampler has finished -- only those count, so that ranks compare like with like."""
    by_key = {(r["problem"], r["sampler"], r["seed"]): r for r in runs}
    problems = [p for p in problem_order if any(r["problem"] == p for r in runs)]
    samplers = [s for s in sampler_order if any(r["sampler"] == s for r in runs)]
    seeds = sorted({r["seed"] for r in runs})
    complete = {
        p: [s for s in seeds if all((p, sm, s) in by_key for sm in samplers)] for p in problems
    }
    return by_key, problems, samplers, complete


def overall(
    per_problem: Sequence[dict[str, Any]], samplers: Sequence[str]
) -> list[dict[str, Any]]:
    """Per sampler and budget, the mean over problems of the per-problem rows' ``mean_nreg``,
    ``mean_rank`` and (where the rows have it) ``stuck``."""
    fields = [
        f for f in ("mean_nreg", "mean_rank", "stuck") if per_problem and f in per_problem[0]
    ]
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in per_problem:
        groups.setdefault((row["sampler"], row["budget"]), []).append(row)
    return [
        {
            "sampler": s,
            "budget": b,
            "problems": len(rows),
            **{f: statistics.fmean(r[f] for r in rows) for f in fields},
        }
        for (s, b), rows in sorted(
            groups.items(), key=lambda kv: (kv[0][1], samplers.index(kv[0][0]))
        )
    ]


def report_budgets(runs: Sequence[dict[str, Any]], budgets: Sequence[int]) -> tuple[int, ...]:
    """The budgets every run reached (or the shortest run's length, for a smoke run)."""
    reached = tuple(b for b in budgets if all(len(r["trials"]) >= b for r in runs))
    return reached or (min(len(r["trials"]) for r in runs),)


def save_summary(out: Path, summary: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """Writes ``summary.json`` and ``machine.json``; returns the machine info and the seeds
    the summary covers."""
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    info = _env.machine_info()
    (out / "machine.json").write_text(json.dumps(info, indent=2) + "\n")
    return info, sorted({seed for v in summary["seeds"].values() for seed in v})


def overall_table(rows: Sequence[dict[str, Any]], regret: str = "mean nreg") -> list[str]:
    """The Markdown lines of the table of :func:`overall`'s rows (``regret``: the name of the
    regret column)."""
    stuck = bool(rows) and "stuck" in rows[0]
    lines = [
        f"| trials | sampler | problems | {regret} | mean rank |" + (" stuck |" if stuck else ""),
        "|---|---|---|---|---|" + ("---|" if stuck else ""),
    ]
    for row in rows:
        lines.append(
            f"| {row['budget']} | {row['sampler']} | {row['problems']} | {row['mean_nreg']:.3f} "
            f"| {row['mean_rank']:.2f} |" + (f" {row['stuck']:.0%} |" if stuck else "")
        )
    return lines


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str, str]]) -> list[str]:
    """The Markdown lines of a table with one row per ``rows`` entry and one column per
    ``(header, key, format spec)`` of ``columns``."""
    lines = ["| " + " | ".join(h for h, _, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(format(r[k], f) for _, k, f in columns) + " |" for r in rows]
    return lines


def optuna_sampler(name: str, seed: int, valid: Sequence[str]) -> Any:
    """One of Optuna's samplers with its defaults, by the benchmarks' name for it (``gp``,
    ``tpe``, ``cmaes``, ``nsga2``, ``random``); ``valid`` names the benchmark's samplers for the
    error. Optuna is imported here, not at module level, so that a benchmark can limit the
    BLAS threads first."""
    import optuna

    classes = {
        "gp": optuna.samplers.GPSampler,
        "tpe": optuna.samplers.TPESampler,
        "cmaes": optuna.samplers.CmaEsSampler,
        "nsga2": optuna.samplers.NSGAIISampler,
        "random": optuna.samplers.RandomSampler,
    }
    if name not in classes or name not in valid:
        raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(valid)}")
    return classes[name](seed=seed)


def regret_stats(
    regrets: Sequence[float], ranks: Sequence[float], stuck: float
) -> dict[str, float]:
    """The per-problem row fields every benchmark reports for one sampler and budget: the mean
    and median normalised regret over seeds, the share above ``stuck``, the mean rank."""
    return {
        "mean_nreg": statistics.fmean(regrets),
        "median_nreg": statistics.median(regrets),
        "stuck": statistics.fmean(r > stuck for r in regrets),
        "mean_rank": statistics.fmean(ranks),
    }
