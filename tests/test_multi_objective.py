"""Multi-objective studies: hypervolume, box decomposition, log EHVI and the sampler."""

from __future__ import annotations

import math
import pickle

from hypervolume_reference import improvement_by_boxes
from hypervolume_reference import inclusion_exclusion
import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
import pytest
import scipy.stats

from optuna_gamma import GammaBOSampler
from optuna_gamma._acquisition import log_expected_hypervolume_improvement
from optuna_gamma._hypervolume import hypervolume
from optuna_gamma._hypervolume import nondominated_boxes
from optuna_gamma._hypervolume import pareto_mask
from optuna_gamma._hypervolume import reference_point

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.mark.parametrize("d", [2, 3, 4])
@pytest.mark.parametrize("seed", range(4))
def test_hypervolume_equals_inclusion_exclusion(d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    Y = rng.normal(size=(7, d))
    ref = reference_point(Y)
    assert np.all(Y > ref)
    assert hypervolume(Y, ref) == pytest.approx(inclusion_exclusion(Y, ref), rel=1e-10)


def test_pareto_mask_against_brute_force() -> None:
    rng = np.random.default_rng(0)
    Y = rng.integers(0, 5, size=(40, 3)).astype(float)  # many ties and duplicates
    mask = pareto_mask(Y)
    for i in range(len(Y)):
        dominated = any(
            np.all(Y[j] >= Y[i]) and np.any(Y[j] > Y[i]) for j in range(len(Y)) if j != i
        )
        duplicate_of_earlier = any(np.all(Y[j] == Y[i]) for j in range(i))
        assert mask[i] == (not dominated and not duplicate_of_earlier)


@pytest.mark.parametrize("d", [2, 3])
def test_boxes_give_the_hypervolume_improvement(d: int) -> None:
    rng = np.random.default_rng(d)
    Y = rng.normal(size=(9, d))
    ref = reference_point(Y)
    lower, upper = nondominated_boxes(Y, ref)
    assert np.all(upper > lower)
    base = hypervolume(Y, ref)
    for y in rng.normal(scale=1.5, size=(30, d)):
        expected = hypervolume(np.vstack([Y, y]), ref) - base
        assert improvement_by_boxes(y, lower, upper) == pytest.approx(expected, abs=1e-10)


def test_reference_point_is_gpsamplers_rule() -> None:
    Y = np.array([[2.0, -3.0], [0.5, 1.0], [1.0, -1.0]])  # maximised
    worst = np.array([0.5, -3.0])
    assert np.allclose(reference_point(Y), [0.45, -3.3])
    assert np.all(reference_point(Y) < np.minimum(1.1 * worst, 0.9 * worst))


@pytest.mark.parametrize("nu", [[6.0, 11.0], [math.inf, math.inf], [4.0, math.inf]])
def test_log_ehvi_matches_monte_carlo(nu: list[float]) -> None:
    rng = np.random.default_rng(1)
    Y = rng.normal(size=(6, 2))
    ref = reference_point(Y)
    lower, upper = nondominated_boxes(Y, ref)
    mean = np.array([[0.2, 0.4], [1.5, -0.5], [-0.5, -0.5]])
    scale = np.array([[0.5, 0.7], [0.3, 0.4], [0.6, 0.2]])
    value, _, _ = log_expected_hypervolume_improvement(mean, scale, np.array(nu), lower, upper)
    for i in range(len(mean)):
        draws = np.column_stack(
            [
                scipy.stats.norm.rvs(size=400_000, random_state=10 + k)
                if math.isinf(n)
                else scipy.stats.t.rvs(n, size=400_000, random_state=10 + k)
                for k, n in enumerate(nu)
            ]
        )
        samples = mean[i] + scale[i] * draws
        hvi = np.sum(
            np.prod(np.clip(np.minimum(samples[:, None, :], upper) - lower, 0.0, None), axis=2),
            axis=1,
        )
        assert value[i] == pytest.approx(math.log(hvi.mean()), abs=0.02)


def test_log_ehvi_gradients_and_stability_far_from_the_front() -> None:
    rng = np.random.default_rng(2)
    Y = rng.normal(size=(8, 3))
    ref = reference_point(Y)
    lower, upper = nondominated_boxes(Y, ref)
    nu = np.array([7.0, 12.0, math.inf])
    mean = np.vstack([rng.normal(size=(5, 3)), [[-40.0, -40.0, -40.0]], [[-1e4, 0.0, 0.0]]])
    scale = np.vstack([rng.uniform(0.2, 1.0, size=(5, 3)), [[0.01, 0.01, 0.01]], [[1e-3] * 3]])
    value, d_mean, d_scale = log_expected_hypervolume_improvement(mean, scale, nu, lower, upper)
    assert np.isfinite(value).all() and np.isfinite(d_mean).all() and np.isfinite(d_scale).all()
    # Tiny as EHVI, finite as a log: the normal tail (third objective) falls off faster than
    # the Student-t tails of the others.
    assert value[5] < -1e3 and value[6] < value[:5].min() - 50
    h = 1e-6
    for i in range(5):
        for k in range(3):
            e = np.zeros_like(mean)
            e[i, k] = h
            up = log_expected_hypervolume_improvement(mean + e, scale, nu, lower, upper)[0][i]
            down = log_expected_hypervolume_improvement(mean - e, scale, nu, lower, upper)[0][i]
            assert d_mean[i, k] == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-6)
            up = log_expected_hypervolume_improvement(mean, scale + e, nu, lower, upper)[0][i]
            down = log_expected_hypervolume_improvement(mean, scale - e, nu, lower, upper)[0][i]
            assert d_scale[i, k] == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-6)


