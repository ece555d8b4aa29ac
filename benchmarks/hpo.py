"""Real-HPO spaces: integers, ordinal lists, categoricals and branches.

Nineteen tuning tasks (:mod:`benchmarks.hpo_tasks`): thirteen *tabulated* scikit-learn tasks
on bundled data sets (every configuration of a discrete grid evaluated once, so the optimum is
known and a study costs table look-ups), four of them branched and three with the plateaus of
small validation sets; four ``-coded`` variants of them in the form optunahub's tabular
benchmarks use (an ordinal list asked as the index of its value with ``suggest_int``, a
categorical as integer codes ``0 .. k - 1``: same tables, other spaces); and two *live* tasks
evaluated on every trial: ``pipeline-digits`` (a scaler, a PCA size and four model families with
their own parameters, two of them floats; 600 images) and ``mlp-digits`` (a PyTorch MLP on 8x8
digits whose layer count decides how many width parameters exist). All are minimised:
cross-validated ``1 - accuracy`` (``1 - R^2`` for the regression tasks), validation error for
the MLP.

Normalised regret of a run at a budget: ``(best - optimum) / (median of random - optimum)``; the
optimum is the table's minimum (tabulated tasks) or the best value any stored run or the random
reference reached (live tasks); the median is over 1000 random trials (200 for live tasks; seed
12345). Rank: per task, seed and budget among the samplers, by best value (ties share the mean
rank). Stuck: the share of runs with normalised regret above 0.1. Repeats: the share of a run's
first ``b`` trials whose configuration an earlier trial of the run already evaluated, on the
tasks whose grid holds more than ten times ``b`` configurations.

    python -m benchmarks hpo --workers 2                      # the committed run (resumable)
    python -m benchmarks hpo --samplers gamma-categorical     # an ablation
    python -m benchmarks hpo --report                         # the report of every stored run
    python -m benchmarks hpo --quick                          # a smoke run, git-ignored folder

(``python -m benchmarks.hpo ...`` is the same command.) Runs:
``benchmarks/results/hpo/raw/<task>/<sampler>-<seed>.json`` (git-ignored); report:
``results.md``, ``summary.json``, ``references.json`` beside it (committed).
"""

from __future__ import annotations

from collections.abc import Callable
import functools
import statistics
import sys
from typing import Any

from benchmarks import _env
from benchmarks import _frame
from benchmarks import hpo_tasks

_env.limit_threads(1)

import optuna  # noqa: E402

