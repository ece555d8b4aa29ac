"""Every example script runs (in a subprocess, on small settings)."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

import optuna

from optuna_gamma._sampler import PREDICTION_KEY

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_stores_a_resumable_study(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'qs.db'}"
    cmd = [sys.executable, str(ROOT / "examples" / "quickstart.py"), "--storage", storage]
    out = subprocess.run(cmd + ["--n-trials", "8"], capture_output=True, text=True, check=True)
    assert f"optuna-dashboard {storage}" in out.stdout
    subprocess.run(cmd + ["--n-trials", "2"], capture_output=True, text=True, check=True)
    study = optuna.load_study(study_name="svm-breast-cancer", storage=storage)
    assert len(study.trials) == 10
    assert all(0.5 < t.value <= 1.0 for t in study.trials)
    assert sum(PREDICTION_KEY in t.system_attrs for t in study.trials) == 5  # after 5 start-up
