"""Four and more objectives: the sweep decomposition, its cap (thinning the front), log EHVI over
many boxes and the sampler (docs/math.md §8)."""

from __future__ import annotations

import math

from hypervolume_reference import improvement_by_boxes
from hypervolume_reference import inclusion_exclusion
import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma import _acquisition
from optuna_gamma._acquisition import log_expected_hypervolume_improvement
from optuna_gamma._hypervolume import MAX_BOXES
from optuna_gamma._hypervolume import MAX_SWEEP_BOXES
from optuna_gamma._hypervolume import _cells
from optuna_gamma._hypervolume import _sweep_front
from optuna_gamma._hypervolume import exclusive_contributions
from optuna_gamma._hypervolume import hypervolume
from optuna_gamma._hypervolume import n_boxes
from optuna_gamma._hypervolume import nondominated_boxes
from optuna_gamma._hypervolume import pareto_mask
from optuna_gamma._hypervolume import reference_point
from optuna_gamma._hypervolume import thin_front
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate import fit_multi_objective

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _sphere_front(m: int, d: int, seed: int) -> np.ndarray:
    """``m`` points of the positive unit sphere (mutually non-dominated, maximisation)."""
    X = np.abs(np.random.default_rng(seed).normal(size=(m, d)))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _sweep(front: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    boxes = _sweep_front(front[pareto_mask(front)], ref)
    assert boxes is not None
    return boxes


# -- the sweep ----------------------------------------------------------------------------------


@pytest.mark.parametrize("d", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("ties", [False, True])
def test_sweep_boxes_give_the_hypervolume_improvement(d: int, ties: bool) -> None:
    rng = np.random.default_rng(d)
    Y = rng.normal(size=(7, d))
    if ties:  # equal coordinates, equal and weakly dominated points
        Y = np.vstack([np.round(Y, 0), np.round(Y[:2], 0)])
    ref = reference_point(Y)
    lower, upper = _sweep(Y, ref)
    assert np.all(upper > lower)
    base = inclusion_exclusion(Y[pareto_mask(Y)], ref)
    for y in rng.normal(scale=1.5, size=(20, d)):
        y = np.round(y, 0) if ties else y
        Z = np.vstack([Y, y])
        expected = inclusion_exclusion(Z[pareto_mask(Z)], ref) - base
        assert improvement_by_boxes(y, lower, upper) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("d", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("seed", range(3))
def test_hypervolume_equals_inclusion_exclusion(d: int, seed: int) -> None:
    Y = np.random.default_rng(seed).normal(size=(8, d))
    ref = reference_point(Y)
    expected = inclusion_exclusion(Y[pareto_mask(Y)], ref)
    assert hypervolume(Y, ref) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("m", "d"), [(12, 3), (8, 4), (4, 5)])
def test_sweep_and_grid_give_the_same_expected_improvement(m: int, d: int) -> None:
    rng = np.random.default_rng(m)
    front = _sphere_front(m, d, seed=m)
    ref = reference_point(front)
    assert n_boxes(m, d) <= MAX_BOXES  # nondominated_boxes takes the grid here
    grid = nondominated_boxes(front, ref)
    sweep = _sweep(front, ref)
    assert len(sweep[0]) < len(grid[0])
    mean = rng.uniform(0.0, 1.0, size=(50, d))
    scale = rng.uniform(0.05, 0.5, size=(50, d))
    nu = np.full(d, 7.0)
    by_grid = log_expected_hypervolume_improvement(mean, scale, nu, *grid)
    by_sweep = log_expected_hypervolume_improvement(mean, scale, nu, *sweep)
    for a, b in zip(by_grid, by_sweep):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_the_grid_is_kept_where_it_is_small_and_for_two_objectives() -> None:
    for m, d in [(2000, 2), (44, 3), (11, 4)]:
        front = _sphere_front(m, d, seed=0)
        ref = reference_point(front)
        lower, upper, top = _cells(front, ref)
        expected = (
            np.column_stack([lower, top]),
            np.column_stack([upper, np.full(len(top), np.inf)]),
        )
        for got, want in zip(nondominated_boxes(front, ref, MAX_SWEEP_BOXES), expected):
            np.testing.assert_array_equal(got, want)


def test_three_objectives_give_two_boxes_per_point() -> None:
    front = _sphere_front(200, 3, seed=1)
    lower, _ = nondominated_boxes(front, reference_point(front), MAX_SWEEP_BOXES)
    assert len(lower) == 2 * 200 + 1  # the grid would have 201^2


def test_six_objectives_and_a_hundred_points_give_a_bounded_exact_decomposition() -> None:
    front = _sphere_front(100, 6, seed=2)
    ref = reference_point(front)
    lower, upper = nondominated_boxes(front, ref, MAX_SWEEP_BOXES)
    assert len(lower) <= MAX_SWEEP_BOXES  # the grid would have 101^5 = 1.05e10 boxes
    assert len(lower) == len(_sweep(front, ref)[0])  # not thinned: exact
    # Exact: the boxes below the ideal point fill what the front leaves free of that box.
    ideal = front.max(axis=0)
    free = np.sum(np.prod(np.clip(np.minimum(upper, ideal) - lower, 0.0, None), axis=1))
    dominated = hypervolume(front, ref)
    assert free + dominated == pytest.approx(np.prod(ideal - ref), rel=1e-12)
    # ... and the dominated part agrees with Monte Carlo.
    Z = ref + (ideal - ref) * np.random.default_rng(3).uniform(size=(200_000, 6))
    hit = np.zeros(len(Z), dtype=bool)
    for y in front:
        hit |= np.all(Z <= y, axis=1)
    share = hit.mean()
    assert dominated / np.prod(ideal - ref) == pytest.approx(share, abs=4 * math.sqrt(share / 2e5))


# -- exclusive contributions and thinning --------------------------------------------------------


@pytest.mark.parametrize("d", [3, 4, 5])
def test_exclusive_contributions_are_leave_one_out_hypervolumes(d: int) -> None:
    rng = np.random.default_rng(d)
    Y = np.vstack([rng.normal(size=(7, d)), np.round(rng.normal(size=(3, d)), 0)])
    ref = reference_point(Y)
    front = Y[pareto_mask(Y)]
    total = inclusion_exclusion(front, ref)
    expected = [
        total - inclusion_exclusion(np.delete(front, i, axis=0), ref) for i in range(len(front))
    ]
    np.testing.assert_allclose(exclusive_contributions(front, ref), expected, atol=1e-12)


@pytest.mark.parametrize(("m", "d", "cap"), [(120, 4, 300), (60, 6, 800)])
def test_thinning_keeps_the_largest_contributions_within_the_cap(m: int, d: int, cap: int) -> None:
    front = _sphere_front(m, d, seed=4)
    ref = reference_point(front)
    kept, (lower, upper) = thin_front(front, ref, cap)
    assert 1 < len(kept) < m and len(lower) <= cap
    # The kept points are those with the largest contributions, and as many as fit (to within
    # 1/16 of them).
    contribution = exclusive_contributions(front, ref)
    rank = np.argsort(-contribution, kind="stable")
    np.testing.assert_array_equal(kept, front[np.sort(rank[: len(kept)])])
    more = range(len(kept) + 1, len(kept) + max(1, len(kept) // 16) + 1)
    assert any(_sweep_front(front[np.sort(rank[:k])], ref, cap) is None for k in more)
    # nondominated_boxes thins the same way.
    for got, want in zip(nondominated_boxes(front, ref, cap), (lower, upper)):
        np.testing.assert_array_equal(got, want)


# The table of docs/math.md §8: (objectives, front points, cap) -> points kept, exact and thinned
# boxes, hypervolume lost, median and 90th percentile of the excess of log EHVI, share of the
# exact top 40 candidates in the thinned top 40, exact EHVI of the thinned best / best.
ACCURACY = [
    ((4, 150, 600), (96, 907, 590, 0.013, 0.066, 0.262, 1.0, 1.0)),
    ((5, 100, 1000), (54, 1845, 953, 0.028, 0.084, 0.326, 1.0, 1.0)),
    ((6, 60, 800), (21, 2777, 665, 0.076, 0.152, 0.423, 0.975, 1.0)),
    pytest.param(
        (6, 150, MAX_SWEEP_BOXES),
        (127, 10086, 8614, 0.0005, 0.001, 0.013, 1.0, 1.0),
        marks=pytest.mark.slow,
    ),
    pytest.param(
        (6, 200, MAX_SWEEP_BOXES),
        (115, 14985, 8393, 0.020, 0.055, 0.253, 0.975, 1.0),
        marks=pytest.mark.slow,
    ),
]


@pytest.mark.parametrize(("case", "documented"), ACCURACY)
def test_thinned_ehvi_against_exact(
    case: tuple[int, int, int], documented: tuple[float, ...]
) -> None:
    # Fronts of the unit sphere (seed 0), 400 predictives near them: a front point plus
    # N(0, 0.05^2) noise, scales uniform in [0.01, 0.1], 8 degrees of freedom. The dropped
    # points' regions count as free, so EHVI is over-estimated, never under-.
    d, m, cap = case
    rng = np.random.default_rng(0)
    front = np.abs(rng.normal(size=(m, d)))
    front /= np.linalg.norm(front, axis=1, keepdims=True)
    ref = reference_point(front)
    exact = _sweep(front, ref)
    kept, thinned = thin_front(front, ref, cap)
    mean = front[rng.integers(0, m, 400)] + rng.normal(scale=0.05, size=(400, d))
    scale = rng.uniform(0.01, 0.1, size=(400, d))
    nu = np.full(d, 8.0)
    log_exact = log_expected_hypervolume_improvement(mean, scale, nu, *exact, with_grad=False)[0]
    log_thin = log_expected_hypervolume_improvement(mean, scale, nu, *thinned, with_grad=False)[0]
    excess = log_thin - log_exact
    top = set(np.argsort(-log_exact)[:40]) & set(np.argsort(-log_thin)[:40])
    n_kept, n_exact, n_thinned, lost, median, p90, top40, best = documented
    assert (len(kept), len(exact[0]), len(thinned[0])) == (n_kept, n_exact, n_thinned)
    assert len(thinned[0]) <= cap < len(exact[0])
    assert 1.0 - hypervolume(kept, ref) / hypervolume(front, ref) == pytest.approx(lost, rel=0.1)
    assert np.all(excess >= -1e-9)
    assert np.median(excess) == pytest.approx(median, abs=0.0006)
    assert np.quantile(excess, 0.9) == pytest.approx(p90, abs=0.0006)
    assert len(top) / 40 == top40
    assert np.exp(log_exact[np.argmax(log_thin)] - log_exact.max()) == pytest.approx(best)


# -- log EHVI over many boxes -------------------------------------------------------------------


def test_log_ehvi_in_blocks_equals_in_one_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(6)
    front = _sphere_front(30, 4, seed=6)
    lower, upper = _sweep(front, reference_point(front))
    mean = rng.uniform(0.0, 1.0, size=(40, 4))
    scale = rng.uniform(0.05, 0.5, size=(40, 4))
    nu = np.array([5.0, math.inf, 9.0, 30.0])
    whole = log_expected_hypervolume_improvement(mean, scale, nu, lower, upper)
    monkeypatch.setattr(_acquisition, "_EHVI_BLOCK", 3 * len(lower))
    blocks = log_expected_hypervolume_improvement(mean, scale, nu, lower, upper)
    for a, b in zip(whole, blocks):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("d", [4, 5])
def test_log_ehvi_gradients_over_sweep_boxes(d: int) -> None:
    rng = np.random.default_rng(d)
    front = _sphere_front(15, d, seed=d)
    lower, upper = _sweep(front, reference_point(front))
    nu = np.r_[np.full(d - 1, 6.0), math.inf]
    mean = rng.uniform(0.2, 1.0, size=(4, d))
    scale = rng.uniform(0.1, 0.5, size=(4, d))
    value, d_mean, d_scale = log_expected_hypervolume_improvement(mean, scale, nu, lower, upper)
    h = 1e-6
    for k in range(d):
        e = np.zeros_like(mean)
        e[:, k] = h
        up = log_expected_hypervolume_improvement(mean + e, scale, nu, lower, upper)[0]
        down = log_expected_hypervolume_improvement(mean - e, scale, nu, lower, upper)[0]
        np.testing.assert_allclose(d_mean[:, k], (up - down) / (2 * h), rtol=1e-5, atol=1e-7)
        up = log_expected_hypervolume_improvement(mean, scale + e, nu, lower, upper)[0]
        down = log_expected_hypervolume_improvement(mean, scale - e, nu, lower, upper)[0]
        np.testing.assert_allclose(d_scale[:, k], (up - down) / (2 * h), rtol=1e-5, atol=1e-7)


# -- the sampler --------------------------------------------------------------------------------


def _dtlz2(x: np.ndarray, d: int) -> list[float]:
    """A DTLZ2-like point (minimised): ``(1 + g)`` times a point of the unit sphere."""
    angles = 0.5 * math.pi * x[: d - 1]
    g = float(np.sum((x[d - 1 :] - 0.5) ** 2))
    values = []
    for k in range(d):
        v = (1.0 + g) * float(np.prod(np.cos(angles[: d - 1 - k])))
        values.append(v * math.sin(angles[d - 1 - k]) if k else v)
    return values


def test_four_objectives_are_modelled_end_to_end(caplog: pytest.LogCaptureFixture) -> None:
    d = 4

    def objective(trial: optuna.Trial) -> list[float]:
        return _dtlz2(np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(d + 1)]), d)

    study = optuna.create_study(directions=["minimize"] * d, sampler=GammaBOSampler(seed=0))
    optuna.logging.enable_propagation()
    try:
        with caplog.at_level("WARNING"):
            study.optimize(objective, n_trials=24)
    finally:
        optuna.logging.disable_propagation()
    assert "could not model" not in caplog.text
    assert len(study.best_trials) > 11  # beyond the grid's size: the sweep was used
    for t in study.trials[5:]:
        assert math.isfinite(t.user_attrs["gammabo_acq"])
        assert all(f"gammabo_pred_median_{k}" in t.user_attrs for k in range(d))


def test_six_objectives_and_a_hundred_point_front_suggest_from_the_model() -> None:
    d = 6
    rng = np.random.default_rng(0)
    distributions: dict[str, BaseDistribution] = {
        f"x{i}": FloatDistribution(0.0, 1.0) for i in range(d + 1)
    }
    X = rng.uniform(size=(400, d + 1))
    values = np.array([_dtlz2(x, d) for x in X])
    n = next(n for n in range(100, 400) if pareto_mask(-values[:n]).sum() == 100)
    study = optuna.create_study(directions=["minimize"] * d, sampler=GammaBOSampler(seed=0))
    study.add_trials(
        [
            optuna.trial.create_trial(
                params={f"x{i}": float(v) for i, v in enumerate(x)},
                distributions=distributions,
                values=list(y),
            )
            for x, y in zip(X[:n], values[:n])
        ]
    )
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    fitted = fit_multi_objective(complete, distributions, study.directions, SurrogateSettings())
    assert fitted.boxes is not None and len(fitted.boxes[0]) <= MAX_SWEEP_BOXES
    trial = study.ask(distributions)
    assert math.isfinite(study.trials[trial.number].user_attrs["gammabo_acq"])
