"""Parallel workers: best-so-far against trials and against wall time for 1, 2, 4 and 8 workers.

Each run is one study in a fresh journal file, optimised by ``W`` worker *processes* (spawned,
one BLAS thread each) until it holds ``--n-trials`` COMPLETE trials. The objective is a
benchmark problem (Hartmann-6 by default) padded with ``--sleep`` seconds, standing in for an
expensive evaluation. Samplers:

- ``gamma``: :class:`optuna_gamma.GammaBOSampler`, the *same* seed in every worker (its documented
  behaviour: start-up points are keyed by trial number; running trials are read from the storage).
- ``gp``: :class:`optuna.samplers.GPSampler` (also reads running trials from the storage); a
  different seed per worker, since Optuna's samplers given one seed repeat the same start-up
  points in every process.
- ``tpe``: :class:`optuna.samplers.TPESampler` with ``constant_liar=True``; a seed per worker.

Every sampler keeps its default number of start-up trials (GammaBO 5, GP 10, TPE 10).

Recorded per run: the trials in completion order (the first ``--n-trials`` of them; workers that
finish together can overshoot), their value, best-so-far and regret, their completion time
since the workers were launched (process start-up included), and near-duplicates: pairs of
trials whose parameters, normalised to [0, 1], are within ``1e-3`` of each other in every
coordinate -- among all pairs, and among pairs evaluated at the same time.

Samplers are named ``<sampler>-w<W>``: ``gamma-w4`` is GammaBOSampler with 4 workers. Run (about
15 minutes on 2 cores; one study at a time, since the workers share the cores)::

    python -m benchmarks parallel                  # results in benchmarks/results/parallel/
    python -m benchmarks parallel --quick          # smoke run, git-ignored folder

(``python -m benchmarks.parallel ...`` is the same command.) Runs:
``benchmarks/results/parallel/raw/<problem>/<sampler>-w<W>-<seed>.json`` (git-ignored); report:
``parallel.md``, ``parallel_summary.csv``, ``parallel.png`` (committed).

With 8 workers on a 2-core machine the CPU is oversubscribed: the sleep (which costs no CPU)
keeps the objective dominant, but sampler time per trial grows with the number of workers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
import datetime
import itertools
import json
import math
import multiprocessing
import os
from pathlib import Path
import sys
import tempfile
import time
from typing import Any

import numpy as np

from benchmarks import _env
from benchmarks import _frame

SAMPLER_NAMES = ("gamma", "gp", "tpe")
WORKERS = (1, 2, 4, 8)
LABELS = {
    "gamma": "GammaBOSampler",
    "gp": "GPSampler",
    "tpe": "TPESampler(constant_liar)",
}
NEAR = 1e-3


@dataclass(frozen=True)
class RunSpec:
    """One study: a sampler, a number of workers, a seed."""

    sampler: str
    workers: int
    seed: int
    problem: str
    n_trials: int
    sleep: float


def make_sampler(name: str, seed: int, worker: int) -> Any:
    """The sampler of one worker (GammaBO: the same seed everywhere; baselines: one per worker)."""
    import optuna

    from optuna_gamma import GammaBOSampler

    if name == "gamma":
        return GammaBOSampler(seed=seed)
    worker_seed = seed * 1000 + worker
    if name == "gp":
        return optuna.samplers.GPSampler(seed=worker_seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=worker_seed, constant_liar=True)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLER_NAMES)}")


def _worker(spec: RunSpec, journal: str, worker: int) -> None:
    """One worker process: optimise until the study has ``n_trials`` COMPLETE trials."""
    import optuna
    from optuna.storages.journal import JournalFileBackend
    from optuna.storages.journal import JournalStorage
    from optuna.trial import TrialState

    from benchmarks.problems import get_problem

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    problem = get_problem(spec.problem)
    study = optuna.load_study(
        study_name="parallel",
        storage=JournalStorage(JournalFileBackend(journal)),
        sampler=make_sampler(spec.sampler, spec.seed, worker),
    )

    def objective(trial: optuna.Trial) -> float:
        params = problem.suggest(trial)
        trial.set_user_attr("params_fixed_at", datetime.datetime.now().isoformat())
        trial.set_user_attr("worker", worker)
        time.sleep(spec.sleep)
        return problem.evaluate(params)

    def done(study: optuna.Study) -> bool:
        n = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        return n >= spec.n_trials

    def stop(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if done(study):
            study.stop()

    if not done(study):
        study.optimize(objective, callbacks=[stop])


def run_one(spec: RunSpec, workdir: Path) -> list[dict[str, Any]]:
    """Runs one study with ``spec.workers`` processes; one row per trial (completion order)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend
    from optuna.storages.journal import JournalStorage
    from optuna.trial import TrialState

    from benchmarks.problems import get_problem

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    problem = get_problem(spec.problem)
    journal = str(workdir / f"{spec.sampler}-{spec.workers}-{spec.seed}.log")
    storage = JournalStorage(JournalFileBackend(journal))
    optuna.create_study(study_name="parallel", storage=storage, direction=problem.direction)

    ctx = multiprocessing.get_context("spawn")
    launched = datetime.datetime.now()
    procs = [ctx.Process(target=_worker, args=(spec, journal, w)) for w in range(spec.workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    bad = [p.exitcode for p in procs if p.exitcode != 0]
    if bad:
        raise RuntimeError(f"{spec}: worker exit codes {bad}")

    study = optuna.load_study(study_name="parallel", storage=storage)
    trials = sorted(
        study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)),
        key=lambda t: t.datetime_complete or launched,
    )
    n_extra = max(len(trials) - spec.n_trials, 0)
    trials = trials[: spec.n_trials]
    dists = problem.distributions or trials[0].distributions
    X = np.array([[_normalise(d, t.params[n]) for n, d in dists.items()] for t in trials])
    near_all, near_concurrent = _near_duplicates(X, trials)
    sign = 1.0 if problem.direction == "minimize" else -1.0
    optimum = problem.optimum if problem.optimum is not None else math.nan
    rows = []
    best = math.inf
    for i, t in enumerate(trials):
        assert t.value is not None and t.datetime_complete is not None
        best = min(best, sign * t.value)
        rows.append(
            {
                "sampler": spec.sampler,
                "workers": spec.workers,
                "seed": spec.seed,
                "trial": i + 1,
                "time_s": round((t.datetime_complete - launched).total_seconds(), 3),
                "value": t.value,
                "best": sign * best,
                "regret": best - sign * optimum,
                "near_duplicates": near_all,
                "near_duplicates_concurrent": near_concurrent,
                "overshoot": n_extra,
            }
        )
    return rows


