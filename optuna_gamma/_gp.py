"""Gaussian process with a Gamma prior on its precision: the Student-t process surrogate.

Model (docs/math.md §2, eqs. 4-7: known zero mean on standardised values)::

    y | tau ~ N(0, tau^-1 C),   C = K + g I,   tau ~ Gamma(a0, b0)   (shape, rate)

``K`` is the Matérn-5/2 ARD correlation matrix (unit amplitude) and ``g`` the noise ratio.  One
precision ``tau`` scales signal and noise alike; integrating it out gives a multivariate-t marginal
``y ~ MVT_{2 a0}(0, (b0 / a0) C)`` and a Student-t predictive for the latent ``f(x)``::

    nu = 2 a0 + n,   mean(x) = k^T C^-1 y,   s^2(x) = (2 b0 + Q) / nu * (1 - k^T C^-1 k)

with ``Q = y^T C^-1 y`` (Shah, Wilson & Ghahramani 2014, arXiv:1402.4306, §3).  The scale depends
on the data through ``Q``: surprising observations widen the predictive.

Notation used throughout (shapes as trailing comments in the code):

===========  ==================================================================
``X``        encoded training inputs, ``(n, d)``; categorical columns hold indices
``y``        standardised objective values, larger is better, ``(n,)``
``inv_ls2``  inverse squared lengthscales ``1 / l_d^2``, ``(d,)``
``g``        noise ratio (noise variance / signal variance)
``C``        ``K + g I`` (docs/math.md eq. 4), built by :func:`correlation`
``L``        lower Cholesky factor of ``C`` (:func:`cholesky`)
``alpha``    ``C^-1 y``
``a0, b0``   shape and rate of the Gamma prior on the precision
===========  ==================================================================

Hyperparameters ``theta = (log inv_ls2, log(g - G_MIN))`` maximise the log marginal likelihood
plus the priors of docs/math.md §2 (after eq. 9; the same family as Optuna's GPSampler), named
once below: ``-INV_LS2_PRIOR * (m / inv_ls2 + inv_ls2 / m)`` per dimension, with its mode at
``m = INV_LS2_PRIOR_MODE`` (docs/math.md §2, "Lengthscale prior"), and
``Gamma(NOISE_PRIOR_SHAPE, rate NOISE_PRIOR_RATE)`` on ``g``.  The amplitude is not a free
parameter: the Gamma prior on the precision carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math
import warnings

import numpy as np
import scipy.linalg
from scipy.linalg import lapack
import scipy.optimize
from scipy.spatial.distance import cdist
from scipy.special import gammaln

G_MIN = 1e-6  # smallest noise ratio; also the fixed value for deterministic objectives
_SQRT5 = math.sqrt(5.0)
_LOG_INV_LS2_BOUNDS = (math.log(1e-3), math.log(1e4))
_LOG_G_BOUNDS = (math.log(1e-9), math.log(10.0))
DEFAULT_LOG_INV_LS2 = 0.0  # l = 1 on the unit cube
DEFAULT_G = 1e-2
INV_LS2_PRIOR = 0.1  # log prior -INV_LS2_PRIOR * (m / inv_ls2 + inv_ls2 / m) per dimension
INV_LS2_PRIOR_MODE = 4.0  # m: the prior's mode, lengthscale 0.5 on the unit cube (not 1)
NOISE_PRIOR_SHAPE = 1.1  # g ~ Gamma(shape, rate)
NOISE_PRIOR_RATE = 30.0
# L-BFGS-B stops the kernel fit when the log posterior improves by less than FIT_FTOL of itself
# per iteration: scipy's default while the trials are few, and from LOOSE_FIT_FROM observations
# on, where each evaluation costs O(n^3), a looser one, which stops a warm-started fit after
# fewer evaluations. Loose at every n, it cost 0.006 mean normalised regret at 100 trials on
# the bbob suite (docs/benchmarks.md, "Global search"), hence only from LOOSE_FIT_FROM on.
FIT_FTOL = 2.220446049250313e-09  # scipy's default
LOOSE_FIT_FTOL = 1e-6
LOOSE_FIT_FROM = 200
# sq_dist's categorical columns go in one product up to this many mismatch flags (16 kB), one
# by one beyond: the larger array costs more to allocate than the loop saves.
_HAMMING_AT_ONCE = 2**14
#: Points :meth:`Posterior.predict` takes at once.
PREDICT_ROWS = 256
_NOISE_LOG_WEIGHT = 0.1  # NOISE_PRIOR_SHAPE - 1, written exactly (1.1 - 1.0 is not 0.1 in floats)


def correlation(
    X: np.ndarray, hp: Hyperparams, is_cat: np.ndarray, noise_scale: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(dK, C)``: the kernel's derivative ``d k / d r2`` at the weighted squared distances
    ``(n, n)`` and ``C = K + g I`` (docs/math.md eq. 4) -- the one place ``C`` is built;
    ``C = K + g diag(noise_scale)`` if ``noise_scale`` ``(n,)`` is given."""
    r2 = sq_dist(X, X, hp.inv_ls2, is_cat)  # (n, n)
    C, dK = _matern52_and_d_r2(r2)
    C[np.diag_indices(len(X))] += hp.g if noise_scale is None else hp.g * noise_scale
    return dK, C


