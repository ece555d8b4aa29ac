"""Throughput of optuna_gamma.torch: training samples per second and seconds per Optuna trial.

Compares the helper's loop (batches sliced from tensors held on the device) with a plain
``DataLoader`` loop over the same ``TensorDataset``, then times whole ``TorchObjective`` trials.
Synthetic data of MNIST or CIFAR-10 shape, so nothing is downloaded.

    python benchmarks/torch_throughput.py --device cpu --model mlp
    python benchmarks/torch_throughput.py --device cuda --model cnn --mixed-precision
    python -m benchmarks torch_throughput --device cpu --model mlp     # the same

A measurement, not a set of studies: it prints its numbers (``--json FILE`` writes them) and
has no run store.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import json
import platform
import statistics
import time
from typing import Any

import optuna
import torch
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data import TensorDataset

from optuna_gamma.torch import Cifar10CNN
from optuna_gamma.torch import MnistMLP
from optuna_gamma.torch import TorchObjective
from optuna_gamma.torch import prepare_data
from optuna_gamma.torch import resolve_device
from optuna_gamma.torch import train_one_epoch


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _data(model: str, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    shape = (1, 28, 28) if model == "mlp" else (3, 32, 32)
    return torch.rand((n, *shape), generator=g), torch.randint(0, 10, (n,), generator=g)


def _model_fn(model: str) -> Callable[[], nn.Module]:
    return MnistMLP if model == "mlp" else Cifar10CNN


def _autocast(device: torch.device, mixed_precision: bool) -> torch.dtype | None:
    if not (mixed_precision and device.type == "cuda"):
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _samples_per_second(
    epoch: Callable[[], None], args: argparse.Namespace, device: torch.device
) -> float:
    """Samples per second of ``args.epochs`` calls of ``epoch`` after one warm-up call."""
    epoch()  # warm-up
    _sync(device)
    start = time.perf_counter()
    for _ in range(args.epochs):
        epoch()
    _sync(device)
    return args.epochs * args.n_samples / (time.perf_counter() - start)


def time_tensor_loop(args: argparse.Namespace, device: torch.device) -> float:
    """Samples per second of ``train_one_epoch`` on device-resident tensors."""
    X, y = prepare_data(_data(args.model, args.n_samples, args.seed), device)
    torch.manual_seed(args.seed)
    model = _model_fn(args.model)().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-3)
    dtype = _autocast(device, args.mixed_precision)
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    gen = torch.Generator().manual_seed(args.seed)

    def epoch() -> None:
        train_one_epoch(
            model,
            opt,
            X,
            y,
            batch_size=args.batch_size,
            generator=gen,
            autocast_dtype=dtype,
            grad_scaler=scaler,
        )

    return _samples_per_second(epoch, args, device)


def time_dataloader_loop(args: argparse.Namespace, device: torch.device) -> float:
    """Samples per second of a textbook ``DataLoader`` loop (host tensors, per-batch copies)."""
    X, y = _data(args.model, args.n_samples, args.seed)
    loader = DataLoader(
        TensorDataset(X, y),
        batch_size=args.batch_size,
        shuffle=True,
        pin_memory=device.type == "cuda",
        generator=torch.Generator().manual_seed(args.seed),
    )
    torch.manual_seed(args.seed)
    model = _model_fn(args.model)().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-3)
    dtype = _autocast(device, args.mixed_precision)
    loss_fn = nn.CrossEntropyLoss()

    def epoch() -> None:
        model.train()
        for xb, yb in loader:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            opt.zero_grad(set_to_none=True)
            with torch.autocast(
                device.type, dtype=dtype or torch.float32, enabled=dtype is not None
            ):
                loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            loss.item()  # the usual per-batch logging sync

    return _samples_per_second(epoch, args, device)


def time_trials(args: argparse.Namespace, device: torch.device) -> float:
    """Mean wall seconds per ``TorchObjective`` trial (train + validate each epoch)."""
    X, y = _data(args.model, args.n_samples, args.seed)
    n_val = args.n_samples // 5
    objective = TorchObjective(
        _model_fn(args.model),
        (X[n_val:], y[n_val:]),
        (X[:n_val], y[:n_val]),
        epochs=args.epochs,
        batch_size=args.batch_size,
        weight_decay=1e-3,
        device=device,
        seed=args.seed,
        mixed_precision=args.mixed_precision,
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.RandomSampler(seed=args.seed)
    )
    study.optimize(objective, n_trials=1)  # warm-up (lazy imports, kernel selection)
    start = time.perf_counter()
    study.optimize(objective, n_trials=args.trials)
    return (time.perf_counter() - start) / args.trials


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m benchmarks torch_throughput``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    parser.add_argument(
        "--model",
        choices=("mlp", "cnn"),
        default="mlp",
        help="mlp: thesis Table 2 on 1x28x28; cnn: Keras CIFAR-10 CNN on 3x32x32",
    )
    parser.add_argument("--n-samples", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--mixed-precision", action="store_true")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--repeats", type=int, default=3, help="median over this many runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the results to this file")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)

    results: dict[str, Any] = {
        **{k: v for k, v in vars(args).items() if k not in ("json", "device", "threads")},
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    # Interleaved repeats, median reported: robust to other load on a shared machine.
    runs: dict[str, list[float]] = {"tensor": [], "dataloader": [], "trial": []}
    for _ in range(args.repeats):
        runs["tensor"].append(time_tensor_loop(args, device))
        runs["dataloader"].append(time_dataloader_loop(args, device))
        runs["trial"].append(time_trials(args, device))
    results["runs"] = runs
    results["tensor_loop_samples_per_s"] = statistics.median(runs["tensor"])
    results["dataloader_samples_per_s"] = statistics.median(runs["dataloader"])
    results["seconds_per_trial"] = statistics.median(runs["trial"])

    print(
        f"device={results['device']} ({results['device_name']}), torch {results['torch']}, "
        f"{results['threads']} threads, model={args.model}, n={args.n_samples}, "
        f"batch={args.batch_size}, epochs={args.epochs}, mixed_precision={args.mixed_precision}, "
        f"median of {args.repeats}"
    )
    print("| measure | value |\n|---|---|")
    print(
        f"| train samples/s, tensors on device (train_one_epoch) | "
        f"{results['tensor_loop_samples_per_s']:,.0f} |"
    )
    print(f"| train samples/s, DataLoader loop | {results['dataloader_samples_per_s']:,.0f} |")
    print(
        f"| seconds per trial ({args.epochs} epochs, {args.n_samples} samples, 80/20) | "
        f"{results['seconds_per_trial']:.3f} |"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
