"""The noise ratio GammaBOSampler's model fits, on noise-free and on noisy objectives.

The sampler takes noise as negligible at a fitted noise ratio (noise variance over signal
variance) of at most ``optuna_gamma.surrogate.NEGLIGIBLE_NOISE``; this prints what the ratio is
after 10, 25, 50 and 100 trials of a GammaBOSampler study (seed 0) on noise-free test functions
and on the same functions with Gaussian noise of 5 % and 20 % of the gap between the function's
median over the box and its minimum (the noisy benchmark's levels, docs/benchmarks.md), then on
two noise-free tabulated tasks of the real-HPO suite, cross-validated accuracies with plateaus.

    python scripts/noise_ratios.py            # a table, one row per function and noise level
    python scripts/noise_ratios.py --noise-prior-rate 1   # SurrogateSettings(noise_prior_rate=1)
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys
import warnings

import numpy as np
import optuna
from optuna.study import StudyDirection
from optuna.trial import TrialState

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import hpo  # noqa: E402
from benchmarks import noisy  # noqa: E402
from benchmarks import problems  # noqa: E402
from optuna_gamma import GammaBOSampler  # noqa: E402
from optuna_gamma.surrogate import NEGLIGIBLE_NOISE  # noqa: E402
from optuna_gamma.surrogate import SurrogateSettings  # noqa: E402
from optuna_gamma.surrogate import fit_surrogate  # noqa: E402

FUNCTIONS = ("branin", "hartmann6", "rosenbrock4", "levy4", "ackley5")
TABULATED = ("knn-iris", "logistic-wine")
LEVELS = (0.0, 0.05, 0.2)
AT = (10, 25, 50, 100)


def ratios(name: str, level: float, settings: SurrogateSettings) -> list[float]:
    problem = problems.get_problem(name)
    optimum, median = noisy.box_reference(name)
    sd = level * (median - optimum)
    rng = np.random.default_rng(0)

    def objective(trial: optuna.Trial) -> float:
        return problem.evaluate(problem.suggest(trial)) + sd * float(rng.standard_normal())

    sampler = GammaBOSampler(seed=0, surrogate_settings=settings)
    study = optuna.create_study(sampler=sampler)
    out = []
    for n in AT:
        study.optimize(objective, n_trials=n - len(study.trials))
        completed = study.get_trials(states=(TrialState.COMPLETE,))
        fitted = fit_surrogate(
            completed,
            problem.distributions or {},
            StudyDirection.MINIMIZE,
            sampler.surrogate_settings,
        )
        out.append(fitted.model.hp.g)
    return out


def tabulated_ratios(task: str, settings: SurrogateSettings) -> list[float]:
    """The fitted noise ratios of a study on a noise-free tabulated real-HPO task."""
    sampler = GammaBOSampler(seed=0, warn_independent_sampling=False, surrogate_settings=settings)
    study = optuna.create_study(sampler=sampler)
    out = []
    for n in AT:
        study.optimize(hpo.objective_of(task), n_trials=n - len(study.trials))
        completed = study.get_trials(states=(TrialState.COMPLETE,))
        fitted = fit_surrogate(
            completed,
            completed[-1].distributions,
            StudyDirection.MINIMIZE,
            sampler.surrogate_settings,
        )
        out.append(fitted.model.hp.g)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--noise-prior-rate",
        type=float,
        default=SurrogateSettings().noise_prior_rate,
        help="SurrogateSettings.noise_prior_rate of the studies (default: the library's)",
    )
    args = parser.parse_args(argv)
    settings = SurrogateSettings(noise_prior_rate=args.noise_prior_rate)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore")
    print(
        f"NEGLIGIBLE_NOISE = {NEGLIGIBLE_NOISE:g}, noise_prior_rate = "
        f"{settings.noise_prior_rate:g}; fitted noise ratio after n trials"
    )
    print()
    print("| function | noise | " + " | ".join(f"n = {n}" for n in AT) + " |")
    print("|---|---|" + "---|" * len(AT))
    for name in FUNCTIONS:
        for level in LEVELS:
            found = ratios(name, level, settings)
            noise = "none" if level == 0 else f"{level:.0%}"
            print(f"| {name} | {noise} | " + " | ".join(f"{g:.1e}" for g in found) + " |")
    for task in TABULATED:
        found = tabulated_ratios(task, settings)
        print(f"| {task} (real-HPO) | none | " + " | ".join(f"{g:.1e}" for g in found) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
