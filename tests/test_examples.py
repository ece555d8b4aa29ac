"""Every example script runs (in a subprocess, on small settings)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import re
import subprocess
import sys
from typing import Any

import optuna
import pytest

from optuna_gamma._storage import PREDICTION_KEY
from optuna_gamma.dashboard import GRAPH_OBJECT_ID

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTIONS = {"k": optuna.distributions.IntDistribution(0, 10)}


def test_quickstart_stores_a_resumable_study_with_what_the_dashboard_shows(
    tmp_path: Path,
) -> None:
    storage = f"sqlite:///{tmp_path / 'qs.db'}"
    cmd = [sys.executable, str(ROOT / "examples" / "quickstart.py"), "--storage", storage]
    out = subprocess.run(cmd + ["--n-trials", "8"], capture_output=True, text=True, check=True)
    # The printed command is this interpreter's optuna-dashboard: it works without activating.
    dashboard = Path(sys.executable).parent / "optuna-dashboard"
    assert dashboard.is_file()
    command = out.stdout.strip().splitlines()[-1].split()
    assert Path(command[0]).resolve() == dashboard.resolve()
    assert command[1] == storage
    subprocess.run(cmd + ["--n-trials", "2"], capture_output=True, text=True, check=True)
    study = optuna.load_study(study_name="svm-breast-cancer", storage=storage)
    assert len(study.trials) == 10
    assert all(0.5 < t.value <= 1.0 for t in study.trials)
    modelled = [t for t in study.trials if PREDICTION_KEY in t.system_attrs]
    assert len(modelled) == 5  # after 5 start-up trials

    # What optuna-dashboard serves for the study: note, surrogate figure, per-trial predictions.
    import optuna_dashboard

    detail = _wsgi_get(optuna_dashboard.wsgi(study._storage), f"/api/studies/{study._study_id}")
    assert "## GammaBO sampler" in detail["note"]["body"]
    assert [g["id"] for g in detail["plotly_graph_objects"]] == [GRAPH_OBJECT_ID]
    for t in modelled:
        attrs = t.user_attrs
        assert attrs["gammabo_pred_lower"] <= attrs["gammabo_pred_median"]
        assert attrs["gammabo_pred_median"] <= attrs["gammabo_pred_upper"]
        assert attrs["gammabo_pred_nu"] > 0


def _wsgi_get(app: Any, path: str) -> Any:
    from wsgiref.util import setup_testing_defaults

    environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    status: list[str] = []
    body = b"".join(app(environ, lambda s, h, *a: status.append(s)))
    assert status[0].startswith("200"), status
    return json.loads(body)


def test_constrained_example_finds_a_forest_within_the_budget() -> None:
    cmd = [sys.executable, str(ROOT / "examples" / "constrained.py"), "--n-trials", "12"]
    out = subprocess.run(cmd + ["--max-nodes", "400"], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    n_feasible = int(lines[0].split()[0])
    assert 1 <= n_feasible <= 12 and lines[0].endswith("within 400 nodes")
    best = lines[1]
    assert best.startswith("best feasible: trial ")
    nodes = int(best.split(" nodes")[0].rsplit(" ", 1)[-1])
    accuracy = float(best.split("accuracy ")[1].split(",")[0])
    assert nodes <= 400 and 0.85 < accuracy <= 1.0


def test_multi_objective_example_prints_each_result_of_the_pareto_front_once() -> None:
    cmd = [sys.executable, str(ROOT / "examples" / "multi_objective.py"), "--n-trials", "25"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    header = re.fullmatch(
        r"Pareto front: (\d+) distinct results, reached by (\d+) of 25 trials", lines[0]
    )
    assert header is not None, lines[0]
    n_results, n_front = int(header[1]), int(header[2])
    row = re.compile(
        r"trial (\d+): log loss (\d+\.\d{5}), (\d+) nodes"
        r"(?: \(the same result in (\d+) trials: ([\d, ]+)\))?"
    )
    points, numbers = [], []
    for line in lines[1:]:
        match = row.fullmatch(line)
        assert match is not None, line
        points.append((float(match[2]), int(match[3])))
        shared = [int(match[1])]
        if match[4] is not None:
            shared = [int(n) for n in match[5].split(", ")]
            assert len(shared) == int(match[4]) >= 2 and shared[0] == int(match[1])
        numbers += shared
    assert len(points) == n_results >= 1
    # One row per distinct result: no two rows alike; every front trial listed once.
    assert len(set(points)) == len(points)
    assert len(numbers) == len(set(numbers)) == n_front >= n_results
    # Sorted by size, a front's losses fall as the forests grow (printed to 5 decimals).
    assert all(a[1] < b[1] and a[0] >= b[0] for a, b in zip(points, points[1:]))


def test_multi_objective_example_groups_trials_with_identical_values() -> None:
    spec = importlib.util.spec_from_file_location(
        "multi_objective_example", ROOT / "examples" / "multi_objective.py"
    )
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    trials = [
        optuna.trial.create_trial(values=values, params={"k": k}, distributions=DISTRIBUTIONS)
        for k, values in enumerate([[0.3, 6.0], [0.1, 80.0], [0.3, 6.0], [0.2, 28.0], [0.3, 6.0]])
    ]
    for number, trial in enumerate(trials):
        trial.number = number
    groups = example.distinct_results(trials)
    assert [[t.number for t in g] for g in groups] == [[0, 2, 4], [3], [1]]


def test_noisy_example_compares_the_best_observed_and_the_recommended_trial() -> None:
    cmd = [sys.executable, str(ROOT / "examples" / "noisy.py"), "--n-trials", "15"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600).stdout
    pattern = (
        r"(best observed|recommended): trial +(\d+), observed ([\d.]+), "
        r"(?:predicted ([\d.]+), )?mean of 20 new splits ([\d.]+)"
    )
    rows = {m[0]: m for m in re.findall(pattern, out)}
    assert set(rows) == {"best observed", "recommended"}, out
    # The best observed value is the smallest observed; the recommendation carries a prediction.
    assert float(rows["best observed"][2]) <= float(rows["recommended"][2])
    assert rows["recommended"][3] != ""
    assert all(0.0 <= float(r[4]) < 0.5 for r in rows.values())


def test_ray_tune_recipe_runs_the_sampler_under_tune() -> None:
    """examples/ray_tune.py: Ray Tune with OptunaSearch(sampler=GammaBOSampler()), two trials
    at a time. Ray is not a dependency (the test is skipped without it)."""
    pytest.importorskip("ray.tune")
    cmd = [sys.executable, str(ROOT / "examples" / "ray_tune.py"), "--n-trials", "20"]
    done = subprocess.run(
        [*cmd, "--max-concurrent", "2"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    match = re.search(r"best loss ([0-9.]+) after (\d+) trials", done.stdout)
    assert match, done.stdout[-2000:]
    # Branin's minimum is 0.398; the median of uniform random points is about 30.
    assert float(match[1]) < 3.0 and int(match[2]) == 20
