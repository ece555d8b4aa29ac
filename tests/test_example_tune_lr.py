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


def _parse(*argv: str) -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("tune_lr_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.parse_args(list(argv))


def test_defaults_learn_and_the_thesis_setting_is_one_flag_away() -> None:
    default = _parse()
    assert (default.n_images, default.epochs, default.dropout) == (None, 10, 0.2)
    thesis = _parse("--thesis")
    assert (thesis.n_images, thesis.epochs, thesis.dropout) == (500, 1, 0.5)
    assert _parse("--thesis", "--epochs", "50").epochs == 50  # each part still overridable


@pytest.mark.slow
def test_default_settings_reach_an_accuracy_far_above_chance(tmp_path: Path) -> None:
    # The defaults, with fewer trials: 2 start-up trials and 2 chosen by the model.
    storage = f"sqlite:///{tmp_path / 'default.db'}"
    result = _run(tmp_path, "--n-trials", "4", "--storage", storage, "--study-name", "d")
    assert result.returncode == 0, result.stderr
    study = optuna.load_study(study_name="d", storage=storage)
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert complete, [t.state for t in study.trials]
    assert all(t.user_attrs["epochs_run"] == 10 for t in complete)
    assert max(t.user_attrs["accuracy"] for t in complete) > 0.6  # 10 classes: chance is 0.1
