"""The trial metrics of TorchObjective are what optuna-dashboard shows (through its WSGI app)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import optuna
import pytest

pytest.importorskip("torch")
optuna_dashboard = pytest.importorskip("optuna_dashboard")

from torch import nn  # noqa: E402

from optuna_gamma.torch import METRIC_KEYS  # noqa: E402
from optuna_gamma.torch import TorchObjective  # noqa: E402
from optuna_gamma.torch import load_digits  # noqa: E402
from optuna_gamma.torch import train_val_split  # noqa: E402


def _get(app: Any, path: str) -> tuple[str, bytes]:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = path
    environ["REQUEST_METHOD"] = "GET"
    status: list[str] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> None:
        status.append(line)

    body = b"".join(app(environ, start_response))
    return status[0], body


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-standard JSON constant {name}")


def test_dashboard_shows_trial_metrics(tmp_path: Path) -> None:
    X, y = load_digits(size=8)
    train, val = train_val_split((X[:200], y[:200]), 0.2, seed=0)

    def model_fn() -> nn.Module:
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))

    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'dash.db'}")
    study = optuna.create_study(direction="maximize", storage=storage, study_name="dash")
    study.enqueue_trial({"lr": 0.05})
    study.enqueue_trial({"lr": 1e20})  # diverged: loss inf must not break the page
    objective = TorchObjective(model_fn, train, val, epochs=1, lr=(1e-4, 1e20), seed=0)
    study.optimize(objective, n_trials=2)

    app = optuna_dashboard.wsgi(storage)
    status, body = _get(app, f"/api/studies/{storage.get_study_id_from_name('dash')}")
    assert status.startswith("200")
    payload = json.loads(body, parse_constant=_reject_constant)  # strict JSON for the browser
    trials = payload["trials"]
    assert len(trials) == 2
    for trial in trials:
        attrs = {a["key"]: a["value"] for a in trial["user_attrs"]}
        for key in (*METRIC_KEYS, "epochs_run", "seconds_per_epoch", "device", "diverged"):
            assert key in attrs, key
        assert len(json.loads(attrs["confusion_matrix"])) == 10
    diverged = {a["key"]: a["value"] for a in trials[1]["user_attrs"]}
    assert diverged["diverged"] == "True" and diverged["loss"] == "inf"