def _normalise(dist: Any, value: Any) -> float:
    """A parameter value mapped to [0, 1] (log scale for log distributions; index for choices)."""
    from optuna.distributions import CategoricalDistribution

    if isinstance(dist, CategoricalDistribution):
        return dist.choices.index(value) / max(len(dist.choices) - 1, 1)
    lo, hi, v = float(dist.low), float(dist.high), float(value)
    if dist.log:
        lo, hi, v = math.log(lo), math.log(hi), math.log(v)
    return (v - lo) / (hi - lo) if hi > lo else 0.0


def _near_duplicates(X: np.ndarray, trials: list[Any]) -> tuple[int, int]:
    """(all, concurrent) pairs within ``NEAR`` in every normalised coordinate."""
    n_all = n_conc = 0
    for i, j in itertools.combinations(range(len(trials)), 2):
        if np.max(np.abs(X[i] - X[j])) < NEAR:
            n_all += 1
            a, b = trials[i], trials[j]
            a0 = datetime.datetime.fromisoformat(a.user_attrs["params_fixed_at"])
            b0 = datetime.datetime.fromisoformat(b.user_attrs["params_fixed_at"])
            if a0 < b.datetime_complete and b0 < a.datetime_complete:
                n_conc += 1
    return n_all, n_conc


