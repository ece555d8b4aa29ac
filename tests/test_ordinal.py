"""Ordinal lists (a categorical over numbers) and the type-dependent lengthscale prior."""

from __future__ import annotations

from collections import Counter
import math

import numpy as np
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from optuna_gamma import _gp
from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._search_space import ordinal_positions
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate._settings import lengthscale_prior


def test_index_positions_follow_the_sorted_order() -> None:
    dist = CategoricalDistribution([32, 16, 64, 128])
    np.testing.assert_allclose(ordinal_positions(dist, "index"), [1 / 3, 0, 2 / 3, 1])


def test_value_positions_are_logarithmic_for_a_wide_positive_list() -> None:
    dist = CategoricalDistribution([1e-4, 1e-3, 1e-2, 1e-1])
    np.testing.assert_allclose(ordinal_positions(dist, "value"), [0, 1 / 3, 2 / 3, 1])


def test_value_positions_are_linear_for_a_narrow_or_signed_list() -> None:
    narrow = CategoricalDistribution([0.1, 0.2, 0.4, 1.0])  # 1.0 / 0.1 is not above 10
    np.testing.assert_allclose(ordinal_positions(narrow, "value"), [0, 1 / 9, 3 / 9, 1])
    signed = CategoricalDistribution([-1.0, 0.0, 3.0])
    np.testing.assert_allclose(ordinal_positions(signed, "value"), [0, 0.25, 1])


@pytest.mark.parametrize(
    "choices",
    [
        [1e-3, 1e-2],  # two choices: order carries nothing
        ["a", "b", "c"],
        [True, False, 2.0],  # a bool is not a number here
        [0, 1, 2, 3],  # consecutive integers: codes of unordered choices
        [3, 1, 2],
        [1.0, 2.0, 3.0],
        [1, 1.0, 2.5],  # equal as numbers
        [1.0, float("nan"), 2.0],
        [1.0, "x", 2.0],
    ],
)
def test_lists_that_stay_categorical(choices: list) -> None:
    dist = CategoricalDistribution(choices)
    assert ordinal_positions(dist, "index") is None
    assert ordinal_positions(dist, "value") is None
    assert SearchSpace({"p": dist}).is_categorical[0]


def test_categorical_mode_keeps_every_list_categorical() -> None:
    dist = CategoricalDistribution([16, 32, 64])
    assert ordinal_positions(dist, "categorical") is None
    assert SearchSpace({"p": dist}, ordinal="categorical").is_categorical[0]
    assert not SearchSpace({"p": dist}).is_categorical[0]


def test_bad_mode_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="ordinal"):
        SearchSpace({"p": CategoricalDistribution([1, 5, 9])}, ordinal="rank")
    with pytest.raises(ValueError, match="ordinal_lists"):
        SurrogateSettings(ordinal_lists="rank")


@pytest.mark.parametrize("mode", ["index", "value"])
def test_round_trip_keeps_each_choice_and_its_type(mode: str) -> None:
    choices = [64, 1e-3, 16, 0.5, 128]
    space = SearchSpace({"p": CategoricalDistribution(choices)}, ordinal=mode)
    X = space.encode([{"p": c} for c in choices])
    assert space.is_discrete[0] and not space.is_categorical[0] and space.n_grid[0] == 5
    for c, x in zip(choices, X):
        back = space.decode(x)["p"]
        assert back == c and type(back) is type(c)
    # Snapping moves any position to the nearest choice's.
    snapped = space.snap(np.array([[0.0], [0.26], [0.99]]))
    assert set(snapped[:, 0]) <= set(X[:, 0])


def test_uniform_samples_take_every_choice_equally_often() -> None:
    """The end choices own as much of the unit interval as the others (snapping a uniform
    position to the nearest of evenly spaced positions would give them half)."""
    choices = [1e-4, 1e-3, 1e-2, 1e-1]
    space = SearchSpace({"p": CategoricalDistribution(choices)})
    X = space.sample_uniform(np.random.default_rng(0), 4000)
    counts = Counter(space.decode(x)["p"] for x in X)
    assert set(counts) == set(choices)
    assert all(abs(n - 1000) < 120 for n in counts.values()), counts
    S = space.sample_sobol(np.random.default_rng(0), 1024)
    counts = Counter(space.decode(x)["p"] for x in S)
    assert all(n == 256 for n in counts.values()), counts


