"""Copy benchmark runs from one results folder into another's ``raw/``, to report them together.

A suite's report reads every run of one folder (its archive ``runs.jsonl.xz`` and its files
``raw/<problem>/<sampler>-<seed>.json``). Runs made into different folders -- a slow baseline
run once, a default re-run after a change -- are brought together by copying them; nothing is
recomputed. ``--rename OLD=NEW`` files a sampler's runs under another name: the runs of a
default made before a change, reported as the ablation that undoes the change, once fresh runs
have shown they are the same studies (``scripts/compare_bbob_runs.py --archive``).

    python scripts/copy_runs.py bbob_large benchmarks/results/bbob_large_gp \\
        benchmarks/results/raw/large500 --samplers gp,tpe-mv,cmaes
    python scripts/copy_runs.py bbob_large benchmarks/results/bbob_large_gp \\
        benchmarks/results/raw/large500 --samplers gamma --rename gamma=gamma-nolocal

A run already in the destination (a file of the same problem, sampler and seed) is kept.
``--seeds`` copies only those seeds: a baseline run on fewer seeds is then reported against
the others' runs of the same seeds; ``--problems`` only those problems.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import _frame  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suite", help="the suite whose runs these are (bbob_large, say)")
    parser.add_argument("source", type=Path, help="the results folder to copy from")
    parser.add_argument("dest", type=Path, help="the results folder to copy into")
    parser.add_argument("--samplers", required=True, help="comma-separated sampler names")
    parser.add_argument("--rename", default=None, help="OLD=NEW: file OLD's runs as NEW")
    parser.add_argument("--seeds", default=None, help="only these seeds (e.g. 0-1); default all")
    parser.add_argument(
        "--problems", default=None, help="only these problems (comma-separated); default all"
    )
    args = parser.parse_args(argv)
    try:
        suite = _frame.get_suite(args.suite)
    except ValueError as e:
        parser.error(f"suite: {e}")
    rename = dict([args.rename.split("=", 1)]) if args.rename else {}
    source, dest = _frame.Store(args.source, suite), _frame.Store(args.dest, suite)
    present = {(p, s, k) for p, s, k in dest.load()}
    wanted = set(args.samplers.split(","))
    seeds = set(_frame.parse_seeds(args.seeds)) if args.seeds else None
    problems = set(args.problems.split(",")) if args.problems else None
    copied = 0
    for (problem, sampler, seed), run in sorted(source.load().items()):
        name = rename.get(sampler, sampler)
        if sampler not in wanted or (problem, name, seed) in present:
            continue
        if seeds is not None and seed not in seeds:
            continue
        if problems is not None and problem not in problems:
            continue
        dest.save({**run, "sampler": name})
        copied += 1
    print(f"copied {copied} runs into {args.dest / 'raw'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
