"""Acquisition functions as pure functions of the predictive (maximisation throughout).

With ``z = (mean - y_best - xi) / s``:

- Expected Improvement ``EI = s * h(z)``, ``h(z) = E[max(z - Z, 0)]`` for ``Z ~ t_nu`` or
  ``Z ~ N(0, 1)``; computed as ``log EI = log s + log h(z)`` stably for every ``z``
  (docs/math.md eqs. 10-15).
- Probability of Improvement ``log PI = log T_nu(z)``.
- Upper confidence bound ``mean + beta * s``.

Each returns the value and its derivatives with respect to ``mean`` and ``s`` so that the optimiser
can chain them with the predictive's gradients.

References:
    - B. D. Tracey, D. H. Wolpert, "Upgrading from Gaussian Processes to Student's-t Processes",
      arXiv:1801.06147 (EI under a Student-t predictive).
    - S. Ament et al., "Unexpected Improvements to Expected Improvement for Bayesian
      Optimization", NeurIPS 2023, arXiv:2310.20708 (log-EI and its stable evaluation).
    - D. Jones, M. Schonlau, W. Welch, "Efficient Global Optimization of Expensive Black-Box
      Functions", 1998; D. Lizotte, PhD thesis, 2008 (the offset ``xi``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfcx
from scipy.special import gammaln
from scipy.special import hyp2f1
from scipy.special import log_ndtr
from scipy.special import stdtr

# Above this many degrees of freedom the Student-t is replaced by its Gaussian limit
# (docs/math.md §3).
NU_GAUSSIAN_LIMIT = 1e5
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_SQRT_PI_OVER_2 = 0.5 * math.log(math.pi / 2.0)
_Z_ASYMPTOTIC = 1e3  # below -this, log h(z) of the normal uses its asymptotic series
# log EHVI takes the points in blocks of at most this many (point, box) pairs, so that memory
# stays bounded for large decompositions (docs/math.md §8).
_EHVI_BLOCK = 2**21


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 - exp(x))`` for ``x < 0`` (Maechler 2012)."""
    return np.where(x > -math.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_h_normal(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log h(z)`` for ``h(z) = z Phi(z) + phi(z)`` and ``d log h / dz = Phi(z) / h(z)``.

    Three branches (after Ament et al. 2023, eq. 9): direct for ``z > -1``; through the scaled
    complementary error function for ``-1000 < z <= -1``; below, the asymptotic series
    ``h/phi = z^-2 (1 - 3 z^-2 + 15 z^-4)`` (truncation error below 1e-16 there), where
    ``1 - |z| Phi/phi`` would lose every digit to cancellation.
    """
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    d_out = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    out[upper] = np.log(zu * np.exp(log_ndtr(zu)) + np.exp(-0.5 * zu * zu - _LOG_SQRT_2PI))
    d_out[upper] = np.exp(log_ndtr(zu) - out[upper])
    mid = ~upper & (z > -_Z_ASYMPTOTIC)
    zm = z[mid]
    # h = phi(z) (1 - |z| R),  R = Phi(z)/phi(z) = sqrt(pi/2) erfcx(-z/sqrt2)  (Mills ratio)
    log_R = np.log(erfcx(-zm / math.sqrt(2.0))) + _LOG_SQRT_PI_OVER_2
    log_1m_zR = _log1mexp(log_R + np.log(np.abs(zm)))
    out[mid] = -0.5 * zm * zm - _LOG_SQRT_2PI + log_1m_zR
    d_out[mid] = np.exp(log_R - log_1m_zR)  # Phi/h = R / (1 - |z| R)
    low = ~upper & ~mid
    zl = z[low]
    w = 1.0 / (zl * zl)
    # Asymptotic series: h/phi = z^-2 (1 - 3 z^-2 + 15 z^-4 - ...), R = |z|^-1 (1 - z^-2 + 3 z^-4)
    out[low] = -0.5 * zl * zl - _LOG_SQRT_2PI + np.log(w) + np.log1p(w * (-3.0 + 15.0 * w))
    d_out[low] = np.abs(zl) * (1.0 - w + 3.0 * w * w) / (1.0 - 3.0 * w + 15.0 * w * w)
    return out, d_out


def _log_t_pdf(z: np.ndarray, nu: float) -> np.ndarray:
    # docs/math.md eq. 12:
    # lt(z) = lgamma((nu+1)/2) - lgamma(nu/2) - log(nu pi)/2 - (nu+1)/2 log1p(z^2/nu)
    c = gammaln(0.5 * (nu + 1.0)) - gammaln(0.5 * nu) - 0.5 * math.log(nu * math.pi)
    return c - 0.5 * (nu + 1.0) * np.log1p(z * z / nu)


def log_h_student_t(z: np.ndarray, nu: float) -> tuple[np.ndarray, np.ndarray]:
    """``log h_nu(z)`` for ``h_nu(z) = E[max(z - Z, 0)]``, ``Z ~ t_nu``, and ``d log h/dz``.

    ``h_nu(z) = z T_nu(z) + (nu + z^2)/(nu - 1) t_nu(z)`` (docs/math.md eq. 10, ``nu > 1``) and
    ``d h/dz = T_nu(z)``.  Branch 1 evaluates the sum directly (``z > -1`` or ``log t > -600``);
    branch 2, the deep left tail, writes ``T/t = |z|/nu * 2F1((nu+1)/2, 1; nu/2+1; nu/(nu+z^2))``
    and takes ``log1p`` of the cancelling difference.  Beyond ``nu = 1e5`` the Gaussian limit is
    used.
    """
    if nu > NU_GAUSSIAN_LIMIT:
        return log_h_normal(z)
    if not nu > 1.0:
        raise ValueError(f"Expected Improvement needs nu > 1, got nu={nu}.")
    z = np.asarray(z, dtype=float)
    lt = _log_t_pdf(z, nu)
    out = np.empty_like(z)
    d_out = np.empty_like(z)
    b1 = (z > -1.0) | (lt > -600.0)
    z1 = z[b1]
    T1 = stdtr(nu, z1)
    h1 = z1 * T1 + (nu + z1 * z1) / (nu - 1.0) * np.exp(lt[b1])
    out[b1] = np.log(h1)
    d_out[b1] = T1 / h1
    b2 = ~b1
    if b2.any():
        z2 = z[b2]
        x = nu / (nu + z2 * z2)
        F = hyp2f1(0.5 * (nu + 1.0), 1.0, 0.5 * nu + 1.0, x)
        q = (1.0 - x) * (nu - 1.0) / nu * F  # |z| T / ((nu + z^2)/(nu - 1) t)
        log_h_over_t = np.log((nu + z2 * z2) / (nu - 1.0)) + np.log1p(-q)
        out[b2] = lt[b2] + log_h_over_t
        # T/h = (T/t) / (h/t), with T/t = |z|/nu F; log t cancels, so no large terms meet.
        d_out[b2] = np.exp(np.log(np.abs(z2) / nu * F) - log_h_over_t)
    return out, d_out


def log_cdf_student_t(z: np.ndarray, nu: float) -> tuple[np.ndarray, np.ndarray]:
    """``log T_nu(z)`` and its derivative ``t_nu(z) / T_nu(z)``, stable in the left tail."""
    z = np.asarray(z, dtype=float)
    if nu > NU_GAUSSIAN_LIMIT or math.isinf(nu):
        log_T = log_ndtr(z)
        return log_T, np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_T)
    lt = _log_t_pdf(z, nu)
    log_T = np.empty_like(z)
    b1 = (z > -1.0) | (lt > -600.0)
    log_T[b1] = np.log(stdtr(nu, z[b1]))
    b2 = ~b1
    if b2.any():
        z2 = z[b2]
        x = nu / (nu + z2 * z2)
        F = hyp2f1(0.5 * (nu + 1.0), 1.0, 0.5 * nu + 1.0, x)
        log_T[b2] = lt[b2] + np.log(np.abs(z2) / nu * F)
    return log_T, np.exp(lt - log_T)


AcquisitionResult = tuple[np.ndarray, np.ndarray, np.ndarray]  # value, d/d mean, d/d scale


def log_expected_improvement(
    mean: np.ndarray, scale: np.ndarray, nu: float, y_best: float, xi: float
) -> AcquisitionResult:
    """``log EI = log s + log h_nu(z)``, ``z = (mean - y_best - xi) / s`` (docs/math.md
    eq. 11), with its derivatives with respect to ``mean`` and ``scale``.

    Args:
        mean: Predictive location, ``(s,)``.
        scale: Predictive scale ``s > 0``, ``(s,)``.
        nu: Degrees of freedom; ``math.inf`` for the Gaussian predictive.
        y_best: Best observed (standardised, maximised) value.
        xi: Improvement offset, in standardised units.
    """
    z = (mean - y_best - xi) / scale
    log_h, d_log_h = log_h_normal(z) if math.isinf(nu) else log_h_student_t(z, nu)
    # dz/dmean = 1/s,  dz/ds = -z/s
    return np.log(scale) + log_h, d_log_h / scale, (1.0 - d_log_h * z) / scale


def log_probability_of_improvement(
    mean: np.ndarray, scale: np.ndarray, nu: float, y_best: float, xi: float
) -> AcquisitionResult:
    """``log PI = log T_nu(z)``, ``z = (mean - y_best - xi) / s``, with its derivatives with
    respect to ``mean`` and ``scale`` (arguments as for :func:`log_expected_improvement`)."""
    z = (mean - y_best - xi) / scale
    log_T, d_log_T = log_cdf_student_t(z, nu)
    return log_T, d_log_T / scale, -d_log_T * z / scale


def upper_confidence_bound(mean: np.ndarray, scale: np.ndarray, beta: float) -> AcquisitionResult:
    """``mean + beta * s``, with its derivatives with respect to ``mean`` and ``scale``."""
    return mean + beta * scale, np.ones_like(mean), np.full_like(scale, beta)


def _log_pdf_term(z: np.ndarray, nu: float) -> np.ndarray:
    """``log p(z)`` for ``p = h - z T``: ``(nu + z^2)/(nu - 1) t_nu(z)``, or ``phi(z)`` for the
    normal (``nu`` infinite or above the Gaussian limit)."""
    if math.isinf(nu) or nu > NU_GAUSSIAN_LIMIT:
        return -0.5 * z * z - _LOG_SQRT_2PI
    return np.log((nu + z * z) / (nu - 1.0)) + _log_t_pdf(z, nu)


def _log_diff(log_a: np.ndarray, log_b: np.ndarray) -> np.ndarray:
    """``log(a - b)`` from ``log a > log b`` (``log b`` may be ``-inf``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return log_a + _log1mexp(np.minimum(log_b - log_a, -1e-300))


def _log_cdf_difference(
    z: np.ndarray, lo: np.ndarray, up: np.ndarray, finite_u: np.ndarray, nu: float
) -> np.ndarray:
    """``log(T(z_l) - T(z_u))`` for every interval, ``z_l = z[:, lo] > z_u = z[:, up]``
    (``z_u = -inf`` where ``finite_u`` is False), through the upper tail where both are
    positive (so that ``1 - 1`` never cancels)."""
    z_u = np.where(finite_u, np.take(z, up, axis=1), -np.inf)
    log_T = log_cdf_student_t(z.ravel(), nu)[0].reshape(z.shape)
    log_T_minus = log_cdf_student_t(-z.ravel(), nu)[0].reshape(z.shape)
    # T(z_l) - T(z_u) = T(-z_u) - T(-z_l) where z_u > 0
    upper_tail = _log_diff(np.take(log_T_minus, up, axis=1), np.take(log_T_minus, lo, axis=1))
    lower_tail = _log_diff(
        np.take(log_T, lo, axis=1), np.where(finite_u, np.take(log_T, up, axis=1), -np.inf)
    )
    return np.where(z_u > 0.0, upper_tail, lower_tail)


def _intervals(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, ...]:
    """One objective's boxes ``[lower, upper]`` ``(B,)`` as their distinct intervals, in
    lexicographic order: the distinct finite endpoints ``(E,)``, each interval's lower and upper
    endpoint ``(U,)`` as indices into them (that of the lower endpoint, with the upper one
    ``inf``, where ``finite`` ``(U,)`` is False) and each box's interval ``(B,)``."""
    order = np.lexsort((upper, lower))
    lower, upper = lower[order], upper[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (lower[1:] != lower[:-1]) | (upper[1:] != upper[:-1])
    index = np.empty(len(order), dtype=np.intp)
    index[order] = np.cumsum(new) - 1
    pair_lower, pair_upper = lower[new], upper[new]
    finite = np.isfinite(pair_upper)
    ends = np.unique(np.concatenate([pair_lower, pair_upper[finite]]))
    lo = np.searchsorted(ends, pair_lower)
    up = np.where(finite, np.searchsorted(ends, np.where(finite, pair_upper, 0.0)), lo)
    return ends, lo, up, finite, index


def log_expected_hypervolume_improvement(
    mean: np.ndarray,
    scale: np.ndarray,
    nu: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    with_grad: bool = True,
) -> AcquisitionResult:
    """``log EHVI`` of independent Student-t (or normal) predictives over the boxes of the
    non-dominated region (docs/math.md eqs. 20-21), with its derivatives.

    ``EHVI = sum_j prod_k s_k [h(z_jk^l) - h(z_jk^u)]``, ``z^l = (mean_k - lower_jk) / s_k``,
    ``z^u = (mean_k - upper_jk) / s_k`` (``h(z^u) = 0`` for an infinite upper bound): a sum of
    products of one-dimensional partial expectations, evaluated as a log-sum-exp of sums of
    logs, every difference through ``log1p(-exp(.))``. The boxes of a front of ``m`` points
    take their corners from at most ``m + 2`` values per objective, so the special functions
    are evaluated once per distinct corner value, the differences once per distinct interval,
    and only sums once per box; the points are taken in blocks so that memory stays bounded.

    Args:
        mean: Predictive locations, ``(s, d)``.
        scale: Predictive scales, ``(s, d)``.
        nu: Degrees of freedom per objective, ``(d,)`` (``inf`` for normal predictives).
        lower: Lower corners of the boxes, ``(B, d)``.
        upper: Upper corners, ``(B, d)``, possibly ``inf``; ``upper > lower``.
        with_grad: If ``False``, the derivatives are returned as zeros (cheaper).

    Returns:
        ``(value (s,), d value / d mean (s, d), d value / d scale (s, d))``.
    """
    intervals = [_intervals(lower[:, k], upper[:, k]) for k in range(mean.shape[1])]
    widest = max(len(lower), *(len(lo) for _, lo, _, _, _ in intervals))
    rows = max(1, _EHVI_BLOCK // widest)
    if len(mean) <= rows:
        return _log_ehvi_block(mean, scale, nu, intervals, with_grad)
    blocks = [
        _log_ehvi_block(mean[i : i + rows], scale[i : i + rows], nu, intervals, with_grad)
        for i in range(0, len(mean), rows)
    ]
    value, d_mean, d_scale = (np.concatenate(parts) for parts in zip(*blocks))
    return value, d_mean, d_scale


def _log_ehvi_block(
    mean: np.ndarray,
    scale: np.ndarray,
    nu: np.ndarray,
    intervals: list[tuple[np.ndarray, ...]],
    with_grad: bool,
) -> AcquisitionResult:
    """:func:`log_expected_hypervolume_improvement` for one block of points, the boxes given
    per objective by :func:`_intervals`."""
    s_, d = mean.shape
    box = np.zeros((s_, len(intervals[0][4])))
    parts = []
    for k, (ends, lo, up, finite, index) in enumerate(intervals):
        nu_k = float(nu[k])
        sk = scale[:, k, None]  # (s, 1)
        z = (mean[:, k, None] - ends[None, :]) / sk  # (s, E): z^l or z^u at each corner value
        finite_u = np.broadcast_to(finite, (s_, len(up)))

        def log_h(z: np.ndarray, nu_k: float = nu_k) -> np.ndarray:
            return (log_h_normal(z) if math.isinf(nu_k) else log_h_student_t(z, nu_k))[0]

        log_h_ends = log_h(z.ravel()).reshape(z.shape)
        log_hl = np.take(log_h_ends, lo, axis=1)  # (s, U)
        log_hu = np.where(finite_u, np.take(log_h_ends, up, axis=1), -np.inf)
        log_D = _log_diff(log_hl, log_hu)  # log(h_l - h_u), (s, U)
        box += np.take(np.log(sk) + log_D, index, axis=1)  # (np.take: faster than [:, index])
        if with_grad:
            # d log g / d mean = (T_l - T_u) / (s D);  d log g / d s = (p_l - p_u) / (s D)
            dm = np.exp(_log_cdf_difference(z, lo, up, finite_u, nu_k) - log_D) / sk
            log_p = _log_pdf_term(z, nu_k)
            p_l = np.exp(np.take(log_p, lo, axis=1) - log_D)
            p_u = np.where(finite_u, np.exp(np.take(log_p, up, axis=1) - log_D), 0.0)
            # C order, as the reductions below expect
            parts.append((index, np.ascontiguousarray(dm), np.ascontiguousarray((p_l - p_u) / sk)))
    top = box.max(axis=1, keepdims=True)
    w = np.exp(box - top)
    total = w.sum(axis=1, keepdims=True)
    value = (top + np.log(total))[:, 0]
    d_mean = np.zeros((s_, d))
    d_scale = np.zeros((s_, d))
    if with_grad:
        w /= total
        for k, (index, dm, ds) in enumerate(parts):
            # sum over boxes of w * (per-interval derivative): sum the weights per interval.
            # (bincount adds in box order, as np.add.at would, and is faster)
            bins = (np.arange(s_)[:, None] * dm.shape[1] + index).ravel()
            w_pair = np.bincount(bins, weights=w.ravel(), minlength=dm.size).reshape(dm.shape)
            d_mean[:, k] = np.einsum("su,su->s", w_pair, dm)
            d_scale[:, k] = np.einsum("su,su->s", w_pair, ds)
    return value, d_mean, d_scale
