"""Device code: resolving a device, detecting and recovering from out-of-memory errors, and
seeding torch's generators (CPU and the device in use) from seeds derived per trial or epoch."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import gc
from typing import Any

import numpy as np
import optuna
import torch

_logger = optuna.logging.get_logger(f"optuna.{__name__}")

__all__ = [
    "free_device_memory",
    "is_out_of_memory_error",
    "resolve_device",
    "seeded",
    "trial_seed",
]


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto"`` or a device name into a :class:`torch.device` that exists on this machine.

    ``"auto"`` picks CUDA when available, then Apple's MPS, then the CPU.

    Args:
        device: ``"auto"``, a device string such as ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or
            ``"mps"``, or a :class:`torch.device`. Defaults to ``"auto"``.

    Returns:
        The resolved device.

    Raises:
        TypeError: If ``device`` is neither a string nor a :class:`torch.device`.
        ValueError: If the string is not a device name, or names a device that is not available.
    """
    if isinstance(device, str) and device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be 'auto', a device string or a torch.device, got {device!r} "
            f"({type(device).__name__})."
        )
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:<index>' or 'mps', got {device!r}."
        ) from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} but CUDA is not available; use 'auto' or 'cpu'.")
        count = torch.cuda.device_count()
        if resolved.index is not None and resolved.index >= count:
            raise ValueError(
                f"device={device!r} but only {count} CUDA device(s) exist "
                f"(indices 0..{count - 1})."
            )
    elif resolved.type == "mps" and not _mps_available():
        raise ValueError(f"device={device!r} but MPS is not available; use 'auto' or 'cpu'.")
    return resolved


def is_out_of_memory_error(exc: BaseException) -> bool:
    """Whether ``exc`` is an accelerator out-of-memory error (CUDA or MPS)."""
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def free_device_memory(device: torch.device) -> None:
    """Collect garbage and return cached accelerator memory to the driver.

    Call it after the last reference to the tensors of a failed trial is dropped (including the
    exception and its traceback, which keep the trial's frames alive).
    """
    gc.collect()
    if device.type == "cuda" and torch.cuda.is_available():
        torch.cuda.empty_cache()
    elif device.type == "mps" and _mps_available():
        torch.mps.empty_cache()


def derived_seed(seed: int, *keys: int) -> int:
    """A 63-bit seed derived from ``seed`` and non-negative ``keys``: unrelated streams for
    different keys, the same value for the same inputs whatever the process or platform."""
    state = np.random.SeedSequence([int(seed), *map(int, keys)]).generate_state(2, np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])


def trial_seed(seed: int, trial_number: int) -> int:
    """A 63-bit seed for one trial, derived from the study seed and the trial number.

    Different trials get unrelated streams; the same ``(seed, trial_number)`` always gives the
    same value, whatever the process or platform.
    """
    return derived_seed(seed, trial_number)


@contextlib.contextmanager
def seeded(seed: int | None, device: torch.device) -> Iterator[None]:
    """Run a block with torch's global RNG seeded, restoring the caller's RNG state afterwards.

    Weight initialisation and dropout draw from torch's global generator, so reproducibility needs
    it seeded; :func:`torch.random.fork_rng` saves and restores it (CPU, and the CUDA/MPS device
    in use), so the caller's random state is left as it was. ``seed=None`` does nothing.
    """
    if seed is None:
        yield
        return
    devices: list[int] = []
    device_type = "cuda"
    if device.type == "cuda":
        devices = [device.index if device.index is not None else torch.cuda.current_device()]
    elif device.type == "mps":
        devices, device_type = [0], "mps"
    with torch.random.fork_rng(devices=devices, device_type=device_type):
        torch.manual_seed(seed)
        yield


def record_out_of_memory(trial: Any, device: torch.device, message: str) -> None:
    """After an out-of-memory error (called outside the ``except`` block, when the exception
    and the tensors its traceback held are gone): frees the device's cache, logs ``message``
    and keeps it in the trial's user attr ``error``."""
    free_device_memory(device)
    _logger.warning(message)
    trial.set_user_attr("error", message[:2000])
