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

``gamma-det`` is the ablation ``GammaBOSampler(deterministic_objective=True)`` (run only when
``--samplers`` names it): the noise ratio fixed at its floor instead of fitted, as suits the
noise-free synthetic problems (run on the problems with a known front, into its own folder; see
docs/benchmarks.md).

Each study runs through ``study.ask(distributions)`` / ``study.tell``, so the time of ``ask`` is
the sampler's time for the suggestion (recorded per trial).

Hypervolume regret of a run at a budget: ``1 - HV(run) / HV*``. Both hypervolumes are taken
with the problem's reference point -- the per-objective median of 2,000 random points (so a
point counts once it beats a typical random point in every objective), except for DTLZ2, where
with three objectives almost no point beats the medians of all three and the usual reference
``(1.1, 1.1, 1.1)`` is used (its true front ends at 1) -- and ``HV*`` is that of
the non-dominated union of every run's trials and, for the synthetic problems, 400 points of the
true Pareto front (hypervolumes exact, by benchmarks/_pareto.py). Rank: per problem, seed and
budget among the samplers by hypervolume (ties share the mean rank). Stuck: hypervolume regret
above 0.1.

    python -m benchmarks multi_objective --workers 2          # the committed run (resumable)
    python -m benchmarks multi_objective --report             # tables from what has run
    python -m benchmarks multi_objective --samplers gamma,gamma-det \
        --problems zdt1,zdt2,zdt3,dtlz2 --out benchmarks/results/multi_objective-deterministic
    python -m benchmarks multi_objective --quick              # smoke run, git-ignored folder

(``python -m benchmarks.multi_objective ...`` is the same command.)
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import json
import math
import statistics
import sys
import time
from typing import Any

import numpy as np

from benchmarks import _env
from benchmarks import _frame
from benchmarks._pareto import hypervolume
from benchmarks._pareto import pareto_mask

_env.limit_threads(1)

import optuna  # noqa: E402
from optuna.distributions import FloatDistribution  # noqa: E402
from optuna.distributions import IntDistribution  # noqa: E402

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
        keep = pareto_mask(points)  # ZDT3's curve has dominated stretches
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
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS + ABLATIONS)}")


def _point(prob: Problem, params: dict[str, Any]) -> np.ndarray:
    return np.array([params[f"x{i}"] for i in range(prob.dim)], dtype=float)


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One study; per trial its objective values and the seconds ``ask`` took."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    prob = PROBLEMS[job.problem]
    study = optuna.create_study(
        directions=["minimize"] * prob.n_objectives, sampler=make_sampler(job.sampler, job.seed)
    )
    distributions = prob.distributions()
    trials = []
    for _ in range(job.n_trials):
        start = time.perf_counter()
        trial = study.ask(distributions)
        ask_seconds = time.perf_counter() - start
        values = prob.f(_point(prob, trial.params), job.seed)
        study.tell(trial, values)
        trials.append({"values": values, "ask_seconds": ask_seconds})
    return {"problem": job.problem, "sampler": job.sampler, "seed": job.seed, "trials": trials}


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
    return hypervolume(points, ref)


def summarise(
    runs: list[dict[str, Any]], refs: dict[str, dict[str, list[float]]], budgets: tuple[int, ...]
) -> dict[str, Any]:
    """Per problem, sampler and budget (:func:`benchmarks._frame.regret_rows`): hypervolume
    regret ``1 - HV / HV*``, rank by hypervolume, and the seconds per suggestion; then the
    means over problems."""
    order = (*SAMPLERS, *ABLATIONS)
    by_key, problems, samplers, complete = _frame.index_runs(runs, list(PROBLEMS), order)
    best_hv: dict[tuple[str, int], float] = {}
    for p in problems:
        prob = PROBLEMS[p]
        for seed in complete[p]:
            union = np.vstack(
                [np.array([t["values"] for t in by_key[(p, s, seed)]["trials"]]) for s in samplers]
                + ([prob.front(400)] if prob.front is not None else [])
            )
            best_hv[(p, seed)] = _hv(union[pareto_mask(union)], np.array(refs[p][str(seed)]))
    cache: dict[tuple[str, str, int, int], float] = {}

    def hv(run: dict[str, Any], b: int) -> float:
        key = (run["problem"], run["sampler"], int(run["seed"]), b)
        if key not in cache:
            points = np.array([t["values"] for t in run["trials"][:b]])
            cache[key] = _hv(points, np.array(refs[run["problem"]][str(run["seed"])]))
        return cache[key]

    def nreg(run: dict[str, Any], b: int) -> float:
        best = best_hv[(run["problem"], int(run["seed"]))]
        return 1.0 - hv(run, b) / best if best > 0 else 1.0

    def extra(p: str, s: str, b: int, chosen: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "median_ask_s": statistics.median(
                t["ask_seconds"] for r in chosen for t in r["trials"][max(b - 10, 0) : b]
            )
        }

    per_problem = _frame.regret_rows(
        runs, list(PROBLEMS), order, budgets, nreg, lambda run, b: -hv(run, b), extra=extra
    )
    return {
        "per_problem": per_problem,
        "overall": _frame.overall(per_problem, samplers),
        "seeds": complete,
    }


