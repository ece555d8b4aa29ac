"""A variant's report against a committed one: paired by task, the difference of their mean
normalised regret at each budget, ± one standard error over the tasks.

For a variant run into its own folder (the committed report's raw runs are not in git), e.g.
the ``noise_check`` runs of the noisy suite against the committed held-out report:

    python -m benchmarks noisy --seeds 10-39 --samplers gamma-noise-check --out DIR
    python scripts/compare_summaries.py DIR/summary.json \
        benchmarks/results/noisy_heldout/summary.json --new gamma-noise-check/predicted \
        --base gamma/predicted,gp/best,tpe/best

Both summaries are the suites' ``summary.json``: rows with ``problem``, ``budget`` and
``mean_nreg`` and a ``method`` (the noisy suite: ``sampler/rule``) or a ``sampler`` (the
others), under ``per_task`` and ``ablation_per_task`` (noisy) or ``per_problem`` (hpo,
bbob-like suites; the wide suite also under ``noise_settings``, where it ranks its noise
settings apart). Only tasks in both count (and, with ``--problems a,b``, only those). The
runs must be of the same seeds for the pairing to mean anything; the script cannot check that
from the summaries.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
import statistics
from typing import Any


def per_task(summary: dict[str, Any], method: str) -> dict[tuple[str, int], float]:
    """Mean normalised regret by (task, budget) of ``method`` in ``summary``."""
    rows = [
        *summary.get("per_task", []),
        *summary.get("per_problem", []),
        *summary.get("ablation_per_task", []),
        *summary.get("noise_settings", {}).get("per_problem", []),
    ]
    return {
        (r["problem"], int(r["budget"])): float(r["mean_nreg"])
        for r in rows
        if r.get("method", r.get("sampler")) == method
    }


def compare(
    new: dict[tuple[str, int], float], base: dict[tuple[str, int], float]
) -> list[dict[str, float]]:
    """Per budget: tasks in both, both means over them, the paired difference (new minus base)
    and its standard error over the tasks."""
    out = []
    for budget in sorted({b for _, b in new}):
        keys = sorted(k for k in new if k[1] == budget and k in base)
        if not keys:
            continue
        diff = [new[k] - base[k] for k in keys]
        se = statistics.stdev(diff) / math.sqrt(len(diff)) if len(diff) > 1 else math.nan
        out.append({
            "budget": budget,
            "tasks": len(keys),
            "new": statistics.fmean(new[k] for k in keys),
            "base": statistics.fmean(base[k] for k in keys),
            "diff": statistics.fmean(diff),
            "se": se,
        })  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("new", type=Path, help="the variant's summary.json")
    parser.add_argument("base", type=Path, help="the committed summary.json")
    parser.add_argument("--new", dest="new_method", required=True, help="the variant's method")
    parser.add_argument("--base", dest="base_methods", required=True,
                        help="comma-separated methods of the committed report")  # fmt: skip
    parser.add_argument(
        "--problems", default=None, help="comma-separated tasks to pair (default: all in both)"
    )
    args = parser.parse_args()
    new = per_task(json.loads(args.new.read_text()), args.new_method)
    if not new:
        parser.error(f"no rows of {args.new_method!r} in {args.new}")
    if args.problems is not None:
        keep = args.problems.split(",")
        held = sorted({task for task, _ in new})
        unknown = [task for task in keep if task not in held]
        if unknown:
            parser.error(
                f"--problems: no rows of {args.new_method!r} for {', '.join(unknown)}; "
                f"its tasks are {', '.join(held)}"
            )
        new = {k: v for k, v in new.items() if k[0] in keep}
    base_summary = json.loads(args.base.read_text())
    print(f"| {args.new_method} against | trials | tasks | it | against | paired difference |")
    print("|---|---|---|---|---|---|")
    for method in args.base_methods.split(","):
        for row in compare(new, per_task(base_summary, method)):
            print(
                f"| {method} | {row['budget']} | {row['tasks']} | {row['new']:.3f} | "
                f"{row['base']:.3f} | {row['diff']:+.3f} ± {row['se']:.3f} |"
            )


if __name__ == "__main__":
    main()
