"""The thesis's learning-rate experiment (docs/math.md §4, Tables 8-10), repeated over seeds.

Usage (from the repository root)::

    python -m benchmarks thesis                       # full run, 4 settings x 5 seeds
    python -m benchmarks thesis --quick               # seconds: smoke run (git-ignored output)
    python -m benchmarks thesis --problems e1-d0,e50-d0 --lr-scale log \
        --out benchmarks/results/thesis-log           # the log-lr variant

Problems are training settings ``e<epochs>-d<dropout>`` (``e50-d0.5``: 50 epochs, dropout 0.5;
any such name is valid), samplers the methods ``grid``, ``gaussian``, ``gamma``, ``tpe`` and
``random``. ``--grid-size``, ``--iters``, ``--lr-scale`` and ``--target`` are a store's setting.

Setting (per seed ``s``): the 1797 offline digits (``load_digits(size=28)``) are shuffled with
``s``; 500 images are split 80/20 into training and validation parts, the other 1297 are a
held-out test set. Each evaluation trains :class:`optuna_gamma.torch.MnistMLP` (6 x 100 ReLU,
Kaiming init, dropout of the problem) with SGD, batch 50, weight decay 1e-3 for the problem's
epochs under torch seed ``trial_seed(s, 0)`` through ``TorchObjective``, so the validation
accuracy is a deterministic function of the learning rate (one CPU thread).

Methods: Grid (``--grid-size`` evenly spaced learning rates over the same domain), Gaussian BO
(``GammaBOSampler(predictive="gaussian", n_startup_trials=2)``), Gamma BO (``predictive=
"student_t"``), TPE (``n_startup_trials=2``) and Random, each sampler with 2 initial points plus
``--iters`` iterations (seeded with ``s``). One study of 2 + max(iters) trials is run per sampler
and seed; the result at a smaller budget is its prefix (a seeded sampler's first k suggestions do
not depend on how many follow). Every sampler maximises validation accuracy (``--target``).

Reported per method: the best validation accuracy (the thesis's metric; ties go to the first
trial reaching it), the test accuracy of the model trained at the chosen learning rate (the same
deterministic training, evaluated on the 1297 held-out digits), the search's wall time
(training + sampler), and the number of trials a sampler needed to reach the grid's best
validation accuracy of the same seed (and to come within 0.01 of it).

Outputs: ``<out>/raw/<setting>/<method>-<seed>.json`` (per trial; git-ignored),
``<out>/summary.csv``, ``per_seed.csv``, ``thesis.md`` and ``thesis.png``, where ``<out>`` is
``benchmarks/results/thesis`` (or, with ``--quick``, a git-ignored folder). Searches already
stored are skipped (``--force`` reruns), so an interrupted run resumes with the same command.
"""

from __future__ import annotations

from collections.abc import Sequence
import csv
from dataclasses import dataclass
import math
from pathlib import Path
import re
import sys
import time
from typing import Any
import warnings

import numpy as np

from benchmarks import _env
from benchmarks import _frame

_env.limit_threads(1)

