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

Ablations (run only when ``--samplers`` names them; ``VARIANTS``): GammaBOSampler with one
decision of 0.2 undone or one alternative tried, each through the sampler's public settings
(``optuna_gamma.surrogate.SurrogateSettings``).

Each study runs through ``study.ask(distributions)`` / ``study.tell``, so the time of ``ask`` is
exactly the sampler's time for the trial's suggestion (recorded per trial, one thread).

    python -m benchmarks bbob --seeds 0-4 --workers 2              # the main run (resumable)
    python -m benchmarks bbob --samplers all --seeds 0-4 --workers 2   # with the ablations
    python -m benchmarks bbob --problems hartmann6 --seeds 0-49 --workers 2 --samplers all
    python -m benchmarks bbob --report                             # tables from every stored run
    python -m benchmarks bbob --quick                              # smoke run, git-ignored folder

(``python -m benchmarks.bbob ...`` is the same command.) The committed runs are packed into
``benchmarks/results/bbob/runs.jsonl.xz`` (``--archive``): per run its best value so far at each
improvement and the ask seconds of every trial -- everything the report reads; the store reads
the archive as if its runs were files, so a later run resumes rather than repeats them. New runs
go to ``raw/`` (git-ignored) until packed.
"""

from __future__ import annotations

from collections.abc import Sequence
import math
import os
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any

import numpy as np

from benchmarks import _env
from benchmarks import _frame

_env.limit_threads(1)

import optuna  # noqa: E402
from optuna.distributions import BaseDistribution  # noqa: E402
from optuna.distributions import FloatDistribution  # noqa: E402

from benchmarks.problems import hartmann6  # noqa: E402
from optuna_gamma import GammaBOSampler  # noqa: E402
from optuna_gamma.surrogate import SurrogateSettings  # noqa: E402

MAIN = ("gamma", "gp", "tpe", "cmaes")
BUDGETS = (10, 25, 50, 100)
STUCK = _frame.STUCK
LOG_FLOOR = 1e-8
N_REFERENCE = 10_000
DIMENSIONS = (2, 5, 10)
FUNCTIONS = range(1, 25)
BBOB = tuple(f"f{f:02d}-d{d:02d}" for d in DIMENSIONS for f in FUNCTIONS)
# Suite bbob_large: many parameters and long studies. Eight functions, at least one of each
# group below (separable: sphere, Rastrigin; moderate conditioning: attractive sector,
# Rosenbrock; high conditioning: ellipsoid; multimodal with global structure: Rastrigin,
# Schaffer F7; weak structure: Gallagher's 101 peaks), in 20 and 40 dimensions, 500 trials.
LARGE_DIMENSIONS = (20, 40)
LARGE_FUNCTIONS = (1, 3, 6, 8, 10, 15, 17, 21)
LARGE_BUDGETS = (50, 100, 200, 300, 500, 1000)
LARGE = tuple(f"f{f:02d}-d{d:02d}" for d in LARGE_DIMENSIONS for f in LARGE_FUNCTIONS)
LARGE_MAIN = ("gamma", "gp", "tpe-mv", "cmaes")
# Long studies in few dimensions (the regime where the model holds a subset of the trials).
LONG = tuple(f"f{f:02d}-d{d:02d}" for d in (5, 10) for f in LARGE_FUNCTIONS)
PROBLEMS = BBOB + ("hartmann6",) + LARGE + tuple(p for p in LONG if p not in BBOB)
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
# ``(description, sampler keyword arguments)``, the alternatives through the sampler's public
# SurrogateSettings, so the library keeps one code path and the benchmark touches no internals.


def dimension_scaled_lengthscale_prior(inv_ls2: np.ndarray) -> tuple[float, np.ndarray]:
    """Hvarfner, Hellsten & Nardi (ICML 2024): lengthscales ``l ~ LogNormal(sqrt(2) + log(d) / 2,
    sqrt(3))`` on the unit cube, so the prior lengthscale grows with the dimension ``d``. The log
    density (up to a constant) and its gradient with respect to ``theta = log inv_ls2``, the
    form ``SurrogateSettings(lengthscale_prior=...)`` takes (the noise prior stays the
    library's)."""
    mu, var = math.sqrt(2.0) + 0.5 * math.log(len(inv_ls2)), 3.0
    z = -0.5 * np.log(inv_ls2) - mu  # log l - mu, with log l = -theta / 2
    return float(np.sum(-(z**2) / (2 * var))), z / (2 * var)


VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "gamma-0.1": (
        "GammaBOSampler 0.1: both decisions undone",
        {
            "surrogate_settings": SurrogateSettings(
                lengthscale_prior_mode=1.0, acquisition_starts="best"
            )
        },
    ),
    "gamma-loosefit": (
        "the kernel fit's loose tolerance (1e-6) at every number of trials, not from 200 on",
        {"surrogate_settings": SurrogateSettings(loose_fit_from=0)},
    ),
    "gamma-prior1": (
        "lengthscale prior with its mode at 1 (0.1's and GPSampler's)",
        {"surrogate_settings": SurrogateSettings(lengthscale_prior_mode=1.0)},
    ),
    "gamma-beststarts": (
        "acquisition starts: the top-scored candidates (0.1's)",
        {"surrogate_settings": SurrogateSettings(acquisition_starts="best")},
    ),
    "gamma-dimprior": (
        "dimension-scaled lengthscale prior (Hvarfner et al. 2024)",
        {
            "surrogate_settings": SurrogateSettings(
                lengthscale_prior=dimension_scaled_lengthscale_prior
            )
        },
    ),
    "gamma-startup5": (
        "5 start-up trials whatever the dimension (the default before 0.2; the default now "
        "takes one per four parameters where that is more: 10 in 40-D)",
        {"n_startup_trials": 5},
    ),
    "gamma-startup10": (
        "10 start-up trials (GPSampler's number) instead of 5",
        {"n_startup_trials": 10},
    ),
    "gamma-exact": (
        "every trial in the exact model, kernel refitted on every trial (no long-study "
        "regime: max_model_trials=None, refit_from=None)",
        {"surrogate_settings": SurrogateSettings(max_model_trials=None, refit_from=None)},
    ),
    "gamma-cap200": (
        "the long-study subset from 200 trials on instead of 1000 (its cost, measured on "
        "studies of a few hundred trials)",
        {"surrogate_settings": SurrogateSettings(max_model_trials=200)},
    ),
    "gamma-nolocal": (
        "no candidates near the best trials in many dimensions (local_candidates_from=None, "
        "the rule before them: quasi-random candidates and the three best trials only)",
        {"surrogate_settings": SurrogateSettings(local_candidates_from=None)},
    ),
    "gamma-robust": (
        "where the fitted noise is not negligible (rugged functions), observations with a "
        "leave-one-out residual above 2.5 predictive scales get a larger noise variance "
        "(robust_noise=True)",
        {"surrogate_settings": SurrogateSettings(robust_noise=True)},
    ),
    "gamma-plug-in": (
        "EI's incumbent the best posterior mean where the fitted noise is not negligible "
        "(docs/math.md §11), not the best observed value",
        {"surrogate_settings": SurrogateSettings(incumbent="plug_in")},
    ),
    "gamma-trust-region": (
        "while the fitted noise is not negligible, the acquisition maximised within 0.25 of "
        "each range of the trial of best posterior mean (noisy_trust_region=0.25): what it "
        "costs where the 'noise' is a rugged function's structure",
        {"surrogate_settings": SurrogateSettings(noisy_trust_region=0.25)},
    ),
    "gamma-no-trust-region": (
        "the acquisition maximised over the whole box while the fitted noise is not negligible "
        "too (noisy_trust_region=None; the default before 0.2; in 20 or more dimensions the "
        "trust region of trust_region_from stays, with the default width)",
        {"surrogate_settings": SurrogateSettings(noisy_trust_region=None)},
    ),
    "gamma-whole-box-20": (
        "the acquisition maximised over the whole box in spaces of 20 or more continuous "
        "parameters while the fitted noise is negligible (trust_region_from=None; the default "
        "before 0.2, when the trust region acted under noise only)",
        {"surrogate_settings": SurrogateSettings(trust_region_from=None)},
    ),
    "gamma-noise-prior1": (
        "the noise ratio's Gamma prior with rate 1 (prior mean 1.1), not 30: the setting for "
        "objectives known to be noisy, measured where it is wrong (noise_prior_rate=1)",
        {"surrogate_settings": SurrogateSettings(noise_prior_rate=1.0)},
    ),
    "gamma-noise-check": (
        "the best trial re-evaluated while the fit sees noise and repeats have not told, the "
        "noise prior's rate 1 once repeats differ, from 10 trials (noise_check=True, "
        "noise_check_from=10; from 25 by default since 0.2): what the check costs where there "
        "is no noise",
        {"surrogate_settings": SurrogateSettings(noise_check=True, noise_check_from=10)},
    ),
    "gamma-noise-check-25": (
        "the noise check from 25 COMPLETE trials (noise_check=True, noise_check_from=25; the "
        "default since 0.2): what the later check costs where there is no noise",
        {"surrogate_settings": SurrogateSettings(noise_check=True, noise_check_from=25)},
    ),
    "gamma-no-noise-check": (
        "no noise check (noise_check=False; the default before 0.2)",
        {"surrogate_settings": SurrogateSettings(noise_check=False)},
    ),
}
SAMPLERS = MAIN + ("tpe-mv",) + tuple(VARIANTS)
LABELS = {
    "gamma": "GammaBOSampler",
    "gp": "GPSampler",
    "tpe": "TPESampler",
    "tpe-mv": "TPESampler(multivariate=True)",
    "cmaes": "CmaEsSampler",
}


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    if name == "gamma":
        return GammaBOSampler(seed=seed)
    if name in VARIANTS:
        return GammaBOSampler(seed=seed, **VARIANTS[name][1])
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS)}")


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


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One study: per trial its value and the seconds ``ask`` took."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    f, d, lo, hi = _objective(job.problem, job.seed)
    study = optuna.create_study(sampler=make_sampler(job.sampler, job.seed))
    distributions: dict[str, BaseDistribution] = {
        f"x{i}": FloatDistribution(lo, hi) for i in range(d)
    }
    values, seconds = [], []
    for _ in range(job.n_trials):
        start = time.perf_counter()
        trial = study.ask(distributions)
        seconds.append(round(time.perf_counter() - start, 5))
        value = f(np.array([trial.params[f"x{i}"] for i in range(d)]))
        study.tell(trial, value)
        values.append(value)
    return {
        "problem": job.problem,
        "sampler": job.sampler,
        "seed": job.seed,
        "trials": values,
        "ask_seconds": seconds,
    }


