"""The suites of benchmarks/problems.py x benchmarks/samplers.py: ``core``, ``synthetic``,
``sklearn`` and ``torch``.

    python -m benchmarks core --samplers gamma-t,gamma-gauss,gp,tpe,random,gamma-t-s3,\\
        gamma-t-s10,gamma-t-xi001,gamma-t-nopt --seeds 0-19 --n-trials 50 --workers 2
    python -m benchmarks synthetic --workers 2     # hartmann3, levy4, six_hump_camel, ...
    python -m benchmarks sklearn --workers 2       # svc-cancer, knn-wine, hgb-diabetes, ...
    python -m benchmarks torch --workers 2         # lr-digits, the thesis's task
    python -m benchmarks core --quick              # smoke run, git-ignored folder

Each runs every (problem, sampler, seed) study through ``study.optimize`` and records per trial
its state, value, parameters, and the seconds in the sampler and in the objective. The sampler's
time for a trial is the wall time from the end of the previous trial's callback to the objective
being entered (``ask``: ``before_trial``, ``sample_relative``), plus the ``trial.suggest_*``
calls (``sample_independent``), plus ``tell`` (``after_trial``); the objective time is the
evaluation alone. Optuna's in-memory storage overhead is included in the sampler time and is
the same for every sampler. One BLAS/OpenMP/torch thread per run.

Report (``results.md``, ``summary.csv``, ``head_to_head.csv``, ``regret.png``), per problem:

- simple regret after b trials: ``best_b - f*`` (minimise) or ``f* - best_b`` (maximise), where
  ``best_b`` is the best value among the first b trials. A run that stopped early (GridSampler
  after its grid) keeps its final best. ``f*`` is the known optimum (synthetic problems) or, when
  the optimum is unknown (scikit-learn tasks), the best value seen across all stored runs.
- normalised regret: simple regret divided by the regret of the median first-trial value over all
  runs of the problem (every sampler's first trial is a random or random-ordered point), so 1 is
  "as good as a typical random point" and 0 is optimal; its mean over seeds and the share of runs
  above 0.1 (stuck), beside the median and IQR of the simple regret.
- rank: samplers ranked by median simple regret over seeds on each problem (ties share the mean
  rank); mean rank over the problems that every ranked sampler ran.
- head-to-head: for a pair of samplers (A, B) and a budget, the number of problems on which A's
  median simple regret is lower than B's (win), equal within ``TIE_RTOL`` relative (tie) or
  higher (loss), over the problems both ran; "clear" wins / losses also pass a two-sided
  Mann-Whitney U test over seeds at p < ``CLEAR_P``.
- sampler seconds: median over trials 11+ of all runs of the wall time spent in the sampler.

Samplers named ``<base>-s<k>``, ``<base>-xi<v>`` or ``<base>-nopt`` (e.g. ``gamma-t-s3``) are
variants of ``<base>`` (start-up trials, ``xi``, no power transform); when any are present the
mean rank is also given without them, so near-duplicates of one sampler do not shift the ranks of
the others.
"""

from __future__ import annotations

from collections import defaultdict
import csv
from dataclasses import dataclass
import json
import math
from pathlib import Path
import re
import sys
import time
from typing import Any
import warnings

import numpy as np

from benchmarks import _env
from benchmarks import _frame

_env.limit_threads(1)

from benchmarks.problems import CORE_SET  # noqa: E402
from benchmarks.problems import PROBLEMS  # noqa: E402
from benchmarks.problems import get_problem  # noqa: E402
from benchmarks.samplers import SAMPLERS  # noqa: E402
from benchmarks.samplers import get_sampler_spec  # noqa: E402
from benchmarks.samplers import make_sampler  # noqa: E402

BUDGETS = (10, 25, 50, 100)
LATE = 10  # trials from this index on are past every sampler's default random start-up
TIE_RTOL = 1e-9  # medians equal within this relative tolerance are a tie in the head-to-head
CLEAR_P = 0.05  # a head-to-head win / loss is "clear" when Mann-Whitney U gives p below this
# Head-to-head pairs reported when both samplers ran (A vs B: A wins on lower median regret).
HEAD_TO_HEAD = (
    ("gamma-t", "gp"),
    ("gamma-gauss", "gp"),
    ("gamma-t", "gamma-gauss"),
    ("gamma-t", "tpe"),
    ("gamma-gauss", "tpe"),
    ("gamma-t-s3", "gamma-t"),
    ("gamma-t-s10", "gamma-t"),
    ("gamma-t-s3", "gamma-t-s10"),
    ("gamma-t-xi001", "gamma-t"),
    ("gamma-t-xi001", "gp"),
    ("gamma-t", "gamma-t-nopt"),
    ("gamma-t-nopt", "gp"),
    ("gamma-t", "gamma-t-0.1"),
)
_VARIANT = re.compile(r"^(?P<base>.+)-(?:s\d+|xi\d+|nopt)$")
STUCK = _frame.STUCK
LOG_FLOOR = 1e-8  # regrets below count as this in the log10 regret (COCO's final target)