SAMPLERS = ("gamma", "gp", "tpe", "tpe-mv", "cmaes", "random")
# GammaBOSampler with one decision of this suite's defaults reverted (docs/benchmarks.md,
# "Real-HPO spaces"): run only when --samplers names them.
# ablation -> the SurrogateSettings fields it changes
_ABLATION_SETTINGS: dict[str, dict[str, Any]] = {
    "gamma-categorical": {"ordinal_lists": "categorical"},
    "gamma-index": {"ordinal_lists": "index"},
    "gamma-discrete-ls1": {"discrete_lengthscale_prior_mode": 1.0},
    "gamma-ls1": {"lengthscale_prior_mode": 1.0},
    "gamma-best-starts": {"acquisition_starts": "best"},
    "gamma-lattice": {"lattice_limit": 8192},
    "gamma-seen-branches": {"unseen_choices": False},
    "gamma-explore-repeats": {"discrete_repeats": "explore"},
    "gamma-robust": {"robust_noise": True},
    "gamma-noise-prior1": {"noise_prior_rate": 1.0},
    "gamma-noise-check": {"noise_check": True, "noise_check_from": 10},
    "gamma-trust-region": {"noisy_trust_region": 0.25},
    "gamma-no-trust-region": {"noisy_trust_region": None},
    "gamma-noise-check-25": {"noise_check": True, "noise_check_from": 25},
    "gamma-no-noise-check": {"noise_check": False},
}
ABLATIONS = tuple(_ABLATION_SETTINGS)
ABLATION_ABOUT = {
    "gamma-categorical": "ordinal lists as unordered categoricals (the earlier encoding)",
    "gamma-index": "ordinal lists placed by rank, not value",
    "gamma-discrete-ls1": "lengthscale prior mode 1 (lengthscale 1) on discrete columns",
    "gamma-ls1": "lengthscale prior mode 1 on every column (0.1's prior)",
    "gamma-best-starts": "acquisition optimiser starts from the top-scored candidates",
    "gamma-lattice": "discrete spaces of up to 8192 configurations searched exhaustively",
    "gamma-seen-branches": "no branch for a choice no trial has taken (a model family the "
    "start-up missed is never tried)",
    "gamma-explore-repeats": "a maximiser that repeats an evaluated configuration of an "
    "all-discrete space is replaced by the most uncertain candidate, not the best fresh one",
    "gamma-robust": "where the fitted noise is not negligible, observations with a leave-one-out "
    "residual above 2.5 predictive scales get a larger noise variance (robust_noise=True)",
    "gamma-noise-prior1": "the noise ratio's Gamma prior with rate 1 (prior mean 1.1), not 30 "
    "(noise_prior_rate=1)",
    "gamma-noise-check": "the noise check from 10 COMPLETE trials (noise_check=True, "
    "noise_check_from=10; from 25 by default since 0.2)",
    "gamma-trust-region": "while the fitted noise is not negligible, the acquisition maximised "
    "within 0.25 of each range of the trial of best posterior mean (noisy_trust_region=0.25)",
    "gamma-no-trust-region": "the acquisition maximised over the whole box while the fitted "
    "noise is not negligible too (noisy_trust_region=None; the default before 0.2)",
    "gamma-noise-check-25": "the noise check from 25 COMPLETE trials (noise_check=True, "
    "noise_check_from=25; the default since 0.2)",
    "gamma-no-noise-check": "no noise check (noise_check=False; the default before 0.2)",
}
BUDGETS = (25, 50, 100)
STUCK = _frame.STUCK
Objective = Callable[[optuna.Trial], float]


# -- live tasks ---------------------------------------------------------------------------------

_DATA: dict[str, Any] = {}


def _pipeline_digits(trial: optuna.Trial) -> float:
    """A scikit-learn pipeline with model choice on 600 digits (3-fold CV error)."""
    import warnings

    from sklearn.decomposition import PCA
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.svm import SVC

    if "digits" not in _DATA:
        X, y = hpo_tasks.dataset("digits")
        _DATA["digits"] = (X[:600], y[:600])
    X, y = _DATA["digits"]
    scaler = trial.suggest_categorical("scaler", ["standard", "minmax"])
    n_components = trial.suggest_int("n_components", 4, 64, log=True)
    family = trial.suggest_categorical("family", ["svc", "logistic", "knn", "forest"])
    model: Any
    if family == "svc":
        model = SVC(
            C=trial.suggest_float("svc_C", 1e-2, 1e3, log=True),
            gamma=trial.suggest_categorical("svc_gamma", [1e-4, 1e-3, 1e-2, 1e-1, 1.0]),
        )
    elif family == "logistic":
        model = LogisticRegression(C=trial.suggest_float("logistic_C", 1e-4, 1e2, log=True))
    elif family == "knn":
        model = KNeighborsClassifier(
            trial.suggest_int("knn_k", 1, 30),
            weights=trial.suggest_categorical("knn_weights", ["uniform", "distance"]),
        )
    else:
        model = RandomForestClassifier(
            n_estimators=trial.suggest_categorical("forest_trees", [10, 25, 50]),
            max_depth=trial.suggest_int("forest_depth", 2, 16),
            random_state=0,
            n_jobs=1,
        )
    pipeline = Pipeline(
        [
            ("scale", hpo_tasks.scaler(scaler)),
            ("pca", PCA(n_components=n_components, random_state=0)),
            ("model", model),
        ]
    )
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return 1.0 - float(cross_val_score(pipeline, X, y, cv=folds).mean())