def run_study(job: _frame.Job) -> dict[str, Any]:
    """One study of the frame: ``job.sampler`` is ``<sampler>-w<W>``; the workers' journal goes
    to a temporary folder."""
    base, _, workers = job.sampler.rpartition("-w")
    spec = RunSpec(
        base, int(workers), job.seed, job.problem, job.n_trials, float(job.options["sleep"])
    )
    load = "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    _env.limit_threads(1)  # inherited by the spawned workers
    with tempfile.TemporaryDirectory(prefix="parallel-journals-") as tmp:
        rows = run_one(spec, Path(tmp))
    return {
        "problem": job.problem,
        "sampler": job.sampler,
        "seed": job.seed,
        "load": load,
        "trials": rows,
    }


# -- report ------------------------------------------------------------------------------------


def summarise(rows: list[dict[str, Any]], n_trials: int) -> list[dict[str, Any]]:
    """Per sampler and worker count: regret at 10/25/final trials, wall time, duplicates."""
    out = []
    keys = sorted(
        {(r["sampler"], r["workers"]) for r in rows},
        key=lambda k: (SAMPLER_NAMES.index(k[0]), k[1]),
    )
    for sampler, workers in keys:
        runs: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            if r["sampler"] == sampler and r["workers"] == workers:
                runs.setdefault(r["seed"], []).append(r)
        entry: dict[str, Any] = {"sampler": sampler, "workers": workers, "seeds": len(runs)}
        for budget in sorted({10, 25, n_trials}):
            regrets = [_at(run, budget)["regret"] for run in runs.values() if len(run) >= budget]
            if regrets:
                q1, med, q3 = np.percentile(regrets, [25, 50, 75])
                entry[f"regret@{budget}"] = float(med)
                entry[f"regret@{budget}_iqr"] = f"{q1:.3g}-{q3:.3g}"
        entry["wall_s"] = float(np.median([run[-1]["time_s"] for run in runs.values()]))
        entry["near_dup"] = float(np.mean([run[0]["near_duplicates"] for run in runs.values()]))
        entry["near_dup_concurrent"] = float(
            np.mean([run[0]["near_duplicates_concurrent"] for run in runs.values()])
        )
        out.append(entry)
    return out


