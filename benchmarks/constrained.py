"""Constrained optimisation: GammaBOSampler against GPSampler and TPESampler.

Seven problems of different kinds, each minimised subject to ``c_k(x) <= 0`` with the constraint
values reported through ``trial.set_constraint`` (so every sampler reads them the same way, from
``FrozenTrial.constraints``):

- ``boundary`` -- ``(x - 1)^2 + y^2`` on ``[-2, 2]^2`` with ``x <= 0``: the optimum 1 lies on
  the boundary of the feasible half (the example of the README);
- ``gardner`` -- Gardner et al. (ICML 2014), simulation 1: ``cos(2x) cos(y) + sin(x)`` on
  ``[0, 6]^2`` with ``cos(x + y) <= 0.5``: several feasible islands;
- ``gramacy`` -- Gramacy et al. (Technometrics 2016): ``x1 + x2`` on ``[0, 1]^2`` with a
  sinusoidal and a circular constraint; optimum 0.5998;
- ``branin-disc`` -- Branin on its usual box, feasible only in the disc of radius ``sqrt(15)``
  around ``(2.5, 7.5)``, which excludes all three of Branin's minima;
- ``pressure-vessel`` -- the pressure-vessel design (Sandgren 1990; continuous thicknesses):
  4 variables, 3 constraints, cost spanning orders of magnitude; optimum about 5885.3;
- ``welded-beam`` -- the welded-beam design (Coello 2000, the 7-constraint version): 4
  variables; optimum about 1.7249;
- ``forest-size`` -- scikit-learn: the 3-fold cross-validated log loss of a random forest on the
  bundled breast-cancer data, with a budget of 300 tree nodes (``nodes - 300 <= 0``).

``gamma-nomargin`` is the ablation ``GammaBOSampler(feasibility_margin=False)``, run only when
``--samplers`` names it.

Each study runs through ``study.ask(distributions)`` / ``study.tell``, so the time of ``ask`` is
exactly the sampler's time for the trial's suggestion (recorded per trial).

Normalised regret of a run at a budget: ``(best feasible value - optimum) / (reference -
optimum)``, where the reference is the median objective value of random *feasible* points and
the optimum is computed (SLSQP from the best of 20,000 random points, checked against the
literature in tests/test_benchmarks.py) for the synthetic problems, and is the best feasible
value any run reached for ``forest-size``. A run with no feasible point yet counts as 1 (as good
as a random feasible point; the share of such runs is reported). Rank: per problem, seed and
budget among the three samplers by best feasible value (no feasible point: last; ties share
the mean rank).

    python -m benchmarks constrained --samplers gamma,gp,tpe,gamma-nomargin --workers 2
    python -m benchmarks constrained --report                 # tables from what has run
    python -m benchmarks constrained --quick                  # smoke run, git-ignored folder

(``python -m benchmarks.constrained ...`` is the same command.) Runs:
``benchmarks/results/constrained/raw/`` (git-ignored); report: ``results.md``, ``summary.json``,
``references.json`` (committed).
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import math
import statistics
import sys
import time
from typing import Any

import numpy as np

from benchmarks import _env
from benchmarks import _frame

_env.limit_threads(1)

import optuna  # noqa: E402
from optuna.distributions import FloatDistribution  # noqa: E402
from optuna.distributions import IntDistribution  # noqa: E402

SAMPLERS = ("gamma", "gp", "tpe")
ABLATIONS = ("gamma-nomargin",)
BUDGETS = (25, 50, 100)
STARTUP = 10  # "after start-up": trials from this index on, for every sampler
STUCK = _frame.STUCK


@dataclasses.dataclass(frozen=True)
class Problem:
    name: str
    bounds: dict[str, tuple[float, float]]  # float parameters, or int ones when in ints
    f: Callable[[dict[str, Any]], tuple[float, list[float]]]  # params -> (value, constraints)
    ints: frozenset[str] = frozenset()
    log: frozenset[str] = frozenset()
    synthetic: bool = True

    def distributions(self) -> dict[str, optuna.distributions.BaseDistribution]:
        out: dict[str, optuna.distributions.BaseDistribution] = {}
        for name, (lo, hi) in self.bounds.items():
            if name in self.ints:
                out[name] = IntDistribution(int(lo), int(hi), log=name in self.log)
            else:
                out[name] = FloatDistribution(lo, hi, log=name in self.log)
        return out


def _boundary(p: dict[str, Any]) -> tuple[float, list[float]]:
    return (p["x"] - 1) ** 2 + p["y"] ** 2, [p["x"]]


def _gardner(p: dict[str, Any]) -> tuple[float, list[float]]:
    x, y = p["x"], p["y"]
    return math.cos(2 * x) * math.cos(y) + math.sin(x), [math.cos(x + y) - 0.5]


def _gramacy(p: dict[str, Any]) -> tuple[float, list[float]]:
    x1, x2 = p["x1"], p["x2"]
    c1 = 1.5 - x1 - 2 * x2 - 0.5 * math.sin(2 * math.pi * (x1 * x1 - 2 * x2))
    c2 = x1 * x1 + x2 * x2 - 1.5
    return x1 + x2, [c1, c2]


def _branin_disc(p: dict[str, Any]) -> tuple[float, list[float]]:
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    value = (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10
    return value, [(x1 - 2.5) ** 2 + (x2 - 7.5) ** 2 - 15.0]


def _pressure_vessel(p: dict[str, Any]) -> tuple[float, list[float]]:
    ts, th, r, length = p["Ts"], p["Th"], p["R"], p["L"]
    value = (
        0.6224 * ts * r * length
        + 1.7781 * th * r * r
        + 3.1661 * ts * ts * length
        + 19.84 * ts * ts * r
    )
    volume = math.pi * r * r * length + 4.0 / 3.0 * math.pi * r**3
    return value, [0.0193 * r - ts, 0.00954 * r - th, 1.0 - volume / 1_296_000.0]


def _welded_beam(p: dict[str, Any]) -> tuple[float, list[float]]:
    h, l_, t, b = p["h"], p["l"], p["t"], p["b"]
    P, L, E, G = 6000.0, 14.0, 30e6, 12e6
    tau_max, sigma_max, delta_max = 13600.0, 30000.0, 0.25
    tau1 = P / (math.sqrt(2) * h * l_)
    M = P * (L + l_ / 2)
    R = math.sqrt(l_ * l_ / 4 + ((h + t) / 2) ** 2)
    J = 2 * (math.sqrt(2) * h * l_ * (l_ * l_ / 12 + ((h + t) / 2) ** 2))
    tau2 = M * R / J
    tau = math.sqrt(tau1 * tau1 + 2 * tau1 * tau2 * l_ / (2 * R) + tau2 * tau2)
    sigma = 6 * P * L / (b * t * t)
    delta = 4 * P * L**3 / (E * t**3 * b)
    pc = (
        4.013
        * E
        * math.sqrt(t * t * b**6 / 36)
        / L**2
        * (1 - t / (2 * L) * math.sqrt(E / (4 * G)))
    )
    value = 1.10471 * h * h * l_ + 0.04811 * t * b * (14.0 + l_)
    return value, [
        tau / tau_max - 1,
        sigma / sigma_max - 1,
        h - b,
        0.10471 * h * h + 0.04811 * t * b * (14.0 + l_) - 5.0,
        0.125 - h,
        delta / delta_max - 1,
        1 - pc / P,
    ]


_FOREST_DATA: Any = None
FOREST_MAX_NODES = 300


def _forest_size(p: dict[str, Any]) -> tuple[float, list[float]]:
    global _FOREST_DATA
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold
    from sklearn.model_selection import cross_validate

    if _FOREST_DATA is None:
        _FOREST_DATA = load_breast_cancer(return_X_y=True)
    X, y = _FOREST_DATA
    model = RandomForestClassifier(
        n_estimators=int(p["n_estimators"]),
        max_depth=int(p["max_depth"]),
        max_features=float(p["max_features"]),
        min_samples_leaf=int(p["min_samples_leaf"]),
        random_state=0,
        n_jobs=1,
    )
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    res = cross_validate(model, X, y, cv=folds, scoring="neg_log_loss", return_estimator=True)
    nodes = max(sum(t.tree_.node_count for t in m.estimators_) for m in res["estimator"])
    return float(-res["test_score"].mean()), [float(nodes - FOREST_MAX_NODES)]


PROBLEMS = {
    p.name: p
    for p in (
        Problem("boundary", {"x": (-2.0, 2.0), "y": (-2.0, 2.0)}, _boundary),
        Problem("gardner", {"x": (0.0, 6.0), "y": (0.0, 6.0)}, _gardner),
        Problem("gramacy", {"x1": (0.0, 1.0), "x2": (0.0, 1.0)}, _gramacy),
        Problem("branin-disc", {"x1": (-5.0, 10.0), "x2": (0.0, 15.0)}, _branin_disc),
        Problem(
            "pressure-vessel",
            {
                "Ts": (0.0625, 6.1875),
                "Th": (0.0625, 6.1875),
                "R": (10.0, 200.0),
                "L": (10.0, 200.0),
            },
            _pressure_vessel,
        ),
        Problem(
            "welded-beam",
            {"h": (0.1, 2.0), "l": (0.1, 10.0), "t": (0.1, 10.0), "b": (0.1, 2.0)},
            _welded_beam,
        ),
        Problem(
            "forest-size",
            {
                "n_estimators": (2, 40),
                "max_depth": (1, 12),
                "max_features": (0.05, 1.0),
                "min_samples_leaf": (1, 30),
            },
            _forest_size,
            ints=frozenset({"n_estimators", "max_depth", "min_samples_leaf"}),
            log=frozenset({"min_samples_leaf"}),
            synthetic=False,
        ),
    )
}


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    from optuna_gamma import GammaBOSampler

    if name == "gamma":
        return GammaBOSampler(seed=seed)
    if name == "gamma-nomargin":  # the ablation of the feasibility margin
        return GammaBOSampler(seed=seed, feasibility_margin=False)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS + ABLATIONS)}")


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One study; per trial its value, constraint values and the seconds ``ask`` took."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    prob = PROBLEMS[job.problem]
    study = optuna.create_study(sampler=make_sampler(job.sampler, job.seed))
    distributions = prob.distributions()
    trials = []
    for _ in range(job.n_trials):
        start = time.perf_counter()
        trial = study.ask(distributions)
        ask_seconds = time.perf_counter() - start
        value, constraints = prob.f(trial.params)
        for k, c in enumerate(constraints):
            trial.set_constraint(str(k), c)
        study.tell(trial, value)
        trials.append({"value": value, "constraints": constraints, "ask_seconds": ask_seconds})
    return {"problem": job.problem, "sampler": job.sampler, "seed": job.seed, "trials": trials}


# -- references -----------------------------------------------------------------------------


def _random_points(prob: Problem, n: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(n):
        p: dict[str, Any] = {}
        for name, (lo, hi) in prob.bounds.items():
            if name in prob.log:
                v = math.exp(rng.uniform(math.log(lo), math.log(hi + (name in prob.ints))))
            else:
                v = rng.uniform(lo, hi + (name in prob.ints))
            p[name] = min(int(v), int(hi)) if name in prob.ints else v
        points.append(p)
    return points


def reference(problem: str, n_random: int = 20000) -> dict[str, float]:
    """``{"optimum", "median_random"}``: the constrained optimum (synthetic problems; SLSQP from
    the best random feasible points) and the median of random feasible values."""
    import scipy.optimize
    from threadpoolctl import threadpool_limits

    prob = PROBLEMS[problem]
    points = _random_points(prob, n_random if prob.synthetic else 200, seed=12345)
    evaluated = [(prob.f(p), p) for p in points]
    feasible = [(v, p) for (v, c), p in evaluated if all(ci <= 0 for ci in c)]
    out = {"median_random": float(statistics.median(v for v, _ in feasible))}
    if not prob.synthetic:
        return out
    names = list(prob.bounds)
    bounds = [prob.bounds[n] for n in names]

    def fun(x: np.ndarray) -> float:
        return prob.f(dict(zip(names, x)))[0]

    def cons(x: np.ndarray) -> np.ndarray:
        return -np.array(prob.f(dict(zip(names, x)))[1])  # SLSQP: >= 0

    best = min(v for v, _ in feasible)
    for _, p in sorted(feasible, key=lambda vp: vp[0])[:20]:
        with threadpool_limits(limits=1):  # SLSQP's result must not depend on BLAS threads
            res = scipy.optimize.minimize(
                fun,
                np.array([p[n] for n in names]),
                method="SLSQP",
                bounds=bounds,
                constraints=[{"type": "ineq", "fun": cons}],
                options={"maxiter": 500, "ftol": 1e-12},
            )
        if res.success and np.all(cons(res.x) >= -1e-9):
            best = min(best, float(res.fun))
    out["optimum"] = best
    return out


# -- reporting ------------------------------------------------------------------------------


def _feasible(trial: dict[str, Any]) -> bool:
    return all(c <= 0 for c in trial["constraints"])


def _best_feasible(trials: list[dict[str, Any]], budget: int) -> float:
    values = [t["value"] for t in trials[:budget] if _feasible(t)]
    return min(values) if values else math.inf


def summarise(
    runs: list[dict[str, Any]], refs: dict[str, dict[str, float]], budgets: tuple[int, ...]
) -> dict[str, Any]:
    """Per problem, sampler and budget (:func:`benchmarks._frame.regret_rows`): normalised
    regret of the best feasible value (1 without a feasible point), rank by best feasible value
    (none: last), and the feasibility and timing columns; then the means over problems."""
    optimum = {}
    for p in {r["problem"] for r in runs}:
        ref = refs[p]
        optimum[p] = (
            ref["optimum"]
            if "optimum" in ref
            else min(_best_feasible(r["trials"], 10**9) for r in runs if r["problem"] == p)
        )

    def nreg(run: dict[str, Any], b: int) -> float:
        p = run["problem"]
        best = _best_feasible(run["trials"], b)
        if math.isinf(best):
            return 1.0
        return max(best - optimum[p], 0.0) / (refs[p]["median_random"] - optimum[p])

    def extra(p: str, s: str, b: int, chosen: list[dict[str, Any]]) -> dict[str, Any]:
        trials_runs = [r["trials"] for r in chosen]
        first = [
            next((i + 1 for i, t in enumerate(trials) if _feasible(t)), math.inf)
            for trials in trials_runs
        ]
        after = [t for trials in trials_runs for t in trials[STARTUP:b]]
        return {
            "no_feasible": statistics.fmean(math.isinf(_best_feasible(t, b)) for t in trials_runs),
            "median_first_feasible": statistics.median(first),
            "feasible_share": statistics.fmean(_feasible(t) for t in after) if after else math.nan,
            # The sampler's seconds per suggestion for the last ten trials before b.
            "median_ask_s": statistics.median(
                t["ask_seconds"] for tr in trials_runs for t in tr[max(b - 10, 0) : b]
            ),
        }

    return _frame.regret_summary(
        runs,
        list(PROBLEMS),
        (*SAMPLERS, *ABLATIONS),
        budgets,
        nreg,
        lambda run, b: _best_feasible(run["trials"], b),
        refs,
        extra=extra,
    )


def report(ctx: _frame.ReportContext) -> str:
    """results.md, summary.json and machine.json from every stored run; references.json holds
    each problem's optimum and median of random feasible values."""
    present = [p for p in PROBLEMS if any(r["problem"] == p for r in ctx.runs)]
    all_refs = _frame.cached_references(ctx.out, present, reference)
    return write_report(ctx, {k: all_refs[k] for k in present})


