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

#: Smallest λ that :func:`kappa_score` accepts. The loss enters as ln(max(Ml, m)) with m a
#: positive float, so |ln| <= 745 (ln of the smallest subnormal, 5e-324, is -744.4) and
#: |ln(Ml)|/λ <= 7.5e302 for λ >= 1e-300: finite, with room for the Ma² term (largest float:
#: 1.8e308). Below about 4e-306 the exact κ of docs/math.md eq. 2 can be larger than any float
#: (λ = 1e-320 returned inf), so such λ are rejected rather than rounded to an infinite or
#: saturated score.
LAM_MIN = 1e-300


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


def check_lam(lam: object) -> float:
    """``lam`` as a float, or raise: a TypeError if it is not a real number, a ValueError unless
    ``LAM_MIN <= lam < 1`` (for callers that validate κ's λ before the first score)."""
    lam_f = _as_float("lam", lam)
    if not (LAM_MIN <= lam_f < 1.0):  # also rejects NaN
        why = (
            f": below {LAM_MIN:g}, ln(loss)/lam can overflow to inf"
            if 0.0 < lam_f < LAM_MIN
            else ""
        )
        raise ValueError(f"lam must satisfy {LAM_MIN:g} <= lam < 1, got {lam!r}{why}.")
    return lam_f


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
    validation loss (:math:`\ge 0`) and :math:`\lambda \in [10^{-300}, 1)` a weight:

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
    - κ is finite for every admissible input: λ below ``1e-300`` is rejected because the exact κ
      of eq. 12 can exceed the largest float there (``lam=1e-320`` used to return ``inf``), and
      ``min_loss`` must be below 1, so the clamped log-loss is negative on the main branch and κ
      never increases with the loss or decreases with the accuracy, across the branches too.

    Args:
        accuracy: Validation accuracy as a fraction in ``[0, 1]`` (a percentage such as ``95`` is
            rejected, never guessed). NaN is allowed and gives NaN.
        loss: Validation loss, ``>= 0``; ``+inf`` is allowed (diverged run); NaN gives NaN.
        lam: The weight λ, with ``1e-300 <= lam < 1`` (:data:`LAM_MIN`; the thesis says only
            "between 0 and 1"). Defaults to ``0.5``.
        variant: ``"improved"`` (eq. 12), ``"original"`` (eq. 11) or ``"smooth"`` (branch-free,
            not from the thesis). Defaults to ``"improved"``.
        min_loss: Floor applied to the loss inside the log, with ``0 < min_loss < 1`` (subnormal
            floors included). Defaults to ``1e-12``.

    Returns:
        κ as a Python ``float``.

    Raises:
        TypeError: If an argument is not a real number or ``variant`` is not a string.
        ValueError: If ``accuracy`` is outside ``[0, 1]``, ``loss`` is negative, ``lam`` is not in
            ``[1e-300, 1)``, ``min_loss`` is not in ``(0, 1)``, or ``variant`` is unknown.

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
    lam_f = check_lam(lam)
    floor = _as_float("min_loss", min_loss)

    if not (0.0 < floor < 1.0):  # also rejects NaN; >= 1 would make κ rise with the loss
        raise ValueError(f"min_loss must satisfy 0 < min_loss < 1, got {min_loss!r}.")
    if not math.isnan(acc) and not (0.0 <= acc <= 1.0):
        hint = " It looks like a percentage: divide it by 100." if 1.0 < acc <= 100.0 else ""
        raise ValueError(f"accuracy must be a fraction in [0, 1], got {accuracy!r}.{hint}")
    if not math.isnan(ml) and ml < 0.0:
        raise ValueError(f"loss must be >= 0 (or +inf for a diverged run), got {loss!r}.")
    if math.isnan(acc) or math.isnan(ml):
        return math.nan

    log_loss = math.log(max(ml, floor))  # clamp: loss 0 -> large but finite κ
    if variant == "smooth":
        # Not the thesis (docs/math.md eq. 3): branch-free, loss clipped to [m, 1/m] so +inf is
        # finite. Clipped in log space: 1/m overflows to inf for a subnormal m, ln(1/m) = -ln(m).
        return acc * acc - min(log_loss, -math.log(floor)) / lam_f
    if variant == "improved":
        # thesis eq. 12 = docs/math.md eq. 2 (else-branch reconstructed)
        return acc * acc - log_loss / lam_f if acc > ml else acc * acc
    # thesis eq. 11 = docs/math.md eq. 1 (else-branch reconstructed)
    return acc - lam_f * log_loss if acc > ml else acc
