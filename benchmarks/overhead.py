"""Seconds per suggestion against the number of completed trials, as a ratio to GPSampler.

Usage::

    python -m benchmarks overhead                    # n = 25, 100, 300, 1000: the committed table
    python -m benchmarks overhead --quick            # n = 25, 100, 3 repeats, git-ignored folder

A measurement, not a set of studies: every sampler runs in this one process, taking turns, so
that the ratio to GPSampler compares like with like; it has no run store. (``python -m
benchmarks.overhead ...`` is the same command.)

One stream of uniform random completed trials of a static problem (Ackley-5 by default; the
wide suite's 18-parameter mixed spaces with ``--problems wide-levy``) is drawn once from
``--seeds``; every sampler sees exactly the same points. For each n:

1. every sampler gets a fresh study holding the first n trials of the stream
   (``study.add_trials``);
2. one warm-up suggestion follows (``study.ask()`` plus ``trial.suggest_*`` for every
   parameter, the trial told as FAIL and discarded); it is not among the timed repeats, and its
   time is reported separately as ``first_s``, the cold model fit;
3. then ``--repeats`` timed repeats (``--repeats-large`` for n >= 1000; ten by default: from 100
   trials on GammaBOSampler refits its kernel on one number of trials in ten, so ten
   consecutive numbers hold exactly one refit and their mean is the cost per trial a study
   pays; docs/math.md §12). Each repeat first adds
   the next trial of the stream to the history as a new COMPLETE trial (``study.add_trial``;
   the same point for every sampler), then times one full suggestion (``study.ask()`` +
   ``suggest_*``), told as FAIL. So repeat r sees n + r completed trials (r = 1..R) and no
   timed call sees the history of the previous call: a sampler that warm-starts its kernel fit
   from its previous call gets the realistic job of updating it for one new observation, not a
   refit on unchanged data.

GammaBOSampler is timed without its noise check (``SurrogateSettings(noise_check=False)``):
the check's one re-evaluation of the best trial would be answered only by a COMPLETE repeat,
and every timed trial here is told FAIL, so it would fire on every timed call -- a suggestion
that returns the best trial's parameters without maximising anything. The timed suggestion is
the model's, as in a study after its one check.

Before anything is timed, each sampler makes one suggestion on a throwaway study, so lazy
imports are not counted. Samplers take turns within each repeat (the order alternates), so
machine-speed drift hits all of them alike; the report gives the median and the mean over the
repeats and their ratios to GPSampler's in the same run. Everything runs in this process with one
BLAS/OpenMP/torch thread; garbage is collected before each timed call, outside the timing.

Writes ``overhead.csv`` and ``overhead.md`` into ``--out``: by default
``benchmarks/results/overhead/``, the committed table; with ``--quick``
``benchmarks/results/raw/quick/overhead/``, which git ignores, so trying the benchmark never
rewrites the committed table.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import csv
import gc
import math
from pathlib import Path
import sys
import time
from typing import Any
import warnings

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.trial import TrialState

from benchmarks import _env
from benchmarks import _frame
from benchmarks.problems import Problem
from benchmarks.problems import get_problem
from benchmarks.samplers import SAMPLERS
from benchmarks.samplers import make_sampler
from benchmarks.samplers import resolve_samplers

DEFAULT_SIZES = "25,100,300,1000"
DEFAULT_SAMPLERS = "gamma-t,gamma-gauss,gp,tpe"
FIELDS = (
    "sampler",
    "n_trials",
    "repeats",
    "median_s",
    "mean_s",
    "q25_s",
    "q75_s",
    "first_s",
    "ratio_to_gp",
    "mean_ratio_to_gp",
    "first_ratio_to_gp",
)
LARGE_N = 1000  # sizes from here on use --repeats-large timed repeats
# The project's overhead targets for GammaBOSampler (docs/benchmarks.md): (n, max ratio to
# GPSampler, on the median and on the mean of the timed repeats) and (n, max median seconds).
RATIO_TARGETS = ((100, 0.2), (300, 0.2), (1000, 0.2))
SECONDS_TARGETS = ((1000, 2.0),)


def random_history(problem: Problem, n: int, seed: int) -> list[optuna.trial.FrozenTrial]:
    """``n`` completed trials at uniform random points of a static problem (on a log scale for
    log parameters; integers, stepped floats and categoricals uniform over their values)."""
    assert problem.distributions is not None
    rng = np.random.default_rng(seed)
    trials = []
    for _ in range(n):
        params: dict[str, Any] = {}
        for name, d in problem.distributions.items():
            params[name] = _random_value(d, rng)
        trials.append(
            optuna.trial.create_trial(
                params=params,
                distributions=dict(problem.distributions),
                value=problem.evaluate(params),
            )
        )
    return trials


def _random_value(d: BaseDistribution, rng: np.random.Generator) -> Any:
    if isinstance(d, CategoricalDistribution):
        return d.choices[int(rng.integers(len(d.choices)))]
    if isinstance(d, IntDistribution) or (isinstance(d, FloatDistribution) and d.step):
        if d.log:  # a log integer: uniform in log space, rounded
            return int(round(float(np.exp(rng.uniform(np.log(d.low), np.log(d.high))))))
        step = d.step or 1
        k = int(rng.integers(int(round((d.high - d.low) / step)) + 1))
        return d.low + k * step if isinstance(d, IntDistribution) else float(d.low + k * step)
    assert isinstance(d, FloatDistribution)
    if d.log:
        return float(np.exp(rng.uniform(np.log(d.low), np.log(d.high))))
    return float(rng.uniform(d.low, d.high))


#: GammaBOSampler as the benchmark times it, by name: its settings besides ``noise_check=False``.
#: ``gamma-t-whole-box`` maximises over the whole box under noise too (``noisy_trust_region``
#: off): what the trust region costs, where the fit sees noise (Ackley-5's ruggedness does).
GAMMA_TIMED: dict[str, dict[str, Any]] = {
    "gamma-t": {"predictive": "student_t"},
    "gamma-gauss": {"predictive": "gaussian"},
    "gamma-t-whole-box": {"predictive": "student_t", "noisy_trust_region": None},
}


def resolve_timed(spec: str) -> list[str]:
    """``--samplers``: a comma list of the names of :data:`GAMMA_TIMED` and of registered
    samplers (``ValueError`` naming the valid ones otherwise)."""
    out: list[str] = []
    for item in (s.strip() for s in spec.split(",")):
        if item in GAMMA_TIMED:
            names = [item]
        elif item:
            try:
                names = resolve_samplers(item)
            except ValueError as err:
                timed_only = [n for n in GAMMA_TIMED if n not in SAMPLERS]
                raise ValueError(f"{err}; timed here only: {', '.join(timed_only)}") from None
        else:
            names = []
        for name in names:
            if name not in out:
                out.append(name)
    if not out:
        raise ValueError(f"--samplers: empty selection {spec!r}")
    return out


def timed_sampler(name: str, seed: int, problem: Problem, n_trials: int) -> Any:
    """The sampler ``name`` as the benchmark times it: the names of :data:`GAMMA_TIMED`
    without the noise check (see the module), every other one as :func:`make_sampler` makes
    it."""
    if name not in GAMMA_TIMED:
        return make_sampler(name, seed, problem, n_trials)
    from optuna_gamma import GammaBOSampler
    from optuna_gamma.surrogate import SurrogateSettings

    settings = SurrogateSettings(noise_check=False, **GAMMA_TIMED[name])
    return GammaBOSampler(seed=seed, warn_independent_sampling=False, surrogate_settings=settings)


def time_one(study: optuna.Study, problem: Problem) -> float:
    """Seconds for one ask + suggest; the trial is told as FAIL."""
    t0 = time.perf_counter()
    trial = study.ask()
    problem.suggest(trial)
    elapsed = time.perf_counter() - t0
    study.tell(trial, state=TrialState.FAIL)
    return elapsed


def measure(
    problem: Problem,
    samplers: list[str],
    sizes: list[int],
    repeats: int,
    seed: int,
    repeats_large: int | None = None,
) -> list[dict[str, Any]]:
    """The rows of overhead.csv; progress goes to stdout.

    ``repeats`` timed repeats per size, ``repeats_large`` (default: ``repeats``) for sizes of
    at least ``LARGE_N``. Each timed repeat follows the addition of one new completed trial.
    """
    if repeats_large is None:
        repeats_large = repeats

    def n_repeats(n: int) -> int:
        return repeats_large if n >= LARGE_N else repeats

    stream = random_history(problem, max(n + n_repeats(n) for n in sizes), seed)
    for s in samplers:  # load every lazily imported module before anything is timed
        study = optuna.create_study(
            direction=problem.direction, sampler=timed_sampler(s, seed, problem, 30)
        )
        study.add_trials(stream[: min(len(stream), 20)])
        time_one(study, problem)
    rows = []
    for n in sizes:
        r_n = n_repeats(n)
        studies = {}
        first = {}
        for s in samplers:
            sampler = timed_sampler(s, seed, problem, n + r_n + 1)
            study = optuna.create_study(direction=problem.direction, sampler=sampler)
            study.add_trials(stream[:n])
            gc.collect()
            first[s] = time_one(study, problem)  # warm-up: cold fit, reported separately
            studies[s] = study
        times: dict[str, list[float]] = {s: [] for s in samplers}
        for r in range(r_n):
            order = samplers if r % 2 == 0 else samplers[::-1]
            for s in order:
                studies[s].add_trial(stream[n + r])  # one new observation, same for everyone
                gc.collect()
                times[s].append(time_one(studies[s], problem))
        for s in samplers:  # every study ended with n + r_n completed trials
            done = studies[s].get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            assert len(done) == n + r_n, (s, len(done), n + r_n)
        gp_median = float(np.median(times["gp"])) if "gp" in times else math.nan
        gp_mean = float(np.mean(times["gp"])) if "gp" in times else math.nan
        gp_first = first.get("gp", math.nan)
        for s in samplers:
            q25, q50, q75 = np.percentile(times[s], [25, 50, 75])
            rows.append(
                {
                    "sampler": s,
                    "n_trials": n,
                    "repeats": r_n,
                    "median_s": float(q50),
                    "mean_s": float(np.mean(times[s])),
                    "q25_s": float(q25),
                    "q75_s": float(q75),
                    "first_s": first[s],
                    "ratio_to_gp": float(q50) / gp_median,
                    "mean_ratio_to_gp": float(np.mean(times[s])) / gp_mean,
                    "first_ratio_to_gp": first[s] / gp_first,
                }
            )
            print(
                f"n={n:>5} {s:<12} median {q50:.4f} s  IQR [{q25:.4f}, {q75:.4f}]  "
                f"x{float(q50) / gp_median:.3g} of gp, mean x{np.mean(times[s]) / gp_mean:.3g}   "
                f"first {first[s]:.4f} s "
                f"(x{first[s] / gp_first:.3g})",
                flush=True,
            )
    return rows


def _g(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.3g}"


def target_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The overhead targets for every gamma-* sampler, one line each, with PASS/FAIL."""
    by = {(r["sampler"], r["n_trials"]): r for r in rows}
    lines = []
    for s in dict.fromkeys(r["sampler"] for r in rows):
        if not s.startswith("gamma"):
            continue
        for n, limit in RATIO_TARGETS:
            if (s, n) in by and not math.isnan(by[(s, n)]["ratio_to_gp"]):
                ratio = by[(s, n)]["ratio_to_gp"]
                mean_ratio = by[(s, n)]["mean_ratio_to_gp"]
                verdict = "PASS" if max(ratio, mean_ratio) <= limit else "FAIL"
                lines.append(
                    f"- {s} at {n} trials: ×{_g(ratio)} of GPSampler on the median, "
                    f"×{_g(mean_ratio)} on the mean (target ≤ ×{limit} on both): **{verdict}**"
                )
        for n, limit in SECONDS_TARGETS:
            if (s, n) in by:
                sec = by[(s, n)]["median_s"]
                verdict = "PASS" if sec < limit else "FAIL"
                lines.append(
                    f"- {s} at {n} trials: {_g(sec)} s per suggestion (target < {limit} s): "
                    f"**{verdict}**"
                )
    return lines


