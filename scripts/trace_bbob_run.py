"""Where one bbob run of the long-study suite puts its trials: distance from the best trial
before each, share of coordinates on a bound of the box, fitted noise ratio.

A stalled run (the best value unchanged for hundreds of trials) is made again with the
suite's sampler (``benchmarks/bbob.py``: problem ``fNN-dDD``, instance ``seed + 1``) and
summarised over two windows of trials: the median Euclidean distance, in the unit cube, of a
trial from the best trial before it, the share of those farther than 1, and the mean share of
its coordinates on a bound. Also printed: the noise ratio ``g`` GammaBOSampler stored with the
fit of each hundredth trial (its ``gammabo:hyperparams`` system attr; absent for other
samplers) -- below ``NEGLIGIBLE_NOISE`` the trust region of docs/math.md §11 is off.

    python scripts/trace_bbob_run.py f17-d20 5 --sampler gamma-whole-box-20 \\
        --n-trials 320 --windows 20-180,180-320
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import bbob  # noqa: E402


def _window(spec: str) -> tuple[int, int]:
    lo, _, hi = spec.partition("-")
    start, stop = int(lo), int(hi)
    if not 0 <= start < stop:
        raise ValueError(spec)
    return start, stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("problem", help="a problem of the suite, e.g. f17-d20")
    parser.add_argument("seed", type=int, help="the run's seed (instance seed + 1)")
    parser.add_argument("--sampler", default="gamma", help="a bbob suite sampler (default gamma)")
    parser.add_argument("--n-trials", type=int, default=320, help="default 320")
    parser.add_argument(
        "--windows",
        default="20-180,180-320",
        help="comma list of START-STOP trial ranges (0-based, STOP excluded)",
    )
    args = parser.parse_args(argv)
    try:
        windows = [_window(w) for w in args.windows.split(",")]
    except ValueError:
        parser.error(
            f"--windows: {args.windows!r} is not a comma list of START-STOP, START < STOP"
        )
    if max(stop for _, stop in windows) > args.n_trials:
        parser.error(f"--windows: {args.windows!r} reaches past --n-trials {args.n_trials}")
    if args.problem not in bbob.SUITES["bbob_large"].problems:
        parser.error(f"problem: {args.problem!r} is not a problem of the bbob_large suite")
    try:
        sampler = bbob.make_sampler(args.sampler, args.seed)
    except ValueError as err:
        parser.error(f"--sampler: {err}")

    import numpy as np
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    f, d, lo, hi = bbob._objective(args.problem, args.seed)
    study = optuna.create_study(sampler=sampler)
    distributions = {f"x{i}": FloatDistribution(lo, hi) for i in range(d)}
    X, y = np.empty((args.n_trials, d)), np.empty(args.n_trials)
    for t in range(args.n_trials):
        trial = study.ask(distributions)
        X[t] = [trial.params[f"x{i}"] for i in range(d)]
        y[t] = f(X[t])
        study.tell(trial, float(y[t]))
    U = (X - lo) / (hi - lo)
    ref = json.loads((ROOT / "benchmarks/results/bbob_large_d20_s09/references.json").read_text())
    key = bbob.ref_key(args.problem, args.seed)
    best = np.minimum.accumulate(y)
    print(f"{args.problem}, seed {args.seed}, {args.sampler}, {args.n_trials} trials")
    marks = [b for b in (100, 200, 300, 500) if b <= args.n_trials]
    if key in ref and marks:
        print("normalised regret: " + ", ".join(
            f"{bbob._nreg(best[b - 1], ref[key]):.3f} at {b}" for b in marks))  # fmt: skip
    print()
    print("| trials | median distance from the best before | farther than 1 | on a bound |")
    print("|---|---|---|---|")
    for start, stop in windows:
        rows = range(max(start, 1), stop)
        dist = [np.linalg.norm(U[t] - U[int(np.argmin(y[:t]))]) for t in rows]
        bound = [np.mean((U[t] <= 1e-9) | (U[t] >= 1 - 1e-9)) for t in rows]
        far = np.mean(np.array(dist) > 1.0)
        print(f"| {start}–{stop} | {np.median(dist):.2f} | {far:.0%} | {np.mean(bound):.0%} |")
    noise = []
    for t in study.trials[99::100]:
        try:
            noise.append(f"{json.loads(t.system_attrs['gammabo:hyperparams'])['g']:.4f}")
        except (KeyError, TypeError, ValueError):
            noise.append("-")
    print()
    print("noise ratio g at trials 100, 200, ...: " + ", ".join(noise))
    return 0


if __name__ == "__main__":
    sys.exit(main())
