"""``python -m benchmarks <suite> [options]``: run a benchmark suite, or list them.

    python -m benchmarks                      # the suites, what each measures, where results go
    python -m benchmarks bbob --help          # a suite's options, problems and samplers
    python -m benchmarks conditional --quick  # a smoke run into a git-ignored folder

The study suites share one runner and one run store (:mod:`benchmarks._frame`). ``overhead``
(seconds per suggestion, every sampler in one process) and ``torch_throughput`` (training
samples per second) are measurements rather than studies; they are started the same way and
take their own options. See benchmarks/README.md.
"""

from __future__ import annotations

import importlib
import sys

from benchmarks import _frame

# Measurements that are not (problem, sampler, seed) studies: their module's main(argv).
MEASUREMENTS = {
    "overhead": "benchmarks.overhead",
    "overhead_large": "benchmarks.overhead_large",
    "torch_throughput": "benchmarks.torch_throughput",
}


def _listing() -> str:
    lines = ["usage: python -m benchmarks <suite> [options]   (--help after a suite: its options)"]
    lines.append("")
    lines.append("study suites (results in benchmarks/results/<suite>/):")
    lines += [f"  {name}" for name in _frame.MODULES]
    lines.append("measurements:")
    lines += [f"  {name}" for name in MEASUREMENTS]
    lines.append("")
    lines.append("What each measures and where it is discussed: benchmarks/README.md.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(_listing())
        return 0
    name, rest = args[0], args[1:]
    if name in MEASUREMENTS:
        return int(importlib.import_module(MEASUREMENTS[name]).main(rest) or 0)
    if name not in _frame.MODULES:
        print(f"unknown suite {name!r}\n\n{_listing()}", file=sys.stderr)
        return 2
    return _frame.main(name, rest)


if __name__ == "__main__":
    sys.exit(main())
