"""The noisy suite (benchmarks/noisy.py, benchmarks/noisy_tasks.py): its tables, its noise, its
recommendation rules and its measure."""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
import optuna
import pytest

from benchmarks import noisy
from benchmarks import noisy_tasks


@pytest.mark.parametrize("name", list(noisy_tasks.TASKS))
def test_table_holds_every_configuration_under_every_seed(name: str) -> None:
    task = noisy_tasks.TASKS[name]
    table = noisy_tasks.load_table(name)
    assert set(table) == {task.key(c) for c in task.configurations()}
    assert all(
        len(v) == noisy_tasks.N_SEEDS and all(math.isfinite(x) for x in v) for v in table.values()
    )
    # The seeds matter: the values of a configuration are not all equal everywhere.
    assert any(len(set(v)) > 1 for v in table.values())


def test_tables_are_small() -> None:
    assert sum(p.stat().st_size for p in noisy_tasks.TABLES.glob("*.json.xz")) < 2**20


@pytest.mark.parametrize("name", ["knn-iris", "logistic-wine"])
def test_stored_values_are_what_the_split_gives(name: str) -> None:
    assert noisy_tasks.check(name, 3) < 1e-5


def test_stored_mlp_values_are_what_training_gives() -> None:
    pytest.importorskip("torch")
    assert noisy_tasks.check("mlp-digits", 1) < 1e-5


@pytest.mark.parametrize("name", ["branin-gauss-high", "hartmann6-t3-low", "family-cancer"])
def test_a_draw_is_the_truth_plus_noise_of_the_stated_size(name: str) -> None:
    task = noisy.task_of(name)
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    params = task.suggest(trial)
    rng = np.random.default_rng(0)
    draws = [task.draw(params, rng) for _ in range(4000)]
    truth = task.truth(params)
    if name in noisy_tasks.TASKS:  # one of the recorded values; their mean is the truth
        values = noisy_tasks.load_table(name)[noisy_tasks.TASKS[name].key(params)]
        assert set(draws) <= set(values) and truth == pytest.approx(statistics.fmean(values))
        return
    ref = noisy.reference(name)
    level = noisy.NOISES[name.split("-", 1)[1]][1]
    sd = level * (ref["median"] - ref["optimum"])
    assert statistics.fmean(draws) == pytest.approx(truth, abs=4 * sd / math.sqrt(4000))
    assert statistics.stdev(draws) == pytest.approx(sd, rel=0.15)


def _run(values: list[float], truths: list[float], **rules: dict[str, int]) -> dict[str, Any]:
    return {
        "problem": "knn-iris",
        "sampler": "gamma",
        "seed": 0,
        "trials": [
            {"value": v, "truth": t, "params": {"k": i}}
            for i, (v, t) in enumerate(zip(values, truths))
        ],
        **rules,
    }


def test_rules_score_the_truth_of_the_chosen_trial() -> None:
    refs = {"knn-iris": {"optimum": 0.0, "median": 1.0}}
    # Trial 1 is the luckiest (observed 0.1, truth 0.8); trial 2 is the truly best.
    run = _run([0.5, 0.1, 0.3], [0.5, 0.8, 0.2], predicted={"3": 2}, reeval={"3": 0})
    s = noisy.summarise([run], refs, (3,))
    row = {r["method"]: r for r in s["per_task"]}
    assert row["gamma/best"]["mean_nreg"] == pytest.approx(0.8)
    assert row["gamma/predicted"]["mean_nreg"] == pytest.approx(0.2)
    assert row["gamma/reeval"]["mean_nreg"] == pytest.approx(0.5)
    assert row["gamma/best"]["stuck"] == 1.0
    # The best truth among the trials, for scale: trial 2 after three trials, trial 0 after one.
    assert row["gamma/evaluated"]["mean_nreg"] == pytest.approx(0.2)
    assert noisy.chosen(run, "evaluated", 1) == 0
    assert noisy.chosen(run, "evaluated", 4) is None  # a shorter run


