"""Tests of the benchmarks: problem values, grid, CLI parsing, regret, the quick end-to-end run."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
from pathlib import Path
import subprocess
import sys

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from benchmarks import report as bench_report
from benchmarks import run as bench_run
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


def test_cli_parsers_name_the_argument() -> None:
    assert bench_run.parse_seeds("0-2,5") == [0, 1, 2, 5]
    with pytest.raises(ValueError, match="--seeds"):
        bench_run.parse_seeds("a-b")
    with pytest.raises(ValueError, match="--problems.*valid"):
        resolve_problems("branin,nope")
    with pytest.raises(ValueError, match="--samplers.*valid samplers"):
        resolve_samplers("tpe,nope")
    assert resolve_problems("core") == list(CORE_SET)
    assert resolve_samplers("all") == list(SAMPLERS)


def test_cli_error_exit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bench_run.main(["--samplers", "nope"])
    assert "--samplers" in capsys.readouterr().err


def _write_run(raw: Path, problem: str, sampler: str, seed: int, n: int, values: list) -> None:
    direction = PROBLEMS[problem].direction
    path = bench_run.run_path(raw, problem, sampler, seed, n)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=bench_run.CSV_FIELDS)
        w.writeheader()
        for i, v in enumerate(values):
            w.writerow(
                {
                    "problem": problem,
                    "sampler": sampler,
                    "seed": seed,
                    "direction": direction,
                    "trial": i,
                    "state": "COMPLETE" if v is not None else "FAIL",
                    "value": "" if v is None else v,
                    "best": "",
                    "sampler_s": 0.01 * (i + 1),
                    "objective_s": 0.001,
                    "params": json.dumps({}),
                }
            )


def test_regret_on_hand_made_csv(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "t"
    raw.mkdir(parents=True)
    opt = PROBLEMS["branin"].optimum
    assert opt is not None
    # minimise: regret = best - f*; a failed trial (None) is skipped
    _write_run(raw, "branin", "a", 0, 10, [5, 3, None, 4, 2, 9, 9, 9, 9, 9])
    _write_run(raw, "branin", "a", 1, 10, [7, 6, 6, 6, 6, 6, 6, 6, 6, 1])
    # grid stopped after 4 trials: carried forward to budget 10
    _write_run(raw, "branin", "b", 0, 10, [8, 0.5, 9, 9])
    # maximise: regret = f* - best
    _write_run(raw, "blog1d", "a", 0, 10, [1.0, 1.5, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    _write_run(raw, "blog1d", "b", 0, 10, [1.6] * 10)

    rows, budgets, notes = bench_report.summarise(bench_report.load_runs(raw))
    assert budgets == [10]
    by = {(r["problem"], r["sampler"]): r for r in rows}
    assert by[("branin", "a")]["regret_median"] == pytest.approx(np.median([2 - opt, 1 - opt]))
    assert by[("branin", "a")]["regret_q25"] == pytest.approx(
        np.percentile([2 - opt, 1 - opt], 25)
    )
    assert by[("branin", "b")]["regret_median"] == pytest.approx(0.5 - opt)
    assert by[("blog1d", "a")]["regret_median"] == pytest.approx(1.7074958733 - 1.5)
    assert by[("blog1d", "b")]["regret_median"] == pytest.approx(1.7074958733 - 1.6)
    # normalised by the regret of the median first value: branin firsts 5, 7, 8 -> 7
    assert by[("branin", "b")]["nregret_median"] == pytest.approx((0.5 - opt) / (7 - opt))
    assert notes["blog1d"]["known"]
    # ranks: b beats a on both problems
    assert by[("branin", "b")]["rank"] == 1 and by[("blog1d", "b")]["rank"] == 1
    samplers, problems, ranks = bench_report.mean_ranks(rows, budgets)
    assert ranks[("b", 10)] == 1.0 and ranks[("a", 10)] == 2.0
    assert by[("branin", "a")]["sampler_s_median"] == pytest.approx(0.055)


def test_unknown_optimum_uses_best_seen(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "t"
    raw.mkdir(parents=True)
    _write_run(raw, "svc-cancer", "a", 0, 3, [0.90, 0.95, 0.93])
    _write_run(raw, "svc-cancer", "b", 0, 3, [0.97, 0.91, 0.92])
    rows, _, notes = bench_report.summarise(bench_report.load_runs(raw))
    assert notes["svc-cancer"]["optimum"] == pytest.approx(0.97)
    assert not notes["svc-cancer"]["known"]
    by = {r["sampler"]: r for r in rows}
    assert by["a"]["regret_median"] == pytest.approx(0.02)
    assert by["b"]["regret_median"] == pytest.approx(0.0)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_quick_end_to_end(tmp_path: Path) -> None:
    res = _cli("benchmarks.run", "--quick", "--out", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    raw = tmp_path / "raw" / "quick"
    n_csv = len(list(raw.glob("*.csv")))
    assert n_csv == 3 * 4 * 2  # problems x samplers x seeds
    again = _cli("benchmarks.run", "--quick", "--out", str(tmp_path))
    assert again.returncode == 0 and "0 runs to do" in again.stdout  # resumable
    rep = _cli("benchmarks.report", "--tag", "quick", "--out", str(tmp_path))
    assert rep.returncode == 0, rep.stdout + rep.stderr
    # By default a report goes beside the raw runs, never into the committed results folder.
    assert not (tmp_path / "quick").exists()
    dest = raw / "report"
    assert sorted(p.name for p in dest.iterdir()) == [
        "head_to_head.csv",
        "regret.png",
        "results.md",
        "summary.csv",
    ]
    published = _cli(
        "benchmarks.report", "--tag", "quick", "--out", str(tmp_path), "--publish", "--no-plot"
    )
    assert published.returncode == 0, published.stdout + published.stderr
    assert (tmp_path / "quick" / "results.md").read_text().count("Mean rank") >= 1
    with (dest / "summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["sampler"] for r in rows} == {"gamma-t", "gp", "tpe", "random"}
    assert all(float(r["regret_median"]) >= 0 for r in rows)
    md = (dest / "results.md").read_text()
    assert "Mean rank" in md and "commit" in md and "benchmarks.run --quick" in md
    assert str(REPO) not in md  # no absolute path of this checkout in a results file
    assert (dest / "regret.png").stat().st_size > 10_000


def test_command_line_paths_inside_the_repository_are_relative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from benchmarks import _env

    results = REPO / "benchmarks" / "results"
    monkeypatch.setattr(
        sys, "argv", ["report.py", "--tag", "quick", "--out", str(results), f"--dest={results}/x"]
    )
    line = _env.command_line()
    assert str(REPO) not in line
    assert "--out benchmarks/results" in line and "--dest=benchmarks/results/x" in line
    assert _env.shown_path("/elsewhere/file") == "/elsewhere/file"


@pytest.mark.parametrize(
    ("publish", "dest", "untouched"),
    [(False, "raw/overhead", "overhead"), (True, "overhead", "raw/overhead")],
)
def test_overhead_quick(tmp_path: Path, publish: bool, dest: str, untouched: str) -> None:
    # Without --publish a run (quick or full) writes beside the raw runs, never into the
    # committed table's folder; --publish writes that folder.
    res = _cli(
        "benchmarks.overhead",
        "--max-n",
        "25",
        "--repeats",
        "2",
        "--samplers",
        "gamma-t,gp,tpe",
        "--out",
        str(tmp_path),
        *(["--publish"] if publish else []),
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert not (tmp_path / untouched).exists()
    with (tmp_path / dest / "overhead.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["sampler"], r["n_trials"]) for r in rows} == {
        ("gamma-t", "25"),
        ("gp", "25"),
        ("tpe", "25"),
    }
    gp = next(r for r in rows if r["sampler"] == "gp")
    assert float(gp["ratio_to_gp"]) == 1.0
    assert "ratio" in (tmp_path / dest / "overhead.md").read_text()


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


def test_overhead_writes_the_committed_table_only_with_publish() -> None:
    from benchmarks import overhead

    committed = REPO / "benchmarks" / "results" / "overhead"
    assert overhead.output_dir(overhead.DEFAULT_OUT, publish=True) == committed
    default = overhead.output_dir(overhead.DEFAULT_OUT, publish=False)
    assert default != committed
    assert _git_ignores(default / "overhead.md")
    assert not _git_ignores(committed / "overhead.md")


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


def test_constrained_benchmark_runs_and_reports(tmp_path: Path) -> None:
    from benchmarks import constrained

    result = constrained.run_one("gramacy", "gamma", seed=0, n_trials=12)
    assert len(result["trials"]) == 12
    assert all(len(t["constraints"]) == 2 and t["ask_seconds"] >= 0 for t in result["trials"])
    other = constrained.run_one("gramacy", "tpe", seed=0, n_trials=12)
    refs = {"gramacy": constrained.reference("gramacy", n_random=2000)}
    summary = constrained.summarise([result, other], refs, (12,))
    rows = {r["sampler"]: r for r in summary["per_problem"]}
    assert set(rows) == {"gamma", "tpe"}
    assert sorted([rows["gamma"]["mean_rank"], rows["tpe"]["mean_rank"]]) in (
        [1.0, 2.0],
        [1.5, 1.5],
    )
    for row in rows.values():
        assert 0.0 <= row["feasible_share"] <= 1.0 and row["mean_nreg"] >= 0.0
    constrained.write_report(tmp_path, [result, other], refs, "test")
    assert "| gramacy | 12 | gamma | 1 |" in (tmp_path / "results.md").read_text()


def test_multi_objective_benchmark_fronts_and_report(tmp_path: Path) -> None:
    from benchmarks import multi_objective as mo

    # ZDT1's true front f2 = 1 - sqrt(f1) dominates 2/3 of the unit square (reference (1, 1)).
    front = mo.PROBLEMS["zdt1"].front(400)
    assert mo._hv(front, np.array([1.0, 1.0])) == pytest.approx(2 / 3, abs=2e-3)
    # Points on the true fronts satisfy their equations.
    assert np.allclose(np.linalg.norm(mo.PROBLEMS["dtlz2"].front(50), axis=1), 1.0)
    value = mo.PROBLEMS["zdt2"].f(np.array([0.3, 0.0, 0.0, 0.0]), 0)
    assert value == pytest.approx([0.3, 1 - 0.09])
    runs = [mo.run_one("zdt1", s, seed=0, n_trials=12) for s in ("gamma", "nsga2")]
    assert all(len(r["trials"]) == 12 and len(r["trials"][0]["values"]) == 2 for r in runs)
    refs = {"zdt1": {"0": mo.reference_point("zdt1", 0, n=300).tolist()}}
    summary = mo.summarise(runs, refs, (12,))
    rows = {r["sampler"]: r for r in summary["per_problem"]}
    assert set(rows) == {"gamma", "nsga2"}
    assert all(0.0 <= r["mean_nreg"] <= 1.0 for r in rows.values())
    mo.write_report(tmp_path, runs, refs, "test")
    assert "| zdt1 | 12 | gamma | 1 |" in (tmp_path / "results.md").read_text()


def test_conditional_benchmark_problems_and_report(tmp_path: Path) -> None:
    from benchmarks import conditional as cd

    # The layers problem's optimum: 3 layers of widths 32, 16, 8.
    study = optuna.create_study()
    study.enqueue_trial({"n_layers": 3, "width_0": 32, "width_1": 16, "width_2": 8})
    study.optimize(cd.PROBLEMS["layers"][0], n_trials=1)
    assert study.best_value == pytest.approx(0.0)
    runs = [cd.run_one("two-branch", s, seed=0, n_trials=12) for s in ("gamma", "tpe")]
    assert all(len(r["trials"]) == 12 for r in runs)
    summary = cd.summarise(runs, {"two-branch": 3.0}, (12,))
    rows = {r["sampler"]: r for r in summary["per_problem"]}
    assert set(rows) == {"gamma", "tpe"} and all(r["mean_nreg"] >= 0 for r in rows.values())
    cd.write_report(tmp_path, runs, {"two-branch": 3.0}, "test")
    assert "| two-branch | 12 | gamma | 1 |" in (tmp_path / "results.md").read_text()


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


def test_bbob_benchmark_runs_ranks_and_reports(tmp_path: Path) -> None:
    from benchmarks import bbob

    runs = [bbob.run_one(p, s, 0, 12) for p in ("f03-d02", "hartmann6") for s in ("gamma", "tpe")]
    assert all(len(r["trials"]) == 12 == len(r["ask_seconds"]) for r in runs)
    refs = {bbob.ref_key(p, 0): bbob.reference(p, 0) for p in ("f03-d02", "hartmann6")}
    summary = bbob.summarise(runs, refs, (10, 12))
    rows = {(r["problem"], r["sampler"], r["budget"]): r for r in summary["per_problem"]}
    for p in ("f03-d02", "hartmann6"):
        for b in (10, 12):
            ranks = sorted([rows[(p, "gamma", b)]["mean_rank"], rows[(p, "tpe", b)]["mean_rank"]])
            assert ranks in ([1.0, 2.0], [1.5, 1.5])
            best = min(
                next(r for r in runs if r["problem"] == p and r["sampler"] == "gamma")["trials"][
                    :b
                ]
            )
            nreg = (best - refs[bbob.ref_key(p, 0)]["optimum"]) / (
                refs[bbob.ref_key(p, 0)]["median"] - refs[bbob.ref_key(p, 0)]["optimum"]
            )
            assert rows[(p, "gamma", b)]["mean_nreg"] == pytest.approx(nreg)
            assert rows[(p, "gamma", b)]["stuck"] == float(nreg > bbob.STUCK)
    # the overall table is over the bbob problems only, Hartmann-6 is reported on its own
    assert {r["problems"] for r in summary["overall"]} == {1}
    bbob.write_report(tmp_path, runs, refs, "test")
    text = (tmp_path / "results.md").read_text()
    assert (
        "| hartmann6 | 10 | gamma | 1 |" in text  # budgets all runs reached
        and "### multimodal, weak global structure" in text
    )


def test_bbob_variants_patch_only_their_run() -> None:
    from benchmarks import bbob
    from optuna_gamma import _gp
    from optuna_gamma import surrogate

    new = bbob.run_one("f15-d02", "gamma", 0, 20)["trials"]
    old = bbob.run_one("f15-d02", "gamma-0.1", 0, 20)["trials"]
    assert new[:5] == old[:5]  # the same start-up points
    assert new != old  # and then the 0.1 decisions
    assert _gp.INV_LS2_PRIOR_MODE == 4.0 and surrogate._STARTS == "roulette"  # restored
    assert _gp.LOOSE_FIT_FROM == 200
    assert _gp.log_prior is not bbob._dimension_scaled_log_prior


def test_dimension_scaled_prior_gradient() -> None:
    from benchmarks import bbob
    from optuna_gamma import _gp

    hp = _gp.Hyperparams(np.array([1.0, 4.0, 0.3]), 0.01)
    theta = hp.to_theta(True)
    value, grad = bbob._dimension_scaled_log_prior(hp, True)
    for j in range(len(theta)):
        step = np.zeros_like(theta)
        step[j] = 1e-6
        up = bbob._dimension_scaled_log_prior(
            _gp.Hyperparams.from_theta(theta + step, 3, True), True
        )
        assert (up[0] - value) / 1e-6 == pytest.approx(grad[j], abs=1e-4)
    # the lengthscale part peaks at l = exp(sqrt(2) + log(d) / 2)
    peak = np.exp(-2 * (np.sqrt(2) + 0.5 * np.log(3)))
    assert bbob._dimension_scaled_log_prior(_gp.Hyperparams(np.full(3, peak), 0.01), False)[
        1
    ] == pytest.approx(np.zeros(3), abs=1e-12)


def test_ablations_run_only_when_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from benchmarks import _runs

    def parse(*argv: str) -> str:
        monkeypatch.setattr(sys, "argv", ["bench", *argv])
        args = _runs.parse_args("doc", ["p"], ["a", "b"], tmp_path, ablations=["a-x"])
        return str(args.samplers)

    assert parse() == "a,b"
    assert parse("--samplers", "a,a-x") == "a,a-x"
    with pytest.raises(SystemExit):
        parse("--samplers", "a-y")
