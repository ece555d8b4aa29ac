"""kappa_score against docs/math.md §1: the worked values, every edge case, monotonicity."""

from __future__ import annotations

import doctest
import math
import os
from pathlib import Path
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st
import numpy as np
import pytest

import optuna_gamma._kappa as kappa_module
from optuna_gamma._kappa import LAM_MIN
from optuna_gamma._kappa import check_lam
from optuna_gamma._kappa import kappa_score


# docs/math.md §1, λ = 0.5: (Ma, Ml) -> (κ eq. 11, κ eq. 12)
@pytest.mark.parametrize(
    ("accuracy", "loss", "original", "improved"),
    [
        (0.95, 0.15, 1.8986, 4.6967),
        (0.90, 0.30, 1.5020, 3.2179),
        (0.60, 0.90, 0.60, 0.36),  # else-branch
    ],
)
def test_values_from_math_md(
    accuracy: float, loss: float, original: float, improved: float
) -> None:
    assert kappa_score(accuracy, loss, 0.5, variant="original") == pytest.approx(
        original, abs=5e-5
    )
    assert kappa_score(accuracy, loss, 0.5, variant="improved") == pytest.approx(
        improved, abs=5e-5
    )
    assert kappa_score(accuracy, loss) == pytest.approx(improved, abs=5e-5)  # default: improved


@pytest.mark.parametrize("lam", [0.1, 0.5, 0.9])
def test_closed_forms(lam: float) -> None:
    acc, loss = 0.8, 0.4
    assert kappa_score(acc, loss, lam, variant="original") == pytest.approx(
        acc - lam * math.log(loss)
    )
    assert kappa_score(acc, loss, lam, variant="improved") == pytest.approx(
        acc**2 - math.log(loss) / lam
    )
    assert kappa_score(acc, loss, lam, variant="smooth") == pytest.approx(
        acc**2 - math.log(loss) / lam
    )
    # else-branch: smooth differs from the thesis's variants
    assert kappa_score(0.3, 2.0, lam, variant="improved") == pytest.approx(0.09)
    assert kappa_score(0.3, 2.0, lam, variant="original") == pytest.approx(0.3)
    assert kappa_score(0.3, 2.0, lam, variant="smooth") == pytest.approx(0.09 - math.log(2) / lam)


def test_returns_python_float() -> None:
    assert type(kappa_score(np.float32(0.9), np.float64(0.3))) is float
    assert type(kappa_score(1, 0)) is float


@pytest.mark.parametrize("variant", ["improved", "original", "smooth"])
@pytest.mark.parametrize(("accuracy", "loss"), [(math.nan, 0.3), (0.9, math.nan), (math.nan,) * 2])
def test_nan_in_nan_out(variant: str, accuracy: float, loss: float) -> None:
    assert math.isnan(kappa_score(accuracy, loss, variant=variant))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("variant", "expected"),
    [("improved", 0.49), ("original", 0.7), ("smooth", 0.49 - math.log(1e12) / 0.5)],
)
def test_infinite_loss_gives_finite_low_score(variant: str, expected: float) -> None:
    value = kappa_score(0.7, math.inf, variant=variant)  # type: ignore[arg-type]
    assert math.isfinite(value)
    assert value == pytest.approx(expected)
    assert value < kappa_score(0.7, 0.5, variant=variant)  # type: ignore[arg-type]


@pytest.mark.parametrize("variant", ["improved", "original", "smooth"])
@pytest.mark.parametrize("loss", [0.0, 1e-300, 1e-12])
def test_tiny_loss_is_clamped(variant: str, loss: float) -> None:
    value = kappa_score(0.9, loss, variant=variant)  # type: ignore[arg-type]
    assert math.isfinite(value)
    assert value == kappa_score(0.9, 1e-12, variant=variant)  # type: ignore[arg-type]
    assert value > kappa_score(0.9, 1e-6, variant=variant)  # type: ignore[arg-type]


def test_min_loss_sets_the_floor() -> None:
    assert kappa_score(0.9, 0.0, min_loss=1e-3) == pytest.approx(0.81 - math.log(1e-3) / 0.5)