LR_LOW = 1e-4  # the thesis's [0, 0.5] without 0 (lr = 0 does not train; log needs > 0)
LR_HIGH = 0.5
N_STARTUP = 2  # the thesis's 2 initial points
SAMPLERS = ("gaussian", "gamma", "tpe", "random")
LABELS = {
    "grid": "Grid",
    "gaussian": "Gaussian BO",
    "gamma": "Gamma BO",
    "tpe": "TPE",
    "random": "Random",
}
TRIAL_FIELDS = (
    "method",
    "seed",
    "epochs",
    "dropout",
    "trial",
    "lr",
    "val_acc",
    "val_loss",
    "kappa",
    "diverged",
    "value",
    "objective_s",
    "sampler_s",
    "test_acc",
)
SETTINGS = ("e1-d0", "e50-d0", "e1-d0.5", "e50-d0.5")  # the full run: epochs x dropout
_SETTING = re.compile(r"^e(?P<epochs>[1-9]\d*)-d(?P<dropout>0(?:\.\d+)?)$")
# The thesis's own numbers (Korean text, seeds/000): five rows per table. For the grid a row is a
# grid of 100, 200, ..., 500 learning rates; for the BO methods the rows are repeated runs.
# Accuracy in %, learning time in s. Table 10's caption says "20 iterations and 1 epoch", but its
# accuracies (91-94%) and times (~27 s) are those of the 50-epoch runs (Table 9).
THESIS_TABLES: dict[str, dict[str, Any]] = {
    "Table 8": {
        "what": "1 epoch, 2 + 10 iterations",
        "epochs": (1,),
        "iters": 10,
        "grid": ([47, 49, 50, 52, 49], [5.3, 10.4, 16.6, 20.1, 25.6]),
        "gaussian": ([42, 42, 42, 37, 39], [4.4, 4.1, 4.7, 5.1, 4.6]),
        "gamma": ([52, 48, 47, 41, 51], [4.3, 4.2, 4.7, 4.9, 4.3]),
    },
    "Table 9": {
        "what": "50 epochs, 2 + 10 iterations",
        "epochs": (50,),
        "iters": 10,
        "grid": ([87, 90, 91, 89, 87], [226.2, 443.5, 679.2, 881.3, 1419.3]),
        "gaussian": ([87, 89, 87, 86, 81], [27.0, 27.2, 26.8, 25.9, 39.2]),
        "gamma": ([90, 88, 89, 89, 84], [27.1, 26.9, 27.0, 26.1, 39.8]),
    },
    "Table 10": {
        "what": "2 + 20 iterations (captioned 1 epoch; numbers look like 50 epochs)",
        "epochs": (1, 50),
        "iters": 20,
        "grid": ([93, 92, 94, 94, 94], [215.9, 459.1, 647.58, 899.84, 1124.46]),
        "gaussian": ([92, 88, 91, 93, 93], [26.1, 28.55, 27.0, 28.1, 26.58]),
        "gamma": ([93, 91, 92, 92, 94], [27.7, 27.8, 26.7, 27.9, 26.4]),
    },
}


@dataclass(frozen=True)
class Config:
    """Everything that defines one run's numbers (part of its file name)."""

    epochs: int
    dropout: float
    grid_size: int
    n_trials: int  # 2 + max(iters) for the samplers
    budgets: tuple[int, ...]  # 2 + each of iters
    scale: str  # "linear" or "log"
    target: str  # "accuracy" or "kappa"


def is_setting(name: str) -> bool:
    """Whether ``name`` is a training setting ``e<epochs>-d<dropout>`` (dropout in [0, 1))."""
    return _SETTING.match(name) is not None


def config(problem: str, options: dict[str, Any]) -> Config:
    """The configuration of a setting ``e<epochs>-d<dropout>`` under a store's options."""
    m = _SETTING.match(problem)
    if m is None:
        raise ValueError(f"{problem!r} is not a setting e<epochs>-d<dropout>, e.g. e50-d0.5")
    budgets = tuple(N_STARTUP + i for i in _iters(str(options["iters"])))
    return Config(
        int(m["epochs"]),
        float(m["dropout"]),
        int(options["grid_size"]),
        max(budgets),
        budgets,
        str(options["lr_scale"]),
        str(options["target"]),
    )


def _iters(spec: str) -> list[int]:
    try:
        vals = sorted({int(s) for s in spec.split(",") if s.strip()})
    except ValueError:
        raise ValueError(f"cannot parse {spec!r}; use comma-separated integers") from None
    if not vals or vals[0] < 1:
        raise ValueError(f"{spec!r} must list integers >= 1")
    return vals


def _grid_size(spec: str) -> int:
    if int(spec) < 2:
        raise ValueError(f"{spec} must be >= 2")
    return int(spec)


