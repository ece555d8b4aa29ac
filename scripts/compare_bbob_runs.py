"""Are fresh bbob runs the committed ones? For changes that must leave continuous search alone.

Runs of ``python -m benchmarks bbob ... --out DIR`` are compared, run by run, with the run of
the same problem, sampler and seed in the committed archive
(``benchmarks/results/bbob/runs.jsonl.xz``): the sequence of improvements (trial, best value)
must be identical.

    python -m benchmarks bbob --problems f03-d05,f12-d05,f15-d10,f21-d02 --samplers gamma \
        --seeds 0 --out /tmp/bbob-check
    python scripts/compare_bbob_runs.py /tmp/bbob-check     # exit 0: identical; 1: not

For a change that is meant to alter some runs (a rule that applies only where the fitted noise
is not negligible, say), ``--regret`` also prints, per budget, the mean normalised regret and
the stuck share of the fresh runs beside those of the archived runs of the same problems and
seeds (means over problems of the means over seeds, as the suite's report) and their paired
difference with its standard error over problems, overall and per dimension, and exits 0
whatever differs:

    python scripts/compare_bbob_runs.py /tmp/bbob-check --regret

``--against NAME`` compares each fresh run with the archived run of sampler ``NAME`` (a variant
against the default, say):

    python -m benchmarks bbob --problems bbob --samplers gamma-plug-in --seeds 0-4 \
        --out /tmp/plug-in
    python scripts/compare_bbob_runs.py /tmp/plug-in --regret --against gamma

``--archive PATH`` compares with another suite's archive (``bbob_large``'s, say). The fresh
runs are the JSON files under ``out/raw/``, or, if there are none, the runs packed into
``out/runs.jsonl.xz`` (a committed variant's folder).
``--by-function`` adds, with ``--regret``, the paired difference per function (over its
dimensions and seeds): where a change gains or loses. ``--budgets`` sets the budgets (25, 50
and 100 trials by default); ``--sampler NAME`` keeps only the fresh runs of that sampler -- a
default against its ablation in one committed folder of the long-study suite, say:

    python scripts/compare_bbob_runs.py benchmarks/results/bbob_large_d20_s09 --regret \
        --sampler gamma --against gamma-whole-box-20 --budgets 100,200,500 \
        --archive benchmarks/results/bbob_large_d20_s09/runs.jsonl.xz
"""

from __future__ import annotations

import argparse
import json
import lzma
import math
from pathlib import Path
import statistics
import sys

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import bbob  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the --out folder of the fresh runs")
    parser.add_argument(
        "--regret", action="store_true", help="also compare regret; exit 0 whatever differs"
    )
    parser.add_argument(
        "--against",
        default=None,
        help="compare with the archived runs of this sampler (default: the fresh run's own)",
    )
    parser.add_argument(
        "--by-function",
        action="store_true",
        help="with --regret, also the paired difference per function",
    )
    parser.add_argument(
        "--archive",
        type=Path,
        default=ROOT / "benchmarks/results/bbob/runs.jsonl.xz",
        help="the archive to compare with (default: the bbob suite's)",
    )
    parser.add_argument(
        "--budgets",
        default="25,50,100",
        help="comma-separated numbers of trials to compare at (default 25,50,100)",
    )
    parser.add_argument(
        "--sampler", default=None, help="only the fresh runs of this sampler (default: all)"
    )
    args = parser.parse_args(argv)
    try:
        budgets = tuple(int(b) for b in args.budgets.split(","))
    except ValueError:
        parser.error(f"--budgets: {args.budgets!r} is not a comma-separated list of integers")
    if not budgets or min(budgets) < 1:
        parser.error(f"--budgets: {args.budgets!r} must name positive numbers of trials")
    archived = {}
    with lzma.open(args.archive, "rt") as f:
        for line in f:
            run = json.loads(line)
            archived[(run["problem"], run["sampler"], run["seed"])] = run
    fresh = [json.loads(p.read_text()) for p in sorted(args.out.glob("raw/*/*.json"))]
    packed = args.out / "runs.jsonl.xz"
    if not fresh and packed.is_file():  # a committed folder of packed runs (--archive)
        with lzma.open(packed, "rt") as f:
            fresh = [bbob.unpack(json.loads(line)) for line in f]
    if args.sampler is not None:
        fresh = [run for run in fresh if run["sampler"] == args.sampler]
    if not fresh:
        print(f"no runs under {args.out / 'raw'} or in {packed}", file=sys.stderr)
        return 2
    differ = 0
    pairs = []
    for run in fresh:
        key = (run["problem"], args.against or run["sampler"], run["seed"])
        if key not in archived:
            print(f"{key}: not in the archive")
            differ += 1
            continue
        # A shorter fresh run is compared with the archived run's first trials.
        head = [i for i in archived[key]["improvements"] if i[0] < len(run["trials"])]
        same = bbob.pack(run)["improvements"] == head
        differ += not same
        pairs.append((run, bbob.unpack(archived[key])))
        print(f"{key}: {'identical' if same else 'DIFFERENT'}")
    print(f"{len(pairs) - differ} of {len(pairs)} runs identical")
    if args.regret:
        _print_regret(pairs, args.archive.parent / "references.json", budgets)
        if args.by_function:
            _print_by_function(pairs, args.archive.parent / "references.json", budgets)
        return 0
    return 1 if differ else 0


