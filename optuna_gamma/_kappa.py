"""The thesis's κ objective: validation accuracy and validation loss joined into one score.

Pure Python (``math`` only); importing this module never imports torch. The formulas, what is
certain and what is reconstructed are recorded in docs/math.md §1 (thesis §3.2, eqs. 11–12).
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

__all__ = ["kappa_score"]

KappaVariant = Literal["improved", "original", "smooth"]
_VARIANTS: tuple[str, ...] = ("improved", "original", "smooth")


def _as_float(name: str, value: object) -> float:
    """Convert a real scalar (Python, NumPy or a 0-d tensor) to ``float`` or raise TypeError."""
    if isinstance(value, (bool, str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__}).")
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        return float(value)  # type: ignore[arg-type]  # 0-d arrays / tensors define __float__
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a real number, got {value!r} ({type(value).__name__})."
        ) from exc


def kappa_score(
    accuracy: float,
    loss: float,
    lam: float = 0.5,
    *,
    variant: KappaVariant = "improved",
    min_loss: float = 1e-12,
) -> float:
    r"""Score a model by its validation accuracy and loss: the thesis's κ (larger is better).

    With :math:`M_a` the validation accuracy (a fraction in :math:`[0, 1]`), :math:`M_l` the
    validation loss (:math:`\ge 0`) and :math:`\lambda \in (0, 1)` a weight:

    ``"improved"`` (thesis eq. 12, the one the thesis uses; the default):

    .. math::

        \kappa = \begin{cases} M_a^2 - \ln(M_l)/\lambda & M_a > M_l \\
                               M_a^2 & \text{otherwise} \end{cases}

    ``"original"`` (thesis eq. 11):

    .. math::

        \kappa = \begin{cases} M_a - \lambda \ln(M_l) & M_a > M_l \\
                               M_a & \text{otherwise} \end{cases}

    ``"smooth"`` (**not** the thesis's formula; an extra of this library): the branch-free
    :math:`M_a^2 - \ln(\mathrm{clip}(M_l, m, 1/m))/\lambda` with :math:`m` = ``min_loss``. The
    thesis's variants jump at :math:`M_a = M_l`; this one is continuous in both arguments.

    What is certain and what is reconstructed (docs/math.md §1): the symbols, that λ is a
    tuning value between 0 and 1, that the log of the loss is used "to increase discrimination
    near 0", that eq. 11 has two cases chosen by whether the loss exceeds the accuracy, and that
    eq. 12 "squares :math:`M_a` and divides :math:`M_l` by λ" are stated in the thesis. The
    else-branches, the natural log, and λ acting as a weight outside the log (rather than
    :math:`\ln(M_l/\lambda)`, which would only add a constant) are reconstructions from garbled
    text.

    Edge cases (choices of this library, docs/math.md §1):

    - NaN accuracy or loss returns NaN (Optuna then marks the trial FAIL), never a silent
      else-branch.
    - ``loss=+inf`` (a diverged run) gives a finite low score: the else-branch (:math:`M_a^2` or
      :math:`M_a`), or for ``"smooth"`` the loss clipped at ``1/min_loss``.
    - A loss at or below ``min_loss`` (including 0) is clamped to ``min_loss`` inside the log, so
      κ is large but finite.
    - The branch test :math:`M_a > M_l` uses the unclamped loss.

    Args:
        accuracy: Validation accuracy as a fraction in ``[0, 1]`` (a percentage such as ``95`` is
            rejected, never guessed). NaN is allowed and gives NaN.
        loss: Validation loss, ``>= 0``; ``+inf`` is allowed (diverged run); NaN gives NaN.
        lam: The weight λ, strictly between 0 and 1. Defaults to ``0.5``.
        variant: ``"improved"`` (eq. 12), ``"original"`` (eq. 11) or ``"smooth"`` (branch-free,
            not from the thesis). Defaults to ``"improved"``.
        min_loss: Positive, finite floor applied to the loss inside the log. Defaults to
            ``1e-12``.

    Returns:
        κ as a Python ``float``.

    Raises:
        TypeError: If an argument is not a real number or ``variant`` is not a string.
        ValueError: If ``accuracy`` is outside ``[0, 1]``, ``loss`` is negative, ``lam`` is not in
            ``(0, 1)``, ``min_loss`` is not positive and finite, or ``variant`` is unknown.

    Example:
        >>> round(kappa_score(0.95, 0.15), 4)
        4.6967
        >>> round(kappa_score(0.95, 0.15, variant="original"), 4)
        1.8986
        >>> kappa_score(0.60, 0.90)  # loss >= accuracy: the else-branch, Ma**2
        0.36
    """
    if not isinstance(variant, str):
        raise TypeError(f"variant must be one of {_VARIANTS}, got {variant!r}.")
    if variant not in _VARIANTS:
        raise ValueError(f"variant must be one of {_VARIANTS}, got {variant!r}.")
    acc = _as_float("accuracy", accuracy)
    ml = _as_float("loss", loss)
    lam_f = _as_float("lam", lam)
    floor = _as_float("min_loss", min_loss)

    if not (0.0 < lam_f < 1.0):  # also rejects NaN
        raise ValueError(f"lam must satisfy 0 < lam < 1, got {lam!r}.")
    if not (floor > 0.0 and math.isfinite(floor)):
        raise ValueError(f"min_loss must be positive and finite, got {min_loss!r}.")
    if not math.isnan(acc) and not (0.0 <= acc <= 1.0):
        hint = " It looks like a percentage: divide it by 100." if 1.0 < acc <= 100.0 else ""
        raise ValueError(f"accuracy must be a fraction in [0, 1], got {accuracy!r}.{hint}")
    if not math.isnan(ml) and ml < 0.0:
        raise ValueError(f"loss must be >= 0 (or +inf for a diverged run), got {loss!r}.")
    if math.isnan(acc) or math.isnan(ml):
        return math.nan

    if variant == "smooth":
        # Not the thesis: branch-free, loss clipped to [min_loss, 1/min_loss] so +inf is finite.
        clipped = min(max(ml, floor), 1.0 / floor)
        return acc * acc - math.log(clipped) / lam_f

    log_loss = math.log(max(ml, floor))  # clamp: loss 0 -> large but finite κ
    if variant == "improved":
        # thesis eq. 12 = docs/math.md eq. 2 (else-branch reconstructed)
        return acc * acc - log_loss / lam_f if acc > ml else acc * acc
    # thesis eq. 11 = docs/math.md eq. 1 (else-branch reconstructed)
    return acc - lam_f * log_loss if acc > ml else acc
