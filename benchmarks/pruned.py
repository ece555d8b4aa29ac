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

    python -m benchmarks pruned --workers 2                # the committed run (20 seeds)
    python -m benchmarks pruned --quick                    # smoke run, git-ignored folder

(``python -m benchmarks.pruned ...`` is the same command.) Runs:
``benchmarks/results/pruned/raw/digits/<sampler>-<seed>.json`` (git-ignored); report:
``results.md``, ``summary.csv`` (committed).
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
from typing import Any

from benchmarks import _env
from benchmarks import _frame

_env.limit_threads(1)

import optuna  # noqa: E402
import scipy.stats  # noqa: E402

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


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One study; per trial its state, value, epochs run and parameters."""
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
        epochs=int(job.options["epochs"]),
        lr=(1e-4, 1.0),
        momentum=(0.0, 0.99),
        batch_size=32,
        optimizer="sgd",
        seed=job.seed,
    )
    study = optuna.create_study(direction="maximize", sampler=make_sampler(job.sampler, job.seed))
    study.optimize(objective, n_trials=job.n_trials)
    return {
        "problem": job.problem,
        "sampler": job.sampler,
        "seed": job.seed,
        "trials": [
            {
                "state": t.state.name,
                "value": t.value,
                "epochs_run": t.user_attrs.get("epochs_run", 0),
                "lr": t.params.get("lr"),
                "momentum": t.params.get("momentum"),
            }
            for t in study.trials
        ],
    }


def summarise(runs: list[dict[str, Any]], budgets: tuple[int, ...]) -> list[dict[str, Any]]:
    """Per sampler and budget: the median, mean and worst best κ over runs, the mean epochs
    spent and trials pruned, and the parameter pairs suggested twice."""
    out = []
    samplers = _frame.order({r["sampler"] for r in runs}, SAMPLERS)
    for sampler in samplers:
        mine = [
            r["trials"] for r in sorted(runs, key=lambda r: r["seed"]) if r["sampler"] == sampler
        ]
        for budget in budgets:
            best, epochs, pruned, repeats = [], [], [], []
            for trials in mine:
                head = trials[:budget]
                values = [t["value"] for t in head if t["state"] == "COMPLETE"]
                best.append(max(values) if values else float("nan"))
                epochs.append(sum(int(t["epochs_run"]) for t in head))
                pruned.append(sum(t["state"] == "PRUNED" for t in head))
                points = [(t["lr"], t["momentum"]) for t in head]
                repeats.append(len(points) - len(set(points)))
            out.append(
                {
                    "sampler": sampler,
                    "budget": budget,
                    "runs": len(mine),
                    "median_best": statistics.median(best),
                    "mean_best": statistics.fmean(best),
                    "min_best": min(best),
                    "mean_epochs": statistics.fmean(epochs),
                    "mean_pruned": statistics.fmean(pruned),
                    "repeated_points": sum(repeats),
                }
            )
    return out


def _best_values(runs: list[dict[str, Any]], sampler: str, budget: int) -> list[float]:
    """Best COMPLETE value in the first ``budget`` trials of each run of ``sampler``, by seed."""
    best = {}
    for r in runs:
        values = [t["value"] for t in r["trials"][:budget] if t["state"] == "COMPLETE"]
        if r["sampler"] == sampler and values:
            best[int(r["seed"])] = max(values)
    return [best[k] for k in sorted(best)]


def report(ctx: _frame.ReportContext) -> str:
    """summary.csv, results.md and machine.json from every stored run."""
    n_trials = min(len(r["trials"]) for r in ctx.runs)
    budgets = tuple(b for b in BUDGETS if b <= n_trials) or (n_trials,)
    summary = summarise(ctx.runs, budgets)
    with (ctx.out / "summary.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(summary[0]))
        writer.writeheader()
        writer.writerows(summary)
    (ctx.out / "machine.json").write_text(json.dumps(ctx.info, indent=2) + "\n")
    seeds = ctx.seeds
    lines = [
        "# Pruned learning-rate tuning",
        "",
        ctx.header(
            {
                "seeds": f"{_frame.seed_spec(seeds)} ({len(seeds)} per sampler)",
                "task": f"64-32-10 MLP, SGD, 8x8 digits, {ctx.options['epochs']} epochs, "
                "MedianPruner()",
            }
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
        for budget in budgets:
            xa, xb = _best_values(ctx.runs, a, budget), _best_values(ctx.runs, b, budget)
            if xa and xb:
                p = scipy.stats.mannwhitneyu(xa, xb, alternative="two-sided").pvalue
                wins = sum(x > y for x, y in zip(xa, xb))
                ties = sum(x == y for x, y in zip(xa, xb))
                lines.append(
                    f"- {a} vs {b}, {budget} trials: p = {p:.3f}; per seed (paired) higher / "
                    f"equal / lower: {wins} / {ties} / {len(xa) - wins - ties}"
                )
    text = "\n".join(lines) + "\n"
    (ctx.out / "results.md").write_text(text)
    return text


SUITES = {
    "pruned": _frame.Suite(
        name="pruned",
        title="Pruned trials (MedianPruner) in learning-rate tuning: best validation κ and "
        "epochs spent for pruned_trials='worst' / 'exclude' against TPE and random search.",
        run_one=run_one,
        report=report,
        problems=("digits",),
        samplers=SAMPLERS,
        seeds="0-19",
        n_trials=40,
        options=(_frame.Option("epochs", int, 8, "training epochs per trial"),),
        quick={
            "samplers": "gamma-worst,random",
            "seeds": "0-1",
            "n_trials": "8",
            "epochs": "2",
        },
        docs='docs/benchmarks.md, "Pruned trials"',
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("pruned"))
