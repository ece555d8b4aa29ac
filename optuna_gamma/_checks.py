"""Argument checks shared by the public classes: errors that name the argument, its value and
what would be valid."""

from __future__ import annotations

from collections.abc import Sequence
import math

import numpy as np


def check_choice(name: str, value: object, valid: Sequence[str]) -> None:
    if value not in valid:
        listed = ", ".join(repr(v) for v in valid[:-1]) + f" and {valid[-1]!r}"
        raise ValueError(f"{name}={value!r} is not supported; valid values are {listed}.")


def check_int(name: str, value: object, minimum: int, maximum: int | None = None) -> None:
    valid = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int {valid}, got {value!r}.")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {valid}, got {value}.")


def check_bool(name: str, value: object) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")


def check_real(
    name: str, value: object, minimum: float, inclusive: bool, maximum: float | None = None
) -> None:
    relation = ">=" if inclusive else ">"
    valid = f"a finite number {relation} {minimum}" + (
        "" if maximum is None else f" and <= {maximum:g}"
    )
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be {valid}, got {value!r}.")
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    ok = number >= minimum if inclusive else number > minimum
    if not math.isfinite(number) or not ok or (maximum is not None and number > maximum):
        raise ValueError(f"{name} must be {valid}, got {value}.")


def check_optional_int(name: str, value: object, minimum: int) -> None:
    """Like :func:`check_int` with no maximum, for an argument whose default ``None`` means
    "choose for me": the messages say that ``None`` is valid too."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= {minimum} or None, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum} or None, got {value}.")
