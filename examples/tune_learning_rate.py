"""The thesis's experiment: tune the learning rate of an SGD-trained network with κ.

SGD with mini-batches of 50 and weight decay 0.001 (thesis Table 2) trains the thesis's MNIST
network (6 hidden ReLU layers); GammaBOSampler chooses the learning rate, maximising κ (thesis
eq. 12), and every trial is stored in SQLite so optuna-dashboard can show it. Runs offline on
scikit-learn's digits (upsampled to 28×28) by default; ``--dataset mnist`` or ``--dataset
cifar10`` use torchvision's files (downloaded into ``--data-root`` when missing and online).

The defaults are chosen so that the result means something (about a minute on two CPU cores):
all 1797 digits, 20 % of them for validation, 10 epochs per trial, dropout 0.2 -- the best trial
reaches a validation accuracy near 0.9. ``--thesis`` switches to the thesis's own setting: 500
images, 1 epoch, dropout 0.5. That network barely learns in one epoch (accuracy near chance on
digits), which is what the thesis's low Table 8 accuracies show too.

    python examples/tune_learning_rate.py                   # 2 startup + 10 BO trials, 10 epochs
    python examples/tune_learning_rate.py --thesis          # the thesis's setting (1 epoch)
    python examples/tune_learning_rate.py --thesis --epochs 50 --predictive gaussian
    .venv/bin/optuna-dashboard sqlite:///tune_lr.db
"""

from __future__ import annotations

import argparse
import sys

import optuna
import torch

from optuna_gamma.dashboard import dashboard_command
from optuna_gamma.torch import Cifar10CNN
from optuna_gamma.torch import MnistMLP
from optuna_gamma.torch import TorchObjective
from optuna_gamma.torch import load_cifar10
from optuna_gamma.torch import load_digits
from optuna_gamma.torch import load_mnist
from optuna_gamma.torch import train_val_split


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=("digits", "mnist", "cifar10"), default="digits")
    parser.add_argument("--data-root", default="data", help="torchvision data folder")
    parser.add_argument("--offline", action="store_true", help="never download MNIST/CIFAR-10")
    parser.add_argument(
        "--thesis",
        action="store_true",
        help="the thesis's setting: 500 images, 1 epoch, dropout 0.5 (each still overridable)",
    )
    parser.add_argument(
        "--n-images",
        type=int,
        default=None,
        help="images used (default: all 1797 digits, 10000 of MNIST/CIFAR-10; thesis: 500)",
    )
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument(
        "--epochs", type=int, default=None, help="epochs per trial (default 10; thesis: 1, 50)"
    )
    parser.add_argument(
        "--dropout",
        type=float,
        default=None,
        help="after each hidden layer (default 0.2; thesis 0.5)",
    )
    parser.add_argument("--n-trials", type=int, default=12, help="2 startup + 10 BO (thesis)")
    parser.add_argument("--n-startup-trials", type=int, default=2)
    parser.add_argument(
        "--sampler", choices=("gamma", "tpe", "random"), default="gamma", help="gamma: GammaBO"
    )
    parser.add_argument("--predictive", choices=("student_t", "gaussian"), default="student_t")
    parser.add_argument("--lr-low", type=float, default=1e-4)
    parser.add_argument("--lr-high", type=float, default=0.5)
    parser.add_argument("--lam", type=float, default=0.5, help="κ's λ")
    parser.add_argument(
        "--kappa-variant", choices=("improved", "original", "smooth"), default="improved"
    )
    parser.add_argument("--storage", default="sqlite:///tune_lr.db")
    parser.add_argument("--study-name", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--mixed-precision", action="store_true", help="autocast on CUDA")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    args = parser.parse_args(argv)
    thesis = {"n_images": 500, "epochs": 1, "dropout": 0.5}
    default = {
        "n_images": None if args.dataset == "digits" else 10_000,
        "epochs": 10,
        "dropout": 0.2,
    }
    for name in thesis:
        if getattr(args, name) is None:
            setattr(args, name, (thesis if args.thesis else default)[name])
    return args


def load_data(args: argparse.Namespace) -> tuple[torch.Tensor, torch.Tensor]:
    if args.dataset == "digits":
        X, y = load_digits(size=28)
        return (X, y) if args.n_images is None else (X[: args.n_images], y[: args.n_images])
    if args.dataset == "mnist":
        return load_mnist(args.data_root, subset=args.n_images, download=not args.offline)
    return load_cifar10(args.data_root, subset=args.n_images, download=not args.offline)


def make_sampler(args: argparse.Namespace) -> optuna.samplers.BaseSampler:
    if args.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=args.seed, n_startup_trials=args.n_startup_trials)
    if args.sampler == "random":
        return optuna.samplers.RandomSampler(seed=args.seed)
    from optuna_gamma import GammaBOSampler

    return GammaBOSampler(
        seed=args.seed, n_startup_trials=args.n_startup_trials, predictive=args.predictive
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    try:
        X, y = load_data(args)
    except RuntimeError as exc:  # offline and the files are absent
        print(f"error: {exc}", file=sys.stderr)
        return 2
    train, val = train_val_split((X, y), args.val_fraction, seed=args.seed)
    if args.dataset == "cifar10":

        def model_fn() -> torch.nn.Module:
            return Cifar10CNN()

    else:

        def model_fn() -> torch.nn.Module:
            return MnistMLP(dropout=args.dropout)  # thesis Table 2 (dropout 0.5 with --thesis)

    objective = TorchObjective(
        model_fn,
        train,
        val,
        epochs=args.epochs,
        lr=(args.lr_low, args.lr_high),
        batch_size=50,  # thesis Table 2
        weight_decay=1e-3,  # thesis Table 2
        optimizer="sgd",
        target="kappa",
        lam=args.lam,
        kappa_variant=args.kappa_variant,
        device=args.device,
        seed=args.seed,
        mixed_precision=args.mixed_precision,
    )
    label = args.sampler if args.sampler != "gamma" else f"gamma-{args.predictive}"
    study_name = args.study_name or f"tune-lr-{args.dataset}-{label}-{args.epochs}ep-s{args.seed}"
    study = optuna.create_study(
        study_name=study_name,
        storage=args.storage,
        direction="maximize",
        sampler=make_sampler(args),
        load_if_exists=True,
    )
    study.set_user_attr("dataset", args.dataset)
    study.set_user_attr("train_images", int(train[1].shape[0]))
    study.set_user_attr("validation_images", int(val[1].shape[0]))
    study.optimize(objective, n_trials=args.n_trials)

    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        print("no trial completed", file=sys.stderr)
        return 1
    best = study.best_trial
    print(f"study {study_name!r}: {len(completed)} completed trials on {objective.device}")
    print(
        f"best trial #{best.number}: lr={best.params.get('lr', float('nan')):.5g} "
        f"kappa={best.value:.4f} accuracy={best.user_attrs['accuracy']:.4f} "
        f"loss={best.user_attrs['loss']:.4f} mcc={best.user_attrs['mcc']:.4f}"
    )
    print(f"inspect: {dashboard_command(args.storage)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
