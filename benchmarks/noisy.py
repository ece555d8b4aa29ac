"""Noisy objectives: how good is the configuration a study recommends?

Every task returns a noisy value whose noise-free *truth* is computable, and every run is scored
by the truth of the configuration it would recommend (*inference regret*), not by its luckiest
observation:

- synthetic functions (``branin``, 2-D; ``hartmann6``, 6-D) with Gaussian or heavy-tailed
  (Student-t, 3 degrees of freedom) noise at two levels: a noise standard deviation of 5 %
  (``low``) or 20 % (``high``) of the gap between the function's median over the box and its
  minimum (``branin-gauss-low`` ... ``hartmann6-t3-high``); the truth is the function;
- tabulated training runs (:mod:`benchmarks.noisy_tasks`): four scikit-learn tasks scored on a
  random validation split and a PyTorch MLP on digits trained from a random seed, each
  evaluation one of 20 recorded values of the configuration, drawn at random; the truth is the
  mean of the 20.

All are minimised. Per run and budget ``b`` (25, 50, 100 evaluations) the report scores these
recommendations:

- ``best``: ``study.best_trial`` after ``b`` trials (the best observed value);
- ``predicted``: :func:`optuna_gamma.best_predicted_trial` after ``b`` trials (GammaBOSampler's
  model, here fitted to every sampler's trials);
- ``reeval``: the baseline "re-evaluate the top 5 three times": the study's first ``b - 15``
  trials, the five best observed configurations each evaluated three more times, the one with
  the best mean of those three kept (15 evaluations, so ``b`` in all);
- ``evaluated``: the configuration with the best *truth* among the first ``b`` trials -- no
  rule can know it, but none that keeps an evaluated configuration can beat it: the gap
  between it and ``predicted`` is what a better recommendation could still gain from the
  same trials, and its own regret is the search's share.

Normalised regret: ``(truth - minimum) / (median - minimum)``, with the truth's minimum and
median over the box (10,000 random points, seed 12345) or over the task's grid. Stuck: the
share of runs with normalised regret above 0.1.

    python -m benchmarks noisy --workers 2                   # the committed run (resumable)
    python -m benchmarks noisy --samplers gamma-plug-in      # an ablation
    python -m benchmarks noisy --report                      # the report of every stored run
    python -m benchmarks noisy --quick                       # a smoke run, git-ignored folder

Runs: ``benchmarks/results/noisy/raw/<task>/<sampler>-<seed>.json`` (git-ignored); report:
``results.md``, ``summary.json``, ``references.json`` beside it (committed).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
import dataclasses
import functools
import statistics
import sys
from typing import Any

import numpy as np

from benchmarks import _env
from benchmarks import _frame
from benchmarks import noisy_tasks
from benchmarks import problems

_env.limit_threads(1)

import optuna  # noqa: E402

SAMPLERS = ("gamma", "gp", "tpe")
# GammaBOSampler with one alternative of docs/math.md §11: run only when --samplers names them.
_ABLATION_SETTINGS: dict[str, dict[str, Any]] = {
    "gamma-plug-in": {"incumbent": "plug_in"},
    "gamma-repeats": {"noisy_repeats": True},
    "gamma-exact": {"max_model_trials": None, "refit_from": None},
    "gamma-cap200": {"max_model_trials": 200},
    "gamma-robust": {"robust_noise": True},
    "gamma-robust-plug-in": {"robust_noise": True, "incumbent": "plug_in"},
    "gamma-noise-prior1": {"noise_prior_rate": 1.0},
    "gamma-noise-prior1-robust": {"noise_prior_rate": 1.0, "robust_noise": True},
    "gamma-noise-prior1-repeats": {"noise_prior_rate": 1.0, "noisy_repeats": True},
    "gamma-noise-prior1-plug-in": {"noise_prior_rate": 1.0, "incumbent": "plug_in"},
    "gamma-trust-region": {"noisy_trust_region": 0.25},
    "gamma-noise-check": {"noise_check": True, "noise_check_from": 10},
    "gamma-no-trust-region": {"noisy_trust_region": None},
    "gamma-noise-check-25": {"noise_check": True, "noise_check_from": 25},
    "gamma-no-noise-check": {"noise_check": False},
}
ABLATIONS = tuple(_ABLATION_SETTINGS)
ABLATION_ABOUT = {
    "gamma-plug-in": "under noise, EI improves on the best posterior mean at the evaluated "
    "points (the plug-in rule), not on the best observed value",
    "gamma-repeats": "under noise, a maximiser that repeats an evaluated configuration is kept "
    "(a re-evaluation)",
    "gamma-exact": "no long-study regime: every trial in the exact model, the kernel refitted "
    "on every trial (docs/math.md §12)",
    "gamma-cap200": "the long-study subset from 200 trials on instead of 1000 (docs/math.md §12)",
    "gamma-robust": "under noise, observations with a leave-one-out residual above 2.5 predictive "
    "scales get a larger noise variance (one reweighting step)",
    "gamma-robust-plug-in": "both: the robust step and the plug-in incumbent",
    "gamma-noise-prior1": "the noise ratio's Gamma prior with rate 1 (prior mean 1.1), not 30 "
    "(noise_prior_rate=1)",
    "gamma-noise-prior1-robust": "the noise prior with rate 1 and the robust step",
    "gamma-noise-prior1-repeats": "the noise prior with rate 1 and re-evaluations kept",
    "gamma-noise-prior1-plug-in": "the noise prior with rate 1 and the plug-in incumbent",
    "gamma-trust-region": "under noise, the acquisition maximised within 0.25 of each range "
    "around the trial of best posterior mean (noisy_trust_region=0.25)",
    "gamma-noise-check": "the noise check from 10 COMPLETE trials (noise_check=True, "
    "noise_check_from=10; from 25 by default since 0.2)",
    "gamma-no-trust-region": "under noise too, the acquisition maximised over the whole box "
    "(noisy_trust_region=None; the default before 0.2)",
    "gamma-noise-check-25": "the noise check from 25 COMPLETE trials (noise_check=True, "
    "noise_check_from=25; the default since 0.2)",
    "gamma-no-noise-check": "no noise check: the best trial never re-evaluated on purpose, the "
    "noise prior's rate 30 throughout (noise_check=False; the default before 0.2)",
}
# Reported where every run reached them; the long-study check runs 400 trials.
BUDGETS = (25, 50, 100, 200, 400)
RULES = ("predicted", "best", "reeval", "evaluated")
REEVAL_TOP = 5
REEVAL_TIMES = 3
STUCK = _frame.STUCK
_REFERENCE_POINTS = 10_000
_REFERENCE_SEED = 12345

# -- tasks ----------------------------------------------------------------------------------------

_FUNCTIONS = ("branin", "hartmann6")
NOISES: dict[str, tuple[str, float]] = {
    "gauss-low": ("gauss", 0.05),
    "gauss-high": ("gauss", 0.2),
    "t3-low": ("t3", 0.05),
    "t3-high": ("t3", 0.2),
}
SYNTHETIC = tuple(f"{f}-{n}" for f in _FUNCTIONS for n in NOISES)
TABULATED = tuple(noisy_tasks.TASKS)
PROBLEMS = (*SYNTHETIC, *TABULATED)
GROUPS = {
    "synthetic": SYNTHETIC,
    "tabulated": TABULATED,
}


@dataclasses.dataclass(frozen=True)
class Task:
    """A noisy task: ``suggest`` asks a trial for the parameters, ``truth`` is the noise-free
    value of a configuration, ``draw`` one noisy evaluation of it."""

    suggest: Callable[[optuna.Trial], dict[str, Any]]
    truth: Callable[[Mapping[str, Any]], float]
    draw: Callable[[Mapping[str, Any], np.random.Generator], float]


@functools.cache
def box_reference(function: str) -> tuple[float, float]:
    """The function's known minimum and its median over the box (random points, fixed seed)."""
    problem = problems.get_problem(function)
    assert problem.distributions is not None and problem.optimum is not None
    rng = np.random.default_rng(_REFERENCE_SEED)
    bounds = [(d.low, d.high) for d in problem.distributions.values()]  # type: ignore[attr-defined]
    lo, hi = np.array(bounds).T
    X = lo + (hi - lo) * rng.random((_REFERENCE_POINTS, len(bounds)))
    values = [problem.evaluate(dict(zip(problem.distributions, x))) for x in X]
    return float(problem.optimum), float(np.median(values))