def _at(run: list[dict[str, Any]], budget: int) -> dict[str, Any]:
    return sorted(run, key=lambda r: r["trial"])[budget - 1]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    fields = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def markdown(summary: list[dict[str, Any]], ctx: _frame.ReportContext, n_trials: int) -> str:
    budgets = sorted({10, 25, n_trials})
    head = ["sampler", "workers"] + [f"median regret @{b} (IQR)" for b in budgets]
    head += ["median wall s", "near-dup pairs (concurrent)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in summary:
        cells = [LABELS[e["sampler"]], str(e["workers"])]
        for b in budgets:
            cells.append(
                f"{e[f'regret@{b}']:.3g} ({e[f'regret@{b}_iqr']})" if f"regret@{b}" in e else "-"
            )
        cells += [f"{e['wall_s']:.1f}", f"{e['near_dup']:.1f} ({e['near_dup_concurrent']:.1f})"]
        lines.append("| " + " | ".join(cells) + " |")
    problem = ", ".join(sorted({r["problem"] for r in ctx.runs}))
    loads = sorted({r.get("load", "not recorded") for r in ctx.runs})
    extra = {
        "problem": f"{problem}, padded with {ctx.options['sleep']} s of sleep per evaluation",
        "budget": f"{n_trials} COMPLETE trials per study; seeds {_frame.seed_spec(ctx.seeds)}",
        "workers": ", ".join(str(w) for w in sorted({e["workers"] for e in summary}))
        + " processes on one journal file (spawned, 1 BLAS thread each)",
        "load at the start of the runs": f"{loads[0]} to {loads[-1]}",
    }
    return "\n".join(
        [
            "# Parallel workers: quality and wall time",
            "",
            ctx.header(extra),
            "",
            "Regret = best value found minus the known optimum, after the first N trials in "
            "completion order; wall time = until the study's last counted trial completed, "
            "from the launch of the worker processes (their start-up included). Near-duplicates: "
            f"pairs of trials within {NEAR:g} of each other in every normalised coordinate, mean "
            "per study; in brackets, those of pairs evaluated at the same time.",
            "",
            "GammaBOSampler runs with the same seed in every worker; GPSampler and TPE get a seed "
            "per worker (one seed everywhere would repeat their start-up points). Each keeps its "
            "default start-up (GammaBO 5 trials, GP and TPE 10).",
            "",
            f"With 8 workers on {ctx.info.get('cores')} cores the CPU is oversubscribed: sleeping "
            "costs no CPU, but model fitting of 8 processes competes for the cores.",
            "",
            *lines,
            "",
            "![best-so-far](parallel.png)",
            "",
        ]
    )


def plot(rows: list[dict[str, Any]], path: Path, n_trials: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samplers = [s for s in SAMPLER_NAMES if any(r["sampler"] == s for r in rows)]
    workers = sorted({r["workers"] for r in rows})
    fig, axes = plt.subplots(
        2, len(samplers), figsize=(4.2 * len(samplers), 7), sharey=True, squeeze=False
    )
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(workers)))
    for col, sampler in enumerate(samplers):
        for colour, w in zip(colours, workers):
            runs: dict[int, list[dict[str, Any]]] = {}
            for r in rows:
                if r["sampler"] == sampler and r["workers"] == w:
                    runs.setdefault(r["seed"], []).append(r)
            if not runs:
                continue
            length = min(len(v) for v in runs.values())
            R = np.array([[x["regret"] for x in v[:length]] for v in runs.values()])
            T = np.array([[x["time_s"] for x in v[:length]] for v in runs.values()])
            med = np.maximum(np.median(R, axis=0), 1e-6)
            idx = np.arange(1, length + 1)
            axes[0, col].plot(idx, med, color=colour, label=f"{w} worker{'s' * (w > 1)}")
            axes[0, col].fill_between(
                idx,
                np.maximum(np.percentile(R, 25, axis=0), 1e-6),
                np.maximum(np.percentile(R, 75, axis=0), 1e-6),
                color=colour,
                alpha=0.15,
            )
            axes[1, col].plot(np.median(T, axis=0), med, color=colour)
        axes[0, col].set_title(LABELS[sampler])
        axes[0, col].set_xlabel("trials (completion order)")
        axes[1, col].set_xlabel("wall time, s (median over seeds)")
        for row in range(2):
            axes[row, col].set_yscale("log")
            axes[row, col].grid(alpha=0.3)
    axes[0, 0].set_ylabel("regret (median, IQR)")
    axes[1, 0].set_ylabel("regret (median)")
    axes[0, 0].legend()
    fig.suptitle(f"Best-so-far regret, {n_trials} trials, sleep-padded objective")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(ctx: _frame.ReportContext) -> str:
    """parallel.md, parallel_summary.csv, parallel.png and machine.json from every stored run."""
    rows = [row for run in ctx.runs for row in run["trials"]]
    n_trials = min(len(run["trials"]) for run in ctx.runs)
    summary = summarise(rows, n_trials)
    write_csv(ctx.out / "parallel_summary.csv", summary)
    text = markdown(summary, ctx, n_trials)
    (ctx.out / "parallel.md").write_text(text)
    (ctx.out / "machine.json").write_text(json.dumps(ctx.info, indent=2))
    plot(rows, ctx.out / "parallel.png", n_trials)
    return text


def _problems() -> tuple[str, ...]:
    from benchmarks.problems import PROBLEMS

    return tuple(n for n, p in PROBLEMS.items() if p.optimum is not None)


SUITES = {
    "parallel": _frame.Suite(
        name="parallel",
        title="Parallel workers (1, 2, 4, 8 processes on one journal file): regret against "
        "trials and wall time, near-duplicate suggestions, against GPSampler and TPE "
        "(constant liar).",
        run_one=run_study,
        report=report,
        problems=_problems(),
        default_problems=("hartmann6",),
        samplers=tuple(f"{s}-w{w}" for s in SAMPLER_NAMES for w in WORKERS),
        seeds="0-2",
        n_trials=40,
        options=(_frame.Option("sleep", float, 0.3, "seconds of sleep added to each evaluation"),),
        quick={
            "samplers": "gamma-w1,gamma-w2,tpe-w2",
            "seeds": "0",
            "n_trials": "10",
            "sleep": "0.05",
        },
        max_workers=1,
        docs='docs/distributed.md, "Benchmark"',
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("parallel"))