def _iters_option(spec: str) -> str:
    return ",".join(str(i) for i in _iters(spec))


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def grid_lrs(size: int, scale: str) -> list[float]:
    """``size`` evenly spaced learning rates in [LR_LOW, LR_HIGH] (geometric if log scale)."""
    if scale == "log":
        return [float(v) for v in np.geomspace(LR_LOW, LR_HIGH, size)]
    return [float(v) for v in np.linspace(LR_LOW, LR_HIGH, size)]


def _make_sampler(method: str, seed: int) -> Any:
    import optuna

    from optuna_gamma import GammaBOSampler

    if method == "gaussian":
        return GammaBOSampler(seed=seed, predictive="gaussian", n_startup_trials=N_STARTUP)
    if method == "gamma":
        return GammaBOSampler(seed=seed, predictive="student_t", n_startup_trials=N_STARTUP)
    if method == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=N_STARTUP)
    if method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown method {method!r}; valid: grid, {', '.join(SAMPLERS)}")


def _first_best(values: Sequence[float], k: int) -> int:
    """Index of the first maximum among the first ``k`` values."""
    head = list(values[:k])
    return int(np.argmax(head))


def run_one(job: _frame.Job) -> dict[str, Any]:
    """Run one search, evaluate its chosen learning rates on the test set."""
    import optuna
    import torch

    from benchmarks.problems import digits_splits
    from benchmarks.problems import train_lr
    from optuna_gamma.torch import evaluate

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    cfg = config(job.problem, dict(job.options))
    method, seed = job.sampler, job.seed  # the method is the job's sampler
    train, val, test = digits_splits(seed)

    def score(lr: float) -> tuple[float, dict[str, Any]]:
        return train_lr(
            lr, train, val, epochs=cfg.epochs, seed=seed, dropout=cfg.dropout,
            target=cfg.target,
        )  # fmt: skip

    score(0.01)  # warm-up (first-call allocations), not timed or recorded
    rows: list[dict[str, Any]] = []

    def record(trial: int, lr: float, value: float, attrs: dict[str, Any], obj_s: float,
               smp_s: float) -> None:  # fmt: skip
        rows.append(
            {
                "method": method,
                "seed": seed,
                "epochs": cfg.epochs,
                "dropout": cfg.dropout,
                "trial": trial,
                "lr": lr,
                "val_acc": float(attrs.get("accuracy", math.nan)),
                "val_loss": float(attrs.get("loss", math.nan)),
                "kappa": float(attrs.get("kappa", math.nan)),
                "diverged": bool(attrs.get("diverged", False)),
                "value": value,
                "objective_s": obj_s,
                "sampler_s": smp_s,
                "test_acc": "",
            }
        )

    if method == "grid":
        for i, lr in enumerate(grid_lrs(cfg.grid_size, cfg.scale)):
            t0 = time.perf_counter()
            value, attrs = score(lr)
            record(i, lr, value, attrs, time.perf_counter() - t0, 0.0)
        budgets: tuple[int, ...] = (cfg.grid_size,)
    else:
        study = optuna.create_study(direction="maximize", sampler=_make_sampler(method, seed))
        for i in range(cfg.n_trials):
            t0 = time.perf_counter()
            trial = study.ask()
            lr = trial.suggest_float("lr", LR_LOW, LR_HIGH, log=cfg.scale == "log")
            t1 = time.perf_counter()
            value, attrs = score(lr)
            t2 = time.perf_counter()
            study.tell(trial, value)
            record(i, lr, value, attrs, t2 - t1, (t1 - t0) + (time.perf_counter() - t2))
        budgets = cfg.budgets

    # Test accuracy of the model at each budget's chosen lr: the same deterministic training,
    # evaluated on the held-out digits (not timed).
    for b in budgets:
        row = rows[_first_best([r["value"] for r in rows], b)]
        if row["test_acc"] == "":
            models: list[Any] = []
            train_lr(
                row["lr"], train, val, epochs=cfg.epochs, seed=seed, dropout=cfg.dropout,
                target=cfg.target, keep_model=models,
            )  # fmt: skip
            row["test_acc"] = float(evaluate(models[-1], test[0], test[1])["accuracy"])

    return {"problem": job.problem, "sampler": method, "seed": seed, "trials": rows}


