"""Per-epoch learning-rate search: the thesis's system (figure 8, section 3.1).

Every epoch, a Hyperparameter Scheduler hands the current model to a Bayesian optimizer, which
proposes learning rates; copies of the model train one epoch with each; a Determinant keeps the
copy with the best κ on the validation data, and its weights carry on to the next epoch.

Design (docs/epochwise.md explains each decision and the measurement behind the warm start):

- One Optuna study per run holds every candidate as a trial (user attrs ``epoch``,
  ``candidate``, ``lr``, the metrics, ``kept``, ``diverged``; value = κ, maximised), so
  optuna-dashboard shows the search. Trials are told when their epoch is decided, so that
  ``kept`` can be written on them.
- Proposals come from :class:`~optuna_gamma.GammaBOSampler` in a scratch in-memory study rebuilt
  from the recorded candidates before each proposal (stateless, so a resumed run proposes the
  same learning rates). ``warm_start="previous_best"`` (default): the model sees the current
  epoch's candidates only, and the previous epoch's chosen learning rate is the epoch's first
  candidate. ``"all_epochs"``: the model sees every earlier candidate too. ``"none"``: current
  epoch only, first candidate random. From epoch 2 on, proposals stay within a factor
  ``lr_window`` (default 10) of the last kept learning rate.
- Candidates train one after another from a snapshot of the epoch's starting weights and
  optimizer state kept in host memory, so the device holds one model at a time.
- All candidates of an epoch share one random stream (batch order, dropout), derived from
  ``(seed, epoch)``: common random numbers, so their κ differ by the learning rate only.
- After each decided epoch the kept weights, optimizer state and history go to
  ``checkpoint_dir``; ``run()`` on the same storage, study and folder resumes after the last
  completed epoch. Candidates of an epoch that was interrupted are marked FAIL and the epoch is
  run again from its start.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
import math
import os
from pathlib import Path
import time
from typing import Any
from typing import Literal

import numpy as np
import optuna
from optuna.trial import TrialState
import torch
from torch import nn

from optuna_gamma._kappa import KappaVariant
from optuna_gamma._sampler import GammaBOSampler
from optuna_gamma.torch._checkpoint import CHECKPOINT_FILE
from optuna_gamma.torch._checkpoint import host_copy
from optuna_gamma.torch._checkpoint import load_checkpoint
from optuna_gamma.torch._checkpoint import save_checkpoint
from optuna_gamma.torch._config import LossFn
from optuna_gamma.torch._config import OptimizerSpec
from optuna_gamma.torch._config import TrainingConfig
from optuna_gamma.torch._config import TrainingSettings
from optuna_gamma.torch._config import check_positive_int
from optuna_gamma.torch._data import DataLike
from optuna_gamma.torch._data import check_train_val
from optuna_gamma.torch._device import derived_seed
from optuna_gamma.torch._device import is_out_of_memory_error
from optuna_gamma.torch._device import record_out_of_memory
from optuna_gamma.torch._device import seeded
from optuna_gamma.torch._proposals import WarmStart
from optuna_gamma.torch._proposals import check_search_settings
from optuna_gamma.torch._proposals import propose
from optuna_gamma.torch._proposals import search_range
from optuna_gamma.torch._training import EpochRunner
from optuna_gamma.torch._training import make_optimizer
from optuna_gamma.torch._training import prepare_data

__all__ = ["EpochwiseLRSearch", "WarmStart"]

_logger = optuna.logging.get_logger(f"optuna.{__name__}")

_ATTEMPT_KEY = "epochwise:attempts"
_RUN_SEED_KEY = "epochwise:run_seed"
#: Metrics copied from :func:`evaluate` into trial user attrs and the history.
_SCALAR_METRICS = ("accuracy", "loss", "kappa", "sensitivity", "specificity", "mcc")


class EpochwiseLRSearch(TrainingSettings):
    """Choose the learning rate again at every epoch with Bayesian optimization (thesis fig. 8).

    Each epoch ``e = 1..epochs``: :class:`~optuna_gamma.GammaBOSampler` proposes
    ``candidates_per_epoch`` learning rates one after another (each proposal sees the κ of the
    candidates before it); for each, a copy of the current model (weights and optimizer state)
    trains one epoch with that learning rate and is evaluated on ``val_data``; the candidate with
    the largest κ (:func:`optuna_gamma.kappa_score`) is kept and the next epoch starts from its
    weights. A diverged candidate (non-finite training or validation loss) is scored as κ of an
    infinite loss, recorded with ``diverged=True`` and never kept; when every candidate of an
    epoch diverges, the epoch's starting weights are kept and the history says so.

    Every candidate is a trial of one Optuna study (``storage``, ``study_name``), with user attrs
    ``epoch``, ``candidate``, ``lr``, ``accuracy``, ``loss``, ``kappa``, ``sensitivity``,
    ``specificity``, ``mcc``, ``confusion_matrix``, ``train_loss``, ``seconds``, ``diverged`` and
    ``kept``; its value is κ. Open it with ``optuna-dashboard``.

    The history is a list with one dict per epoch: ``epoch``, ``lr`` (the kept learning rate, or
    ``None`` when all diverged), ``kappa``, ``accuracy``, ``loss``, ``sensitivity``,
    ``specificity``, ``mcc``, ``train_loss`` (of the kept model), ``all_diverged``,
    ``kept_candidate``, ``candidates`` (a list of dicts with ``lr``, ``kappa``, ``accuracy``,
    ``loss``, ``train_loss``, ``diverged``, ``trial_number``), ``n_candidates``, ``n_diverged``,
    ``seconds`` (wall time of the epoch: proposals, training and evaluation) and
    ``epochs_trained`` (candidate-epochs spent so far, the compute to compare methods at).

    Args:
        model_fn: Zero-argument callable returning a fresh ``nn.Module`` that outputs logits
            (called once, under the run's seed).
        train_data: Training data: ``(X, y)`` or a Dataset (see :func:`as_tensors`).
        val_data: Validation data; κ on it decides each epoch.
        epochs: Number of epochs of the kept model.
        candidates_per_epoch: Learning rates tried per epoch (``K``); a run trains
            ``epochs * K`` candidate-epochs.
        storage: Optuna storage (URL or object) for the study. Defaults to ``None`` (in memory).
        seed: Seed of the model's initialisation, of each epoch's batch order and dropout, and of
            the proposals. Same seed on the CPU gives the same history. Defaults to ``None``.
        study_name: Name of the study. Defaults to ``None``: ``"epochwise-lr"`` plus the seed.
            An existing study is loaded (``load_if_exists=True``).
        checkpoint_dir: Folder where the kept weights, optimizer state and history are saved
            after each epoch; needed to resume. Defaults to ``None`` (no checkpoints).
        lr: ``(low, high)`` of the learning rate, searched on a log scale. Defaults to
            ``(1e-4, 0.5)``.
        warm_start: What the Bayesian optimizer sees at epoch ``e > 1``: ``"previous_best"``
            (this epoch's candidates; the first candidate is the previous epoch's kept
            learning rate), ``"all_epochs"`` (every recorded candidate of this run), or
            ``"none"`` (this epoch's candidates; the first is random). Defaults to
            ``"previous_best"``.
        lr_window: From the second epoch on, search only within a factor ``lr_window`` of the
            last kept learning rate (``[lr / lr_window, lr * lr_window]``, clipped to ``lr``), a
            trust region around the schedule so far. ``None`` searches all of ``lr`` every
            epoch. Defaults to ``10.0`` (measured better on digits, docs/epochwise.md).
        n_startup_candidates: Random candidates before the model is used, counted over what the
            model sees (so with ``"previous_best"`` the enqueued learning rate counts).
            Defaults to ``1``.
        batch_size: Mini-batch size. Defaults to ``50``.
        weight_decay: Weight decay. Defaults to ``0.0``.
        momentum: Momentum (SGD, RMSprop) or ``None``. Defaults to ``None``.
        optimizer: ``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"`` or a callable (see
            :func:`make_optimizer`). Its state (e.g. momentum buffers) carries over from the kept
            candidate. Defaults to ``"sgd"``.
        lam: κ's λ. Defaults to ``0.5``.
        kappa_variant: κ's variant. Defaults to ``"improved"``.
        loss_fn: Mean-reduced loss ``loss_fn(logits, y)``. Defaults to cross-entropy.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ... Defaults to ``"auto"``.
        data_on_device: As in :func:`prepare_data`. Defaults to ``"auto"``.
        num_classes: Number of classes. Defaults to the largest label + 1.
        sampler_fn: Callable ``sampler_fn(seed)`` returning the sampler that proposes learning
            rates (called for every proposal with a seed derived from ``(seed, epoch)``).
            Defaults to ``None``: ``GammaBOSampler(seed=..., n_startup_trials=
            n_startup_candidates)``.
        callbacks: Callables ``callback(search, record)`` run after each completed epoch (after
            its checkpoint is written). Defaults to ``()``.
        catch_oom: Mark a candidate that runs out of accelerator memory FAIL and go on.
            Defaults to ``True``.

    Example:
        .. code-block:: python

            from optuna_gamma.torch import EpochwiseLRSearch, MnistMLP, load_digits
            from optuna_gamma.torch import train_val_split

            train, val = train_val_split(load_digits(), 0.2, seed=0)
            search = EpochwiseLRSearch(
                MnistMLP, train, val, epochs=10, candidates_per_epoch=4, seed=0,
                storage="sqlite:///epochwise.db", checkpoint_dir="ckpt",
            )
            model, history = search.run()
            print([round(h["lr"], 4) for h in history], history[-1]["accuracy"])
    """

    def __init__(
        self,
        model_fn: Callable[[], nn.Module],
        train_data: DataLike,
        val_data: DataLike,
        *,
        epochs: int,
        candidates_per_epoch: int,
        storage: str | optuna.storages.BaseStorage | None = None,
        seed: int | None = None,
        study_name: str | None = None,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        lr: tuple[float, float] = (1e-4, 0.5),
        warm_start: WarmStart = "previous_best",
        lr_window: float | None = 10.0,
        n_startup_candidates: int = 1,
        batch_size: int = 50,
        weight_decay: float = 0.0,
        momentum: float | None = None,
        optimizer: OptimizerSpec = "sgd",
        lam: float = 0.5,
        kappa_variant: KappaVariant = "improved",
        loss_fn: LossFn | None = None,
        device: str | torch.device = "auto",
        data_on_device: bool | Literal["auto"] = "auto",
        num_classes: int | None = None,
        sampler_fn: Callable[[int], optuna.samplers.BaseSampler] | None = None,
        callbacks: Sequence[Callable[[EpochwiseLRSearch, dict[str, Any]], None]] = (),
        catch_oom: bool = True,
    ) -> None:
        if not callable(model_fn):
            raise TypeError(f"model_fn must be callable, got {type(model_fn).__name__}.")
        self.epochs = check_positive_int("epochs", epochs)
        self.candidates_per_epoch = check_positive_int(
            "candidates_per_epoch", candidates_per_epoch
        )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {seed!r}.")
        check_search_settings(lr, warm_start, lr_window, n_startup_candidates)
        check_positive_int("batch_size", batch_size)
        if not (_finite_number(weight_decay) and weight_decay >= 0):
            raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}.")
        if momentum is not None and not (_finite_number(momentum) and momentum >= 0):
            raise ValueError(f"momentum must be a finite number >= 0 or None, got {momentum!r}.")
        if optimizer in ("adam", "adamw") and momentum is not None:
            raise ValueError(f"optimizer={optimizer!r} has no momentum; leave momentum=None.")
        self._training = TrainingConfig.of(locals())  # the shared training arguments
        for i, cb in enumerate(callbacks):
            if not callable(cb):
                raise TypeError(f"callbacks[{i}] must be callable, got {type(cb).__name__}.")

        self.model_fn = model_fn
        self.seed = seed
        self.study_name = study_name or (
            "epochwise-lr" if seed is None else f"epochwise-lr-seed{seed}"
        )
        self.storage = storage
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.lr = (float(lr[0]), float(lr[1]))
        self.warm_start: WarmStart = warm_start
        self.lr_window = None if lr_window is None else float(lr_window)
        self.n_startup_candidates = n_startup_candidates
        self.batch_size = batch_size
        self.weight_decay = float(weight_decay)
        self.momentum = None if momentum is None else float(momentum)
        self.sampler_fn = sampler_fn
        self.callbacks = list(callbacks)
        # One seed for the run; with seed=None it is drawn once, so a run is still consistent.
        self._run_seed = (
            seed if seed is not None else int(np.random.SeedSequence().generate_state(1)[0])
        )

        train = prepare_data(
            train_data, self.device, data_on_device=data_on_device, name="train_data"
        )
        val = prepare_data(val_data, self.device, data_on_device=data_on_device, name="val_data")
        self.num_classes = check_train_val(*train, *val, num_classes)
        self._data = (*train, *val)
        self._epoch = EpochRunner(self.num_classes, self._training)
        #: History of the completed epochs (filled by :meth:`run`).
        self.history: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ public

    @property
    def epochs_trained(self) -> int:
        """Candidate-epochs of training spent so far (the compute of the run)."""
        return int(self.history[-1]["epochs_trained"]) if self.history else 0

    @property
    def checkpoint_path(self) -> Path | None:
        """Where the checkpoint is written, or ``None`` without ``checkpoint_dir``."""
        return None if self.checkpoint_dir is None else self.checkpoint_dir / CHECKPOINT_FILE

    def create_study(self) -> optuna.Study:
        """Create or load the run's study (``load_if_exists=True``)."""
        # The study's own sampler is never asked for the learning rate: every candidate's lr is
        # enqueued (proposals come from a scratch study, see _propose).
        return optuna.create_study(
            storage=self.storage,
            study_name=self.study_name,
            direction="maximize",
            sampler=optuna.samplers.RandomSampler(seed=self._run_seed),
            load_if_exists=True,
        )

    def run(self) -> tuple[nn.Module, list[dict[str, Any]]]:
        """Run (or resume) the search.

        Returns:
            ``(model, history)``: the kept model after the last epoch, on ``device``, and one
            dict per epoch (see the class docstring).
        """
        study = self.create_study()
        stored_seed = study.user_attrs.get(_RUN_SEED_KEY)
        if stored_seed is not None:
            if self.seed is not None and self.seed != stored_seed:
                raise ValueError(
                    f"seed={self.seed} but study {self.study_name!r} was run with seed "
                    f"{stored_seed}; pass that seed (or seed=None) to resume it, or a new "
                    "study_name."
                )
            self._run_seed = int(stored_seed)  # a resumed seed=None run keeps its streams
        attempt = int(study.user_attrs.get(_ATTEMPT_KEY, 0)) + 1
        study.set_user_attr(_ATTEMPT_KEY, attempt)
        if stored_seed is None:
            study.set_user_attr(_RUN_SEED_KEY, self._run_seed)
            study.set_user_attr("epochs", self.epochs)
            study.set_user_attr("candidates_per_epoch", self.candidates_per_epoch)
            study.set_user_attr("warm_start", self.warm_start)
            study.set_user_attr("seed", self.seed)

        with seeded(derived_seed(self._run_seed, 0, 0), self.device):
            model = self.model_fn()
        if not isinstance(model, nn.Module):
            raise TypeError(f"model_fn must return a torch.nn.Module, got {type(model).__name__}.")
        model = model.to(self.device)
        optimizer_state: dict[str, Any] | None = None
        self.history = []
        checkpoint = load_checkpoint(self.checkpoint_dir, self.study_name, self.epochs)
        if checkpoint is not None:
            model.load_state_dict(checkpoint["model"])
            optimizer_state = checkpoint["optimizer"]
            self.history = list(checkpoint["history"])
            _logger.info(
                f"Resuming study {self.study_name!r} after epoch {len(self.history)} "
                f"(attempt {attempt})."
            )
        elif any(t.user_attrs.get("kept") for t in study.get_trials(deepcopy=False)):
            raise ValueError(
                f"Study {self.study_name!r} already has completed epochs but there is no "
                f"checkpoint to resume from (checkpoint_dir={self.checkpoint_dir!r}); pass the "
                "checkpoint_dir of that run, or a new study_name."
            )

        for epoch in range(len(self.history) + 1, self.epochs + 1):
            optimizer_state = self._run_epoch(study, model, optimizer_state, epoch, attempt)
            record = self.history[-1]
            save_checkpoint(
                self.checkpoint_dir, self.study_name, model, optimizer_state, self.history
            )
            for cb in self.callbacks:
                cb(self, record)
        return model, self.history

    # ------------------------------------------------------------------ one epoch

    def _run_epoch(
        self,
        study: optuna.Study,
        model: nn.Module,
        optimizer_state: dict[str, Any] | None,
        epoch: int,
        attempt: int,
    ) -> dict[str, Any] | None:
        """One epoch: propose and train the candidates, keep the best, tell every trial, and
        append the epoch's record to the history. Returns the kept optimizer state."""
        start_time = time.perf_counter()
        start_weights = host_copy(model.state_dict())
        trials, candidates, best = self._train_candidates(
            study, model, start_weights, optimizer_state, epoch, attempt
        )
        if best is None:
            # Every candidate diverged (or failed): keep the epoch's starting weights.
            model.load_state_dict(start_weights)
            new_optimizer, kept_index = optimizer_state, None
            _, _, X_val, y_val = self._data
            metrics = self._epoch.evaluate(model, X_val, y_val)
            _logger.warning(
                f"Epoch {epoch}: all {len(candidates)} candidates diverged; the weights of the "
                "previous epoch are kept."
            )
        else:
            kept_index, weights, new_optimizer = best
            model.load_state_dict(weights)
            metrics = candidates[kept_index]
        for k, (trial, result) in enumerate(zip(trials, candidates)):
            trial.set_user_attr("kept", k == kept_index)
            if result["failed"]:
                study.tell(trial, state=TrialState.FAIL)
            else:
                study.tell(trial, result["kappa"])
        self.history.append(self._epoch_record(epoch, candidates, kept_index, metrics, start_time))
        kept_lr = self.history[-1]["lr"]
        _logger.info(
            f"Epoch {epoch}: kept lr={'none' if kept_lr is None else f'{kept_lr:.4g}'} "
            f"(candidate {kept_index} of {len(candidates)}), "
            f"kappa={metrics['kappa']:.4f}, accuracy={metrics['accuracy']:.4f}."
        )
        return new_optimizer

    def _train_candidates(
        self,
        study: optuna.Study,
        model: nn.Module,
        start_weights: dict[str, Any],
        start_optimizer: dict[str, Any] | None,
        epoch: int,
        attempt: int,
    ) -> tuple[
        list[optuna.trial.Trial],
        list[dict[str, Any]],
        tuple[int, dict[str, Any], dict[str, Any]] | None,
    ]:
        """Proposes and trains this epoch's candidates from the same starting weights; returns
        their trials, results and ``(index, weights, optimizer state)`` of the best (by κ) that
        neither diverged nor failed. An interruption fails the epoch's trials and propagates."""
        epoch_seed = derived_seed(self._run_seed, epoch, 1)
        candidates: list[dict[str, Any]] = []
        trials: list[optuna.trial.Trial] = []
        best: tuple[int, dict[str, Any], dict[str, Any]] | None = None
        previous_lr = next((r["lr"] for r in reversed(self.history) if r["lr"] is not None), None)
        try:
            for k in range(self.candidates_per_epoch):
                if k == 0 and self.warm_start == "previous_best" and previous_lr is not None:
                    lr = float(previous_lr)
                else:
                    lr = self._propose(epoch, candidates, previous_lr)
                trial = self._ask(study, lr, {"epoch": epoch, "candidate": k, "attempt": attempt})
                trials.append(trial)
                model.load_state_dict(start_weights)
                result, opt_state = self._train_candidate(
                    trial, model, start_optimizer, lr, epoch_seed
                )
                result["trial_number"] = trial.number
                candidates.append(result)
                ok = not result["diverged"] and not result["failed"]
                if ok and (best is None or result["kappa"] > candidates[best[0]]["kappa"]):
                    best = (k, host_copy(model.state_dict()), host_copy(opt_state))
        except BaseException:
            # Interrupted (Ctrl-C, an error): this epoch's candidates are discarded; a resumed
            # run repeats the epoch from its starting weights.
            for trial in trials:
                try:
                    trial.set_user_attr("interrupted", True)
                    study.tell(trial, state=TrialState.FAIL)
                except Exception:  # noqa: BLE001 - already finished, or storage gone
                    pass
            raise
        return trials, candidates, best

    def _epoch_record(
        self,
        epoch: int,
        candidates: list[dict[str, Any]],
        kept_index: int | None,
        metrics: dict[str, Any],
        start_time: float,
    ) -> dict[str, Any]:
        """The history entry of an epoch (``metrics``: the kept candidate's, or the starting
        weights' when every candidate diverged)."""
        kept = None if kept_index is None else candidates[kept_index]
        n_before = self.history[-1]["epochs_trained"] if self.history else 0
        fields = ("lr", "kappa", "accuracy", "loss", "train_loss", "diverged", "trial_number")
        return {
            "epoch": epoch,
            "lr": None if kept is None else kept["lr"],
            **{key: metrics[key] for key in _SCALAR_METRICS},
            "train_loss": math.nan if kept is None else kept["train_loss"],
            "all_diverged": kept is None,
            "kept_candidate": kept_index,
            "candidates": [{key: c[key] for key in fields} for c in candidates],
            "n_candidates": len(candidates),
            "n_diverged": sum(bool(c["diverged"]) for c in candidates),
            "seconds": time.perf_counter() - start_time,
            "epochs_trained": n_before + len(candidates),
        }

    def _ask(self, study: optuna.Study, lr: float, attrs: dict[str, Any]) -> optuna.trial.Trial:
        """Start the candidate's trial in the run's study with ``lr`` enqueued."""
        study.enqueue_trial({"lr": lr}, user_attrs=attrs, skip_if_exists=False)
        while True:
            trial = study.ask()
            got = trial.suggest_float("lr", *self.lr, log=True)
            if got == lr and all(trial.user_attrs.get(k) == v for k, v in attrs.items()):
                return trial
            # A WAITING trial left by an interrupted run (enqueued, never started): retire it.
            trial.set_user_attr("stale", True)
            study.tell(trial, state=TrialState.FAIL)

    def _propose(
        self, epoch: int, candidates: list[dict[str, Any]], previous_lr: float | None
    ) -> float:
        """Ask the sampler for a learning rate in a scratch study of what the model should see."""
        seen: list[tuple[float, float]] = []
        if self.warm_start == "all_epochs":
            for record in self.history:
                seen += [(c["lr"], c["kappa"]) for c in record["candidates"]]
        seen += [(c["lr"], c["kappa"]) for c in candidates]
        sampler_seed = derived_seed(self._run_seed, epoch, 2)
        if self.sampler_fn is not None:
            sampler = self.sampler_fn(sampler_seed)
        else:
            sampler = GammaBOSampler(
                seed=sampler_seed,
                n_startup_trials=self.n_startup_candidates,
                warn_independent_sampling=False,
            )
        return propose(sampler, seen, search_range(self.lr, self.lr_window, previous_lr))

    def _make_optimizer(
        self, model: nn.Module, lr: float, state: dict[str, Any] | None
    ) -> torch.optim.Optimizer:
        opt = make_optimizer(
            self.optimizer,
            model.parameters(),
            lr=lr,
            weight_decay=self.weight_decay,
            momentum=self.momentum,
        )
        if state is not None:
            opt.load_state_dict(state)  # restores the old lr too: set the candidate's again
        for group in opt.param_groups:
            group["lr"] = lr
        return opt

    def _train_candidate(
        self,
        trial: optuna.trial.Trial,
        model: nn.Module,
        optimizer_state: dict[str, Any] | None,
        lr: float,
        epoch_seed: int,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        start = time.perf_counter()
        message: str | None = None
        try:
            opt = self._make_optimizer(model, lr, optimizer_state)
            with seeded(epoch_seed, self.device):  # common random numbers within the epoch
                generator = torch.Generator().manual_seed(epoch_seed)
                train_loss, metrics, diverged = self._epoch.train_and_evaluate(
                    model, opt, self._data, batch_size=self.batch_size, generator=generator
                )
        except Exception as exc:  # KeyboardInterrupt is a BaseException: it propagates.
            if not (self.catch_oom and is_out_of_memory_error(exc)):
                raise
            message = f"Out of memory on {self.device} with lr={lr}: {type(exc).__name__}: {exc}"
        if message is not None:
            record_out_of_memory(trial, self.device, message + " The candidate is marked FAIL.")
            failed = {key: math.nan for key in _SCALAR_METRICS}
            return {
                "lr": lr,
                **failed,
                "train_loss": math.nan,
                "diverged": False,
                "failed": True,
            }, {}
        seconds = time.perf_counter() - start
        for key, value in metrics.items():
            trial.set_user_attr(key, value)
        trial.set_user_attr("lr", lr)
        trial.set_user_attr("train_loss", float(train_loss))
        trial.set_user_attr("seconds", seconds)
        trial.set_user_attr("diverged", diverged)
        trial.set_user_attr("device", str(self.device))
        result = {key: float(metrics[key]) for key in _SCALAR_METRICS}
        result.update(
            lr=lr, train_loss=float(train_loss), diverged=diverged, failed=False, seconds=seconds
        )
        return result, opt.state_dict()


def _finite_number(value: object) -> bool:
    """A real number (not a bool), finite."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
