"""Acquisition functions against quadrature, Monte Carlo and 300-digit arithmetic."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from optuna_gamma import _acquisition as acq

NUS = [1.5, 2.0, 5.0, 30.0, 1e3, 1e5, 1e6, math.inf]


def _log_h(z: np.ndarray, nu: float) -> tuple[np.ndarray, np.ndarray]:
    return acq.log_h_normal(z) if math.isinf(nu) else acq.log_h_student_t(z, nu)


def _log_h_exact(z: float, nu: float) -> float:
    """log(z T(z) + (nu + z^2)/(nu - 1) t(z)) in 300-digit arithmetic (docs/math.md §3)."""
    with mpmath.workdps(300):
        z_, nu_ = mpmath.mpf(z), mpmath.mpf(nu)
        log_t = (
            mpmath.loggamma((nu_ + 1) / 2)
            - mpmath.loggamma(nu_ / 2)
            - mpmath.log(nu_ * mpmath.pi) / 2
            - (nu_ + 1) / 2 * mpmath.log(1 + z_ * z_ / nu_)
        )
        tail = mpmath.betainc(
            nu_ / 2, mpmath.mpf(1) / 2, 0, nu_ / (nu_ + z_ * z_), regularized=True
        )
        T = tail / 2 if z_ < 0 else 1 - tail / 2
        return float(mpmath.log(z_ * T + (nu_ + z_ * z_) / (nu_ - 1) * mpmath.exp(log_t)))


@pytest.mark.parametrize("nu", [1.5, 3.0, 10.0, 100.0])
@pytest.mark.parametrize("z", [-6.0, -1.5, -0.3, 0.0, 0.7, 4.0])
def test_h_student_t_matches_quadrature(nu: float, z: float) -> None:
    # h(z) = E[max(z - Z, 0)], Z ~ t_nu
    dist = scipy.stats.t(nu)
    expected = scipy.integrate.quad(lambda u: (z - u) * dist.pdf(u), -np.inf, z, epsabs=1e-13)[0]
    log_h, _ = acq.log_h_student_t(np.array([z]), nu)
    assert math.exp(log_h[0]) == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("nu", [1.5, 2.0, 5.0, 30.0, 1e3, 9e4])
@pytest.mark.parametrize("z", [-1e5, -1e3, -80.0, -30.0, -3.0, -1.01, -0.99, 0.0, 3.0, 50.0])
def test_log_h_student_t_matches_high_precision(nu: float, z: float) -> None:
    log_h, _ = acq.log_h_student_t(np.array([z]), nu)
    expected = _log_h_exact(z, nu)
    assert abs(log_h[0] - expected) <= 1e-9 * max(1.0, abs(expected))


@pytest.mark.parametrize("z", [-1e10, -1e5, -2000.0, -999.0, -40.0, -5.0, -1.0, 0.0, 3.0])
def test_log_h_normal_matches_high_precision(z: float) -> None:
    with mpmath.workdps(60):
        zz = mpmath.mpf(z)
        expected = float(mpmath.log(zz * mpmath.ncdf(zz) + mpmath.npdf(zz)))
    log_h, _ = acq.log_h_normal(np.array([z]))
    assert abs(log_h[0] - expected) <= 1e-12 * max(1.0, abs(expected))


@pytest.mark.parametrize("nu", [2.5, 7.0, math.inf])
def test_expected_improvement_matches_monte_carlo(nu: float) -> None:
    rng = np.random.default_rng(0)
    mean, scale, y_best, xi = 0.3, 0.8, 0.9, 0.05
    draws = rng.standard_t(nu, 2_000_000) if math.isfinite(nu) else rng.standard_normal(2_000_000)
    f = mean + scale * draws
    mc = np.maximum(f - y_best - xi, 0.0).mean()
    value, _, _ = acq.log_expected_improvement(np.array([mean]), np.array([scale]), nu, y_best, xi)
    assert math.exp(value[0]) == pytest.approx(mc, rel=1e-2)


@pytest.mark.parametrize("nu", NUS)
def test_log_h_finite_monotone_with_finite_gradient_over_all_scales(nu: float) -> None:
    magnitudes = np.logspace(-3, 100, 413)
    z = np.sort(np.concatenate([-magnitudes, [0.0], magnitudes]))
    log_h, d_log_h = _log_h(z, nu)
    assert np.all(np.isfinite(log_h))
    assert np.all(np.isfinite(d_log_h))
    assert np.all(d_log_h > 0.0)
    assert np.all(np.diff(log_h) >= 0.0)


@pytest.mark.parametrize("nu", NUS)
def test_log_h_gradient_matches_finite_differences(nu: float) -> None:
    z = np.linspace(-60.0, 8.0, 69)
    eps = 1e-6
    numeric = (_log_h(z + eps, nu)[0] - _log_h(z - eps, nu)[0]) / (2 * eps)
    _, analytic = _log_h(z, nu)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-6)


def test_student_t_tends_to_normal() -> None:
    z = np.array([-5.0, -1.0, 0.0, 2.0])  # the far tails stay heavier for any finite nu
    np.testing.assert_allclose(acq.log_h_student_t(z, 5e4)[0], acq.log_h_normal(z)[0], atol=1e-2)
    z = np.array([-30.0, -5.0, 0.0])  # beyond nu = 1e5 the Gaussian limit is used
    np.testing.assert_array_equal(acq.log_h_student_t(z, 2e5)[0], acq.log_h_normal(z)[0])


def test_student_t_has_heavier_tail_than_normal() -> None:
    # Far below the incumbent a Student-t predictive still promises improvement.
    z = np.array([-10.0])
    assert acq.log_h_student_t(z, 5.0)[0][0] > acq.log_h_normal(z)[0][0] + 40.0


def test_nu_at_most_one_is_rejected() -> None:
    with pytest.raises(ValueError, match="nu > 1"):
        acq.log_h_student_t(np.array([0.0]), 1.0)


@pytest.mark.parametrize("nu", [1.5, 6.0, 1e4, math.inf])
def test_log_cdf_student_t(nu: float) -> None:
    z = np.array([-1e4, -50.0, -3.0, 0.0, 2.0])
    log_T, d = acq.log_cdf_student_t(z, nu)
    if math.isfinite(nu):
        expected = scipy.stats.t.logcdf(z, nu)
        ok = np.isfinite(expected)
        np.testing.assert_allclose(log_T[ok], expected[ok], rtol=1e-8)
    else:
        np.testing.assert_allclose(log_T, scipy.stats.norm.logcdf(z), rtol=1e-10)
    assert np.all(np.isfinite(log_T)) and np.all(np.isfinite(d)) and np.all(d > 0)


@pytest.mark.parametrize("kind", ["ei", "pi", "ucb"])
@pytest.mark.parametrize("nu", [4.0, math.inf])
def test_acquisition_derivatives(kind: str, nu: float) -> None:
    mean = np.array([-2.0, 0.1, 1.3])
    scale = np.array([0.2, 0.7, 1.5])

    def f(m: np.ndarray, s: np.ndarray) -> acq.AcquisitionResult:
        if kind == "ucb":
            return acq.upper_confidence_bound(m, s, 2.0)
        fn = acq.log_expected_improvement if kind == "ei" else acq.log_probability_of_improvement
        return fn(m, s, nu, 0.5, 0.01)

    value, d_mean, d_scale = f(mean, scale)
    eps = 1e-6
    num_mean = (f(mean + eps, scale)[0] - f(mean - eps, scale)[0]) / (2 * eps)
    num_scale = (f(mean, scale + eps)[0] - f(mean, scale - eps)[0]) / (2 * eps)
    np.testing.assert_allclose(d_mean, num_mean, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(d_scale, num_scale, rtol=1e-5, atol=1e-7)


def test_unknown_acquisition_is_rejected_by_the_settings() -> None:
    from optuna_gamma.surrogate import SurrogateSettings

    with pytest.raises(ValueError, match="'ei', 'pi' and 'ucb'"):
        SurrogateSettings(acquisition="foo")
