"""Are fresh bbob runs the committed ones? For changes that must leave continuous search alone.

Runs of ``python -m benchmarks bbob ... --out DIR`` are compared, run by run, with the run of
the same problem, sampler and seed in the committed archive
(``benchmarks/results/bbob/runs.jsonl.xz``): the sequence of improvements (trial, best value)
must be identical.

    python -m benchmarks bbob --problems f03-d05,f12-d05,f15-d10,f21-d02 --samplers gamma \
        --seeds 0 --out /tmp/bbob-check
    python scripts/compare_bbob_runs.py /tmp/bbob-check     # exit 0: identical; 1: not
"""

from __future__ import annotations

import argparse
import json
import lzma
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import bbob  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the --out folder of the fresh runs")
    args = parser.parse_args(argv)
    archived = {}
    with lzma.open(ROOT / "benchmarks/results/bbob/runs.jsonl.xz", "rt") as f:
        for line in f:
            run = json.loads(line)
            archived[(run["problem"], run["sampler"], run["seed"])] = run["improvements"]
    fresh = sorted(args.out.glob("raw/*/*.json"))
    if not fresh:
        print(f"no runs under {args.out / 'raw'}", file=sys.stderr)
        return 2
    differ = 0
    for path in fresh:
        run = json.loads(path.read_text())
        key = (run["problem"], run["sampler"], run["seed"])
        if key not in archived:
            print(f"{key}: not in the archive")
            differ += 1
            continue
        same = bbob.pack(run)["improvements"] == archived[key]
        differ += not same
        print(f"{key}: {'identical' if same else 'DIFFERENT'}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
