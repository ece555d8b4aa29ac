"""The trust region of many dimensions under noise: bbob in 20-D with Gaussian noise.

``SurrogateSettings.trust_region_from`` (20 by default, docs/math.md §13) confines the search
in spaces of 20 or more continuous parameters whether or not the fit sees noise; under noise
the region of ``noisy_trust_region`` acts anyway once the fit admits the noise, so the two
rules differ only while it does not. This script measures what the default does there: each
bbob problem of the long-study suite (``benchmarks/bbob.py``, instance ``seed + 1``) returns
its value plus Gaussian noise of ``--level`` times its median-to-optimum range, and
GammaBOSampler runs with the default and with ``trust_region_from=None``. Reported: the
normalised regret of the best *noise-free* value among the trials (what the search found,
whatever the noise made it see; the suite's references), per budget, and the paired
difference with its standard error over the problems.

    python scripts/noisy_high_dim.py --seeds 0-4 --n-trials 200 --workers 2
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
import json
from pathlib import Path
import statistics
import sys
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import _frame  # noqa: E402
from benchmarks import bbob  # noqa: E402

REFERENCES = ROOT / "benchmarks" / "results" / "bbob_large_d20_s09" / "references.json"
#: The two rules compared, as the bbob suite's samplers: the default and its ablation.
VARIANTS = {"default": "gamma", "whole-box": "gamma-whole-box-20"}
BUDGETS = (25, 50, 100, 200)


def run_one(problem: str, seed: int, variant: str, n_trials: int, level: float) -> dict[str, Any]:
    """One study; the normalised regret of the best noise-free value after each budget."""
    import numpy as np
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    ref = json.loads(REFERENCES.read_text())[bbob.ref_key(problem, seed)]
    sd = level * (ref["median"] - ref["optimum"])
    f, d, lo, hi = bbob._objective(problem, seed)
    study = optuna.create_study(sampler=bbob.make_sampler(VARIANTS[variant], seed))
    distributions = {f"x{i}": FloatDistribution(lo, hi) for i in range(d)}
    noise = np.random.default_rng([seed, 0x6E6F6973])
    best = float("inf")
    out: dict[str, float] = {}
    for t in range(1, n_trials + 1):
        trial = study.ask(distributions)
        value = float(f(np.array([trial.params[f"x{i}"] for i in range(d)])))
        study.tell(trial, value + sd * float(noise.standard_normal()))
        best = min(best, value)
        if t in BUDGETS or t == n_trials:
            out[str(t)] = bbob._nreg(best, ref)
    return {"problem": problem, "seed": seed, "variant": variant, "nreg": out}


def table(runs: list[dict[str, Any]], budgets: list[int]) -> list[str]:
    """Mean normalised regret of both variants and their paired difference per budget."""
    by_key = {(r["problem"], r["seed"], r["variant"]): r["nreg"] for r in runs}
    problems = sorted({r["problem"] for r in runs})
    seeds = sorted({r["seed"] for r in runs})
    lines = [
        "| trials | default | trust_region_from=None | default − None (± SE over problems) |",
        "|---|---|---|---|",
    ]
    for b in budgets:
        means = {v: [statistics.fmean(by_key[(p, s, v)][str(b)] for s in seeds)
                     for p in problems] for v in VARIANTS}  # fmt: skip
        diffs = [a - c for a, c in zip(means["default"], means["whole-box"])]
        se = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else float("nan")
        lines.append(
            f"| {b} | {statistics.fmean(means['default']):.4f} "
            f"| {statistics.fmean(means['whole-box']):.4f} "
            f"| {statistics.fmean(diffs):+.4f} ± {se:.4f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", default="d20", help="comma list or d20 (default: d20)")
    parser.add_argument("--seeds", default="0-4", help="e.g. 0-4 (default 0-4)")
    parser.add_argument("--n-trials", type=int, default=200, help="default 200")
    parser.add_argument(
        "--level", type=float, default=0.1, help="noise sd over the median-to-optimum range"
    )
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    args = parser.parse_args(argv)
    if args.n_trials < 1:
        parser.error(f"--n-trials must be at least 1, got {args.n_trials}")
    if not args.level > 0.0:
        parser.error(f"--level must be positive, got {args.level}")
    large = bbob.SUITES["bbob_large"]
    problems = list(large.groups["d20"]) if args.problems == "d20" else args.problems.split(",")
    unknown = [p for p in problems if p not in large.groups["d20"]]
    if unknown:
        parser.error(f"--problems: {unknown} not among {', '.join(large.groups['d20'])}")
    seeds = _frame.parse_seeds(args.seeds)
    jobs = [(p, s, v, args.n_trials, args.level) for p in problems for s in seeds
            for v in VARIANTS]  # fmt: skip
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        runs = list(pool.map(run_one, *zip(*jobs)))
    budgets = [b for b in BUDGETS if b < args.n_trials] + [args.n_trials]
    print(f"bbob 20-D with Gaussian noise of {args.level} of the median-to-optimum range; "
          f"problems {', '.join(problems)}; seeds {args.seeds}; GammaBOSampler")  # fmt: skip
    print()
    print("\n".join(table(runs, budgets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
