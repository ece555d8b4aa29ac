"""The Student-t process surrogate against scipy's multivariate-t and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.stats

from optuna_gamma import _gp

A0, B0 = 2.5, 1.5


def _data(seed: int = 0, n: int = 12) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3))
    X[:, 2] = rng.integers(0, 3, n)  # a categorical column
    is_cat = np.array([False, False, True])
    y = np.sin(6 * X[:, 0]) + X[:, 2] * 0.3 + 0.1 * rng.standard_normal(n)
    return X, (y - y.mean()) / y.std(), is_cat


def _corr(X: np.ndarray, hp: _gp.Hyperparams, is_cat: np.ndarray) -> np.ndarray:
    return _gp.matern52(_gp.sq_dist(X, X, hp.inv_ls2, is_cat))


HP = _gp.Hyperparams(inv_ls2=np.array([4.0, 1.5, 0.7]), g=0.03)


def test_marginal_likelihood_is_multivariate_t() -> None:
    X, y, is_cat = _data()
    C = _corr(X, HP, is_cat) + HP.g * np.eye(len(y))
    expected = scipy.stats.multivariate_t(np.zeros(len(y)), B0 / A0 * C, df=2 * A0).logpdf(y)
    assert _gp.log_marginal_likelihood(X, y, is_cat, HP, A0, B0) == pytest.approx(expected, 1e-10)


def test_predictive_is_conditional_of_multivariate_t() -> None:
    """p(f* | y) = p(y, f*) / p(y) for the joint multivariate-t (Shah et al. 2014, eq. 6)."""
    X, y, is_cat = _data()
    n = len(y)
    post = _gp.Posterior(X, y, is_cat, HP, A0, B0)
    assert post.nu == 2 * A0 + n
    Xs = np.array([[0.2, 0.9, 1.0], [0.7, 0.1, 2.0]])
    mean, scale = post.predict(Xs)
    C = _corr(X, HP, is_cat) + HP.g * np.eye(n)
    log_p_y = scipy.stats.multivariate_t(np.zeros(n), B0 / A0 * C, df=2 * A0).logpdf(y)
    for i, x in enumerate(Xs):
        Xa = np.vstack([X, x])
        Ca = _corr(Xa, HP, is_cat)
        Ca[:n, :n] += HP.g * np.eye(n)  # the latent f* carries no noise
        joint = scipy.stats.multivariate_t(np.zeros(n + 1), B0 / A0 * Ca, df=2 * A0)
        for f in (-1.3, 0.0, 0.4, 2.2):
            expected = joint.logpdf(np.append(y, f)) - log_p_y
            actual = scipy.stats.t.logpdf(f, post.nu, mean[i], scale[i])
            assert actual == pytest.approx(expected, abs=1e-9)


def test_surprising_data_widen_the_predictive() -> None:
    X, y, is_cat = _data()
    x = np.array([[0.5, 0.5, 0.0]])
    calm = _gp.Posterior(X, y, is_cat, HP, A0, B0).predict(x)[1]
    wild = _gp.Posterior(X, 5 * y, is_cat, HP, A0, B0).predict(x)[1]
    assert wild[0] > 4.0 * calm[0]  # the scale grows with Q = y^T C^-1 y (ratio -> 5 as Q grows)


def test_strong_prior_reduces_to_gaussian_process() -> None:
    X, y, is_cat = _data()
    strong = 1e9
    t_post = _gp.Posterior(X, y, is_cat, HP, strong, strong, predictive="student_t")
    g_post = _gp.Posterior(X, y, is_cat, HP, strong, strong, predictive="gaussian")
    Xs = np.random.default_rng(1).random((5, 3))
    Xs[:, 2] = [0, 1, 2, 0, 1]
    # Plain GP with unit amplitude: mean k^T C^-1 y, variance 1 - k^T C^-1 k.
    C = _corr(X, HP, is_cat) + HP.g * np.eye(len(y))
    k = _gp.matern52(_gp.sq_dist(Xs, X, HP.inv_ls2, is_cat))
    gp_mean = k @ np.linalg.solve(C, y)
    gp_std = np.sqrt(1 - np.einsum("ij,ij->i", k, np.linalg.solve(C, k.T).T))
    for post in (t_post, g_post):
        mean, scale = post.predict(Xs)
        np.testing.assert_allclose(mean, gp_mean, rtol=1e-9)
        np.testing.assert_allclose(scale, gp_std, rtol=1e-6)
    assert t_post.nu > 1e9 and g_post.nu == np.inf


@pytest.mark.parametrize(
    ("fit_noise", "noise_rate"), [(True, _gp.NOISE_PRIOR_RATE), (True, 1.0), (False, 1.0)]
)
def test_log_posterior_gradient(fit_noise: bool, noise_rate: float) -> None:
    X, y, is_cat = _data(3)
    rng = np.random.default_rng(4)
    for _ in range(3):
        theta = rng.normal(0.0, 0.7, 3 + fit_noise)

        def f(t: np.ndarray) -> float:
            return _gp._neg_log_posterior(t, X, y, is_cat, A0, B0, fit_noise, None, noise_rate)[0]

        def g(t: np.ndarray) -> np.ndarray:
            return _gp._neg_log_posterior(t, X, y, is_cat, A0, B0, fit_noise, None, noise_rate)[1]

        err = scipy.optimize.check_grad(f, g, theta)
        assert err < 1e-4 * max(1.0, np.linalg.norm(g(theta)))


@pytest.mark.parametrize("noise_rate", [_gp.NOISE_PRIOR_RATE, 1.0])
def test_log_posterior_is_marginal_likelihood_plus_priors(noise_rate: float) -> None:
    X, y, is_cat = _data(5)
    theta_a = np.log(np.append(HP.inv_ls2, HP.g - _gp.G_MIN))
    hp_b = _gp.Hyperparams(inv_ls2=np.array([1.0, 2.0, 3.0]), g=0.2)
    theta_b = np.log(np.append(hp_b.inv_ls2, hp_b.g - _gp.G_MIN))

    def log_prior(hp: _gp.Hyperparams) -> float:  # an independent formula, up to a constant
        noise = scipy.stats.gamma(a=_gp.NOISE_PRIOR_SHAPE, scale=1.0 / noise_rate)
        v = hp.inv_ls2
        m = _gp.INV_LS2_PRIOR_MODE
        return float(np.sum(-_gp.INV_LS2_PRIOR * (m / v + v / m)) + noise.logpdf(hp.g))

    diff_model = (
        -_gp._neg_log_posterior(theta_a, X, y, is_cat, A0, B0, True, None, noise_rate)[0]
        + _gp._neg_log_posterior(theta_b, X, y, is_cat, A0, B0, True, None, noise_rate)[0]
    )
    diff_ref = (
        _gp.log_marginal_likelihood(X, y, is_cat, HP, A0, B0)
        + log_prior(HP)
        - _gp.log_marginal_likelihood(X, y, is_cat, hp_b, A0, B0)
        - log_prior(hp_b)
    )
    assert diff_model == pytest.approx(diff_ref, abs=1e-8)


def test_predict_with_grad() -> None:
    X, y, is_cat = _data(6)
    post = _gp.Posterior(X, y, is_cat, HP, A0, B0)
    Xs = np.array([[0.3, 0.6, 1.0], [0.9, 0.05, 0.0]])
    mean, scale, d_mean, d_scale = post.predict_with_grad(Xs)
    np.testing.assert_allclose((mean, scale), post.predict(Xs))
    eps = 1e-6
    for j in (0, 1):
        step = np.zeros(3)
        step[j] = eps
        m_p, s_p = post.predict(Xs + step)
        m_m, s_m = post.predict(Xs - step)
        np.testing.assert_allclose(d_mean[:, j], (m_p - m_m) / (2 * eps), rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(d_scale[:, j], (s_p - s_m) / (2 * eps), rtol=1e-5, atol=1e-8)
    # Categorical coordinates are searched discretely.
    assert np.all(d_mean[:, 2] == 0.0) and np.all(d_scale[:, 2] == 0.0)


def test_pending_points_keep_mean_and_shrink_scale() -> None:
    X, y, is_cat = _data(7)
    pending = np.array([[0.45, 0.55, 1.0]])
    plain = _gp.Posterior(X, y, is_cat, HP, A0, B0)
    believer = _gp.Posterior(X, y, is_cat, HP, A0, B0, X_pending=pending)
    assert believer.nu == plain.nu  # nu counts real observations only
    Xs = np.vstack([pending, [[0.1, 0.1, 0.0]]])
    m0, s0 = plain.predict(Xs)
    m1, s1 = believer.predict(Xs)
    np.testing.assert_allclose(m1, m0, atol=1e-8)
    assert s1[0] < 0.5 * s0[0]
    assert s1[1] == pytest.approx(s0[1], rel=0.05)


def test_fit_finds_relevant_dimension_and_beats_default() -> None:
    rng = np.random.default_rng(8)
    X = rng.random((30, 2))
    y = np.sin(8 * X[:, 0])  # depends on x0 only
    y = (y - y.mean()) / y.std()
    is_cat = np.array([False, False])
    hp = _gp.fit_hyperparams(X, y, is_cat, A0, B0, deterministic=False)
    assert hp.inv_ls2[0] > 10 * hp.inv_ls2[1]
    default = _gp.Hyperparams.default(2, deterministic=False)
    theta = hp.to_theta(True)
    assert (
        _gp._neg_log_posterior(theta, X, y, is_cat, A0, B0, True)[0]
        < _gp._neg_log_posterior(default.to_theta(True), X, y, is_cat, A0, B0, True)[0]
    )


def test_noise_prior_rate_sets_how_much_noise_the_fit_admits() -> None:
    """A smooth trend under noise as large as the signal: the weak prior (rate 1) lets the fit
    give the noise a several times larger share than the default prior (rate 30, mean 0.04),
    which is what ``fit_hyperparams`` uses when no rate is given."""
    rng = np.random.default_rng(11)
    X = rng.random((60, 1))
    signal = np.sin(6 * X[:, 0])
    y = signal + signal.std() * rng.standard_normal(60)
    y = (y - y.mean()) / y.std()
    is_cat = np.array([False])
    default = _gp.fit_hyperparams(X, y, is_cat, A0, B0, deterministic=False)
    strong = _gp.fit_hyperparams(X, y, is_cat, A0, B0, False, noise_rate=_gp.NOISE_PRIOR_RATE)
    weak = _gp.fit_hyperparams(X, y, is_cat, A0, B0, deterministic=False, noise_rate=1.0)
    assert default.g == strong.g
    assert weak.g > 2.0 * strong.g


def test_deterministic_fit_keeps_minimum_noise_and_handles_duplicates() -> None:
    X = np.array([[0.1], [0.1], [0.5], [0.5], [0.9]])
    y = np.array([0.2, 0.2, -1.0, -1.0, 1.5])
    hp = _gp.fit_hyperparams(X, y, np.array([False]), A0, B0, deterministic=True)
    assert hp.g == _gp.G_MIN
    mean, scale = _gp.Posterior(X, y, np.array([False]), hp, A0, B0).predict(X)
    np.testing.assert_allclose(mean, y, atol=1e-3)
    assert np.all(np.isfinite(scale))


def test_constant_values_fit() -> None:
    X = np.random.default_rng(9).random((8, 2))
    y = np.zeros(8)
    hp = _gp.fit_hyperparams(X, y, np.array([False, False]), A0, B0, deterministic=False)
    mean, scale = _gp.Posterior(X, y, np.array([False, False]), hp, A0, B0).predict(X[:2] + 0.05)
    assert np.all(np.isfinite(mean)) and np.all(scale > 0)


def test_prior_constants_agree() -> None:
    assert _gp._NOISE_LOG_WEIGHT == pytest.approx(_gp.NOISE_PRIOR_SHAPE - 1.0, rel=1e-12)


def test_lengthscale_prior_peaks_at_its_mode() -> None:
    m = _gp.INV_LS2_PRIOR_MODE
    hp = _gp.Hyperparams(inv_ls2=np.array([m, m / 3, 3 * m]), g=0.1)
    value, grad = _gp.log_prior(hp, fit_noise=False)
    assert grad[0] == pytest.approx(0.0, abs=1e-12)
    assert grad[1] > 0.0 > grad[2]  # towards the mode from either side
    per_dim = -_gp.INV_LS2_PRIOR * (m / hp.inv_ls2 + hp.inv_ls2 / m)
    assert value == pytest.approx(float(per_dim.sum()))


def test_extending_the_factor_with_running_trials_equals_a_new_factorisation() -> None:
    """Running trials are appended to the Cholesky factor of the observations (O(n^2 p))
    instead of a second factorisation; the factor, and so the posterior, are the same."""
    rng = np.random.default_rng(1)
    X, P = rng.random((30, 3)), rng.random((4, 3))
    is_cat = np.array([False, False, True])
    X[:, 2], P[:, 2] = rng.integers(0, 3, 30), rng.integers(0, 3, 4)
    hp = _gp.Hyperparams(inv_ls2=np.array([4.0, 2.0, 1.0]), g=1e-3)
    L = _gp.cholesky(_gp.correlation(X, hp, is_cat)[1])
    K_px = _gp.matern52(_gp.sq_dist(P, X, hp.inv_ls2, is_cat))
    extended = _gp.extend_cholesky(L, K_px, _gp.correlation(P, hp, is_cat)[1])
    direct = _gp.cholesky(_gp.correlation(np.vstack([X, P]), hp, is_cat)[1])
    np.testing.assert_allclose(extended, np.tril(direct), atol=1e-12)
    with pytest.raises(np.linalg.LinAlgError):  # a running trial on an observed point, g = 0
        singular = _gp.Hyperparams(inv_ls2=hp.inv_ls2, g=0.0)
        L0 = _gp.cholesky(_gp.correlation(X, singular, is_cat)[1])
        _gp.extend_cholesky(
            L0,
            _gp.matern52(_gp.sq_dist(X[:1], X, hp.inv_ls2, is_cat)),
            _gp.correlation(X[:1], singular, is_cat)[1],
        )


def test_loo_residuals_match_refitting_without_each_point() -> None:
    rng = np.random.default_rng(4)
    X = rng.random((12, 2))
    y = np.sin(4 * X[:, 0]) + 0.1 * rng.standard_normal(12)
    hp = _gp.Hyperparams(np.array([3.0, 2.0]), 0.05)
    is_cat = np.zeros(2, dtype=bool)
    post = _gp.Posterior(X, y, is_cat, hp, 2.5, 1.5)
    L = _gp.cholesky(_gp.correlation(X, hp, is_cat)[1])
    e = _gp._loo_residuals(L, _gp.solve(L, y), post.scale2)
    for i in range(12):
        keep = np.arange(12) != i
        C = _gp.correlation(X[keep], hp, is_cat)[1]
        k = _gp.matern52(_gp.sq_dist(X[i : i + 1], X[keep], hp.inv_ls2, is_cat))[0]
        mean = k @ np.linalg.solve(C, y[keep])
        var = 1.0 + hp.g - k @ np.linalg.solve(C, k)  # the observation's, noise included
        assert e[i] == pytest.approx((y[i] - mean) / np.sqrt(post.scale2 * var), rel=1e-8)


def test_robust_posterior_discounts_one_outlier_only() -> None:
    """A smooth function observed with small noise and one gross outlier: the robust posterior
    inflates that observation's noise alone, and its mean there moves back to the trend."""
    X = np.linspace(0, 1, 25)[:, None]
    truth = np.sin(3 * X[:, 0])
    y = truth + 0.02 * np.random.default_rng(0).standard_normal(25)
    y[12] += 2.0
    hp = _gp.Hyperparams(np.array([4.0]), 0.05)
    is_cat = np.zeros(1, dtype=bool)
    plain = _gp.Posterior(X, y, is_cat, hp, 2.5, 1.5)
    robust = _gp.Posterior(X, y, is_cat, hp, 2.5, 1.5, robust=2.5)
    assert plain.noise_scale is None and robust.noise_scale is not None
    assert np.flatnonzero(robust.noise_scale > 1.0).tolist() == [12]
    at = X[12:13]
    assert abs(robust.predict(at)[0][0] - truth[12]) < 0.5 * abs(
        plain.predict(at)[0][0] - truth[12]
    )
    # Without an outlier nothing changes.
    y[12] -= 2.0
    assert _gp.Posterior(X, y, is_cat, hp, 2.5, 1.5, robust=2.5).noise_scale is None


