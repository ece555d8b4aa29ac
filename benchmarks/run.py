"""Run (problem, sampler, seed) benchmark studies, one process each, resumably.

Usage (from the repository root)::

    python -m benchmarks.run --problems core --samplers gamma-t,gamma-gauss,gp,tpe,random \\
        --seeds 0-9 --n-trials 50 --jobs 2 --tag core50
    python -m benchmarks.run --quick              # CI smoke test, a minute or two on 2 cores

Each run writes ``<out>/raw/<tag>/<problem>__<sampler>__seed<k>__n<N>.csv`` (one row per trial)
when it finishes; a rerun with the same arguments skips runs whose file exists. ``meta.json`` in
the same folder records the commands, machine and versions. Then ``python -m benchmarks.report
--tag <tag>`` writes the summary.

Timing. Each study runs through ``study.optimize``. The sampler's time for a trial is the wall
time from the end of the previous trial's callback to the objective being entered
(``ask``: ``before_trial``, ``sample_relative``), plus the ``trial.suggest_*`` calls
(``sample_independent``), plus ``tell`` (``after_trial``); the objective time is the evaluation
alone. Optuna's in-memory storage overhead is included in the sampler time and is the same for
every sampler. Every worker process runs with 1 BLAS/OpenMP/torch thread (``OMP_NUM_THREADS=1``
etc.), so ``--jobs 2`` on a 2-core machine gives each run one core.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed
import csv
from dataclasses import dataclass
import importlib
import json
import math
import multiprocessing
import os
from pathlib import Path
import sys
import time
import traceback
from typing import Any
import warnings

from benchmarks import _env
from benchmarks.problems import get_problem
from benchmarks.problems import resolve_problems
from benchmarks.samplers import get_sampler_spec
from benchmarks.samplers import make_sampler
from benchmarks.samplers import resolve_samplers

DEFAULT_OUT = Path(__file__).resolve().parent / "results"
CSV_FIELDS = (
    "problem",
    "sampler",
    "seed",
    "direction",
    "trial",
    "state",
    "value",
    "best",
    "sampler_s",
    "objective_s",
    "params",
)
QUICK = {
    "problems": "branin,blog1d,mixed",
    "samplers": "gamma-t,gp,tpe,random",
    "seeds": "0-1",
    "n_trials": 15,
    "tag": "quick",
}
FULL_DEFAULTS = {
    "problems": "core",
    "samplers": "gamma-t,gamma-gauss,gp,tpe,random",
    "seeds": "0-9",
    "n_trials": 50,
    "tag": "default",
}


@dataclass(frozen=True)
class Task:
    """One (problem, sampler, seed) study."""

    problem: str
    sampler: str
    seed: int
    n_trials: int
    path: str


def parse_seeds(spec: str) -> list[int]:
    """Parse ``"0-9"``, ``"0,3,5"`` or ``"0-4,10"`` into a sorted list of distinct seeds."""
    seeds: set[int] = set()
    try:
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            if "-" in part[1:]:
                lo_s, hi_s = part.split("-", 1) if part[0] != "-" else ("", "")
                lo, hi = int(lo_s), int(hi_s)
                if lo > hi:
                    raise ValueError
                seeds.update(range(lo, hi + 1))
            else:
                seeds.add(int(part))
    except ValueError:
        raise ValueError(
            f"--seeds: cannot parse {spec!r}; use non-negative ints, ranges and commas, "
            "e.g. '0-9' or '0,2,5-7'"
        ) from None
    if not seeds or min(seeds) < 0:
        raise ValueError(f"--seeds: {spec!r} must select at least one seed >= 0")
    return sorted(seeds)


def run_path(raw_dir: Path, problem: str, sampler: str, seed: int, n_trials: int) -> Path:
    """Where the per-trial CSV of one run goes."""
    return raw_dir / f"{problem}__{sampler}__seed{seed}__n{n_trials}.csv"


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return repr(float(x))


def run_study(task: Task) -> dict[str, Any]:
    """Run one study and write its CSV atomically. Executed in a worker process."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="optuna")

    problem = get_problem(task.problem)
    t_start = time.perf_counter()
    sampler = make_sampler(task.sampler, task.seed, problem, task.n_trials)
    study = optuna.create_study(direction=problem.direction, sampler=sampler)

    timing: dict[int, dict[str, float]] = {}
    clock = {"end": time.perf_counter()}

    def objective(trial: optuna.Trial) -> float:
        t_enter = time.perf_counter()
        rec = timing.setdefault(trial.number, {})
        rec["ask"] = t_enter - clock["end"]
        params = problem.suggest(trial)
        t_suggested = time.perf_counter()
        rec["suggest"] = t_suggested - t_enter
        value = problem.evaluate(params)
        rec["t_eval_end"] = time.perf_counter()
        rec["objective"] = rec["t_eval_end"] - t_suggested
        return value

    def callback(study: optuna.Study, frozen: optuna.trial.FrozenTrial) -> None:
        now = time.perf_counter()
        rec = timing.setdefault(frozen.number, {})
        rec["tell"] = now - rec.get("t_eval_end", now)
        clock["end"] = now

    study.optimize(
        objective,
        n_trials=task.n_trials,
        callbacks=[callback],
        catch=(Exception,),
        gc_after_trial=False,
    )

    sign = 1.0 if problem.direction == "minimize" else -1.0
    best = math.inf
    rows = []
    for t in study.get_trials(deepcopy=False):
        rec = timing.get(t.number, {})
        value = t.value if t.state == TrialState.COMPLETE else None
        if value is not None and not math.isnan(value):
            best = min(best, sign * value)
        sampler_s = rec.get("ask", math.nan) + rec.get("suggest", 0.0) + rec.get("tell", 0.0)
        rows.append(
            {
                "problem": task.problem,
                "sampler": task.sampler,
                "seed": task.seed,
                "direction": problem.direction,
                "trial": t.number,
                "state": t.state.name,
                "value": _fmt(value),
                "best": _fmt(sign * best) if math.isfinite(best) else "",
                "sampler_s": _fmt(sampler_s),
                "objective_s": _fmt(rec.get("objective")),
                "params": json.dumps(t.params, sort_keys=True),
            }
        )
    path = Path(task.path)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)
    return {
        "n": len(rows),
        "best": sign * best if math.isfinite(best) else math.nan,
        "seconds": time.perf_counter() - t_start,
    }