def write_markdown(
    path: Path, rows: list[dict[str, Any]], info: dict[str, Any], extra: dict[str, str]
) -> None:
    """overhead.md: machine info, seconds per suggestion and the ratio to GPSampler, targets."""
    samplers = list(dict.fromkeys(r["sampler"] for r in rows))
    sizes = list(dict.fromkeys(r["n_trials"] for r in rows))
    by = {(r["sampler"], r["n_trials"]): r for r in rows}

    def table(cell: Callable[[dict[str, Any]], str], repeats: bool = False) -> list[str]:
        header = ["completed trials"] + (["timed repeats"] if repeats else []) + samplers
        out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        for n in sizes:
            first = [str(n)] + ([str(by[(samplers[0], n)]["repeats"])] if repeats else [])
            out.append("| " + " | ".join(first + [cell(by[(s, n)]) for s in samplers]) + " |")
        return out

    lines = [
        "# Sampler overhead: seconds per suggestion",
        "",
        _env.markdown_header(info, extra),
        "",
        "Median seconds of one `study.ask()` + `suggest_*` over the timed repeats, with the "
        "ratio to GPSampler's median in the same run in brackets (the ratio is the comparable "
        "number: absolute times drift with machine load). Each timed repeat is preceded by "
        "adding one new random completed trial (the same for every sampler), so repeat r sees "
        "n + r completed trials and no sampler can reuse an unchanged fit.",
        "",
        *table(lambda r: f"{_g(r['median_s'])} s (×{_g(r['ratio_to_gp'])})", repeats=True),
        "",
        "Mean seconds over the same timed repeats, and the ratio to GPSampler's mean: "
        "GammaBOSampler fits its kernel hyperparameters when the number of trials is a multiple "
        "of a tenth of it (of ten from 100 on: docs/math.md §12) and keeps them in between, so "
        "ten consecutive numbers of trials hold one fit, and the mean over them is what a "
        "study pays per trial; the median passes over the fit.",
        "",
        *table(lambda r: f"{_g(r['mean_s'])} s (×{_g(r['mean_ratio_to_gp'])})"),
        "",
        "Interquartile range of the timed repeats (seconds):",
        "",
        *table(lambda r: f"{_g(r['q25_s'])}–{_g(r['q75_s'])}"),
        "",
        "Cold first suggestion (the warm-up: fit from scratch on n trials, not among the timed "
        "repeats), seconds and ratio to GPSampler's first suggestion:",
        "",
        *table(lambda r: f"{_g(r['first_s'])} s (×{_g(r['first_ratio_to_gp'])})"),
    ]
    targets = target_lines(rows)
    if targets:
        lines += [
            "",
            "Targets (GammaBOSampler ≤ ×0.2 of GPSampler at 100, 300 and 1000 trials on the "
            "median and on the mean of the timed repeats, < 2 s at 1000 on the median):",
            "",
            *targets,
        ]
    lines.append("")
    path.write_text("\n".join(lines))


