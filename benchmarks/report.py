"""Summarise raw benchmark CSVs: regret at budgets, mean ranks, sampler time, plots.

Usage::

    python -m benchmarks.report --tag quick [--out benchmarks/results]

Reads ``<out>/raw/<tag>/*.csv`` (written by :mod:`benchmarks.run`) and writes
``<out>/<tag>/summary.csv``, ``results.md`` and ``regret.png``.

Definitions (per problem):

- simple regret after b trials: ``best_b - f*`` (minimise) or ``f* - best_b`` (maximise), where
  ``best_b`` is the best value among the first b trials. A run that stopped early (GridSampler
  after its grid) keeps its final best. ``f*`` is the known optimum (synthetic problems) or, when
  the optimum is unknown (scikit-learn tasks), the best value seen across all runs of the tag.
- normalised regret: simple regret divided by the regret of the median first-trial value over all
  runs of the problem (every sampler's first trial is a random or random-ordered point), so 1 is
  "as good as a typical random point" and 0 is optimal.
- rank: samplers ranked by median simple regret over seeds on each problem (ties share the mean
  rank); mean rank over the problems that every ranked sampler ran.
- sampler seconds: median over all trials of all runs of the wall time spent in the sampler
  (see :mod:`benchmarks.run`).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
import csv
from dataclasses import dataclass
import json
import math
from pathlib import Path
import sys
from typing import Any

import numpy as np

from benchmarks import _env
from benchmarks.problems import PROBLEMS
from benchmarks.samplers import SAMPLERS

DEFAULT_OUT = Path(__file__).resolve().parent / "results"
BUDGETS = (10, 25, 50, 100)
LATE = 10  # trials from this index on are past every sampler's default random start-up


@dataclass
class Run:
    """One (problem, sampler, seed) study read from its CSV."""

    problem: str
    sampler: str
    seed: int
    direction: str
    n_target: int
    values: np.ndarray  # (n,) NaN for failed trials
    sampler_s: np.ndarray  # (n,)
    objective_s: np.ndarray  # (n,)

    def best_curve(self) -> np.ndarray:
        """Best-so-far in minimisation sense (sign-flipped for maximise), NaN before any value."""
        y = self.values if self.direction == "minimize" else -self.values
        y = np.where(np.isnan(y), np.inf, y)
        best = np.minimum.accumulate(y) if len(y) else y
        return np.where(np.isinf(best), np.nan, best)


def _order(names: Any, registry: dict[str, Any]) -> list[str]:
    """Distinct names in registry order, unknown names last (alphabetically)."""
    keys = list(registry)
    return sorted(set(names), key=lambda n: (keys.index(n) if n in keys else len(keys), n))


def _float(s: str) -> float:
    return float(s) if s not in ("", None) else math.nan


def load_runs(raw_dir: Path) -> list[Run]:
    """Read every ``*.csv`` under ``raw_dir`` (written by benchmarks.run)."""
    runs = []
    for path in sorted(raw_dir.glob("*.csv")):
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        if not rows:
            continue
        rows.sort(key=lambda r: int(r["trial"]))
        n_target = int(path.stem.rsplit("__n", 1)[1]) if "__n" in path.stem else len(rows)
        runs.append(
            Run(
                problem=rows[0]["problem"],
                sampler=rows[0]["sampler"],
                seed=int(rows[0]["seed"]),
                direction=rows[0]["direction"],
                n_target=n_target,
                values=np.array([_float(r["value"]) for r in rows]),
                sampler_s=np.array([_float(r["sampler_s"]) for r in rows]),
                objective_s=np.array([_float(r["objective_s"]) for r in rows]),
            )
        )
    return runs


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
    rows: list[dict[str, Any]], budgets: list[int]
) -> tuple[list[str], list[str], dict[tuple[str, int], float]]:
    """Mean rank per (sampler, budget), re-ranked over the problems that every sampler ran.

    Samplers that skipped problems (grid, bayes_opt) would shrink the common set; they are
    left out of the ranking if that keeps more problems.
    """
    ran: dict[str, set[str]] = defaultdict(set)
    for row in rows:
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
    meta: dict[str, Any],
    runs: list[Run],
    tag: str,
) -> None:
    """Write results.md: setup, mean ranks, regret tables, sampler time."""
    problems = _order((r["problem"] for r in rows), PROBLEMS)
    samplers = _order((r["sampler"] for r in rows), SAMPLERS)
    by = {(r["problem"], r["sampler"], r["budget"]): r for r in rows}
    invocations = meta.get("invocations", [])
    info = invocations[-1] if invocations else _env.machine_info()
    seeds = sorted({r.seed for r in runs})
    parts = [f"# Benchmark results: `{tag}`", ""]
    parts.append(
        _env.markdown_header(
            info,
            {
                "seeds": f"{len(seeds)} ({seeds[0]}–{seeds[-1]})" if seeds else "none",
                "runs": str(len(runs)),
                "report command": f"`{_env.command_line()}`",
            },
        ).replace("- command:", "- run command:")
    )
    if len(invocations) > 1:
        parts.append("- earlier run commands (resumed): ")
        parts += [
            f"  - `{inv.get('command', '?')}` ({inv.get('date', '?')})" for inv in invocations[:-1]
        ]
    skipped = sorted({s for inv in invocations for s in inv.get("skipped", [])})
    if skipped:
        parts += ["", "Skipped combinations: " + "; ".join(skipped) + "."]

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

    for b in budgets:
        body = []
        for p in problems:
            cells = []
            for s in samplers:
                r = by.get((p, s, b))
                cells.append(
                    "–"
                    if r is None
                    else f"{_g(r['nregret_median'])} [{_g(r['nregret_q25'], 2)}, "
                    f"{_g(r['nregret_q75'], 2)}]"
                )
            body.append([p] + cells)
        parts += [
            "",
            f"## Normalised regret after {b} trials: median [IQR] over seeds",
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
        "problems without a known optimum, f* is the best value seen across all runs of this tag.",
        "",
        _table(["problem", "kind", "dim", "direction", "f*", "scale", "description"], body),
        "",
        "Regret curves: `regret.png`. All numbers: `summary.csv`.",
        "",
    ]
    path.write_text("\n".join(parts))


def plot(path: Path, runs: list[Run], notes: dict[str, Any]) -> None:
    """Median simple regret with IQR bands against trials, one subplot per problem."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problems = _order((r.problem for r in runs), PROBLEMS)
    samplers = _order((r.sampler for r in runs), SAMPLERS)
    colors = {s: plt.get_cmap("tab10")(i % 10) for i, s in enumerate(samplers)}
    ncols = min(4, len(problems))
    nrows = math.ceil(len(problems) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    for ax, p in zip(axes.flat, problems):
        f_star = (
            notes[p]["optimum"] if notes[p]["direction"] == "minimize" else -notes[p]["optimum"]
        )
        positive = True
        for s in samplers:
            sruns = [r for r in runs if r.problem == p and r.sampler == s]
            if not sruns:
                continue
            n = max(r.n_target for r in sruns)
            curves = regret_curves(sruns, f_star, n)
            x = np.arange(1, n + 1)
            q25, q50, q75 = np.nanpercentile(curves, [25, 50, 75], axis=0)
            ax.plot(x, q50, color=colors[s], label=s, lw=1.5)
            ax.fill_between(x, q25, q75, color=colors[s], alpha=0.15, lw=0)
            positive &= bool(np.all(q25[~np.isnan(q25)] > 0))
        if positive:
            ax.set_yscale("log")
        title = p + ("" if notes[p]["known"] else " (vs best seen)")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("trial")
        ax.set_ylabel("simple regret")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(problems) :]:
        ax.axis("off")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colors[s], lw=1.5) for s in samplers]
    fig.legend(handles, samplers, loc="lower center", ncol=len(samplers), frameon=False)
    fig.suptitle("Median simple regret, IQR band over seeds")
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
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
    "best_median",
    "rank",
    "sampler_s_median",
    "sampler_s_mean",
    "sampler_s_median_late",
    "objective_s_median",
)


