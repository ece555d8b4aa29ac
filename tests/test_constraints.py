"""Outcome constraints (``trial.set_constraint``, ``constraints_func``) and their models."""

from __future__ import annotations

import math
import pickle
from typing import Any
import warnings

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
import pytest
import scipy.stats

from optuna_gamma import GammaBOSampler
from optuna_gamma._search_space import SearchSpace
from optuna_gamma.surrogate import ConstraintModel
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate import fit_surrogate

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # constraints_func's deprecation


def _objective(trial: optuna.Trial) -> float:
    """The issue's example: optimum 1.0 at (0, 0), on the boundary of ``x <= 0``."""
    x = trial.suggest_float("x", -2, 2)
    y = trial.suggest_float("y", -2, 2)
    trial.set_constraint("c", x)
    return (x - 1) ** 2 + y**2


def _feasible(t: optuna.trial.FrozenTrial) -> bool:
    return t.state == TrialState.COMPLETE and all(c <= 0 for c in t.constraints.values())


def _best_feasible(study: optuna.Study) -> float:
    return min((t.value for t in study.trials if _feasible(t)), default=math.inf)  # type: ignore[type-var]


def _constrained_fit(
    c_values: np.ndarray, predictive: str = "student_t", n: int = 12, seed: int = 0
) -> tuple[Any, SearchSpace]:
    """A fitted surrogate on ``n`` random 2-D trials with one constraint whose values are
    ``c_values(x)``."""
    rng = np.random.default_rng(seed)
    space = {"x": FloatDistribution(-2, 2), "y": FloatDistribution(-2, 2)}
    trials = []
    for _ in range(n):
        x, y = rng.uniform(-2, 2, size=2)
        t = optuna.trial.create_trial(
            params={"x": x, "y": y}, distributions=space, value=(x - 1) ** 2 + y**2
        )
        t.system_attrs["constraints:c"] = float(c_values(np.array([x, y])))
        trials.append(t)
    settings = SurrogateSettings(predictive=predictive)
    return fit_surrogate(
        trials, space, optuna.study.StudyDirection.MINIMIZE, settings
    ), SearchSpace(space)


# -- the feasibility model ----------------------------------------------------------------------


@pytest.mark.parametrize("predictive", ["student_t", "gaussian"])
def test_probability_of_feasibility_is_the_student_t_cdf(predictive: str) -> None:
    fitted, space = _constrained_fit(lambda p: p[0] + 0.3 * p[1], predictive)
    (model,) = fitted.constraints
    assert isinstance(model, ConstraintModel)
    Z = space.sample_uniform(np.random.default_rng(1), 64)
    mean, scale = model.model.predict(Z)
    nu = model.model.nu
    # The margin is the model's noise scale (docs/math.md §7).
    assert model.margin == pytest.approx(math.sqrt(model.model.scale2 * model.model.hp.g))
    z = (mean - model.threshold - model.margin) / scale
    expected = scipy.stats.norm.cdf(z) if math.isinf(nu) else scipy.stats.t.cdf(z, nu)
    np.testing.assert_allclose(np.exp(fitted.log_feasibility(Z)), expected, rtol=1e-10)
    assert math.isinf(nu) == (predictive == "gaussian")


def test_threshold_is_the_image_of_zero() -> None:
    fitted, _ = _constrained_fit(lambda p: 3.0 * p[0] - 1.0)
    (model,) = fitted.constraints
    # y = transform(c) is decreasing in c, so feasibility (c <= 0) is y >= transform(0).
    assert model.transform.forward(np.array([0.0]))[0] == pytest.approx(model.threshold)
    assert model.transform.forward(np.array([-1.0]))[0] > model.threshold
    # The trials the data call feasible are exactly those with c <= 0 (x = 4 X - 2 encoded).
    c = 3.0 * (4.0 * fitted.X[:, 0] - 2.0) - 1.0
    assert fitted.feasible is not None and fitted.feasible.any() and not fitted.feasible.all()
    np.testing.assert_array_equal(fitted.feasible, c <= 0)


