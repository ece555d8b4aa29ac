"""Train and evaluate a PyTorch classifier: the building blocks and :class:`EpochRunner`.

The pieces are separate so that :class:`~optuna_gamma.torch.TorchObjective`, the per-epoch
learning-rate search and benchmarks can reuse them: :func:`prepare_data` (tensors onto the device
once), :func:`make_optimizer`, :func:`train_one_epoch` (mini-batches sliced from device tensors,
no ``DataLoader``) and :func:`evaluate` (the metrics dict of :func:`classification_metrics`).
"""

from __future__ import annotations

from collections.abc import Iterable
import dataclasses
import math
from typing import Any
from typing import Literal

import torch
from torch import nn

from optuna_gamma._kappa import KappaVariant
from optuna_gamma._kappa import kappa_score
from optuna_gamma.torch._config import OPTIMIZERS
from optuna_gamma.torch._config import LossFn
from optuna_gamma.torch._config import OptimizerSpec
from optuna_gamma.torch._config import TrainingConfig
from optuna_gamma.torch._config import check_data_on_device
from optuna_gamma.torch._config import check_positive_int
from optuna_gamma.torch._data import DataLike
from optuna_gamma.torch._data import as_tensors
from optuna_gamma.torch._metrics import classification_metrics

__all__ = [
    "EpochRunner",
    "evaluate",
    "make_optimizer",
    "prepare_data",
    "train_one_epoch",
]

#: Data larger than this stays in host memory when ``data_on_device="auto"`` on MPS.
_AUTO_ON_DEVICE_BYTES = 1 << 30


