"""Conditional search spaces: GammaBOSampler against TPE, multivariate TPE, GPSampler and random.

Six define-by-run problems whose objectives branch, all minimised:

- ``two-branch`` -- branch ``a``: ``(x - 1)^2 + 0.5`` on one float; branch ``b``: a quadratic in
  a float and an int with its minimum 0 at ``(7, 3)``;
- ``three-functions`` -- a choice among Branin (2 floats; minimum 0.397887), Hartmann-3 (3
  floats; -3.86278 + 4.5) and a 4-D sphere (+ 1): the optimum is in the Branin branch;
- ``layers`` -- a number of layers (1-4) and one log-int width per layer (1-64):
  ``0.3 (n - 3)^2 + sum_i (log2 w_i - t_i)^2 / 4`` with targets ``t = (5, 4, 3, 2)``, minimum 0 at
  3 layers of widths 32, 16, 8;
- ``model-family`` -- scikit-learn on the bundled breast-cancer data, 3-fold cross-validated
  error: SVC (C, gamma, log), k-NN (k, weights), logistic regression (C) or a random forest
  (trees, depth), each with its own parameters;
- ``optimizer`` -- PyTorch: a 64-32-10 MLP on 8x8 digits (1000 images, 4 epochs), an optimizer
  choice with its own parameters: SGD (lr, momentum), Adam (lr, beta1) or RMSprop (lr, alpha);
  validation error;
- ``shared-params`` -- the shape of most scikit-learn pipelines: parameters every model family
  asks (a wide int ``n_estimators`` 10-500, an int ``max_depth`` 1-12, a two-way ``scaler``)
  before the family (``gb`` with a log learning rate, ``rf`` with a float, ``et`` with none):
  ``log(n / 300)^2 + 0.02 (depth - 7)^2 + 0.2 [standard]`` plus the family's term, minimum 0.

``gamma-intersection`` is the ablation (run only when ``--samplers`` names it): GammaBOSampler
with Optuna's intersection search space (conditional parameters sampled at random), as before
conditional spaces were modelled. ``gamma-seen-branches``: GammaBOSampler with
``unseen_choices=False`` (a choice no trial has taken of a branch-deciding parameter is never
proposed; docs/math.md §10).

Normalised regret of a run at a budget: ``(best - optimum) / (median of random - optimum)``,
the median over 200 random trials (seed 12345); the optimum is known for the synthetic
problems and is the best value any run reached for the two learning tasks. Rank: per problem,
seed and budget among the samplers (ties share the mean rank).

    python -m benchmarks conditional --workers 2             # the committed run (resumable)
    python -m benchmarks conditional --samplers gamma-intersection --workers 2   # the ablation
    python -m benchmarks conditional --report                # the report of every stored run
    python -m benchmarks conditional --quick                 # smoke run, git-ignored folder

(``python -m benchmarks.conditional ...`` is the same command.) Runs:
``benchmarks/results/conditional/raw/<problem>/<sampler>-<seed>.json`` (git-ignored); report:
``results.md``, ``summary.json``, ``references.json`` beside it (committed).
"""

from __future__ import annotations

from collections.abc import Callable
import math
import statistics
import sys
from typing import Any

from benchmarks import _env
from benchmarks import _frame

_env.limit_threads(1)

import optuna  # noqa: E402

from benchmarks.problems import get_problem  # noqa: E402

SAMPLERS = ("gamma", "tpe", "tpe-mv", "gp", "random")
ABLATIONS = ("gamma-intersection", "gamma-seen-branches")
BUDGETS = (25, 50, 100)
STUCK = _frame.STUCK
Objective = Callable[[optuna.Trial], float]


def _two_branch(trial: optuna.Trial) -> float:
    if trial.suggest_categorical("branch", ["a", "b"]) == "a":
        return (trial.suggest_float("xa", -3, 3) - 1) ** 2 + 0.5
    y = trial.suggest_float("yb", 0, 10)
    z = trial.suggest_int("zb", 0, 10)
    return (y - 7) ** 2 / 10 + (z - 3) ** 2 / 10


