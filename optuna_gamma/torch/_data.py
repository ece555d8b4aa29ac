"""Data for the PyTorch helpers: datasets as tensors, a train/validation split and loaders.

Small datasets are held as two tensors ``(X, y)`` (inputs, integer class labels) so that training
can slice mini-batches directly on the device instead of going through a ``DataLoader``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from typing import TypeAlias

import numpy as np
import torch
from torch.utils.data import Dataset
from torch.utils.data import TensorDataset

__all__ = [
    "DataLike",
    "as_tensors",
    "load_cifar10",
    "load_digits",
    "load_mnist",
    "train_val_split",
]

#: What the helpers accept as data: a ``Dataset`` of ``(input, label)`` pairs (a
#: ``TensorDataset`` is used without copying) or an ``(X, y)`` pair of tensors or arrays.
DataLike: TypeAlias = "Dataset[Any] | tuple[Any, Any] | Sequence[Any]"


def _to_tensor(name: str, value: Any) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(value).__name__}.")


def as_tensors(data: DataLike, *, name: str = "data") -> tuple[torch.Tensor, torch.Tensor]:
    """Materialise data as an ``(X, y)`` pair of tensors with ``y`` as int64 class labels.

    Args:
        data: An ``(X, y)`` pair of tensors or NumPy arrays, a :class:`TensorDataset` with two
            tensors, or any map-style :class:`Dataset` whose items are ``(input, label)``
            (its items are stacked once; suitable for datasets that fit in memory).
        name: The argument name used in error messages.

    Returns:
        ``(X, y)``: ``X`` with the samples along dimension 0 (floating point, integer inputs are
        converted to float32), ``y`` a 1-D int64 tensor of the same length.

    Raises:
        TypeError: If ``data`` is none of the accepted kinds.
        ValueError: If the lengths differ, the data are empty, or labels are not integers >= 0.
    """
    if isinstance(data, TensorDataset):
        if len(data.tensors) != 2:
            raise ValueError(
                f"{name} must be a TensorDataset of exactly 2 tensors (inputs, labels), got "
                f"{len(data.tensors)} tensors."
            )
        X, y = data.tensors
    elif isinstance(data, (tuple, list)):
        if len(data) != 2:
            raise ValueError(
                f"{name} must be an (X, y) pair, got a sequence of length {len(data)}."
            )
        X, y = _to_tensor(f"{name}[0]", data[0]), _to_tensor(f"{name}[1]", data[1])
    elif isinstance(data, Dataset):
        try:
            n = len(data)  # type: ignore[arg-type]
        except TypeError as exc:
            raise TypeError(f"{name} must be a map-style Dataset with __len__.") from exc
        if n == 0:
            raise ValueError(f"{name} is empty.")
        xs, ys = [], []
        for i in range(n):
            item = data[i]
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise TypeError(f"{name}[{i}] must be an (input, label) pair, got {type(item)}.")
            xs.append(
                torch.as_tensor(np.asarray(item[0])) if not torch.is_tensor(item[0]) else item[0]
            )
            ys.append(int(item[1]))
        X, y = torch.stack(xs), torch.tensor(ys, dtype=torch.int64)
    else:
        raise TypeError(
            f"{name} must be a torch Dataset or an (X, y) pair of tensors/arrays, got "
            f"{type(data).__name__}."
        )
    if X.ndim == 0 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{name}: X and y must have the same number of samples along dimension 0 and y "
            f"must be 1-D, got X.shape={tuple(X.shape)}, y.shape={tuple(y.shape)}."
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty.")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise ValueError(f"{name}: labels y must be integer class indices, got dtype {y.dtype}.")
    if int(y.min()) < 0:
        raise ValueError(f"{name}: labels y must be >= 0, got min {int(y.min())}.")
    if not X.is_floating_point():
        X = X.to(torch.float32)
    return X, y.to(torch.int64)


def train_val_split(
    data: DataLike,
    val_fraction: float = 0.2,
    *,
    seed: int | None = 0,
    stratify: bool = False,
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Split data into training and validation parts (80/20 by default, as in the thesis).

    Args:
        data: Anything :func:`as_tensors` accepts.
        val_fraction: Fraction of the samples for validation, in ``(0, 1)``. The validation part
            gets ``round(n * val_fraction)`` samples (at least 1, at most ``n - 1``).
            Defaults to ``0.2``.
        seed: Seed of the shuffle; ``None`` keeps the original order (the last samples become the
            validation part). Defaults to ``0``.
        stratify: Keep the class proportions in both parts (per-class shuffled split).
            Defaults to ``False``.

    Returns:
        ``((X_train, y_train), (X_val, y_val))``.

    Raises:
        ValueError: If ``val_fraction`` is not in ``(0, 1)`` or there are fewer than 2 samples.
    """
    if not isinstance(val_fraction, (int, float)) or not (0.0 < val_fraction < 1.0):
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}.")
    X, y = as_tensors(data)
    n = int(y.shape[0])
    if n < 2:
        raise ValueError(f"data must hold at least 2 samples to split, got {n}.")
    n_val = min(max(round(n * val_fraction), 1), n - 1)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    if not stratify:
        order = (
            torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
        )
        val_idx, train_idx = order[n - n_val :], order[: n - n_val]
    else:
        val_parts, train_parts = [], []
        y_cpu = y.cpu()
        for label in torch.unique(y_cpu).tolist():
            idx = torch.nonzero(y_cpu == label).flatten()
            if generator is not None:
                idx = idx[torch.randperm(idx.numel(), generator=generator)]
            k = round(idx.numel() * n_val / n)
            val_parts.append(idx[idx.numel() - k :])
            train_parts.append(idx[: idx.numel() - k])
        val_idx, train_idx = torch.cat(val_parts), torch.cat(train_parts)
        if val_idx.numel() == 0 or train_idx.numel() == 0:
            raise ValueError(
                f"stratify=True with val_fraction={val_fraction} leaves one part empty for "
                f"{n} samples; use more data, another val_fraction or stratify=False."
            )
    train_idx, val_idx = train_idx.sort().values, val_idx.sort().values
    dev = X.device
    return (X[train_idx.to(dev)], y[train_idx.to(y.device)]), (
        X[val_idx.to(dev)],
        y[val_idx.to(y.device)],
    )