def is_variant(sampler: str) -> bool:
    """Whether ``sampler`` is a variant (``<base>-s<k>`` start-up, ``<base>-xi<v>`` offset,
    ``<base>-nopt`` without the power transform) of a registered base sampler."""
    m = _VARIANT.match(sampler)
    return m is not None and m.group("base") in SAMPLERS


# -- running ----------------------------------------------------------------------------------


def unsupported(job: _frame.Job) -> str | None:
    """Why a sampler cannot run a problem (grid: no grid fits; bayes_opt: not continuous)."""
    return get_sampler_spec(job.sampler).unsupported(get_problem(job.problem), job.n_trials)


def _fmt(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One study through ``study.optimize``; per trial its state, value, parameters and the
    seconds in the sampler and in the objective."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="optuna")
    problem = get_problem(job.problem)
    sampler = make_sampler(job.sampler, job.seed, problem, job.n_trials)
    study = optuna.create_study(direction=problem.direction, sampler=sampler)
    timing: dict[int, dict[str, float]] = {}
    clock = {"end": time.perf_counter()}

    def objective(trial: optuna.Trial) -> float:
        t_enter = time.perf_counter()
        rec = timing.setdefault(trial.number, {})
        rec["ask"] = t_enter - clock["end"]
        params = problem.suggest(trial)
        t_suggested = time.perf_counter()
        rec["suggest"] = t_suggested - t_enter
        value = problem.evaluate(params)
        rec["t_eval_end"] = time.perf_counter()
        rec["objective"] = rec["t_eval_end"] - t_suggested
        return value

    def callback(study: optuna.Study, frozen: optuna.trial.FrozenTrial) -> None:
        now = time.perf_counter()
        rec = timing.setdefault(frozen.number, {})
        rec["tell"] = now - rec.get("t_eval_end", now)
        clock["end"] = now

    study.optimize(
        objective,
        n_trials=job.n_trials,
        callbacks=[callback],
        catch=(Exception,),
        gc_after_trial=False,
    )
    trials = []
    for t in study.get_trials(deepcopy=False):
        rec = timing.get(t.number, {})
        complete = t.state == optuna.trial.TrialState.COMPLETE
        trials.append(
            {
                "state": t.state.name,
                "value": _fmt(t.value) if complete else None,
                "sampler_s": _fmt(
                    rec.get("ask", math.nan) + rec.get("suggest", 0.0) + rec.get("tell", 0.0)
                ),
                "objective_s": _fmt(rec.get("objective")),
                "params": t.params,
            }
        )
    return {
        "problem": job.problem,
        "sampler": job.sampler,
        "seed": job.seed,
        "direction": problem.direction,
        "trials": trials,
    }


# -- summarising ------------------------------------------------------------------------------


@dataclass
class Run:
    """One stored (problem, sampler, seed) study."""

    problem: str
    sampler: str
    seed: int
    direction: str
    n_target: int
    values: np.ndarray  # (n,) NaN for failed trials
    sampler_s: np.ndarray  # (n,)
    objective_s: np.ndarray  # (n,)

    @classmethod
    def from_json(cls, run: dict[str, Any]) -> Run:
        def column(key: str) -> np.ndarray:
            return np.array(
                [math.nan if t[key] is None else t[key] for t in run["trials"]], dtype=float
            )

        return cls(
            problem=run["problem"],
            sampler=run["sampler"],
            seed=int(run["seed"]),
            direction=run["direction"],
            n_target=_frame.n_trials_of(run),
            values=column("value"),
            sampler_s=column("sampler_s"),
            objective_s=column("objective_s"),
        )

    def best_curve(self) -> np.ndarray:
        """Best-so-far in minimisation sense (sign-flipped for maximise), NaN before any value."""
        y = self.values if self.direction == "minimize" else -self.values
        y = np.where(np.isnan(y), np.inf, y)
        best = np.minimum.accumulate(y) if len(y) else y
        return np.where(np.isinf(best), np.nan, best)


def _order(names: Any, registry: dict[str, Any]) -> list[str]:
    """Distinct names in registry order, unknown names last (alphabetically)."""
    return _frame.order(set(names), list(registry))


def optimum_min_sense(problem: str, runs: list[Run]) -> tuple[float, bool]:
    """The optimum in minimisation sense and whether it is known (else best seen)."""
    p = PROBLEMS.get(problem)
    direction = runs[0].direction
    if p is not None and p.optimum is not None:
        return (p.optimum if direction == "minimize" else -p.optimum), True
    seen = [np.nanmin(r.best_curve()) for r in runs if np.any(~np.isnan(r.best_curve()))]
    return (float(min(seen)) if seen else math.nan), False


def regret_curves(runs: list[Run], f_star: float, length: int) -> np.ndarray:
    """Simple regret curves, shape (n_runs, length); early-stopped runs are carried forward."""
    out = np.full((len(runs), length), np.nan)
    for i, r in enumerate(runs):
        best = r.best_curve()[:length] - f_star
        if len(best) == 0:
            continue
        out[i, : len(best)] = best
        out[i, len(best) :] = best[-1]
    return np.maximum(out, 0.0)  # rounding below a known optimum counts as 0


def reference_regret(runs: list[Run], f_star: float) -> float:
    """Regret of the median first-trial value: the normalisation scale."""
    first = []
    for r in runs:
        y = r.values if r.direction == "minimize" else -r.values
        if len(y) and not np.isnan(y[0]):
            first.append(y[0])
    scale = float(np.median(first) - f_star) if first else math.nan
    return scale if scale > 0 else 1.0


def _rank(values: list[float]) -> list[float]:
    from scipy.stats import rankdata

    arr = np.array([np.inf if np.isnan(v) else v for v in values])
    return list(rankdata(arr, method="average"))


def summarise(runs: list[Run]) -> tuple[list[dict[str, Any]], list[int], dict[str, Any]]:
    """Rows of summary.csv, the budgets used and per-problem notes (optimum, known)."""
    n_max = max(r.n_target for r in runs)
    budgets = [b for b in BUDGETS if b <= n_max]
    if n_max not in budgets:
        budgets.append(n_max)
    by_problem: dict[str, list[Run]] = defaultdict(list)
    for r in runs:
        by_problem[r.problem].append(r)

    rows: list[dict[str, Any]] = []
    notes: dict[str, Any] = {}
    for problem, pruns in by_problem.items():
        f_star, known = optimum_min_sense(problem, pruns)
        scale = reference_regret(pruns, f_star)
        direction = pruns[0].direction
        notes[problem] = {
            "optimum": f_star if direction == "minimize" else -f_star,
            "known": known,
            "scale": scale,
            "direction": direction,
        }
        by_sampler: dict[str, list[Run]] = defaultdict(list)
        for r in pruns:
            by_sampler[r.sampler].append(r)
        for sampler, sruns in by_sampler.items():
            n_target = max(r.n_target for r in sruns)
            curves = regret_curves(sruns, f_star, n_target)
            sampler_s = np.concatenate([r.sampler_s for r in sruns])
            late_s = np.concatenate([r.sampler_s[LATE:] for r in sruns])
            objective_s = np.concatenate([r.objective_s for r in sruns])
            for b in budgets:
                if b > n_target:
                    continue
                reg = curves[:, b - 1]
                q25, q50, q75 = np.nanpercentile(reg, [25, 50, 75])
                best = reg + f_star if direction == "minimize" else -(reg + f_star)
                rows.append(
                    {
                        "problem": problem,
                        "sampler": sampler,
                        "budget": b,
                        "n_seeds": len(sruns),
                        "regret_median": q50,
                        "regret_q25": q25,
                        "regret_q75": q75,
                        "nregret_median": q50 / scale,
                        "nregret_q25": q25 / scale,
                        "nregret_q75": q75 / scale,
                        "nregret_mean": float(np.nanmean(reg)) / scale,
                        "stuck": float(np.nanmean(reg / scale > STUCK)),
                        "log10_regret_mean": float(
                            np.nanmean(np.log10(np.maximum(reg, LOG_FLOOR)))
                        ),
                        "best_median": float(np.nanmedian(best)),
                        "sampler_s_median": float(np.nanmedian(sampler_s)),
                        "sampler_s_mean": float(np.nanmean(sampler_s)),
                        "sampler_s_median_late": (
                            float(np.nanmedian(late_s)) if len(late_s) else math.nan
                        ),
                        "objective_s_median": float(np.nanmedian(objective_s)),
                        "rank": math.nan,
                    }
                )
    # rank samplers on each (problem, budget) by median regret
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["problem"], row["budget"])].append(row)
    for group in groups.values():
        for row, rk in zip(group, _rank([g["regret_median"] for g in group])):
            row["rank"] = rk
    return rows, budgets, notes