def _evaluate(name: str, x: list[float]) -> float:
    problem = get_problem(name)
    assert problem.distributions is not None
    return float(problem.evaluate(dict(zip(problem.distributions, x))))


def _three_functions(trial: optuna.Trial) -> float:
    which = trial.suggest_categorical("function", ["branin", "hartmann3", "sphere"])
    if which == "branin":
        x = [trial.suggest_float("branin_x1", -5, 10), trial.suggest_float("branin_x2", 0, 15)]
        return _evaluate("branin", x)
    if which == "hartmann3":
        x = [trial.suggest_float(f"h3_x{i}", 0, 1) for i in range(3)]
        return _evaluate("hartmann3", x) + 4.5
    return 1.0 + sum((trial.suggest_float(f"s_x{i}", -2, 2) - 0.3) ** 2 for i in range(4))


_TARGETS = (5.0, 4.0, 3.0, 2.0)


def _layers(trial: optuna.Trial) -> float:
    n = trial.suggest_int("n_layers", 1, 4)
    widths = [trial.suggest_int(f"width_{i}", 1, 64, log=True) for i in range(n)]
    return 0.3 * (n - 3) ** 2 + sum((math.log2(w) - t) ** 2 / 4 for w, t in zip(widths, _TARGETS))


_DATA: dict[str, Any] = {}


def _model_family(trial: optuna.Trial) -> float:
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    if "cancer" not in _DATA:
        _DATA["cancer"] = load_breast_cancer(return_X_y=True)
    X, y = _DATA["cancer"]
    family = trial.suggest_categorical("family", ["svc", "knn", "logistic", "forest"])
    model: Any
    if family == "svc":
        model = SVC(
            C=trial.suggest_float("svc_C", 1e-3, 1e3, log=True),
            gamma=trial.suggest_float("svc_gamma", 1e-5, 1e1, log=True),
        )
    elif family == "knn":
        model = KNeighborsClassifier(
            n_neighbors=trial.suggest_int("knn_k", 1, 50),
            weights=trial.suggest_categorical("knn_weights", ["uniform", "distance"]),
        )
    elif family == "logistic":
        model = LogisticRegression(
            C=trial.suggest_float("lr_C", 1e-4, 1e3, log=True), max_iter=500
        )
    else:
        model = RandomForestClassifier(
            n_estimators=trial.suggest_int("rf_trees", 5, 60),
            max_depth=trial.suggest_int("rf_depth", 1, 12),
            random_state=0,
            n_jobs=1,
        )
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    pipeline = make_pipeline(StandardScaler(), model)
    return 1.0 - float(cross_val_score(pipeline, X, y, cv=folds).mean())


def _optimizer(trial: optuna.Trial) -> float:
    import torch
    from torch import nn

    from optuna_gamma.torch import load_digits
    from optuna_gamma.torch import train_val_split

    torch.set_num_threads(1)
    if "digits" not in _DATA:
        X, y = load_digits(size=8)
        _DATA["digits"] = train_val_split((X[:1000], y[:1000]), 0.25, seed=0)
    (X_train, y_train), (X_val, y_val) = _DATA["digits"]
    name = trial.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"])
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    opt: torch.optim.Optimizer
    if name == "sgd":
        opt = torch.optim.SGD(
            model.parameters(),
            lr=trial.suggest_float("sgd_lr", 1e-4, 1.0, log=True),
            momentum=trial.suggest_float("sgd_momentum", 0.0, 0.99),
        )
    elif name == "adam":
        opt = torch.optim.Adam(
            model.parameters(),
            lr=trial.suggest_float("adam_lr", 1e-5, 1e-1, log=True),
            betas=(trial.suggest_float("adam_beta1", 0.5, 0.999), 0.999),
        )
    else:
        opt = torch.optim.RMSprop(
            model.parameters(),
            lr=trial.suggest_float("rmsprop_lr", 1e-5, 1e-1, log=True),
            alpha=trial.suggest_float("rmsprop_alpha", 0.8, 0.999),
        )
    generator = torch.Generator().manual_seed(0)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(4):
        order = torch.randperm(len(X_train), generator=generator)
        for i in range(0, len(order), 32):
            batch = order[i : i + 32]
            opt.zero_grad()
            loss = loss_fn(model(X_train[batch]), y_train[batch])
            if not torch.isfinite(loss):
                return 1.0
            loss.backward()
            opt.step()
    with torch.no_grad():
        accuracy = (model(X_val).argmax(dim=1) == y_val).float().mean().item()
    return 1.0 - float(accuracy)


