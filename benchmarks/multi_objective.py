"""Multi-objective optimisation: GammaBOSampler against GPSampler, TPESampler and NSGAIISampler.

Seven problems, all minimised:

- ``zdt1``, ``zdt2``, ``zdt3`` -- Zitzler, Deb and Thiele (2000) in 4 variables: convex, concave
  and disconnected fronts;
- ``dtlz2`` -- Deb et al. (2002), three objectives, 5 variables: a spherical front;
- ``biobj-f01``, ``biobj-f21`` -- COCO's ``bbob-biobj`` suite (``coco-experiment``): sphere /
  sphere and Gallagher 101 / Gallagher 101 peaks, in 3 variables on ``[-5, 5]^3``, the function
  instance chosen by the seed (instance ``seed + 1``);
- ``forest`` -- scikit-learn: 3-fold cross-validated log loss of a random forest on the bundled
  breast-cancer data against its size (total tree nodes).

``gamma-det`` is the ablation ``GammaBOSampler(deterministic_objective=True)``: the noise ratio
fixed at its floor instead of fitted, as suits the noise-free synthetic problems (run on the
problems with a known front, into its own folder; see docs/benchmarks.md).

Each study runs through ``study.ask(distributions)`` / ``study.tell``, so the time of ``ask`` is
the sampler's time for the suggestion (recorded per trial).

Hypervolume regret of a run at a budget: ``1 - HV(run) / HV*``. Both hypervolumes are taken
with the problem's reference point -- the per-objective median of 2,000 random points (so a
point counts once it beats a typical random point in every objective), except for DTLZ2, where
with three objectives almost no point beats the medians of all three and the usual reference
``(1.1, 1.1, 1.1)`` is used (its true front ends at 1) -- and ``HV*`` is that of
the non-dominated union of every run's trials and, for the synthetic problems, 400 points of the
true Pareto front. Rank: per problem, seed and budget among the samplers by hypervolume (ties
share the mean rank).

    python -m benchmarks.multi_objective --workers 2          # the committed run (resumable)
    python -m benchmarks.multi_objective --report             # tables from what has run
    python -m benchmarks.multi_objective --samplers gamma,gamma-det \
        --problems zdt1,zdt2,zdt3,dtlz2 --out benchmarks/results/multi_objective-deterministic
    python -m benchmarks.multi_objective --seeds 0-1 --n-trials 12 --out /tmp/mb   # smoke
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import json
import math
from pathlib import Path
import statistics
import time
from typing import Any

import numpy as np

from benchmarks import _env
from benchmarks import _runs

_env.limit_threads(1)

import optuna  # noqa: E402
from optuna.distributions import FloatDistribution  # noqa: E402
from optuna.distributions import IntDistribution  # noqa: E402

from optuna_gamma._hypervolume import hypervolume  # noqa: E402
from optuna_gamma._hypervolume import pareto_mask  # noqa: E402

OUT = _env.REPO_ROOT / "benchmarks" / "results" / "multi_objective"
SAMPLERS = ("gamma", "gp", "tpe", "nsga2")
ABLATIONS = ("gamma-det",)  # run only when named
_LABELS = {
    "gamma": "GammaBOSampler()",
    "gp": "GPSampler()",
    "tpe": "TPESampler()",
    "nsga2": "NSGAIISampler()",
    "gamma-det": "GammaBOSampler(deterministic_objective=True)",
}
BUDGETS = (25, 50, 100)


@dataclasses.dataclass(frozen=True)
class Problem:
    name: str
    dim: int
    n_objectives: int
    f: Callable[[np.ndarray, int], list[float]]  # (x in the box, seed) -> objective values
    low: float = 0.0
    high: float = 1.0
    front: Callable[[int], np.ndarray] | None = None  # n -> points of the true front
    ints: tuple[int, ...] = ()  # coordinates that are integers
    reference: tuple[float, ...] | None = None  # fixed reference point (else: random median)

    def distributions(self) -> dict[str, optuna.distributions.BaseDistribution]:
        out: dict[str, optuna.distributions.BaseDistribution] = {}
        for i in range(self.dim):
            if i in self.ints:
                lo, hi = _FOREST_INT_BOUNDS[i]
                out[f"x{i}"] = IntDistribution(lo, hi, log=i == 2)
            else:
                out[f"x{i}"] = FloatDistribution(self.low, self.high)
        return out


def _zdt(x: np.ndarray, shape: str) -> list[float]:
    f1 = float(x[0])
    g = 1 + 9 * float(np.sum(x[1:])) / (len(x) - 1)
    r = f1 / g
    if shape == "convex":
        h = 1 - math.sqrt(r)
    elif shape == "concave":
        h = 1 - r * r
    else:
        h = 1 - math.sqrt(r) - r * math.sin(10 * math.pi * f1)
    return [f1, g * h]


def _zdt_front(shape: str) -> Callable[[int], np.ndarray]:
    def front(n: int) -> np.ndarray:
        f1 = np.linspace(0, 1, 20 * n)
        f2 = {"convex": 1 - np.sqrt(f1), "concave": 1 - f1 * f1}.get(
            shape, 1 - np.sqrt(f1) - f1 * np.sin(10 * np.pi * f1)
        )
        points = np.column_stack([f1, f2])
        keep = pareto_mask(-points)  # ZDT3's curve has dominated stretches
        points = points[keep]
        return points[np.linspace(0, len(points) - 1, n).astype(int)]

    return front


def _dtlz2(x: np.ndarray, m: int = 3) -> list[float]:
    g = float(np.sum((x[m - 1 :] - 0.5) ** 2))
    out = []
    for i in range(m):
        v = 1 + g
        for xj in x[: m - 1 - i]:
            v *= math.cos(xj * math.pi / 2)
        if i > 0:
            v *= math.sin(x[m - 1 - i] * math.pi / 2)
        out.append(v)
    return out


def _dtlz2_front(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    v = np.abs(rng.normal(size=(n, 3)))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


_COCO: dict[tuple[int, int], Any] = {}


def _biobj(function: int) -> Callable[[np.ndarray, int], list[float]]:
    def f(x: np.ndarray, seed: int) -> list[float]:
        key = (function, seed)
        if key not in _COCO:
            import cocoex

            suite = cocoex.Suite(
                "bbob-biobj",
                f"instances: {seed + 1}",
                f"dimensions: 3 function_indices: {function}",
            )
            _COCO[key] = next(iter(suite))
        return [float(v) for v in _COCO[key](list(x))]

    return f


_FOREST_DATA: Any = None
_FOREST_INT_BOUNDS = {0: (2, 40), 1: (1, 12), 2: (1, 30)}


def _forest(x: np.ndarray, seed: int) -> list[float]:
    global _FOREST_DATA
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold
    from sklearn.model_selection import cross_validate

    if _FOREST_DATA is None:
        _FOREST_DATA = load_breast_cancer(return_X_y=True)
    X, y = _FOREST_DATA
    model = RandomForestClassifier(
        n_estimators=int(x[0]),
        max_depth=int(x[1]),
        min_samples_leaf=int(x[2]),
        max_features=float(x[3]),
        random_state=0,
        n_jobs=1,
    )
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    res = cross_validate(model, X, y, cv=folds, scoring="neg_log_loss", return_estimator=True)
    nodes = max(sum(t.tree_.node_count for t in m.estimators_) for m in res["estimator"])
    return [float(-res["test_score"].mean()), float(nodes)]


PROBLEMS = {
    p.name: p
    for p in (
        Problem("zdt1", 4, 2, lambda x, s: _zdt(x, "convex"), front=_zdt_front("convex")),
        Problem("zdt2", 4, 2, lambda x, s: _zdt(x, "concave"), front=_zdt_front("concave")),
        Problem("zdt3", 4, 2, lambda x, s: _zdt(x, "disconnected"), front=_zdt_front("disc")),
        Problem(
            "dtlz2", 5, 3, lambda x, s: _dtlz2(x), front=_dtlz2_front, reference=(1.1, 1.1, 1.1)
        ),
        Problem("biobj-f01", 3, 2, _biobj(1), low=-5.0, high=5.0),
        Problem("biobj-f21", 3, 2, _biobj(21), low=-5.0, high=5.0),
        Problem("forest", 4, 2, _forest, low=0.05, high=1.0, ints=(0, 1, 2)),
    )
}


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    from optuna_gamma import GammaBOSampler

    if name == "gamma":
        return GammaBOSampler(seed=seed)
    if name == "gamma-det":  # the ablation: no noise term fitted
        return GammaBOSampler(seed=seed, deterministic_objective=True)
    return _runs.optuna_sampler(name, seed, (*SAMPLERS, *ABLATIONS))


def _point(prob: Problem, params: dict[str, Any]) -> np.ndarray:
    return np.array([params[f"x{i}"] for i in range(prob.dim)], dtype=float)


def run_one(problem: str, sampler: str, seed: int, n_trials: int) -> dict[str, Any]:
    """One study; per trial its objective values and the seconds ``ask`` took."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    prob = PROBLEMS[problem]
    study = optuna.create_study(
        directions=["minimize"] * prob.n_objectives, sampler=make_sampler(sampler, seed)
    )
    distributions = prob.distributions()
    trials = []
    for _ in range(n_trials):
        start = time.perf_counter()
        trial = study.ask(distributions)
        ask_seconds = time.perf_counter() - start
        values = prob.f(_point(prob, trial.params), seed)
        study.tell(trial, values)
        trials.append({"values": values, "ask_seconds": ask_seconds})
    return {"problem": problem, "sampler": sampler, "seed": seed, "trials": trials}


