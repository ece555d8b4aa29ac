"""Trade accuracy against model size: a two-objective study with GammaBOSampler.

A random forest on scikit-learn's bundled breast-cancer data: minimise the 3-fold
cross-validated log loss and the forest's size (total tree nodes) at once. GammaBOSampler
models each objective with its own Student-t surrogate and proposes the trial with the largest
expected hypervolume improvement; the study's Pareto front (``study.best_trials``) is the
answer: for each size, the best loss found. Different parameters can build the same forest
(with ``max_depth=1``, for instance, ``min_samples_leaf`` rarely matters), so several trials
can share one result: the front is printed once per distinct result, with the trials that
reached it.

    .venv/bin/python examples/multi_objective.py                  # 40 trials
    .venv/bin/python examples/multi_objective.py --n-trials 15

Offline; about fifteen seconds on two cores at the defaults.
"""

from __future__ import annotations

import argparse
import warnings

import optuna
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.model_selection import cross_validate

from optuna_gamma import GammaBOSampler


def make_objective() -> optuna.study.study.ObjectiveFuncType:
    X, y = load_breast_cancer(return_X_y=True)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        model = RandomForestClassifier(
            n_estimators=trial.suggest_int("n_estimators", 2, 40),
            max_depth=trial.suggest_int("max_depth", 1, 12),
            min_samples_leaf=trial.suggest_int("min_samples_leaf", 1, 30, log=True),
            max_features=trial.suggest_float("max_features", 0.05, 1.0),
            random_state=0,
            n_jobs=1,
        )
        res = cross_validate(model, X, y, cv=folds, scoring="neg_log_loss", return_estimator=True)
        nodes = max(sum(t.tree_.node_count for t in m.estimators_) for m in res["estimator"])
        return float(-res["test_score"].mean()), float(nodes)

    return objective


def distinct_results(
    trials: list[optuna.trial.FrozenTrial],
) -> list[list[optuna.trial.FrozenTrial]]:
    """The trials grouped by identical objective values, ordered by size then loss.

    Within a group the trials keep their order by number; the first is the one to report.
    """
    groups: dict[tuple[float, ...], list[optuna.trial.FrozenTrial]] = {}
    for t in sorted(trials, key=lambda t: t.number):
        groups.setdefault(tuple(t.values), []).append(t)
    return [groups[values] for values in sorted(groups, key=lambda v: (v[1], v[0]))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    study = optuna.create_study(
        directions=["minimize", "minimize"], sampler=GammaBOSampler(seed=args.seed)
    )
    study.set_metric_names(["log_loss", "nodes"])
    study.optimize(make_objective(), n_trials=args.n_trials)

    front = study.best_trials
    results = distinct_results(front)
    print(
        f"Pareto front: {len(results)} distinct results, reached by {len(front)} of "
        f"{len(study.trials)} trials"
    )
    for group in results:
        t = group[0]
        shared = ""
        if len(group) > 1:
            numbers = ", ".join(str(other.number) for other in group)
            shared = f" (the same result in {len(group)} trials: {numbers})"
        print(f"trial {t.number}: log loss {t.values[0]:.5f}, {int(t.values[1])} nodes{shared}")


if __name__ == "__main__":
    main()
