"""The monotone map between objective values and the values the surrogate models.

``y = w(sign (value - mean) / std)``, standardised again, where ``sign`` orients the values so
that larger is better and ``w`` is a Yeo-Johnson power transform (Yeo & Johnson 2000,
Biometrika 87(4)) with exponent ``lambda``.  A heavy tail of poor values -- Rosenbrock's ``1e6``
next to ``1e2`` -- would otherwise make every good value look alike after standardisation; the
transform compresses that tail so the model resolves the good region.

- ``lambda`` maximises the normal log-likelihood of the transformed values
  (``scipy.stats.yeojohnson_llf``) within ``[1, 2]``: ``lambda = 1`` is the identity and
  ``lambda > 1`` compresses the lower (poor) tail, logarithmically at 2.  The upper (good) tail
  is never compressed -- the differences among the best values are what the optimiser needs --
  and on ``[1, 2]`` ``w`` maps the real line onto itself, so every predictive quantile maps back
  to a finite objective value.
- The transform is used only when the data reject ``lambda = 1``: a likelihood-ratio test at the
  5 % level (``2 (llf(lambda) - llf(1)) > chi2_1(0.95) = 3.84``).  Values that are already
  roughly normal are only standardised.

Expected Improvement is computed on the transformed scale, as in HEBO (Cowen-Rivers et al. 2022,
JAIR 74); the transform is monotone, so the incumbent and the order of all values are kept.
The choice (bounds and test) was made by benchmark; see docs/benchmarks.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import functools

import numpy as np
import scipy.stats

EXPONENT_BOUNDS = (1.0, 2.0)
LIKELIHOOD_RATIO_THRESHOLD = float(scipy.stats.chi2.ppf(0.95, 1))  # 3.84
_STD_EPS = 1e-10
_FLOAT_MAX = float(np.finfo(float).max)
_MIN_POINTS = 3  # fewer distinct values cannot inform an exponent
_GRID = 17  # exponents per stage of the likelihood's maximisation


@dataclass(frozen=True)
class ValueTransform:
    """``forward``: objective values -> model values (larger is better); ``inverse`` undoes it.

    ``exponent`` is ``None`` when no power transform is applied (standardisation only).
    """

    sign: float
    mean: float
    std: float
    exponent: float | None = None
    # Values are divided by ``scale`` (their largest magnitude) before ``mean`` and ``std`` are
    # taken, so that values near the float maximum (1e308) do not overflow to inf.
    scale: float = 1.0
    w_mean: float = 0.0
    w_std: float = 1.0

    @classmethod
    def fit(cls, values: np.ndarray, sign: float, power_transform: bool) -> ValueTransform:
        """Fits the map to finite ``values`` ``(n,)``; ``sign`` is +1 to maximise, -1 to
        minimise."""
        return cls.fit_forward(values, sign, power_transform)[0]

    @classmethod
    def fit_forward(
        cls, values: np.ndarray, sign: float, power_transform: bool
    ) -> tuple[ValueTransform, np.ndarray]:
        """:meth:`fit`, and :meth:`forward` of the same ``values`` (to the last bit, tested)
        from the fit's own arrays, not computed again."""
        values = np.asarray(values, dtype=float)
        peak = float(np.max(np.abs(values))) if len(values) else 0.0
        scale = peak if 0.0 < peak < np.inf else 1.0
        scaled = values / scale  # in [-1, 1]
        mean, std = float(scaled.mean()), max(float(scaled.std()), _STD_EPS)
        plain = cls(sign=sign, mean=mean, std=std, scale=scale)
        z = plain._standardise(values)
        if not power_transform or len(np.unique(z)) < _MIN_POINTS:
            return plain, z
        llf = _YeoJohnsonLikelihood(z)
        exponent = llf.maximiser()
        if not 2.0 * (llf(exponent) - llf(1.0)) > LIKELIHOOD_RATIO_THRESHOLD:
            return plain, z
        w = llf.transformed(exponent)
        w_mean, w_std = float(w.mean()), max(float(w.std()), _STD_EPS)
        fitted = dataclasses.replace(plain, exponent=exponent, w_mean=w_mean, w_std=w_std)
        return fitted, (w - w_mean) / w_std

    def _standardise(self, values: np.ndarray) -> np.ndarray:
        return self.sign * (np.asarray(values, dtype=float) / self.scale - self.mean) / self.std

    def forward(self, values: np.ndarray) -> np.ndarray:
        """Objective values -> model values."""
        z = self._standardise(values)
        if self.exponent is None:
            return z
        return (_YeoJohnsonLikelihood(z).transformed(self.exponent) - self.w_mean) / self.w_std

    def inverse(self, y: np.ndarray) -> np.ndarray:
        """Model values -> objective values (exact inverse of :meth:`forward`)."""
        z = np.asarray(y, dtype=float)
        if self.exponent is not None:
            z = _yeojohnson_inverse(z * self.w_std + self.w_mean, self.exponent)
        scaled = self.mean + self.sign * self.std * z
        # Quantiles far outside the data may exceed the float range: clip, never return inf.
        with np.errstate(over="ignore"):
            out = scaled * self.scale
        return np.clip(out, -_FLOAT_MAX, _FLOAT_MAX)


