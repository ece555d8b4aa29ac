"""Run a GammaBOSampler study that publishes its surrogate to optuna-dashboard.

    .venv/bin/python examples/dashboard_demo.py             # 30 trials into dashboard_demo.db
    .venv/bin/optuna-dashboard sqlite:///dashboard_demo.db  # then open http://127.0.0.1:8080

The objective is a 2-D toy with a log-scaled learning-rate-like parameter.  The dashboard then
shows, for study "gammabo-dashboard-demo": the surrogate figure (median and log EI maps with the
trials and the next suggestion), a note with the sampler's configuration, and for every
model-based trial the user attrs gammabo_pred_median / _lower / _upper / _nu and gammabo_acq.
"""

from __future__ import annotations

import argparse
import math

import optuna

from optuna_gamma import GammaBOSampler
from optuna_gamma.dashboard import DashboardPublisher
from optuna_gamma.dashboard import dashboard_command

STUDY_NAME = "gammabo-dashboard-demo"
N_TRIALS = 30  # the default; scripts/dashboard_screenshot.py pictures a study of this many


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    return (x - 1.0) ** 2 + 0.5 * (math.log10(lr) + 3.0) ** 2 + 0.3 * math.sin(3.0 * x)


def main(argv: list[str] | None = None) -> optuna.Study:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///dashboard_demo.db")
    parser.add_argument("--n-trials", type=int, default=N_TRIALS)
    parser.add_argument("--every", type=int, default=5, help="publish every N trials")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=STUDY_NAME,
        storage=args.storage,
        sampler=GammaBOSampler(seed=args.seed),
        load_if_exists=True,
    )
    publisher = DashboardPublisher(every=args.every, params=("x", "lr"))
    study.optimize(objective, n_trials=args.n_trials, callbacks=[publisher])
    publisher.publish(study)  # the final state, whatever n_trials % every is
    print(f"best value {study.best_value:.4g} at {study.best_params}")
    print(f"now run: {dashboard_command(args.storage)}")
    return study


if __name__ == "__main__":
    main()
