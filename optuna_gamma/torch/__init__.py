"""PyTorch helpers: train models as Optuna trials, on the GPU when there is one.

Import it explicitly (``import optuna_gamma.torch``); ``import optuna_gamma`` never imports torch.
Needs the ``torch`` extra (``pip install optuna-gamma[torch]``; ``[vision]`` adds torchvision for
:func:`load_mnist` and :func:`load_cifar10`).

- :class:`TorchObjective` -- the objective for ``study.optimize``.
- :class:`EpochwiseLRSearch` -- the thesis's per-epoch learning-rate search (figure 8).
- Building blocks for other loops: :func:`train_one_epoch`, :func:`evaluate`,
  :func:`classification_metrics`, :func:`make_optimizer`, :func:`prepare_data`,
  :func:`as_tensors`, :func:`resolve_device`, :func:`seeded`, :func:`trial_seed`,
  :func:`is_out_of_memory_error`, :func:`free_device_memory`.
- Data: :func:`load_digits` (offline), :func:`load_mnist`, :func:`load_cifar10`,
  :func:`train_val_split`.
- The thesis's networks: :class:`MnistMLP` (Table 2), :class:`Cifar10CNN` (Table 7).
"""

from __future__ import annotations

try:
    import torch as _torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "optuna_gamma.torch needs PyTorch: pip install 'optuna-gamma[torch]'."
    ) from exc

from optuna_gamma.torch._data import DataLike
from optuna_gamma.torch._data import as_tensors
from optuna_gamma.torch._data import load_cifar10
from optuna_gamma.torch._data import load_digits
from optuna_gamma.torch._data import load_mnist
from optuna_gamma.torch._data import train_val_split
from optuna_gamma.torch._device import free_device_memory
from optuna_gamma.torch._device import is_out_of_memory_error
from optuna_gamma.torch._device import resolve_device
from optuna_gamma.torch._device import seeded
from optuna_gamma.torch._device import trial_seed
from optuna_gamma.torch._metrics import METRIC_KEYS
from optuna_gamma.torch._metrics import classification_metrics
from optuna_gamma.torch._models import Cifar10CNN
from optuna_gamma.torch._models import MnistMLP
from optuna_gamma.torch._objective import TorchObjective
from optuna_gamma.torch._schedule import EpochwiseLRSearch
from optuna_gamma.torch._training import evaluate
from optuna_gamma.torch._training import make_optimizer
from optuna_gamma.torch._training import prepare_data
from optuna_gamma.torch._training import train_one_epoch

__all__ = [
    "METRIC_KEYS",
    "Cifar10CNN",
    "DataLike",
    "EpochwiseLRSearch",
    "MnistMLP",
    "TorchObjective",
    "as_tensors",
    "classification_metrics",
    "evaluate",
    "free_device_memory",
    "is_out_of_memory_error",
    "load_cifar10",
    "load_digits",
    "load_mnist",
    "make_optimizer",
    "prepare_data",
    "resolve_device",
    "seeded",
    "train_one_epoch",
    "train_val_split",
    "trial_seed",
]