def load_digits(size: int = 28) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's bundled handwritten digits (1797 images, 10 classes), offline, as tensors.

    The 8×8 images are scaled to ``[0, 1]`` and resized with bilinear interpolation to
    ``size × size`` (28 matches MNIST, so the thesis's MNIST networks accept them).

    Args:
        size: Output height and width in pixels, ``>= 8``. Defaults to ``28``.

    Returns:
        ``(X, y)`` with ``X`` float32 of shape ``(1797, 1, size, size)`` and ``y`` int64.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ValueError(f"size must be an integer >= 8, got {size!r}.")
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    images = torch.from_numpy(np.asarray(bunch.images, dtype=np.float32) / 16.0).unsqueeze(1)
    if size != 8:
        images = torch.nn.functional.interpolate(
            images, size=(size, size), mode="bilinear", align_corners=False
        ).clamp_(0.0, 1.0)
    return images.contiguous(), torch.from_numpy(np.asarray(bunch.target, dtype=np.int64))


def _offline_error(name: str, root: Path, exc: BaseException) -> RuntimeError:
    return RuntimeError(
        f"{name} is not available under root={str(root)!r} and could not be downloaded "
        f"({type(exc).__name__}: {exc}). Download it once on a machine with internet access "
        f"(load_{name.lower().replace('-', '')}(root, download=True)) and copy the folder to "
        f"root, or use optuna_gamma.torch.load_digits() for offline work."
    )


def _torchvision_dataset(
    cls_name: str, name: str, root: str | Path, subset: int | None, train: bool, download: bool
) -> Any:
    """``torchvision.datasets.<cls_name>(root, train=..., download=...)`` after checking
    ``subset``, with a clear error when the files are absent."""
    _check_subset(subset)
    import torchvision.datasets

    root = Path(root)
    try:
        return getattr(torchvision.datasets, cls_name)(str(root), train=train, download=download)
    except (RuntimeError, OSError) as exc:  # "Dataset not found", URLError, socket errors
        raise _offline_error(name, root, exc) from exc


def _subset(
    X: torch.Tensor, y: torch.Tensor, subset: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    return (X, y) if subset is None else (X[:subset], y[:subset])


def _check_subset(subset: int | None) -> None:
    if subset is not None and (
        isinstance(subset, bool) or not isinstance(subset, int) or subset < 1
    ):
        raise ValueError(f"subset must be None or a positive integer, got {subset!r}.")


def load_mnist(
    root: str | Path,
    subset: int | None = None,
    download: bool = True,
    *,
    train: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST through torchvision, as tensors scaled to ``[0, 1]``.

    Args:
        root: Folder holding (or receiving) torchvision's ``MNIST/`` directory.
        subset: Keep only the first ``subset`` images (the thesis uses the first 500);
            ``None`` keeps all. Defaults to ``None``.
        download: Download the files when they are absent. Defaults to ``True``.
        train: The 60,000 training images (``True``) or the 10,000 test images.
            Defaults to ``True``.

    Returns:
        ``(X, y)`` with ``X`` float32 of shape ``(n, 1, 28, 28)`` and ``y`` int64.

    Raises:
        RuntimeError: If the files are absent and cannot be downloaded (offline), with what to do.
        ImportError: If torchvision is not installed (``pip install optuna-gamma[vision]``).
    """
    dataset = _torchvision_dataset("MNIST", "MNIST", root, subset, train, download)
    X = dataset.data.to(torch.float32).div_(255.0).unsqueeze(1)
    y = torch.as_tensor(dataset.targets, dtype=torch.int64)
    X, y = _subset(X, y, subset)
    return X.contiguous(), y


def load_cifar10(
    root: str | Path,
    subset: int | None = None,
    download: bool = True,
    *,
    train: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 through torchvision, as tensors scaled to ``[0, 1]`` (channels first).

    The arguments are those of :func:`load_mnist`: ``root`` holds (or receives) torchvision's
    ``cifar-10-batches-py/`` directory, and ``train`` picks the 50,000 training images or the
    10,000 test images.

    Returns:
        ``(X, y)`` with ``X`` float32 of shape ``(n, 3, 32, 32)`` and ``y`` int64.

    Raises:
        RuntimeError: As :func:`load_mnist`, when the archive is absent and cannot be downloaded.
        ImportError: As :func:`load_mnist`, when torchvision is not installed.
    """
    dataset = _torchvision_dataset("CIFAR10", "CIFAR-10", root, subset, train, download)
    data = np.asarray(dataset.data)  # (n, 32, 32, 3) uint8
    X = torch.from_numpy(data).permute(0, 3, 1, 2).to(torch.float32).div_(255.0)
    y = torch.as_tensor(np.asarray(dataset.targets), dtype=torch.int64)
    X, y = _subset(X, y, subset)
    return X.contiguous(), y


def check_train_val(
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_val: torch.Tensor,
    y_val: torch.Tensor,
    num_classes: int | None,
) -> int:
    """Checks that training and validation inputs match in shape; returns the number of classes.

    Args:
        X_train: Training inputs.
        y_train: Training labels (integers from 0).
        X_val: Validation inputs.
        y_val: Validation labels.
        num_classes: The number of classes, or ``None`` to infer largest label + 1.

    Raises:
        ValueError: The input shapes differ, or ``num_classes`` is not an integer at least the
            largest label + 1.
    """
    if X_train.shape[1:] != X_val.shape[1:]:
        raise ValueError(
            f"train_data and val_data inputs differ in shape: {tuple(X_train.shape[1:])} vs "
            f"{tuple(X_val.shape[1:])}."
        )
    inferred = int(max(int(y_train.max()), int(y_val.max()))) + 1
    if num_classes is None:
        return inferred
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < inferred:
        raise ValueError(
            f"num_classes must be an integer >= largest label + 1 = {inferred}, "
            f"got {num_classes!r}."
        )
    return num_classes
