"""Runs examples/tune_learning_rate.py the quick way, in a subprocess, in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

import optuna
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = REPO_ROOT / "examples" / "tune_learning_rate.py"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_example_runs_quickly_and_stores_trials(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'quick.db'}"
    args = ("--n-trials", "3", "--epochs", "1", "--n-images", "200", "--storage", storage)
    result = _run(tmp_path, *args, "--study-name", "quick")
    assert result.returncode == 0, result.stderr
    assert "best trial" in result.stdout
    assert "optuna-dashboard" in result.stdout
    study = optuna.load_study(study_name="quick", storage=storage)
    trials = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(trials) == 3
    for trial in trials:
        assert 1e-4 <= trial.params["lr"] <= 0.5
        assert trial.user_attrs["epochs_run"] == 1
        assert "confusion_matrix" in trial.user_attrs
    assert study.user_attrs["train_images"] == 160
    assert study.user_attrs["validation_images"] == 40


def test_example_offline_mnist_gives_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("torchvision")
    # --offline: an empty --data-root and no download -> a readable message, exit status 2.
    storage = f"sqlite:///{tmp_path / 'x.db'}"
    data_args = ("--dataset", "mnist", "--data-root", str(tmp_path / "none"), "--storage", storage)
    result = _run(tmp_path, *data_args, "--n-trials", "1", "--offline")
    assert result.returncode == 2
    assert "load_digits" in result.stderr