# --------------------------------------------------------------------------------------------
# Summarising
# --------------------------------------------------------------------------------------------


def read_rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-trial rows of one stored search, the chosen ones' test accuracy NaN elsewhere."""
    return [
        {
            "trial": int(r["trial"]),
            "lr": float(r["lr"]),
            "val_acc": float(r["val_acc"]),
            "value": float(r["value"]),
            "objective_s": float(r["objective_s"]),
            "sampler_s": float(r["sampler_s"]),
            "test_acc": float(r["test_acc"]) if r["test_acc"] != "" else math.nan,
        }
        for r in run["trials"]
    ]


def per_seed_results(
    rows_by_run: dict[tuple[str, int], list[dict[str, Any]]], cfg: Config, seeds: Sequence[int]
) -> list[dict[str, Any]]:
    """One row per (method at budget, seed): chosen lr, accuracies, time, trials to reach."""
    out: list[dict[str, Any]] = []
    for seed in seeds:
        grid = rows_by_run[("grid", seed)]
        grid_best = max(r["val_acc"] for r in grid)
        runs: list[tuple[str, str, int, list[dict[str, Any]]]] = [
            ("grid", "Grid", cfg.grid_size, grid)
        ]
        for method in SAMPLERS:
            for b in cfg.budgets:
                label = f"{LABELS[method]} ({N_STARTUP}+{b - N_STARTUP})"
                runs.append((method, label, b, rows_by_run[(method, seed)]))
        for method, label, b, rows in runs:
            head = rows[:b]
            chosen = head[_first_best([r["value"] for r in rows], b)]
            accs = [r["val_acc"] for r in head]
            running = np.maximum.accumulate(accs)
            reach = next((i + 1 for i, a in enumerate(running) if a >= grid_best - 1e-9), None)
            near = next(
                (i + 1 for i, a in enumerate(running) if a >= grid_best - 0.01 - 1e-9), None
            )
            out.append(
                {
                    "epochs": cfg.epochs,
                    "dropout": cfg.dropout,
                    "method": label,
                    "sampler": method,
                    "budget": b,
                    "seed": seed,
                    "val_acc": chosen["val_acc"],
                    "best_val_acc": float(running[-1]),
                    "test_acc": chosen["test_acc"],
                    "lr": chosen["lr"],
                    "wall_s": sum(r["objective_s"] + r["sampler_s"] for r in head),
                    "objective_s": sum(r["objective_s"] for r in head),
                    "sampler_s": sum(r["sampler_s"] for r in head),
                    "grid_best": grid_best,
                    "trials_to_grid_best": reach if method != "grid" else b,
                    "trials_to_grid_best_minus_1pt": near if method != "grid" else b,
                }
            )
    return out


def _stats(values: Sequence[float]) -> tuple[float, float, float]:
    arr = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if arr.size == 0:
        return math.nan, math.nan, math.nan
    std = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    return float(arr.mean()), std, float(np.median(arr))


def _reach_median(values: Sequence[int | None]) -> float:
    """Median trials to reach, counting 'not reached' as infinity."""
    arr = np.asarray([math.inf if v is None else v for v in values], dtype=float)
    return float(np.median(arr))


