"""The model layer (optuna_gamma.surrogate): settings, fit, and the knobs the ablations turn."""

from __future__ import annotations

from typing import Any
import warnings

import numpy as np
import optuna
import pytest
import scipy.stats

from optuna_gamma import GammaBOSampler
from optuna_gamma import _gp
from optuna_gamma._inputs import model_inputs
from optuna_gamma._inputs import relative_search_space
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate import fit_model
from optuna_gamma.surrogate import predictive_quantile

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _quadratic(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -3, 3)
    y = trial.suggest_float("y", -3, 3)
    return (x - 1) ** 2 + (y + 0.5) ** 2


def _values(sampler: GammaBOSampler, n_trials: int = 12) -> list[float]:
    study = optuna.create_study(sampler=sampler)
    study.optimize(_quadratic, n_trials=n_trials)
    return [t.value for t in study.trials]  # type: ignore[misc]


def test_surrogate_settings_argument_gives_the_same_study_as_the_arguments() -> None:
    settings = SurrogateSettings(xi=0.1, power_transform=False)
    a = _values(GammaBOSampler(seed=3, surrogate_settings=settings))
    b = _values(GammaBOSampler(seed=3, xi=0.1, power_transform=False))
    assert a == b


def test_surrogate_settings_and_model_arguments_are_not_both_given() -> None:
    with pytest.raises(ValueError, match="either as GammaBOSampler's arguments or as"):
        GammaBOSampler(xi=0.1, surrogate_settings=SurrogateSettings())
    with pytest.raises(TypeError, match="surrogate_settings must be"):
        GammaBOSampler(surrogate_settings={"xi": 0.1})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lengthscale_prior_mode": 1.0},
        {"acquisition_starts": "best"},
        {"loose_fit_from": 0},
    ],
)
def test_each_ablation_setting_changes_the_decisions(kwargs: dict[str, Any]) -> None:
    """A setting that changed nothing would make its ablation compare the default with itself."""
    default = _values(GammaBOSampler(seed=0), n_trials=20)
    varied = _values(
        GammaBOSampler(seed=0, surrogate_settings=SurrogateSettings(**kwargs)), n_trials=20
    )
    assert default[:5] == varied[:5]  # the same start-up points
    assert default != varied


def test_an_injected_lengthscale_prior_is_the_one_used() -> None:
    """The library's prior passed as a callable gives the library's decisions; another prior,
    others."""
    calls = []

    def library(inv_ls2: np.ndarray) -> tuple[float, np.ndarray]:
        calls.append(len(inv_ls2))
        return _gp.inv_ls2_log_prior(inv_ls2)

    default = _values(GammaBOSampler(seed=0))
    same = _values(
        GammaBOSampler(seed=0, surrogate_settings=SurrogateSettings(lengthscale_prior=library))
    )
    assert same == default and calls and set(calls) == {2}

    def flat(inv_ls2: np.ndarray) -> tuple[float, np.ndarray]:
        return 0.0, np.zeros_like(inv_ls2)

    other = _values(
        GammaBOSampler(seed=0, surrogate_settings=SurrogateSettings(lengthscale_prior=flat))
    )
    assert other != default


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"lengthscale_prior_mode": 0.0}, ValueError),
        ({"lengthscale_prior_mode": float("inf")}, ValueError),
        ({"acquisition_starts": "random"}, ValueError),
        ({"loose_fit_from": -1}, ValueError),
        ({"loose_fit_from": 1.5}, TypeError),
        ({"lengthscale_prior": "dimension"}, TypeError),
        ({"noise_prior_rate": 0.0}, ValueError),
        ({"noise_prior_rate": float("nan")}, ValueError),
        ({"noise_prior_rate": 1e4}, ValueError),
        ({"noise_prior_rate": "weak"}, TypeError),
    ],
)
def test_invalid_ablation_settings_name_the_field(
    kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error, match=next(iter(kwargs))):
        SurrogateSettings(**kwargs)


def test_a_failed_warm_started_fit_is_retried_from_the_defaults() -> None:
    """A warm start where the fit fails (here: a prior that rejects it) is tried again from
    the default hyperparameters before the defaults themselves are used."""
    rng = np.random.default_rng(0)
    X = rng.random((12, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1]
    y = (y - y.mean()) / y.std()
    is_cat = np.zeros(2, dtype=bool)
    bad_start = _gp.Hyperparams(inv_ls2=np.array([5e3, 5e3]), g=1e-6)

    def prior(inv_ls2: np.ndarray) -> tuple[float, np.ndarray]:
        if np.any(inv_ls2 > 1e3):
            raise ValueError("outside the prior's support")
        return _gp.inv_ls2_log_prior(inv_ls2)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to the defaults: the retry succeeded
        hp = _gp.fit_hyperparams(
            X, y, is_cat, 2.5, 1.5, False, initial=bad_start, lengthscale_prior=prior
        )
    direct = _gp.fit_hyperparams(X, y, is_cat, 2.5, 1.5, False, lengthscale_prior=prior)
    np.testing.assert_allclose(hp.inv_ls2, direct.inv_ls2)
    assert hp.g == pytest.approx(direct.g)


def test_fit_model_dispatches_on_the_number_of_objectives() -> None:
    study = optuna.create_study(directions=["minimize", "maximize"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), 6)
    inputs = model_inputs(study.trials, relative_search_space(study.trials))
    fitted = fit_model(inputs, study.directions, SurrogateSettings())
    assert len(fitted.objectives) == 2  # type: ignore[union-attr]
    single = optuna.create_study()
    single.optimize(lambda t: t.suggest_float("x", 0, 1), 6)
    inputs = model_inputs(single.trials, relative_search_space(single.trials))
    assert fit_model(inputs, single.directions, SurrogateSettings()).y_best is not None  # type: ignore[union-attr]


def test_noise_prior_rate_reaches_the_model() -> None:
    """On a noisy objective the model of a study fitted with ``noise_prior_rate=1`` gives the
    noise a larger ratio than the default's (rate 30), from the same trials."""
    rng = np.random.default_rng(5)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: _quadratic(t) + 3.0 * rng.standard_normal(), n_trials=40)
    inputs = model_inputs(study.trials, relative_search_space(study.trials))
    ratios = [
        fit_model(inputs, study.directions, SurrogateSettings(noise_prior_rate=rate))
        .objectives[0]  # type: ignore[union-attr]
        .model.hp.g
        for rate in (_gp.NOISE_PRIOR_RATE, 1.0)
    ]
    assert ratios[1] > 2.0 * ratios[0]


@pytest.mark.parametrize("nu", [1.0, 3.0, 10.5, 205.0, 1e7, float("inf")])
@pytest.mark.parametrize("p", [1e-6, 0.025, 0.5, 0.8413, 0.975])
def test_predictive_quantile_is_scipy_s_to_the_last_bit(nu: float, p: float) -> None:
    expected = scipy.stats.norm.ppf(p) if np.isinf(nu) else scipy.stats.t.ppf(p, nu)
    assert predictive_quantile(nu, p) == expected
