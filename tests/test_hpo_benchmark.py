"""The real-HPO suite (benchmarks/hpo.py, benchmarks/hpo_tasks.py): its tables, its spaces and
its measures."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import optuna
import pytest

from benchmarks import hpo
from benchmarks import hpo_tasks


@pytest.mark.parametrize("name", list(hpo_tasks.TASKS))
def test_table_holds_exactly_the_grid(name: str) -> None:
    task = hpo_tasks.TASKS[name]
    table = hpo_tasks.load_table(name)
    keys = {task.key(c) for c in task.configurations()}
    assert set(table) == keys
    assert all(math.isfinite(v) for v in table.values())


def test_tables_are_small() -> None:
    assert sum(p.stat().st_size for p in hpo_tasks.TABLES.glob("*.json.xz")) < 2 * 2**20


@pytest.mark.parametrize("name", ["knn-iris", "svc-cancer", "logistic-wine"])
def test_stored_rows_are_the_models_cross_validated_error(name: str) -> None:
    """Three rows of three tables re-evaluated: the tables are what their build computes."""
    assert hpo_tasks.check(name, 3) < 1e-5


@pytest.mark.parametrize("name", list(hpo_tasks.TASKS))
def test_random_trials_only_ask_for_tabulated_configurations(name: str) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(hpo.objective_of(name), n_trials=40)  # a KeyError would fail a trial
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


def test_coded_variant_asks_indices_and_codes_and_reads_the_same_table() -> None:
    coded = hpo_tasks.TASKS["forest-cancer-coded"]
    plain = hpo_tasks.TASKS["forest-cancer"]
    fixed = {"n_estimators": 2, "max_depth": 7, "max_features": 0, "bootstrap": 1, "criterion": 0}
    trial = optuna.trial.FixedTrial(fixed)
    params = coded.suggest(trial)
    assert params == {
        "n_estimators": 20,
        "max_depth": 7,
        "max_features": 0.1,
        "bootstrap": "no",
        "criterion": "gini",
    }
    table = hpo_tasks.load_table("forest-cancer")
    assert hpo.objective_of("forest-cancer-coded")(trial) == table[plain.key(params)]
    study = optuna.create_study()
    study.enqueue_trial(fixed)
    study.optimize(hpo.objective_of("forest-cancer-coded"), n_trials=1)
    dists = study.trials[0].distributions
    assert isinstance(dists["n_estimators"], optuna.distributions.IntDistribution)
    assert dists["bootstrap"] == optuna.distributions.CategoricalDistribution([0, 1])


def test_branched_task_asks_only_the_family_parameters() -> None:
    task = hpo_tasks.TASKS["family-cancer"]
    trial = optuna.trial.FixedTrial(
        {"scaler": "none", "family": "knn", "knn_k": 5, "knn_weights": "uniform"}
    )
    assert task.suggest(trial) == {
        "scaler": "none",
        "family": "knn",
        "knn_k": 5,
        "knn_weights": "uniform",
    }


def _run(sampler: str, values: list[float], params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "problem": "knn-iris",
        "sampler": sampler,
        "seed": 0,
        "trials": [{"value": v, "params": p} for v, p in zip(values, params)],
    }


def test_repeats_count_configurations_seen_before() -> None:
    a, b = {"k": 1, "w": "x"}, {"k": 2, "w": "x"}
    run = _run("gamma", [1.0, 1.0, 1.0, 1.0], [a, b, dict(a), b])
    assert hpo.repeats(run, 4) == 0.5
    assert hpo.repeats(run, 2) == 0.0


def test_summary_normalises_by_the_table_optimum_and_random_median() -> None:
    refs = {"knn-iris": {"median": 0.04, "random_best": 0.02, "optimum": 0.02}}
    params = [{"k": i} for i in range(3)]
    runs = [
        _run("gamma", [0.05, 0.03, 0.02], params),
        _run("tpe", [0.05, 0.04, 0.04], params),
    ]
    s = hpo.summarise(runs, refs, (2, 3))
    row = {(r["sampler"], r["budget"]): r for r in s["per_problem"]}
    assert row[("gamma", 2)]["mean_nreg"] == pytest.approx(0.5)
    assert row[("gamma", 3)]["mean_nreg"] == pytest.approx(0.0)
    assert row[("tpe", 3)]["mean_nreg"] == pytest.approx(1.0)
    assert row[("gamma", 3)]["mean_rank"] == 1.0 and row[("tpe", 3)]["mean_rank"] == 2.0
    assert row[("tpe", 3)]["stuck"] == 1.0


def test_a_folder_of_ablation_runs_alone_reports(tmp_path: Path) -> None:
    """An ablation run into its own folder (no default runs to pair with) still gets its
    report: its overall table in summary.json, no crash on the missing main tables."""
    from benchmarks import _frame

    argv = ["--problems", "knn-iris", "--samplers", "gamma-robust", "--seeds", "0"]
    argv += ["--n-trials", "12", "--out", str(tmp_path)]
    assert _frame.main("hpo", argv) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    rows = summary["ablations"]["gamma-robust"]["overall"]
    assert [r["budget"] for r in rows] and all(r["sampler"] == "gamma-robust" for r in rows)
    # ... and its rows per task, which scripts/compare_summaries.py pairs with a committed report
    per_task = summary["ablation_per_task"]
    assert {(r["problem"], r["sampler"]) for r in per_task} == {("knn-iris", "gamma-robust")}
    assert sorted(r["budget"] for r in per_task) == sorted(r["budget"] for r in rows)
    report = (tmp_path / "results.md").read_text()
    assert "`gamma-robust`" in report and "| gamma-robust | 1 | 12 | (not run) |" in report