def cholesky(C: np.ndarray) -> np.ndarray | None:
    """The lower Cholesky factor of ``C``, or ``None`` if ``C`` is not positive definite."""
    L, info = lapack.dpotrf(C, lower=1)
    return L if info == 0 else None


def extend_cholesky(L: np.ndarray, K_new_old: np.ndarray, C_new: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor of ``[[C, K^T], [K, C_new]]`` from the factor ``L`` ``(n, n)``
    of ``C``, the cross-correlations ``K = K_new_old`` ``(p, n)`` and ``C_new`` ``(p, p)``:
    ``[[L, 0], [B^T, L22]]`` with ``B = L^-1 K^T`` and ``L22 L22^T = C_new - B^T B``. Appending
    ``p`` running trials costs ``O(n^2 p)`` instead of a new ``O((n + p)^3)`` factorisation.

    Raises:
        numpy.linalg.LinAlgError: If the extended matrix is not positive definite.
    """
    n, p = len(L), len(C_new)
    B = scipy.linalg.solve_triangular(L, K_new_old.T, lower=True, check_finite=False)  # (n, p)
    L22 = cholesky(C_new - B.T @ B)
    if L22 is None:
        raise np.linalg.LinAlgError("C with the running trials is not positive definite")
    out = np.zeros((n + p, n + p))
    out[:n, :n] = np.tril(L)
    out[n:, :n] = B.T
    out[n:, n:] = np.tril(L22)
    return out


def solve(L: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``C^-1 y`` from the factor ``L`` of ``C``."""
    return lapack.dpotrs(L, y, lower=1)[0]  # type: ignore[no-any-return]


def inverse(L: np.ndarray) -> np.ndarray:
    """``C^-1`` (symmetric) from the factor ``L`` of ``C``."""
    C_inv = lapack.dpotri(L, lower=1)[0]
    return np.tril(C_inv) + np.tril(C_inv, -1).T  # type: ignore[no-any-return]  # one triangle


#: A log prior of the inverse squared lengthscales ``(d,)``: its value and its gradient with
#: respect to their logarithms.
LengthscalePrior = Callable[[np.ndarray], tuple[float, np.ndarray]]


def inv_ls2_log_prior(
    inv_ls2: np.ndarray, mode: float | np.ndarray = INV_LS2_PRIOR_MODE
) -> tuple[float, np.ndarray]:
    """The library's lengthscale prior ``-INV_LS2_PRIOR (m / v + v / m)`` per dimension, with
    its mode at ``m`` (one for all dimensions, or one per dimension), and its gradient with
    respect to ``log v``."""
    v, c, m = inv_ls2, INV_LS2_PRIOR, mode
    return float(np.sum(-c * m / v - c * v / m)), c * m / v - c * v / m


def log_prior(
    hp: Hyperparams,
    fit_noise: bool,
    lengthscale_prior: LengthscalePrior | None = None,
    noise_rate: float = NOISE_PRIOR_RATE,
) -> tuple[float, np.ndarray]:
    """Log prior of the hyperparameters and its gradient with respect to ``theta``: the
    lengthscales' (``lengthscale_prior``; the library's by default) and the noise ratio's,
    ``Gamma(NOISE_PRIOR_SHAPE, rate noise_rate)``."""
    value, grad = (lengthscale_prior or inv_ls2_log_prior)(hp.inv_ls2)
    if fit_noise:
        w, rate = _NOISE_LOG_WEIGHT, noise_rate
        value += w * math.log(hp.g) - rate * hp.g
        e = hp.g - G_MIN  # d g / d log(g - G_MIN)
        grad = np.append(grad, e * (w / hp.g - rate))
    return value, grad


def sq_dist(X1: np.ndarray, X2: np.ndarray, inv_ls2: np.ndarray, is_cat: np.ndarray) -> np.ndarray:
    """Weighted squared distance ``sum_d inv_ls2_d delta_d^2``; ``delta_d`` is ``[x != x']`` on
    categorical columns (Hamming) and ``x - x'`` elsewhere.  Shape ``(n1, n2)``."""
    cont = ~is_cat
    if cont.any():
        w = np.sqrt(inv_ls2[cont])
        r2 = cdist(X1[:, cont] * w, X2[:, cont] * w, "sqeuclidean")
    else:
        r2 = np.zeros((X1.shape[0], X2.shape[0]))
    cat = np.flatnonzero(is_cat)
    if len(cat) and len(X1) * len(X2) * len(cat) <= _HAMMING_AT_ONCE:
        # Few points (the optimiser's steps): every column in one product, (n1, n2, c) @ (c,).
        r2 += (X1[:, cat][:, None, :] != X2[:, cat][None, :, :]) @ inv_ls2[cat]
        return r2
    for j in cat:
        r2 += inv_ls2[j] * (X1[:, j, None] != X2[None, :, j])
    return r2


def matern52(r2: np.ndarray) -> np.ndarray:
    """Matérn-5/2 correlation as a function of the squared distance ``r2``."""
    r = np.sqrt(r2)  # then, in place: (1 + sqrt5 r + 5/3 r2) exp(-sqrt5 r)
    r *= _SQRT5
    e = np.exp(-r)
    r += 1.0
    r += (5.0 / 3.0) * r2
    r *= e
    return r


def _matern52_and_d_r2(r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`matern52` and its derivative ``d k / d r2 = -5/6 (1 + sqrt5 r) exp(-sqrt5 r)``
    together (one square root, one exponential)."""
    r = np.sqrt(r2)
    e = np.exp(-_SQRT5 * r)
    r *= _SQRT5  # sqrt5 r
    r += 1.0
    dk = r * e
    dk *= -5.0 / 6.0
    r += (5.0 / 3.0) * r2
    r *= e
    return r, dk


def _weighted_sq_diff_sums(M: np.ndarray, X: np.ndarray, is_cat: np.ndarray) -> np.ndarray:
    """``S_d = sum_ij M_ij delta_d(x_i, x_j)^2`` without an ``(n, n, d)`` tensor: for numeric
    columns ``S_d = sum_i x_id^2 ((M 1)_i + (M^T 1)_i) - 2 x_d^T M x_d``."""
    S = np.empty(X.shape[1])
    cont = np.flatnonzero(~is_cat)
    if len(cont):
        Xc = X[:, cont]  # (n, dc)
        row_col = M.sum(axis=1) + M.sum(axis=0)  # (n,)
        MX = M @ Xc  # (n, dc)
        S[cont] = row_col @ (Xc * Xc) - 2.0 * np.einsum("id,id->d", Xc, MX)
    total = M.sum()
    for j in np.flatnonzero(is_cat):
        _, codes = np.unique(X[:, j], return_inverse=True)
        onehot = np.zeros((X.shape[0], codes.max() + 1))
        onehot[np.arange(X.shape[0]), codes] = 1.0
        S[j] = total - np.sum(onehot * (M @ onehot))
    return S


@dataclass
class Hyperparams:
    """Kernel hyperparameters: inverse squared lengthscales ``inv_ls2`` (d,), noise ratio ``g``."""

    inv_ls2: np.ndarray
    g: float

    def to_theta(self, fit_noise: bool) -> np.ndarray:
        theta = np.log(self.inv_ls2)
        if fit_noise:
            theta = np.append(theta, math.log(max(self.g - G_MIN, 1e-12)))
        return theta

    @staticmethod
    def from_theta(theta: np.ndarray, d: int, fit_noise: bool) -> Hyperparams:
        inv_ls2 = np.exp(theta[:d])
        g = G_MIN + math.exp(theta[d]) if fit_noise else G_MIN
        return Hyperparams(inv_ls2=inv_ls2, g=g)

    @staticmethod
    def default(d: int, deterministic: bool) -> Hyperparams:
        return Hyperparams(
            np.full(d, math.exp(DEFAULT_LOG_INV_LS2)), G_MIN if deterministic else DEFAULT_G
        )


def log_marginal_likelihood(
    X: np.ndarray, y: np.ndarray, is_cat: np.ndarray, hp: Hyperparams, a0: float, b0: float
) -> float:
    """``log p(y | theta)`` of the multivariate-t marginal ``MVT_{2 a0}(0, (b0/a0) C)`` with every
    constant (docs/math.md eq. 8); equals ``scipy.stats.multivariate_t.logpdf``."""
    n = len(y)
    L = cholesky(correlation(X, hp, is_cat)[1])
    if L is None:
        raise np.linalg.LinAlgError("C is not positive definite")
    Q = float(y @ solve(L, y))
    a_n, b_n = a0 + 0.5 * n, b0 + 0.5 * Q
    return float(
        gammaln(a_n)
        - gammaln(a0)
        + a0 * math.log(b0)
        - 0.5 * n * math.log(2 * math.pi)
        - np.sum(np.log(np.diag(L)))
        - a_n * math.log(b_n)
    )


def _neg_log_posterior(
    theta: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    is_cat: np.ndarray,
    a0: float,
    b0: float,
    fit_noise: bool,
    lengthscale_prior: LengthscalePrior | None = None,
    noise_rate: float = NOISE_PRIOR_RATE,
) -> tuple[float, np.ndarray]:
    """Negative (log marginal likelihood + log priors) up to a constant, and its gradient."""
    n, d = X.shape
    hp = Hyperparams.from_theta(theta, d, fit_noise)
    dK, C = correlation(X, hp, is_cat)  # (n, n)
    L = cholesky(C)
    if L is None:
        return 1e25, np.zeros_like(theta)
    alpha = solve(L, y)  # (n,)  C^-1 y
    Q = float(y @ alpha)
    a_n, b_n = a0 + 0.5 * n, b0 + 0.5 * Q
    # docs/math.md eq. 8: log p = const - 1/2 log|C| - (a0 + n/2) log(b0 + Q/2)
    log_lik = -np.sum(np.log(np.diag(L))) - a_n * math.log(b_n)
    prior, prior_grad = log_prior(hp, fit_noise, lengthscale_prior, noise_rate)

    # docs/math.md eq. 9: d log p / d theta_j = 1/2 sum_ab W_ab (dC/dtheta_j)_ab with
    # W = (a_n/b_n) alpha alpha^T - C^-1. dC/dlog inv_ls2_d = dk/dr2 * inv_ls2_d delta_d^2 is
    # symmetric with a zero diagonal, so C^-1 enters through its lower triangle, twice (the
    # upper one is never formed).
    C_inv_lower = lapack.dpotri(L, lower=1)[0]  # (n, n); zeros above the diagonal
    c = a_n / b_n
    M = c * np.outer(alpha, alpha)  # (n, n)
    M -= 2.0 * C_inv_lower
    M *= dK
    grad = 0.5 * hp.inv_ls2 * _weighted_sq_diff_sums(M, X, is_cat)
    if fit_noise:  # dC/dlog(g - G_MIN) = (g - G_MIN) I; tr W = c alpha.alpha - tr C^-1
        trace_W = c * float(alpha @ alpha) - float(np.trace(C_inv_lower))
        grad = np.append(grad, 0.5 * (hp.g - G_MIN) * trace_W)
    return -(log_lik + prior), -(grad + prior_grad)


def fit_hyperparams(
    X: np.ndarray,
    y: np.ndarray,
    is_cat: np.ndarray,
    a0: float,
    b0: float,
    deterministic: bool,
    initial: Hyperparams | None = None,
    max_iter: int = 200,
    lengthscale_prior: LengthscalePrior | None = None,
    loose_fit_from: int = LOOSE_FIT_FROM,
    noise_rate: float = NOISE_PRIOR_RATE,
) -> Hyperparams:
    """Maximises the log posterior of the kernel hyperparameters with L-BFGS-B.

    Starts from ``initial`` (a warm start from the previous fit) when given, else from the
    defaults. A fit that fails from ``initial`` is tried again from the defaults (a warm start
    can sit where the new data make ``C`` singular); if that fails too, the defaults are used,
    with a warning. ``lengthscale_prior`` replaces the library's prior of the lengthscales,
    ``noise_rate`` the rate of the noise ratio's Gamma prior; from ``loose_fit_from``
    observations on the fit stops at a looser tolerance.
    """
    d = X.shape[1]
    fit_noise = not deterministic
    bounds = [_LOG_INV_LS2_BOUNDS] * d + ([_LOG_G_BOUNDS] if fit_noise else [])
    defaults = Hyperparams.default(d, deterministic)
    ftol = LOOSE_FIT_FTOL if len(X) >= loose_fit_from else FIT_FTOL
    error: Exception | None = None
    for start in ([initial] if initial is not None else []) + [defaults]:
        theta0 = np.clip(start.to_theta(fit_noise), -1e3, 1e3)
        theta0 = np.clip(theta0, [b[0] for b in bounds], [b[1] for b in bounds])
        try:
            res = scipy.optimize.minimize(
                _neg_log_posterior,
                theta0,
                args=(X, y, is_cat, a0, b0, fit_noise, lengthscale_prior, noise_rate),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": max_iter, "ftol": ftol},
            )
            if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun) or res.fun >= 1e25:
                raise RuntimeError(res.message)
            return Hyperparams.from_theta(res.x, d, fit_noise)
        except (RuntimeError, ValueError, np.linalg.LinAlgError) as e:
            error = e
    warnings.warn(
        f"Kernel hyperparameter fit failed ({error}); using default hyperparameters.",
        RuntimeWarning,
        stacklevel=2,
    )
    return defaults


def _loo_residuals(L: np.ndarray, alpha: np.ndarray, scale2: float) -> np.ndarray:
    """Leave-one-out residuals of the observations, each over its predictive scale:
    ``alpha_i / sqrt(scale2 [C^-1]_ii)`` (the closed form of Rasmussen & Williams 2006,
    eq. 5.12), from the factor ``L`` of ``C`` and ``alpha = C^-1 y``."""
    diag = np.diag(lapack.dpotri(L, lower=1)[0])  # the diagonal of C^-1
    return alpha / np.sqrt(scale2 * np.maximum(diag, 1e-300))


class Posterior:
    """Predictive distribution of the latent objective given the data.

    ``predictive="student_t"``: ``f(x) ~ t_nu(mean, s^2)`` (docs/math.md eq. 7).
    ``predictive="gaussian"``: ``f(x) ~ N(mean, s^2)`` with the same plug-in ``s^2`` -- the
    thesis's Gaussian baseline on identical code (``nu`` is then ``inf``).

    Pending points (``X_pending``, running trials of parallel workers) are added as a kriging
    believer: they enter ``C`` with their posterior mean as value, which leaves the mean and ``Q``
    unchanged and shrinks the scale around them; ``nu`` counts real observations only
    (docs/math.md §2, "Running trials").
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        is_cat: np.ndarray,
        hp: Hyperparams,
        a0: float,
        b0: float,
        predictive: str = "student_t",
        X_pending: np.ndarray | None = None,
        robust: float | None = None,
    ) -> None:
        n = len(y)
        self.is_cat = is_cat
        self.hp = hp
        self.noise_scale: np.ndarray | None = None
        L, alpha = self._factor(X, y)
        if robust is not None:
            e = _loo_residuals(L, alpha, (2.0 * b0 + float(y @ alpha)) / (2.0 * a0 + n))
            if np.any(np.abs(e) > robust):
                self.noise_scale = np.maximum(1.0, (e / robust) ** 2)
                L, alpha = self._factor(X, y)
        self.Q = float(y @ alpha)
        self.nu = 2.0 * a0 + n if predictive == "student_t" else math.inf
        self.scale2 = (2.0 * b0 + self.Q) / (2.0 * a0 + n)  # docs/math.md eq. 7: (2 b0 + Q) / nu
        if X_pending is not None and len(X_pending):
            K_px = matern52(sq_dist(X_pending, X, hp.inv_ls2, is_cat))  # (p, n)
            y_pending = K_px @ alpha
            L = extend_cholesky(L, K_px, correlation(X_pending, hp, is_cat)[1])
            X = np.vstack([X, X_pending])
            y = np.concatenate([y, y_pending])
            alpha = solve(L, y)
        self.X = X  # (m, d)
        self.alpha = alpha  # (m,)
        self._C_inv = inverse(L)  # (m, m)
        # The posterior mean at the model's own points: K alpha = y - (C - K) alpha, since
        # C alpha = y; O(m), where predict(X) costs O(m^3).
        diagonal = np.full(len(y), hp.g)
        if self.noise_scale is not None:
            diagonal[: len(self.noise_scale)] *= self.noise_scale
        self.fitted_mean = y - diagonal * alpha  # (m,)

    def _factor(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        L = cholesky(correlation(X, self.hp, self.is_cat, self.noise_scale)[1])
        if L is None:
            raise np.linalg.LinAlgError("C is not positive definite")
        return L, solve(L, y)

    def predict(self, Xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and scale ``s`` (not ``s^2``) of the predictive at ``Xs`` ``(s, d)``.

        Many points are taken :data:`PREDICT_ROWS` at a time: the same numbers (each row's
        are computed alone) from arrays small enough that the C allocator keeps reusing their
        memory -- the arrays of a thousand candidates at once are returned to the system after
        every call and fetched again, page by page, on the next.
        """
        if len(Xs) <= PREDICT_ROWS:
            return self._predict(Xs)
        parts = [self._predict(Xs[i : i + PREDICT_ROWS]) for i in range(0, len(Xs), PREDICT_ROWS)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _predict(self, Xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = matern52(sq_dist(Xs, self.X, self.hp.inv_ls2, self.is_cat))  # (s, m)
        mean = k @ self.alpha
        var = 1.0 - np.einsum("sm,sm->s", k @ self._C_inv, k)
        return mean, np.sqrt(self.scale2 * np.maximum(var, 1e-12))

    def predict_with_grad(
        self, Xs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean, scale and their gradients ``(s, d)`` with respect to ``Xs``.

        Gradients of categorical columns are zero (those coordinates are searched discretely).
        """
        r2 = sq_dist(Xs, self.X, self.hp.inv_ls2, self.is_cat)  # (s, m)
        k, dk = _matern52_and_d_r2(r2)  # dk: d k / d r2
        mean = k @ self.alpha
        Ck = k @ self._C_inv  # (s, m)
        var_raw = 1.0 - np.einsum("sm,sm->s", Ck, k)
        var = np.maximum(var_raw, 1e-12)
        scale = np.sqrt(self.scale2 * var)
        # d r2 / d x_j = 2 inv_ls2_j (x_j - X_mj), so for weights W (s, m) on the m points,
        # sum_m W_sm d r2_sm / d x_j = 2 inv_ls2_j (x_sj sum_m W_sm - (W X)_sj): every column
        # in two matrix products, not a loop over them.
        two_l = 2.0 * np.where(self.is_cat, 0.0, self.hp.inv_ls2)  # (d,)

        def d_r2_weighted(W: np.ndarray) -> np.ndarray:
            return two_l * (Xs * W.sum(axis=1)[:, None] - W @ self.X)  # (s, d)

        d_mean = d_r2_weighted(dk * self.alpha)
        d_var = -2.0 * d_r2_weighted(Ck * dk)
        d_var[var_raw <= 1e-12] = 0.0
        d_scale = 0.5 * self.scale2 * d_var / scale[:, None]
        return mean, scale, d_mean, d_scale
