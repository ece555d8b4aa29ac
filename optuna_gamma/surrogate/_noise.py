"""Whether the objective is noisy, from trials that evaluated the same parameters
(``SurrogateSettings.noise_check``; docs/math.md §11)."""

from __future__ import annotations

from collections.abc import Sequence
import dataclasses
from typing import Any

import numpy as np
from optuna.trial import FrozenTrial

from optuna_gamma.surrogate._settings import EXACT_REPEATS_TIED
from optuna_gamma.surrogate._settings import NOISY_PRIOR_RATE
from optuna_gamma.surrogate._settings import REPEAT_TOLERANCE
from optuna_gamma.surrogate._settings import SurrogateSettings


def repeat_evidence(completed: Sequence[FrozenTrial]) -> bool | None:
    """What the COMPLETE trials that share their parameters say about noise: ``True`` if two
    of them have values further apart than ``REPEAT_TOLERANCE`` of the values' standard
    deviation (for some objective), ``False`` if enough evaluations repeated earlier
    parameters and each gave the same values, ``None`` otherwise.

    Enough is one, or ``EXACT_REPEATS_TIED`` where two different configurations have exactly
    the same values: an objective whose values are a few distinct scores (an accuracy on a
    small validation split) or one of a few recorded values (a tabulated benchmark) gives a
    repeat the same value by chance, and such ties are how it shows."""
    groups: dict[Any, list[int]] = {}
    for i, trial in enumerate(completed):
        groups.setdefault(_key(trial.params), []).append(i)
    repeated = [rows for rows in groups.values() if len(rows) > 1]
    if not repeated:
        return None
    values = np.array([t.values for t in completed], dtype=float)  # (n, objectives)
    finite = np.where(np.isfinite(values), values, np.nan)
    with np.errstate(invalid="ignore"):
        tolerance = REPEAT_TOLERANCE * np.nanstd(finite, axis=0)
    for rows in repeated:
        spread = np.nanmax(finite[rows], axis=0) - np.nanmin(finite[rows], axis=0)
        if np.any(spread > tolerance):  # NaN (no finite value) compares False
            return True
    firsts = [tuple(values[rows[0]]) for rows in groups.values()]
    needed = EXACT_REPEATS_TIED if len(set(firsts)) < len(firsts) else 1
    if sum(len(rows) - 1 for rows in repeated) >= needed:
        return False
    return None


def distinct(completed: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """The first of the trials of each set of parameters: what a noise-free objective's
    repeats leave to learn (a second evaluation of a point there is the same observation)."""
    seen: set[Any] = set()
    out = []
    for trial in completed:
        key = _key(trial.params)
        if key not in seen:
            seen.add(key)
            out.append(trial)
    return out


def checked_settings(settings: SurrogateSettings, evidence: bool | None) -> SurrogateSettings:
    """``settings`` with the noise prior that ``evidence`` (:func:`repeat_evidence`) calls for:
    the rate ``NOISY_PRIOR_RATE`` once repeats have shown noise, under ``noise_check`` and
    unless the objective is declared deterministic or the rate is lower already."""
    if (
        evidence
        and settings.noise_check
        and not settings.deterministic_objective
        and settings.noise_prior_rate > NOISY_PRIOR_RATE
    ):
        return dataclasses.replace(settings, noise_prior_rate=NOISY_PRIOR_RATE)
    return settings


def _key(params: dict[str, Any]) -> Any:
    try:
        return frozenset(params.items())
    except TypeError:  # an unhashable choice: compare the parameters by their text
        return repr(sorted(params.items(), key=lambda item: item[0]))