def test_many_points_are_predicted_as_each_alone() -> None:
    """More points than ``PREDICT_ROWS`` are taken in pieces: the same numbers as one by one."""
    X, y, is_cat = _data(6)
    post = _gp.Posterior(X, y, is_cat, HP, A0, B0)
    rng = np.random.default_rng(1)
    Xs = rng.random((2 * _gp.PREDICT_ROWS + 7, 3))
    Xs[:, 2] = rng.integers(0, 3, size=len(Xs))
    mean, scale = post.predict(Xs)
    assert mean.shape == scale.shape == (len(Xs),)
    for i in (0, _gp.PREDICT_ROWS - 1, _gp.PREDICT_ROWS, len(Xs) - 1):
        m, s = post.predict(Xs[i : i + 1])
        np.testing.assert_allclose((mean[i], scale[i]), (m[0], s[0]), rtol=1e-12)


def test_categorical_distances_at_once_equal_the_column_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(2)
    is_cat = np.array([False, True, False, True, True])
    inv_ls2 = rng.random(5) + 0.1
    X1, X2 = rng.random((7, 5)), rng.random((30, 5))
    X1[:, is_cat] = rng.integers(0, 3, (7, 3))
    X2[:, is_cat] = rng.integers(0, 3, (30, 3))
    at_once = _gp.sq_dist(X1, X2, inv_ls2, is_cat)
    monkeypatch.setattr(_gp, "_HAMMING_AT_ONCE", 0)
    np.testing.assert_allclose(at_once, _gp.sq_dist(X1, X2, inv_ls2, is_cat), rtol=1e-14)
    expected = ((X1[:, None, :] - X2[None, :, :]) ** 2 * inv_ls2)[:, :, ~is_cat].sum(-1)
    expected += ((X1[:, None, :] != X2[None, :, :]) * inv_ls2)[:, :, is_cat].sum(-1)
    np.testing.assert_allclose(at_once, expected, rtol=1e-12)


@pytest.mark.parametrize("robust", [None, 0.5])
def test_the_fitted_mean_is_the_posterior_mean_at_the_model_s_points(robust: float | None) -> None:
    """``fitted_mean`` (``y - g diag(s) alpha``, linear time) equals ``predict`` at the points
    the model holds: plain, with the robust step's per-point noise scales, and with running
    trials appended as a kriging believer."""
    X, y, is_cat = _data(3, n=15)
    hp = _gp.Hyperparams(inv_ls2=HP.inv_ls2, g=0.05)
    pending = np.array([[0.45, 0.55, 1.0], [0.1, 0.9, 0.0]])
    for X_pending in (None, pending):
        post = _gp.Posterior(X, y, is_cat, hp, A0, B0, X_pending=X_pending, robust=robust)
        if robust is not None:
            assert post.noise_scale is not None and np.any(post.noise_scale > 1.0)
        np.testing.assert_allclose(post.fitted_mean, post.predict(post.X)[0], atol=1e-10)