def _run_task(task: Task) -> dict[str, Any]:
    try:
        return {"ok": True, **run_study(task)}
    except Exception as err:  # noqa: BLE001 - report, keep the other runs going
        return {"ok": False, "error": f"{type(err).__name__}: {err}", "tb": traceback.format_exc()}


def _init_worker(samplers: list[str]) -> None:
    """One thread per worker; import heavy sampler modules once so no trial pays for them."""
    _env.limit_threads(1)
    preload = ["scipy.optimize", "scipy.stats"]
    if "gp" in samplers:
        preload.append("torch")  # GPSampler imports torch lazily
    if any(s.startswith("gamma") for s in samplers):
        preload.append("optuna_gamma")
    if "bayes_opt" in samplers:
        preload.append("bayes_opt")
    for mod in preload:
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
    _env.limit_threads(1)  # torch is imported now: set its pool as well


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Run benchmark studies; one CSV per (problem, sampler, seed), resumable.",
    )
    parser.add_argument(
        "--problems",
        help="comma list of problems or groups (core, synthetic, sklearn, torch, all); "
        f"default {FULL_DEFAULTS['problems']}",
    )
    parser.add_argument(
        "--samplers", help=f"comma list of samplers or 'all'; default {FULL_DEFAULTS['samplers']}"
    )
    parser.add_argument("--seeds", help=f"e.g. 0-9 or 0,2,5; default {FULL_DEFAULTS['seeds']}")
    parser.add_argument(
        "--n-trials", type=int, help=f"trials per study; default {FULL_DEFAULTS['n_trials']}"
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes; default 2")
    parser.add_argument(
        "--tag", help="name of this result set (folder name); default 'default', or 'quick'"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"results root; default {DEFAULT_OUT}"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny smoke configuration: "
        + ", ".join(f"{k}={v}" for k, v in QUICK.items())
        + " (explicit options still win)",
    )
    parser.add_argument("--force", action="store_true", help="rerun runs whose CSV exists")
    return parser


def _write_meta(
    raw_dir: Path, args: argparse.Namespace, tasks: list[Task], skipped: list[str]
) -> None:
    meta_path = raw_dir / "meta.json"
    meta: dict[str, Any] = {"invocations": []}
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except json.JSONDecodeError:
            pass
    info = _env.machine_info()
    info.update(
        problems=args.problems,
        samplers=args.samplers,
        seeds=args.seeds,
        n_trials=args.n_trials,
        jobs=args.jobs,
        n_runs=len(tasks),
        skipped=skipped,
    )
    meta.setdefault("invocations", []).append(info)
    meta_path.write_text(json.dumps(meta, indent=2))


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.run``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL_DEFAULTS
    for key, val in base.items():
        if getattr(args, key) is None:
            setattr(args, key, val)
    try:
        problems = resolve_problems(args.problems)
        samplers = resolve_samplers(args.samplers)
        seeds = parse_seeds(args.seeds)
    except ValueError as err:
        parser.error(str(err))
    if args.n_trials < 1:
        parser.error(f"--n-trials: must be >= 1, got {args.n_trials}")
    if args.jobs < 1:
        parser.error(f"--jobs: must be >= 1, got {args.jobs}")
    if not args.tag or "/" in args.tag or args.tag.startswith("."):
        parser.error(f"--tag: {args.tag!r} must be a plain folder name")

    raw_dir = args.out / "raw" / args.tag
    raw_dir.mkdir(parents=True, exist_ok=True)
    tasks: list[Task] = []
    skipped: list[str] = []
    n_done = 0
    for p in problems:
        problem = get_problem(p)
        for s in samplers:
            reason = get_sampler_spec(s).unsupported(problem, args.n_trials)
            if reason is not None:
                skipped.append(f"{s} on {p}: {reason}")
                continue
            for seed in seeds:
                path = run_path(raw_dir, p, s, seed, args.n_trials)
                if path.exists() and not args.force:
                    n_done += 1
                    continue
                tasks.append(Task(p, s, seed, args.n_trials, str(path)))
    _env.limit_threads(1)  # inherited by the spawned workers
    _write_meta(raw_dir, args, tasks, skipped)
    for line in skipped:
        print(f"skip {line}")
    print(f"{len(tasks)} runs to do, {n_done} already done -> {raw_dir}", flush=True)

    failures = 0
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        args.jobs, mp_context=ctx, initializer=_init_worker, initargs=(samplers,)
    ) as pool:
        futures = {pool.submit(_run_task, t): t for t in tasks}
        for i, fut in enumerate(as_completed(futures), 1):
            task = futures[fut]
            res = fut.result()
            head = f"[{i:>{len(str(len(tasks)))}}/{len(tasks)}] {task.problem} {task.sampler} "
            head += f"seed={task.seed}"
            if res["ok"]:
                print(f"{head}: {res['n']} trials, best {res['best']:.6g}, {res['seconds']:.1f} s")
            else:
                failures += 1
                print(f"{head}: FAILED {res['error']}\n{res['tb']}", file=sys.stderr)
            sys.stdout.flush()
    print(f"finished in {time.perf_counter() - t0:.1f} s, {failures} failed")
    out = "" if args.out == DEFAULT_OUT else f" --out {_env.shown_path(args.out)}"
    print(f"next: python -m benchmarks.report --tag {args.tag}{out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
