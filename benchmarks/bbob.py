"""Global search on COCO's ``bbob`` suite: GammaBOSampler against GPSampler, TPESampler and
CmaEsSampler, all with their defaults.

Problems: the 24 noiseless ``bbob`` functions (Hansen et al., "Real-parameter black-box
optimization benchmarking 2009: noiseless functions definitions", INRIA RR-6829) in 2, 5 and 10
dimensions on their box ``[-5, 5]^d`` -- ``f01-d02`` ... ``f24-d10`` -- evaluated by COCO's own
code (package ``coco-experiment``, module ``cocoex``; nothing is downloaded), plus
``hartmann6`` on ``[0, 1]^6``. The seed picks the function instance (``instance = seed + 1``:
each instance shifts and rotates the function and moves its optimum), so seeds differ in the
problem as well as in the sampler's randomness.

Normalised regret of a run at a budget: ``(best - optimum) / (reference - optimum)``, where the
reference is the median value of 10,000 uniform random points of the same instance -- 1 is as
good as a typical random point, 0 the optimum. A run is *stuck* at a budget when its normalised
regret there is above ``STUCK`` (0.1). Rank: per problem, seed and budget among the four main
samplers by best value (ties share the mean rank); variants (``gamma-...``, the ablations) are
ranked against the same three baselines in place of ``gamma``. Log regret: ``log10(best -
optimum)``, floored at 1e-8 (COCO's final target), over the bbob problems.

Each study runs through ``study.ask(distributions)`` / ``study.tell``, so the time of ``ask`` is
exactly the sampler's time for the trial's suggestion (recorded per trial, one thread).

    python -m benchmarks.bbob --seeds 0-4 --workers 2         # the committed run (resumable)
    python -m benchmarks.bbob --problems hartmann6 --seeds 0-49 --workers 2
    python -m benchmarks.bbob --report --seeds 0-4            # tables from every stored run
    python -m benchmarks.bbob --problems f15-d05,f21-d05 --seeds 0-1 --n-trials 12 --out /tmp/b

The raw runs (``raw/<problem>/<sampler>-<seed>.json``: per trial its value and ask seconds)
are committed with the tables, so that a later session resumes the run rather than repeating it.
"""

from __future__ import annotations

from collections.abc import Sequence
import contextlib
import json
import math
import os
from pathlib import Path
import statistics
import tempfile
import time
from typing import Any
from unittest import mock

import numpy as np

from benchmarks import _env
from benchmarks import _runs

_env.limit_threads(1)

import optuna  # noqa: E402
from optuna.distributions import BaseDistribution  # noqa: E402
from optuna.distributions import FloatDistribution  # noqa: E402

from benchmarks.problems import hartmann6  # noqa: E402
from benchmarks.samplers import GAMMA_01_PATCHES  # noqa: E402
from optuna_gamma import GammaBOSampler  # noqa: E402
from optuna_gamma import _gp  # noqa: E402
from optuna_gamma import surrogate  # noqa: E402

OUT = _env.REPO_ROOT / "benchmarks" / "results" / "bbob"
MAIN = ("gamma", "gp", "tpe", "cmaes")
BUDGETS = (10, 25, 50, 100)
STUCK = 0.1
LOG_FLOOR = 1e-8
N_REFERENCE = 10_000
DIMENSIONS = (2, 5, 10)
FUNCTIONS = range(1, 25)
BBOB = tuple(f"f{f:02d}-d{d:02d}" for d in DIMENSIONS for f in FUNCTIONS)
PROBLEMS = BBOB + ("hartmann6",)
HARTMANN6_OPTIMUM = -3.322368011415514
# The five function groups of the bbob definitions (RR-6829, section 1).
GROUPS = {
    "separable": range(1, 6),
    "moderate conditioning": range(6, 10),
    "high conditioning, unimodal": range(10, 15),
    "multimodal, adequate global structure": range(15, 20),
    "multimodal, weak global structure": range(20, 25),
}


# -- ablations --------------------------------------------------------------------------------
#
# Each variant is GammaBOSampler with one decision of 0.2 undone or one alternative tried:
# ``(description, sampler keyword arguments, patches)``; a patch replaces a module attribute of
# optuna_gamma for the duration of one run (in the worker process running it), so the library
# keeps one code path and the alternatives live here.


