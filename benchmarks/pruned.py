"""Pruned learning-rate tuning: how GammaBOSampler should use PRUNED trials.

A pruner stops a trial after an epoch when its intermediate value looks worse than the other
trials' at the same step. What should the sampler learn from it? Two treatments
(``GammaBOSampler(pruned_trials=...)``), next to TPE (which ranks pruned trials below completed
ones) and random search:

- ``gamma-worst``: pruned trials join the data at the worst completed value (the default);
- ``gamma-exclude``: pruned trials are not modelled;

both never suggest a pruned trial's parameters again.

Task: :class:`optuna_gamma.torch.TorchObjective` trains a 64-32-10 ReLU MLP with SGD on
scikit-learn's 8x8 digits (offline; 80/20 train/validation split of the first 800 images) for
``--epochs`` epochs, maximising validation κ; parameters: learning rate (log, 1e-4..1) and
momentum (0..0.99). Optuna's default pruner (``MedianPruner()``) decides. Recorded per trial:
state, value, epochs run. Reported at each budget: median and mean of the best κ so far, and
the training epochs spent.

    python -m benchmarks.pruned                            # the committed run
    python -m benchmarks.pruned --seeds 0-1 --n-trials 8 --out /tmp/pruned   # smoke
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
import csv
import json
import math
from pathlib import Path
import statistics
from typing import Any

from benchmarks import _env

_env.limit_threads(1)

import optuna  # noqa: E402
import scipy.stats  # noqa: E402

OUT = _env.REPO_ROOT / "benchmarks" / "results" / "pruned"
SAMPLERS = ("gamma-worst", "gamma-exclude", "tpe", "random")
BUDGETS = (10, 25, 40)


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    from optuna_gamma import GammaBOSampler

    if name == "gamma-worst":
        return GammaBOSampler(seed=seed, pruned_trials="worst")
    if name == "gamma-exclude":
        return GammaBOSampler(seed=seed, pruned_trials="exclude")
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS)}")


def run_one(sampler: str, seed: int, n_trials: int, epochs: int) -> list[dict[str, Any]]:
    """One study; one row per trial."""
    import torch
    from torch import nn

    from optuna_gamma.torch import TorchObjective
    from optuna_gamma.torch import load_digits
    from optuna_gamma.torch import train_val_split

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    X, y = load_digits(size=8)
    train, val = train_val_split((X[:800], y[:800]), 0.2, seed=0)

    def model_fn() -> nn.Module:
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))

    objective = TorchObjective(
        model_fn,
        train,
        val,
        epochs=epochs,
        lr=(1e-4, 1.0),
        momentum=(0.0, 0.99),
        batch_size=32,
        optimizer="sgd",
        seed=seed,
    )
    study = optuna.create_study(direction="maximize", sampler=make_sampler(sampler, seed))
    study.optimize(objective, n_trials=n_trials)
    return [
        {
            "sampler": sampler,
            "seed": seed,
            "trial": t.number,
            "state": t.state.name,
            "value": t.value if t.value is not None else "",
            "epochs_run": t.user_attrs.get("epochs_run", 0),
            "lr": t.params.get("lr"),
            "momentum": t.params.get("momentum"),
        }
        for t in study.trials
    ]


def _parse_seeds(spec: str) -> list[int]:
    if "-" in spec:
        lo, hi = spec.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in spec.split(",")]


def summarise(rows: list[dict[str, Any]], budgets: tuple[int, ...]) -> list[dict[str, Any]]:
    out = []
    by_run: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in rows:
        by_run.setdefault((r["sampler"], int(r["seed"])), []).append(r)
    for sampler in dict.fromkeys(r["sampler"] for r in rows):
        runs = [
            sorted(v, key=lambda r: int(r["trial"])) for k, v in by_run.items() if k[0] == sampler
        ]
        for budget in budgets:
            best, epochs, pruned, repeats = [], [], [], []
            for run in runs:
                head = run[:budget]
                values = [float(r["value"]) for r in head if r["state"] == "COMPLETE"]
                best.append(max(values) if values else float("nan"))
                epochs.append(sum(int(r["epochs_run"]) for r in head))
                pruned.append(sum(r["state"] == "PRUNED" for r in head))
                points = [(r["lr"], r["momentum"]) for r in head]
                repeats.append(len(points) - len(set(points)))
            out.append(
                {
                    "sampler": sampler,
                    "budget": budget,
                    "runs": len(runs),
                    "median_best": statistics.median(best),
                    "mean_best": statistics.fmean(best),
                    "min_best": min(best),
                    "mean_epochs": statistics.fmean(epochs),
                    "mean_pruned": statistics.fmean(pruned),
                    "repeated_points": sum(repeats),
                }
            )
    return out


def write_report(out: Path, rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    summary = summarise(rows, tuple(b for b in BUDGETS if b <= args.n_trials))
    with (out / "summary.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(summary[0]))
        writer.writeheader()
        writer.writerows(summary)
    info = _env.machine_info()
    (out / "machine.json").write_text(json.dumps(info, indent=2) + "\n")
    lines = [
        "# Pruned learning-rate tuning (`python -m benchmarks.pruned`)",
        "",
        _env.markdown_header(
            info,
            {
                "seeds": f"{args.seeds} ({len(_parse_seeds(args.seeds))} per sampler)",
                "task": f"64-32-10 MLP, SGD, 8x8 digits, {args.epochs} epochs, MedianPruner()",
            },
        ),
        "",
        "Best validation κ among COMPLETE trials (higher is better), training epochs spent and "
        "pruned trials per run (means), parameter pairs suggested twice (all runs):",
        "",
        "| sampler | trials | median best κ | mean best κ | worst run | epochs | pruned "
        "| repeats |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        lines.append(
            f"| {s['sampler']} | {s['budget']} | {s['median_best']:.3f} | {s['mean_best']:.3f} "
            f"| {s['min_best']:.3f} | {s['mean_epochs']:.1f} | {s['mean_pruned']:.1f} "
            f"| {s['repeated_points']} |"
        )
    lines += [
        "",
        "Two-sided Mann-Whitney U over seeds of the best κ, first sampler vs second:",
        "",
    ]
    for a, b in (("gamma-worst", "gamma-exclude"), ("gamma-worst", "tpe")):
        for budget in (b_ for b_ in BUDGETS if b_ <= args.n_trials):
            xa, xb = _best_values(rows, a, budget), _best_values(rows, b, budget)
            if xa and xb:
                p = scipy.stats.mannwhitneyu(xa, xb, alternative="two-sided").pvalue
                wins = sum(x > y for x, y in zip(xa, xb))
                ties = sum(x == y for x, y in zip(xa, xb))
                lines.append(
                    f"- {a} vs {b}, {budget} trials: p = {p:.3f}; per seed (paired) higher / "
                    f"equal / lower: {wins} / {ties} / {len(xa) - wins - ties}"
                )
    (out / "results.md").write_text("\n".join(lines) + "\n")


def _best_values(rows: list[dict[str, Any]], sampler: str, budget: int) -> list[float]:
    """Best COMPLETE value in the first ``budget`` trials of each run of ``sampler``, by seed."""
    best: dict[int, float] = {}
    for r in rows:
        if r["sampler"] == sampler and int(r["trial"]) < budget and r["state"] == "COMPLETE":
            seed = int(r["seed"])
            best[seed] = max(best.get(seed, -math.inf), float(r["value"]))
    return [best[k] for k in sorted(best)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--n-trials", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    raw = args.out / "trials.csv"
    rows: list[dict[str, Any]] = []
    if raw.exists():  # resumable: runs already in the file are not repeated
        with raw.open() as f:
            rows = list(csv.DictReader(f))
    done = {(r["sampler"], int(r["seed"])) for r in rows}
    todo = [
        (s, seed)
        for s in args.samplers.split(",")
        for seed in _parse_seeds(args.seeds)
        if (s, seed) not in done
    ]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, s, seed, args.n_trials, args.epochs) for s, seed in todo]
        for future in futures:
            new = future.result()
            write_header = not raw.exists() or raw.stat().st_size == 0
            with raw.open("a", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(new[0]))
                if write_header:
                    writer.writeheader()
                writer.writerows(new)
            rows += [{k: str(v) for k, v in r.items()} for r in new]
    rows = [r for r in rows if r["sampler"] in args.samplers.split(",")]
    write_report(args.out, rows, args)
    print((args.out / "results.md").read_text())


if __name__ == "__main__":
    main()