def test_branch_uses_unclamped_loss_and_zero_zero() -> None:
    assert kappa_score(0.0, 0.0) == 0.0  # Ma > Ml is false: else-branch
    assert kappa_score(1.0, 1.0) == 1.0  # equality takes the else-branch
    assert kappa_score(1.0, 1.0, variant="original") == 1.0


@pytest.mark.parametrize("accuracy", [-0.01, 1.0001, 95.0, math.inf, -math.inf])
def test_accuracy_out_of_range(accuracy: float) -> None:
    with pytest.raises(ValueError, match="accuracy"):
        kappa_score(accuracy, 0.3)


def test_percentage_hint() -> None:
    with pytest.raises(ValueError, match="percentage"):
        kappa_score(95, 0.3)


@pytest.mark.parametrize("loss", [-1e-9, -1.0, -math.inf])
def test_negative_loss(loss: float) -> None:
    with pytest.raises(ValueError, match="loss"):
        kappa_score(0.9, loss)


@pytest.mark.parametrize("lam", [0.0, 1.0, -0.5, 1.5, math.nan, math.inf])
def test_lam_out_of_range(lam: float) -> None:
    with pytest.raises(ValueError, match="lam"):
        kappa_score(0.9, 0.3, lam)


@pytest.mark.parametrize("min_loss", [0.0, -1.0, math.inf, math.nan])
def test_bad_min_loss(min_loss: float) -> None:
    with pytest.raises(ValueError, match="min_loss"):
        kappa_score(0.9, 0.3, min_loss=min_loss)


def test_bad_variant() -> None:
    with pytest.raises(ValueError, match="variant"):
        kappa_score(0.9, 0.3, variant="eq12")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="variant"):
        kappa_score(0.9, 0.3, variant=12)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"accuracy": "0.9", "loss": 0.3}, "accuracy"),
        ({"accuracy": True, "loss": 0.3}, "accuracy"),
        ({"accuracy": 0.9, "loss": None}, "loss"),
        ({"accuracy": 0.9, "loss": [0.3]}, "loss"),
        ({"accuracy": 0.9, "loss": 0.3, "lam": "half"}, "lam"),
    ],
)
def test_type_errors_name_the_argument(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(TypeError, match=name):
        kappa_score(**kwargs)  # type: ignore[arg-type]


def test_zero_d_array_accepted() -> None:
    value = kappa_score(np.array(0.95), np.array(0.15))  # type: ignore[arg-type]
    assert value == pytest.approx(4.6967, abs=5e-5)


def test_docstring_examples() -> None:
    result = doctest.testmod(kappa_module, raise_on_error=False)
    assert result.attempted >= 3
    assert result.failed == 0


def test_importing_the_package_does_not_import_torch(tmp_path: Path) -> None:
    repo_root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), repo_root) if p)
    code = "import sys, optuna_gamma; sys.exit(1 if 'torch' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=False)
    assert result.returncode == 0


# --- property tests: inside each branch κ increases with accuracy and decreases with loss ---

_fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
_lams = st.floats(min_value=0.01, max_value=0.99)
_variants = st.sampled_from(["improved", "original", "smooth"])


@given(a1=_fractions, a2=_fractions, loss=st.floats(1e-6, 1.0), lam=_lams, variant=_variants)
def test_increases_with_accuracy_within_branch(
    a1: float, a2: float, loss: float, lam: float, variant: str
) -> None:
    lo, hi = sorted((a1, a2))
    same_branch = (lo > loss) == (hi > loss)
    if variant != "smooth" and not same_branch:
        return
    assert kappa_score(lo, loss, lam, variant=variant) <= kappa_score(  # type: ignore[arg-type]
        hi,
        loss,
        lam,
        variant=variant,  # type: ignore[arg-type]
    )


