"""The checkpoint of :class:`~optuna_gamma.torch.EpochwiseLRSearch`: the kept weights, the
optimizer state and the history after each decided epoch, written atomically, and the checks
that a checkpoint belongs to the run that loads it."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = ["CHECKPOINT_FILE", "host_copy", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_FILE = "epochwise_checkpoint.pt"
_CHECKPOINT_VERSION = 1


def host_copy(state: Any) -> Any:
    """A deep copy of a (nested) state dict with every tensor cloned to host memory."""
    if isinstance(state, torch.Tensor):
        return state.detach().to("cpu", copy=True)
    if isinstance(state, dict):
        return {k: host_copy(v) for k, v in state.items()}
    if isinstance(state, list):
        return [host_copy(v) for v in state]
    if isinstance(state, tuple):
        return tuple(host_copy(v) for v in state)
    return copy.deepcopy(state)


def load_checkpoint(
    checkpoint_dir: Path | None, study_name: str, epochs: int
) -> dict[str, Any] | None:
    """The checkpoint in ``checkpoint_dir``, ``None`` when there is none; a ``ValueError`` when
    it is of another version or study, or has more epochs than ``epochs``."""
    path = None if checkpoint_dir is None else checkpoint_dir / CHECKPOINT_FILE
    if path is None or not path.exists():
        return None
    checkpoint: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    if checkpoint.get("version") != _CHECKPOINT_VERSION:
        raise ValueError(
            f"checkpoint {str(path)!r} has version {checkpoint.get('version')!r}; expected "
            f"{_CHECKPOINT_VERSION}."
        )
    if checkpoint.get("study_name") != study_name:
        raise ValueError(
            f"checkpoint_dir={str(checkpoint_dir)!r} holds the checkpoint of study "
            f"{checkpoint.get('study_name')!r}, not {study_name!r}; use its study_name "
            "or another checkpoint_dir."
        )
    if len(checkpoint["history"]) > epochs:
        raise ValueError(
            f"the checkpoint has {len(checkpoint['history'])} completed epochs but "
            f"epochs={epochs}."
        )
    return checkpoint


def save_checkpoint(
    checkpoint_dir: Path | None,
    study_name: str,
    model: nn.Module,
    optimizer_state: dict[str, Any] | None,
    history: list[dict[str, Any]],
) -> None:
    """Write the checkpoint into ``checkpoint_dir`` (nothing when it is ``None``)."""
    if checkpoint_dir is None:
        return
    path = checkpoint_dir / CHECKPOINT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "version": _CHECKPOINT_VERSION,
        "study_name": study_name,
        "model": host_copy(model.state_dict()),
        "optimizer": optimizer_state,
        "history": history,
    }
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)  # atomic: a crash never leaves half a checkpoint