def pack(run: dict[str, Any]) -> dict[str, Any]:
    """A run as the archive keeps it: ``trials`` replaced by ``improvements``, the ``[trial,
    value]`` pairs where the best value so far fell -- every number the report reads is a best
    value so far, and the other trials' values are most of a run's size."""
    out = {k: v for k, v in run.items() if k != "trials"}
    out["improvements"], best = [], math.inf
    for i, value in enumerate(run["trials"]):
        if value < best:
            out["improvements"].append([i, value])
            best = value
    out["n_evaluated"] = len(run["trials"])
    return out


def unpack(packed: dict[str, Any]) -> dict[str, Any]:
    """The run of :func:`pack` with ``trials`` holding the best value so far at each trial
    (``trials_are_best_so_far`` says so)."""
    if "trials" in packed:
        return packed
    run = {k: v for k, v in packed.items() if k not in ("improvements", "n_evaluated")}
    trials: list[float] = []
    for i, value in packed["improvements"]:  # the first improvement is the first trial
        if trials:
            trials += [trials[-1]] * (i - len(trials))
        trials.append(value)
    trials += [trials[-1]] * (packed["n_evaluated"] - len(trials))
    run["trials"] = trials
    run["trials_are_best_so_far"] = True
    return run


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
    """Per problem, sampler and budget (:func:`benchmarks._frame.regret_rows`): mean and
    median normalised regret over seeds, stuck share, mean rank (an ablation ranked against the
    baselines in place of ``gamma``), mean log10 regret; then the means over the bbob problems,
    by group and dimension, the medians over all bbob runs, and the ask times."""
    by_key, problems, samplers, complete = _frame.index_runs(runs, PROBLEMS, SAMPLERS)
    baselines = [s for s in ("gp", "tpe", "tpe-mv", "cmaes") if s in samplers]

    def rank_groups(present: list[str]) -> list[list[str]]:
        ours = [s for s in present if s not in baselines]  # "gamma" first when present
        return [[s, *baselines] for s in ours] or [baselines]

    def nreg(run: dict[str, Any], b: int) -> float:
        return _nreg(_best_at(run, b), refs[ref_key(run["problem"], run["seed"])])

    def extra(p: str, s: str, b: int, chosen: list[dict[str, Any]]) -> dict[str, Any]:
        logs = [
            math.log10(max(_best_at(r, b) - refs[ref_key(p, r["seed"])]["optimum"], LOG_FLOOR))
            for r in chosen
        ]
        return {"mean_log10_regret": statistics.fmean(logs)}

    per_problem = _frame.regret_rows(
        runs, PROBLEMS, SAMPLERS, budgets, nreg, _best_at, rank_groups=rank_groups, extra=extra
    )
    bbob_rows = [r for r in per_problem if r["problem"] != "hartmann6"]
    groups = {}
    for label, members in GROUPS.items():
        rows = [r for r in bbob_rows if int(r["problem"][1:3]) in members]
        groups[label] = _frame.overall(rows, samplers)
    for d in DIMENSIONS + LARGE_DIMENSIONS:
        rows = [r for r in bbob_rows if r["problem"].endswith(f"d{d:02d}")]
        if rows:
            groups[f"{d}-D"] = _frame.overall(rows, samplers)
    log10_regret = []
    for b in budgets:
        for s in samplers:
            rows = [r for r in bbob_rows if r["sampler"] == s and r["budget"] == b]
            if not rows:
                continue
            every = [
                nreg(by_key[(p, s, seed)], b)
                for p in problems
                if p != "hartmann6"
                for seed in complete[p]
            ]
            log10_regret.append(
                {
                    "sampler": s,
                    "budget": b,
                    "mean_log10_regret": statistics.fmean(r["mean_log10_regret"] for r in rows),
                    "median_nreg": statistics.median(every),
                }
            )
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
        "overall": _frame.overall(bbob_rows, samplers),
        "groups": groups,
        "log10_regret": sorted(
            log10_regret, key=lambda r: (SAMPLERS.index(r["sampler"]), r["budget"])
        ),
        "ask": ask,
        "per_problem": per_problem,
    }


