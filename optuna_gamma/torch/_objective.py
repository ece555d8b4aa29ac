"""Train a PyTorch classifier as an Optuna trial: :class:`TorchObjective`.

The training itself is in ``_training`` (one epoch, evaluation, the data on the device), the
settings it shares with the per-epoch learning-rate search in ``_config``; this module holds the
search space of a trial, the epoch loop with its reports and pruning, and the trial's records.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
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
from optuna_gamma.torch._config import LossFn
from optuna_gamma.torch._config import OptimizerSpec
from optuna_gamma.torch._config import TrainingConfig
from optuna_gamma.torch._config import TrainingSettings
from optuna_gamma.torch._config import check_positive_int
from optuna_gamma.torch._data import DataLike
from optuna_gamma.torch._data import as_tensors
from optuna_gamma.torch._data import check_train_val
from optuna_gamma.torch._device import is_out_of_memory_error
from optuna_gamma.torch._device import record_out_of_memory
from optuna_gamma.torch._device import seeded
from optuna_gamma.torch._device import trial_seed
from optuna_gamma.torch._training import EpochRunner
from optuna_gamma.torch._training import TrainValData
from optuna_gamma.torch._training import make_optimizer
from optuna_gamma.torch._training import prepare_data

__all__ = ["TorchObjective"]

_logger = optuna.logging.get_logger(f"optuna.{__name__}")

Target = Literal["kappa", "accuracy", "loss"]
_TARGETS: dict[str, optuna.study.StudyDirection] = {
    "kappa": optuna.study.StudyDirection.MAXIMIZE,
    "accuracy": optuna.study.StudyDirection.MAXIMIZE,
    "loss": optuna.study.StudyDirection.MINIMIZE,
}


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


class TorchObjective(TrainingSettings):
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
        optimizer: OptimizerSpec = "sgd",
        target: Target = "kappa",
        lam: float = 0.5,
        kappa_variant: KappaVariant = "improved",
        loss_fn: LossFn | None = None,
        device: str | torch.device = "auto",
        seed: int | None = None,
        mixed_precision: bool = False,
        data_on_device: bool | Literal["auto"] = "auto",
        eval_batch_size: int = 1024,
        num_classes: int | None = None,
        catch_oom: bool = True,
    ) -> None:
        if not callable(model_fn):
            raise TypeError(f"model_fn must be callable, got {type(model_fn).__name__}.")
        self.epochs = check_positive_int("epochs", epochs)
        _range_or_value("lr", lr, positive=True)
        _range_or_value("weight_decay", weight_decay, positive=isinstance(weight_decay, tuple))
        if momentum is not None:
            _range_or_value("momentum", momentum, positive=False)
        self._batch_choices = _batch_choices(batch_size)
        self._training = TrainingConfig.of(locals())  # the shared training arguments
        if optimizer in ("adam", "adamw") and momentum is not None:
            raise ValueError(f"optimizer={optimizer!r} has no momentum; leave momentum=None.")
        if target not in _TARGETS:
            raise ValueError(f"target must be one of {tuple(_TARGETS)}, got {target!r}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be a non-negative int or None, got {seed!r}.")
        if seed is not None and seed < 0:  # every trial would fail on a negative seed
            raise ValueError(f"seed must be a non-negative int or None, got {seed}.")

        self.model_fn = model_fn
        self.lr = lr
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.target: Target = target
        self.seed = seed
        self._model_takes_trial = _takes_argument(model_fn)

        X_train, y_train = as_tensors(train_data, name="train_data")
        X_val, y_val = as_tensors(val_data, name="val_data")
        self.num_classes = check_train_val(X_train, y_train, X_val, y_val, num_classes)
        self._host_data = (X_train, y_train, X_val, y_val)
        self._device_data: TrainValData | None = None
        if self.mixed_precision and self._training.autocast_dtype is None:
            warnings.warn(
                f"mixed_precision=True is only used on CUDA; training on {self.device} in full "
                "precision.",
                stacklevel=2,
            )
        self._epoch = EpochRunner(self.num_classes, self._training)

    # ------------------------------------------------------------------ settings

    @property
    def mixed_precision(self) -> bool:
        """Whether ``mixed_precision=True`` was asked for (used on CUDA only)."""
        return self._training.mixed_precision

    @property
    def data_on_device(self) -> bool | Literal["auto"]:
        """Where the data live, as given (see :func:`prepare_data`)."""
        return self._training.data_on_device

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
            if self._training.autocast_dtype == torch.float16:
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


def _batch_choices(batch_size: int | Sequence[int]) -> list[int]:
    """The batch sizes to choose from: ``[batch_size]`` for one fixed size."""
    if isinstance(batch_size, int) and not isinstance(batch_size, bool):
        choices: list[int] = [batch_size]
    elif isinstance(batch_size, Sequence) and not isinstance(batch_size, str):
        choices = list(batch_size)
    else:
        choices = []
    if not choices or any(isinstance(b, bool) or not isinstance(b, int) or b < 1 for b in choices):
        raise ValueError(
            f"batch_size must be a positive int or a sequence of them, got {batch_size!r}."
        )
    return choices


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
