"""The thesis's system (figure 8): choose the learning rate again at every epoch.

Each epoch GammaBOSampler proposes learning rates, a copy of the model trains one epoch with
each, and the copy with the best κ on the validation data carries on. Every candidate is an
Optuna trial in SQLite (open it with optuna-dashboard); the kept weights are checkpointed after
each epoch, so running the same command again after an interruption resumes where it stopped.
Runs offline on scikit-learn's digits (8x8 images).

    python examples/epochwise_lr.py                              # 10 epochs x 4 candidates
    python examples/epochwise_lr.py --epochs 2 --candidates 2    # seconds
    optuna-dashboard sqlite:///epochwise.db
"""

from __future__ import annotations

import argparse

import optuna
import torch

from optuna_gamma.dashboard import dashboard_command
from optuna_gamma.torch import EpochwiseLRSearch
from optuna_gamma.torch import MnistMLP
from optuna_gamma.torch import load_digits
from optuna_gamma.torch import train_val_split


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs of the kept model")
    parser.add_argument("--candidates", type=int, default=4, help="learning rates per epoch")
    parser.add_argument("--n-images", type=int, default=1000, help="digits used (of 1797)")
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument(
        "--warm-start", choices=("previous_best", "all_epochs", "none"), default="previous_best"
    )
    parser.add_argument("--lr-low", type=float, default=1e-4)
    parser.add_argument("--lr-high", type=float, default=0.5)
    parser.add_argument("--storage", default="sqlite:///epochwise.db")
    parser.add_argument("--study-name", default=None)
    parser.add_argument("--checkpoint-dir", default="epochwise_checkpoints")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    X, y = load_digits(size=8)
    train, val = train_val_split(
        (X[: args.n_images], y[: args.n_images]), args.val_fraction, seed=args.seed
    )
    study_name = args.study_name or (
        f"epochwise-digits-e{args.epochs}-k{args.candidates}-{args.warm_start}-seed{args.seed}"
    )
    search = EpochwiseLRSearch(
        lambda: MnistMLP(in_features=64, hidden_sizes=(100,) * 6, dropout=0.2),
        train,
        val,
        epochs=args.epochs,
        candidates_per_epoch=args.candidates,
        storage=args.storage,
        seed=args.seed,
        study_name=study_name,
        checkpoint_dir=f"{args.checkpoint_dir}/{study_name}",
        lr=(args.lr_low, args.lr_high),
        warm_start=args.warm_start,
        batch_size=50,
        weight_decay=1e-3,
        device=args.device,
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    _, history = search.run()
    print(f"{'epoch':>5} {'lr':>9} {'kappa':>8} {'accuracy':>8} {'tried':>30} {'s':>6}")
    for r in history:
        lr = "diverged" if r["lr"] is None else f"{r['lr']:.4g}"
        tried = " ".join(f"{c['lr']:.3g}" for c in r["candidates"])
        print(
            f"{r['epoch']:>5} {lr:>9} {r['kappa']:>8.4f} {r['accuracy']:>8.4f} {tried:>30} "
            f"{r['seconds']:>6.2f}"
        )
    print(f"epochs trained (all candidates): {search.epochs_trained}")
    print(
        f"study {study_name!r} in {args.storage}; see it with: {dashboard_command(args.storage)}"
    )


if __name__ == "__main__":
    main()