# -- the sampler --------------------------------------------------------------------------------


def _zdt1(trial: optuna.Trial) -> tuple[float, float]:
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(3)]
    g = 1 + 9 * sum(x[1:]) / 2
    return x[0], g * (1 - math.sqrt(x[0] / g))


def _hypervolume_of(study: optuna.Study, ref: np.ndarray) -> float:
    signs = np.array(
        [1.0 if d == optuna.study.StudyDirection.MAXIMIZE else -1.0 for d in study.directions]
    )
    Y = np.array([t.values for t in study.trials if t.state == TrialState.COMPLETE]) * signs
    return hypervolume(Y, ref * signs)


def test_beats_random_search_on_zdt1() -> None:
    ref = np.array([1.1, 11.0])  # minimised objectives' reference
    gains = []
    for seed in range(3):
        ours = optuna.create_study(directions=["minimize"] * 2, sampler=GammaBOSampler(seed=seed))
        ours.optimize(_zdt1, n_trials=30)
        random = optuna.create_study(
            directions=["minimize"] * 2, sampler=optuna.samplers.RandomSampler(seed=seed)
        )
        random.optimize(_zdt1, n_trials=30)
        gains.append(_hypervolume_of(ours, ref) - _hypervolume_of(random, ref))
        assert all("gammabo_acq" in t.user_attrs for t in ours.trials[5:])
    assert min(gains) > 0


@pytest.mark.parametrize(
    "directions",
    [["minimize", "maximize"], ["maximize", "maximize"], ["maximize", "minimize", "minimize"]],
)
def test_every_direction_combination_is_modelled(directions: list[str]) -> None:
    signs = [1.0 if d == "minimize" else -1.0 for d in directions]

    def objective(trial: optuna.Trial) -> list[float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        losses = [x, 1 - x + y * y, (x - 0.5) ** 2 + y][: len(directions)]
        return [s * v for s, v in zip(signs, losses)]

    study = optuna.create_study(directions=directions, sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=16)
    modelled = study.trials[5:]
    for t in modelled:
        assert "gammabo_acq" in t.user_attrs and math.isfinite(t.user_attrs["gammabo_acq"])
        for k in range(len(directions)):
            attrs = t.user_attrs
            assert attrs[f"gammabo_pred_lower_{k}"] <= attrs[f"gammabo_pred_median_{k}"]
            assert attrs[f"gammabo_pred_median_{k}"] <= attrs[f"gammabo_pred_upper_{k}"]
    # The model-based trials find the trade-off: y = 0 is Pareto-optimal for every combination.
    assert np.median([t.params["y"] for t in modelled]) < 0.15


def test_constraints_running_trials_and_pickling() -> None:
    def objective(trial: optuna.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        trial.set_constraint("c", 0.3 - x)  # feasible for x >= 0.3
        return x, 1 - x + y

    sampler = pickle.loads(pickle.dumps(GammaBOSampler(seed=1)))
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(objective, n_trials=20)
    modelled = study.trials[5:]
    assert all(0.0 <= t.user_attrs["gammabo_pred_feasible"] <= 1.0 for t in modelled)
    feasible = [t for t in modelled if t.params["x"] >= 0.3]
    assert len(feasible) >= 0.6 * len(modelled)
    dist = {"x": FloatDistribution(0.0, 1.0), "y": FloatDistribution(0.0, 1.0)}
    first, second = study.ask(dist), study.ask(dist)
    assert max(abs(first.params[k] - second.params[k]) for k in dist) >= 1e-3


def test_four_objectives_and_a_large_front_still_suggest() -> None:
    def objective(trial: optuna.Trial) -> list[float]:
        x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(4)]
        return [x[0], x[1], x[2], 4 - sum(x[:3]) + x[3]]  # a large, 4-D front

    study = optuna.create_study(directions=["minimize"] * 4, sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=40)
    assert all(math.isfinite(t.user_attrs["gammabo_acq"]) for t in study.trials[5:])
    assert len(study.best_trials) > 8


def test_running_trials_join_the_front_without_constraints() -> None:
    from optuna_gamma._search_space import SearchSpace
    from optuna_gamma.surrogate import SurrogateSettings
    from optuna_gamma.surrogate import fit_multi_objective

    study = optuna.create_study(
        directions=["minimize", "minimize"], sampler=GammaBOSampler(seed=0)
    )
    study.optimize(_zdt1, n_trials=8)
    space = SearchSpace(study.trials[0].distributions)
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    pending = [{"x0": 0.5, "x1": 0.0, "x2": 0.0}, {"x0": 0.05, "x1": 0.0, "x2": 0.0}]
    alone = fit_multi_objective(complete, space, study.directions, SurrogateSettings())
    with_running = fit_multi_objective(
        complete, space, study.directions, SurrogateSettings(), pending=pending
    )
    assert alone.boxes is not None and with_running.boxes is not None
    # The believed points on the true front enlarge the front: more boxes, less room to improve.
    assert len(with_running.boxes[0]) > len(alone.boxes[0])
    Z = space.encode(pending)
    assert np.all(with_running.acquisition_values(Z) < -1e200)  # never suggested again