def _synthetic(name: str) -> Task:
    function, noise = name.split("-", 1)
    family, level = NOISES[noise]
    problem = problems.get_problem(function)
    optimum, median = box_reference(function)
    sd = level * (median - optimum)

    def draw(params: Mapping[str, Any], rng: np.random.Generator) -> float:
        e = rng.standard_normal() if family == "gauss" else rng.standard_t(3) / np.sqrt(3.0)
        return problem.evaluate(dict(params)) + sd * float(e)

    return Task(problem.suggest, lambda p: problem.evaluate(dict(p)), draw)


def _tabulated(name: str) -> Task:
    task = noisy_tasks.TASKS[name]
    table = noisy_tasks.load_table(name)

    def draw(params: Mapping[str, Any], rng: np.random.Generator) -> float:
        values = table[task.key(params)]
        return values[int(rng.integers(len(values)))]

    return Task(task.suggest, lambda p: statistics.fmean(table[task.key(p)]), draw)


@functools.cache
def task_of(name: str) -> Task:
    return _tabulated(name) if name in noisy_tasks.TASKS else _synthetic(name)


# -- samplers and runs ----------------------------------------------------------------------------


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    from optuna_gamma import GammaBOSampler
    from optuna_gamma.surrogate import SurrogateSettings

    if name == "gamma":
        return GammaBOSampler(seed=seed, warn_independent_sampling=False)
    if name in _ABLATION_SETTINGS:
        settings = SurrogateSettings(**_ABLATION_SETTINGS[name])
        return GammaBOSampler(
            seed=seed, warn_independent_sampling=False, surrogate_settings=settings
        )
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS + ABLATIONS)}")


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One study: per trial its noisy value, its truth and its parameters; per budget the
    trial ``best_predicted_trial`` recommends and the re-evaluation baseline's choice."""
    import warnings

    from optuna_gamma import best_predicted_trial

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore")
    task = task_of(job.problem)
    noise = np.random.default_rng([job.seed, 0x6E6F6973])
    budgets = [b for b in BUDGETS if b <= job.n_trials]
    predicted: dict[str, int] = {}

    def objective(trial: optuna.Trial) -> float:
        return task.draw(task.suggest(trial), noise)

    def recommend(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if len(study.trials) in budgets:
            predicted[str(len(study.trials))] = best_predicted_trial(study).number

    study = optuna.create_study(sampler=make_sampler(job.sampler, job.seed))
    study.optimize(objective, n_trials=job.n_trials, callbacks=[recommend])
    trials = [
        {"value": t.value, "truth": task.truth(t.params), "params": t.params} for t in study.trials
    ]
    reeval = {
        str(b): reevaluate(trials[: b - REEVAL_TOP * REEVAL_TIMES], task, job.seed, b)
        for b in budgets
    }
    return {
        "problem": job.problem,
        "sampler": job.sampler,
        "seed": job.seed,
        "trials": trials,
        "predicted": predicted,
        "reeval": reeval,
    }


def reevaluate(trials: list[dict[str, Any]], task: Task, seed: int, budget: int) -> int:
    """The baseline's choice among ``trials``: the ``REEVAL_TOP`` best observed distinct
    configurations, each evaluated ``REEVAL_TIMES`` more times; the index of the one whose
    new evaluations have the best mean."""
    rng = np.random.default_rng([seed, budget, 0x72656576])
    order = sorted(range(len(trials)), key=lambda i: trials[i]["value"])
    top: list[int] = []
    for i in order:
        if all(trials[i]["params"] != trials[j]["params"] for j in top):
            top.append(i)
        if len(top) == REEVAL_TOP:
            break
    means = [
        statistics.fmean(task.draw(trials[i]["params"], rng) for _ in range(REEVAL_TIMES))
        for i in top
    ]
    return top[int(np.argmin(means))]


def reference(problem: str) -> dict[str, float]:
    """The truth's minimum and median: over the box for a synthetic task, the grid otherwise."""
    if problem in noisy_tasks.TASKS:
        truths = [statistics.fmean(v) for v in noisy_tasks.load_table(problem).values()]
        return {"optimum": min(truths), "median": statistics.median(truths)}
    optimum, median = box_reference(problem.split("-", 1)[0])
    return {"optimum": optimum, "median": median}


# -- the report -----------------------------------------------------------------------------------


def chosen(run: dict[str, Any], rule: str, budget: int) -> int | None:
    """The index of the trial ``rule`` recommends after ``budget`` trials (``None``: not
    recorded, e.g. a shorter run)."""
    if rule in ("best", "evaluated"):
        head = run["trials"][:budget]
        if len(head) < budget:
            return None
        key = "value" if rule == "best" else "truth"
        return min(range(budget), key=lambda i: head[i][key])
    return run.get(rule, {}).get(str(budget))


def summarise(
    runs: list[dict[str, Any]], refs: dict[str, dict[str, float]], budgets: tuple[int, ...]
) -> dict[str, Any]:
    """Per task, method (sampler and rule) and budget: mean and median normalised regret of
    the recommendation's truth and the stuck share; their means over tasks, overall and per
    group."""
    cells: dict[tuple[str, str, int], list[float]] = {}
    for run in runs:
        p, ref = run["problem"], refs[run["problem"]]
        scale = ref["median"] - ref["optimum"]
        for rule in RULES:
            for b in budgets:
                i = chosen(run, rule, b)
                if i is not None:
                    nreg = max(run["trials"][i]["truth"] - ref["optimum"], 0.0) / scale
                    cells.setdefault((p, f"{run['sampler']}/{rule}", b), []).append(nreg)
    per_task = [
        {
            "problem": p,
            "method": m,
            "budget": b,
            "runs": len(v),
            "mean_nreg": statistics.fmean(v),
            "median_nreg": statistics.median(v),
            "stuck": sum(x > STUCK for x in v) / len(v),
        }
        for (p, m, b), v in sorted(cells.items(), key=lambda kv: (PROBLEMS.index(kv[0][0]),
                                                                   kv[0][2], kv[0][1]))
    ]  # fmt: skip
    groups = {
        "all": PROBLEMS,
        "synthetic, Gaussian noise": tuple(p for p in SYNTHETIC if "-gauss-" in p),
        "synthetic, Student-t noise": tuple(p for p in SYNTHETIC if "-t3-" in p),
        "low noise (5 %)": tuple(p for p in SYNTHETIC if p.endswith("-low")),
        "high noise (20 %)": tuple(p for p in SYNTHETIC if p.endswith("-high")),
        "tabulated training runs": TABULATED,
    }
    return {
        "per_task": per_task,
        "groups": {g: _over_tasks(per_task, members) for g, members in groups.items()},
    }


def _over_tasks(rows: list[dict[str, Any]], members: tuple[str, ...]) -> list[dict[str, Any]]:
    """Means over the tasks in ``members`` that every method of a budget ran."""
    out = []
    for b in sorted({r["budget"] for r in rows}):
        at = [r for r in rows if r["budget"] == b and r["problem"] in members]
        methods = sorted({r["method"] for r in at})
        tasks = set.intersection(
            *({r["problem"] for r in at if r["method"] == m} for m in methods)
        ) if methods else set()  # fmt: skip
        for m in methods:
            found = [r for r in at if r["method"] == m and r["problem"] in tasks]
            if found:
                out.append({
                    "method": m,
                    "budget": b,
                    "tasks": len(found),
                    "mean_nreg": statistics.fmean(r["mean_nreg"] for r in found),
                    "median_nreg": statistics.fmean(r["median_nreg"] for r in found),
                    "stuck": statistics.fmean(r["stuck"] for r in found),
                })  # fmt: skip
    return out


def _config_key(params: Mapping[str, Any]) -> str:
    """A configuration's parameters as one comparable key."""
    return repr(sorted(params.items()))


def repeat_counts(runs: list[dict[str, Any]], budget: int) -> dict[str, float]:
    """Per sampler, the mean number of trials among the first ``budget`` of a run on a
    tabulated task that re-evaluate a configuration the run had already evaluated."""
    counts: dict[str, list[int]] = {}
    for run in runs:
        if run["problem"] not in TABULATED:
            continue
        seen: set[str] = set()
        repeated = 0
        for t in run["trials"][:budget]:
            key = _config_key(t["params"])
            repeated += key in seen
            seen.add(key)
        counts.setdefault(run["sampler"], []).append(repeated)
    return {s: statistics.fmean(v) for s, v in counts.items()}


def repeat_outcomes(runs: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per sampler, over all its runs (every task): how many runs evaluated some configuration
    again (``repeated``), how many did so twice or more (``twice``), and in how many the first
    re-evaluation gave exactly the earlier value (``first_agreed``; of them, ``tied``: where
    two different configurations evaluated before it had the same value, which the noise check
    reads as few distinct scores) and the first two did (``two_agreed``): on a noisy task,
    chance agreements."""
    out: dict[str, dict[str, int]] = {}
    for run in runs:
        first: dict[str, float] = {}
        agreed: list[bool] = []
        tied = False
        for t in run["trials"]:
            key = _config_key(t["params"])
            if key in first:
                if not agreed:
                    tied = len(set(first.values())) < len(first)
                agreed.append(t["value"] == first[key])
            else:
                first[key] = t["value"]
        row = out.setdefault(
            run["sampler"],
            {"runs": 0, "repeated": 0, "twice": 0, "first_agreed": 0, "tied": 0,
             "two_agreed": 0},
        )  # fmt: skip
        row["runs"] += 1
        row["repeated"] += bool(agreed)
        row["twice"] += len(agreed) >= 2
        row["first_agreed"] += bool(agreed) and agreed[0]
        row["tied"] += bool(agreed) and agreed[0] and tied
        row["two_agreed"] += len(agreed) >= 2 and agreed[0] and agreed[1]
    return out


def paired_difference(
    runs: list[dict[str, Any]],
    refs: dict[str, dict[str, float]],
    ablation: str,
    budgets: tuple[int, ...],
) -> list[dict[str, float]]:
    """Per budget: the ablation's normalised regret with the ``predicted`` rule minus the
    default's, paired by task and seed, averaged per task (``per_task``); the mean over tasks
    and its standard error over tasks."""
    by = {(r["sampler"], r["problem"], r["seed"]): r for r in runs}
    out = []
    for b in budgets:
        per_task: dict[str, list[float]] = {}
        for (sampler, p, seed), run in by.items():
            base = by.get(("gamma", p, seed))
            if sampler != ablation or base is None:
                continue
            ref = refs[p]
            scale = ref["median"] - ref["optimum"]
            nreg = [
                max(r["trials"][i]["truth"] - ref["optimum"], 0.0) / scale
                for r in (run, base)
                for i in [chosen(r, "predicted", b)]
                if i is not None
            ]
            if len(nreg) == 2:
                per_task.setdefault(p, []).append(nreg[0] - nreg[1])
        means = {p: statistics.fmean(v) for p, v in per_task.items()}
        if len(means) > 1:
            se = statistics.stdev(means.values()) / len(means) ** 0.5
            mean = statistics.fmean(means.values())
            out.append({"budget": b, "mean": mean, "se": se, "per_task": means})
    return out


_MAIN_METHODS = (
    "gamma/predicted",
    "gamma/best",
    "gamma/reeval",
    "gp/best",
    "gp/reeval",
    "gp/predicted",
    "tpe/best",
    "tpe/reeval",
    "tpe/predicted",
    "gamma/evaluated",
    "gp/evaluated",
    "tpe/evaluated",
)


def _group_table(rows: list[dict[str, Any]]) -> list[str]:
    """One line per method: mean normalised regret at each budget, then the stuck share."""
    budgets = sorted({r["budget"] for r in rows})
    by = {(r["method"], r["budget"]): r for r in rows}
    methods = [m for m in _MAIN_METHODS if any((m, b) in by for b in budgets)]
    methods += sorted({r["method"] for r in rows} - set(methods))
    head = (
        " | ".join(f"nreg @{b}" for b in budgets)
        + " | "
        + " | ".join(f"stuck @{b}" for b in budgets)
    )
    lines = [f"| method | tasks | {head} |", "|---" * (2 + 2 * len(budgets)) + "|"]
    for m in methods:
        cells = [by.get((m, b)) for b in budgets]
        tasks = max((c["tasks"] for c in cells if c), default=0)
        nreg = " | ".join(f"{c['mean_nreg']:.3f}" if c else "" for c in cells)
        stuck = " | ".join(f"{c['stuck']:.0%}" if c else "" for c in cells)
        lines.append(f"| {m} | {tasks} | {nreg} | {stuck} |")
    return lines


def _ablation_lines(
    ablations: dict[str, dict[str, list[dict[str, Any]]]],
    differences: dict[str, list[dict[str, Any]]],
) -> list[str]:
    """The report's "Ablations" section: per ablation its table beside the default's and the
    paired difference of the recommendation's regret."""
    lines = ["## Ablations", "",
             "GammaBOSampler's default against one decision changed, on the tasks and seeds "
             "the ablation ran:", "",
             *[f"- `{n}`: {ABLATION_ABOUT[n]}" for n in ablations], ""]  # fmt: skip
    for name, groups in ablations.items():
        paired = "; ".join(
            f"{d['budget']} evaluations {d['mean']:+.3f} ± {d['se']:.3f}"
            for d in differences[name]
        )
        lines += [f"`{name}`:", "", *_group_table(groups["all"]), ""]
        lines += [
            "Paired by task and seed, the ablation's inference regret with "
            "`best_predicted_trial` minus the default's, mean over tasks ± one standard error "
            f"over tasks: {paired}.",
            "",
        ]
        if differences[name]:
            last = differences[name][-1]
            by_task = "; ".join(f"{p} {v:+.3f}" for p, v in last["per_task"].items())
            lines += [f"The same difference by task at {last['budget']}: {by_task}.", ""]
        lines += ["By group, `best_predicted_trial`, default / ablation:", ""]
        for group, rows in groups.items():
            by = {(r["method"], r["budget"]): r["mean_nreg"] for r in rows}
            cells = [
                f"{b}: {by[('gamma/predicted', b)]:.3f} / {by[(name + '/predicted', b)]:.3f}"
                for b in sorted({r["budget"] for r in rows})
                if ("gamma/predicted", b) in by and (name + "/predicted", b) in by
            ]
            if cells and group != "all":
                lines.append(f"- {group}: " + "; ".join(cells))
        lines.append("")
    return lines


def report(ctx: _frame.ReportContext) -> str:
    """results.md, summary.json and machine.json from every stored run; references.json holds
    each task's minimum and median of the truth."""
    present = [p for p in PROBLEMS if any(r["problem"] == p for r in ctx.runs)]
    all_refs = _frame.cached_references(ctx.out, present, reference)
    refs = {k: all_refs[k] for k in present}
    budgets = _frame.report_budgets(ctx.runs, BUDGETS)
    main = [r for r in ctx.runs if r["sampler"] not in ABLATIONS]
    s = summarise(main, refs, budgets)
    ablations = {}
    ablation_rows: list[dict[str, Any]] = []
    for name in ABLATIONS:
        mine = [r for r in ctx.runs if r["sampler"] == name]
        keys = {(r["problem"], r["seed"]) for r in mine}
        pair = mine + [r for r in main if r["sampler"] == "gamma" and
                       (r["problem"], r["seed"]) in keys]  # fmt: skip
        if mine:
            ablations[name] = summarise(pair, refs, budgets)["groups"]
            ablation_rows += summarise(mine, refs, budgets)["per_task"]
    s["ablations"] = ablations
    # Per task, for comparisons with another report's runs (scripts/compare_summaries.py).
    s["ablation_per_task"] = ablation_rows
    s["ablation_differences"] = {
        name: paired_difference(ctx.runs, refs, name, budgets) for name in ablations
    }
    _frame.save_summary(ctx.out, s, ctx.info)
    lines = [
        "# Noisy objectives",
        "",
        ctx.header(
            {
                "seeds": _frame.seed_spec(ctx.seeds),
                "samplers": "GammaBOSampler, GPSampler, TPESampler (defaults)",
            }
        ),
        "",
        "Inference regret: normalised regret of the *truth* of the recommended configuration "
        "(mean over tasks of each task's mean over seeds); stuck: share of runs above "
        f"{STUCK}. Methods: `<sampler>/<rule>`, the rule `predicted` "
        "(`optuna_gamma.best_predicted_trial`), `best` (`study.best_trial`) or `reeval` (the "
        f"top {REEVAL_TOP} of the first b - {REEVAL_TOP * REEVAL_TIMES} trials re-evaluated "
        f"{REEVAL_TIMES} times each, the best mean kept); `evaluated`, for scale, is the best "
        "truth among the trials (what no recommendation from them can beat).",
        "",
    ]
    for group, rows in s["groups"].items():
        if rows:
            lines += [f"## Tasks: {group}", "", *_group_table(rows), ""]
    repeats = repeat_counts(ctx.runs, max(budgets))
    s["repeats"] = repeats
    if repeats:
        lines += [
            f"Repeated configurations in the first {max(budgets)} trials on the tabulated "
            "tasks (mean per run): " + "; ".join(f"{k} {v:.1f}" for k, v in repeats.items()) + ".",
            "",
        ]
    outcomes = repeat_outcomes(ctx.runs)
    s["repeat_outcomes"] = outcomes
    lines += [
        "Re-evaluations, all tasks: runs that evaluated a configuration again / twice or more; "
        "runs whose first re-evaluation gave exactly the earlier value (of them, with two "
        "different configurations of equal value before it) / whose first two did -- "
        + "; ".join(
            f"{k} {v['repeated']} / {v['twice']}; {v['first_agreed']} ({v['tied']}) / "
            f"{v['two_agreed']} (of {v['runs']})"
            for k, v in outcomes.items()
        )
        + ".",
        "",
    ]
    if ablations:
        lines += _ablation_lines(ablations, s["ablation_differences"])
    lines += [
        "## Per task",
        "",
        "| task | trials | method | runs | mean nreg | median nreg | stuck |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in s["per_task"]:
        lines.append(
            f"| {row['problem']} | {row['budget']} | {row['method']} | {row['runs']} "
            f"| {row['mean_nreg']:.3f} | {row['median_nreg']:.3f} | {row['stuck']:.0%} |"
        )
    lines += [
        "",
        "Per task: minimum and median of the truth -- "
        + "; ".join(f"{p} {v['optimum']:.4g}, {v['median']:.4g}" for p, v in refs.items()),
    ]
    text = "\n".join(lines) + "\n"
    (ctx.out / "results.md").write_text(text)
    return text


SUITES = {
    "noisy": _frame.Suite(
        name="noisy",
        title="Noisy objectives (synthetic functions with Gaussian and Student-t noise, "
        "tabulated training runs): inference regret of the recommended configuration.",
        run_one=run_one,
        report=report,
        problems=PROBLEMS,
        samplers=SAMPLERS,
        ablations=ABLATIONS,
        groups=GROUPS,
        quick={
            "problems": "branin-gauss-high,knn-iris",
            "samplers": "gamma,tpe",
            "seeds": "0-1",
            "n_trials": "25",
        },
        docs='docs/benchmarks.md, "Noisy objectives"',
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("noisy"))