@given(
    acc=_fractions, l1=st.floats(0.0, 1e6), l2=st.floats(0.0, 1e6), lam=_lams, variant=_variants
)
def test_decreases_with_loss_within_branch(
    acc: float, l1: float, l2: float, lam: float, variant: str
) -> None:
    lo, hi = sorted((l1, l2))
    same_branch = (acc > lo) == (acc > hi)
    if variant != "smooth" and not same_branch:
        return
    k_lo = kappa_score(acc, lo, lam, variant=variant)  # type: ignore[arg-type]
    k_hi = kappa_score(acc, hi, lam, variant=variant)  # type: ignore[arg-type]
    assert k_lo >= k_hi
    assert math.isfinite(k_lo) and math.isfinite(k_hi)


@given(acc=_fractions, loss=st.floats(1e-12, 1.0), lam=_lams)
def test_inside_main_branch_improved_exceeds_else_branch(
    acc: float, loss: float, lam: float
) -> None:
    # With Ma > Ml the loss is < 1, so the log term is a bonus over the else-branch value.
    if acc > loss:
        assert kappa_score(acc, loss, lam) >= acc**2
        assert kappa_score(acc, loss, lam, variant="original") >= acc


# --- extreme λ, loss, accuracy and min_loss ----------------------------------

_VARIANT_NAMES = ["improved", "original", "smooth"]
_SMALLEST_SUBNORMAL = 5e-324


@pytest.mark.parametrize("variant", _VARIANT_NAMES)
@pytest.mark.parametrize("lam", [1e-320, _SMALLEST_SUBNORMAL, 1e-310, 1e-305, LAM_MIN * 0.999])
def test_kappa_score_finite_for_subnormal_lam(lam: float, variant: str) -> None:
    # 0.9**2 - ln(0.3)/1e-320 is 1.2e320, larger than any float: it used to return inf. Such λ
    # are rejected with the valid range; from LAM_MIN on, κ is finite and equals eq. 2.
    with pytest.raises(ValueError, match=r"lam must satisfy 1e-300 <= lam < 1, got .*overflow"):
        kappa_score(0.9, 0.3, lam=lam, variant=variant)  # type: ignore[arg-type]
    value = kappa_score(0.9, 0.3, lam=LAM_MIN)
    assert math.isfinite(value)
    assert value == pytest.approx(0.81 - math.log(0.3) / LAM_MIN, rel=1e-15)


def test_kappa_score_worst_case_at_lam_min_is_finite() -> None:
    # The largest |ln| the clamp allows (the smallest subnormal floor) over the smallest λ.
    for variant in _VARIANT_NAMES:
        value = kappa_score(
            1.0,
            0.0,
            lam=LAM_MIN,
            variant=variant,  # type: ignore[arg-type]
            min_loss=_SMALLEST_SUBNORMAL,
        )
        assert math.isfinite(value) and value > 0.0
    smooth_inf = kappa_score(
        0.0, math.inf, lam=LAM_MIN, variant="smooth", min_loss=_SMALLEST_SUBNORMAL
    )
    assert math.isfinite(smooth_inf) and smooth_inf < 0.0


@pytest.mark.parametrize("min_loss", [_SMALLEST_SUBNORMAL, 1e-310, 1e-308])
def test_kappa_score_smooth_finite_for_subnormal_min_loss(min_loss: float) -> None:
    # clip(Ml, m, 1/m) took 1/m, which overflows to inf for a subnormal m: loss=inf gave -inf.
    value = kappa_score(0.7, math.inf, variant="smooth", min_loss=min_loss)
    assert math.isfinite(value)
    assert value == pytest.approx(0.49 + math.log(min_loss) / 0.5)
    assert value < kappa_score(0.7, 1e300, variant="smooth", min_loss=min_loss)


@pytest.mark.parametrize("min_loss", [1.0, 1.5, 1e300])
def test_kappa_score_rejects_min_loss_at_or_above_one(min_loss: float) -> None:
    # A floor >= 1 made the main branch score below the else-branch (min_loss=2: loss 0.5 gave
    # -0.58, loss 0.95 gave 0.81): κ rose with the loss.
    with pytest.raises(ValueError, match=r"min_loss must satisfy 0 < min_loss < 1, got"):
        kappa_score(0.9, 0.5, min_loss=min_loss)


