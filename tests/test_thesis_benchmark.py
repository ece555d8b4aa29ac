"""Tests of the thesis reproduction (benchmarks/thesis.py) and the ``lr-digits`` torch problem."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from benchmarks import _frame  # noqa: E402
from benchmarks import thesis  # noqa: E402
from benchmarks.problems import get_problem  # noqa: E402
from benchmarks.problems import resolve_problems  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
QUICK_METHODS = {"Grid"} | {
    f"{label} (2+{k})" for label in ("Gaussian BO", "Gamma BO", "TPE", "Random") for k in (3, 6)
}
QUICK_GRID = int(_frame.get_suite("thesis").quick["grid_size"])


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", "thesis", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_quick_mode_end_to_end(tmp_path: Path) -> None:
    proc = _run("--quick", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    for name in ("summary.csv", "per_seed.csv", "thesis.md", "thesis.png"):
        assert (tmp_path / name).is_file(), name

    summary = _read(tmp_path / "summary.csv")
    assert {r["method"] for r in summary} == QUICK_METHODS
    for r in summary:
        assert int(r["n_seeds"]) == 2
        for key in ("val_acc_mean", "val_acc_median", "test_acc_mean", "grid_best_mean"):
            assert 0.0 <= float(r[key]) <= 1.0, (r["method"], key)
        assert float(r["wall_s_mean"]) > 0
        assert 0 <= int(r["reached_grid_best"]) <= int(r["n_seeds"])
        assert 1e-4 <= float(r["lr_median"]) <= 0.5
        reach = float(r["trials_to_grid_best_median"])
        assert math.isinf(reach) or 1 <= reach <= int(r["budget"])
    grid = next(r for r in summary if r["method"] == "Grid")
    assert int(grid["budget"]) == QUICK_GRID

    per_seed = _read(tmp_path / "per_seed.csv")
    assert len(per_seed) == 2 * len(QUICK_METHODS)
    for r in per_seed:
        # A sampler never beats the grid's best "before" reaching it; not reached = empty.
        reach = r["trials_to_grid_best"]
        assert reach == "" or 1 <= int(reach) <= int(r["budget"])
        if reach != "" and r["sampler"] != "grid":
            assert float(r["best_val_acc"]) >= float(r["grid_best"]) - 1e-9
        assert 0.0 <= float(r["test_acc"]) <= 1.0

    raw = tmp_path / "raw" / "e1-d0"
    grid_runs = sorted(raw.glob("grid-*.json"))
    assert len(grid_runs) == 2
    assert all(len(json.loads(p.read_text())["trials"]) == QUICK_GRID for p in grid_runs)
    assert all(len(json.loads(p.read_text())["trials"]) == 2 + 6 for p in raw.glob("gamma-*.json"))
    options = json.loads((tmp_path / "raw" / "options.json").read_text())
    assert options == {"grid_size": 8, "iters": "3,6", "lr_scale": "linear", "target": "accuracy"}

    md = (tmp_path / "thesis.md").read_text()
    for needle in ("commit", "Table 8", "Table 9", "Gamma BO (2+6)", "Gaussian BO", "seeds: 0, 1"):
        assert needle in md

    again = _run("--quick", "--out", str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert "0 runs to do" in again.stdout
    # Another setting in the same store is refused, naming the option.
    other = _run("--quick", "--out", str(tmp_path), "--grid-size", "9")
    assert other.returncode == 2 and "--grid-size" in other.stderr


def _git_ignores(path: Path) -> bool:
    """Whether git ignores ``path`` in this checkout (the test is skipped outside one)."""
    try:
        done = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", str(path)], cwd=REPO, timeout=60
        )
    except OSError:
        pytest.skip("git is not available")
    if done.returncode not in (0, 1):
        pytest.skip("not a git checkout")
    return done.returncode == 0


def test_quick_output_is_git_ignored_and_full_output_is_committed() -> None:
    # `python -m benchmarks thesis --quick` in a clone must leave no untracked file (and so no
    # new thesis.md for tests/test_docs.py to collect); the full run regenerates the committed
    # folder.
    quick = _frame.plan("thesis", ["--quick"]).store
    for name in (
        "raw/e1-d0/grid-0.json",
        "summary.csv",
        "per_seed.csv",
        "thesis.md",
        "thesis.png",
    ):
        assert _git_ignores(quick.out / name), name
    full = _frame.plan("thesis", []).store
    assert full.out == REPO / "benchmarks" / "results" / "thesis"
    assert not _git_ignores(full.out / "thesis.md")
    assert _git_ignores(full.raw / "e1-d0" / "grid-0.json")


def test_settings_are_problems() -> None:
    assert thesis.is_setting("e50-d0.5") and thesis.is_setting("e3-d0")
    assert not thesis.is_setting("e0-d0") and not thesis.is_setting("e1-d1")
    options = {"grid_size": 100, "iters": "10,20", "lr_scale": "log", "target": "kappa"}
    cfg = thesis.config("e50-d0.5", options)
    assert (cfg.epochs, cfg.dropout, cfg.n_trials, cfg.budgets) == (50, 0.5, 22, (12, 22))
    assert (cfg.scale, cfg.target, cfg.grid_size) == ("log", "kappa", 100)
    assert _frame.plan("thesis", []).problems == list(thesis.SETTINGS)


def test_full_grid_has_100_points() -> None:
    assert _frame.plan("thesis", []).options["grid_size"] == 100
    for scale in ("linear", "log"):
        lrs = thesis.grid_lrs(100, scale)
        assert len(lrs) == 100
        assert lrs[0] == pytest.approx(thesis.LR_LOW)
        assert lrs[-1] == pytest.approx(thesis.LR_HIGH)
        assert lrs == sorted(lrs)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--problems", "e0-d0"], "--problems"),
        (["--problems", "x"], "--problems"),
        (["--problems", "e1-d1.5"], "--problems"),
        (["--iters", "0"], "--iters"),
        (["--iters", "x"], "--iters"),
        (["--seeds", "a-b"], "--seeds"),
        (["--grid-size", "1"], "--grid-size"),
    ],
)
def test_cli_errors_name_the_argument(
    args: list[str], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        _frame.plan("thesis", args)
    assert exc.value.code == 2
    assert name in capsys.readouterr().err


def test_lr_digits_problem_is_registered_and_deterministic() -> None:
    assert resolve_problems("torch") == ["lr-digits"]
    p = get_problem("lr-digits")
    assert p.kind == "torch" and p.direction == "maximize" and p.optimum is None
    assert p.distributions is not None
    dist = p.distributions["lr"]
    assert (dist.low, dist.high, dist.log) == (1e-4, 0.5, True)  # type: ignore[attr-defined]
    a, b = p.evaluate({"lr": 0.02}), p.evaluate({"lr": 0.02})
    assert a == b
    assert math.isfinite(a) and a >= 0.0
