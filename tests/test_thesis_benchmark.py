"""Tests of the thesis reproduction (benchmarks/thesis.py) and the ``lr-digits`` torch problem."""

from __future__ import annotations

import csv
import math
from pathlib import Path
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from benchmarks import thesis  # noqa: E402
from benchmarks.problems import get_problem  # noqa: E402
from benchmarks.problems import resolve_problems  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
QUICK_METHODS = {"Grid"} | {
    f"{label} (2+{k})" for label in ("Gaussian BO", "Gamma BO", "TPE", "Random") for k in (3, 6)
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.thesis", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_quick_mode_end_to_end(tmp_path: Path) -> None:
    proc = _run("--quick", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    # A quick run's tables stay beside its raw runs, never in <out>/<tag>/.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]
    res = tmp_path / "raw" / "thesis-quick" / "report"
    for name in ("summary.csv", "per_seed.csv", "thesis.md", "thesis.png"):
        assert (res / name).is_file(), name

    summary = _read(res / "summary.csv")
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
    assert int(grid["budget"]) == thesis.QUICK["grid_size"]

    per_seed = _read(res / "per_seed.csv")
    assert len(per_seed) == 2 * len(QUICK_METHODS)
    for r in per_seed:
        # A sampler never beats the grid's best "before" reaching it; not reached = empty.
        reach = r["trials_to_grid_best"]
        assert reach == "" or 1 <= int(reach) <= int(r["budget"])
        if reach != "" and r["sampler"] != "grid":
            assert float(r["best_val_acc"]) >= float(r["grid_best"]) - 1e-9
        assert 0.0 <= float(r["test_acc"]) <= 1.0

    raw = tmp_path / "raw" / "thesis-quick"
    grid_csvs = sorted(raw.glob("grid__*.csv"))
    assert len(grid_csvs) == 2
    assert all(len(_read(p)) == thesis.QUICK["grid_size"] for p in grid_csvs)
    gamma_csvs = sorted(raw.glob("gamma__*.csv"))
    assert all(len(_read(p)) == 2 + 6 for p in gamma_csvs)

    md = (res / "thesis.md").read_text()
    for needle in ("commit", "Table 8", "Table 9", "Gamma BO (2+6)", "Gaussian BO", "seeds: 0, 1"):
        assert needle in md

    again = _run("--quick", "--out", str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert "0 searches to do" in again.stdout


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
    # `python -m benchmarks.thesis --quick` in a clone must leave no untracked file (and so no
    # new thesis.md for tests/test_docs.py to collect); the full run regenerates the committed
    # folder.
    raw, report = thesis.output_dirs(thesis.DEFAULT_OUT, str(thesis.QUICK["tag"]), quick=True)
    assert _git_ignores(raw / "meta.json")
    for name in ("summary.csv", "per_seed.csv", "thesis.md", "thesis.png"):
        assert _git_ignores(report / name), name
    _, full = thesis.output_dirs(thesis.DEFAULT_OUT, str(thesis.FULL["tag"]), quick=False)
    assert full == REPO / "benchmarks" / "results" / "thesis"
    assert not _git_ignores(full / "thesis.md")


def test_full_grid_has_100_points() -> None:
    assert thesis.FULL["grid_size"] == 100
    for scale in ("linear", "log"):
        lrs = thesis.grid_lrs(100, scale)
        assert len(lrs) == 100
        assert lrs[0] == pytest.approx(thesis.LR_LOW)
        assert lrs[-1] == pytest.approx(thesis.LR_HIGH)
        assert lrs == sorted(lrs)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--epochs", "0"], "--epochs"),
        (["--epochs", "x"], "--epochs"),
        (["--dropout", "1.5"], "--dropout"),
        (["--iters", "0"], "--iters"),
        (["--seeds", "a-b"], "--seeds"),
        (["--grid-size", "1"], "--grid-size"),
    ],
)
def test_cli_errors_name_the_argument(
    args: list[str], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        thesis.main(args)
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
