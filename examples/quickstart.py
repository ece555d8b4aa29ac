"""Tune an SVM on scikit-learn's bundled breast-cancer data with GammaBOSampler, stored in SQLite.

Run::

    python examples/quickstart.py                      # 30 trials into sqlite:///quickstart.db
    optuna-dashboard sqlite:///quickstart.db           # then open http://127.0.0.1:8080

The study is resumable: running the script again adds trials to the same study.
"""

from __future__ import annotations

import argparse

import optuna
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from optuna_gamma import GammaBOSampler


def make_objective() -> optuna.study.study.ObjectiveFuncType:
    X, y = load_breast_cancer(return_X_y=True)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

    def objective(trial: optuna.Trial) -> float:
        kernel = trial.suggest_categorical("kernel", ["rbf", "sigmoid"])
        c = trial.suggest_float("C", 1e-3, 1e3, log=True)
        gamma = trial.suggest_float("gamma", 1e-5, 1e1, log=True)
        model = make_pipeline(StandardScaler(), SVC(kernel=kernel, C=c, gamma=gamma))
        return float(cross_val_score(model, X, y, cv=folds, scoring="accuracy").mean())

    return objective


def main(argv: list[str] | None = None) -> optuna.Study:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///quickstart.db", help="Optuna storage URL")
    parser.add_argument("--study-name", default="svm-breast-cancer")
    parser.add_argument("--n-trials", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    study = optuna.create_study(
        study_name=args.study_name,
        storage=args.storage,
        direction="maximize",
        sampler=GammaBOSampler(seed=args.seed),
        load_if_exists=True,
    )
    study.optimize(make_objective(), n_trials=args.n_trials)
    print(f"best cross-validated accuracy {study.best_value:.4f} with {study.best_params}")
    print(f"{len(study.trials)} trials stored. View them with:")
    print(f"    optuna-dashboard {args.storage}")
    return study


if __name__ == "__main__":
    main()
