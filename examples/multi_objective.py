"""Trade accuracy against model size: a two-objective study with GammaBOSampler.

A random forest on scikit-learn's bundled breast-cancer data: minimise the 3-fold
cross-validated log loss and the forest's size (total tree nodes) at once. GammaBOSampler
models each objective with its own Student-t surrogate and proposes the trial with the largest
expected hypervolume improvement; the study's Pareto front (``study.best_trials``) is the
answer: for each size, the best loss found.

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

    front = sorted(study.best_trials, key=lambda t: t.values[1])
    print(f"Pareto front: {len(front)} of {len(study.trials)} trials")
    for t in front:
        print(f"trial {t.number}: log loss {t.values[0]:.4f}, {int(t.values[1])} nodes")


if __name__ == "__main__":
    main()
