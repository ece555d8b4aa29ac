"""Seconds and memory of one suggestion with many objectives (4, 5, 6) and large Pareto fronts.

    python -m benchmarks.many_objectives                       # d = 4, 5, 6; m = 100
    python -m benchmarks.many_objectives --objectives 6 --front 200 --repeats 1

For each number of objectives ``d``, a study of ``GammaBOSampler(seed=--seed)`` is filled
(``study.add_trials``) with COMPLETE trials of a DTLZ2-like problem -- ``d + 1`` parameters in
``[0, 1]``, values ``(1 + g) * s(x_1..x_{d-1})`` with ``s`` a point of the unit sphere's positive
orthant and ``g = (x_d - 0.5)^2 + (x_{d+1} - 0.5)^2`` -- drawn uniformly from one seeded stream
until ``--front`` of them are Pareto-optimal. Then ``--repeats`` suggestions are timed, each one
``study.ask(distributions)`` (the whole ``sample_relative`` path: the model fits, the box
decomposition, the acquisition's maximisation), told as FAIL so that the history stays the same.
Peak memory is taken by ``tracemalloc`` (NumPy's allocations included) in one more suggestion,
untimed (tracing slows Python code). One BLAS thread. Prints the commit, the CPU and one line per
``d``: trials, front size, boxes of the decomposition the sampler uses (from
``fit_multi_objective`` on the same trials), median and largest seconds per suggestion, peak
MiB, and whether every suggestion was model-based (``gammabo_acq`` stored).

The accuracy of the decomposition where it is capped is measured against the exact one by
``tests/test_many_objectives.py`` (docs/math.md §8).
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
import tracemalloc
import warnings

import numpy as np

from benchmarks import _env

_env.limit_threads(1)

import optuna  # noqa: E402
from optuna.distributions import BaseDistribution  # noqa: E402
from optuna.distributions import FloatDistribution  # noqa: E402
from optuna.trial import TrialState  # noqa: E402

from optuna_gamma import GammaBOSampler  # noqa: E402
from optuna_gamma.surrogate import SurrogateSettings  # noqa: E402
from optuna_gamma.surrogate import fit_multi_objective  # noqa: E402


def _values(x: np.ndarray, d: int) -> list[float]:
    angles = 0.5 * math.pi * x[: d - 1]
    g = float(np.sum((x[d - 1 :] - 0.5) ** 2))
    point = np.ones(d)
    for k in range(d):
        point[k] *= np.prod(np.cos(angles[: d - 1 - k]))
        if k:
            point[k] *= np.sin(angles[d - 1 - k])
    return list((1.0 + g) * point)


def _n_pareto(values: np.ndarray) -> int:
    """The number of rows of ``values`` (minimised) that no other row dominates."""
    no_worse = np.all(values[:, None, :] <= values[None, :, :], axis=2)  # [j, i]: j <= i
    better = np.any(values[:, None, :] < values[None, :, :], axis=2)
    return int(np.sum(~np.any(no_worse & better, axis=0)))


def filled_study(d: int, front: int, seed: int) -> optuna.Study:
    """A minimisation study whose COMPLETE trials hold a Pareto front of ``front`` points."""
    rng = np.random.default_rng(seed)
    X = np.empty((0, d + 1))
    values = np.empty((0, d))
    while len(X) < front or _n_pareto(values) < front:
        x = rng.uniform(size=(10, d + 1))
        X = np.vstack([X, x])
        values = np.vstack([values, [_values(row, d) for row in x]])
    n = next(n for n in range(front, len(X) + 1) if _n_pareto(values[:n]) >= front)
    distributions: dict[str, BaseDistribution] = {
        f"x{i}": FloatDistribution(0.0, 1.0) for i in range(d + 1)
    }
    study = optuna.create_study(directions=["minimize"] * d, sampler=GammaBOSampler(seed=seed))
    study.add_trials(
        [
            optuna.trial.create_trial(
                params={f"x{i}": float(v) for i, v in enumerate(x)},
                distributions=distributions,
                values=list(y),
            )
            for x, y in zip(X[:n], values[:n])
        ]
    )
    return study


def _suggest(study: optuna.Study) -> optuna.trial.Trial:
    distributions = study.trials[0].distributions
    trial = study.ask(distributions)
    study.tell(trial, state=TrialState.FAIL)
    return trial


def measure(d: int, front: int, seed: int, repeats: int) -> dict[str, float]:
    study = filled_study(d, front, seed)
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    fitted = fit_multi_objective(
        complete, study.trials[0].distributions, study.directions, SurrogateSettings()
    )
    seconds = []
    modelled = True
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        trial = _suggest(study)
        seconds.append(time.perf_counter() - start)
        modelled &= "gammabo_acq" in study.trials[trial.number].user_attrs
    gc.collect()
    tracemalloc.start()
    _suggest(study)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "d": d,
        "trials": len(complete),
        "front": _n_pareto(np.array([t.values for t in complete])),
        "boxes": 0 if fitted.boxes is None else len(fitted.boxes[0]),
        "median_s": statistics.median(seconds),
        "max_s": max(seconds),
        "peak_mib": peak / 2**20,
        "modelled": modelled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objectives", default="4,5,6", help="numbers of objectives, e.g. 4,5,6")
    parser.add_argument("--front", type=int, default=100, help="Pareto-optimal trials")
    parser.add_argument("--repeats", type=int, default=3, help="timed suggestions per study")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    print(f"commit {_env.git_commit()}, {_env.cpu_model()}, seed {args.seed}, one BLAS thread")
    print("d  trials  front  boxes  median_s  max_s  peak_MiB  modelled")
    for d in (int(v) for v in args.objectives.split(",")):
        r = measure(d, args.front, args.seed, args.repeats)
        print(
            f"{r['d']}  {r['trials']:6d}  {r['front']:5d}  {r['boxes']:5d}  {r['median_s']:8.2f}"
            f"  {r['max_s']:5.2f}  {r['peak_mib']:8.1f}  {r['modelled']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