def test_check_lam() -> None:
    assert check_lam(0.5) == 0.5
    assert check_lam(np.float64(LAM_MIN * 10)) == LAM_MIN * 10
    with pytest.raises(TypeError, match="lam"):
        check_lam("half")
    with pytest.raises(ValueError, match=r"lam must satisfy 1e-300 <= lam < 1, got 1\.0\.$"):
        check_lam(1.0)


_ACCURACIES = [0.0, _SMALLEST_SUBNORMAL, 1e-8, 0.3, 0.5, 0.9, 1.0 - 2**-53, 1.0]
_LOSSES = [0.0, _SMALLEST_SUBNORMAL, 1e-300, 1e-12, 1e-6, 0.3, 0.9, 1.0, 2.0, 1e300, math.inf]


@pytest.mark.parametrize("variant", _VARIANT_NAMES)
@pytest.mark.parametrize("lam", [LAM_MIN, 1e-200, 1e-10, 0.5, 1.0 - 2**-53])
@pytest.mark.parametrize("min_loss", [_SMALLEST_SUBNORMAL, 1e-12, 0.5, 1.0 - 2**-53])
def test_kappa_score_sweep_of_extremes_is_finite_and_monotone(
    variant: str, lam: float, min_loss: float
) -> None:
    # κ never decreases with the accuracy and never increases with the loss, across the
    # branches too (docs/math.md §1: the main branch's log-loss is a bonus over the else-branch).
    table = [
        [kappa_score(a, loss, lam, variant=variant, min_loss=min_loss) for loss in _LOSSES]  # type: ignore[arg-type]
        for a in _ACCURACIES
    ]
    assert all(math.isfinite(v) for row in table for v in row)
    for row in table:
        assert row == sorted(row, reverse=True)
    for column in zip(*table):
        assert list(column) == sorted(column)


_tiny_lams = st.floats(min_value=LAM_MIN, max_value=1e-250)
_all_lams = st.one_of(_tiny_lams, st.floats(min_value=LAM_MIN, max_value=1.0, exclude_max=True))
_too_small_lams = st.floats(
    min_value=_SMALLEST_SUBNORMAL, max_value=LAM_MIN, exclude_max=True, allow_subnormal=True
)
_min_losses = st.floats(
    min_value=_SMALLEST_SUBNORMAL, max_value=1.0, exclude_max=True, allow_subnormal=True
)
_losses = st.one_of(
    st.floats(min_value=0.0, allow_nan=False, allow_infinity=True, allow_subnormal=True),
    st.floats(min_value=0.0, max_value=1.0, allow_subnormal=True),
)


@given(acc=_fractions, loss=_losses, lam=_too_small_lams, variant=_variants)
def test_lam_below_lam_min_is_rejected_with_the_range(
    acc: float, loss: float, lam: float, variant: str
) -> None:
    with pytest.raises(ValueError, match=r"lam must satisfy 1e-300 <= lam < 1"):
        kappa_score(acc, loss, lam, variant=variant)  # type: ignore[arg-type]


@given(acc=_fractions, loss=_losses, lam=_all_lams, min_loss=_min_losses, variant=_variants)
def test_finite_for_every_admissible_input(
    acc: float, loss: float, lam: float, min_loss: float, variant: str
) -> None:
    value = kappa_score(acc, loss, lam, variant=variant, min_loss=min_loss)  # type: ignore[arg-type]
    assert math.isfinite(value)


@given(
    a1=_fractions,
    a2=_fractions,
    l1=_losses,
    l2=_losses,
    lam=_all_lams,
    min_loss=_min_losses,
    variant=_variants,
)
def test_monotone_across_branches_for_tiny_lam(
    a1: float, a2: float, l1: float, l2: float, lam: float, min_loss: float, variant: str
) -> None:
    lo_a, hi_a = sorted((a1, a2))
    lo_l, hi_l = sorted((l1, l2))

    def k(acc: float, loss: float) -> float:
        return kappa_score(acc, loss, lam, variant=variant, min_loss=min_loss)  # type: ignore[arg-type]

    assert k(lo_a, lo_l) <= k(hi_a, lo_l)
    assert k(lo_a, lo_l) >= k(lo_a, hi_l)