def _shared_params(trial: optuna.Trial) -> float:
    """A scikit-learn-shaped pipeline: parameters every model family asks (a wide int, a small
    int, a two-way choice) before the family and its own parameters; minimum 0 at
    ``n_estimators = 300``, ``max_depth = 7``, ``scaler = "minmax"``, family ``"gb"`` with
    ``gb_lr = 0.1``."""
    n = trial.suggest_int("n_estimators", 10, 500)
    depth = trial.suggest_int("max_depth", 1, 12)
    scaler = trial.suggest_categorical("scaler", ["standard", "minmax"])
    shared = (math.log(n / 300)) ** 2 + 0.02 * (depth - 7) ** 2 + (scaler == "standard") * 0.2
    family = trial.suggest_categorical("family", ["rf", "gb", "et"])
    if family == "gb":
        return (
            shared + 0.5 * (math.log10(trial.suggest_float("gb_lr", 1e-3, 1, log=True)) + 1) ** 2
        )
    if family == "rf":
        return shared + 0.1 + (trial.suggest_float("rf_max_features", 0.1, 1.0) - 0.4) ** 2
    return shared + 0.3


PROBLEMS: dict[str, tuple[Objective, float | None]] = {
    "two-branch": (_two_branch, 0.0),
    "three-functions": (_three_functions, 0.397887),
    "layers": (_layers, 0.0),
    "model-family": (_model_family, None),
    "optimizer": (_optimizer, None),
    "shared-params": (_shared_params, 0.0),
}


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    from optuna_gamma import GammaBOSampler

    if name == "gamma-intersection":
        return _IntersectionGammaBO(seed=seed, warn_independent_sampling=False)
    if name == "gamma":
        return GammaBOSampler(seed=seed, warn_independent_sampling=False)
    if name == "gamma-seen-branches":
        from optuna_gamma.surrogate import SurrogateSettings

        settings = SurrogateSettings(unseen_choices=False)
        return GammaBOSampler(
            seed=seed, warn_independent_sampling=False, surrogate_settings=settings
        )
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS + ABLATIONS)}")


class _IntersectionGammaBO:
    """The ablation: GammaBOSampler as it was before conditional spaces were modelled -- the
    relative space is Optuna's intersection search space, so a conditional parameter goes to
    the independent (random) sampler. Built on demand so that importing this module does not
    import the package."""

    def __new__(cls, **kwargs: Any) -> Any:
        from optuna.search_space import IntersectionSearchSpace

        from optuna_gamma import GammaBOSampler

        class IntersectionGammaBO(GammaBOSampler):
            def __init__(self, **kw: Any) -> None:
                super().__init__(**kw)
                self._ablation_space = IntersectionSearchSpace()

            def infer_relative_search_space(
                self, study: optuna.Study, trial: optuna.trial.FrozenTrial
            ) -> dict[str, Any]:
                space = self._ablation_space.calculate(study)
                return {n: d for n, d in space.items() if not d.single()}

        return IntersectionGammaBO(**kwargs)


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One study; per trial its value and the parameters it took."""
    import warnings

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    study = optuna.create_study(sampler=make_sampler(job.sampler, job.seed))
    study.optimize(PROBLEMS[job.problem][0], n_trials=job.n_trials)
    return {
        "problem": job.problem,
        "sampler": job.sampler,
        "seed": job.seed,
        "trials": [{"value": t.value, "params": t.params} for t in study.trials],
    }


def reference(problem: str) -> float:
    """Median value of 200 random trials."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=12345))
    study.optimize(PROBLEMS[problem][0], n_trials=200)
    return float(statistics.median(t.value for t in study.trials))  # type: ignore[type-var]