@pytest.mark.parametrize("z", [-1e4, -300.0, -40.0, -5.0, 0.0, 5.0, 40.0])
@pytest.mark.parametrize("nu", [5.0, 30.0, math.inf])
def test_log_feasibility_is_stable_far_into_the_tails(z: float, nu: float) -> None:
    from optuna_gamma._acquisition import log_cdf_student_t

    value, grad = log_cdf_student_t(np.array([z]), nu)
    expected = scipy.stats.norm.logcdf(z) if math.isinf(nu) else scipy.stats.t.logcdf(z, nu)
    assert np.isfinite(value).all() and np.isfinite(grad).all()
    assert value[0] == pytest.approx(expected, rel=1e-8, abs=1e-12)
    h = 1e-6 * max(1.0, abs(z))
    numeric = (
        log_cdf_student_t(np.array([z + h]), nu)[0][0]
        - log_cdf_student_t(np.array([z - h]), nu)[0][0]
    ) / (2 * h)
    assert grad[0] == pytest.approx(numeric, rel=1e-4, abs=1e-10)


def test_constrained_acquisition_is_finite_with_gradients_for_extreme_constraints() -> None:
    # Every trial violates the constraint by a huge margin: P(feasible) is astronomically small
    # almost everywhere, the product of two such probabilities far below the float range.
    def c(p: np.ndarray) -> float:
        return 1e6 + 1e6 * (p[0] + 2) ** 4

    fitted, space = _constrained_fit(c)
    assert fitted.y_best is None  # nothing feasible: the acquisition is the log probability
    Z = space.sample_uniform(np.random.default_rng(2), 256)
    value, grad = fitted.acquisition_values_and_grad(Z)
    assert np.isfinite(value).all() and np.isfinite(grad).all()
    assert value.min() < -50  # underflows as a probability, finite as a log
    np.testing.assert_allclose(value, fitted.log_feasibility(Z))
    # Gradients agree with finite differences where the function is smooth.
    h = 1e-6
    for i in range(5):
        z0 = Z[i : i + 1]
        for j in range(2):
            up, down = z0.copy(), z0.copy()
            up[0, j] += h
            down[0, j] -= h
            numeric = (fitted.acquisition_values(up)[0] - fitted.acquisition_values(down)[0]) / (
                2 * h
            )
            assert grad[i, j] == pytest.approx(numeric, rel=1e-3, abs=1e-4)


def test_constrained_ei_gradient_matches_finite_differences() -> None:
    fitted, space = _constrained_fit(lambda p: np.sin(2.0 * p[0]) + 0.5 * p[1], n=15)
    assert fitted.y_best is not None
    Z = space.sample_uniform(np.random.default_rng(3), 6)
    value, grad = fitted.acquisition_values_and_grad(Z)
    assert np.isfinite(value).all()
    # A smooth constraint gets long lengthscales and a predictive variance near 1e-6 of the
    # prior's: computed as 1 - k^T C^-1 k it is accurate to ~1e-9, which a step of 1e-6 would
    # turn into noise of order one in a finite difference.
    h = 1e-4
    for i in range(len(Z)):
        for j in range(2):
            up, down = Z[i : i + 1].copy(), Z[i : i + 1].copy()
            up[0, j] += h
            down[0, j] -= h
            numeric = (fitted.acquisition_values(up)[0] - fitted.acquisition_values(down)[0]) / (
                2 * h
            )
            assert grad[i, j] == pytest.approx(numeric, rel=2e-2, abs=1e-3)


def test_incumbent_is_the_best_feasible_trial() -> None:
    fitted, _ = _constrained_fit(lambda p: p[0], n=20)
    assert fitted.feasible is not None and fitted.feasible.any() and not fitted.feasible.all()
    assert fitted.y_best == pytest.approx(float(fitted.y[fitted.feasible].max()))
    assert fitted.y_best < fitted.y.max()  # an infeasible trial is better, and does not count
    # The optimiser starts from feasible trials first.
    assert fitted.order is not None and fitted.feasible[fitted.order[0]]


# -- the sampler --------------------------------------------------------------------------------


def test_issue_example_reaches_the_constrained_optimum_in_30_trials() -> None:
    reached = 0
    for seed in range(10):
        study = optuna.create_study(sampler=GammaBOSampler(seed=seed))
        study.optimize(_objective, n_trials=30)
        reached += _best_feasible(study) <= 1.05
    assert reached >= 9