def _mlp_digits(trial: optuna.Trial) -> float:
    """A PyTorch MLP on 8x8 digits (600 training, 400 validation images, 4 epochs): the
    layer count decides how many width parameters exist; validation error."""
    import torch
    from torch import nn

    from optuna_gamma.torch import load_digits
    from optuna_gamma.torch import train_val_split

    torch.set_num_threads(1)
    if "mlp" not in _DATA:
        X, y = load_digits(size=8)
        _DATA["mlp"] = train_val_split((X[:1000], y[:1000]), 0.4, seed=0)
    (X_train, y_train), (X_val, y_val) = _DATA["mlp"]
    n_layers = trial.suggest_int("n_layers", 1, 3)
    widths = [trial.suggest_categorical(f"width_{i}", [16, 32, 64, 128]) for i in range(n_layers)]
    activation = trial.suggest_categorical("activation", ["relu", "tanh"])
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd"])
    lr = trial.suggest_categorical("lr", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1])
    batch = trial.suggest_categorical("batch_size", [16, 32, 64, 128])
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Flatten()]
    width_in = 64
    for w in widths:
        layers += [nn.Linear(width_in, w), nn.ReLU() if activation == "relu" else nn.Tanh()]
        width_in = w
    model = nn.Sequential(*layers, nn.Linear(width_in, 10))
    opt: torch.optim.Optimizer = (
        torch.optim.Adam(model.parameters(), lr=lr)
        if optimizer == "adam"
        else torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    )
    generator = torch.Generator().manual_seed(0)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(4):
        order = torch.randperm(len(X_train), generator=generator)
        for i in range(0, len(order), batch):
            b = order[i : i + batch]
            opt.zero_grad()
            loss = loss_fn(model(X_train[b]), y_train[b])
            if not torch.isfinite(loss):
                return 1.0
            loss.backward()
            opt.step()
    with torch.no_grad():
        accuracy = (model(X_val).argmax(dim=1) == y_val).float().mean().item()
    return 1.0 - float(accuracy)


LIVE: dict[str, Objective] = {
    "pipeline-digits": _pipeline_digits,
    "mlp-digits": _mlp_digits,
}
PROBLEMS = (*hpo_tasks.TASKS, *LIVE)
BRANCHED = tuple(n for n, t in hpo_tasks.TASKS.items() if t.branched) + tuple(LIVE)
# --problems groups: the tasks each ablation can change.
GROUPS = {
    "tabulated": tuple(hpo_tasks.TASKS),
    "flat": tuple(n for n in hpo_tasks.TASKS if n not in BRANCHED),
    "branched": tuple(n for n in hpo_tasks.TASKS if n in BRANCHED),
    "ordinal": tuple(
        n
        for n, t in hpo_tasks.TASKS.items()
        if not t.coded and any(p.kind == "ordinal" for p in t.params)
    ),
    "live": tuple(LIVE),
}


def _tabulated(name: str) -> Objective:
    task = hpo_tasks.TASKS[name]
    table = hpo_tasks.load_table(name)

    def objective(trial: optuna.Trial) -> float:
        return table[task.key(task.suggest(trial))]

    return objective


def objective_of(problem: str) -> Objective:
    return LIVE[problem] if problem in LIVE else _tabulated(problem)


@functools.cache
def grid_size(problem: str) -> int | None:
    """Configurations of a tabulated task's grid (``None`` for a live task)."""
    return len(hpo_tasks.load_table(problem)) if problem in hpo_tasks.TASKS else None


# -- samplers -----------------------------------------------------------------------------------


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
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS + ABLATIONS)}")


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One study; per trial its value and the parameters it took."""
    import warnings

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore")
    study = optuna.create_study(sampler=make_sampler(job.sampler, job.seed))
    study.optimize(objective_of(job.problem), n_trials=job.n_trials)
    return {
        "problem": job.problem,
        "sampler": job.sampler,
        "seed": job.seed,
        "trials": [{"value": t.value, "params": t.params} for t in study.trials],
    }


def reference(problem: str) -> dict[str, float]:
    """The median of random trials (1000, or 200 for a live task; seed 12345), their best
    value, and a tabulated task's optimum."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=12345))
    study.optimize(objective_of(problem), n_trials=200 if problem in LIVE else 1000)
    values = [float(t.value) for t in study.trials if t.value is not None]
    ref = {"median": statistics.median(values), "random_best": min(values)}
    if problem in hpo_tasks.TASKS:
        ref["optimum"] = min(hpo_tasks.load_table(problem).values())
    return ref


# -- the report ---------------------------------------------------------------------------------


def _best(trials: list[dict[str, Any]], budget: int) -> float:
    return min(t["value"] for t in trials[:budget])


