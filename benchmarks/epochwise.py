"""Per-epoch learning-rate search against whole-run tuning and fixed schedules, at equal compute.

The thesis's system (figure 8) picks the learning rate again at every epoch. This benchmark asks
whether that beats the obvious alternatives when every method spends the same training compute,
``E * K`` epochs of one model (``E`` epochs, ``K`` candidates per epoch):

- ``epochwise/<warm_start>[, window 10]``: :class:`optuna_gamma.torch.EpochwiseLRSearch`, ``E``
  epochs, ``K`` candidates each, for the three warm starts (``previous_best``, ``all_epochs``,
  ``none``), searching all of the lr range every epoch or (``window 10``) within a factor 10 of
  the previous epoch's kept lr;
- ``whole-run BO``: ``K`` trials of ``E`` epochs, one learning rate per trial proposed by
  ``GammaBOSampler``; the trial with the best final κ is the result;
- ``fixed <schedule>``: one run of ``E * K`` epochs from a fixed initial learning rate with a
  constant, step (x0.1 at 50% and 75%) or cosine schedule;
- ``fixed cosine, E epochs``: a reference at ``1/K`` of the compute.

Data: scikit-learn's digits (8x8, offline), a fixed 60/20/20 train/validation/test split; the
validation split drives every selection, the test split is only measured. Model: the thesis's
MLP (6 hidden ReLU layers of 100, Kaiming init) on 64 inputs with dropout 0.2 instead of 0.5;
SGD, batch 50, weight decay 1e-3 (the thesis's setting). Seeds vary the initialisation, batch
order, dropout and proposals.

    python -m benchmarks epochwise --seeds 0-19         # the committed run
    python -m benchmarks epochwise --quick              # smoke run, git-ignored folder

The methods are the suite's samplers: ``ew-<warm start>`` and ``ew-<warm start>-w10`` (the
per-epoch search, full range or within a factor 10), ``whole-run-bo``, ``fixed-constant``,
``fixed-step``, ``fixed-cosine`` and ``fixed-cosine-short`` (``E`` epochs). ``--epochs``,
``--candidates`` and ``--fixed-lr`` are the setting of a store. (``python -m
benchmarks.epochwise ...`` is the same command.) Runs: ``benchmarks/results/epochwise/raw/``
(git-ignored); report: ``results.csv`` (one row per method and seed), ``summary.md``,
``epochwise.png`` (committed).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path
import statistics
import sys
import time
from typing import Any

from benchmarks import _env
from benchmarks import _frame

_env.limit_threads(1)

import numpy as np  # noqa: E402
import optuna  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from optuna_gamma import GammaBOSampler  # noqa: E402
from optuna_gamma.torch import EpochwiseLRSearch  # noqa: E402
from optuna_gamma.torch import MnistMLP  # noqa: E402
from optuna_gamma.torch import evaluate  # noqa: E402
from optuna_gamma.torch import load_digits  # noqa: E402
from optuna_gamma.torch import make_optimizer  # noqa: E402
from optuna_gamma.torch import seeded  # noqa: E402
from optuna_gamma.torch import train_one_epoch  # noqa: E402
from optuna_gamma.torch import train_val_split  # noqa: E402
from optuna_gamma.torch import trial_seed  # noqa: E402

LR_RANGE = (1e-4, 0.5)  # the thesis's range, on a log scale
BATCH_SIZE = 50
WEIGHT_DECAY = 1e-3
Data = tuple[torch.Tensor, torch.Tensor]


def split_data() -> tuple[Data, Data, Data]:
    """Digits 8x8 -> fixed 60/20/20 train/validation/test (the same for every seed)."""
    X, y = load_digits(size=8)
    rest, test = train_val_split((X, y), 0.2, seed=0)
    train, val = train_val_split(rest, 0.25, seed=0)
    return train, val, test


def model_fn() -> nn.Module:
    # The thesis's depth (6 hidden layers of 100, Kaiming init) with dropout 0.2: with its
    # dropout 0.5 the 8x8 digits barely train in 40 epochs of SGD (~25% accuracy).
    return MnistMLP(in_features=64, hidden_sizes=(100,) * 6, dropout=0.2)


def _metrics(model: nn.Module, data: Data) -> dict[str, Any]:
    return evaluate(model, *data, num_classes=10)


def train_run(
    lrs: list[float], seed: int, train: Data, val: Data
) -> tuple[nn.Module, dict[str, Any]]:
    """Train one model for ``len(lrs)`` epochs with the given per-epoch learning rates."""
    device = torch.device("cpu")
    with seeded(seed, device):
        model = model_fn()
        generator = torch.Generator().manual_seed(seed)
        opt = make_optimizer("sgd", model.parameters(), lr=lrs[0], weight_decay=WEIGHT_DECAY)
        train_loss = math.nan
        for lr in lrs:
            for group in opt.param_groups:
                group["lr"] = lr
            train_loss = train_one_epoch(
                model, opt, *train, batch_size=BATCH_SIZE, generator=generator
            )
            if not math.isfinite(train_loss):
                break
    metrics = _metrics(model, val)
    if not math.isfinite(train_loss):  # a diverged run (docs/math.md §1): κ of an infinite loss
        metrics = {**metrics, "loss": math.inf, "kappa": metrics["accuracy"] ** 2}
    return model, metrics


def schedule(kind: str, lr0: float, n: int) -> list[float]:
    if kind == "constant":
        return [lr0] * n
    if kind == "step":
        return [lr0 * (0.1 ** ((e >= n // 2) + (e >= (3 * n) // 4))) for e in range(n)]
    if kind == "cosine":  # lr of epoch e (0-based), annealed towards 0 at the end
        return [lr0 * 0.5 * (1 + math.cos(math.pi * e / n)) for e in range(n)]
    raise ValueError(f"unknown schedule {kind!r}")


def run_epochwise(
    variant: str, seed: int, args: argparse.Namespace, train: Data, val: Data
) -> tuple[nn.Module, dict[str, Any]]:
    warm_start, _, window = variant.partition(", window ")  # no window: the full range
    search = EpochwiseLRSearch(
        model_fn,
        train,
        val,
        epochs=args.epochs,
        candidates_per_epoch=args.candidates,
        seed=seed,
        lr=LR_RANGE,
        warm_start=warm_start,  # type: ignore[arg-type]
        lr_window=float(window) if window else None,  # (the library's default is 10)
        batch_size=BATCH_SIZE,
        weight_decay=WEIGHT_DECAY,
        device="cpu",
    )
    model, history = search.run()
    return model, {
        "epochs_trained": search.epochs_trained,
        "lrs": [r["lr"] for r in history],
        "n_diverged": sum(r["n_diverged"] for r in history),
    }


def run_whole(
    seed: int, args: argparse.Namespace, train: Data, val: Data
) -> tuple[nn.Module, dict[str, Any]]:
    study = optuna.create_study(
        direction="maximize",
        sampler=GammaBOSampler(seed=seed, n_startup_trials=1, warn_independent_sampling=False),
    )
    best: tuple[float, nn.Module, float] | None = None
    for _ in range(args.candidates):
        trial = study.ask()
        lr = trial.suggest_float("lr", *LR_RANGE, log=True)
        model, metrics = train_run([lr] * args.epochs, trial_seed(seed, trial.number), train, val)
        study.tell(trial, metrics["kappa"])
        if best is None or metrics["kappa"] > best[0]:
            best = (metrics["kappa"], model, lr)
    assert best is not None
    return best[1], {"epochs_trained": args.candidates * args.epochs, "lrs": [best[2]]}


def run_fixed(
    kind: str, n_epochs: int, seed: int, args: argparse.Namespace, train: Data, val: Data
) -> tuple[nn.Module, dict[str, Any]]:
    model, _ = train_run(schedule(kind, args.fixed_lr, n_epochs), trial_seed(seed, 0), train, val)
    return model, {"epochs_trained": n_epochs, "lrs": [args.fixed_lr]}


# The suite's samplers: the method's key -> its label in the report (``{full}``: E * K epochs).
METHODS = {
    "ew-previous_best": "epochwise/previous_best",
    "ew-all_epochs": "epochwise/all_epochs",
    "ew-none": "epochwise/none",
    "ew-previous_best-w10": "epochwise/previous_best, window 10",
    "ew-all_epochs-w10": "epochwise/all_epochs, window 10",
    "ew-none-w10": "epochwise/none, window 10",
    "whole-run-bo": "whole-run BO",
    "fixed-constant": "fixed constant, {full} ep",
    "fixed-step": "fixed step, {full} ep",
    "fixed-cosine": "fixed cosine, {full} ep",
    "fixed-cosine-short": "fixed cosine, {epochs} ep (1/K compute)",
}


def label(method: str, args: argparse.Namespace) -> str:
    return METHODS[method].format(full=args.epochs * args.candidates, epochs=args.epochs)


def methods(args: argparse.Namespace) -> list[str]:
    return [label(m, args) for m in METHODS]


def run_method(
    name: str, seed: int, args: argparse.Namespace, data: tuple[Data, Data, Data]
) -> dict[str, Any]:
    train, val, test = data
    start = time.perf_counter()
    if name.startswith("epochwise/"):
        model, info = run_epochwise(name.split("/")[1], seed, args, train, val)
    elif name == "whole-run BO":
        model, info = run_whole(seed, args, train, val)
    else:
        kind = name.split()[1].rstrip(",")
        n_epochs = int(name.split(", ")[1].split()[0])
        model, info = run_fixed(kind, n_epochs, seed, args, train, val)
    seconds = time.perf_counter() - start
    v, t = _metrics(model, val), _metrics(model, test)
    return {
        "method": name,
        "seed": seed,
        "val_accuracy": v["accuracy"],
        "val_kappa": v["kappa"],
        "test_accuracy": t["accuracy"],
        "test_loss": t["loss"],
        "epochs_trained": info["epochs_trained"],
        "seconds": round(seconds, 3),
        "lrs": json.dumps([None if x is None else round(x, 5) for x in info["lrs"]]),
        "n_diverged": info.get("n_diverged", ""),
    }


def _stats(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def write_report(
    rows: list[dict[str, Any]], args: argparse.Namespace, ctx: _frame.ReportContext
) -> None:
    names = methods(args)
    out = ctx.out
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        "# Per-epoch learning-rate search vs whole-run tuning vs fixed schedules (digits)",
        "",
        ctx.header(
            {
                "seeds": _frame.seed_spec(ctx.seeds),
                "setting": (
                    f"E={args.epochs} epochs x K={args.candidates} candidates = "
                    f"{args.epochs * args.candidates} training epochs per method; digits 8x8, "
                    "60/20/20 split; MnistMLP(64 in, 6x100, dropout 0.2); SGD batch 50, wd 1e-3; "
                    f"lr range {LR_RANGE}; fixed schedules start at lr={args.fixed_lr}"
                ),
            },
        ),
        "",
        "Mean ± standard deviation over seeds. The validation split selects (every epoch for the "
        "per-epoch search, across trials for whole-run BO); the test split is never used for a "
        "decision, so test accuracy is the fair comparison.",
        "",
        "| method | training epochs | test accuracy | validation accuracy | validation κ "
        "| s / run |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        mine = [r for r in rows if r["method"] == name]
        if not mine:
            continue
        ta, tsd = _stats([r["test_accuracy"] for r in mine])
        va, vsd = _stats([r["val_accuracy"] for r in mine])
        ka, ksd = _stats([r["val_kappa"] for r in mine])
        sec = statistics.fmean(r["seconds"] for r in mine)
        lines.append(
            f"| {name} | {mine[0]['epochs_trained']} | {ta:.4f} ± {tsd:.4f} | "
            f"{va:.4f} ± {vsd:.4f} | {ka:.3f} ± {ksd:.3f} | {sec:.1f} |"
        )
    lines += paired_lines(rows, names)
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    plot(rows, names, out / "epochwise.png", args)


def paired_lines(rows: list[dict[str, Any]], names: list[str]) -> list[str]:
    """Per-seed paired test-accuracy differences of the library's default against the rest."""
    default = "epochwise/previous_best, window 10"
    acc = {(r["method"], r["seed"]): r["test_accuracy"] for r in rows}
    seeds = sorted({r["seed"] for r in rows if r["method"] == default})
    if len(seeds) < 2:
        return []
    lines = [
        "",
        f"Paired by seed: test accuracy of `{default}` (the library's default) minus each other "
        "method; mean ± standard error over seeds, and on how many seeds the default was better.",
        "",
        "| other method | difference | default better |",
        "|---|---|---|",
    ]
    for name in names:
        if name == default or not all((name, s) in acc for s in seeds):
            continue
        diffs = [acc[(default, s)] - acc[(name, s)] for s in seeds]
        mean, sd = _stats(diffs)
        better = sum(d > 0 for d in diffs)
        lines.append(
            f"| {name} | {mean:+.4f} ± {sd / math.sqrt(len(diffs)):.4f} | {better}/{len(diffs)} |"
        )
    return lines