def _dimension_scaled_log_prior(hp: _gp.Hyperparams, fit_noise: bool) -> tuple[float, Any]:
    """Hvarfner, Hellsten & Nardi (ICML 2024): lengthscales ``l ~ LogNormal(sqrt(2) + log(d) / 2,
    sqrt(3))`` on the unit cube, so the prior lengthscale grows with the dimension; the noise
    prior is the library's. Value and gradient with respect to ``theta = log inv_ls2``."""
    v = hp.inv_ls2
    mu, var = math.sqrt(2.0) + 0.5 * math.log(len(v)), 3.0
    z = -0.5 * np.log(v) - mu  # log l - mu, with log l = -theta / 2
    value, grad = float(np.sum(-(z**2) / (2 * var))), z / (2 * var)
    if fit_noise:  # the library's noise term: its prior with the noise less its prior without
        with_noise, with_noise_grad = _LIBRARY_LOG_PRIOR(hp, True)
        value += with_noise - _LIBRARY_LOG_PRIOR(hp, False)[0]
        grad = np.append(grad, with_noise_grad[-1])
    return value, grad


_LIBRARY_LOG_PRIOR = _gp.log_prior
STAGNATION_TRIALS = 10


def _propose_exploring_on_stagnation(
    fitted: Any, space: Any, completed: Sequence[Any], rng: np.random.Generator
) -> Any:
    """The library's proposal, except after ``STAGNATION_TRIALS`` trials in a row that did not
    improve on the best value before them (by more than 1e-3 of its distance to the median
    value): then the candidate with the largest predictive scale (an exploration step)."""
    k = STAGNATION_TRIALS
    if isinstance(fitted, surrogate.FittedSurrogate) and len(completed) > 2 * k:
        # larger is better
        o = fitted.transform.sign * np.array([t.value for t in completed], dtype=float)
        before, recent = o[:-k].max(), o[-k:].max()
        if recent - before <= 1e-3 * (before - float(np.median(o))):
            x = fitted.most_uncertain(rng, default=fitted.maximize(rng)[0])
            return space.decode(x), x, float(fitted.acquisition_values(x[None])[0])
    return _LIBRARY_PROPOSE(fitted, space, completed, rng)


_LIBRARY_PROPOSE = surrogate.propose
_OLD_PRIOR, _OLD_STARTS = GAMMA_01_PATCHES
_LOOSE_FIT = ("optuna_gamma._gp.LOOSE_FIT_FROM", 0)
VARIANTS: dict[str, tuple[str, dict[str, Any], tuple[tuple[str, Any], ...]]] = {
    "gamma-0.1": (
        "GammaBOSampler 0.1: both decisions undone",
        {},
        (_OLD_PRIOR, _OLD_STARTS),
    ),
    "gamma-loosefit": (
        "the kernel fit's loose tolerance (1e-6) at every number of trials, not from 200 on",
        {},
        (_LOOSE_FIT,),
    ),
    "gamma-prior1": (
        "lengthscale prior with its mode at 1 (0.1's and GPSampler's)",
        {},
        (_OLD_PRIOR,),
    ),
    "gamma-beststarts": (
        "acquisition starts: the top-scored candidates (0.1's)",
        {},
        (_OLD_STARTS,),
    ),
    "gamma-dimprior": (
        "dimension-scaled lengthscale prior (Hvarfner et al. 2024)",
        {},
        (("optuna_gamma._gp.log_prior", _dimension_scaled_log_prior),),
    ),
    "gamma-stagnation": (
        f"an exploration step after {STAGNATION_TRIALS} trials without improvement",
        {},
        (("optuna_gamma._sampler.propose", _propose_exploring_on_stagnation),),
    ),
    "gamma-startup10": (
        "10 start-up trials (GPSampler's number) instead of 5",
        {"n_startup_trials": 10},
        (),
    ),
}
SAMPLERS = MAIN + tuple(VARIANTS)


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    if name == "gamma":
        return GammaBOSampler(seed=seed)
    if name in VARIANTS:
        return GammaBOSampler(seed=seed, **VARIANTS[name][1])
    return _runs.optuna_sampler(name, seed, SAMPLERS)