def test_reevaluation_keeps_the_best_mean_of_fresh_draws() -> None:
    truths = {0: 0.9, 1: 0.1, 2: 0.5, 3: 0.7, 4: 0.6, 5: 0.95}
    task = noisy.Task(
        suggest=lambda trial: {},
        truth=lambda p: truths[p["k"]],
        draw=lambda p, rng: truths[p["k"]],  # noise-free draws: the mean is the truth
    )
    # Observed: trial 5 looks best but is worst; trial 1 is truly best and in the top five.
    trials = [
        {"value": v, "params": {"k": k}} for k, v in zip(range(6), [0.2, 0.45, 0.3, 0.4, 0.5, 0.0])
    ]
    assert noisy.reevaluate(trials, task, seed=0, budget=21) == 1
    # Only the top five observed take part: trial 1, ranked sixth, is out.
    trials[1]["value"] = 0.9
    assert noisy.reevaluate(trials, task, seed=0, budget=21) == 2


def test_repeats_count_re_evaluated_configurations_on_tabulated_tasks() -> None:
    run = _run([0.5, 0.4, 0.3, 0.2], [0.5, 0.4, 0.3, 0.2])
    for i in (2, 3):
        run["trials"][i]["params"] = {"k": 0}  # two re-evaluations of trial 0's configuration
    synthetic = {**_run([0.1, 0.1], [0.1, 0.1]), "problem": "branin-gauss-low"}
    synthetic["trials"][1]["params"] = {"k": 0}
    assert noisy.repeat_counts([run, synthetic], 4) == {"gamma": 2.0}
    assert noisy.repeat_counts([run], 2) == {"gamma": 0.0}


def test_repeat_outcomes_count_agreeing_re_evaluations() -> None:
    """Trial 0's configuration evaluated again twice: first at another value, then at its own
    (the first re-evaluation disagreed); a second run repeats one configuration, agreeing; a
    third repeats nothing."""
    run = _run([0.5, 0.4, 0.3, 0.5], [0.5, 0.4, 0.3, 0.2])
    for i in (2, 3):
        run["trials"][i]["params"] = dict(run["trials"][0]["params"])
    same = _run([0.5, 0.5], [0.5, 0.5])
    same["trials"][1]["params"] = dict(same["trials"][0]["params"])
    plain = _run([0.5, 0.4], [0.5, 0.4])
    plain["trials"][1]["params"] = {"k": 99}
    tied = _run([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])  # trials 0 and 1 differ, equal values
    tied["trials"][2]["params"] = dict(tied["trials"][0]["params"])
    assert noisy.repeat_outcomes([run, same, plain, tied]) == {
        "gamma": {"runs": 4, "repeated": 3, "twice": 1, "first_agreed": 2, "tied": 1,
                  "two_agreed": 0}
    }  # fmt: skip


def test_paired_difference_pairs_by_task_and_seed() -> None:
    refs = {"knn-iris": {"optimum": 0.0, "median": 1.0}}
    base = _run([0.5, 0.1], [0.5, 0.8], predicted={"2": 1})
    ablation = {**_run([0.5, 0.1], [0.5, 0.8], predicted={"2": 0}), "sampler": "gamma-x"}
    other = {**_run([0.5], [0.5]), "problem": "svc-cancer", "predicted": {"2": 0}}
    refs["svc-cancer"] = {"optimum": 0.0, "median": 1.0}
    other_ablation = {**other, "sampler": "gamma-x"}
    found = noisy.paired_difference([base, ablation, other, other_ablation], refs, "gamma-x", (2,))
    assert found[0]["per_task"] == {"knn-iris": pytest.approx(-0.3), "svc-cancer": 0.0}
    assert found[0]["mean"] == pytest.approx(-0.15)
    assert found[0]["se"] == pytest.approx(0.15)
