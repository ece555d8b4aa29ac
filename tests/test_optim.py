"""The acquisition optimiser on functions with known maxima over mixed spaces."""

from __future__ import annotations

import numpy as np
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from optuna_gamma._optim import _roulette
from optuna_gamma._optim import maximize_acquisition
from optuna_gamma._search_space import SearchSpace


def test_finds_maximum_of_mixed_function() -> None:
    space = SearchSpace(
        {
            "x": FloatDistribution(0, 1),
            "y": FloatDistribution(0, 1),
            "n": IntDistribution(0, 500),  # large grid: relaxation + neighbour search
            "k": IntDistribution(1, 5),  # small grid: exhaustive sweep
            "c": CategoricalDistribution(["a", "b", "c"]),
        }
    )
    target = space.encode([{"x": 0.3, "y": 0.71, "n": 377, "k": 4, "c": "b"}])[0]
    bonus = np.array([0.0, 1.0, 0.2])  # by category index

    def f(Z: np.ndarray) -> np.ndarray:
        quad = -np.sum((Z[:, :4] - target[:4]) ** 2 * np.array([1.0, 1.0, 1.0, 1.0]), axis=1)
        return quad + bonus[Z[:, 4].astype(int)]

    def f_grad(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grad = np.zeros_like(Z)
        grad[:, :4] = -2.0 * (Z[:, :4] - target[:4])
        return f(Z), grad

    x, value = maximize_acquisition(space, f, f_grad, np.random.default_rng(0), n_candidates=256)
    params = space.decode(x)
    assert params["c"] == "b" and params["k"] == 4 and params["n"] == 377
    assert abs(params["x"] - 0.3) < 1e-4 and abs(params["y"] - 0.71) < 1e-4
    assert value == f(x[None])[0]
    assert np.array_equal(space.snap(x[None])[0], x)  # admissible


def test_never_worse_than_best_candidate_for_flat_gradients() -> None:
    space = SearchSpace({"x": FloatDistribution(-1, 1)})

    def f(Z: np.ndarray) -> np.ndarray:
        return -np.abs(Z[:, 0] - 0.25)  # kink: the gradient never vanishes

    def f_grad(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return f(Z), -np.sign(Z - 0.25)

    x, value = maximize_acquisition(space, f, f_grad, np.random.default_rng(1), n_candidates=64)
    assert value >= f(space.sample_sobol(np.random.default_rng(1), 64)).max() - 1e-12
    assert abs(x[0] - 0.25) < 1e-3


def test_seed_points_are_used() -> None:
    space = SearchSpace(
        {"c": CategoricalDistribution(list(range(50))), "d": IntDistribution(0, 9)}
    )

    def f(Z: np.ndarray) -> np.ndarray:
        return np.where((Z[:, 0] == 37) & (Z[:, 1] == space.grid_x[1][6]), 1.0, 0.0)

    def f_grad(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return f(Z), np.zeros_like(Z)

    seed = space.encode([{"c": 37, "d": 6}])
    x, value = maximize_acquisition(
        space, f, f_grad, np.random.default_rng(2), X_seed=seed, n_candidates=8
    )
    assert value == 1.0 and space.decode(x) == {"c": 37, "d": 6}


def test_roulette_starts_are_the_best_and_distinct_draws_by_weight() -> None:
    scores = np.log(np.array([8.0, 4.0, 2.0, 1.0, 1.0]))
    scores = np.concatenate([scores, [-1e300, -np.inf]])  # ruled-out points: never drawn
    counts = np.zeros(len(scores))
    rng = np.random.default_rng(0)
    for _ in range(4000):
        chosen = _roulette(scores, 0, 2, rng)
        assert chosen[0] == 0 and len(chosen) == 2
        counts[chosen[1]] += 1
    assert counts[0] == counts[5] == counts[6] == 0
    # One draw among the others: probabilities 4/8, 2/8, 1/8, 1/8 (four-sigma bounds).
    for k, p in zip(range(1, 5), (0.5, 0.25, 0.125, 0.125), strict=True):
        assert abs(counts[k] / 4000 - p) < 4 * np.sqrt(p * (1 - p) / 4000)
    many = _roulette(scores, 0, 20, np.random.default_rng(1))
    assert sorted(many) == [0, 1, 2, 3, 4]  # only as many as have a positive weight


def _quadratic(target: np.ndarray, scales: np.ndarray) -> tuple[object, object]:
    def f(Z: np.ndarray) -> np.ndarray:
        return -np.sum(scales * (Z - target) ** 2, axis=1)

    def f_grad(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return f(Z), -2.0 * scales * (Z - target)

    return f, f_grad


@pytest.mark.parametrize("starts", ["roulette", "best"])
@pytest.mark.parametrize("seed", range(4))
def test_both_start_rules_find_the_maximum_and_return_admissible_points(
    starts: str, seed: int
) -> None:
    """Random mixed spaces, a concave function with its maximum at a random admissible point:
    each start rule reaches it, and the point returned is on every grid."""
    rng = np.random.default_rng(seed)
    space = SearchSpace(
        {
            "f": FloatDistribution(-3, 2),
            "g": FloatDistribution(1e-4, 1, log=True),
            "s": FloatDistribution(0, 1, step=0.05),
            "n": IntDistribution(1, 10_000),
            "m": IntDistribution(2, 64, log=True),
        }
    )
    target = space.snap(space.sample_uniform(rng, 1))[0]
    f, f_grad = _quadratic(target, np.array([1.0, 1.0, 1.0, 1.0, 1.0]))
    x, value = maximize_acquisition(
        space,
        f,
        f_grad,
        rng,
        n_candidates=128,
        starts=starts,  # type: ignore[arg-type]
    )
    np.testing.assert_array_equal(space.snap(x[None])[0], x)
    found, wanted = space.decode(x), space.decode(target)
    assert {k: found[k] for k in "snm"} == {k: wanted[k] for k in "snm"}  # grids: exact
    assert found["f"] == pytest.approx(wanted["f"]) and found["g"] == pytest.approx(wanted["g"])
    assert value == pytest.approx(0.0, abs=1e-8)


def test_the_incumbent_start_is_refined_when_no_candidate_is_near_the_peak() -> None:
    """A peak far narrower than the candidates' spacing: only the given start (the incumbent)
    lies in its basin, and the optimiser must climb from it."""
    space = SearchSpace({f"x{i}": FloatDistribution(0, 1) for i in range(6)})
    target = np.full(6, 0.123)
    f, f_grad = _quadratic(target, np.full(6, 1e4))
    start = target + 0.004
    x, _ = maximize_acquisition(
        space,
        f,  # type: ignore[arg-type]
        f_grad,  # type: ignore[arg-type]
        np.random.default_rng(0),
        X_start=start[None],
        n_candidates=16,
    )
    np.testing.assert_allclose(x, target, atol=1e-5)