def _bbob_problem(problem: str, seed: int) -> Any:
    import cocoex

    f, d = int(problem[1:3]), int(problem[5:7])
    options = f"function_indices:{f} dimensions:{d} instance_indices:{seed + 1}"
    return cocoex.Suite("bbob", "", options)[0]


def _objective(problem: str, seed: int) -> tuple[Any, int, float, float]:
    """``(f, d, lower, upper)``: the function of a point ``(d,)`` and its box."""
    if problem == "hartmann6":
        return (lambda x: float(hartmann6(x[None])[0])), 6, 0.0, 1.0
    fun = _bbob_problem(problem, seed)
    return (lambda x: float(fun(x))), fun.dimension, -5.0, 5.0


def run_one(problem: str, sampler: str, seed: int, n_trials: int) -> dict[str, Any]:
    """One study: per trial its value and the seconds ``ask`` took (with a variant's patches)."""
    with contextlib.ExitStack() as stack:
        for target, value in VARIANTS[sampler][2] if sampler in VARIANTS else ():
            stack.enter_context(mock.patch(target, value))
        return _run(problem, sampler, seed, n_trials)


def _run(problem: str, sampler: str, seed: int, n_trials: int) -> dict[str, Any]:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    f, d, lo, hi = _objective(problem, seed)
    study = optuna.create_study(sampler=make_sampler(sampler, seed))
    distributions: dict[str, BaseDistribution] = {
        f"x{i}": FloatDistribution(lo, hi) for i in range(d)
    }
    values, seconds = [], []
    for _ in range(n_trials):
        start = time.perf_counter()
        trial = study.ask(distributions)
        seconds.append(round(time.perf_counter() - start, 5))
        value = f(np.array([trial.params[f"x{i}"] for i in range(d)]))
        study.tell(trial, value)
        values.append(value)
    return {
        "problem": problem,
        "sampler": sampler,
        "seed": seed,
        "trials": values,
        "ask_seconds": seconds,
    }


# -- references -----------------------------------------------------------------------------


def _optimum(problem: str, seed: int) -> float:
    """The instance's optimal value: COCO's function at its optimal parameter. ``cocoex`` has no
    public accessor for it; ``Problem._best_parameter("print")`` writes the optimal parameter to
    ``._bbob_problem_best_parameter.txt`` in the working directory, so it runs in a temporary
    one. (Checked in tests/test_benchmarks.py: no random point does better.)"""
    if problem == "hartmann6":
        return HARTMANN6_OPTIMUM
    fun = _bbob_problem(problem, seed)
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            fun._best_parameter("print")
            x = np.loadtxt(Path(tmp) / "._bbob_problem_best_parameter.txt", ndmin=1)
        finally:
            os.chdir(here)
    return float(fun(x))


def reference(problem: str, seed: int) -> dict[str, float]:
    """The instance's optimum and the median value of ``N_REFERENCE`` uniform random points."""
    f, d, lo, hi = _objective(problem, seed)
    X = np.random.default_rng([seed, 2024]).uniform(lo, hi, (N_REFERENCE, d))
    return {"optimum": _optimum(problem, seed), "median": statistics.median(f(x) for x in X)}


def ref_key(problem: str, seed: int) -> str:
    return f"{problem}/i{seed + 1}"


# -- summary --------------------------------------------------------------------------------


def _nreg(best: float, ref: dict[str, float]) -> float:
    return max(best - ref["optimum"], 0.0) / max(ref["median"] - ref["optimum"], 1e-300)


def _best_at(run: dict[str, Any], budget: int) -> float:
    return min(run["trials"][:budget])


