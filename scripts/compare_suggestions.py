"""Are GammaBOSampler's suggestions unchanged between a git revision and the working tree?

For restructurings that must not change behaviour: runs the same seeded studies (Branin, a
mixed float/log/int/step/categorical space, a constrained, a two-objective and a conditional
problem, 30 trials each, seed 0) with the package as it is at REV (checked out into a temporary
git worktree) and as it is in the working tree, and compares every trial's values exactly.

    python scripts/compare_suggestions.py f87b3b5      # exit 0: identical; 1: they differ
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import subprocess
import sys
import tempfile

ROOT = Path(__file__).resolve().parents[1]

STUDIES = r"""
import json, math, optuna
from optuna_gamma import GammaBOSampler

optuna.logging.set_verbosity(optuna.logging.ERROR)


def branin(t):
    x, y = t.suggest_float("x", -5, 10), t.suggest_float("y", 0, 15)
    return (y - 5.1 / (4 * math.pi**2) * x**2 + 5 / math.pi * x - 6) ** 2 + 10 * (
        1 - 1 / (8 * math.pi)
    ) * math.cos(x) + 10


def mixed(t):
    x = t.suggest_float("x", -3, 3)
    lr = t.suggest_float("lr", 1e-5, 1e-1, log=True)
    n = t.suggest_int("n", 1, 64, log=True)
    k = t.suggest_int("k", 0, 20, step=5)
    c = t.suggest_categorical("c", ["a", "b", "c"])
    return (
        (x - 1) ** 2 + (math.log10(lr) + 3) ** 2 + (math.log2(n) - 3) ** 2 + abs(k - 10) / 5
        + (c != "b")
    )


def constrained(t):
    x, y = t.suggest_float("x", -2, 2), t.suggest_float("y", -2, 2)
    t.set_constraint("half", x)  # feasible: x <= 0; the optimum (0, 0) is on the boundary
    return (x - 1) ** 2 + y**2


def two_objectives(t):
    x, y = t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)
    return x, (1 - math.sqrt(x)) * (1 + 4 * y)


def conditional(t):
    if t.suggest_categorical("kind", ["quadratic", "sine"]) == "quadratic":
        return (t.suggest_float("u", -2, 2) - 0.5) ** 2
    return math.sin(3 * t.suggest_float("v", 0, 3)) + 0.5


out = {}
for name, f, n_objectives in (
    ("branin", branin, 1),
    ("mixed", mixed, 1),
    ("constrained", constrained, 1),
    ("two-objectives", two_objectives, 2),
    ("conditional", conditional, 1),
):
    directions = ["minimize"] * n_objectives
    study = optuna.create_study(sampler=GammaBOSampler(seed=0), directions=directions)
    study.optimize(f, n_trials=30)
    out[name] = [t.values for t in study.trials]
print(json.dumps(out))
"""


def run_studies(package_root: Path) -> dict[str, list[list[float]]]:
    env = dict(os.environ, PYTHONPATH=str(package_root))
    with tempfile.TemporaryDirectory() as cwd:  # not the checkout: "" on sys.path would win
        out = subprocess.run(
            [sys.executable, "-c", STUDIES],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="git revision to compare the working tree with")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        worktree = Path(tmp) / "rev"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(worktree), args.rev],
            cwd=ROOT,
            check=True,
        )
        try:
            before = run_studies(worktree)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT)
    after = run_studies(ROOT)
    same = True
    for name in before:
        equal = sum(a == b for a, b in zip(before[name], after[name]))
        print(f"{name}: {equal} of {len(before[name])} trials identical")
        same &= equal == len(before[name])
    print("identical" if same else "DIFFERENT")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
