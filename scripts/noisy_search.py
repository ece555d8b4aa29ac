"""Where a sampler's trials go on the noisy suite: the search, apart from the recommendation.

For the runs of ``python -m benchmarks noisy ... --out DIR`` (the files under ``DIR/raw/``), per
group of tasks, sampler and budget b, means over tasks of each task's mean over seeds of:

- ``evaluated``: the normalised regret of the best truth among the first b trials (what no
  recommendation from them can beat), beside ``predicted`` (``best_predicted_trial``) and
  ``best`` (``study.best_trial``) -- as the suite's report;
- ``trials``: the median normalised regret of the truths of trials b/2 + 1 to b -- how good the
  configurations the search spends its second half on are;
- ``bound``: on the synthetic tasks (a box), the share of those trials' coordinates that lie on
  a bound of the box (within 1e-6 of its range) -- a search drawn to the corners, where a
  model's predictive scale is largest, puts many there.

    python -m benchmarks noisy --samplers gamma,gp,tpe --seeds 10-19 --out DIR
    python scripts/noisy_search.py DIR [--samplers gamma,tpe] [--problems hartmann6-t3-low]
"""

from __future__ import annotations

import argparse
from pathlib import Path
import statistics
import sys
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import _frame  # noqa: E402
from benchmarks import noisy  # noqa: E402
from benchmarks import problems  # noqa: E402

BUDGETS = (25, 50, 100)
_EPS = 1e-6


def bound_share(run: dict[str, Any], lo: int, hi: int) -> float | None:
    """The share of the coordinates of trials ``lo..hi-1`` on a bound of a synthetic task's
    box (``None`` for a tabulated task, whose grids have no box)."""
    if run["problem"] not in noisy.SYNTHETIC:
        return None
    function = problems.get_problem(run["problem"].split("-", 1)[0])
    assert function.distributions is not None
    bounds = {n: (d.low, d.high) for n, d in function.distributions.items()}  # type: ignore[attr-defined]
    hits = total = 0
    for t in run["trials"][lo:hi]:
        for name, (low, high) in bounds.items():
            x, eps = t["params"][name], _EPS * (high - low)
            hits += x <= low + eps or x >= high - eps
            total += 1
    return hits / total if total else None


def run_rows(run: dict[str, Any], ref: dict[str, float], budget: int) -> dict[str, float] | None:
    """One run's numbers at ``budget`` (``None`` if the run is shorter)."""
    trials = run["trials"]
    if len(trials) < budget:
        return None
    scale = ref["median"] - ref["optimum"]

    def nreg(i: int) -> float:
        return max(trials[i]["truth"] - ref["optimum"], 0.0) / scale

    row = {"trials": statistics.median(nreg(i) for i in range(budget // 2, budget))}
    for rule in ("evaluated", "predicted", "best"):  # the trial each rule picks, as the report
        i = noisy.chosen(run, rule, budget)
        if i is not None:
            row[rule] = nreg(int(i))
    share = bound_share(run, budget // 2, budget)
    if share is not None:
        row["bound"] = share
    return row


def summary(runs: list[dict[str, Any]], refs: dict[str, dict[str, float]]) -> list[str]:
    """The table's lines: per group, sampler and budget, means over tasks of per-task means."""
    groups = {
        "all": noisy.PROBLEMS,
        "synthetic": noisy.SYNTHETIC,
        "synthetic, Student-t noise": tuple(p for p in noisy.SYNTHETIC if "-t3-" in p),
        "tabulated": noisy.TABULATED,
    }
    columns = ("evaluated", "predicted", "best", "trials", "bound")
    cells: dict[tuple[str, str, int], dict[str, list[float]]] = {}
    for run in runs:
        for b in BUDGETS:
            row = run_rows(run, refs[run["problem"]], b)
            for key, value in (row or {}).items():
                cell = cells.setdefault((run["problem"], run["sampler"], b), {})
                cell.setdefault(key, []).append(value)
    samplers = sorted({s for _, s, _ in cells})
    lines = [f"| group | sampler | trials | {' | '.join(columns)} |", "|---" * 8 + "|"]
    for group, members in groups.items():
        for s in samplers:
            for b in BUDGETS:
                per_task = [cells[(p, s, b)] for p in members if (p, s, b) in cells]
                if not per_task:
                    continue
                out = []
                for c in columns:
                    means = [statistics.fmean(t[c]) for t in per_task if c in t]
                    out.append(f"{statistics.fmean(means):.3f}" if means else "–")
                lines.append(f"| {group} | {s} | {b} | {' | '.join(out)} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the noisy suite's results folder (with raw/)")
    parser.add_argument("--samplers", default=None, help="only these (comma-separated)")
    parser.add_argument(
        "--problems", default=None, help="only these tasks (comma-separated; e.g. one function)"
    )
    args = parser.parse_args(argv)
    runs = list(_frame.Store(args.out, noisy.SUITES["noisy"]).load().values())
    for key, option in (("sampler", args.samplers), ("problem", args.problems)):
        if option:
            runs = [r for r in runs if r[key] in set(option.split(","))]
    if not runs:
        parser.error(f"out: no runs of the noisy suite under {args.out / 'raw'}")
    refs = {p: noisy.reference(p) for p in {r["problem"] for r in runs}}
    print("\n".join(summary(runs, refs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