def plot(
    rows: list[dict[str, Any]], names: list[str], path: Path, args: argparse.Namespace
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in names if any(r["method"] == n for r in rows)]  # the methods that ran
    fig, (ax, ax_lr) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    for i, name in enumerate(names):
        for j, key in enumerate(("test_accuracy", "val_accuracy")):
            values = [r[key] for r in rows if r["method"] == name]
            if not values:
                continue
            mean, sd = _stats(values)
            x = i + (j - 0.5) * 0.3
            ax.scatter([x] * len(values), values, s=10, alpha=0.35, color=f"C{j}")
            ax.errorbar(
                x,
                mean,
                yerr=sd,
                fmt="o",
                capsize=4,
                color=f"C{j}",
                label=("test" if j == 0 else "validation") if i == 0 else None,
            )
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("final accuracy (mean ± sd over seeds)")
    ax.set_title(f"Equal compute: {args.epochs * args.candidates} training epochs (digits 8x8)")
    ax.legend()
    ax.grid(alpha=0.3)
    shown = ("epochwise/previous_best, window 10", "epochwise/previous_best")
    for i, name in enumerate(n for n in shown if n in names):
        runs = [json.loads(r["lrs"]) for r in rows if r["method"] == name]
        if not runs:
            continue
        per_epoch = np.array([[math.nan if v is None else v for v in lrs] for lrs in runs])
        q25, q50, q75 = np.nanpercentile(per_epoch, [25, 50, 75], axis=0)
        epochs = np.arange(1, per_epoch.shape[1] + 1)
        ax_lr.plot(epochs, q50, marker="o", color=f"C{i + 2}", label=f"{name} (median)")
        ax_lr.fill_between(epochs, q25, q75, color=f"C{i + 2}", alpha=0.2)
    ax_lr.set_yscale("log")
    ax_lr.set_xlabel("epoch")
    ax_lr.set_ylabel("kept learning rate")
    ax_lr.set_title("Learning rate kept each epoch (median, IQR over seeds)")
    ax_lr.legend(fontsize=8)
    ax_lr.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _setting(options: dict[str, Any]) -> argparse.Namespace:
    return argparse.Namespace(
        epochs=int(options["epochs"]),
        candidates=int(options["candidates"]),
        fixed_lr=float(options["fixed_lr"]),
    )