def repeats(run: dict[str, Any], budget: int) -> float:
    """The share of the first ``budget`` trials that repeat an earlier trial's configuration."""
    seen: set[tuple[tuple[str, Any], ...]] = set()
    repeated = 0
    for t in run["trials"][:budget]:
        key = tuple(sorted(t["params"].items()))
        repeated += key in seen
        seen.add(key)
    return repeated / max(min(budget, len(run["trials"])), 1)


def summarise(
    runs: list[dict[str, Any]], refs: dict[str, dict[str, float]], budgets: tuple[int, ...]
) -> dict[str, Any]:
    """Per task, sampler and budget: normalised regret, rank, stuck share and repeat share;
    then the means over tasks, overall and per group (plain, branched, live)."""
    optimum = {}
    for p in {r["problem"] for r in runs}:
        if "optimum" in refs[p]:
            optimum[p] = refs[p]["optimum"]
        else:
            seen = [_best(r["trials"], 10**9) for r in runs if r["problem"] == p]
            optimum[p] = min([*seen, refs[p]["random_best"]])

    def nreg(run: dict[str, Any], b: int) -> float:
        p = run["problem"]
        return max(_best(run["trials"], b) - optimum[p], 0.0) / (refs[p]["median"] - optimum[p])

    def extra(p: str, s: str, b: int, chosen: list[dict[str, Any]]) -> dict[str, Any]:
        size = grid_size(p)
        if size is None or size <= 10 * b:
            return {"repeats": None}
        return {"repeats": statistics.fmean(repeats(r, b) for r in chosen)}

    summary = _frame.regret_summary(
        runs,
        list(PROBLEMS),
        (*SAMPLERS, *ABLATIONS),
        budgets,
        nreg,
        lambda run, b: _best(run["trials"], b),
        refs,
        extra=extra,
    )
    rows = summary["per_problem"]
    samplers = _frame.order({r["sampler"] for r in rows}, (*SAMPLERS, *ABLATIONS))
    groups = {
        "tabulated, unbranched": [p for p in hpo_tasks.TASKS if p not in BRANCHED],
        "tabulated, branched": [p for p in hpo_tasks.TASKS if p in BRANCHED],
        "live": list(LIVE),
    }
    summary["groups"] = {
        g: _frame.overall([r for r in rows if r["problem"] in members], samplers)
        for g, members in groups.items()
        if any(r["problem"] in members for r in rows)
    }
    summary["repeats"] = [
        {
            "sampler": s,
            "budget": b,
            "tasks": len(found),
            "repeats": statistics.fmean(found) if found else None,
        }
        for b in budgets
        for s in samplers
        for found in [
            [
                r["repeats"]
                for r in rows
                if r["sampler"] == s and r["budget"] == b and r["repeats"] is not None
            ]
        ]
    ]
    return summary


