"""Tests of the benchmarks: problem values, samplers, the frame (runner, run store, summary,
command line), every suite's smoke run, the hypervolume, and that every documented command
parses."""

from __future__ import annotations

import csv
import importlib
import importlib.util
import itertools
import json
import math
from pathlib import Path
import re
import shlex
import subprocess
import sys
from typing import Any

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from benchmarks import _frame
from benchmarks._pareto import hypervolume
from benchmarks._pareto import pareto_mask
from benchmarks.problems import CORE_SET
from benchmarks.problems import MIXED_ARGMIN
from benchmarks.problems import PROBLEMS
from benchmarks.problems import get_problem
from benchmarks.problems import mixed_value
from benchmarks.problems import resolve_problems
from benchmarks.samplers import SAMPLERS
from benchmarks.samplers import BayesOptSampler
from benchmarks.samplers import grid_values
from benchmarks.samplers import make_sampler
from benchmarks.samplers import resolve_samplers

REPO = Path(__file__).resolve().parent.parent

# docs/math.md §6, as printed there (6 significant digits or more).
MATH_TABLE = {
    "branin": 0.397887,
    "hartmann3": -3.86278,
    "hartmann6": -3.32237,
    "ackley5": 0.0,
    "rosenbrock4": 0.0,
    "levy4": 0.0,
    "styblinski_tang4": -39.166166 * 4,
    "six_hump_camel": -1.031628,
    "goldstein_price": 3.0,
    "blog1d": 1.7074958733,
    "mixed": 0.0,
}
SYNTHETIC = [n for n, p in PROBLEMS.items() if p.kind == "synthetic"]


@pytest.mark.parametrize("name", SYNTHETIC)
def test_optimum_matches_math_table(name: str) -> None:
    p = PROBLEMS[name]
    assert p.optimum is not None
    assert p.optimum == pytest.approx(MATH_TABLE[name], abs=1e-5)


@pytest.mark.parametrize(
    ("name", "i"), [(n, i) for n in SYNTHETIC for i in range(len(PROBLEMS[n].argopts))]
)
def test_value_at_known_optimiser(name: str, i: int) -> None:
    p = PROBLEMS[name]
    assert p.evaluate(p.argopts[i]) == pytest.approx(p.optimum, abs=1e-6)


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("branin", {"x0": -math.pi, "x1": 12.275}, 0.397887),
        ("hartmann6", {f"x{i}": v for i, v in enumerate([0.20169, 0.150011, 0.476874,
                                                         0.275332, 0.311652, 0.6573])}, -3.32237),
        ("hartmann3", {"x0": 0.114614, "x1": 0.555649, "x2": 0.852547}, -3.86278),
        ("goldstein_price", {"x0": 0.0, "x1": -1.0}, 3.0),
        ("six_hump_camel", {"x0": 0.0898, "x1": -0.7126}, -1.031628),
        ("blog1d", {"x0": 0.6313742}, 1.7074958733),
    ],
)  # fmt: skip
def test_value_at_published_argmin(name: str, x: dict[str, float], expected: float) -> None:
    assert PROBLEMS[name].evaluate(x) == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("name", SYNTHETIC)
def test_no_random_point_beats_the_optimum(name: str) -> None:
    p = PROBLEMS[name]
    assert p.optimum is not None
    study = optuna.create_study(direction=p.direction, sampler=optuna.samplers.RandomSampler(0))
    study.optimize(p.objective, n_trials=300)
    sign = 1.0 if p.direction == "minimize" else -1.0
    assert sign * study.best_value >= sign * p.optimum - 1e-9


def test_mixed_optimum_is_unique() -> None:
    assert mixed_value(MIXED_ARGMIN) == 0.0
    for key, other in [
        ("lr", 3.1e-3),
        ("units", 63),
        ("layers", 4),
        ("optimizer", "rmsprop"),
        ("optimizer", "sgd"),
        ("dropout", 0.21),
    ]:
        assert mixed_value({**MIXED_ARGMIN, key: other}) > 0.0


def test_core_set() -> None:
    assert set(CORE_SET) == {
        "branin",
        "hartmann6",
        "ackley5",
        "rosenbrock4",
        "styblinski_tang4",
        "blog1d",
        "mixed",
    }


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_every_problem_runs_in_a_study(name: str) -> None:
    p = PROBLEMS[name]
    study = optuna.create_study(direction=p.direction, sampler=optuna.samplers.RandomSampler(1))
    study.optimize(p.objective, n_trials=2 if p.kind == "sklearn" else 5)
    assert all(t.value is not None and math.isfinite(t.value) for t in study.trials)
    if p.distributions is not None:
        assert set(study.trials[0].params) == set(p.distributions)


def test_sklearn_problem_is_deterministic() -> None:
    p = get_problem("svc-cancer")
    params = {"C": 10.0, "gamma": 0.01}
    assert p.evaluate(params) == p.evaluate(params)
    assert 0.9 < p.evaluate(params) <= 1.0


@pytest.mark.parametrize("n_trials", [4, 12, 50, 100])
@pytest.mark.parametrize("name", ["branin", "hartmann6", "mixed", "knn-wine", "blog1d"])
def test_grid_fits_budget(name: str, n_trials: int) -> None:
    p = PROBLEMS[name]
    assert p.distributions is not None
    grid = grid_values(p.distributions, n_trials)
    if grid is None:
        return
    assert math.prod(len(v) for v in grid.values()) <= n_trials
    for key, dist in p.distributions.items():
        if isinstance(dist, optuna.distributions.CategoricalDistribution):
            assert grid[key] == list(dist.choices)
        else:
            assert isinstance(dist, (FloatDistribution, IntDistribution))
            assert len(grid[key]) >= 2
            assert all(dist.low <= v <= dist.high for v in grid[key])


def test_grid_sizes() -> None:
    h6, branin = PROBLEMS["hartmann6"].distributions, PROBLEMS["branin"].distributions
    assert h6 is not None and branin is not None
    assert grid_values(h6, 50) is None  # 2^6 > 50
    g = grid_values(branin, 12)
    assert g is not None and sorted(len(v) for v in g.values()) == [3, 4]
    assert g["x0"][0] == -5 and g["x0"][-1] == 10


def test_unsupported_combinations_raise_with_reason() -> None:
    with pytest.raises(ValueError, match="conditional"):
        make_sampler("grid", 0, PROBLEMS["cond-cancer"], 50)
    if importlib.util.find_spec("bayes_opt") is not None:
        with pytest.raises(ValueError, match="continuous"):
            make_sampler("bayes_opt", 0, PROBLEMS["mixed"], 50)


@pytest.mark.skipif(importlib.util.find_spec("bayes_opt") is None, reason="needs bayes_opt")
def test_bayes_opt_adapter_improves_and_is_reproducible() -> None:
    p = PROBLEMS["branin"]
    values = []
    for _ in range(2):
        assert p.distributions is not None
        study = optuna.create_study(sampler=BayesOptSampler(p.distributions, seed=3))
        study.optimize(p.objective, n_trials=10)
        values.append([float(t.value) for t in study.trials if t.value is not None])
    assert values[0] == values[1] and len(values[0]) == 10
    assert min(values[0][5:]) < 10.0


# -- the command line ------------------------------------------------------------------------