def yeojohnson_llf(exponent: float, z: np.ndarray) -> float:
    """Profile log-likelihood of the Yeo-Johnson exponent ``exponent`` for data ``z`` ``(n,)``: the
    normal log-likelihood of the transformed data with mean and variance at their maximum, plus
    the log-Jacobian ``(exponent - 1) sum sign(z) log(1 + |z|)`` (Yeo & Johnson 2000).

    Equals ``scipy.stats.yeojohnson_llf`` (tested); written out because that function's
    argument handling costs more than the computation in the sampler's hot path.
    """
    w = scipy.stats.yeojohnson(z, lmbda=exponent)
    var = float(np.var(w))
    if var <= 0.0:
        return -np.inf
    return -0.5 * len(z) * np.log(var) + (exponent - 1.0) * float(
        np.sum(np.sign(z) * np.log1p(np.abs(z)))
    )


class _YeoJohnsonLikelihood:
    """:func:`yeojohnson_llf` of fixed data as a function of the exponent, with the logarithms
    that do not depend on it computed once (the exponent's fit evaluates it a dozen times);
    the same operations in the same order as ``scipy.stats.yeojohnson``, so the same values."""

    def __init__(self, z: np.ndarray) -> None:
        self.n = len(z)
        self.pos = z >= 0
        self.log_pos = np.log1p(z[self.pos])
        self.log_neg = np.log1p(-z[~self.pos])
        self.z = z
        self.eps = np.finfo(float).eps

    @functools.cached_property
    def jacobian(self) -> float:
        """``sum sign(z) log(1 + |z|)``, as :func:`yeojohnson_llf` computes it."""
        return float(np.sum(np.sign(self.z) * np.log1p(np.abs(self.z))))

    def __call__(self, exponent: float) -> float:
        var = float(np.var(self.transformed(exponent)))
        if var <= 0.0:
            return -np.inf
        return -0.5 * self.n * np.log(var) + (exponent - 1.0) * self.jacobian

    def on_grid(self, exponents: np.ndarray) -> np.ndarray:
        """The log-likelihood at each of ``exponents`` ``(k,)`` in ``[0, 2]``, in one array
        operation; equal to :meth:`__call__` up to rounding (tested)."""
        lam = np.asarray(exponents, dtype=float)[:, None]  # (k, 1)
        w = np.empty((len(lam), self.n))
        with np.errstate(divide="ignore", invalid="ignore"):
            pos = np.expm1(lam * self.log_pos) / lam
            w[:, self.pos] = np.where(lam < self.eps, self.log_pos, pos)
            rest = 2.0 - lam
            neg = -np.expm1(rest * self.log_neg) / rest
            w[:, ~self.pos] = np.where(np.abs(rest) <= self.eps, -self.log_neg, neg)
            var = np.var(w, axis=1)
            out = -0.5 * self.n * np.log(var) + (lam[:, 0] - 1.0) * self.jacobian
        return np.where(np.isfinite(out) & (var > 0.0), out, -np.inf)

    def maximiser(self) -> float:
        """The exponent in :data:`EXPONENT_BOUNDS` of the largest log-likelihood: the best of
        17 evenly spaced exponents, then of 17 in the two intervals beside it, then the vertex
        of the parabola through the best of those and its neighbours: a likelihood within
        1e-3 of the largest on a grid of 10,001 exponents (tested), in two array operations
        instead of a scalar optimiser's 15-20 Python-level steps.  ``1.0`` when no exponent
        has a finite likelihood."""
        lo, hi = EXPONENT_BOUNDS
        coarse = np.linspace(lo, hi, _GRID)
        values = self.on_grid(coarse)
        i = int(np.argmax(values))
        if not np.isfinite(values[i]):
            return 1.0
        step = coarse[1] - coarse[0]
        grid = np.linspace(max(lo, coarse[i] - step), min(hi, coarse[i] + step), _GRID)
        values = self.on_grid(grid)
        i = int(np.argmax(values))
        best = float(grid[i])
        if 0 < i < len(grid) - 1 and np.all(np.isfinite(values[i - 1 : i + 2])):
            f0, f1, f2 = values[i - 1], values[i], values[i + 1]
            curvature = f0 - 2.0 * f1 + f2
            if curvature < 0.0:  # the vertex of the parabola through the three
                shift = 0.5 * (f0 - f2) / curvature  # in fine steps, within [-1/2, 1/2]
                best = float(np.clip(best + shift * (grid[1] - grid[0]), grid[i - 1], grid[i + 1]))
        return best

    def transformed(self, exponent: float) -> np.ndarray:
        """``scipy.stats.yeojohnson(z, lmbda=exponent)``, bit for bit (tested)."""
        w = np.zeros(self.n)
        if abs(exponent) < self.eps:
            w[self.pos] = self.log_pos
        else:
            w[self.pos] = np.expm1(exponent * self.log_pos) / exponent
        if abs(exponent - 2) > self.eps:
            w[~self.pos] = -np.expm1((2 - exponent) * self.log_neg) / (2 - exponent)
        else:
            w[~self.pos] = -self.log_neg
        return w


def _yeojohnson_inverse(w: np.ndarray, exponent: float) -> np.ndarray:
    """Inverse of the Yeo-Johnson transform for ``0 <= exponent <= 2`` (there a bijection of the
    reals)."""
    w = np.asarray(w, dtype=float)
    out = np.empty_like(w)
    pos = w >= 0
    wp, wn = w[pos], w[~pos]
    with np.errstate(over="ignore"):
        if abs(exponent) < 1e-12:
            out[pos] = np.expm1(wp)
        else:
            out[pos] = np.expm1(np.log1p(exponent * wp) / exponent)
        if abs(2.0 - exponent) < 1e-12:
            out[~pos] = -np.expm1(-wn)
        else:
            out[~pos] = -np.expm1(np.log1p(-(2.0 - exponent) * wn) / (2.0 - exponent))
    return out