def report(
    ctx: _frame.ReportContext, main: Sequence[str] = MAIN, budgets: Sequence[int] = BUDGETS
) -> str:
    """results.md, summary.json and machine.json from every stored run; references.json holds
    each instance's optimum and random median. ``main``: the samplers of the first table (the
    others are ablations); ``budgets``: those reported where every run reached them."""
    keys = sorted({ref_key(r["problem"], r["seed"]) for r in ctx.runs})

    def compute(key: str) -> dict[str, float]:
        problem, instance = key.split("/i")
        return reference(problem, int(instance) - 1)

    refs = _frame.cached_references(ctx.out, keys, compute, sort_keys=True)
    return write_report(ctx, refs, main, budgets)


def report_large(ctx: _frame.ReportContext) -> str:
    """:func:`report` of suite ``bbob_large`` (its baselines: GPSampler, multivariate TPE,
    CMA-ES)."""
    return report(ctx, LARGE_MAIN, LARGE_BUDGETS)


def write_report(
    ctx: _frame.ReportContext,
    refs: dict[str, dict[str, float]],
    main: Sequence[str] = MAIN,
    budgets: Sequence[int] = BUDGETS,
) -> str:
    s = summarise(ctx.runs, refs, _frame.report_budgets(ctx.runs, budgets))
    _frame.save_summary(ctx.out, s, ctx.info)
    n_bbob = len({r["problem"] for r in s["per_problem"] if r["problem"] != "hartmann6"})
    lines = [
        "# COCO bbob",
        "",
        ctx.header(
            {
                "seeds": f"{_frame.seed_spec(ctx.seeds)} (instance = seed + 1; runs per "
                "problem below)",
                "samplers": ", ".join(LABELS[m] for m in main) + " (defaults)",
            }
        ),
        "",
        f"Over the {n_bbob} bbob problems that have runs (mean over problems of each problem's "
        f"mean over seeds): mean normalised regret, mean rank, share of runs with normalised "
        f'regret above {STUCK} ("stuck"):',
        "",
        *_frame.overall_table([r for r in s["overall"] if r["sampler"] in main]),
    ]
    ablations = [r for r in s["overall"] if r["sampler"] not in main[1:]]
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
            *_frame.overall_table(ablations),
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
        lines += ["", f"### {label}", "", *_frame.overall_table(rows)]
    lines += [
        "",
        "Median seconds per `ask`: "
        + ", ".join(f"{k} {v['median_ask_s']:.3f}" for k, v in s["ask"].items()),
        "",
        "## Per problem",
        "",
        *_frame.table(
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
    text = "\n".join(lines) + "\n"
    (ctx.out / "results.md").write_text(text)
    return text


SUITES = {
    "bbob": _frame.Suite(
        name="bbob",
        title="Global search on COCO's bbob suite (24 functions in 2, 5, 10-D) and Hartmann-6: "
        "normalised regret, rank and stuck share against GPSampler, TPE and CMA-ES.",
        run_one=run_one,
        report=report,
        problems=PROBLEMS,
        samplers=MAIN,
        ablations=tuple(VARIANTS),
        default_problems=BBOB + ("hartmann6",),
        groups={
            "bbob": BBOB,
            **{f"d{d}": tuple(p for p in BBOB if p.endswith(f"d{d:02d}")) for d in DIMENSIONS},
        },
        seeds="0-4",
        quick={
            "problems": "f15-d02,hartmann6",
            "samplers": "gamma,tpe",
            "seeds": "0-1",
            "n_trials": "12",
        },
        docs='docs/benchmarks.md, "Global search"',
        pack=pack,
        unpack=unpack,
    ),
    "bbob_large": _frame.Suite(
        name="bbob_large",
        title="Many parameters and long studies: 8 bbob functions in 20 and 40-D (500 trials) "
        "against GPSampler, multivariate TPE and CMA-ES; in 5 and 10-D, the long-study "
        "regime against the exact model.",
        run_one=run_one,
        report=report_large,
        problems=PROBLEMS,
        samplers=LARGE_MAIN,
        ablations=tuple(VARIANTS),
        default_problems=LARGE,
        groups={
            "large": LARGE,
            "long": LONG,
            **{f"d{d}": tuple(p for p in LARGE if p.endswith(f"d{d:02d}")) for d in (20, 40)},
        },
        seeds="0-4",
        n_trials=500,
        quick={
            "problems": "f01-d20",
            "samplers": "gamma,tpe-mv",
            "seeds": "0",
            "n_trials": "12",
        },
        docs='docs/benchmarks.md, "Long studies and many parameters"',
        pack=pack,
        unpack=unpack,
    ),
}

if __name__ == "__main__":
    sys.exit(_frame.main("bbob"))