_DATA: dict[str, tuple[Data, Data, Data]] = {}


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One method and seed: its final accuracies, epochs, seconds and kept learning rates."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if "digits" not in _DATA:
        _DATA["digits"] = split_data()
    args = _setting(dict(job.options))
    row = run_method(label(job.sampler, args), job.seed, args, _DATA["digits"])
    return {"problem": job.problem, "sampler": job.sampler, "seed": job.seed, "result": row}


def report(ctx: _frame.ReportContext) -> str:
    """results.csv, summary.md and epochwise.png from every stored run."""
    args = _setting(ctx.options)
    keys = list(METHODS)
    runs = sorted(ctx.runs, key=lambda r: (r["seed"], keys.index(r["sampler"])))
    rows = [r["result"] for r in runs]
    write_report(rows, args, ctx)
    return (ctx.out / "summary.md").read_text()


SUITES = {
    "epochwise": _frame.Suite(
        name="epochwise",
        title="Per-epoch learning-rate search (EpochwiseLRSearch) against whole-run tuning and "
        "fixed schedules at equal training compute: test accuracy over seeds.",
        run_one=run_one,
        report=report,
        problems=("digits",),
        samplers=tuple(METHODS),
        seeds="0-9",
        n_trials=None,
        options=(
            _frame.Option("epochs", int, 10, "E: epochs of the kept model"),
            _frame.Option("candidates", int, 4, "K: candidates per epoch"),
            _frame.Option("fixed_lr", float, 0.1, "initial lr of the fixed schedules"),
        ),
        quick={
            "samplers": "ew-previous_best-w10,whole-run-bo,fixed-cosine",
            "seeds": "0-1",
            "epochs": "2",
            "candidates": "2",
        },
        docs="docs/epochwise.md",
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("epochwise"))
