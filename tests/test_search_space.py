"""Property tests of the unit-cube encoding (round trips, bounds, steps, log scales)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import numpy as np
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from optuna_gamma._search_space import SearchSpace


@st.composite
def distributions(draw: st.DrawFn) -> BaseDistribution:
    kind = draw(
        st.sampled_from(["float", "float_log", "float_step", "int", "int_log", "int_step", "cat"])
    )
    if kind == "cat":
        n = draw(st.integers(1, 6))
        return CategoricalDistribution(draw(st.permutations([None, "a", 1, 2.5, False, "b"]))[:n])
    if kind.startswith("float"):
        log = kind == "float_log"
        low = draw(st.floats(1e-6, 1e3)) if log else draw(st.floats(-1e3, 1e3))
        width = draw(st.floats(1e-3, 1e4))
        if kind == "float_step":
            step = draw(st.floats(1e-3, 10.0))
            n = draw(st.integers(0, 200))
            return FloatDistribution(low, low + n * step, step=step)
        return FloatDistribution(low, low + width, log=log)
    log = kind == "int_log"
    low = draw(st.integers(1, 1000)) if log else draw(st.integers(-1000, 1000))
    step = draw(st.integers(2, 7)) if kind == "int_step" else 1
    n = draw(st.integers(0, 300))
    return IntDistribution(low, low + n * step, log=log, step=step)


def _contains(dist: BaseDistribution, value: object) -> bool:
    if isinstance(dist, CategoricalDistribution):
        return any(value is c or value == c for c in dist.choices) and type(value) in {
            type(c) for c in dist.choices
        }
    assert isinstance(dist, (FloatDistribution, IntDistribution))
    if isinstance(dist, IntDistribution) and type(value) is not int:
        return False
    if isinstance(dist, FloatDistribution) and type(value) is not float:
        return False
    assert isinstance(value, (int, float))
    if not dist.low <= value <= dist.high:
        return False
    if dist.step is not None:
        k = (value - dist.low) / dist.step
        return abs(k - round(k)) < 1e-6
    return True


def _admissible_value(draw: st.DrawFn, dist: BaseDistribution) -> object:
    if isinstance(dist, CategoricalDistribution):
        return draw(st.sampled_from(dist.choices))
    assert isinstance(dist, (FloatDistribution, IntDistribution))
    if dist.step is not None:
        n = int(round((dist.high - dist.low) / dist.step))
        v = dist.low + draw(st.integers(0, n)) * dist.step
        return int(v) if isinstance(dist, IntDistribution) else float(v)
    return draw(st.floats(dist.low, dist.high))


@pytest.mark.filterwarnings("ignore:The distribution is specified by")
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_round_trip(data: st.DataObject) -> None:
    dist = data.draw(distributions())
    value = _admissible_value(data.draw, dist)
    space = SearchSpace({"p": dist})
    x = space.encode([{"p": value}])
    assert x.shape == (1, 1)
    decoded = space.decode(x[0])["p"]
    if isinstance(dist, FloatDistribution):  # stepped floats: low + k * step, up to rounding
        assert decoded == pytest.approx(value, rel=1e-9, abs=1e-9) and type(decoded) is float
    else:
        assert decoded == value and type(decoded) is type(value)
    if not isinstance(dist, CategoricalDistribution):
        assert 0.0 <= x[0, 0] <= 1.0


@pytest.mark.filterwarnings("ignore:The distribution is specified by")
@settings(max_examples=300, deadline=None)
@given(st.data(), st.floats(-3.0, 4.0))
def test_any_point_decodes_inside_the_distribution(data: st.DataObject, u: float) -> None:
    dist = data.draw(distributions())
    space = SearchSpace({"p": dist})
    value = space.decode(np.array([u * (space.n_choices[0] or 1)]))["p"]
    assert _contains(dist, value)
    snapped = space.snap(np.array([[u]]))
    assert np.array_equal(space.snap(snapped), snapped)  # idempotent
    assert _contains(dist, space.decode(snapped[0])["p"])


@pytest.mark.filterwarnings("ignore:The distribution is specified by")
@settings(max_examples=100, deadline=None)
@given(st.data())
def test_snap_lands_on_grid_and_grid_decodes_to_distinct_values(data: st.DataObject) -> None:
    dist = data.draw(distributions())
    space = SearchSpace({"p": dist})
    grid = space.grid_x[0]
    if grid is None:
        return
    decoded = [space.decode(np.array([g]))["p"] for g in grid]
    assert len({repr(v) for v in decoded}) == len(grid)
    X = space.sample_uniform(np.random.default_rng(0), 50)
    assert np.all(np.isin(X[:, 0], grid))


def test_log_scale_and_half_step_widening() -> None:
    space = SearchSpace(
        {
            "lr": FloatDistribution(1e-4, 1.0, log=True),
            "n": IntDistribution(1, 3),
            "c": CategoricalDistribution(["x", "y", "z"]),
        }
    )
    x = space.encode([{"lr": 1e-2, "n": 2, "c": "z"}])[0]
    assert x[0] == pytest.approx(0.5)  # geometric midpoint
    assert x[1] == pytest.approx(0.5)
    np.testing.assert_allclose(space.grid_x[1], [1 / 6, 3 / 6, 5 / 6])  # equal-width cells
    assert x[2] == 2.0
    assert space.is_categorical.tolist() == [False, False, True]
    params = space.decode(np.array([0.999, 0.0, 1.4]))
    assert params == {"lr": pytest.approx(10 ** (-4 + 4 * 0.999)), "n": 1, "c": "y"}


def test_sobol_points_are_admissible() -> None:
    space = SearchSpace(
        {
            "a": FloatDistribution(-1, 1),
            "b": IntDistribution(0, 1000, step=10),
            "c": CategoricalDistribution([1, 2, 3, 4, 5]),
        }
    )
    X = space.sample_sobol(np.random.default_rng(1), 256)
    assert X.shape == (256, 3)
    assert np.all((X[:, 0] >= 0) & (X[:, 0] <= 1))
    grid_b = space.grid_x[1]
    assert grid_b is not None and np.all(np.isin(X[:, 1], grid_b))
    assert set(X[:, 2]) == {0.0, 1.0, 2.0, 3.0, 4.0}
    assert math.isclose(X[:, 0].mean(), 0.5, abs_tol=0.05)


def test_unsupported_distribution() -> None:
    class Odd(BaseDistribution):
        def to_external_repr(self, x: float) -> float:
            return x

        def to_internal_repr(self, x: float) -> float:
            return x

        def single(self) -> bool:
            return False

        def _contains(self, x: float) -> bool:
            return True

    with pytest.raises(TypeError, match="Unsupported distribution for parameter 'q'"):
        SearchSpace({"q": Odd()})


_GRIDS: dict[str, BaseDistribution] = {
    "int": IntDistribution(1, 20),
    "log_int": IntDistribution(2, 300, log=True),
    "step": FloatDistribution(0.1, 2.0, step=0.1),
    "int_step": IntDistribution(-5, 5, step=2),
    "fine_step": FloatDistribution(1e-3, 1.0, step=1e-3),
    "wide_log_int": IntDistribution(1, 4096, log=True),
}


def test_bisection_in_an_explicit_grid_finds_the_implicit_grid_s_nearest_point() -> None:
    """Explicit grids (``grid_x``) are searched by bisection, implicit ones from the decoded
    value: the same index everywhere, grid points and midpoints included."""
    space = SearchSpace(_GRIDS)
    rng = np.random.default_rng(0)
    for j in range(space.dim):
        grid = space.grid_x[j]
        assert grid is not None
        x = np.concatenate(
            [rng.random(5000), grid, np.nextafter(grid, 2.0), np.nextafter(grid, -1.0),
             (grid[1:] + grid[:-1]) / 2, [0.0, 1.0]]
        )  # fmt: skip
        explicit = space.grid_index(j, x)
        space.grid_x[j] = None  # the implicit path
        try:
            implicit = space.grid_index(j, x)
        finally:
            space.grid_x[j] = grid
        np.testing.assert_array_equal(explicit, implicit)


def test_snap_of_some_columns_moves_only_those() -> None:
    space = SearchSpace({**_GRIDS, "c": CategoricalDistribution(["a", "b", "c"])})
    X = np.random.default_rng(1).random((50, space.dim)) * 1.2 - 0.1
    columns = np.array([1, space.dim - 1])
    full, some = space.snap(X), space.snap(X, columns=columns)
    np.testing.assert_array_equal(some[:, columns], full[:, columns])
    others = np.setdiff1d(np.arange(space.dim), columns)
    np.testing.assert_array_equal(some[:, others], np.clip(X[:, others], 0.0, 1.0))
