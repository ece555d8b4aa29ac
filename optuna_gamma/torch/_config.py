"""The training settings that :class:`~optuna_gamma.torch.TorchObjective` and
:class:`~optuna_gamma.torch.EpochwiseLRSearch` share, checked once: :class:`TrainingConfig`,
which both build from their keyword arguments and hand to their ``EpochRunner``, and
:class:`TrainingSettings`, their read-only attributes ``optimizer``, ``device`` and ``catch_oom``.

What the two classes do not share stays with them: the search space of ``TorchObjective`` (a
learning-rate range or value, batch-size choices, weight-decay and momentum ranges, all per
trial) and the fixed optimizer settings and schedule of ``EpochwiseLRSearch``, and each one's
seed (per trial, or one per run).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
import dataclasses
import inspect
from typing import Any
from typing import Literal

import torch

from optuna_gamma._kappa import _VARIANTS
from optuna_gamma._kappa import KappaVariant
from optuna_gamma._kappa import check_lam
from optuna_gamma.torch._device import resolve_device

__all__ = [
    "OPTIMIZERS",
    "LossFn",
    "OptimizerSpec",
    "TrainingConfig",
    "TrainingSettings",
    "check_data_on_device",
    "check_positive_int",
]

#: The optimizers :func:`optuna_gamma.torch.make_optimizer` builds by name.
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
#: A mean-reduced loss ``loss_fn(logits, y)``.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
#: An optimizer name from :data:`OPTIMIZERS`, or a callable such as ``torch.optim.SGD``.
OptimizerSpec = str | Callable[..., torch.optim.Optimizer]


def check_positive_int(name: str, value: object) -> int:
    """``value`` if it is an int >= 1, else a ``ValueError`` that names it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return value


def check_data_on_device(value: object) -> None:
    """``data_on_device`` is ``True``, ``False`` or ``"auto"`` (see :func:`prepare_data`)."""
    if value not in (True, False, "auto"):
        raise ValueError(f"data_on_device must be True, False or 'auto', got {value!r}.")


@dataclasses.dataclass(frozen=True, init=False)
class TrainingConfig:
    """How a model is trained and scored, whatever the learning rate: the optimizer, the loss,
    κ's weight and variant, the device, where the data live, the evaluation chunk size, mixed
    precision and what an out-of-memory error does.

    Every argument is checked here, once, before any data are touched; the fields hold the
    checked values (``device`` resolved, ``lam`` a float). The arguments mean what the arguments
    of the same names of :class:`~optuna_gamma.torch.TorchObjective` mean.

    Args:
        optimizer: ``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"`` or a callable (see
            :func:`make_optimizer`). Defaults to ``"sgd"``.
        loss_fn: Mean-reduced training and validation loss. Defaults to cross-entropy.
        lam: κ's λ, ``1e-300 <= lam < 1`` (as :func:`optuna_gamma.kappa_score`). Defaults to
            ``0.5``.
        kappa_variant: κ's variant. Defaults to ``"improved"``.
        device: ``"auto"`` or a device (see :func:`resolve_device`). Defaults to ``"auto"``.
        data_on_device: See :func:`prepare_data`. Defaults to ``"auto"``.
        eval_batch_size: Evaluation chunk size. Defaults to ``1024``.
        mixed_precision: Train and evaluate under :func:`torch.autocast` on CUDA (bfloat16 where
            supported, else float16); full precision elsewhere. Defaults to ``False``.
        catch_oom: Turn an out-of-memory error into a failed run (``True``) or re-raise it.
            Defaults to ``True``.
    """

    optimizer: OptimizerSpec
    loss_fn: LossFn | None
    lam: float
    kappa_variant: KappaVariant
    device: torch.device
    data_on_device: bool | Literal["auto"]
    eval_batch_size: int
    mixed_precision: bool
    catch_oom: bool
    #: The dtype of :func:`torch.autocast`, or ``None`` for full precision.
    autocast_dtype: torch.dtype | None = dataclasses.field(init=False)

    @classmethod
    def of(cls, arguments: Mapping[str, Any]) -> TrainingConfig:
        """The config of a training class's constructor arguments (its ``locals()``): the
        entries named like this class's arguments, the others ignored; absent ones default."""
        names = inspect.signature(cls.__init__).parameters.keys() - {"self"}
        return cls(**{name: arguments[name] for name in names if name in arguments})

    def __init__(
        self,
        *,
        optimizer: OptimizerSpec = "sgd",
        loss_fn: LossFn | None = None,
        lam: float = 0.5,
        kappa_variant: KappaVariant = "improved",
        device: str | torch.device = "auto",
        data_on_device: bool | Literal["auto"] = "auto",
        eval_batch_size: int = 1024,
        mixed_precision: bool = False,
        catch_oom: bool = True,
    ) -> None:
        if not (callable(optimizer) or optimizer in OPTIMIZERS):
            raise ValueError(
                f"optimizer must be one of {OPTIMIZERS} or a callable, got {optimizer!r}."
            )
        if loss_fn is not None and not callable(loss_fn):
            raise TypeError(
                "loss_fn must be a callable loss_fn(logits, y) returning a mean-reduced loss, "
                f"or None (cross-entropy); got {loss_fn!r}."
            )
        if kappa_variant not in _VARIANTS:
            raise ValueError(f"kappa_variant must be one of {_VARIANTS}, got {kappa_variant!r}.")
        lam = check_lam(lam)  # the range kappa_score accepts, checked before the first epoch
        check_positive_int("eval_batch_size", eval_batch_size)
        check_data_on_device(data_on_device)
        resolved = resolve_device(device)
        autocast_dtype: torch.dtype | None = None
        if mixed_precision and resolved.type == "cuda":
            autocast_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        checked = {
            "optimizer": optimizer,
            "loss_fn": loss_fn,
            "lam": lam,
            "kappa_variant": kappa_variant,
            "device": resolved,
            "data_on_device": data_on_device,
            "eval_batch_size": eval_batch_size,
            "mixed_precision": bool(mixed_precision),
            "catch_oom": bool(catch_oom),
            "autocast_dtype": autocast_dtype,
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # frozen: the dataclass way to set a field


class TrainingSettings:
    """Base of the classes that train with a :class:`TrainingConfig` (held as ``_training``):
    its settings as read-only attributes named like the constructor arguments they come from."""

    _training: TrainingConfig

    @property
    def optimizer(self) -> OptimizerSpec:
        """The optimizer's name or callable."""
        return self._training.optimizer

    @property
    def device(self) -> torch.device:
        """The training device (``"auto"`` resolved)."""
        return self._training.device

    @property
    def catch_oom(self) -> bool:
        """Whether an out-of-memory error fails the run (``True``) or is re-raised."""
        return self._training.catch_oom