def mean_ranks(
    rows: list[dict[str, Any]], budgets: list[int], exclude: Any = ()
) -> tuple[list[str], list[str], dict[tuple[str, int], float]]:
    """Mean rank per (sampler, budget), re-ranked over the problems that every sampler ran.

    Samplers that skipped problems (grid, bayes_opt) would shrink the common set; they are
    left out of the ranking if that keeps more problems. Samplers in ``exclude`` are left out.
    """
    ran: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["sampler"] not in exclude:
            ran[row["sampler"]].add(row["problem"])
    all_problems = set().union(*ran.values())
    full = [s for s, ps in ran.items() if ps == all_problems]
    samplers = _order(full if full else ran, SAMPLERS)
    problems = _order(set.intersection(*(ran[s] for s in samplers)), PROBLEMS)
    out: dict[tuple[str, int], float] = {}
    for b in budgets:
        acc: dict[str, list[float]] = defaultdict(list)
        for p in problems:
            group = [
                r
                for r in rows
                if r["problem"] == p and r["budget"] == b and r["sampler"] in samplers
            ]
            if len(group) != len(samplers):
                continue
            for row, rk in zip(group, _rank([g["regret_median"] for g in group])):
                acc[row["sampler"]].append(rk)
        for s in samplers:
            if acc[s]:
                out[(s, b)] = float(np.mean(acc[s]))
    return samplers, problems, out