def test_finds_a_feasible_point_after_an_infeasible_start() -> None:
    # Feasible only in a corner of the box: x + y <= -2.5.
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        y = trial.suggest_float("y", -2, 2)
        trial.set_constraint("corner", x + y + 2.5)
        return x**2 + y**2

    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=10))
    rng = np.random.default_rng(0)
    for _ in range(10):  # ten infeasible start-up trials
        x, y = rng.uniform(-0.5, 2, size=2)
        study.enqueue_trial({"x": x, "y": y})
    study.optimize(objective, n_trials=10)
    assert not any(_feasible(t) for t in study.trials)
    study.optimize(objective, n_trials=15)
    first = next(t.number for t in study.trials if _feasible(t))
    assert first < 25
    # While nothing was feasible, the sampler maximised the probability of feasibility: the
    # recorded acquisition is log P(feasible).
    t10 = study.trials[10]
    assert t10.user_attrs["gammabo_acq"] == pytest.approx(
        math.log(t10.user_attrs["gammabo_pred_feasible"]), abs=1e-9
    )


def _constraints_func(trial: optuna.trial.FrozenTrial) -> tuple[float, ...]:
    return (trial.params["x"], trial.params["x"] + trial.params["y"] - 1.0)


def test_constraints_func_and_set_constraint_give_the_same_suggestions() -> None:
    def with_set_constraint(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        y = trial.suggest_float("y", -2, 2)
        trial.set_constraint("0", x)  # the names Optuna gives a constraints_func's values
        trial.set_constraint("1", x + y - 1.0)
        return (x - 1) ** 2 + y**2

    def plain(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        y = trial.suggest_float("y", -2, 2)
        return (x - 1) ** 2 + y**2

    a = optuna.create_study(sampler=GammaBOSampler(seed=3))
    a.optimize(with_set_constraint, n_trials=14)
    b = optuna.create_study(sampler=GammaBOSampler(seed=3, constraints_func=_constraints_func))
    b.optimize(plain, n_trials=14)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]
    assert [t.constraints for t in a.trials] == [t.constraints for t in b.trials]
    assert "gammabo_pred_feasible" in b.trials[-1].user_attrs


def test_constraints_func_warns_as_optuna_does_and_is_validated() -> None:
    if hasattr(optuna.trial.FrozenTrial, "set_constraint"):
        with pytest.warns(FutureWarning, match="set_constraint"):
            GammaBOSampler(constraints_func=_constraints_func)
    with pytest.raises(TypeError, match="constraints_func"):
        GammaBOSampler(constraints_func=3)  # type: ignore[arg-type]


def test_constraints_func_nan_stores_none_and_raises() -> None:
    sampler = GammaBOSampler(seed=0, constraints_func=lambda t: (math.nan,))
    study = optuna.create_study(sampler=sampler)
    trial = study.ask({"x": FloatDistribution(0, 1)})
    with pytest.raises(ValueError, match="NaN"):
        sampler.after_trial(study, study.trials[0], TrialState.COMPLETE, [1.0])
    assert study.trials[trial.number].constraints == {}


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_both_directions(direction: str) -> None:
    sign = 1.0 if direction == "minimize" else -1.0

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        trial.set_constraint("c", 0.5 - x)  # feasible for x >= 0.5
        return sign * (x + 1) ** 2  # unconstrained optimum at -1, constrained at 0.5

    study = optuna.create_study(direction=direction, sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=20)
    best = min((t for t in study.trials if _feasible(t)), key=lambda t: sign * t.value)
    assert best.params["x"] == pytest.approx(0.5, abs=0.02)


def test_failed_trials_and_trials_without_or_with_garbage_constraints_are_ignored() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=4))

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        trial.set_constraint("c", x)
        if trial.number % 5 == 3:
            raise RuntimeError("fails after setting its constraint")
        return (x - 1) ** 2

    study.optimize(objective, n_trials=12, catch=(RuntimeError,))
    # A COMPLETE trial without constraint values and one with an infinite constraint value:
    # neither may fail the next suggestion.
    dist = {"x": FloatDistribution(-2, 2)}
    study.add_trial(optuna.trial.create_trial(params={"x": 0.1}, distributions=dist, value=0.8))
    inf = optuna.trial.create_trial(params={"x": 1.5}, distributions=dist, value=0.25)
    inf.system_attrs["constraints:c"] = math.inf
    study.add_trial(inf)
    study.optimize(objective, n_trials=6, catch=(RuntimeError,))
    states = [t.state for t in study.trials]
    assert states.count(TrialState.FAIL) == sum(n % 5 == 3 for n in range(12)) + sum(
        n % 5 == 3 for n in range(14, 20)
    )
    assert all("gammabo_acq" in t.user_attrs for t in study.trials[14:] if t.number % 5 != 3)
    # FAIL trials carry constraint values but never enter the constraint model.
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    fitted = fit_surrogate(complete, dist, study.direction, SurrogateSettings())
    assert len(fitted.constraints[0].model.X) == len(complete) - 1  # one has no value
    assert not fitted.feasible[complete.index(study.trials[12])]  # unknown: not feasible