def _parse_sizes(spec: str) -> list[int]:
    try:
        sizes = sorted({int(x) for x in spec.split(",") if x.strip()})
    except ValueError:
        raise ValueError(f"--sizes: {spec!r} must be a comma list of ints, e.g. 25,100") from None
    if not sizes or sizes[0] < 1:
        raise ValueError(f"--sizes: {spec!r} must list ints >= 1")
    return sizes


def output_dir(out: Path | None, quick: bool) -> Path:
    """Where a run writes: ``--out``, else the committed table's folder, or for a quick or
    partial run a git-ignored one."""
    if out is not None:
        return out
    return _frame.QUICK_OUT / "overhead" if quick else _frame.RESULTS / "overhead"


def _problem(name: str) -> Problem:
    from benchmarks import wide

    return wide.static_problem(name) if name in wide.STATIC else get_problem(name)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m benchmarks overhead``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks overhead",
        description="Seconds per suggestion vs completed trials, with the ratio to GPSampler.",
    )
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"default {DEFAULT_SIZES}")
    parser.add_argument("--max-n", type=int, default=None, help="drop sizes above this")
    parser.add_argument("--samplers", default=DEFAULT_SAMPLERS, help=f"default {DEFAULT_SAMPLERS}")
    parser.add_argument(
        "--problems",
        default="ackley5",
        help="one static problem: a continuous one of benchmarks/problems.py or a mixed space "
        "of the wide suite (wide-levy, wide-hartmann: 18 parameters); default ackley5",
    )
    parser.add_argument(
        "--repeats", type=int, default=10, help="timed suggestions per size; default 10"
    )
    parser.add_argument(
        "--repeats-large",
        type=int,
        default=10,
        help=f"timed suggestions at sizes >= {LARGE_N} (capped by --repeats); default 10",
    )
    parser.add_argument("--seeds", type=int, default=0, help="history and sampler seed")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder of overhead.csv and overhead.md; default benchmarks/results/overhead "
        "(the committed table), with --quick benchmarks/results/raw/quick/overhead (ignored)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="--max-n 100 --repeats 3, into a git-ignored folder"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks overhead``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quick:
        args.max_n = 100 if args.max_n is None else args.max_n
        args.repeats = min(args.repeats, 3)
    try:
        sizes = _parse_sizes(args.sizes)
        samplers = resolve_timed(args.samplers)
        problem = _problem(args.problems)
    except ValueError as err:
        parser.error(str(err))
    if args.max_n is not None:
        sizes = [n for n in sizes if n <= args.max_n]
        if not sizes:
            parser.error(f"--max-n: {args.max_n} drops every size of --sizes {args.sizes}")
    if problem.distributions is None:
        parser.error(f"--problems: {args.problems!r} is not a static problem")
    if args.repeats < 1:
        parser.error(f"--repeats: must be >= 1, got {args.repeats}")
    if args.repeats_large < 1:
        parser.error(f"--repeats-large: must be >= 1, got {args.repeats_large}")
    repeats_large = min(args.repeats, args.repeats_large)

    _env.limit_threads(1)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # numpy's BLAS is already loaded in this process
    except ImportError:
        pass
    if "gp" in samplers:
        import torch

        torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    rows = measure(problem, samplers, sizes, args.repeats, args.seeds, repeats_large)
    # Only the full measurement replaces the committed table: a run with fewer sizes, repeats
    # or samplers (--max-n 100, say) goes to the ignored folder unless --out says otherwise.
    full = (
        sizes == _parse_sizes(DEFAULT_SIZES)
        and samplers == resolve_samplers(DEFAULT_SAMPLERS)
        and (args.repeats, args.repeats_large, args.seeds, args.problems) == (10, 10, 0, "ackley5")
    )
    dest = output_dir(args.out, args.quick or not full)
    dest.mkdir(parents=True, exist_ok=True)
    with (dest / "overhead.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    extra = {
        "problem": f"{problem.name} ({problem.dim}-D), random history seed {args.seeds}",
        "timed repeats": f"{args.repeats} per size ({repeats_large} at n >= {LARGE_N}), each "
        "after adding one new random completed trial; plus one warm-up (`first`) per size",
    }
    write_markdown(dest / "overhead.md", rows, _env.machine_info(), extra)
    print(f"wrote {dest / 'overhead.csv'}, {dest / 'overhead.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