def head_to_head(
    rows: list[dict[str, Any]],
    budgets: list[int],
    pairs: Any = HEAD_TO_HEAD,
    runs: list[Run] | None = None,
    notes: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Wins / ties / losses of A against B per budget, by median simple regret per problem.

    One dict per (pair, budget) for the pairs whose samplers both ran: ``a``, ``b``, ``budget``,
    ``wins``, ``ties``, ``losses``, ``n_problems`` and the problem lists ``won``, ``tied``,
    ``lost``. A tie is ``|ra - rb| <= TIE_RTOL * max(|ra|, |rb|)`` (so both 0 is a tie).

    With ``runs`` and ``notes`` (from :func:`summarise`), ``clear_won`` / ``clear_lost`` list the
    won / lost problems where the per-seed regrets also differ by a two-sided Mann-Whitney U
    test at p < ``CLEAR_P`` (seeds are not paired: the samplers' start-up points differ).
    """
    seed_regret: dict[tuple[str, str, int], np.ndarray] = {}
    if runs is not None and notes is not None:
        groups: dict[tuple[str, str], list[Run]] = defaultdict(list)
        for r in runs:
            groups[(r.problem, r.sampler)].append(r)
        for (p, smp), sruns in groups.items():
            n = notes[p]
            f_star = n["optimum"] if n["direction"] == "minimize" else -n["optimum"]
            curves = regret_curves(sruns, f_star, max(r.n_target for r in sruns))
            for bud in budgets:
                if bud <= curves.shape[1]:
                    seed_regret[(p, smp, bud)] = curves[:, bud - 1]
    med = {(r["problem"], r["sampler"], r["budget"]): r["regret_median"] for r in rows}
    present = {r["sampler"] for r in rows}
    out = []
    for a, b in pairs:
        if a not in present or b not in present:
            continue
        for budget in budgets:
            problems = _order(
                {p for (p, s, bb) in med if s == a and bb == budget}
                & {p for (p, s, bb) in med if s == b and bb == budget},
                PROBLEMS,
            )
            won, tied, lost = [], [], []
            for p in problems:
                ra, rb = med[(p, a, budget)], med[(p, b, budget)]
                if abs(ra - rb) <= TIE_RTOL * max(abs(ra), abs(rb)):
                    tied.append(p)
                elif ra < rb:
                    won.append(p)
                else:
                    lost.append(p)
            clear = {p: _clear(seed_regret, p, a, b, budget) for p in won + lost}
            out.append(
                {
                    "a": a,
                    "b": b,
                    "budget": budget,
                    "wins": len(won),
                    "ties": len(tied),
                    "losses": len(lost),
                    "n_problems": len(problems),
                    "won": won,
                    "tied": tied,
                    "lost": lost,
                    "clear_won": [p for p in won if clear[p]],
                    "clear_lost": [p for p in lost if clear[p]],
                }
            )
    return out


def _clear(
    seed_regret: dict[tuple[str, str, int], np.ndarray], p: str, a: str, b: str, budget: int
) -> bool:
    """Whether A's and B's per-seed regrets on ``p`` differ at p < CLEAR_P (Mann-Whitney U)."""
    ra, rb = seed_regret.get((p, a, budget)), seed_regret.get((p, b, budget))
    if ra is None or rb is None:
        return False
    ra, rb = ra[~np.isnan(ra)], rb[~np.isnan(rb)]
    if len(ra) < 2 or len(rb) < 2 or np.all(np.concatenate([ra, rb]) == ra[0]):
        return False
    from scipy.stats import mannwhitneyu

    return bool(mannwhitneyu(ra, rb, alternative="two-sided").pvalue < CLEAR_P)


def _g(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def _table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def write_markdown(
    path: Path,
    rows: list[dict[str, Any]],
    budgets: list[int],
    notes: dict[str, Any],
    ctx: _frame.ReportContext,
    runs: list[Run],
    skipped: list[str],
) -> str:
    """Write results.md: setup, means, mean ranks, head-to-head, regret tables, sampler time;
    return its text."""
    problems = _order((r["problem"] for r in rows), PROBLEMS)
    samplers = _order((r["sampler"] for r in rows), SAMPLERS)
    by = {(r["problem"], r["sampler"], r["budget"]): r for r in rows}
    parts = [f"# Benchmark results: `{ctx.suite.name}`", ""]
    parts.append(ctx.header({"seeds": f"{len(ctx.seeds)} ({_frame.seed_spec(ctx.seeds)})"}))
    if skipped:
        parts += ["", "Skipped combinations: " + "; ".join(skipped) + "."]

    body = []
    for b in budgets:
        for smp in samplers:
            cells = [by[(p, smp, b)] for p in problems if (p, smp, b) in by]
            if len(cells) == len(problems):
                body.append(
                    [str(b), smp]
                    + [
                        f"{np.mean([c[k] for c in cells]):{fmt}}"
                        for k, fmt in (
                            ("nregret_mean", ".3f"),
                            ("stuck", ".0%"),
                            ("log10_regret_mean", ".2f"),
                        )
                    ]
                )
    parts += [
        "",
        "## Means over seeds",
        "",
        f"Over the {len(problems)} problems, the mean over problems of: the mean normalised "
        f"regret over seeds, the share of runs with normalised regret above {STUCK} (stuck), "
        f"and the mean over seeds of log10 regret (floored at {LOG_FLOOR:g}; precision).",
        "",
        _table(["trials", "sampler", "mean nreg", "stuck", "mean log10 regret"], body),
    ]

    ranked, rank_problems, ranks = mean_ranks(rows, budgets)
    parts += [
        "",
        "## Mean rank (lower is better)",
        "",
        f"Rank by median simple regret over seeds on each problem, averaged over "
        f"{len(rank_problems)} problems that all ranked samplers ran: "
        f"{', '.join(rank_problems)}.",
        "",
        _table(
            ["sampler"] + [f"b={b}" for b in budgets],
            [[s] + [_g(ranks.get((s, b), math.nan), 3) for b in budgets] for s in ranked],
        ),
    ]
    variants = [s for s in samplers if is_variant(s)]
    if variants:
        h_ranked, h_problems, h_ranks = mean_ranks(rows, budgets, exclude=set(variants))
        parts += [
            "",
            f"Without the variants ({', '.join(variants)}), over {len(h_problems)} problems:",
            "",
            _table(
                ["sampler"] + [f"b={b}" for b in budgets],
                [[s] + [_g(h_ranks.get((s, b), math.nan), 3) for b in budgets] for s in h_ranked],
            ),
        ]

    h2h = head_to_head(rows, budgets, runs=runs, notes=notes)
    if h2h:
        pairs = list(dict.fromkeys((h["a"], h["b"]) for h in h2h))
        hby = {(h["a"], h["b"], h["budget"]): h for h in h2h}
        body = [
            [f"{a} vs {b}"]
            + [
                (
                    f"{hby[(a, b, bud)]['wins']}–{hby[(a, b, bud)]['ties']}–"
                    f"{hby[(a, b, bud)]['losses']} (clear {len(hby[(a, b, bud)]['clear_won'])}–"
                    f"{len(hby[(a, b, bud)]['clear_lost'])})"
                    if (a, b, bud) in hby
                    else "–"
                )
                for bud in budgets
            ]
            for a, b in pairs
        ]
        key_budget = 25 if 25 in budgets else budgets[-1]
        lines = []
        for a, b in pairs:
            h = hby.get((a, b, key_budget))
            if h is None:
                continue
            lines.append(
                f"- after {key_budget} trials, **{a}** has lower median regret than **{b}** on "
                f"**{h['wins']} of {h['n_problems']}** problems"
                f" (ties {h['ties']}, losses {h['losses']})"
                + (f"; wins: {', '.join(h['won'])}" if h["won"] else "")
                + (f"; ties: {', '.join(h['tied'])}" if h["tied"] else "")
                + (f"; losses: {', '.join(h['lost'])}" if h["lost"] else "")
                + f". Clear (p < {CLEAR_P:g}): wins {', '.join(h['clear_won']) or 'none'}; "
                f"losses {', '.join(h['clear_lost']) or 'none'}"
            )
        parts += [
            "",
            "## Head-to-head (wins–ties–losses over problems)",
            "",
            "A vs B: number of problems on which A's median simple regret over seeds is lower "
            f"than B's (win), equal within {TIE_RTOL:g} relative (tie) or higher (loss); in "
            "brackets the clear wins–losses, those where the per-seed regrets also differ by a "
            f"two-sided Mann–Whitney U test at p < {CLEAR_P:g} (with 10–20 seeds, most median "
            "differences are not clear).",
            "",
            _table(["A vs B"] + [f"b={b}" for b in budgets], body),
            "",
            *lines,
        ]

    for key, title in (("regret", "Simple regret"), ("nregret", "Normalised regret")):
        for b in budgets:
            body = []
            for p in problems:
                cells = []
                for s in samplers:
                    r = by.get((p, s, b))
                    cells.append(
                        "–"
                        if r is None
                        else f"{_g(r[key + '_median'])} [{_g(r[key + '_q25'], 2)}, "
                        f"{_g(r[key + '_q75'], 2)}]"
                    )
                body.append([p] + cells)
            parts += [
                "",
                f"## {title} after {b} trials: median [IQR] over seeds",
                "",
                _table(["problem"] + samplers, body),
            ]

    body = []
    for p in problems:
        r_any = [by.get((p, s, budgets[0])) for s in samplers]
        body.append(
            [p]
            + [
                f"{_g(r['sampler_s_median_late'], 2)} ({_g(r['sampler_s_mean'], 2)})" if r else "–"
                for r in r_any
            ]
        )
    overall = []
    for s in samplers:
        late = np.concatenate([r.sampler_s[LATE:] for r in runs if r.sampler == s])
        every = np.concatenate([r.sampler_s for r in runs if r.sampler == s])
        overall.append(
            f"{_g(float(np.nanmedian(late)), 2) if len(late) else '–'} "
            f"({_g(float(np.nanmean(every)), 2)})"
        )
    body.append(["**all**"] + overall)
    parts += [
        "",
        "## Seconds in the sampler per trial",
        "",
        f"Median over trials {LATE + 1}+ (past every default random start-up), and in brackets "
        "the mean over all trials. Wall time of ask + suggest + tell per trial, one thread per "
        "run. Timings drift with machine load; compare within this table only.",
        "",
        _table(["problem"] + samplers, body),
    ]

    body = []
    for p in problems:
        n = notes[p]
        spec = PROBLEMS.get(p)
        body.append(
            [
                p,
                spec.kind if spec else "?",
                str(spec.dim) if spec and spec.dim else "cond.",
                n["direction"],
                _g(n["optimum"], 8) + ("" if n["known"] else " (best seen)"),
                _g(n["scale"], 3),
                spec.description if spec else "",
            ]
        )
    parts += [
        "",
        "## Problems",
        "",
        "Normalised regret = simple regret / (regret of the median first-trial value). For "
        "problems without a known optimum, f* is the best value seen across all runs of the "
        "store.",
        "",
        _table(["problem", "kind", "dim", "direction", "f*", "scale", "description"], body),
        "",
        "Regret curves: `regret.png`. All numbers: `summary.csv`; head-to-head: "
        "`head_to_head.csv`.",
        "",
    ]
    text = "\n".join(parts)
    path.write_text(text)
    return text


def _y_scale(values: np.ndarray) -> tuple[str, float]:
    """``("log", 0)`` if all plotted values are positive, ``("symlog", linthresh)`` if some are 0
    but the positive ones span more than a decade (0 stays visible at the bottom), else
    ``("linear", 0)``."""
    v = values[~np.isnan(values)]
    pos = v[v > 0]
    if len(pos) == 0:
        return "linear", 0.0
    if len(pos) == len(v):
        return "log", 0.0
    if pos.max() / pos.min() > 10:
        return "symlog", float(pos.min())
    return "linear", 0.0


def plot(path: Path, runs: list[Run], notes: dict[str, Any]) -> None:
    """Median simple regret with IQR bands against trials, one subplot per problem.

    Start-up variants (``<base>-s<k>``) are drawn dashed without a band, in a lighter (fewer
    start-up trials) or darker (more) shade of their base's colour, so the main samplers stay
    readable. The y axis is logarithmic where every plotted
    quantile is positive, symlog (linear near 0) where some reach 0 but the rest span more than
    a decade, linear otherwise.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problems = _order((r.problem for r in runs), PROBLEMS)
    samplers = _order((r.sampler for r in runs), SAMPLERS)
    main = [s for s in samplers if not is_variant(s)]
    variants = [s for s in samplers if is_variant(s)]
    colors = {s: plt.get_cmap("tab10")(i % 10) for i, s in enumerate(main)}
    styles = {s: "-" for s in main}
    # A variant takes its base's colour, lighter or darker by start-up count, and its own dashes.
    by_base: dict[str, list[str]] = defaultdict(list)
    for s in variants:
        by_base[_VARIANT.match(s).group("base")].append(s)  # type: ignore[union-attr]
    for base, group in by_base.items():
        group.sort()
        rgb = np.array(colors.get(base, (0.4, 0.4, 0.4, 1.0))[:3])
        for j, v in enumerate(group):
            t = (j + 0.5) / len(group)  # 0..1: light to dark, in name order
            shade = rgb + (1 - rgb) * 0.55 * (1 - 2 * t) if t < 0.5 else rgb * (1.4 - 0.8 * t)
            colors[v] = (*np.clip(shade, 0, 1), 1.0)
            styles[v] = [(0, (1.5, 1.5)), (0, (5, 2)), (0, (5, 1.5, 1.5, 1.5))][j % 3]
    ncols = min(4, len(problems))
    nrows = math.ceil(len(problems) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols, 3.4 * nrows), squeeze=False)
    for ax, p in zip(axes.flat, problems):
        f_star = (
            notes[p]["optimum"] if notes[p]["direction"] == "minimize" else -notes[p]["optimum"]
        )
        plotted = []
        for s in samplers:
            sruns = [r for r in runs if r.problem == p and r.sampler == s]
            if not sruns:
                continue
            n = max(r.n_target for r in sruns)
            curves = regret_curves(sruns, f_star, n)
            x = np.arange(1, n + 1)
            q25, q50, q75 = np.nanpercentile(curves, [25, 50, 75], axis=0)
            ax.plot(
                x, q50, color=colors[s], label=s, lw=1.2 if s in variants else 1.6, ls=styles[s]
            )
            plotted.append(q50)
            if s not in variants:
                ax.fill_between(x, q25, q75, color=colors[s], alpha=0.12, lw=0)
                plotted += [q25, q75]
        scale, linthresh = _y_scale(np.concatenate(plotted)) if plotted else ("linear", 0.0)
        if scale == "symlog":
            ax.set_yscale("symlog", linthresh=linthresh)
            ax.set_ylim(bottom=0)
        elif scale == "log":
            ax.set_yscale("log")
        title = p + ("" if notes[p]["known"] else " (vs best seen)")
        ax.set_title(title + ("" if scale != "symlog" else " [symlog]"), fontsize=10)
        ax.set_xlabel("trial")
        ax.set_ylabel("simple regret")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(problems) :]:
        ax.axis("off")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colors[s], lw=1.6, ls=styles[s]) for s in samplers]
    fig.legend(handles, samplers, loc="lower center", ncol=min(len(samplers), 8), frameon=False)
    fig.suptitle(
        "Median simple regret, IQR band over seeds"
        + (" (dotted / dashed: variants, no band)" if variants else "")
    )
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


