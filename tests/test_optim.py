"""The acquisition optimiser on functions with known maxima over mixed spaces."""

from __future__ import annotations

import numpy as np
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from optuna_gamma._optim import _roulette
from optuna_gamma._optim import maximize_acquisition
from optuna_gamma._optim import perturbed
from optuna_gamma._search_space import SearchSpace
from optuna_gamma.surrogate._proposal import local_centres


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


def test_perturbed_candidates_move_a_few_continuous_coordinates_of_their_centres() -> None:
    """In 40-D about half the coordinates move (20 / d), at least one, each by a step of at
    most a few tenths; categorical and small-grid coordinates keep the centre's value."""
    d = 40
    dists: dict = {f"x{i}": FloatDistribution(0, 1) for i in range(d)}
    dists |= {"c": CategoricalDistribution(["a", "b"]), "k": IntDistribution(1, 4)}
    space = SearchSpace(dists)
    centres = space.encode(
        [
            {**{f"x{i}": 0.5 for i in range(d)}, "c": "b", "k": 2},
            {**{f"x{i}": 0.3 for i in range(d)}, "c": "a", "k": 4},
        ]
    )
    X = perturbed(space, centres, 2000, np.random.default_rng(0))
    assert X.shape == (2000, d + 2)
    assert np.array_equal(space.snap(X), X) and X.min() >= 0.0 and X.max() <= 1.0
    nearest = np.argmin(np.abs(X[:, None, :d] - centres[None, :, :d]).sum(axis=2), axis=1)
    moved = np.abs(X[:, :d] - centres[nearest, :d]) > 0
    assert moved.any(axis=1).all()
    assert 0.45 < moved.mean() < 0.55
    steps = np.abs(X[:, :d] - centres[nearest, :d])[moved]
    assert np.median(steps) < 0.1
    assert np.quantile(steps, 0.1) < 0.005  # fine steps (scales from 1e-3) ...
    assert np.quantile(steps, 0.99) > 0.2  # ... and coarse ones (scales to 0.2)
    assert np.array_equal(X[:, d:], centres[nearest, d:])  # discrete columns kept
    assert {0, 1} == set(nearest.tolist())  # both centres used


def test_local_candidates_find_a_narrow_peak_near_a_given_centre_in_40_dimensions() -> None:
    """A peak narrower than any quasi-random candidate can reach in 40-D, off the incumbent
    start's gradient path: the candidates drawn near the centre land in its basin."""
    d = 40
    space = SearchSpace({f"x{i}": FloatDistribution(0, 1) for i in range(d)})
    centre = np.full(d, 0.5)
    target = centre.copy()
    target[:3] = [0.52, 0.47, 0.51]

    def f(Z: np.ndarray) -> np.ndarray:
        return np.exp(-np.sum((Z - target) ** 2, axis=1) / (2 * 0.01**2))

    def f_grad(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = f(Z)
        return v, -v[:, None] * (Z - target) / 0.01**2

    rng = np.random.default_rng(3)
    without, value_without = maximize_acquisition(space, f, f_grad, rng, n_candidates=256)
    assert value_without < 1e-6  # flat everywhere the quasi-random candidates look
    x, value = maximize_acquisition(
        space, f, f_grad, np.random.default_rng(3), n_candidates=256, X_local=centre[None]
    )
    assert value > 0.99
    np.testing.assert_allclose(x, target, atol=1e-3)


def test_local_centres_are_the_best_five_percent_in_large_spaces_only() -> None:
    ranked = np.random.default_rng(0).random((100, 12))
    small = SearchSpace({f"x{i}": FloatDistribution(0, 1) for i in range(10)})
    large = SearchSpace(
        {**{f"x{i}": FloatDistribution(0, 1) for i in range(11)}, "n": IntDistribution(0, 1000)}
    )
    assert local_centres(small, ranked[:, :10], 11) is None
    assert local_centres(large, ranked, None) is None
    assert np.array_equal(local_centres(large, ranked, 11), ranked[:5])  # int grid is relaxed
    assert np.array_equal(local_centres(large, ranked[:7], 11), ranked[:1])
    assert local_centres(large, ranked[:0], 11) is None