def summarise(
    runs: Sequence[dict[str, Any]], refs: dict[str, dict[str, float]], budgets: Sequence[int]
) -> dict[str, Any]:
    """Per problem, sampler and budget: mean and median normalised regret over seeds, stuck
    share (at the last budget), mean rank, mean log10 regret; then the means over problems,
    over the bbob problems by group and dimension, and the ask times."""
    by_key, problems, samplers, complete = _runs.index_runs(runs, PROBLEMS, SAMPLERS)
    baselines = [s for s in ("gp", "tpe", "cmaes") if s in samplers]
    ours = [s for s in samplers if s not in baselines]  # "gamma" first when present
    per_problem: list[dict[str, Any]] = []
    all_nregs: dict[tuple[str, int], list[float]] = {}  # bbob problems, every run
    for p in problems:
        seeds = complete[p]
        if not seeds:
            continue
        for b in budgets:
            rank: dict[str, list[float]] = {s: [] for s in samplers}
            for seed in seeds:
                best_by = {s: _best_at(by_key[(p, s, seed)], b) for s in samplers}
                for s in ours:  # gamma's ranks also give the baselines theirs
                    r = _runs.ranks([best_by[s]] + [best_by[x] for x in baselines])
                    rank[s].append(r[0])
                    if s == ours[0]:
                        for x, rx in zip(baselines, r[1:], strict=True):
                            rank[x].append(rx)
                if not ours:
                    for x, rx in zip(
                        baselines, _runs.ranks([best_by[x] for x in baselines]), strict=True
                    ):
                        rank[x].append(rx)
            for s in samplers:
                best = [_best_at(by_key[(p, s, seed)], b) for seed in seeds]
                nregs = [
                    _nreg(v, refs[ref_key(p, seed)]) for v, seed in zip(best, seeds, strict=True)
                ]
                logs = [
                    math.log10(max(v - refs[ref_key(p, seed)]["optimum"], LOG_FLOOR))
                    for v, seed in zip(best, seeds, strict=True)
                ]
                if p != "hartmann6":
                    all_nregs.setdefault((s, b), []).extend(nregs)
                per_problem.append(
                    {
                        "problem": p,
                        "sampler": s,
                        "budget": b,
                        "runs": len(seeds),
                        **_runs.regret_stats(nregs, rank[s], STUCK),
                        "mean_log10_regret": statistics.fmean(logs),
                    }
                )
    bbob_rows = [r for r in per_problem if r["problem"] != "hartmann6"]
    groups = {}
    for label, members in GROUPS.items():
        rows = [r for r in bbob_rows if int(r["problem"][1:3]) in members]
        groups[label] = _runs.overall(rows, samplers)
    for d in DIMENSIONS:
        groups[f"{d}-D"] = _runs.overall(
            [r for r in bbob_rows if r["problem"].endswith(f"d{d:02d}")], samplers
        )
    log_regret = {
        (s, b): statistics.fmean(
            r["mean_log10_regret"] for r in bbob_rows if r["sampler"] == s and r["budget"] == b
        )
        for s in samplers
        for b in budgets
        if any(r["sampler"] == s and r["budget"] == b for r in bbob_rows)
    }
    ask = {
        s: {
            "median_ask_s": statistics.median(
                t for r in runs if r["sampler"] == s for t in r["ask_seconds"]
            ),
        }
        for s in samplers
    }
    return {
        "seeds": complete,
        "budgets": list(budgets),
        "overall": _runs.overall(bbob_rows, samplers),
        "groups": groups,
        "log10_regret": [
            {
                "sampler": s,
                "budget": b,
                "mean_log10_regret": v,
                "median_nreg": statistics.median(all_nregs[(s, b)]),
            }
            for (s, b), v in log_regret.items()
        ],
        "ask": ask,
        "per_problem": per_problem,
    }


