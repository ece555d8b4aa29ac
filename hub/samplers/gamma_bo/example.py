"""The hub package's example: a 2-D quadratic with GammaBOSampler loaded through OptunaHub.

Run from the repository root: ``python hub/samplers/gamma_bo/example.py`` (loads the local copy
of the package; after registration, ``optunahub.load_module("samplers/gamma_bo")``).
"""

from __future__ import annotations

from pathlib import Path

import optuna
import optunahub


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    return (x - 1) ** 2 + (y + 2) ** 2


def main(n_trials: int = 30) -> optuna.Study:
    hub_root = Path(__file__).resolve().parents[2]
    module = optunahub.load_local_module("samplers/gamma_bo", registry_root=str(hub_root))
    study = optuna.create_study(sampler=module.GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=n_trials)
    print(f"best value {study.best_value:.4g} at {study.best_params}")
    return study


if __name__ == "__main__":
    main()
