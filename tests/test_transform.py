"""The value transform: standardisation plus a bounded Yeo-Johnson power transform."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import numpy as np
import optuna
import pytest
import scipy.stats

from optuna_gamma import GammaBOSampler
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._storage import PREDICTION_KEY
from optuna_gamma._transform import EXPONENT_BOUNDS
from optuna_gamma._transform import ValueTransform
from optuna_gamma._transform import _yeojohnson_inverse
from optuna_gamma._transform import _YeoJohnsonLikelihood
from optuna_gamma._transform import yeojohnson_llf
from optuna_gamma.surrogate import fit_surrogate

values_strategy = st.lists(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(values=values_strategy, sign=st.sampled_from([1.0, -1.0]), power_transform=st.booleans())
def test_inverse_undoes_forward_and_order_is_kept(
    values: list[float], sign: float, power_transform: bool
) -> None:
    raw = np.array(values)
    t = ValueTransform.fit(raw, sign, power_transform=power_transform)
    y = t.forward(raw)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(t.inverse(y), raw, rtol=1e-6, atol=1e-6 * max(1.0, np.ptp(raw)))
    # Monotone, oriented so that larger y is better: minimising (sign -1) reverses the order.
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(sign * y[order]) >= -1e-12)
    if t.exponent is not None:
        assert EXPONENT_BOUNDS[0] <= t.exponent <= EXPONENT_BOUNDS[1]


@settings(max_examples=200, deadline=None)
@given(
    w=st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=20),
    exponent=st.floats(*EXPONENT_BOUNDS),
)
def test_yeojohnson_inverse_matches_scipy_forward(w: list[float], exponent: float) -> None:
    w_arr = np.array(w)
    x = _yeojohnson_inverse(w_arr, exponent)
    finite = np.isfinite(x) & (np.abs(x) < 1e12)
    np.testing.assert_allclose(
        scipy.stats.yeojohnson(x[finite], lmbda=exponent), w_arr[finite], rtol=1e-8, atol=1e-8
    )


@settings(max_examples=100, deadline=None)
@given(
    z=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=30),
    exponent=st.floats(*EXPONENT_BOUNDS),
)
def test_log_likelihood_equals_scipy(z: list[float], exponent: float) -> None:
    z_arr = np.array(z)
    expected = scipy.stats.yeojohnson_llf(exponent, z_arr)
    if np.isfinite(expected):
        assert yeojohnson_llf(exponent, z_arr) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    z=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=30),
    exponent=st.one_of(st.floats(0.0, 2.0), st.sampled_from([0.0, 1.0, 2.0])),
)
def test_the_fit_s_likelihood_is_exactly_the_per_call_one(z: list[float], exponent: float) -> None:
    """The exponent's fit uses a form with its logarithms computed once: the same numbers to
    the last bit, so the fit (and every suggestion) is unchanged."""
    z_arr = np.array(z)
    fast, plain = _YeoJohnsonLikelihood(z_arr)(exponent), yeojohnson_llf(exponent, z_arr)
    assert fast == plain or (np.isnan(fast) and np.isnan(plain))


@settings(max_examples=100, deadline=None)
@given(
    z=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=30),
    exponent=st.one_of(st.floats(0.0, 2.0), st.sampled_from([0.0, 1.0, 2.0])),
)
def test_the_fit_s_transform_is_exactly_scipy_s(z: list[float], exponent: float) -> None:
    """The transformed values the fit standardises are scipy's to the last bit."""
    z_arr = np.array(z)
    fast = _YeoJohnsonLikelihood(z_arr).transformed(exponent)
    np.testing.assert_array_equal(fast, scipy.stats.yeojohnson(z_arr, lmbda=exponent))


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0])
def test_yeojohnson_inverse_at_the_special_exponents(exponent: float) -> None:
    x = np.linspace(-5, 5, 21)
    np.testing.assert_allclose(
        _yeojohnson_inverse(scipy.stats.yeojohnson(x, lmbda=exponent), exponent), x
    )


def test_heavy_tail_of_poor_values_is_compressed() -> None:
    # Rosenbrock-like values to minimise: a few enormous (poor) ones next to small ones.
    rng = np.random.default_rng(0)
    raw = np.exp(rng.normal(8.0, 1.0, size=30))
    t = ValueTransform.fit(raw, sign=-1.0, power_transform=True)
    assert t.exponent is not None and t.exponent > 1.0  # > 1 compresses the lower (poor) tail of y
    plain = ValueTransform.fit(raw, sign=-1.0, power_transform=False)
    assert abs(scipy.stats.skew(t.forward(raw))) < 0.5 * abs(scipy.stats.skew(plain.forward(raw)))
    # The good values are spread apart instead of being squeezed together near the top.
    best5 = np.sort(raw)[:5]
    assert np.ptp(t.forward(best5)) > 2 * np.ptp(plain.forward(best5))


def test_normal_values_are_only_standardised() -> None:
    # The likelihood-ratio test does not reject lambda = 1 for normal data.
    raw = np.random.default_rng(1).normal(size=200)
    t = ValueTransform.fit(raw, sign=1.0, power_transform=True)
    assert t.exponent is None
    y = t.forward(raw)
    np.testing.assert_allclose(y, (raw - raw.mean()) / raw.std())