def write_report(
    out: Path, runs: list[dict[str, Any]], refs: dict[str, dict[str, float]], command: str
) -> None:
    s = summarise(runs, refs, _runs.report_budgets(runs, BUDGETS))
    info, seeds = _runs.save_summary(out, s)
    n_bbob = len({r["problem"] for r in s["per_problem"] if r["problem"] != "hartmann6"})
    lines = [
        f"# COCO bbob (`{command}`)",
        "",
        _env.markdown_header(
            info,
            {
                "seeds": f"{seeds[0]}-{seeds[-1]} (instance = seed + 1; runs per problem below)",
                "samplers": "GammaBOSampler, GPSampler, TPESampler, CmaEsSampler (defaults)",
            },
        ),
        "",
        f"Over the {n_bbob} bbob problems that have runs (mean over problems of each problem's "
        f"mean over seeds): mean normalised regret, mean rank, share of runs with normalised "
        f'regret above {STUCK} ("stuck"):',
        "",
        *_runs.overall_table([r for r in s["overall"] if r["sampler"] in MAIN]),
    ]
    ablations = [r for r in s["overall"] if r["sampler"] not in MAIN[1:]]
    if any(r["sampler"] in VARIANTS for r in ablations):
        lines += [
            "",
            "Ablations: GammaBOSampler with one decision changed (ranked against the three "
            "baselines in place of `gamma`, so their ranks compare with `gamma`'s):",
            "",
            *(
                f"- `{name}`: {VARIANTS[name][0]}"
                for name in VARIANTS
                if any(r["sampler"] == name for r in ablations)
            ),
            "",
            *_runs.overall_table(ablations),
        ]
    h6 = [r for r in s["per_problem"] if r["problem"] == "hartmann6"]
    if h6:
        lines += [
            "",
            f"Hartmann-6 ({h6[0]['runs']} seeds; not in the means above):",
            "",
            "| trials | sampler | mean nreg | median nreg | stuck | mean rank |",
            "|---|---|---|---|---|---|",
            *(
                f"| {r['budget']} | {r['sampler']} | {r['mean_nreg']:.3f} "
                f"| {r['median_nreg']:.3f} | {r['stuck']:.0%} | {r['mean_rank']:.2f} |"
                for r in sorted(h6, key=lambda r: (r["budget"], SAMPLERS.index(r["sampler"])))
            ),
        ]
    lines += [
        "",
        "Precision and medians over the bbob problems: the mean over problems of the mean "
        "log10 regret over seeds (floored at 1e-8), and the median normalised regret over all "
        "runs:",
        "",
        "| trials | sampler | mean log10 regret | median nreg |",
        "|---|---|---|---|",
        *(
            f"| {r['budget']} | {r['sampler']} | {r['mean_log10_regret']:.2f} "
            f"| {r['median_nreg']:.4f} |"
            for r in sorted(
                s["log10_regret"], key=lambda r: (r["budget"], SAMPLERS.index(r["sampler"]))
            )
        ),
    ]
    for label, rows in s["groups"].items():
        lines += ["", f"### {label}", "", *_runs.overall_table(rows)]
    lines += [
        "",
        "Median seconds per `ask`: "
        + ", ".join(f"{k} {v['median_ask_s']:.3f}" for k, v in s["ask"].items()),
        "",
        "## Per problem",
        "",
        *_runs.table(
            s["per_problem"],
            [
                *(("problem", "problem", ""), ("trials", "budget", "")),
                *(("sampler", "sampler", ""), ("runs", "runs", "")),
                *(("mean nreg", "mean_nreg", ".3f"), ("median nreg", "median_nreg", ".3f")),
                *(("stuck", "stuck", ".0%"), ("mean rank", "mean_rank", ".2f")),
                ("mean log10 regret", "mean_log10_regret", ".2f"),
            ],
        ),
    ]
    (out / "results.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    args = _runs.parse_args(__doc__, list(PROBLEMS), SAMPLERS, OUT)
    runs = [
        r for r in _runs.run_missing(args, run_one) if r["sampler"] in args.samplers.split(",")
    ]
    ref_path = args.out / "references.json"
    refs = json.loads(ref_path.read_text()) if ref_path.exists() else {}
    for key in sorted({(r["problem"], r["seed"]) for r in runs}):
        if ref_key(*key) not in refs:
            refs[ref_key(*key)] = reference(*key)
            ref_path.write_text(json.dumps(refs, indent=1, sort_keys=True) + "\n")
    command = f"python -m benchmarks.bbob --seeds {args.seeds} --n-trials {args.n_trials}"
    if args.samplers != ",".join(SAMPLERS):
        command += f" --samplers {args.samplers}"
    write_report(args.out, runs, refs, command)
    print((args.out / "results.md").read_text())


if __name__ == "__main__":
    main()