def report(ctx: _frame.ReportContext) -> str:
    """results.md, summary.json and machine.json from every stored run; references.json holds
    the random medians and optima per task."""
    present = [p for p in PROBLEMS if any(r["problem"] == p for r in ctx.runs)]
    all_refs = _frame.cached_references(ctx.out, present, reference)
    refs = {k: all_refs[k] for k in present}
    budgets = _frame.report_budgets(ctx.runs, BUDGETS)
    main = [r for r in ctx.runs if r["sampler"] not in ABLATIONS]
    s = summarise(main, refs, budgets) if main else {"overall": [], "groups": {}}
    # Each ablation against the default alone, on the tasks and seeds both ran (ranks of the
    # pair), so that ablations neither move the main table's ranks nor need the same tasks.
    ablations = {}
    per_task = []  # the ablations' rows per task, for scripts/compare_summaries.py
    for name in ABLATIONS:
        pair = [r for r in ctx.runs if r["sampler"] in ("gamma", name)]
        tasks = {r["problem"] for r in pair if r["sampler"] == name}
        pair = [r for r in pair if r["problem"] in tasks]
        if tasks:
            found = summarise(pair, refs, budgets)
            ablations[name] = {"overall": found["overall"], "seeds": found["seeds"]}
            per_task += [r for r in found["per_problem"] if r["sampler"] == name]
    if ablations:
        s["ablations"] = ablations
        s["ablation_per_task"] = per_task
    _frame.save_summary(ctx.out, s, ctx.info)
    lines = [
        "# Real-HPO spaces",
        "",
        ctx.header(
            {
                "seeds": f"{_frame.seed_spec(ctx.seeds)} (runs per task and sampler below)",
                "samplers": "GammaBOSampler, GPSampler, TPESampler (default; multivariate=True, "
                "group=True), CmaEsSampler (categoricals from its independent sampler), "
                "RandomSampler",
            }
        ),
        "",
        "Over all tasks (mean over tasks of each task's mean over seeds): mean normalised "
        f"regret, mean rank, share of runs with normalised regret above {STUCK}:",
        "",
        *_frame.overall_table(s["overall"]),
        "",
    ]
    for group, rows in s["groups"].items():
        lines += [f"Tasks {group}:", "", *_frame.overall_table(rows), ""]
    lines += [
        "Repeated configurations (share of trials; tasks whose grid holds more than ten times "
        "the budget):",
        "",
        "| trials | sampler | tasks | repeats |",
        "|---|---|---|---|",
    ]
    for row in s.get("repeats", []):  # none in a folder of ablation runs alone
        if row["repeats"] is not None:
            lines.append(
                f"| {row['budget']} | {row['sampler']} | {row['tasks']} | {row['repeats']:.1%} |"
            )
    if ablations:
        lines += [
            "",
            "## Ablations",
            "",
            "GammaBOSampler's default (`gamma`) against one decision reverted each, on the "
            "tasks and seeds each ablation ran (mean rank within the pair; 1.5 is a tie):",
            "",
            *[f"- `{name}`: {ABLATION_ABOUT[name]}" for name in ablations],
            "",
            "| ablation | tasks | trials | gamma nreg | ablation nreg | gamma rank | gamma "
            "stuck | ablation stuck |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, found in ablations.items():
            by = {(r["sampler"], r["budget"]): r for r in found["overall"]}
            for b in budgets:
                g, a = by.get(("gamma", b)), by.get((name, b))
                if g is None and a is not None:  # no default runs to pair with: its own
                    lines.append(
                        f"| {name} | {a['problems']} | {b} | (not run) | {a['mean_nreg']:.3f} "
                        f"| | | {a['stuck']:.0%} |"
                    )
                if g is None or a is None:
                    continue
                lines.append(
                    f"| {name} | {g['problems']} | {b} | {g['mean_nreg']:.3f} "
                    f"| {a['mean_nreg']:.3f} | {g['mean_rank']:.2f} | {g['stuck']:.0%} "
                    f"| {a['stuck']:.0%} |"
                )
        lines.append("")
    lines += [
        "",
        "| task | trials | sampler | runs | mean nreg | median nreg | stuck | mean rank |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in s.get("per_problem", []):
        lines.append(
            f"| {row['problem']} | {row['budget']} | {row['sampler']} | {row['runs']} "
            f"| {row['mean_nreg']:.3f} | {row['median_nreg']:.3f} | {row['stuck']:.0%} "
            f"| {row['mean_rank']:.2f} |"
        )
    lines += [
        "",
        "Per task: grid size, optimum, median of random trials -- "
        + "; ".join(
            f"{p} {grid_size(p) or 'live'}, {v.get('optimum', v['random_best']):.4g}, "
            f"{v['median']:.4g}"
            for p, v in refs.items()
        ),
    ]
    text = "\n".join(lines) + "\n"
    (ctx.out / "results.md").write_text(text)
    return text


SUITES = {
    "hpo": _frame.Suite(
        name="hpo",
        title="Real-HPO spaces (integers, ordinal lists, categoricals, branches; 17 tabulated "
        "scikit-learn tasks and 2 live ones): normalised regret, rank, stuck and repeat shares.",
        run_one=run_one,
        report=report,
        problems=PROBLEMS,
        samplers=SAMPLERS,
        ablations=ABLATIONS,
        groups=GROUPS,
        quick={
            "problems": "svc-cancer,family-cancer",
            "samplers": "gamma,tpe",
            "seeds": "0-1",
            "n_trials": "12",
        },
        docs='docs/benchmarks.md, "Real-HPO spaces"',
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("hpo"))