def report(out: Path, tag: str, *, plots: bool = True) -> Path:
    """Write summary.csv, results.md (and regret.png) for ``tag``; return the folder."""
    raw_dir = out / "raw" / tag
    runs = load_runs(raw_dir)
    if not runs:
        raise FileNotFoundError(f"--tag: no run CSVs under {raw_dir}")
    rows, budgets, notes = summarise(runs)
    dest = out / tag
    dest.mkdir(parents=True, exist_ok=True)
    with (dest / "summary.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SUMMARY_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row[k] for k in SUMMARY_FIELDS})
    meta_path = raw_dir / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    write_markdown(dest / "results.md", rows, budgets, notes, meta, runs, tag)
    if plots:
        plot(dest / "regret.png", runs, notes)
    return dest


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.report``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.report", description="Summarise benchmark runs of one tag."
    )
    parser.add_argument("--tag", default="default", help="result set name; default 'default'")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"results root; default {DEFAULT_OUT}"
    )
    parser.add_argument("--no-plot", action="store_true", help="skip regret.png")
    args = parser.parse_args(argv)
    raw_dir = args.out / "raw" / args.tag
    if not raw_dir.is_dir():
        available = sorted(p.name for p in (args.out / "raw").glob("*") if p.is_dir())
        parser.error(
            f"--tag: no results for {args.tag!r} under {args.out / 'raw'}; "
            f"available tags: {', '.join(available) or 'none'}"
        )
    try:
        dest = report(args.out, args.tag, plots=not args.no_plot)
    except FileNotFoundError as err:
        parser.error(str(err))
    print(
        f"wrote {dest / 'summary.csv'}, {dest / 'results.md'}"
        + ("" if args.no_plot else f", {dest / 'regret.png'}")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