def reference_point(problem: str, seed: int, n: int = 2000) -> np.ndarray:
    """Per-objective median of ``n`` random points (instance ``seed`` for COCO problems), or
    the problem's fixed reference point."""
    prob = PROBLEMS[problem]
    if prob.reference is not None:
        return np.array(prob.reference)
    rng = np.random.default_rng(54321)
    values = []
    for _ in range(n if problem != "forest" else 200):
        x = rng.uniform(prob.low, prob.high, size=prob.dim)
        for i in prob.ints:
            lo, hi = _FOREST_INT_BOUNDS[i]
            x[i] = int(rng.integers(lo, hi + 1))
        values.append(prob.f(x, seed))
    return np.median(np.array(values), axis=0)


def _hv(points: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of minimised ``points`` below ``ref``."""
    if len(points) == 0:
        return 0.0
    return hypervolume(-points, -ref)


def summarise(
    runs: list[dict[str, Any]], refs: dict[str, dict[str, list[float]]], budgets: tuple[int, ...]
) -> dict[str, Any]:
    order = (*SAMPLERS, *ABLATIONS)
    by_key, problems, samplers, complete = _runs.index_runs(runs, list(PROBLEMS), order)
    per_problem: list[dict[str, Any]] = []
    for p in problems:
        prob = PROBLEMS[p]
        for seed in complete[p]:
            ref = np.array(refs[p][str(seed)])
            union = np.vstack(
                [np.array([t["values"] for t in by_key[(p, s, seed)]["trials"]]) for s in samplers]
                + ([prob.front(400)] if prob.front is not None else [])
            )
            best = _hv(union[pareto_mask(-union)], ref)
            for s in samplers:
                by_key[(p, s, seed)]["_best_hv"] = best
        for b in budgets:
            regrets: dict[str, list[float]] = {s: [] for s in samplers}
            ranks: dict[str, list[float]] = {s: [] for s in samplers}
            for seed in complete[p]:
                ref = np.array(refs[p][str(seed)])
                hvs = []
                for s in samplers:
                    run = by_key[(p, s, seed)]
                    points = np.array([t["values"] for t in run["trials"][:b]])
                    hv = _hv(points, ref)
                    hvs.append(-hv)
                    regrets[s].append(1.0 - hv / run["_best_hv"] if run["_best_hv"] > 0 else 1.0)
                for s, rank in zip(samplers, _runs.ranks(hvs)):
                    ranks[s].append(rank)
            for s in samplers:
                if not regrets[s]:
                    continue
                runs_s = [by_key[(p, s, seed)]["trials"] for seed in complete[p]]
                row = {
                    "problem": p,
                    "sampler": s,
                    "budget": b,
                    "runs": len(regrets[s]),
                    "mean_nreg": statistics.fmean(regrets[s]),
                    "median_nreg": statistics.median(regrets[s]),
                    "mean_rank": statistics.fmean(ranks[s]),
                    "median_ask_s": statistics.median(
                        t["ask_seconds"] for tr in runs_s for t in tr[max(b - 10, 0) : b]
                    ),
                }
                per_problem.append(row)
    summary = _runs.overall(per_problem, samplers)
    return {"per_problem": per_problem, "overall": summary, "seeds": complete}


def write_report(
    out: Path, runs: list[dict[str, Any]], refs: dict[str, dict[str, list[float]]], command: str
) -> None:
    s = summarise(runs, refs, _runs.report_budgets(runs, BUDGETS))
    info, seeds = _runs.save_summary(out, s)
    lines = [
        f"# Multi-objective optimisation (`{command}`)",
        "",
        _env.markdown_header(
            info,
            {
                "seeds": f"{seeds[0]}-{seeds[-1]} (runs per problem and sampler below)",
                "samplers": "; ".join(
                    f"{name}: {label}"
                    for name, label in _LABELS.items()
                    if any(r["sampler"] == name for r in runs)
                ),
            },
        ),
        "",
        "Over all problems (mean over problems of each problem's mean over seeds): mean "
        "normalised hypervolume regret `1 - HV / HV*` and mean rank by hypervolume:",
        "",
        *_runs.overall_table(s["overall"], regret="mean HV regret"),
    ]
    lines += [
        "",
        "Per problem: runs, mean / median hypervolume regret, mean rank, median seconds the "
        "sampler took per suggestion over the ten trials before the budget:",
        "",
        "| problem | trials | sampler | runs | mean HV regret | median | mean rank "
        "| s / suggestion |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in s["per_problem"]:
        lines.append(
            f"| {row['problem']} | {row['budget']} | {row['sampler']} | {row['runs']} "
            f"| {row['mean_nreg']:.3f} | {row['median_nreg']:.3f} | {row['mean_rank']:.2f} "
            f"| {row['median_ask_s']:.3f} |"
        )
    (out / "results.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    args = _runs.parse_args(__doc__, list(PROBLEMS), SAMPLERS, OUT, ABLATIONS)
    runs = _runs.run_missing(args, run_one)
    ref_path = args.out / "references.json"
    refs: dict[str, dict[str, list[float]]] = (
        json.loads(ref_path.read_text()) if ref_path.exists() else {}
    )
    for r in runs:
        per = refs.setdefault(r["problem"], {})
        key = str(r["seed"])
        if key not in per:
            # COCO instances differ by seed; the others share one reference point.
            same = r["problem"].startswith("biobj") or not per
            per[key] = (
                reference_point(r["problem"], r["seed"]).tolist()
                if same
                else next(iter(per.values()))
            )
            ref_path.write_text(json.dumps(refs, indent=1) + "\n")
    command = (
        f"python -m benchmarks.multi_objective --seeds {args.seeds} --n-trials {args.n_trials}"
    )
    write_report(args.out, runs, refs, command)
    print((args.out / "results.md").read_text())


if __name__ == "__main__":
    main()