def references(out: Any, runs: list[dict[str, Any]]) -> dict[str, dict[str, list[float]]]:
    """The reference point per problem and seed, from ``<out>/references.json`` or computed:
    COCO instances differ by seed; the other problems share one reference point."""
    path = out / "references.json"
    refs: dict[str, dict[str, list[float]]] = json.loads(path.read_text()) if path.exists() else {}
    for r in runs:
        per = refs.setdefault(r["problem"], {})
        key = str(r["seed"])
        if key not in per:
            same = r["problem"].startswith("biobj") or not per
            per[key] = (
                reference_point(r["problem"], r["seed"]).tolist()
                if same
                else next(iter(per.values()))
            )
            path.write_text(json.dumps(refs, indent=1) + "\n")
    return refs


def report(ctx: _frame.ReportContext) -> str:
    """results.md, summary.json and machine.json from every stored run."""
    refs = references(ctx.out, ctx.runs)
    s = summarise(ctx.runs, refs, _frame.report_budgets(ctx.runs, BUDGETS))
    _frame.save_summary(ctx.out, s, ctx.info)
    lines = [
        "# Multi-objective optimisation",
        "",
        ctx.header(
            {
                "seeds": f"{_frame.seed_spec(ctx.seeds)} (runs per problem and sampler below)",
                "samplers": "; ".join(
                    f"{name}: {label}"
                    for name, label in _LABELS.items()
                    if any(r["sampler"] == name for r in ctx.runs)
                ),
            }
        ),
        "",
        "Over all problems (mean over problems of each problem's mean over seeds): mean "
        "normalised hypervolume regret `1 - HV / HV*`, mean rank by hypervolume, share of runs "
        f"with hypervolume regret above {_frame.STUCK}:",
        "",
        *_frame.overall_table(s["overall"], regret="mean HV regret"),
        "",
        "Per problem: runs, mean / median hypervolume regret, stuck runs, mean rank, median "
        "seconds the sampler took per suggestion over the ten trials before the budget:",
        "",
        "| problem | trials | sampler | runs | mean HV regret | median | stuck | mean rank "
        "| s / suggestion |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in s["per_problem"]:
        lines.append(
            f"| {row['problem']} | {row['budget']} | {row['sampler']} | {row['runs']} "
            f"| {row['mean_nreg']:.3f} | {row['median_nreg']:.3f} | {row['stuck']:.0%} "
            f"| {row['mean_rank']:.2f} | {row['median_ask_s']:.3f} |"
        )
    text = "\n".join(lines) + "\n"
    (ctx.out / "results.md").write_text(text)
    return text


SUITES = {
    "multi_objective": _frame.Suite(
        name="multi_objective",
        title="Several objectives: hypervolume regret and rank against GPSampler, TPE and "
        "NSGA-II on ZDT1-3, DTLZ2, two COCO bbob-biobj functions and a forest's loss vs size.",
        run_one=run_one,
        report=report,
        problems=tuple(PROBLEMS),
        samplers=SAMPLERS,
        ablations=ABLATIONS,
        quick={
            "problems": "zdt1,dtlz2",
            "samplers": "gamma,nsga2",
            "seeds": "0-1",
            "n_trials": "12",
        },
        docs='docs/benchmarks.md, "Several objectives"',
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("multi_objective"))