def _nregs(fresh_run: dict, old_run: dict, refs: dict, budget: int) -> tuple[float, float]:
    """The normalised regret of the fresh and of the archived run after ``budget`` trials."""
    ref = refs[bbob.ref_key(fresh_run["problem"], fresh_run["seed"])]
    fresh, old = (bbob._nreg(min(r["trials"][:budget]), ref) for r in (fresh_run, old_run))
    return fresh, old


def _print_regret(
    pairs: list[tuple[dict, dict]], refs_path: Path, budgets: tuple[int, ...]
) -> None:
    """Mean normalised regret and stuck share of the fresh and the archived runs, per budget,
    over all problems and per dimension; ``refs_path``: the archive's references.json."""
    refs = json.loads(refs_path.read_text())
    groups = {"all": list(pairs)}
    dims = sorted({int(p[0]["problem"][5:7]) for p in pairs if p[0]["problem"].startswith("f")})
    for d in dims:
        groups[f"{d}-D"] = [p for p in pairs if p[0]["problem"].endswith(f"d{d:02d}")]
    print()
    print(
        "| problems | trials | fresh nreg | archived nreg | fresh − archived (± SE over problems) "
        "| fresh stuck | archived stuck |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, chosen in groups.items():
        for budget in budgets:
            found = {}
            for fresh_run, old_run in chosen:
                found.setdefault(fresh_run["problem"], []).append(
                    _nregs(fresh_run, old_run, refs, budget)
                )
            means = [[sum(v[i] for v in vs) / len(vs) for vs in found.values()] for i in (0, 1)]
            stuck = [
                sum(v[i] > bbob.STUCK for vs in found.values() for v in vs)
                / sum(len(vs) for vs in found.values())
                for i in (0, 1)
            ]
            diffs = [a - b for a, b in zip(*means)]
            se = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else math.nan
            print(
                f"| {name} ({len(found)}) | {budget} | {sum(means[0]) / len(found):.4f} "
                f"| {sum(means[1]) / len(found):.4f} | {statistics.fmean(diffs):+.4f} ± {se:.4f} "
                f"| {stuck[0]:.0%} | {stuck[1]:.0%} |"
            )


def _print_by_function(
    pairs: list[tuple[dict, dict]], refs_path: Path, budgets: tuple[int, ...]
) -> None:
    """Per function (the problem name without its dimension), the mean over its runs of the
    fresh run's normalised regret minus the archived run's, per budget."""
    refs = json.loads(refs_path.read_text())
    diffs: dict[str, dict[int, list[float]]] = {}
    for fresh_run, old_run in pairs:
        function = fresh_run["problem"].split("-d")[0]
        for budget in budgets:
            fresh, old = _nregs(fresh_run, old_run, refs, budget)
            diffs.setdefault(function, {}).setdefault(budget, []).append(fresh - old)
    print()
    heads = [f"fresh − archived at {budgets[0]}", *(f"at {b}" for b in budgets[1:])]
    print(f"| function | runs | {' | '.join(heads)} |")
    print("|---" * (2 + len(budgets)) + "|")
    for function, by_budget in sorted(diffs.items()):
        cells = " | ".join(f"{statistics.fmean(by_budget[b]):+.3f}" for b in budgets)
        print(f"| {function} | {len(by_budget[budgets[0]])} | {cells} |")


if __name__ == "__main__":
    sys.exit(main())