def write_report(ctx: _frame.ReportContext, refs: dict[str, dict[str, float]]) -> str:
    s = summarise(ctx.runs, refs, _frame.report_budgets(ctx.runs, BUDGETS))
    _frame.save_summary(ctx.out, s, ctx.info)
    lines = [
        "# Constrained optimisation",
        "",
        ctx.header(
            {
                "seeds": f"{_frame.seed_spec(ctx.seeds)} (runs per problem and sampler below)",
                "samplers": "GammaBOSampler, GPSampler and TPESampler, defaults, seed = run seed"
                + (
                    "; ablation gamma-nomargin: GammaBOSampler(feasibility_margin=False)"
                    if any(r["sampler"] == "gamma-nomargin" for r in ctx.runs)
                    else ""
                ),
            }
        ),
        "",
        "Over all problems (the mean over problems of each problem's mean over seeds): mean "
        f"normalised regret of the best feasible value, mean rank (1 = best of "
        f"{len({r['sampler'] for r in ctx.runs})}), share of runs with normalised regret above "
        f'{STUCK} ("stuck"):',
        "",
        *_frame.overall_table(s["overall"]),
        "",
        "Per problem: runs, mean / median normalised regret, stuck runs, runs without a "
        "feasible point, mean rank, median trials to the first feasible point, share of "
        f"feasible suggestions from trial {STARTUP + 1} on, median seconds the sampler took per "
        "suggestion over the ten trials before the budget:",
        "",
        "| problem | trials | sampler | runs | mean nreg | median nreg | stuck | none feasible "
        "| mean rank | first feasible | feasible share | s / suggestion |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in s["per_problem"]:
        lines.append(
            f"| {row['problem']} | {row['budget']} | {row['sampler']} | {row['runs']} "
            f"| {row['mean_nreg']:.3f} | {row['median_nreg']:.3f} | {row['stuck']:.0%} "
            f"| {row['no_feasible']:.0%} | {row['mean_rank']:.2f} "
            f"| {row['median_first_feasible']:g} | {row['feasible_share']:.0%} "
            f"| {row['median_ask_s']:.3f} |"
        )
    lines += ["", "References (optimum; median of random feasible points):", ""]
    for name, ref in refs.items():
        opt = ref.get("optimum")
        lines.append(
            f"- {name}: optimum {'best value any run found' if opt is None else f'{opt:.6g}'}; "
            f"random feasible median {ref['median_random']:.6g}"
        )
    text = "\n".join(lines) + "\n"
    (ctx.out / "results.md").write_text(text)
    return text


SUITES = {
    "constrained": _frame.Suite(
        name="constrained",
        title="Constrained optimisation (constraints through trial.set_constraint): normalised "
        "regret of the best feasible value, rank, stuck share, feasibility, against GPSampler "
        "and TPE.",
        run_one=run_one,
        report=report,
        problems=tuple(PROBLEMS),
        samplers=SAMPLERS,
        ablations=ABLATIONS,
        quick={
            "problems": "gramacy,boundary",
            "samplers": "gamma,tpe",
            "seeds": "0-1",
            "n_trials": "12",
        },
        docs='docs/benchmarks.md, "Constraints"',
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("constrained"))