def _best(trials: list[dict[str, Any]], budget: int) -> float:
    return min(t["value"] for t in trials[:budget])


def summarise(
    runs: list[dict[str, Any]], refs: dict[str, float], budgets: tuple[int, ...]
) -> dict[str, Any]:
    """Per problem, sampler and budget (:func:`benchmarks._frame.regret_rows`): normalised
    regret ``(best - optimum) / (median of random - optimum)``, rank by best value; then the
    means over problems."""
    optimum = {}
    for p in {r["problem"] for r in runs}:
        known = PROBLEMS[p][1]
        optimum[p] = (
            known
            if known is not None
            else min(_best(r["trials"], 10**9) for r in runs if r["problem"] == p)
        )

    def nreg(run: dict[str, Any], b: int) -> float:
        p = run["problem"]
        return max(_best(run["trials"], b) - optimum[p], 0.0) / (refs[p] - optimum[p])

    return _frame.regret_summary(
        runs,
        list(PROBLEMS),
        (*SAMPLERS, *ABLATIONS),
        budgets,
        nreg,
        lambda run, b: _best(run["trials"], b),
        refs,
    )


def report(ctx: _frame.ReportContext) -> str:
    """results.md, summary.json and machine.json from every stored run; references.json holds
    the median of random trials per problem."""
    present = [p for p in PROBLEMS if any(r["problem"] == p for r in ctx.runs)]
    all_refs = _frame.cached_references(ctx.out, present, reference)
    refs = {k: all_refs[k] for k in present}
    return write_report(ctx, refs)


def write_report(ctx: _frame.ReportContext, refs: dict[str, float]) -> str:
    s = summarise(ctx.runs, refs, _frame.report_budgets(ctx.runs, BUDGETS))
    _frame.save_summary(ctx.out, s, ctx.info)
    lines = [
        "# Conditional search spaces",
        "",
        ctx.header(
            {
                "seeds": f"{_frame.seed_spec(ctx.seeds)} (runs per problem and sampler below)",
                "samplers": "GammaBOSampler, TPESampler (default; multivariate=True, group=True), "
                "GPSampler, RandomSampler"
                + (
                    "; ablation gamma-intersection"
                    if any(r["sampler"] == "gamma-intersection" for r in ctx.runs)
                    else ""
                ),
            }
        ),
        "",
        "Over all problems (mean over problems of each problem's mean over seeds): mean "
        f"normalised regret, mean rank, share of runs with normalised regret above {STUCK}:",
        "",
        *_frame.overall_table(s["overall"]),
        "",
        "| problem | trials | sampler | runs | mean nreg | median nreg | stuck | mean rank |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in s["per_problem"]:
        lines.append(
            f"| {row['problem']} | {row['budget']} | {row['sampler']} | {row['runs']} "
            f"| {row['mean_nreg']:.3f} | {row['median_nreg']:.3f} | {row['stuck']:.0%} "
            f"| {row['mean_rank']:.2f} |"
        )
    lines += [
        "",
        "Median of 200 random trials per problem: "
        + ", ".join(f"{k} {v:.4g}" for k, v in refs.items()),
    ]
    text = "\n".join(lines) + "\n"
    (ctx.out / "results.md").write_text(text)
    return text


SUITES = {
    "conditional": _frame.Suite(
        name="conditional",
        title="Conditional (define-by-run, branched) search spaces: normalised regret, rank and "
        "stuck share against TPE, multivariate TPE, GPSampler and random search.",
        run_one=run_one,
        report=report,
        problems=tuple(PROBLEMS),
        samplers=SAMPLERS,
        ablations=ABLATIONS,
        quick={
            "problems": "two-branch,layers",
            "samplers": "gamma,tpe",
            "seeds": "0-1",
            "n_trials": "12",
        },
        docs='docs/benchmarks.md, "Conditional search spaces"',
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("conditional"))