def test_cli_parsers_name_the_argument() -> None:
    assert _frame.parse_seeds("0-2,5") == [0, 1, 2, 5]
    assert _frame.seed_spec([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8"
    for bad in ("a-b", "3-1", "", "-1"):
        with pytest.raises(ValueError, match="--seeds"):
            _frame.parse_seeds(bad)
    with pytest.raises(ValueError, match="--problems.*valid"):
        _frame.select("branin,nope", "--problems", list(PROBLEMS), {})
    assert _frame.select("core,branin", "--problems", list(PROBLEMS), {"core": CORE_SET}) == list(
        CORE_SET
    )
    with pytest.raises(ValueError, match="--problems.*valid"):
        resolve_problems("branin,nope")
    with pytest.raises(ValueError, match="--samplers.*valid samplers"):
        resolve_samplers("tpe,nope")
    assert resolve_problems("core") == list(CORE_SET)
    assert resolve_samplers("all") == list(SAMPLERS)


@pytest.mark.parametrize(
    ("suite", "argv", "name"),
    [
        ("core", ["--samplers", "nope"], "--samplers"),
        ("core", ["--problems", "nope"], "--problems"),
        ("core", ["--seeds", "x"], "--seeds"),
        ("core", ["--n-trials", "0"], "--n-trials"),
        ("core", ["--workers", "0"], "--workers"),
        ("parallel", ["--workers", "2"], "--workers"),
        ("thesis", ["--problems", "e0-d0"], "--problems"),
        ("thesis", ["--lr-scale", "cubic"], "--lr-scale"),
        ("thesis", ["--iters", "0"], "--iters"),
        ("thesis", ["--grid-size", "1"], "--grid-size"),
    ],
)
def test_cli_errors_name_the_argument(
    suite: str, argv: list[str], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        _frame.plan(suite, argv)
    assert exc.value.code == 2
    assert name in capsys.readouterr().err


def test_ablations_run_only_when_named() -> None:
    plan = _frame.plan("conditional", [])
    assert "gamma-intersection" not in plan.samplers and "gamma" in plan.samplers
    assert "gamma-intersection" in _frame.plan("conditional", ["--samplers", "all"]).samplers
    bbob = _frame.plan("bbob", ["--samplers", "gamma,gamma-dimprior", "--problems", "d2"])
    assert bbob.samplers == ["gamma", "gamma-dimprior"] and len(bbob.problems) == 24


def test_quick_defaults_to_an_ignored_folder_and_explicit_options_win() -> None:
    plan = _frame.plan("core", ["--quick", "--seeds", "3"])
    assert plan.store.out == _frame.QUICK_OUT / "core"
    assert (
        plan.seeds == [3]
        and plan.n_trials == 15
        and plan.problems
        == [
            "branin",
            "blog1d",
            "mixed",
        ]
    )
    assert _frame.plan("core", []).store.out == REPO / "benchmarks" / "results" / "core"


def test_main_lists_the_suites(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.__main__ import main

    assert main([]) == 0
    out = capsys.readouterr().out
    assert all(
        name in out for name in (*_frame.MODULES, "overhead", "overhead_large", "torch_throughput")
    )
    assert main(["nope"]) == 2


# -- the run store ----------------------------------------------------------------------------


def _suite(**kwargs: Any) -> _frame.Suite:
    base = _frame.get_suite("constrained")
    return _frame.Suite(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **kwargs})


def test_store_saves_loads_and_knows_what_is_done(tmp_path: Path) -> None:
    store = _frame.Store(tmp_path, _suite())
    run = {"problem": "p", "sampler": "s", "seed": 3, "n_trials": 10, "trials": [1.0] * 10}
    path = store.save(run)
    assert path == tmp_path / "raw" / "p" / "s-3.json" and not list(tmp_path.rglob("*.tmp"))
    stored = store.load()
    assert stored == {("p", "s", 3): run}
    job = _frame.Job("p", "s", 3, 10, {})
    assert store.done(job, stored) and store.done(job._replace(n_trials=5), stored)
    assert not store.done(job._replace(n_trials=20), stored)  # more trials asked: rerun
    assert not store.done(job._replace(seed=4), stored)
    # A run stored before runs recorded n_trials counts what it has.
    old = {"problem": "p", "sampler": "s", "seed": 4, "trials": [1.0] * 7}
    store.save(old)
    assert _frame.n_trials_of(old) == 7 and store.done(
        job._replace(seed=4, n_trials=7), store.load()
    )


def test_store_archive_round_trip_and_files_win(tmp_path: Path) -> None:
    from benchmarks import bbob

    suite = _frame.get_suite("bbob")
    store = _frame.Store(tmp_path, suite)
    run = {
        "problem": "f01-d02",
        "sampler": "gamma",
        "seed": 0,
        "n_trials": 6,
        "trials": [5.0, 7.0, 3.0, 3.0, 4.0, 1.0],
        "ask_seconds": [0.1] * 6,
    }
    store.save(run)
    store.write_archive()
    packed = bbob.pack(run)
    assert packed["improvements"] == [[0, 5.0], [2, 3.0], [5, 1.0]]
    unpacked = bbob.unpack(packed)
    assert unpacked["trials"] == [5.0, 5.0, 3.0, 3.0, 3.0, 1.0]  # the best so far
    assert [min(run["trials"][:b]) for b in range(1, 7)] == unpacked["trials"]
    (tmp_path / "raw" / "f01-d02" / "gamma-0.json").unlink()
    fresh = _frame.Store(tmp_path, suite)
    assert fresh.load()[("f01-d02", "gamma", 0)]["trials_are_best_so_far"]
    assert fresh.done(_frame.Job("f01-d02", "gamma", 0, 6, {}), fresh.load())
    fresh.save({**run, "trials": [0.5] * 6})  # a file wins over the archive
    assert _frame.Store(tmp_path, suite).load()[("f01-d02", "gamma", 0)]["trials"] == [0.5] * 6


def test_store_keeps_one_setting(tmp_path: Path) -> None:
    suite = _frame.get_suite("pruned")
    store = _frame.Store(tmp_path, suite)
    assert store.options({}) == {"epochs": 8}
    store.save_options({"epochs": 2})
    assert _frame.Store(tmp_path, suite).options({}) == {"epochs": 2}
    with pytest.raises(ValueError, match="--epochs 3.*--epochs 2"):
        _frame.Store(tmp_path, suite).options({"epochs": 3})


def test_committed_bbob_archive_rebuilds_the_committed_tables() -> None:
    from benchmarks import bbob

    out = REPO / "benchmarks" / "results" / "bbob"
    runs = list(_frame.Store(out, _frame.get_suite("bbob")).load().values())
    assert len(runs) == 4510 and {len(r["trials"]) for r in runs} == {100}
    assert all(np.all(np.diff(r["trials"]) <= 0) for r in runs[:200])
    refs = json.loads((out / "references.json").read_text())
    summary = bbob.summarise(runs, refs, bbob.BUDGETS)
    committed = json.loads((out / "summary.json").read_text())
    assert summary["overall"] == committed["overall"]
    assert summary["per_problem"] == committed["per_problem"]


# -- the summary ------------------------------------------------------------------------------


def test_ranks_share_ties() -> None:
    assert _frame.ranks([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]


def _runs(table: dict[tuple[str, str, int], list[float]]) -> list[dict[str, Any]]:
    return [
        {"problem": p, "sampler": s, "seed": seed, "trials": t}
        for (p, s, seed), t in table.items()
    ]


def test_regret_rows_and_overall() -> None:
    runs = _runs(
        {
            ("p", "a", 0): [0.5, 0.2],
            ("p", "a", 1): [0.9, 0.9],
            ("p", "b", 0): [0.4, 0.4],
            ("p", "b", 1): [0.1, 0.1],
            ("p", "b", 2): [0.0, 0.0],  # seed 2 has no run of a: left out
            ("q", "a", 0): [0.3, 0.0],
            ("q", "b", 0): [0.3, 0.3],
        }
    )

    def best(run: dict[str, Any], b: int) -> float:
        return min(run["trials"][:b])

    rows = _frame.regret_rows(runs, ["p", "q"], ["a", "b"], [1, 2], best, best)
    by = {(r["problem"], r["sampler"], r["budget"]): r for r in rows}
    assert by[("p", "a", 2)] == {
        "problem": "p",
        "sampler": "a",
        "budget": 2,
        "runs": 2,
        "mean_nreg": pytest.approx(0.55),
        "median_nreg": pytest.approx(0.55),
        "stuck": 1.0,
        "mean_rank": 1.5,  # seed 0: a wins (0.2 < 0.4); seed 1: b wins
    }
    assert by[("q", "a", 1)]["mean_rank"] == 1.5 and by[("q", "a", 2)]["mean_rank"] == 1.0
    assert by[("q", "a", 2)]["stuck"] == 0.0
    overall = {(r["sampler"], r["budget"]): r for r in _frame.overall(rows, ["a", "b"])}
    assert overall[("a", 2)]["problems"] == 2
    assert overall[("a", 2)]["mean_nreg"] == pytest.approx((0.55 + 0.0) / 2)
    assert overall[("b", 2)]["mean_rank"] == pytest.approx((1.5 + 2.0) / 2)


def test_rank_groups_rank_each_ablation_against_the_baselines() -> None:
    runs = _runs({("p", "x", 0): [1.0], ("p", "x-abl", 0): [3.0], ("p", "base", 0): [2.0]})

    def best(run: dict[str, Any], b: int) -> float:
        return run["trials"][0]

    rows = _frame.regret_rows(
        runs,
        ["p"],
        ["x", "base", "x-abl"],
        [1],
        best,
        best,
        rank_groups=lambda present: [["x", "base"], ["x-abl", "base"]],
    )
    rank = {r["sampler"]: r["mean_rank"] for r in rows}
    assert rank == {"x": 1.0, "base": 2.0, "x-abl": 2.0}  # base's rank from the first group


def _core_run(problem: str, sampler: str, seed: int, n: int, values: list[Any]) -> dict[str, Any]:
    return {
        "problem": problem,
        "sampler": sampler,
        "seed": seed,
        "direction": PROBLEMS[problem].direction,
        "n_trials": n,
        "trials": [
            {
                "state": "COMPLETE" if v is not None else "FAIL",
                "value": v,
                "sampler_s": 0.01 * (i + 1),
                "objective_s": 0.001,
                "params": {},
            }
            for i, v in enumerate(values)
        ],
    }


def test_core_regret_on_hand_made_runs() -> None:
    from benchmarks import core

    opt = PROBLEMS["branin"].optimum
    assert opt is not None
    runs = [
        core.Run.from_json(r)
        for r in [
            # minimise: regret = best - f*; a failed trial (None) is skipped
            _core_run("branin", "a", 0, 10, [5, 3, None, 4, 2, 9, 9, 9, 9, 9]),
            _core_run("branin", "a", 1, 10, [7, 6, 6, 6, 6, 6, 6, 6, 6, 1]),
            # grid stopped after 4 trials: carried forward to budget 10
            _core_run("branin", "b", 0, 10, [8, 0.5, 9, 9]),
            # maximise: regret = f* - best
            _core_run("blog1d", "a", 0, 10, [1.0, 1.5, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
            _core_run("blog1d", "b", 0, 10, [1.6] * 10),
        ]
    ]
    rows, budgets, notes = core.summarise(runs)
    assert budgets == [10]
    by = {(r["problem"], r["sampler"]): r for r in rows}
    assert by[("branin", "a")]["regret_median"] == pytest.approx(np.median([2 - opt, 1 - opt]))
    assert by[("branin", "b")]["regret_median"] == pytest.approx(0.5 - opt)
    assert by[("blog1d", "a")]["regret_median"] == pytest.approx(1.7074958733 - 1.5)
    # normalised by the regret of the median first value: branin firsts 5, 7, 8 -> 7
    assert by[("branin", "b")]["nregret_median"] == pytest.approx((0.5 - opt) / (7 - opt))
    assert by[("branin", "a")]["nregret_mean"] == pytest.approx(
        np.mean([2 - opt, 1 - opt]) / (7 - opt)
    )
    assert notes["blog1d"]["known"]
    assert by[("branin", "b")]["rank"] == 1 and by[("blog1d", "b")]["rank"] == 1
    _, _, ranks = core.mean_ranks(rows, budgets)
    assert ranks[("b", 10)] == 1.0 and ranks[("a", 10)] == 2.0
    assert by[("branin", "a")]["sampler_s_median"] == pytest.approx(0.055)


def test_core_unknown_optimum_uses_best_seen() -> None:
    from benchmarks import core

    runs = [
        core.Run.from_json(_core_run("svc-cancer", "a", 0, 3, [0.90, 0.95, 0.93])),
        core.Run.from_json(_core_run("svc-cancer", "b", 0, 3, [0.97, 0.91, 0.92])),
    ]
    rows, _, notes = core.summarise(runs)
    assert notes["svc-cancer"]["optimum"] == pytest.approx(0.97)
    assert not notes["svc-cancer"]["known"]
    by = {r["sampler"]: r for r in rows}
    assert by["a"]["regret_median"] == pytest.approx(0.02)
    assert by["b"]["regret_median"] == pytest.approx(0.0)


# -- every suite: a smoke run -----------------------------------------------------------------

# Suite -> (extra options for --quick, files its report writes).
SMOKE: dict[str, tuple[list[str], list[str]]] = {
    "core": (
        ["--samplers", "gamma-t,random,grid", "--n-trials", "8"],
        ["results.md", "summary.csv", "head_to_head.csv", "regret.png"],
    ),
    "synthetic": ([], ["results.md", "summary.csv", "regret.png"]),
    "sklearn": ([], ["results.md", "summary.csv"]),
    "torch": ([], ["results.md", "summary.csv"]),
    "bbob": ([], ["results.md", "summary.json", "references.json"]),
    "bbob_large": ([], ["results.md", "summary.json", "references.json"]),
    "constrained": ([], ["results.md", "summary.json", "references.json"]),
    "multi_objective": ([], ["results.md", "summary.json", "references.json"]),
    "conditional": ([], ["results.md", "summary.json", "references.json"]),
    "hpo": ([], ["results.md", "summary.json", "references.json"]),
    "noisy": ([], ["results.md", "summary.json", "references.json"]),
    "pruned": ([], ["results.md", "summary.csv"]),
    "parallel": ([], ["parallel.md", "parallel_summary.csv", "parallel.png"]),
    "epochwise": (
        ["--samplers", "ew-previous_best-w10,fixed-cosine"],
        ["summary.md", "results.csv"],
    ),
    "wide": ([], ["results.md", "summary.json", "references.json"]),
}


def test_every_suite_has_a_smoke_test() -> None:
    assert set(SMOKE) | {"thesis"} == set(_frame.MODULES)  # thesis: tests/test_thesis_benchmark.py


@pytest.mark.parametrize("suite", list(SMOKE))
def test_suite_quick_run_resumes_and_reports(
    suite: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra, files = SMOKE[suite]
    argv = ["--quick", "--out", str(tmp_path), *extra]
    assert _frame.main(suite, argv) == 0
    first = capsys.readouterr().out
    assert "runs to do" in first and "0 runs to do" not in first
    runs = list(tmp_path.glob("raw/*/*.json"))
    assert runs and all(
        {"problem", "sampler", "seed", "env", "n_trials"} <= set(json.loads(p.read_text()))
        for p in runs
    )
    for name in files:
        assert (tmp_path / name).is_file(), name
    report = (tmp_path / files[0]).read_text()
    assert "run command" in report and "commit" in report
    assert str(REPO) not in report  # no absolute path of this checkout in a results file
    # Resumable: the same command finds every run stored; --report runs nothing.
    assert _frame.main(suite, argv) == 0
    assert "0 runs to do" in capsys.readouterr().out
    assert _frame.main(suite, [*argv, "--report"]) == 0
    assert "runs to do" not in capsys.readouterr().out


def test_core_skips_what_a_sampler_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--quick", "--out", str(tmp_path), "--samplers", "grid", "--problems", "mixed,branin"]
    _frame.main("core", [*argv, "--n-trials", "8"])
    out = capsys.readouterr().out
    assert "skip grid on mixed" in out
    assert not (tmp_path / "raw" / "mixed").exists() and (tmp_path / "raw" / "branin").exists()


def test_workers_run_in_spawned_processes(tmp_path: Path) -> None:
    argv = [
        "constrained",
        "--quick",
        "--samplers",
        "tpe",
        "--workers",
        "2",
        "--out",
        str(tmp_path),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list(tmp_path.glob("raw/*/tpe-*.json"))) == 4
    assert (
        "report command: `python -m benchmarks constrained"
        in (tmp_path / "results.md").read_text()
    )


def test_failed_runs_are_reported_and_the_others_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import constrained

    real = constrained.run_one

    def flaky(job: _frame.Job) -> dict[str, Any]:
        if job.seed == 1:
            raise RuntimeError("boom")
        return real(job)

    suite = _frame.get_suite("constrained")
    monkeypatch.setitem(constrained.SUITES, "constrained", _suite(run_one=flaky))
    jobs = [_frame.Job("gramacy", "tpe", seed, 5, {}) for seed in (0, 1)]
    assert _frame.run_jobs(suite, tmp_path, jobs, workers=1) == 1
    assert "boom" in capsys.readouterr().err
    assert [p.name for p in tmp_path.glob("raw/*/*.json")] == ["tpe-0.json"]


def test_overhead_quick(tmp_path: Path) -> None:
    from benchmarks import overhead

    argv = ["--quick", "--sizes", "25", "--samplers", "gamma-t,gp,tpe", "--out", str(tmp_path)]
    assert overhead.main(argv) == 0
    with (tmp_path / "overhead.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["sampler"], r["n_trials"], r["repeats"]) for r in rows} == {
        ("gamma-t", "25", "3"),
        ("gp", "25", "3"),
        ("tpe", "25", "3"),
    }
    gp = next(r for r in rows if r["sampler"] == "gp")
    assert float(gp["ratio_to_gp"]) == 1.0 and float(gp["mean_ratio_to_gp"]) == 1.0
    gamma = next(r for r in rows if r["sampler"] == "gamma-t")
    assert float(gamma["mean_s"]) * 3 >= float(gamma["median_s"])  # the mean of 3 positives
    assert "ratio" in (tmp_path / "overhead.md").read_text()
    assert overhead.output_dir(None, quick=True) == _frame.QUICK_OUT / "overhead"
    assert overhead.output_dir(None, quick=False) == REPO / "benchmarks" / "results" / "overhead"


def test_overhead_times_gamma_without_the_noise_check_and_its_variants_by_name() -> None:
    from benchmarks import overhead

    problem = overhead._problem("ackley5")
    settings = {
        name: overhead.timed_sampler(name, 0, problem, 30).surrogate_settings
        for name in ("gamma-t", "gamma-gauss", "gamma-t-whole-box")
    }
    assert all(not s.noise_check for s in settings.values())
    assert settings["gamma-t"].predictive == "student_t"
    assert settings["gamma-gauss"].predictive == "gaussian"
    assert settings["gamma-t"].noisy_trust_region is not None
    assert settings["gamma-t-whole-box"].noisy_trust_region is None
    assert overhead.resolve_timed("gamma-t-whole-box,gp,gamma-t,gp") == [
        "gamma-t-whole-box",
        "gp",
        "gamma-t",
    ]
    with pytest.raises(ValueError, match="gamma-t-whole-box") as err:
        overhead.resolve_timed("gamma-t,nope")
    assert "'nope'" in str(err.value)
    with pytest.raises(ValueError, match="empty"):
        overhead.resolve_timed(" , ")


def test_overhead_random_history_of_a_mixed_space_is_admissible_and_covers_every_value() -> None:
    from benchmarks import overhead

    problem = overhead._problem("wide-levy")
    assert problem.distributions is not None and len(problem.distributions) == 18
    trials = overhead.random_history(problem, 300, seed=0)
    for name, dist in problem.distributions.items():
        values = [t.params[name] for t in trials]
        assert all(dist._contains(dist.to_internal_repr(v)) for v in values), name
        if isinstance(dist, IntDistribution) and not dist.log and dist.high - dist.low < 20:
            assert set(values) == set(range(dist.low, dist.high + 1)), name
    assert {t.params["optimizer"] for t in trials} == {"adam", "sgd", "rmsprop"}
    assert {round(t.params["subsample"], 6) for t in trials} == {
        round(0.1 * k, 6) for k in range(1, 11)
    }
    assert all(t.value == problem.evaluate(t.params) for t in trials[:5])
    with pytest.raises(SystemExit):  # a define-by-run problem has no static space
        overhead.main(["--problems", "cond-cancer", "--quick"])


def test_overhead_large_quick(tmp_path: Path) -> None:
    from benchmarks import overhead_large

    argv = ["--quick", "--sizes", "30", "--samplers", "gamma-t,gp", "--repeats", "1"]
    argv += ["--gp-max-n", "20", "--out", str(tmp_path)]
    assert overhead_large.main(argv) == 0
    with (tmp_path / "overhead_large.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    # GPSampler is left out above --gp-max-n; each storage has its row, each in its own process.
    assert {(r["storage"], r["sampler"], r["n_trials"]) for r in rows} == {
        ("memory", "gamma-t", "30"),
        ("sqlite", "gamma-t", "30"),
    }
    for r in rows:
        assert float(r["median_s"]) > 0 and float(r["read_s"]) > 0
        assert float(r["peak_rss_mb"]) > 50  # the interpreter and optuna at least
        assert float(r["ask_rss_mb"]) >= 0
        assert r["ratio_to_gp"] == "nan"
    text = (tmp_path / "overhead_large.md").read_text()
    assert "### sqlite" in text and "peak" in text


def test_command_line_paths_inside_the_repository_are_relative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from benchmarks import _env

    results = REPO / "benchmarks" / "results"
    monkeypatch.setattr(sys, "argv", ["x.py", "core", "--out", str(results), f"--x={results}/y"])
    line = _env.command_line()
    assert str(REPO) not in line
    assert "--out benchmarks/results" in line and "--x=benchmarks/results/y" in line
    assert _env.shown_path("/elsewhere/file") == "/elsewhere/file"


def test_runs_record_the_blas_kernels_and_the_report_counts_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two machines with one CPU name can run other BLAS kernels, which round differently:
    the run store records them, the provenance line counts them (and leaves them out for
    runs stored before), the header names them."""
    from benchmarks import _env

    kernels = _env.blas_kernels()
    assert kernels == "unknown" or kernels.split()[0] in {"openblas", "mkl", "blis", "accelerate"}
    monkeypatch.setattr(_env, "blas_kernels", lambda: "openblas 0.3 (Zen)")
    info = _env.machine_info()
    assert info["blas"] == "openblas 0.3 (Zen)"
    assert "; BLAS: openblas 0.3 (Zen); threads per worker" in _env.markdown_header(info)
    old = {"env": {"commit": "a", "cpu": "C"}}
    new = {"env": {"commit": "a", "cpu": "C", "blas": "openblas 0.3 (Zen)"}}
    assert _frame.provenance([old]) == "made at commit `a` (1) on CPU `C` (1)"
    assert _frame.provenance([old, new]) == (
        "made at commit `a` (2) on CPU `C` (2) with BLAS not recorded (1), "
        "`openblas 0.3 (Zen)` (1)"
    )


# -- what git keeps ---------------------------------------------------------------------------


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=60)
    except OSError:
        pytest.skip("git is not available")
    if done.returncode == 128:
        pytest.skip("not a git checkout")
    return done


def _git_ignores(path: Path) -> bool:
    return _git("check-ignore", "-q", "--no-index", str(path)).returncode == 0


def test_runs_are_ignored_and_reports_are_not() -> None:
    results = REPO / "benchmarks" / "results"
    assert _git_ignores(results / "bbob" / "raw" / "f01-d02" / "gamma-0.json")
    assert _git_ignores(results / "core" / "raw" / "options.json")
    assert _git_ignores(_frame.QUICK_OUT / "core" / "results.md")
    for path in ("core/results.md", "bbob/runs.jsonl.xz", "overhead/overhead.md"):
        assert not _git_ignores(results / path), path


def test_committed_results_stay_small() -> None:
    # What git tracks or would add under benchmarks/results (deleted files not counted).
    listed = _git(
        "ls-files", "--cached", "--others", "--exclude-standard", "--", "benchmarks/results"
    ).stdout.split("\n")
    files = [REPO / name for name in listed if name and (REPO / name).is_file()]
    assert len(files) <= 400
    # 8.4 MB: the packed runs of bbob (1.2 MB), of bbob_large (1.3 MB) and of its 20-D and 40-D
    # folders with GPSampler's runs to 500 trials (0.2 MB each; those take minutes per run) are
    # most of it; reports are tens of kilobytes, summaries (the noisy suites' per-task tables)
    # up to a few hundred. (7.5 MB until the noisy suite's second held-out seed range,
    # noisy_fresh/, 0.15 MB; 7.7 MB until 20-D on ten seeds, bbob_large_d20_s09/, 0.35 MB;
    # 8.1 MB until the runs before the trust region of many dimensions were kept beside the
    # new default's in the 20 and 40-D folders, 0.3 MB; 8.4 MB until the 36-parameter wide
    # problems, wide36/, 0.1 MB, and the 40-D runs of five start-up trials kept beside the
    # new default's ten, 0.1 MB.)
    assert sum(f.stat().st_size for f in files) <= 8_600_000


def test_benchmarks_use_only_the_public_api_of_the_library() -> None:
    private = re.compile(
        r"optuna_gamma(\.\w+)*\._\w"  # a private module or attribute
        r"|from optuna_gamma(\.\w+)* import _\w"  # a private name
        r"|patch\(\s*[\"']optuna_gamma"  # mock.patch of the library
    )
    offenders = [
        f"{path.name}:{i}: {line.strip()}"
        for path in sorted((REPO / "benchmarks").glob("*.py"))
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert not offenders, offenders


# -- the documented commands ------------------------------------------------------------------


def _documented_commands() -> list[str]:
    """Every ``python -m benchmarks...`` or ``python benchmarks/...`` command in the README,
    docs/*.md and benchmarks/README.md: inline code spans and code-block lines (continuations
    joined, comments dropped), without the placeholders of a usage line."""
    commands = []
    for doc in [
        REPO / "README.md",
        REPO / "benchmarks" / "README.md",
        *sorted((REPO / "docs").glob("*.md")),
    ]:
        text = doc.read_text()
        blocks, prose, inside = [], [], False
        for line in text.splitlines():
            if line.startswith("```"):
                inside = not inside
            elif inside:
                blocks.append(line)
            else:
                prose.append(line)
        spans = re.findall(r"`(python [^`]+)`", "\n".join(prose))
        joined = re.sub(r"\\\n\s*", " ", "\n".join(blocks))
        spans += [
            line.split("  #")[0] for line in joined.splitlines() if line.startswith("python")
        ]
        for span in spans:
            command = " ".join(span.split())
            if re.match(r"python (-m benchmarks\b|benchmarks/)", command) and not re.search(
                r"[<\[…]|\.\.\.|DIR\b", command
            ):
                commands.append(command)
    return sorted(set(commands))


DOCUMENTED = _documented_commands()


def test_the_docs_document_commands() -> None:
    assert len(DOCUMENTED) > 20 and any(
        c.startswith("python -m benchmarks bbob") for c in DOCUMENTED
    )


@pytest.mark.parametrize("command", DOCUMENTED)
def test_documented_command_parses(command: str) -> None:
    from benchmarks.__main__ import main as listing

    words = shlex.split(command)[1:]
    if words == ["-m", "benchmarks"]:
        assert listing([]) == 0
        return
    if words[0] == "-m" and words[1] == "benchmarks":
        name, argv = words[2], words[3:]
    elif words[0] == "-m":
        name, argv = words[1].removeprefix("benchmarks."), words[2:]
    else:  # python benchmarks/<module>.py
        name, argv = Path(words[0]).stem, words[1:]
    if "--help" in argv:
        with pytest.raises(SystemExit) as exc:
            _frame.plan(name, argv)
        assert exc.value.code == 0
    elif name in ("overhead", "overhead_large", "torch_throughput"):
        module = importlib.import_module(f"benchmarks.{name}")
        module.build_parser().parse_args(argv)
    elif name in _frame.MODULES:
        _frame.plan(name, argv)
    else:  # a benchmark module of its own: it must at least start
        done = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{name}", "--help"],
            cwd=REPO,
            capture_output=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr


# -- hypervolume ------------------------------------------------------------------------------


def _hv_by_inclusion_exclusion(Y: np.ndarray, ref: np.ndarray) -> float:
    """The union of the boxes [y, ref] by inclusion-exclusion over subsets (exact, 2^n)."""
    Y = Y[np.all(Y < ref, axis=1)]
    total = 0.0
    for k in range(1, len(Y) + 1):
        for subset in itertools.combinations(range(len(Y)), k):
            corner = Y[list(subset)].max(axis=0)
            total += (-1) ** (k + 1) * float(np.prod(ref - corner))
    return total


def _hv_by_counting_cells(Y: np.ndarray, ref: np.ndarray) -> int:
    """Integer points: the unit cells of the grid below ``ref`` that some point dominates."""
    axes = [np.arange(int(r)) for r in ref]
    cells = np.array(list(itertools.product(*axes)))  # lower corners
    return int(np.sum(np.any(np.all(Y[None, :, :] <= cells[:, None, :], axis=2), axis=1)))


@pytest.mark.parametrize("m", [1, 2, 3, 4])
@pytest.mark.parametrize("seed", range(8))
def test_hypervolume_matches_brute_force(m: int, seed: int) -> None:
    rng = np.random.default_rng([m, seed])
    Y = rng.uniform(0, 1, size=(int(rng.integers(1, 9)), m))
    ref = np.full(m, 1.1)
    Y[0, 0] = 1.2  # a point that does not dominate the reference point
    assert hypervolume(Y, ref) == pytest.approx(_hv_by_inclusion_exclusion(Y, ref), abs=1e-12)
    # On integer points with ties and duplicates, against counting grid cells.
    Z = rng.integers(0, 6, size=(int(rng.integers(1, 12)), m)).astype(float)
    Z = np.vstack([Z, Z[:1]])
    ref6 = np.full(m, 6.0)
    assert hypervolume(Z, ref6) == _hv_by_counting_cells(Z, ref6)


@pytest.mark.parametrize("m", [2, 3])
@pytest.mark.parametrize("seed", range(10))
def test_pareto_mask_matches_brute_force(m: int, seed: int) -> None:
    rng = np.random.default_rng([m, seed])
    Y = rng.integers(0, 4, size=(int(rng.integers(1, 16)), m)).astype(float)  # ties, duplicates
    n = len(Y)
    brute = [
        not any(
            (np.all(Y[j] <= Y[i]) and np.any(Y[j] < Y[i])) or (j < i and np.all(Y[j] == Y[i]))
            for j in range(n)
            if j != i
        )
        for i in range(n)
    ]
    assert pareto_mask(Y).tolist() == brute


def test_pareto_mask_keeps_the_first_of_equal_rows() -> None:
    Y = np.array([[1.0, 2.0], [2.0, 1.0], [1.0, 2.0], [2.0, 2.0], [0.5, 3.0]])
    assert pareto_mask(Y).tolist() == [True, True, False, False, True]
    assert hypervolume(np.empty((0, 2)), np.ones(2)) == 0.0


# -- suites' problems and references ----------------------------------------------------------


def test_constrained_problems_reach_their_literature_optima() -> None:
    from benchmarks.constrained import PROBLEMS
    from benchmarks.constrained import reference

    literature = {
        "boundary": 1.0,
        "gardner": -2.0,
        "gramacy": 0.5998,  # Gramacy et al. 2016
        "pressure-vessel": 5885.33,  # continuous-thickness optimum
        "welded-beam": 1.724852,  # Coello 2000
    }
    for name, optimum in literature.items():
        ref = reference(name, n_random=4000)
        assert ref["optimum"] == pytest.approx(optimum, rel=2e-4), name
        assert ref["median_random"] > ref["optimum"]
    # Branin's three minima are infeasible, so the disc's optimum lies above Branin's.
    assert reference("branin-disc", n_random=4000)["optimum"] > 0.397887 + 1.0
    # The optimum is feasible and attains the reported value (welded beam, Coello's point).
    value, constraints = PROBLEMS["welded-beam"].f(
        {"h": 0.205730, "l": 3.470489, "t": 9.036624, "b": 0.205730}
    )
    assert value == pytest.approx(1.724852, rel=1e-5)
    assert max(constraints) <= 1e-4


def test_constrained_summary_ranks_and_feasibility() -> None:
    from benchmarks import constrained

    runs = [constrained.run_one(_frame.Job("gramacy", s, 0, 12, {})) for s in ("gamma", "tpe")]
    assert all(len(t["constraints"]) == 2 and t["ask_seconds"] >= 0 for t in runs[0]["trials"])
    refs = {"gramacy": constrained.reference("gramacy", n_random=2000)}
    rows = {r["sampler"]: r for r in constrained.summarise(runs, refs, (12,))["per_problem"]}
    assert sorted(r["mean_rank"] for r in rows.values()) in ([1.0, 2.0], [1.5, 1.5])
    for row in rows.values():
        assert 0.0 <= row["feasible_share"] <= 1.0 and row["mean_nreg"] >= 0.0


def test_multi_objective_fronts() -> None:
    from benchmarks import multi_objective as mo

    # ZDT1's true front f2 = 1 - sqrt(f1) dominates 2/3 of the unit square (reference (1, 1)).
    front = mo.PROBLEMS["zdt1"].front(400)
    assert mo._hv(front, np.array([1.0, 1.0])) == pytest.approx(2 / 3, abs=2e-3)
    # DTLZ2's front is the unit sphere's positive orthant: up to (1, 1, 1) it dominates the unit
    # cube less the eighth of the ball, 1 - pi / 6 (400 points approximate it from below).
    assert np.allclose(np.linalg.norm(mo.PROBLEMS["dtlz2"].front(50), axis=1), 1.0)
    assert 0.4 < mo._hv(mo.PROBLEMS["dtlz2"].front(400), np.ones(3)) < 1 - np.pi / 6
    assert mo.PROBLEMS["zdt2"].f(np.array([0.3, 0.0, 0.0, 0.0]), 0) == pytest.approx([0.3, 0.91])


def test_conditional_layers_optimum() -> None:
    from benchmarks import conditional as cd

    # The layers problem's optimum: 3 layers of widths 32, 16, 8.
    study = optuna.create_study()
    study.enqueue_trial({"n_layers": 3, "width_0": 32, "width_1": 16, "width_2": 8})
    study.optimize(cd.PROBLEMS["layers"][0], n_trials=1)
    assert study.best_value == pytest.approx(0.0)


def _wide_optimum(names: tuple[str, ...], prefix: str = "") -> dict[str, float]:
    """The wide suite's optimum: every numeric parameter at its target, except the Hartmann-6
    floats, at Hartmann's minimiser (in unit coordinates)."""
    from benchmarks import wide

    h6 = (0.20168951, 0.15001069, 0.47687397, 0.27533243, 0.31165161, 0.65730053)
    params: dict[str, float] = {}
    for name, kind, low, high, target in wide.LAYOUT_36:
        if name in names and name in wide.HARTMANN_NAMES:
            u = h6[wide.HARTMANN_NAMES.index(name)]
            log = kind == "log"
            lo, hi = (math.log(low), math.log(high)) if log else (low, high)
            target = math.exp(lo + u * (hi - lo)) if log else lo + u * (hi - lo)
        if name in names:
            params[(prefix if name not in ("epochs", "heads") else "") + name] = target
    return params


@pytest.mark.parametrize(
    "problem",
    ["wide-levy", "wide-hartmann", "wide-levy-noisy", "wide-branched"]
    + ["wide36-levy", "wide36-hartmann-noisy"],
)
def test_wide_optimum_is_attained_and_below_random_points(problem: str) -> None:
    from benchmarks import wide

    truth, optimum = wide.PROBLEMS[problem]
    wide36 = problem.startswith("wide36")
    layout = wide.LAYOUT_36 if wide36 else wide.LAYOUT
    all_names = tuple(s[0] for s in layout)
    choices = {"optimizer": "adam", "schedule": "cosine"}
    if wide36:
        choices |= {"2_optimizer": "adam", "2_schedule": "cosine"}
    if problem == "wide-branched":
        h_names = tuple(s[0] for s in wide._SHARED + wide._H_BRANCH)
        params: dict[str, Any] = {"family": "hartmann", **_wide_optimum(h_names, "h_")}
    elif "hartmann" in problem:
        params = {**choices, **_wide_optimum(all_names)}
    else:
        params = {**choices, **{s[0]: s[4] for s in layout}}
    study = optuna.create_study()
    study.enqueue_trial(params)
    study.optimize(truth, n_trials=1)
    assert study.best_value == pytest.approx(optimum, abs=1e-9)
    n_params = 15 if problem == "wide-branched" else 36 if wide36 else 18
    assert len(study.trials[0].params) == n_params
    # the optimum is below every random point, and the Levy branch stays above it
    random_study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    random_study.optimize(truth, n_trials=200)
    assert min(t.value for t in random_study.trials) > optimum + 1e-3  # type: ignore[operator]
    if problem == "wide-branched":
        levy_values = [t.value for t in random_study.trials if t.params["family"] == "levy"]
        assert levy_values and min(levy_values) >= -2.5  # type: ignore[type-var]


def test_wide36_space_turns_on_the_many_dimension_trust_region() -> None:
    """The wide36 problems exist to check ``trust_region_from`` (20 by default) in mixed
    spaces: at least 20 of their parameters are relaxed; the 18-parameter ones stay below."""
    from benchmarks import wide
    from optuna_gamma._search_space import SearchSpace
    from optuna_gamma.surrogate import SurrogateSettings

    threshold = SurrogateSettings().trust_region_from
    assert threshold is not None
    relaxed = {}
    for problem in ("wide-levy", "wide36-levy"):
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        study.optimize(wide.PROBLEMS[problem][0], n_trials=1)
        relaxed[problem] = int(SearchSpace(study.trials[0].distributions).is_relaxed.sum())
    assert relaxed["wide-levy"] < threshold <= relaxed["wide36-levy"]
    # run by name (``--problems wide36``), not by the committed run's default
    assert wide.SUITES["wide"].groups["wide36"] == wide.WIDE36
    assert len(wide.WIDE36) == 4 and not set(wide.WIDE36) & set(wide.DEFAULT_PROBLEMS)
    sampler = wide.make_sampler("gamma-whole-box-20", 0)
    assert sampler.surrogate_settings.trust_region_from is None  # type: ignore[attr-defined]


def test_wide_noise_is_keyed_by_seed_and_trial_and_the_regret_by_the_truth() -> None:
    from benchmarks import wide

    runs = [wide.run_one(_frame.Job("wide-levy-noisy", "random", s, 6, {})) for s in (0, 0, 1)]
    noise = [[t["value"] - t["truth"] for t in r["trials"]] for r in runs]
    assert noise[0] == noise[1] != noise[2]  # the same seed draws the same noise
    assert np.std(noise[0]) > 1.0  # wide.NOISE_SD: 30
    clean = wide.run_one(_frame.Job("wide-levy", "random", 0, 6, {}))
    assert all(t["value"] == t["truth"] for t in clean["trials"])
    refs = {"wide-levy-noisy": 300.0}
    rows = wide.summarise(runs[:1], refs, (6,))["per_problem"]
    best_truth = min(t["truth"] for t in runs[0]["trials"])
    assert rows[0]["mean_nreg"] == pytest.approx(best_truth / 300.0)


def test_wide_report_keeps_every_problem_and_ranks_the_noise_settings_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quick = ["--quick", "--out", str(tmp_path), "--n-trials", "8"]
    both = "wide-levy,wide-levy-noisy"
    assert _frame.main("wide", [*quick, "--problems", both, "--samplers", "gamma,random"]) == 0
    noisy = ["--problems", "wide-levy-noisy", "--samplers", "gamma-noise-prior1"]
    assert _frame.main("wide", [*quick, *noisy]) == 0
    capsys.readouterr()
    summary = json.loads((tmp_path / "summary.json").read_text())
    main_rows = {(r["problem"], r["sampler"]) for r in summary["per_problem"]}
    assert main_rows == {(p, s) for p in both.split(",") for s in ("gamma", "random")}
    noise_rows = {(r["problem"], r["sampler"]) for r in summary["noise_settings"]["per_problem"]}
    assert noise_rows == {
        ("wide-levy-noisy", s) for s in ("gamma", "random", "gamma-noise-prior1")
    }
    text = (tmp_path / "results.md").read_text()
    assert "## The noisy problems with the noise settings" in text


@pytest.mark.parametrize("problem", ["f01-d02", "f15-d05", "f21-d10"])
def test_bbob_optimum_is_below_every_random_point(problem: str) -> None:
    from benchmarks import bbob

    for seed in (0, 3):
        ref = bbob.reference(problem, seed)
        f, d, lo, hi = bbob._objective(problem, seed)
        X = np.random.default_rng(seed).uniform(lo, hi, (2000, d))
        assert ref["optimum"] <= min(f(x) for x in X)
        assert ref["optimum"] < ref["median"]
    # the seed picks the instance: another optimum
    assert bbob.reference(problem, 0)["optimum"] != bbob.reference(problem, 3)["optimum"]


def test_bbob_summary_ranks_and_normalised_regret() -> None:
    from benchmarks import bbob

    runs = [
        bbob.run_one(_frame.Job(p, s, 0, 12, {}))
        for p in ("f03-d02", "hartmann6")
        for s in ("gamma", "tpe")
    ]
    assert all(len(r["trials"]) == 12 == len(r["ask_seconds"]) for r in runs)
    refs = {bbob.ref_key(p, 0): bbob.reference(p, 0) for p in ("f03-d02", "hartmann6")}
    summary = bbob.summarise(runs, refs, (10, 12))
    rows = {(r["problem"], r["sampler"], r["budget"]): r for r in summary["per_problem"]}
    for p in ("f03-d02", "hartmann6"):
        ref = refs[bbob.ref_key(p, 0)]
        for b in (10, 12):
            ranks = sorted([rows[(p, "gamma", b)]["mean_rank"], rows[(p, "tpe", b)]["mean_rank"]])
            assert ranks in ([1.0, 2.0], [1.5, 1.5])
            run = next(r for r in runs if r["problem"] == p and r["sampler"] == "gamma")
            nreg = (min(run["trials"][:b]) - ref["optimum"]) / (ref["median"] - ref["optimum"])
            assert rows[(p, "gamma", b)]["mean_nreg"] == pytest.approx(nreg)
            assert rows[(p, "gamma", b)]["stuck"] == float(nreg > bbob.STUCK)
    # the overall table is over the bbob problems only, Hartmann-6 is reported on its own
    assert {r["problems"] for r in summary["overall"]} == {1}


@pytest.mark.parametrize("variant", ["gamma-0.1", "gamma-dimprior", "gamma-loosefit"])
def test_bbob_variants_change_suggestions_after_the_start_up(variant: str) -> None:
    from benchmarks import bbob

    new = bbob.run_one(_frame.Job("f15-d02", "gamma", 0, 20, {}))["trials"]
    old = bbob.run_one(_frame.Job("f15-d02", variant, 0, 20, {}))["trials"]
    assert new[:5] == old[:5]  # the same start-up points
    if variant != "gamma-loosefit":  # the loose fit differs only in the last digits here
        assert new != old


def test_dimension_scaled_prior_gradient() -> None:
    from benchmarks.bbob import dimension_scaled_lengthscale_prior as prior

    inv_ls2 = np.array([1.0, 4.0, 0.3])
    theta = np.log(inv_ls2)
    value, grad = prior(inv_ls2)
    for j in range(3):
        step = np.zeros(3)
        step[j] = 1e-6
        assert (prior(np.exp(theta + step))[0] - value) / 1e-6 == pytest.approx(grad[j], abs=1e-4)
    # the prior peaks at l = exp(sqrt(2) + log(d) / 2), i.e. inv_ls2 = exp(-2 (sqrt(2) + ...))
    peak = np.exp(-2 * (np.sqrt(2) + 0.5 * np.log(3)))
    assert prior(np.full(3, peak))[1] == pytest.approx(np.zeros(3), abs=1e-12)


def test_a_partial_overhead_run_never_replaces_the_committed_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``--max-n 100`` without ``--quick`` once overwrote the committed table with a partial
    one; only the full measurement may write there."""
    from benchmarks import overhead

    written = []
    monkeypatch.setattr(overhead, "measure", lambda *a, **k: [])
    monkeypatch.setattr(
        overhead, "output_dir", lambda out, quick: written.append(quick) or tmp_path
    )
    monkeypatch.setattr(overhead, "write_markdown", lambda *a, **k: None, raising=False)
    for argv in (["--max-n", "100"], ["--sizes", "25"], ["--repeats", "2"], ["--samplers", "gp"]):
        written.clear()
        try:
            overhead.main(argv)
        except Exception:  # noqa: BLE001 - the report of an empty measurement may fail; the folder is chosen first
            pass
        assert written == [True], argv
    written.clear()
    try:
        overhead.main([])
    except Exception:  # noqa: BLE001
        pass
    assert written == [False]


def test_copy_runs_brings_runs_together_renames_and_keeps_existing(tmp_path: Path) -> None:
    """scripts/copy_runs.py: runs of the named samplers from a folder's archive and files into
    another folder's raw/, one sampler filed under a new name, a run already there kept."""
    import lzma

    from benchmarks import bbob

    def run(sampler: str, seed: int, values: list[float]) -> dict[str, Any]:
        return {"problem": "f01-d20", "sampler": sampler, "seed": seed, "trials": values}

    source, dest = tmp_path / "source", tmp_path / "dest"
    source.mkdir()
    with lzma.open(source / "runs.jsonl.xz", "wt") as fh:  # the archive, packed
        for r in (run("gamma", 0, [3.0, 2.0, 2.5]), run("gp", 0, [4.0, 1.0, 1.0])):
            fh.write(json.dumps(bbob.pack(r)) + "\n")
    store = _frame.Store(dest, bbob.SUITES["bbob_large"])
    store.save(run("gp", 0, [9.0, 9.0, 9.0]))  # already there: kept
    script = Path(__file__).resolve().parents[1] / "scripts" / "copy_runs.py"
    args = ["bbob_large", str(source), str(dest), "--samplers", "gamma,gp"]
    out = subprocess.run(
        [sys.executable, str(script), *args, "--rename", "gamma=gamma-nolocal"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "copied 1 runs" in out.stdout
    runs = store.load()
    assert set(runs) == {("f01-d20", "gamma-nolocal", 0), ("f01-d20", "gp", 0)}
    assert runs[("f01-d20", "gamma-nolocal", 0)]["trials"] == [3.0, 2.0, 2.0]  # best so far
    assert runs[("f01-d20", "gp", 0)]["trials"] == [9.0, 9.0, 9.0]
    # --seeds: only those seeds' runs
    later = tmp_path / "later"
    for seed in (0, 1, 2):
        _frame.Store(source, bbob.SUITES["bbob_large"]).save(run("cmaes", seed, [1.0, 1.0, 1.0]))

    def copy_later(*options: str) -> None:
        command = [sys.executable, str(script), "bbob_large", str(source), str(later)]
        subprocess.run([*command, *options], check=True, capture_output=True)

    copy_later("--samplers", "cmaes", "--seeds", "0-1")
    later_runs = _frame.Store(later, bbob.SUITES["bbob_large"]).load()
    assert set(later_runs) == {("f01-d20", "cmaes", 0), ("f01-d20", "cmaes", 1)}
    # --problems: only those problems' runs
    _frame.Store(source, bbob.SUITES["bbob_large"]).save(
        {**run("tpe-mv", 0, [1.0]), "problem": "f21-d20"}
    )
    _frame.Store(source, bbob.SUITES["bbob_large"]).save(run("tpe-mv", 0, [1.0]))
    copy_later("--samplers", "tpe-mv", "--problems", "f21-d20")
    later_runs = _frame.Store(later, bbob.SUITES["bbob_large"]).load()
    assert {k for k in later_runs if k[1] == "tpe-mv"} == {("f21-d20", "tpe-mv", 0)}


def test_compare_bbob_runs_finds_a_changed_run_and_its_function(tmp_path: Path) -> None:
    """scripts/compare_bbob_runs.py: an identical fresh run passes, a worse one is named, and
    --regret --by-function gives the worse run's function its regret difference."""
    import lzma

    from benchmarks import bbob

    def run(problem: str, values: list[float]) -> dict[str, Any]:
        return {"problem": problem, "sampler": "gamma", "seed": 0, "trials": values}

    archive = tmp_path / "archive"
    archive.mkdir()
    old = [run("f01-d02", [4.0] * 100), run("f16-d02", [4.0] * 50 + [0.0] * 50)]
    with lzma.open(archive / "runs.jsonl.xz", "wt") as fh:
        for r in old:
            fh.write(json.dumps(bbob.pack(r)) + "\n")
    refs = {bbob.ref_key(p, 0): {"optimum": 0.0, "median": 10.0} for p in ("f01-d02", "f16-d02")}
    (archive / "references.json").write_text(json.dumps(refs))
    fresh = _frame.Store(tmp_path / "fresh", bbob.SUITES["bbob"])
    fresh.save(run("f01-d02", [4.0] * 100))  # identical
    fresh.save(run("f16-d02", [4.0] * 100))  # worse from trial 50 on: regret 0.4 against 0
    script = Path(__file__).resolve().parents[1] / "scripts" / "compare_bbob_runs.py"
    base = [sys.executable, str(script), str(tmp_path / "fresh")]
    base += ["--archive", str(archive / "runs.jsonl.xz")]
    plain = subprocess.run(base, capture_output=True, text=True)
    assert plain.returncode == 1
    assert "('f01-d02', 'gamma', 0): identical" in plain.stdout
    assert "('f16-d02', 'gamma', 0): DIFFERENT" in plain.stdout
    out = subprocess.run([*base, "--regret", "--by-function"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "| f01 | 1 | +0.000 | +0.000 | +0.000 |" in out.stdout
    assert "| f16 | 1 | +0.000 | +0.000 | +0.400 |" in out.stdout
    # A committed folder holds its runs packed (--archive), not under raw/.
    packed = tmp_path / "packed"
    packed.mkdir()
    with lzma.open(packed / "runs.jsonl.xz", "wt") as fh:
        fh.write(json.dumps(bbob.pack(run("f16-d02", [4.0] * 100))) + "\n")
    base[2] = str(packed)
    out = subprocess.run(base, capture_output=True, text=True)
    assert out.returncode == 1
    assert "('f16-d02', 'gamma', 0): DIFFERENT" in out.stdout
    assert "0 of 1 runs identical" in out.stdout
    # --sampler keeps one sampler's fresh runs (a default against its ablation in one folder),
    # --budgets sets the budgets of the tables.
    with lzma.open(packed / "runs.jsonl.xz", "wt") as fh:
        for r in (run("f16-d02", [4.0] * 100), {**run("f16-d02", [1.0] * 100), "sampler": "b"}):
            fh.write(json.dumps(bbob.pack(r)) + "\n")
    chosen = [*base, "--regret", "--by-function", "--sampler", "b", "--against", "gamma"]
    out = subprocess.run([*chosen, "--budgets", "10,60"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "0 of 1 runs identical" in out.stdout  # b's run only, against the archived gamma's
    assert "| f16 | 1 | -0.300 | +0.100 |" in out.stdout  # 0.1 against 0.4, then against 0
    assert "| all (1) | 60 | 0.1000 | 0.0000 |" in out.stdout
    bad = subprocess.run([*base, "--budgets", "ten"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--budgets" in bad.stderr


def test_noisy_high_dim_pairs_the_default_with_the_whole_box(tmp_path: Path) -> None:
    """scripts/noisy_high_dim.py: both variants on the same noisy 20-D problem and seed, a
    table row per budget with a paired difference that is theirs; bad options are named."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "noisy_high_dim.py"
    base = [sys.executable, str(script), "--problems", "f01-d20", "--seeds", "0"]
    out = subprocess.run([*base, "--n-trials", "8"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if line.startswith("| 8 |")]
    assert len(rows) == 1, out.stdout
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    default, whole = float(cells[1]), float(cells[2])
    assert 0.0 <= default <= 1.0 and 0.0 <= whole <= 1.0
    assert cells[3].startswith(f"{default - whole:+.4f}")  # one problem: no standard error
    for bad, name in (("--n-trials=0", "--n-trials"), ("--level=-1", "--level")):
        wrong = subprocess.run([*base, bad], capture_output=True, text=True)
        assert wrong.returncode == 2 and name in wrong.stderr
    wrong = subprocess.run([*base[:2], "--problems", "f02-d05"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "f02-d05" in wrong.stderr


def test_trace_bbob_run_summarises_each_window_and_names_bad_options() -> None:
    """scripts/trace_bbob_run.py: one table row per window, distances in the unit cube of 20
    dimensions and shares as percentages; a bad window, problem or sampler is named."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "trace_bbob_run.py"
    base = [sys.executable, str(script), "f01-d20", "0", "--n-trials", "12"]
    out = subprocess.run([*base, "--windows", "2-6,6-12"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if line.startswith(("| 2–6", "| 6–12"))]
    assert len(rows) == 2, out.stdout
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert 0.0 < float(cells[1]) <= 20**0.5  # the unit cube's diameter
        for share in cells[2:]:
            assert share.endswith("%") and 0 <= int(share[:-1]) <= 100
    assert "normalised regret" not in out.stdout  # no mark within 12 trials
    for bad, name in (
        (["--windows", "6-2"], "--windows"),
        (["--windows", "0-13"], "--windows"),
        (["--sampler", "nope"], "--sampler"),
    ):
        wrong = subprocess.run([*base, *bad], capture_output=True, text=True)
        assert wrong.returncode == 2 and name in wrong.stderr, wrong.stderr
    wrong = subprocess.run([*base[:2], "f02-d99", "0"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "f02-d99" in wrong.stderr


def test_compare_summaries_pairs_the_tasks_both_reports_hold(tmp_path: Path) -> None:
    """scripts/compare_summaries.py: the paired difference over the tasks in both summaries
    (the noisy suite's ``per_task`` with methods, the others' ``per_problem`` with samplers)."""

    def row(problem: str, method: str, budget: int, value: float) -> dict[str, Any]:
        return {"problem": problem, "method": method, "budget": budget, "mean_nreg": value}

    new = {"per_task": [row("a", "v/predicted", 25, 0.1), row("b", "v/predicted", 25, 0.3),
                        row("c", "v/predicted", 25, 0.9)]}  # fmt: skip
    base = {"per_problem": [{"problem": p, "sampler": "gp", "budget": 25, "mean_nreg": v}
                            for p, v in (("a", 0.2), ("b", 0.6))]}  # fmt: skip
    (tmp_path / "new.json").write_text(json.dumps(new))
    (tmp_path / "base.json").write_text(json.dumps(base))
    script = Path(__file__).resolve().parents[1] / "scripts" / "compare_summaries.py"
    args = [sys.executable, str(script), str(tmp_path / "new.json"), str(tmp_path / "base.json")]
    out = subprocess.run([*args, "--new", "v/predicted", "--base", "gp"], capture_output=True,
                         text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    # Tasks a and b: means 0.2 and 0.4, differences -0.1 and -0.3 (mean -0.2, se 0.1).
    assert "| gp | 25 | 2 | 0.200 | 0.400 | -0.200 ± 0.100 |" in out.stdout
    missing = subprocess.run([*args, "--new", "w/predicted", "--base", "gp"],
                             capture_output=True, text=True)  # fmt: skip
    assert missing.returncode != 0
    assert "no rows of 'w/predicted'" in missing.stderr
    # The wide suite keeps its noise settings' rows apart, under noise_settings.
    base["noise_settings"] = {"per_problem": [{"problem": "c", "sampler": "gamma-noise-check",
                                               "budget": 25, "mean_nreg": 0.5}]}  # fmt: skip
    (tmp_path / "base.json").write_text(json.dumps(base))
    setting = subprocess.run([*args, "--new", "v/predicted", "--base", "gamma-noise-check"],
                             capture_output=True, text=True)  # fmt: skip
    assert setting.returncode == 0, setting.stderr
    assert "| gamma-noise-check | 25 | 1 | 0.900 | 0.500 | +0.400" in setting.stdout
    only_a = subprocess.run([*args, "--new", "v/predicted", "--base", "gp", "--problems", "a"],
                            capture_output=True, text=True)  # fmt: skip
    assert only_a.returncode == 0, only_a.stderr
    assert "| gp | 25 | 1 | 0.100 | 0.200 | -0.100 ± nan |" in only_a.stdout
    typo = subprocess.run([*args, "--new", "v/predicted", "--base", "gp", "--problems", "a,z"],
                          capture_output=True, text=True)  # fmt: skip
    assert typo.returncode != 0
    assert "--problems: no rows of 'v/predicted' for z; its tasks are a, b, c" in typo.stderr


def test_noisy_search_reports_the_search_apart_from_the_recommendation(tmp_path: Path) -> None:
    """scripts/noisy_search.py: the best truth among the trials, the median truth of the second
    half, and the share of its coordinates on the box's bounds."""
    from benchmarks import noisy

    ref = noisy.reference("branin-gauss-low")
    scale = ref["median"] - ref["optimum"]
    trials = [{"value": 50.0, "truth": 50.0, "params": {"x0": -5.0, "x1": 7.0}} for _ in range(25)]
    trials[3] = {"value": 40.0, "truth": ref["optimum"], "params": {"x0": 3.0, "x1": 2.0}}
    trials[7] = {"value": -1.0, "truth": ref["median"], "params": {"x0": 10.0, "x1": 15.0}}
    run = {"problem": "branin-gauss-low", "sampler": "gamma", "seed": 0, "trials": trials,
           "predicted": {"25": 3}, "reeval": {}}  # fmt: skip
    _frame.Store(tmp_path, noisy.SUITES["noisy"]).save(run)
    script = Path(__file__).resolve().parents[1] / "scripts" / "noisy_search.py"
    out = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True,
                         text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    # evaluated: trial 3 (0); predicted: trial 3; best: trial 7 (the median: 1); trials 12-24
    # all at truth 50, one of their two coordinates on a bound.
    trials_nreg = (50.0 - ref["optimum"]) / scale
    expected = f"| synthetic | gamma | 25 | 0.000 | 0.000 | 1.000 | {trials_nreg:.3f} | 0.500 |"
    assert expected in out.stdout
    assert "| gamma | 50 |" not in out.stdout  # a shorter run has no row at 50
    empty = subprocess.run([sys.executable, str(script), str(tmp_path / "none")],
                           capture_output=True, text=True)  # fmt: skip
    assert empty.returncode != 0 and "no runs" in empty.stderr
