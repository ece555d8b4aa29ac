"""The Bayesian optimizer of :class:`~optuna_gamma.torch.EpochwiseLRSearch` (thesis fig. 8): the
settings that decide what it sees and where it proposes, and one proposal.

A proposal is asked of a scratch in-memory study rebuilt from the recorded candidates every
time, so it depends on those candidates and the seed only and a resumed run proposes the same
learning rates (docs/epochwise.md).
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import logging
import math
from typing import Literal

import optuna
from optuna.distributions import FloatDistribution

__all__ = ["WARM_STARTS", "WarmStart", "check_search_settings", "propose", "search_range"]

WarmStart = Literal["previous_best", "all_epochs", "none"]
WARM_STARTS = ("previous_best", "all_epochs", "none")


def check_search_settings(
    lr: object, warm_start: object, lr_window: object, n_startup_candidates: object
) -> None:
    """The arguments of the search itself: the learning-rate range, the warm start, the window
    of later epochs and the random candidates."""
    if not (
        isinstance(lr, tuple)
        and len(lr) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in lr)
        and 0 < lr[0] < lr[1] < math.inf
    ):
        raise ValueError(f"lr must be a (low, high) tuple with 0 < low < high, got {lr!r}.")
    if warm_start not in WARM_STARTS:
        raise ValueError(f"warm_start must be one of {WARM_STARTS}, got {warm_start!r}.")
    if lr_window is not None and not (
        isinstance(lr_window, (int, float))
        and not isinstance(lr_window, bool)
        and 1.0 < lr_window < math.inf
    ):
        raise ValueError(f"lr_window must be a number > 1 or None, got {lr_window!r}.")
    if (
        isinstance(n_startup_candidates, bool)
        or not isinstance(n_startup_candidates, int)
        or n_startup_candidates < 0
    ):
        raise ValueError(
            f"n_startup_candidates must be an int >= 0, got {n_startup_candidates!r}."
        )


def search_range(
    lr: tuple[float, float], lr_window: float | None, previous_lr: float | None
) -> FloatDistribution:
    """The search range of an epoch: all of ``lr``, or a window around the last kept lr."""
    if lr_window is None or previous_lr is None:
        return FloatDistribution(lr[0], lr[1], log=True)
    low = max(lr[0], previous_lr / lr_window)
    high = min(lr[1], previous_lr * lr_window)
    return FloatDistribution(low, high, log=True)


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """Raise one logger's level to WARNING for a block (INFO lines of a scratch study)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def propose(
    sampler: optuna.samplers.BaseSampler,
    seen: list[tuple[float, float]],
    dist: FloatDistribution,
) -> float:
    """The learning rate ``sampler`` proposes in ``dist`` after the ``(lr, κ)`` pairs ``seen``
    (those with a non-finite κ, FAIL candidates, or outside ``dist`` are left out)."""
    with _quiet_logger("optuna.storages._in_memory"):  # no "new study" line per proposal
        scratch = optuna.create_study(direction="maximize", sampler=sampler)
    for lr, value in seen:
        if math.isfinite(value) and dist.low <= lr <= dist.high:
            scratch.add_trial(
                optuna.trial.create_trial(
                    params={"lr": lr}, distributions={"lr": dist}, value=value
                )
            )
    proposal = scratch.ask({"lr": dist})
    return float(proposal.params["lr"])
