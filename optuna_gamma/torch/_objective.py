"""Train a PyTorch classifier as an Optuna trial: the building blocks and :class:`TorchObjective`.

The pieces are separate so that other helpers (per-epoch learning-rate search, benchmarks) can
reuse them: :func:`prepare_data` (tensors onto the device once), :func:`make_optimizer`,
:func:`train_one_epoch` (mini-batches sliced from device tensors, no ``DataLoader``) and
:func:`evaluate` (the metrics dict of :func:`classification_metrics`).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
import dataclasses
import inspect
import math
import time
from typing import Any
from typing import Literal
import warnings

import optuna
import torch
from torch import nn

from optuna_gamma._kappa import KappaVariant
from optuna_gamma._kappa import kappa_score
from optuna_gamma.torch._data import DataLike
from optuna_gamma.torch._data import as_tensors
from optuna_gamma.torch._data import check_train_val
from optuna_gamma.torch._device import _OPTIMIZERS
from optuna_gamma.torch._device import check_training_choices
from optuna_gamma.torch._device import is_out_of_memory_error
from optuna_gamma.torch._device import record_out_of_memory
from optuna_gamma.torch._device import resolve_device
from optuna_gamma.torch._device import seeded
from optuna_gamma.torch._device import trial_seed
from optuna_gamma.torch._metrics import classification_metrics

__all__ = [
    "TorchObjective",
    "evaluate",
    "make_optimizer",
    "prepare_data",
    "train_one_epoch",
]

_logger = optuna.logging.get_logger(f"optuna.{__name__}")

Target = Literal["kappa", "accuracy", "loss"]
_TARGETS: dict[str, optuna.study.StudyDirection] = {
    "kappa": optuna.study.StudyDirection.MAXIMIZE,
    "accuracy": optuna.study.StudyDirection.MAXIMIZE,
    "loss": optuna.study.StudyDirection.MINIMIZE,
}
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
    if data_on_device not in (True, False, "auto"):
        raise ValueError(f"data_on_device must be True, False or 'auto', got {data_on_device!r}.")
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
    optimizer: str | Callable[..., torch.optim.Optimizer],
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
    raise ValueError(f"optimizer must be one of {_OPTIMIZERS} or a callable, got {optimizer!r}.")


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
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
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
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
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
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
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


LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
#: ``(X_train, y_train, X_val, y_val)``.
TrainValData = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


@dataclasses.dataclass(frozen=True)
class EpochRunner:
    """One epoch of training followed by the validation metrics, the step that
    :class:`TorchObjective` repeats for a trial and :class:`~optuna_gamma.torch.EpochwiseLRSearch`
    for each candidate learning rate: the loss, the classes, κ and the precision they share."""

    num_classes: int
    loss_fn: LossFn | None
    lam: float
    kappa_variant: KappaVariant
    eval_batch_size: int = 1024
    autocast_dtype: torch.dtype | None = None

    def evaluate(self, model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> dict[str, Any]:
        """:func:`evaluate` with these settings."""
        return evaluate(
            model,
            X,
            y,
            num_classes=self.num_classes,
            loss_fn=self.loss_fn,
            batch_size=self.eval_batch_size,
            lam=self.lam,
            kappa_variant=self.kappa_variant,
            autocast_dtype=self.autocast_dtype,
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
            loss_fn=self.loss_fn,
            generator=generator,
            autocast_dtype=self.autocast_dtype,
            grad_scaler=grad_scaler,
        )
        metrics = self.evaluate(model, X_val, y_val)
        diverged = not math.isfinite(train_loss) or not math.isfinite(metrics["loss"])
        if diverged:
            metrics["loss"] = math.inf
            metrics["kappa"] = kappa_score(
                metrics["accuracy"], math.inf, self.lam, variant=self.kappa_variant
            )
        return train_loss, metrics, diverged


def _range_or_value(name: str, value: Any, *, positive: bool) -> None:
    def ok(v: Any) -> bool:
        return (
            not isinstance(v, bool)
            and isinstance(v, (int, float))
            and math.isfinite(v)
            and (v > 0 if positive else v >= 0)
        )

    bound = "> 0" if positive else ">= 0"
    if isinstance(value, tuple):
        if len(value) != 2 or not all(ok(v) for v in value) or not value[0] < value[1]:
            raise ValueError(
                f"{name} must be a number {bound} or a (low, high) tuple with {bound} "
                f"low < high, got {value!r}."
            )
    elif not ok(value):
        raise ValueError(f"{name} must be a number {bound} or a (low, high) tuple, got {value!r}.")


class TorchObjective:
    """An Optuna objective that trains a PyTorch classifier and scores it with κ.

    Each call (one trial) suggests the learning rate ``"lr"`` (log scale) and, when given as
    ranges or choices, ``"batch_size"``, ``"weight_decay"`` (log scale) and ``"momentum"``;
    builds the model with ``model_fn`` and an optimizer; trains for ``epochs`` epochs on
    ``device``; evaluates on the validation data after every epoch, reports the ``target`` metric
    with ``trial.report(value, epoch)`` (epochs counted from 1) and honours
    ``trial.should_prune()`` after every epoch but the last (a finished run is never pruned:
    there is no training left to save). It returns the target metric of the last epoch.

    Recorded as trial user attrs (shown by optuna-dashboard): ``accuracy``, ``loss``, ``kappa``,
    ``sensitivity``, ``specificity``, ``mcc``, ``confusion_matrix`` (of the last evaluation),
    ``train_loss``, ``epochs_run``, ``seconds_per_epoch`` (training plus evaluation, mean),
    ``device``, ``diverged``; ``error`` when a trial fails for lack of memory.

    Robustness:

    - A non-finite training or validation loss stops the trial: it is scored with the metrics of
      the diverged model with loss ``+inf`` (κ then takes its finite else-branch value,
      :func:`optuna_gamma.kappa_score`), ``diverged=True``. With ``target="loss"`` it returns
      ``inf``.
    - Out of memory on the accelerator (``torch.cuda.OutOfMemoryError``) fails only this trial:
      the objective frees the memory, logs what to change, records ``error`` and returns NaN, which
      Optuna records as a FAIL before going on. ``catch_oom=False`` re-raises instead.
    - ``KeyboardInterrupt`` is never caught: Optuna marks the running trial FAIL and re-raises.
    - With ``seed`` set, trial ``k`` runs under torch seed ``trial_seed(seed, k)`` (weights,
      dropout, batch order) inside :func:`torch.random.fork_rng`, so the caller's global RNG is
      untouched and seeded CPU runs are reproducible (CUDA kernels may not be bitwise
      deterministic).

    Args:
        model_fn: Zero-argument callable returning a fresh ``nn.Module`` (logits out), or one
            taking the trial (to tune the architecture too).
        train_data: Training data: a ``Dataset`` of ``(input, label)`` or an ``(X, y)`` pair.
        val_data: Validation data, same kinds.
        epochs: Epochs per trial, ``>= 1``.
        lr: Learning-rate range ``(low, high)`` searched on a log scale, or a fixed float.
            Defaults to ``(1e-4, 0.5)`` (covers the thesis's range).
        batch_size: A fixed int, or a sequence of choices to tune. Defaults to ``50`` (thesis).
        weight_decay: A fixed float, or a ``(low, high)`` range searched on a log scale.
            Defaults to ``0.0``.
        momentum: ``None`` (no momentum), a fixed float, or a ``(low, high)`` range.
            Defaults to ``None``.
        optimizer: ``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"`` or a callable like
            ``torch.optim.SGD`` (see :func:`make_optimizer`). Defaults to ``"sgd"``.
        target: What the trial returns and reports: ``"kappa"`` (maximise), ``"accuracy"``
            (maximise) or ``"loss"`` (minimise); the study direction must match.
            Defaults to ``"kappa"``.
        lam: κ's λ. Defaults to ``0.5``.
        kappa_variant: κ's variant. Defaults to ``"improved"``.
        loss_fn: Mean-reduced training and validation loss. Defaults to cross-entropy.
        device: ``"auto"`` (CUDA, then MPS, then CPU) or a device. Defaults to ``"auto"``.
        seed: Seed for reproducible trials, or ``None``. Defaults to ``None``.
        mixed_precision: Train and evaluate under :func:`torch.autocast` on CUDA (bfloat16 where
            supported, else float16 with a gradient scaler). Ignored with a warning on other
            devices. Defaults to ``False``.
        data_on_device: Where the data live, see :func:`prepare_data`. Defaults to ``"auto"``.
        eval_batch_size: Evaluation chunk size. Defaults to ``1024``.
        num_classes: Number of classes. Defaults to the largest label + 1.
        catch_oom: Turn out-of-memory errors into a failed trial (``True``) or re-raise them.
            Defaults to ``True``.

    Example:
        .. code-block:: python

            import optuna
            from optuna_gamma import GammaBOSampler
            from optuna_gamma.torch import MnistMLP, TorchObjective, load_digits, train_val_split

            train, val = train_val_split(load_digits(), 0.2, seed=0)
            objective = TorchObjective(MnistMLP, train, val, epochs=5, weight_decay=1e-3, seed=0)
            study = optuna.create_study(direction="maximize", sampler=GammaBOSampler(seed=0))
            study.optimize(objective, n_trials=12)
    """

    def __init__(
        self,
        model_fn: Callable[..., nn.Module],
        train_data: DataLike,
        val_data: DataLike,
        *,
        epochs: int,
        lr: float | tuple[float, float] = (1e-4, 0.5),
        batch_size: int | Sequence[int] = 50,
        weight_decay: float | tuple[float, float] = 0.0,
        momentum: float | tuple[float, float] | None = None,
        optimizer: str | Callable[..., torch.optim.Optimizer] = "sgd",
        target: Target = "kappa",
        lam: float = 0.5,
        kappa_variant: KappaVariant = "improved",
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        device: str | torch.device = "auto",
        seed: int | None = None,
        mixed_precision: bool = False,
        data_on_device: bool | Literal["auto"] = "auto",
        eval_batch_size: int = 1024,
        num_classes: int | None = None,
        catch_oom: bool = True,
    ) -> None:
        # Long by design: it checks and stores each of its ~20 arguments in one short block, next
        # to the signature they belong to.
        if not callable(model_fn):
            raise TypeError(f"model_fn must be callable, got {type(model_fn).__name__}.")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
        _range_or_value("lr", lr, positive=True)
        _range_or_value("weight_decay", weight_decay, positive=isinstance(weight_decay, tuple))
        if momentum is not None:
            _range_or_value("momentum", momentum, positive=False)
        if isinstance(batch_size, int) and not isinstance(batch_size, bool):
            choices: list[int] = [batch_size]
        elif isinstance(batch_size, Sequence) and not isinstance(batch_size, str):
            choices = list(batch_size)
        else:
            raise ValueError(
                f"batch_size must be a positive int or a sequence of them, got {batch_size!r}."
            )
        if not choices or any(
            isinstance(b, bool) or not isinstance(b, int) or b < 1 for b in choices
        ):
            raise ValueError(
                f"batch_size must be a positive int or a sequence of them, got {batch_size!r}."
            )
        check_training_choices(optimizer, kappa_variant, lam)
        if optimizer in ("adam", "adamw") and momentum is not None:
            raise ValueError(f"optimizer={optimizer!r} has no momentum; leave momentum=None.")
        if target not in _TARGETS:
            raise ValueError(f"target must be one of {tuple(_TARGETS)}, got {target!r}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int or None, got {seed!r}.")
        if (
            isinstance(eval_batch_size, bool)
            or not isinstance(eval_batch_size, int)
            or (eval_batch_size < 1)
        ):
            raise ValueError(
                f"eval_batch_size must be a positive integer, got {eval_batch_size!r}."
            )
        if data_on_device not in (True, False, "auto"):
            raise ValueError(
                f"data_on_device must be True, False or 'auto', got {data_on_device!r}."
            )

        self.model_fn = model_fn
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self._batch_choices = choices
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.optimizer = optimizer
        self.target: Target = target
        self.device = resolve_device(device)
        self.seed = seed
        self.mixed_precision = bool(mixed_precision)
        self.data_on_device = data_on_device
        self.catch_oom = bool(catch_oom)
        self._model_takes_trial = _takes_argument(model_fn)

        X_train, y_train = as_tensors(train_data, name="train_data")
        X_val, y_val = as_tensors(val_data, name="val_data")
        self.num_classes = check_train_val(X_train, y_train, X_val, y_val, num_classes)
        self._host_data = (X_train, y_train, X_val, y_val)
        self._device_data: TrainValData | None = None

        autocast_dtype: torch.dtype | None = None
        if self.mixed_precision:
            if self.device.type == "cuda":
                autocast_dtype = (
                    torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
                )
            else:
                warnings.warn(
                    f"mixed_precision=True is only used on CUDA; training on {self.device} in "
                    "full precision.",
                    stacklevel=2,
                )
        self._epoch = EpochRunner(
            self.num_classes, loss_fn, float(lam), kappa_variant, eval_batch_size, autocast_dtype
        )

    # ------------------------------------------------------------------ helpers

    def _data(self) -> TrainValData:
        if self._device_data is None:
            X_train, y_train, X_val, y_val = self._host_data
            train = prepare_data(
                (X_train, y_train), self.device, data_on_device=self.data_on_device
            )
            val = prepare_data((X_val, y_val), self.device, data_on_device=self.data_on_device)
            self._device_data = (*train, *val)
        return self._device_data

    def _check_direction(self, trial: optuna.trial.BaseTrial) -> None:
        study = getattr(trial, "study", None)
        if study is None:  # FixedTrial: no study to check
            return
        directions = study.directions
        if len(directions) != 1:
            raise ValueError(
                "TorchObjective returns one value; the study has "
                f"{len(directions)} objectives. Use a single-objective study."
            )
        expected = _TARGETS[self.target]
        if directions[0] != expected:
            want = "maximize" if expected == optuna.study.StudyDirection.MAXIMIZE else "minimize"
            raise ValueError(
                f"target={self.target!r} must be {want}d but the study direction is "
                f"{directions[0].name}: create the study with direction={want!r} (or choose "
                f"target='loss' to minimise, 'kappa'/'accuracy' to maximise)."
            )

    def _suggest(self, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if isinstance(self.lr, tuple):
            params["lr"] = trial.suggest_float("lr", self.lr[0], self.lr[1], log=True)
        else:
            params["lr"] = float(self.lr)
        if len(self._batch_choices) > 1:
            params["batch_size"] = trial.suggest_categorical("batch_size", self._batch_choices)
        else:
            params["batch_size"] = self._batch_choices[0]
        if isinstance(self.weight_decay, tuple):
            low, high = self.weight_decay
            params["weight_decay"] = trial.suggest_float("weight_decay", low, high, log=True)
        else:
            params["weight_decay"] = float(self.weight_decay)
        if isinstance(self.momentum, tuple):
            low, high = self.momentum
            params["momentum"] = trial.suggest_float("momentum", low, high)
        else:
            params["momentum"] = None if self.momentum is None else float(self.momentum)
        return params

    def _build_model(self, trial: optuna.trial.BaseTrial) -> nn.Module:
        model = self.model_fn(trial) if self._model_takes_trial else self.model_fn()
        if not isinstance(model, nn.Module):
            raise TypeError(f"model_fn must return a torch.nn.Module, got {type(model).__name__}.")
        return model.to(self.device)

    def _oom_message(self, trial: optuna.trial.BaseTrial, params: dict[str, Any]) -> str:
        return (
            f"Out of memory on {self.device} in trial {trial.number} "
            f"(batch_size={params.get('batch_size')}). To fit: lower batch_size (or its "
            "choices), use a smaller model, pass mixed_precision=True (CUDA), or "
            "data_on_device=False to keep the data in host memory. This trial is marked FAIL "
            "and the study continues; catch_oom=False re-raises instead."
        )

    # ------------------------------------------------------------------ the objective

    def __call__(self, trial: optuna.trial.BaseTrial) -> float:
        """Run one trial and return its target metric (see the class docstring)."""
        self._check_direction(trial)
        params = self._suggest(trial)
        trial.set_user_attr("device", str(self.device))
        message: str | None = None
        try:
            return self._run(trial, params)
        except Exception as exc:  # KeyboardInterrupt is a BaseException: it propagates.
            if not (self.catch_oom and is_out_of_memory_error(exc)):
                raise
            message = f"{self._oom_message(trial, params)} ({type(exc).__name__}: {exc})"
        # Outside the except block the exception and its traceback (which hold the trial's
        # model, optimizer and batches) are gone, so the memory can actually be released.
        record_out_of_memory(trial, self.device, message)
        return math.nan  # Optuna records a NaN value as a FAIL trial and goes on.

    def _run(self, trial: optuna.trial.BaseTrial, params: dict[str, Any]) -> float:
        # Long by design: the epoch loop keeps training, evaluation, divergence, report and pruning
        # in the order they must happen, visible in one place.
        data = self._data()
        run_seed = None if self.seed is None else trial_seed(self.seed, trial.number)
        with seeded(run_seed, self.device):
            generator = torch.Generator()
            if run_seed is not None:
                generator.manual_seed(run_seed)
            else:
                generator.manual_seed(int(torch.randint(0, 2**62, ()).item()))
            model = self._build_model(trial)
            optimizer = make_optimizer(
                self.optimizer,
                model.parameters(),
                lr=params["lr"],
                weight_decay=params["weight_decay"],
                momentum=params["momentum"],
            )
            scaler = None
            if self._epoch.autocast_dtype == torch.float16:
                scaler = torch.amp.GradScaler("cuda")
            seconds: list[float] = []
            metrics: dict[str, Any] = {}
            train_loss = math.nan
            diverged = False
            for epoch in range(1, self.epochs + 1):
                start = time.perf_counter()
                train_loss, metrics, diverged = self._epoch.train_and_evaluate(
                    model,
                    optimizer,
                    data,
                    batch_size=params["batch_size"],
                    generator=generator,
                    grad_scaler=scaler,
                )
                seconds.append(time.perf_counter() - start)
                value = float(metrics[self.target])
                trial.report(value, epoch)
                if diverged:
                    self._record(trial, metrics, train_loss, epoch, seconds, diverged=True)
                    _logger.info(
                        f"Trial {trial.number} diverged at epoch {epoch} (training loss "
                        f"{train_loss}); scored with the loss set to inf."
                    )
                    return value
                # At the final epoch the run is finished: its value is returned, never thrown
                # away by a pruner (pruning saves training still to come; none is left).
                if epoch < self.epochs and trial.should_prune():
                    self._record(trial, metrics, train_loss, epoch, seconds, diverged=False)
                    raise optuna.TrialPruned(
                        f"Pruned at epoch {epoch} with {self.target}={value}."
                    )
            self._record(trial, metrics, train_loss, self.epochs, seconds, diverged=False)
            return float(metrics[self.target])

    def _record(
        self,
        trial: optuna.trial.BaseTrial,
        metrics: dict[str, Any],
        train_loss: float,
        epoch: int,
        seconds: list[float],
        *,
        diverged: bool,
    ) -> None:
        for key, val in metrics.items():
            trial.set_user_attr(key, val)
        trial.set_user_attr("train_loss", float(train_loss))
        trial.set_user_attr("epochs_run", epoch)
        trial.set_user_attr("seconds_per_epoch", sum(seconds) / len(seconds))
        trial.set_user_attr("diverged", diverged)


def _takes_argument(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` needs one positional argument (the trial) rather than none."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    required = [
        p
        for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(required) > 1:
        raise TypeError(
            f"model_fn must take no argument or one (the trial); it requires {len(required)}."
        )
    return len(required) == 1
