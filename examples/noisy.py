"""A noisy objective: keep the trial the model predicts best, not the luckiest one.

Each trial scores an SVC on a *fresh* random train/validation split of scikit-learn's breast
cancer data, as a tuning loop with a random split (or a random seed) does: the value is noisy.
After the study, ``study.best_trial`` is the best observed value, ``best_predicted_trial`` the
trial whose posterior mean is best; both configurations are then scored on 20 further splits
(what they would average to), which shows which choice was luckier and which was better.

    python examples/noisy.py [--n-trials 40] [--seed 0]
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

import optuna
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from optuna_gamma import GammaBOSampler
from optuna_gamma import best_predicted_trial

X, y = load_breast_cancer(return_X_y=True)


def error(params: dict[str, Any], split: int) -> float:
    """Validation error of the configuration on random split ``split`` (30 % validation)."""
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.3, random_state=split, stratify=y
    )
    model = make_pipeline(StandardScaler(), SVC(C=params["C"], gamma=params["gamma"]))
    return 1.0 - float(model.fit(X_train, y_train).score(X_val, y_val))


def main(n_trials: int = 40, seed: int = 0) -> tuple[optuna.Study, optuna.trial.FrozenTrial]:
    def objective(trial: optuna.Trial) -> float:
        params = {
            "C": trial.suggest_float("C", 1e-2, 1e3, log=True),
            "gamma": trial.suggest_float("gamma", 1e-5, 1e0, log=True),
        }
        return error(params, split=1000 * seed + trial.number)  # a fresh split per trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=GammaBOSampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    recommended = best_predicted_trial(study)
    for label, trial in (("best observed", study.best_trial), ("recommended", recommended)):
        rerun = statistics.fmean(error(trial.params, split=10**6 + s) for s in range(20))
        predicted = trial.user_attrs.get("gammabo_predicted_median")
        print(
            f"{label:>13}: trial {trial.number:3d}, observed {trial.value:.4f}, "
            + (f"predicted {predicted:.4f}, " if predicted is not None else "")
            + f"mean of 20 new splits {rerun:.4f}"
        )
    return study, recommended


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.n_trials, args.seed)