def test_constraint_values_the_storage_cannot_decode_make_feasibility_unknown() -> None:
    # Optuna itself cannot rank such trials, so they are checked on frozen trials directly.
    dist = {"x": FloatDistribution(-2, 2)}
    trials = []
    for i, junk in enumerate(["not a list", {"a": 1}, [1.0, "x"], [True]]):
        t = optuna.trial.create_trial(params={"x": -1.0 + 0.1 * i}, distributions=dist, value=i)
        t.system_attrs["constraints"] = junk
        trials.append(t)
    for i in range(4):
        t = optuna.trial.create_trial(params={"x": 0.5 * i}, distributions=dist, value=-i)
        t.set_constraint("c", 0.5 * i - 0.7)
        trials.append(t)
    fitted = fit_surrogate(trials, dist, optuna.study.StudyDirection.MINIMIZE, SurrogateSettings())
    assert [c.name for c in fitted.constraints] == ["c"]
    assert fitted.feasible is not None
    assert fitted.feasible.tolist() == [False] * 4 + [True, True, False, False]
    assert np.isfinite(fitted.acquisition_values(np.linspace(0, 1, 9)[:, None])).all()


def test_running_trials_are_avoided_with_constraints() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(_objective, n_trials=10)
    dist = {"x": FloatDistribution(-2, 2), "y": FloatDistribution(-2, 2)}
    first = study.ask(dist)
    second = study.ask(dist)
    assert first.params != second.params
    gap = max(abs(first.params[k] - second.params[k]) / 4.0 for k in dist)
    assert gap >= 1e-3


def test_n_jobs_and_pickling_with_constraints_func() -> None:
    sampler = GammaBOSampler(seed=0, constraints_func=_constraints_func)
    restored = pickle.loads(pickle.dumps(sampler))

    def plain(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        y = trial.suggest_float("y", -2, 2)
        return (x - 1) ** 2 + y**2

    study = optuna.create_study(sampler=restored)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(plain, n_trials=16, n_jobs=2)
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert len(complete) == 16
    assert all(set(t.constraints) == {"0", "1"} for t in complete)


def test_the_margin_only_lowers_the_probability_and_can_be_switched_off() -> None:
    rng = np.random.default_rng(0)
    space = {"x": FloatDistribution(-2, 2), "y": FloatDistribution(-2, 2)}
    trials = []
    for _ in range(12):
        x, y = rng.uniform(-2, 2, size=2)
        t = optuna.trial.create_trial(params={"x": x, "y": y}, distributions=space, value=x * x)
        t.system_attrs["constraints:c"] = float(x + 0.2 * y)
        trials.append(t)
    direction = optuna.study.StudyDirection.MINIMIZE
    with_margin = fit_surrogate(trials, space, direction, SurrogateSettings())
    without = fit_surrogate(trials, space, direction, SurrogateSettings(feasibility_margin=False))
    assert with_margin.constraints[0].margin > 0 and without.constraints[0].margin == 0
    Z = SearchSpace(space).sample_uniform(np.random.default_rng(1), 100)
    assert np.all(with_margin.log_feasibility(Z) <= without.log_feasibility(Z) + 1e-12)
    with pytest.raises(TypeError, match="feasibility_margin"):
        GammaBOSampler(feasibility_margin="yes")  # type: ignore[arg-type]
