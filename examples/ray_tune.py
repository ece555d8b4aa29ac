"""GammaBOSampler inside Ray Tune: ``OptunaSearch(sampler=GammaBOSampler())``.

Ray Tune runs the trials (here four at a time on this machine's Ray; on a cluster, on its
nodes); Ray's ``OptunaSearch`` asks an Optuna study held by the Tune driver for each new trial's
parameters and tells it the result. While trials run, that study holds them as RUNNING trials
with the parameters GammaBOSampler chose, so the sampler sees them and spreads its next
suggestions away from them (a kriging believer, docs/math.md §2), as with Optuna's own workers.

Requires ``pip install "ray[tune]"`` (not a dependency of optuna-gamma).

    python examples/ray_tune.py [--n-trials 24] [--max-concurrent 4] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import optuna

from optuna_gamma import GammaBOSampler


def branin(config: dict[str, Any]) -> dict[str, float]:
    """The function a Ray trial evaluates: Branin (minimum 0.397887), reported as ``loss``."""
    x, y = config["x"], config["y"]
    value = (y - 5.1 / (4 * math.pi**2) * x**2 + 5 / math.pi * x - 6) ** 2
    value += 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10
    return {"loss": value}


def main(n_trials: int = 24, max_concurrent: int = 4, seed: int = 0) -> Any:
    """Runs the search and returns Ray's ``ResultGrid``."""
    import ray
    from ray import tune
    from ray.tune.search import ConcurrencyLimiter
    from ray.tune.search.optuna import OptunaSearch

    # Local Ray on this machine, listening on loopback only (leave out _node_ip_address on a
    # cluster: there ray.init(address="auto") joins it).
    ray.init(
        num_cpus=max_concurrent,
        include_dashboard=False,
        log_to_driver=False,
        _node_ip_address="127.0.0.1",
    )
    try:
        space = {
            "x": optuna.distributions.FloatDistribution(-5.0, 10.0),
            "y": optuna.distributions.FloatDistribution(0.0, 15.0),
        }
        search = OptunaSearch(
            space=space,
            metric="loss",
            mode="min",
            sampler=GammaBOSampler(seed=seed),
        )
        tuner = tune.Tuner(
            branin,
            tune_config=tune.TuneConfig(
                search_alg=ConcurrencyLimiter(search, max_concurrent=max_concurrent),
                num_samples=n_trials,
            ),
        )
        results = tuner.fit()
        best = results.get_best_result(metric="loss", mode="min")
        print(f"best loss {best.metrics['loss']:.4f} after {len(results)} trials at {best.config}")
        return results
    finally:
        ray.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=24)
    parser.add_argument("--max-concurrent", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.n_trials, args.max_concurrent, args.seed)
