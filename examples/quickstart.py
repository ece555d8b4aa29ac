"""Tune an SVM on scikit-learn's bundled breast-cancer data with GammaBOSampler, stored in SQLite.

Run (``bash scripts/quickstart.sh`` sets up ``.venv`` and runs this)::

    .venv/bin/python examples/quickstart.py             # 30 trials into sqlite:///quickstart.db
    .venv/bin/optuna-dashboard sqlite:///quickstart.db  # then open http://127.0.0.1:8080

What optuna-dashboard then shows besides Optuna's own plots, all written by
:class:`optuna_gamma.dashboard.DashboardPublisher`:

- the study's note: the sampler's settings and what its model is;
- the figure ``gammabo-surrogate`` (study page): the surrogate's predictive median and log EI over
  ``C`` and ``gamma`` (log axes), with the trials and the next suggestion;
- for every model-based trial, its user attrs ``gammabo_pred_median`` / ``_lower`` / ``_upper``
  (what the model predicted before the trial ran: median and 95 % interval of the accuracy),
  ``gammabo_pred_nu`` (Student-t degrees of freedom) and ``gammabo_acq`` (log EI).

Offline, about half a minute on two cores. Running the script again adds trials to the same study.
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
from optuna_gamma.dashboard import DashboardPublisher
from optuna_gamma.dashboard import dashboard_command


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

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=args.study_name,
        storage=args.storage,
        direction="maximize",
        sampler=GammaBOSampler(seed=args.seed),
        load_if_exists=True,
    )
    publisher = DashboardPublisher(every=5, params=("C", "gamma"))
    study.optimize(make_objective(), n_trials=args.n_trials, callbacks=[publisher])
    publisher.publish(study)  # the final model, whatever n_trials % 5 is
    best = study.best_trial
    print(f"best cross-validated accuracy {best.value:.4f} with {best.params}")
    predicted = [t for t in study.trials if "gammabo_pred_median" in t.user_attrs]
    inside = sum(
        t.value is not None
        and t.user_attrs["gammabo_pred_lower"] <= t.value <= t.user_attrs["gammabo_pred_upper"]
        for t in predicted
    )
    print(
        f"{len(predicted)} trials were chosen by the model; {inside} of them landed inside "
        "the 95 % interval it predicted"
    )
    print(f"{len(study.trials)} trials stored. Open the dashboard (figure, note, predictions):")
    print(f"    {dashboard_command(args.storage)}")
    return study


if __name__ == "__main__":
    main()