SUMMARY_FIELDS = (
    "problem",
    "sampler",
    "budget",
    "n_seeds",
    "regret_median",
    "regret_q25",
    "regret_q75",
    "nregret_median",
    "nregret_q25",
    "nregret_q75",
    "nregret_mean",
    "stuck",
    "log10_regret_mean",
    "best_median",
    "rank",
    "sampler_s_median",
    "sampler_s_mean",
    "sampler_s_median_late",
    "objective_s_median",
)
H2H_FIELDS = (
    "a",
    "b",
    "budget",
    "wins",
    "ties",
    "losses",
    "n_problems",
    "won",
    "tied",
    "lost",
    "clear_won",
    "clear_lost",
)


def report(ctx: _frame.ReportContext, plots: bool = True) -> str:
    """summary.csv, head_to_head.csv, results.md and regret.png into ``ctx.out``."""
    runs = [Run.from_json(r) for r in ctx.runs]
    rows, budgets, notes = summarise(runs)
    with (ctx.out / "summary.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SUMMARY_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row[k] for k in SUMMARY_FIELDS})
    h2h = head_to_head(rows, budgets, runs=runs, notes=notes)
    with (ctx.out / "head_to_head.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=H2H_FIELDS)
        writer.writeheader()
        for h in h2h:
            writer.writerow(
                {k: ";".join(h[k]) if isinstance(h[k], list) else h[k] for k in H2H_FIELDS}
            )
    (ctx.out / "machine.json").write_text(json.dumps(ctx.info, indent=2) + "\n")
    present = {(r.problem, r.sampler) for r in runs}
    skipped = sorted(
        f"{s} on {p}: {reason}"
        for p in {r.problem for r in runs}
        for s in {r.sampler for r in runs}
        if (p, s) not in present
        and (reason := unsupported(_frame.Job(p, s, 0, ctx.n_trials or 0, {}))) is not None
    )
    text = write_markdown(ctx.out / "results.md", rows, budgets, notes, ctx, runs, skipped)
    if plots:
        plot(ctx.out / "regret.png", runs, notes)
    return text


def _suite(
    name: str,
    title: str,
    problems: tuple[str, ...],
    samplers: tuple[str, ...],
    seeds: str,
    n_trials: int,
    quick: dict[str, str],
    docs: str,
) -> _frame.Suite:
    groups = {
        "core": CORE_SET,
        "synthetic": tuple(n for n, p in PROBLEMS.items() if p.kind == "synthetic"),
        "sklearn": tuple(n for n, p in PROBLEMS.items() if p.kind == "sklearn"),
        "torch": tuple(n for n, p in PROBLEMS.items() if p.kind == "torch"),
        "all": tuple(PROBLEMS),
    }
    return _frame.Suite(
        name=name,
        title=title,
        run_one=run_one,
        report=report,
        problems=tuple(PROBLEMS),
        default_problems=problems,
        groups=groups,
        samplers=samplers,
        ablations=tuple(s for s in SAMPLERS if s not in samplers),
        seeds=seeds,
        n_trials=n_trials,
        quick=quick,
        docs=docs,
        unsupported=unsupported,
    )


_ALL = ("gamma-t", "gamma-gauss", "gp", "tpe", "random", "cmaes", "qmc", "grid", "bayes_opt")
SUITES = {
    "core": _suite(
        "core",
        "Sample efficiency on the core set (Branin, Hartmann-6, Ackley-5, Rosenbrock-4, "
        "Styblinski-Tang-4, the blog's 1-D function, a mixed space): regret, rank, head-to-head.",
        CORE_SET,
        ("gamma-t", "gamma-gauss", "gp", "tpe", "random"),
        "0-19",
        50,
        {
            "problems": "branin,blog1d,mixed",
            "samplers": "gamma-t,gp,tpe,random",
            "seeds": "0-1",
            "n_trials": "15",
        },
        'docs/benchmarks.md, "Sample efficiency"',
    ),
    "synthetic": _suite(
        "synthetic",
        "More synthetic problems (Hartmann-3, Levy-4, six-hump camel, Goldstein-Price), every "
        "sampler: regret, rank, head-to-head.",
        ("hartmann3", "levy4", "six_hump_camel", "goldstein_price"),
        _ALL,
        "0-9",
        100,
        {
            "problems": "six_hump_camel",
            "samplers": "gamma-t,tpe",
            "seeds": "0-1",
            "n_trials": "12",
        },
        'docs/benchmarks.md, "More synthetic problems"',
    ),
    "sklearn": _suite(
        "sklearn",
        "scikit-learn tuning tasks (regret against the best value seen): regret, rank, "
        "head-to-head.",
        ("svc-cancer", "knn-wine", "hgb-diabetes", "cond-cancer"),
        _ALL,
        "0-9",
        50,
        {"problems": "knn-wine", "samplers": "gamma-t,random", "seeds": "0", "n_trials": "8"},
        'docs/benchmarks.md, "scikit-learn tuning tasks"',
    ),
    "torch": _suite(
        "torch",
        "The thesis's learning-rate task as a problem (lr-digits): regret and rank.",
        ("lr-digits",),
        ("gamma-t", "gamma-gauss", "gp", "tpe", "random", "cmaes", "qmc"),
        "0-9",
        25,
        {"samplers": "gamma-t,random", "seeds": "0", "n_trials": "6"},
        'docs/benchmarks.md, "The thesis\'s learning-rate task"',
    ),
}

if __name__ == "__main__":
    sys.exit(_frame.main("core"))