def summarise(per_seed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean, std and median over seeds per (epochs, dropout, method)."""
    groups: dict[tuple[int, float, str], list[dict[str, Any]]] = {}
    for r in per_seed:
        groups.setdefault((r["epochs"], r["dropout"], r["method"]), []).append(r)
    out = []
    for (epochs, dropout, method), rs in groups.items():
        acc = _stats([r["val_acc"] for r in rs])
        test = _stats([r["test_acc"] for r in rs])
        wall = _stats([r["wall_s"] for r in rs])
        reach = [r["trials_to_grid_best"] for r in rs]
        near = [r["trials_to_grid_best_minus_1pt"] for r in rs]
        out.append(
            {
                "epochs": epochs,
                "dropout": dropout,
                "method": method,
                "sampler": rs[0]["sampler"],
                "budget": rs[0]["budget"],
                "n_seeds": len(rs),
                "val_acc_mean": acc[0],
                "val_acc_std": acc[1],
                "val_acc_median": acc[2],
                "test_acc_mean": test[0],
                "test_acc_std": test[1],
                "test_acc_median": test[2],
                "lr_median": float(np.median([r["lr"] for r in rs])),
                "wall_s_mean": wall[0],
                "wall_s_std": wall[1],
                "objective_s_mean": _stats([r["objective_s"] for r in rs])[0],
                "sampler_s_mean": _stats([r["sampler_s"] for r in rs])[0],
                "grid_best_mean": _stats([r["grid_best"] for r in rs])[0],
                "trials_to_grid_best_median": _reach_median(reach),
                "reached_grid_best": sum(v is not None for v in reach),
                "trials_to_grid_best_minus_1pt_median": _reach_median(near),
                "reached_grid_best_minus_1pt": sum(v is not None for v in near),
            }
        )
    return out


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _pct(mean: float, std: float | None = None) -> str:
    if math.isnan(mean):
        return "–"
    return f"{100 * mean:.1f}" + ("" if std is None else f" ± {100 * std:.1f}")


def _reach(median: float, n: int, total: int, budget: int) -> str:
    med = f"> {budget}" if math.isinf(median) else f"{median:g}"
    return f"{med} ({n}/{total})"


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write dict rows as CSV (columns of the first row; None as empty)."""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if v is None else v for k, v in r.items()})