def test_a_heavy_tail_of_good_values_is_never_compressed() -> None:
    # Maximising lognormal values: the long tail is the good one, which lambda in [1, 2] would
    # only stretch further, so the data never prefer a power transform.
    raw = np.exp(np.random.default_rng(2).normal(0.0, 1.0, size=30))
    assert ValueTransform.fit(raw, sign=1.0, power_transform=True).exponent is None
    # The same values minimised: now the long tail is the poor one and gets compressed.
    flipped = ValueTransform.fit(raw, sign=-1.0, power_transform=True)
    assert flipped.exponent is not None and flipped.exponent > 1.0


@pytest.mark.parametrize("values", [[3.0], [3.0, 3.0, 3.0], [1.0, 2.0], [1.0, 2.0, 2.0, 1.0]])
def test_too_few_distinct_values_get_no_power_transform(values: list[float]) -> None:
    raw = np.array(values)
    t = ValueTransform.fit(raw, sign=1.0, power_transform=True)
    assert t.exponent is None
    np.testing.assert_allclose(t.inverse(t.forward(raw)), raw)


def _study(power_transform: bool) -> optuna.Study:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -5, 10)
        y = trial.suggest_float("y", -5, 10)
        return 100 * (y - x**2) ** 2 + (1 - x) ** 2  # Rosenbrock: values from ~0 to ~1e6

    sampler = GammaBOSampler(
        seed=0, n_startup_trials=6, power_transform=power_transform, deterministic_objective=True
    )
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=10)
    return study


@pytest.mark.parametrize("power_transform", [True, False])
def test_prediction_interval_is_in_objective_units(power_transform: bool) -> None:
    study = _study(power_transform)
    sampler = study.sampler
    assert isinstance(sampler, GammaBOSampler)
    trials = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    space = SearchSpace(trials[0].distributions)
    fitted = fit_surrogate(trials, space, study.direction, sampler.surrogate_settings)
    assert (fitted.transform.exponent is not None) == power_transform
    X = space.encode([t.params for t in trials])
    median, lower, upper = fitted.predict(X)
    values = np.array([t.value for t in trials])
    # At the observed points the noise-free model interpolates the values ...
    np.testing.assert_allclose(median, values, rtol=0.02, atol=1.0)
    assert np.all(lower <= median) and np.all(median <= upper)
    # ... and the interval's ends are the predictive's quantiles mapped through the transform.
    loc, scale = fitted.model.predict(X)
    q = scipy.stats.t.ppf(0.975, fitted.model.nu)
    ends = np.sort(fitted.transform.inverse(np.stack([loc - q * scale, loc + q * scale])), axis=0)
    np.testing.assert_allclose(np.stack([lower, upper]), ends)
    if not power_transform:  # plain standardisation: a symmetric interval
        np.testing.assert_allclose(upper - median, median - lower, rtol=1e-9)
    last = json.loads(study.trials[-1].system_attrs[PREDICTION_KEY])
    assert last["lower"] <= last["median"] <= last["upper"]


def test_power_transform_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="power_transform"):
        GammaBOSampler(power_transform="yes")  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    sign=st.sampled_from([1.0, -1.0]),
    power_transform=st.booleans(),
)
def test_fit_forward_gives_forward_of_the_fitted_values_bit_for_bit(
    values: list[float], sign: float, power_transform: bool
) -> None:
    raw = np.array(values)
    t, y = ValueTransform.fit_forward(raw, sign, power_transform=power_transform)
    assert t == ValueTransform.fit(raw, sign, power_transform=power_transform)
    np.testing.assert_array_equal(y, t.forward(raw))


@settings(max_examples=100, deadline=None)
@given(
    z=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=30),
    exponents=st.lists(st.floats(*EXPONENT_BOUNDS), min_size=1, max_size=5),
)
def test_the_likelihood_on_a_grid_is_the_likelihood_at_each_exponent(
    z: list[float], exponents: list[float]
) -> None:
    llf = _YeoJohnsonLikelihood(np.array(z))
    grid = np.array(exponents + [1.0, 2.0])
    expected = np.array([llf(e) for e in grid])
    finite = np.isfinite(expected)
    got = llf.on_grid(grid)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-9, atol=1e-9)
    assert np.all(got[~finite] == -np.inf)


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(3, 200),
    shape=st.sampled_from(["normal", "lognormal", "negative-lognormal", "t2", "uniform"]),
)
def test_the_exponent_maximises_the_likelihood(seed: int, n: int, shape: str) -> None:
    """The staged grid finds the exponent a dense grid of 10,001 finds, to a likelihood
    difference far below what the likelihood-ratio test (3.84) or the fit could resolve."""
    rng = np.random.default_rng(seed)
    z = {
        "normal": lambda: rng.normal(size=n),
        "lognormal": lambda: np.exp(rng.normal(size=n) * rng.uniform(0.2, 2.0)),
        "negative-lognormal": lambda: -np.exp(rng.normal(size=n)),
        "t2": lambda: rng.standard_t(2, size=n),
        "uniform": lambda: rng.uniform(size=n),
    }[shape]()
    z = (z - z.mean()) / max(z.std(), 1e-12)
    llf = _YeoJohnsonLikelihood(z)
    exponent = llf.maximiser()
    assert EXPONENT_BOUNDS[0] <= exponent <= EXPONENT_BOUNDS[1]
    dense = llf.on_grid(np.linspace(*EXPONENT_BOUNDS, 10_001))
    assert llf(exponent) >= dense.max() - 1e-3


def test_an_exponent_without_a_finite_likelihood_is_one() -> None:
    assert _YeoJohnsonLikelihood(np.zeros(5)).maximiser() == 1.0