def _nbytes(*tensors: torch.Tensor) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def prepare_data(
    data: DataLike,
    device: torch.device,
    *,
    data_on_device: bool | Literal["auto"] = "auto",
    name: str = "data",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Materialise data as ``(X, y)`` tensors and move them to ``device`` once.

    Args:
        data: Anything :func:`~optuna_gamma.torch.as_tensors` accepts.
        device: The training device.
        data_on_device: ``True`` moves the tensors to the device (batches are then sliced on the
            device, with no host-to-device copies during training); ``False`` keeps them in host
            memory (pinned when the device is CUDA) and copies each batch; ``"auto"`` moves them
            when they take at most a quarter of the GPU's memory (1 GiB on MPS; always on CPU).
            Defaults to ``"auto"``.
        name: Argument name for error messages.

    Returns:
        ``(X, y)`` on the device or in (pinned) host memory.
    """
    check_data_on_device(data_on_device)
    X, y = as_tensors(data, name=name)
    if device.type == "cpu":
        return X.cpu(), y.cpu()
    on_device = data_on_device
    if on_device == "auto":
        if device.type == "cuda":
            limit = torch.cuda.get_device_properties(device).total_memory // 4
        else:
            limit = _AUTO_ON_DEVICE_BYTES
        on_device = _nbytes(X, y) <= limit
    if on_device:
        return X.to(device), y.to(device)
    X, y = X.cpu(), y.cpu()
    if device.type == "cuda":
        X, y = X.pin_memory(), y.pin_memory()
    return X, y


def make_optimizer(
    optimizer: OptimizerSpec,
    params: Iterable[Any],
    *,
    lr: float,
    weight_decay: float = 0.0,
    momentum: float | None = None,
) -> torch.optim.Optimizer:
    """Build an optimizer by name or from a callable.

    Args:
        optimizer: ``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``, or a callable such as
            ``torch.optim.SGD`` called as ``optimizer(params, lr=..., weight_decay=...)`` plus
            ``momentum=...`` when ``momentum`` is not ``None``.
        params: The parameters to optimise.
        lr: Learning rate.
        weight_decay: L2 weight decay. Defaults to ``0.0``.
        momentum: Momentum (SGD, RMSprop); ``None`` means none given. Defaults to ``None``.

    Returns:
        The optimizer.
    """
    if callable(optimizer):
        kwargs: dict[str, float] = {"lr": lr, "weight_decay": weight_decay}
        if momentum is not None:
            kwargs["momentum"] = momentum
        opt = optimizer(params, **kwargs)
        if not isinstance(opt, torch.optim.Optimizer):
            raise TypeError(
                f"optimizer callable must return a torch.optim.Optimizer, got "
                f"{type(opt).__name__}."
            )
        return opt
    m = 0.0 if momentum is None else momentum
    if optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=m, weight_decay=weight_decay)
    if optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=m, weight_decay=weight_decay)
    if optimizer in ("adam", "adamw"):
        if m != 0.0:
            raise ValueError(
                f"optimizer={optimizer!r} has no momentum; got momentum={momentum!r}."
            )
        cls = torch.optim.Adam if optimizer == "adam" else torch.optim.AdamW
        return cls(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS} or a callable, got {optimizer!r}.")


def _model_device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def train_one_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    batch_size: int,
    loss_fn: LossFn | None = None,
    generator: torch.Generator | None = None,
    shuffle: bool = True,
    autocast_dtype: torch.dtype | None = None,
    grad_scaler: torch.amp.GradScaler | None = None,
) -> float:
    """Train ``model`` for one pass over ``(X, y)`` and return the mean training loss.

    Mini-batches are index slices of the tensors. When ``X`` and ``y`` already live on the
    model's device, no data are copied; otherwise each batch is copied (non-blocking). The loss
    is accumulated on the device and read back once, so there is one synchronisation per epoch.

    Args:
        model: The model, already on its device; it is put in training mode.
        optimizer: Optimizer over the model's parameters.
        X: Inputs, samples along dimension 0.
        y: Integer class labels.
        batch_size: Mini-batch size (the last batch may be smaller).
        loss_fn: Mean-reduced loss ``loss_fn(logits, y)``. Defaults to cross-entropy.
        generator: CPU generator for the shuffle (seed it for reproducible batch order).
        shuffle: Shuffle the samples. Defaults to ``True``.
        autocast_dtype: ``torch.float16`` or ``torch.bfloat16`` to run the forward pass under
            :func:`torch.autocast` (mixed precision); ``None`` for full precision.
        grad_scaler: A :class:`torch.amp.GradScaler` (needed with float16).

    Returns:
        The sample-weighted mean training loss; ``nan`` or ``inf`` when training diverged.
    """
    check_positive_int("batch_size", batch_size)
    loss_fn = nn.functional.cross_entropy if loss_fn is None else loss_fn
    device = _model_device(model)
    n = int(y.shape[0])
    if shuffle:
        order = torch.randperm(n, generator=generator)
    else:
        order = torch.arange(n)
    order = order.to(X.device)
    non_blocking = X.device.type == "cpu" and device.type == "cuda"
    model.train()
    total = torch.zeros((), dtype=torch.float64, device=device)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        xb = X[idx].to(device, non_blocking=non_blocking)
        yb = y[idx.to(y.device)].to(device, non_blocking=non_blocking)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(
            device_type=device.type,
            dtype=autocast_dtype or torch.float32,
            enabled=autocast_dtype is not None,
        ):
            loss = loss_fn(model(xb), yb)
        if grad_scaler is not None:
            grad_scaler.scale(loss).backward()
            grad_scaler.step(optimizer)
            grad_scaler.update()
        else:
            loss.backward()
            optimizer.step()
        total += loss.detach().to(torch.float64) * idx.numel()
    return float(total.item()) / n


@torch.no_grad()
def evaluate(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    num_classes: int | None = None,
    loss_fn: LossFn | None = None,
    batch_size: int = 1024,
    lam: float = 0.5,
    kappa_variant: KappaVariant = "improved",
    autocast_dtype: torch.dtype | None = None,
) -> dict[str, Any]:
    """Evaluate ``model`` on ``(X, y)`` and return the thesis's metrics.

    The model is put in evaluation mode and restored to its previous mode afterwards. A
    non-finite validation loss (a diverged model) is reported as ``+inf``, so κ takes its
    finite diverged value (:func:`optuna_gamma.kappa_score`) instead of NaN.

    Args:
        model: The model, on its device.
        X: Inputs.
        y: Integer class labels.
        num_classes: Number of classes. Defaults to the number of model outputs.
        loss_fn: Mean-reduced loss. Defaults to cross-entropy.
        batch_size: Evaluation chunk size (memory only; results do not depend on it).
            Defaults to ``1024``.
        lam: κ's λ. Defaults to ``0.5``.
        kappa_variant: κ's variant. Defaults to ``"improved"``.
        autocast_dtype: Mixed-precision dtype for the forward pass, or ``None``.

    Returns:
        The dict of :func:`~optuna_gamma.torch.classification_metrics`: ``accuracy``, ``loss``,
        ``kappa``, ``sensitivity``, ``specificity``, ``mcc``, ``confusion_matrix``.
    """
    loss_fn = nn.functional.cross_entropy if loss_fn is None else loss_fn
    device = _model_device(model)
    was_training = model.training
    model.eval()
    n = int(y.shape[0])
    total = torch.zeros((), dtype=torch.float64, device=device)
    preds = []
    n_outputs = 0
    try:
        for start in range(0, n, batch_size):
            xb = X[start : start + batch_size].to(device)
            yb = y[start : start + batch_size].to(device)
            with torch.autocast(
                device_type=device.type,
                dtype=autocast_dtype or torch.float32,
                enabled=autocast_dtype is not None,
            ):
                logits = model(xb)
                loss = loss_fn(logits, yb)
            n_outputs = int(logits.shape[-1])
            total += loss.to(torch.float64) * yb.shape[0]
            preds.append(logits.argmax(dim=-1))
    finally:
        model.train(was_training)
    mean_loss = float(total.item()) / n
    if not math.isfinite(mean_loss):
        mean_loss = math.inf
    y_pred = torch.cat(preds).cpu().numpy()
    y_true = y.cpu().numpy()
    k = num_classes if num_classes is not None else max(n_outputs, int(y_true.max()) + 1)
    return classification_metrics(
        y_true, y_pred, mean_loss, num_classes=k, lam=lam, kappa_variant=kappa_variant
    )


#: ``(X_train, y_train, X_val, y_val)``.
TrainValData = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


@dataclasses.dataclass(frozen=True)
class EpochRunner:
    """One epoch of training followed by the validation metrics, the step that
    :class:`~optuna_gamma.torch.TorchObjective` repeats for a trial and
    :class:`~optuna_gamma.torch.EpochwiseLRSearch` for each candidate learning rate, with the
    classes of the data and the training settings both share."""

    num_classes: int
    training: TrainingConfig

    def evaluate(self, model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> dict[str, Any]:
        """:func:`evaluate` with these settings."""
        return evaluate(
            model,
            X,
            y,
            num_classes=self.num_classes,
            loss_fn=self.training.loss_fn,
            batch_size=self.training.eval_batch_size,
            lam=self.training.lam,
            kappa_variant=self.training.kappa_variant,
            autocast_dtype=self.training.autocast_dtype,
        )

    def train_and_evaluate(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        data: TrainValData,
        *,
        batch_size: int,
        generator: torch.Generator,
        grad_scaler: torch.amp.GradScaler | None = None,
    ) -> tuple[float, dict[str, Any], bool]:
        """Trains ``model`` one epoch on ``data``'s training half and evaluates it on its
        validation half ``(X_train, y_train, X_val, y_val)``.

        Returns ``(train_loss, metrics, diverged)``. A run whose training or validation loss is
        not finite has diverged: its metrics carry loss ``+inf`` and the κ of an infinite loss,
        a finite low value (docs/math.md §1), so it ranks below every run that learned.
        """
        X_train, y_train, X_val, y_val = data
        train_loss = train_one_epoch(
            model,
            optimizer,
            X_train,
            y_train,
            batch_size=batch_size,
            loss_fn=self.training.loss_fn,
            generator=generator,
            autocast_dtype=self.training.autocast_dtype,
            grad_scaler=grad_scaler,
        )
        metrics = self.evaluate(model, X_val, y_val)
        diverged = not math.isfinite(train_loss) or not math.isfinite(metrics["loss"])
        if diverged:
            metrics["loss"] = math.inf
            metrics["kappa"] = kappa_score(
                metrics["accuracy"],
                math.inf,
                self.training.lam,
                variant=self.training.kappa_variant,
            )
        return train_loss, metrics, diverged