def results_table(summary: list[dict[str, Any]], epochs: int, dropout: float) -> str:
    """Markdown table of one configuration, in the shape of the thesis's Tables 8-10."""
    lines = [
        "| method | trials | val acc % mean ± sd | median | test acc % mean ± sd | lr (median) "
        "| wall s mean ± sd | of which sampler s | trials to grid's best (median, reached) "
        "| to grid's best − 1 pt |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in summary:
        if r["epochs"] != epochs or r["dropout"] != dropout:
            continue
        grid = r["sampler"] == "grid"
        lines.append(
            f"| {r['method']} | {r['budget']} | {_pct(r['val_acc_mean'], r['val_acc_std'])} "
            f"| {_pct(r['val_acc_median'])} | {_pct(r['test_acc_mean'], r['test_acc_std'])} "
            f"| {r['lr_median']:.3g} | {r['wall_s_mean']:.2f} ± {r['wall_s_std']:.2f} "
            f"| {r['sampler_s_mean']:.2f} "
            f"| {'(all ' + str(r['budget']) + ')' if grid else _reach(r['trials_to_grid_best_median'], r['reached_grid_best'], r['n_seeds'], r['budget'])} "  # noqa: E501
            f"| {'' if grid else _reach(r['trials_to_grid_best_minus_1pt_median'], r['reached_grid_best_minus_1pt'], r['n_seeds'], r['budget'])} |"  # noqa: E501
        )
    return "\n".join(lines)


def thesis_comparison(summary: list[dict[str, Any]], cfg: Config) -> str:
    """The thesis's Tables 8-10 next to our numbers at the matching epochs and budget."""
    lines = [
        "| thesis table | method | thesis acc % (grid of 100; BO mean ± sd of 5 runs) "
        "| thesis time s | ours: epochs, dropout | ours val acc % mean ± sd | ours test acc % "
        "| ours wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, t in THESIS_TABLES.items():
        budget = N_STARTUP + t["iters"]
        for method in ("grid", "gaussian", "gamma"):
            accs, secs = t[method]
            if method == "grid":
                th_acc, th_s = f"{accs[0]}", f"{secs[0]}"
            else:
                th_acc = f"{np.mean(accs):.1f} ± {np.std(accs, ddof=1):.1f}"
                th_s = f"{np.mean(secs):.2f}"
            ours = [
                r
                for r in summary
                if r["sampler"] == method
                and (method == "grid" or r["budget"] == budget)
                and r["epochs"] in t["epochs"]
            ]
            if not ours:
                lines.append(f"| {name} ({t['what']}) | {LABELS[method]} | {th_acc} | {th_s} "
                             "| not run | | | |")  # fmt: skip
            for r in sorted(ours, key=lambda r: (r["epochs"], -r["dropout"])):
                lines.append(
                    f"| {name} ({t['what']}) | {LABELS[method]} | {th_acc} | {th_s} "
                    f"| {r['epochs']}, {r['dropout']:g} "
                    f"| {_pct(r['val_acc_mean'], r['val_acc_std'])} "
                    f"| {_pct(r['test_acc_mean'], r['test_acc_std'])} "
                    f"| {r['wall_s_mean']:.2f} |"
                )
    return "\n".join(lines)


def paired_table(per_seed: list[dict[str, Any]]) -> str:
    """Gamma BO minus Gaussian BO, paired by seed (same data, same first 2 points)."""
    lines = [
        "| epochs | dropout | trials | val acc diff pts mean (per seed) | Gamma wins / ties / "
        "losses | test acc diff pts mean |",
        "|---|---|---|---|---|---|",
    ]
    by: dict[tuple[int, float, int], dict[tuple[str, int], dict[str, Any]]] = {}
    for r in per_seed:
        by.setdefault((r["epochs"], r["dropout"], r["budget"]), {})[(r["sampler"], r["seed"])] = r
    for (epochs, dropout, budget), runs in sorted(by.items(), key=lambda kv: kv[0]):
        seeds = sorted(s for m, s in runs if m == "gamma" and ("gaussian", s) in runs)
        if not seeds:
            continue
        dv = [
            100 * (runs[("gamma", s)]["val_acc"] - runs[("gaussian", s)]["val_acc"]) for s in seeds
        ]
        dt = [
            100 * (runs[("gamma", s)]["test_acc"] - runs[("gaussian", s)]["test_acc"])
            for s in seeds
        ]
        wins, losses = sum(d > 1e-6 for d in dv), sum(d < -1e-6 for d in dv)
        lines.append(
            f"| {epochs} | {dropout:g} | {budget} | {np.mean(dv):+.1f} "
            f"({', '.join(f'{d:+.0f}' for d in dv)}) | {wins} / {len(dv) - wins - losses} / "
            f"{losses} | {np.nanmean(dt):+.1f} |"
        )
    return "\n".join(lines)


def plot(
    path: Path,
    per_seed: list[dict[str, Any]],
    rows_by_cfg: dict[Config, dict[tuple[str, int], list[dict[str, Any]]]],
    seeds: Sequence[int],
) -> bool:
    """Accuracy per method (seeds as dots, mean ± sd bars) and best-so-far vs trials."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    cfgs = list(rows_by_cfg)
    fig, axes = plt.subplots(2, len(cfgs), figsize=(5.2 * len(cfgs), 8.5), squeeze=False)
    colors = {"grid": "k", "gaussian": "C0", "gamma": "C3", "tpe": "C2", "random": "C7"}
    for j, cfg in enumerate(cfgs):
        ax = axes[0, j]
        rs = [r for r in per_seed if r["epochs"] == cfg.epochs and r["dropout"] == cfg.dropout]
        methods = list(dict.fromkeys(r["method"] for r in rs))
        for i, method in enumerate(methods):
            mr = [r for r in rs if r["method"] == method]
            c = colors[mr[0]["sampler"]]
            for dx, key, marker in ((-0.15, "val_acc", "o"), (0.15, "test_acc", "s")):
                vals = 100 * np.array([r[key] for r in mr], dtype=float)
                ax.plot(np.full(vals.size, i + dx), vals, marker, color=c, alpha=0.3, ms=3,
                        mfc="none" if key == "test_acc" else c)  # fmt: skip
                face = "white" if key == "test_acc" else c
                ax.errorbar(i + dx, np.nanmean(vals), yerr=np.nanstd(vals, ddof=1), fmt=marker,
                            color=c, capsize=3, mfc=face)  # fmt: skip
        ax.set_xticks(np.arange(len(methods)))
        ax.set_xticklabels(methods, rotation=60, ha="right", fontsize=8)
        ax.set_ylim(top=min(100.0, ax.get_ylim()[1]))
        ax.set_ylabel("accuracy %: ● validation, □ test")
        ax.set_title(
            f"{cfg.epochs} epoch(s), dropout {cfg.dropout:g}: "
            f"mean ± sd, dots = {len(seeds)} seeds",
            fontsize=10,
        )
        ax.grid(alpha=0.3)
        ax = axes[1, j]
        runs = rows_by_cfg[cfg]
        grid_best = 100 * np.array([max(r["val_acc"] for r in runs[("grid", s)]) for s in seeds])
        ax.axhline(np.median(grid_best), color="k", ls="--",
                   label=f"grid best ({cfg.grid_size} lrs)")  # fmt: skip
        ax.axhspan(*np.percentile(grid_best, [25, 75]), color="k", alpha=0.08)
        t = np.arange(1, cfg.n_trials + 1)
        for method in SAMPLERS:
            curves = 100 * np.array(
                [np.maximum.accumulate([r["val_acc"] for r in runs[(method, s)]]) for s in seeds]
            )
            lo, mid, hi = np.percentile(curves, [25, 50, 75], axis=0)
            ax.plot(t, mid, color=colors[method], label=LABELS[method])
            ax.fill_between(t, lo, hi, color=colors[method], alpha=0.12)
        for b in cfg.budgets:
            ax.axvline(b, color="grey", lw=0.6)
        ax.set_xlabel("trial")
        ax.set_ylabel("best val. accuracy so far % (median, IQR)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_markdown(
    path: Path,
    summary: list[dict[str, Any]],
    per_seed: list[dict[str, Any]],
    cfgs: Sequence[Config],
    seeds: Sequence[int],
    ctx: _frame.ReportContext,
    png: bool,
) -> str:
    """thesis.md: setting, tables per configuration, the thesis's numbers side by side."""
    cfg0 = cfgs[0]
    grid_desc = (
        f"{cfg0.grid_size} learning rates evenly spaced on a {cfg0.scale} scale over "
        f"[{LR_LOW:g}, {LR_HIGH:g}]"
    )
    extra = {
        "seeds": f"{', '.join(map(str, seeds))} (seed = data split + torch seed + sampler seed)",
        "epochs": ", ".join(str(c.epochs) for c in cfgs),
        "setting": "offline digits 28x28, 500 images (400 train / 100 validation), 1297 test; "
        "MnistMLP 6x100 ReLU, Kaiming; SGD batch 50, weight decay 1e-3; "
        f"sampler objective: validation {cfg0.target}",
        "grid": grid_desc,
        "budgets": ", ".join(f"{N_STARTUP} + {b - N_STARTUP}" for b in cfg0.budgets),
    }
    parts = [
        "# The thesis's learning-rate experiment, repeated over seeds",
        "",
        ctx.header(extra),
        "",
        "Metric: validation accuracy of the chosen learning rate (the thesis's metric; the first "
        "trial reaching the best value is chosen), and the test accuracy of that model on the "
        "held-out digits. Wall time = training of every trial + time in the sampler. 'Trials to "
        "grid's best': first trial whose validation accuracy reaches the same seed's grid "
        "maximum, median over seeds ('> b' = the median seed did not reach it within b), "
        "(seeds that reached it / seeds).",
        "",
    ]
    for cfg in cfgs:
        parts += [
            f"## {cfg.epochs} epoch(s), dropout {cfg.dropout:g}",
            "",
            results_table(summary, cfg.epochs, cfg.dropout),
            "",
        ]
    parts += [
        "## Gamma BO vs Gaussian BO, paired by seed",
        "",
        paired_table(per_seed),
        "",
        "## Next to the thesis (docs/math.md §4)",
        "",
        "The thesis's grid value is its 100-learning-rate row (our grid also has "
        f"{cfg0.grid_size}); its BO values are mean ± sd over the five rows of each table "
        "(repeated runs). Times are not comparable across machines (thesis: GTX 1050 Ti).",
        "",
        thesis_comparison(summary, cfg0),
        "",
    ]
    if png:
        parts += ["![accuracy and best-so-far](thesis.png)", ""]
    text = "\n".join(parts)
    path.write_text(text)
    return text


# --------------------------------------------------------------------------------------------
# The suite
# --------------------------------------------------------------------------------------------

METHODS = ("grid", *SAMPLERS)


def report(ctx: _frame.ReportContext) -> str:
    """summary.csv, per_seed.csv, thesis.md and thesis.png from every stored search, over the
    seeds that every method finished in every setting."""
    by_key, problems, _, complete = _frame.index_runs(ctx.runs, [], METHODS)
    cfgs = sorted((config(p, ctx.options) for p in problems), key=lambda c: (c.dropout, c.epochs))
    seeds = sorted(set.intersection(*(set(complete[p]) for p in problems)))
    if not seeds:
        raise ValueError("no seed has every method's search in every setting")
    name = {config(p, ctx.options): p for p in problems}
    rows_by_cfg = {
        c: {(m, s): read_rows(by_key[(name[c], m, s)]) for s in seeds for m in METHODS}
        for c in cfgs
    }
    per_seed = [r for c in cfgs for r in per_seed_results(rows_by_cfg[c], c, seeds)]
    summary = summarise(per_seed)
    write_csv(ctx.out / "per_seed.csv", per_seed)
    write_csv(ctx.out / "summary.csv", summary)
    png = plot(ctx.out / "thesis.png", per_seed, rows_by_cfg, seeds)
    return write_markdown(ctx.out / "thesis.md", summary, per_seed, cfgs, seeds, ctx, png)


SUITES = {
    "thesis": _frame.Suite(
        name="thesis",
        title="The thesis's learning-rate experiment over seeds: grid vs Gaussian BO vs Gamma BO "
        "(and TPE, random), validation and test accuracy, wall time, trials to the grid's best.",
        run_one=run_one,
        report=report,
        problems=SETTINGS,
        problem_ok=is_setting,
        samplers=METHODS,
        seeds="0-4",
        n_trials=None,
        options=(
            _frame.Option("grid_size", _grid_size, 100, "grid points"),
            _frame.Option(
                "iters",
                _iters_option,
                "10,20",
                "BO iterations after the 2 initial points, a comma list of budgets",
            ),
            _frame.Option(
                "lr_scale",
                str,
                "linear",
                "scale of the lr domain [1e-4, 0.5] for grid and samplers",
                choices=("linear", "log"),
            ),
            _frame.Option(
                "target",
                str,
                "accuracy",
                "what the samplers maximise (validation accuracy or kappa)",
                choices=("accuracy", "kappa"),
            ),
        ),
        quick={"problems": "e1-d0", "seeds": "0-1", "grid_size": "8", "iters": "3,6"},
        docs="docs/thesis.md",
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("thesis"))
