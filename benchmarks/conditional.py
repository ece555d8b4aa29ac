"""Conditional search spaces: GammaBOSampler against TPE, multivariate TPE, GPSampler and random.

Five define-by-run problems whose objectives branch, all minimised:

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
  validation error.

``gamma-intersection`` is the ablation: GammaBOSampler with Optuna's intersection search space
(conditional parameters sampled at random), as before conditional spaces were modelled.

Normalised regret of a run at a budget: ``(best - optimum) / (median of random - optimum)``,
the median over 200 random trials (seed 12345); the optimum is known for the synthetic
problems and is the best value any run reached for the two learning tasks. Rank: per problem,
seed and budget among the samplers (ties share the mean rank).

    python -m benchmarks.conditional --workers 2               # the committed run (resumable)
    python -m benchmarks.conditional --report
    python -m benchmarks.conditional --seeds 0-1 --n-trials 12 --out /tmp/cd   # smoke
"""

from __future__ import annotations

from collections.abc import Callable
import json
import math
from pathlib import Path
import statistics
from typing import Any

from benchmarks import _env
from benchmarks import _runs

_env.limit_threads(1)

import optuna  # noqa: E402

from benchmarks.problems import get_problem  # noqa: E402

OUT = _env.REPO_ROOT / "benchmarks" / "results" / "conditional"
SAMPLERS = ("gamma", "tpe", "tpe-mv", "gp", "random", "gamma-intersection")
BUDGETS = (25, 50, 100)
STUCK = 0.1
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


PROBLEMS: dict[str, tuple[Objective, float | None]] = {
    "two-branch": (_two_branch, 0.0),
    "three-functions": (_three_functions, 0.397887),
    "layers": (_layers, 0.0),
    "model-family": (_model_family, None),
    "optimizer": (_optimizer, None),
}


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    from optuna_gamma import GammaBOSampler

    if name == "gamma-intersection":
        return _IntersectionGammaBO(seed=seed, warn_independent_sampling=False)
    if name == "gamma":
        return GammaBOSampler(seed=seed, warn_independent_sampling=False)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS)}")


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


def run_one(problem: str, sampler: str, seed: int, n_trials: int) -> dict[str, Any]:
    """One study; per trial its value and the branch-deciding parameters it took."""
    import warnings

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    study = optuna.create_study(sampler=make_sampler(sampler, seed))
    study.optimize(PROBLEMS[problem][0], n_trials=n_trials)
    return {
        "problem": problem,
        "sampler": sampler,
        "seed": seed,
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
    by_key, problems, samplers, complete = _runs.index_runs(runs, list(PROBLEMS), SAMPLERS)
    per_problem: list[dict[str, Any]] = []
    for p in problems:
        optimum = PROBLEMS[p][1]
        if optimum is None:
            optimum = min(_best(r["trials"], 10**9) for r in runs if r["problem"] == p)
        span = refs[p] - optimum
        for b in budgets:
            ranks: dict[str, list[float]] = {s: [] for s in samplers}
            for seed in complete[p]:
                bests = [_best(by_key[(p, s, seed)]["trials"], b) for s in samplers]
                for s, rank in zip(samplers, _runs.ranks(bests)):
                    ranks[s].append(rank)
            for s in samplers:
                regrets = [
                    max(_best(by_key[(p, s, seed)]["trials"], b) - optimum, 0.0) / span
                    for seed in complete[p]
                ]
                if not regrets:
                    continue
                row = {
                    "problem": p,
                    "sampler": s,
                    "budget": b,
                    "runs": len(regrets),
                    **_runs.regret_stats(regrets, ranks[s], STUCK),
                }
                per_problem.append(row)
    summary = _runs.overall(per_problem, samplers)
    return {"per_problem": per_problem, "overall": summary, "seeds": complete, "refs": refs}


def write_report(
    out: Path, runs: list[dict[str, Any]], refs: dict[str, float], command: str
) -> None:
    s = summarise(runs, refs, _runs.report_budgets(runs, BUDGETS))
    info, seeds = _runs.save_summary(out, s)
    lines = [
        f"# Conditional search spaces (`{command}`)",
        "",
        _env.markdown_header(
            info,
            {
                "seeds": f"{seeds[0]}-{seeds[-1]} (runs per problem and sampler below)",
                "samplers": "GammaBOSampler, TPESampler (default; multivariate=True, group=True), "
                "GPSampler, RandomSampler",
            },
        ),
        "",
        "Over all problems (mean over problems of each problem's mean over seeds): mean "
        f"normalised regret, mean rank, share of runs with normalised regret above {STUCK}:",
        "",
        *_runs.overall_table(s["overall"]),
    ]
    lines += [
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
    (out / "results.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    args = _runs.parse_args(__doc__, list(PROBLEMS), SAMPLERS, OUT)
    runs = _runs.run_missing(args, run_one)
    ref_path = args.out / "references.json"
    refs = json.loads(ref_path.read_text()) if ref_path.exists() else {}
    for name in [p for p in PROBLEMS if any(r["problem"] == p for r in runs)]:
        if name not in refs:
            refs[name] = reference(name)
            ref_path.write_text(json.dumps(refs, indent=1) + "\n")
    command = f"python -m benchmarks.conditional --seeds {args.seeds} --n-trials {args.n_trials}"
    write_report(args.out, runs, {k: refs[k] for k in PROBLEMS if k in refs}, command)
    print((args.out / "results.md").read_text())


if __name__ == "__main__":
    main()