def test_a_conditional_ordinal_list_is_numeric_with_an_activity_column() -> None:
    dists = {
        "family": CategoricalDistribution(["svc", "tree"]),
        "svc_C": CategoricalDistribution([0.01, 0.1, 1.0, 10.0]),
        "tree_depth": IntDistribution(1, 8),
    }
    space = ConditionalSearchSpace(dists, frozenset({"svc_C", "tree_depth"}))
    assert "svc_C\x00active" in space.names
    j = space.names.index("svc_C")
    assert not space.is_categorical[j] and space.is_discrete[j]
    rows = [{"family": "svc", "svc_C": 10.0}, {"family": "tree", "tree_depth": 3}]
    X = space.encode(rows)
    assert [space.decode(x) for x in X] == rows
    sub, columns, embed, _ = space.branch(frozenset({"svc_C"}), rows)
    assert sub.decode(X[0, columns]) == rows[0]
    np.testing.assert_allclose(embed(X[:1, columns]), X[:1])


def test_a_sampler_study_models_the_list_as_ordered() -> None:
    """End to end: a study over an ordinal list fits a model whose column is not
    categorical, and finds the best value of a unimodal objective over 12 choices."""
    import optuna

    from optuna_gamma import GammaBOSampler
    from optuna_gamma._inputs import model_inputs
    from optuna_gamma._inputs import relative_search_space

    lrs = [float(f"{10 ** (-6 + k / 2):.3g}") for k in range(12)]

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_categorical("lr", lrs)
        width = trial.suggest_int("width", 1, 64, log=True)
        return (math.log10(lr) + 2.6) ** 2 + (math.log2(width) - 4) ** 2 / 8

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=25)
    trials = study.get_trials()
    inputs = model_inputs(trials, relative_search_space(trials))
    assert not inputs.space.is_categorical[inputs.space.names.index("lr")]
    assert study.best_params["lr"] in (10**-2.5, 0.00316)
    # With the list categorical the same study is modelled with a categorical column.
    coded = model_inputs(trials, relative_search_space(trials), "categorical")
    assert coded.space.is_categorical[coded.space.names.index("lr")]


def test_discrete_columns_can_have_their_own_lengthscale_prior_mode() -> None:
    settings = SurrogateSettings(discrete_lengthscale_prior_mode=1.0)
    is_discrete = np.array([False, True, True])
    prior = lengthscale_prior(settings, is_discrete)
    assert prior is not None
    v = np.array([2.0, 0.5, 3.0])
    value, grad = prior(v)
    expected = [_gp.inv_ls2_log_prior(v[i : i + 1], mode=m) for i, m in enumerate([4.0, 1, 1])]
    assert value == pytest.approx(sum(e[0] for e in expected))
    np.testing.assert_allclose(grad, np.concatenate([e[1] for e in expected]))
    # The default: one mode for every column, the library's own prior.
    assert lengthscale_prior(SurrogateSettings(), is_discrete) is None
    with pytest.raises(ValueError, match="discrete_lengthscale_prior_mode"):
        SurrogateSettings(discrete_lengthscale_prior_mode=0.0)


def test_a_float_column_is_unaffected_by_the_ordinal_mode() -> None:
    dists = {"x": FloatDistribution(0.0, 1.0), "k": IntDistribution(1, 10)}
    for mode in ("index", "value", "categorical"):
        space = SearchSpace(dists, ordinal=mode)
        np.testing.assert_allclose(space.encode([{"x": 0.25, "k": 1}]), [[0.25, 0.05]])


def test_lattice_lists_every_configuration_of_a_small_discrete_space() -> None:
    dists = {
        "c": CategoricalDistribution(["a", "b"]),
        "k": IntDistribution(1, 3),
        "lr": CategoricalDistribution([1e-3, 1e-2, 1e-1]),
    }
    space = SearchSpace(dists)
    L = space.lattice(18)
    assert L is not None and L.shape == (18, 3)
    decoded = {tuple(space.decode(x).values()) for x in L}
    assert len(decoded) == 18
    assert space.lattice(17) is None  # over the limit
    assert SearchSpace({**dists, "x": FloatDistribution(0, 1)}).lattice(10**6) is None


def test_exhaustive_search_finds_the_lattice_maximum() -> None:
    from optuna_gamma._optim import maximize_acquisition

    space = SearchSpace({"k": IntDistribution(0, 40), "c": CategoricalDistribution(list("abcde"))})
    target = space.encode([{"k": 37, "c": "d"}])[0]

    def acq(Z: np.ndarray) -> np.ndarray:
        # A needle: zero everywhere but at one configuration, which no local search can find.
        return np.where(np.all(np.abs(Z - target) < 1e-12, axis=1), 1.0, 0.0)

    def acq_grad(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return acq(Z), np.zeros_like(Z)

    rng = np.random.default_rng(0)
    x, value = maximize_acquisition(space, acq, acq_grad, rng, n_candidates=8, lattice_limit=205)
    assert value == 1.0 and space.decode(x) == {"k": 37, "c": "d"}
    with pytest.raises(ValueError, match="lattice_limit"):
        SurrogateSettings(lattice_limit=-1)
