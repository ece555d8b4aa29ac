"""The acquisition search over discrete spaces: unseen model families, exhausted branches, and
the best fresh configuration of an all-discrete space."""

from __future__ import annotations

from collections import Counter
from typing import Any

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import IntDistribution
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma.surrogate import SurrogateSettings


@pytest.fixture(autouse=True)
def _quiet() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def _family(trial: optuna.Trial) -> float:
    family = trial.suggest_categorical("family", ["hgb", "forest", "ridge"])
    if family == "hgb":
        return 1.0 + (trial.suggest_int("hgb_leaves", 2, 30) - 16) ** 2 / 100
    if family == "forest":
        return 1.2 + (trial.suggest_int("forest_depth", 1, 20) - 8) ** 2 / 100
    return (trial.suggest_categorical("ridge_alpha", [0.01, 0.1, 1.0, 10.0]) - 1.0) ** 2 / 100


def test_unexplored_lists_unseen_choices_of_a_separating_parameter() -> None:
    observed = [
        {"family": "hgb", "hgb_leaves": 4, "scaler": "a"},
        {"family": "forest", "forest_depth": 3, "scaler": "a"},
        {"family": "hgb", "hgb_leaves": 9, "scaler": "b"},
    ]
    dists = {
        "family": CategoricalDistribution(["hgb", "forest", "ridge", "svc"]),
        "scaler": CategoricalDistribution(["a", "b", "c"]),
        "hgb_leaves": IntDistribution(2, 30),
        "forest_depth": IntDistribution(1, 20),
    }
    space = ConditionalSearchSpace(dists, frozenset({"hgb_leaves", "forest_depth"}))
    # "scaler" took "a" on both branches: it does not separate them.
    assert space.unexplored(observed) == {"family": ["ridge", "svc"]}
    sub, columns, embed, log_weight = space.unexplored_branch("family", ["ridge", "svc"])
    Z = sub.encode([{"family": f, "scaler": "a"} for f in ("hgb", "ridge", "svc")])
    assert list(log_weight(Z) == 0.0) == [False, True, True]
    full = embed(Z)
    assert space.decode(full[1]) == {"family": "ridge", "scaler": "a"}  # no branch parameter
    assert space.unexplored(observed[:1]) == {}  # one branch: nothing separates


@pytest.mark.parametrize("unseen_choices", [True, False])
def test_a_family_the_start_up_missed_is_tried(unseen_choices: bool) -> None:
    """Six trials on two families, the third never tried: with ``unseen_choices=False`` (the
    rule before) every branch holds "family" to its own values and the third is never
    proposed."""
    settings = SurrogateSettings(unseen_choices=unseen_choices)
    sampler = GammaBOSampler(seed=0, n_startup_trials=0, surrogate_settings=settings)
    study = optuna.create_study(sampler=sampler)
    for i in range(6):
        params: dict[str, Any] = (
            {"family": "hgb", "hgb_leaves": 4 + 4 * i}
            if i % 2 == 0
            else {"family": "forest", "forest_depth": 2 + 3 * i}
        )
        study.enqueue_trial(params)
    study.optimize(_family, n_trials=16)
    families = Counter(t.params["family"] for t in study.trials)
    assert (families["ridge"] >= 1) is unseen_choices


def test_an_exhausted_branch_is_not_repeated_while_others_are_fresh() -> None:
    """The ridge branch has four configurations; once they are evaluated the sampler moves to
    the branches with fresh points instead of repeating the best ridge value."""
    study = optuna.create_study(sampler=GammaBOSampler(seed=1, n_startup_trials=0))
    for alpha in [0.01, 0.1, 1.0, 10.0]:
        study.enqueue_trial({"family": "ridge", "ridge_alpha": alpha})
    study.enqueue_trial({"family": "hgb", "hgb_leaves": 3})
    study.enqueue_trial({"family": "forest", "forest_depth": 19})
    study.optimize(_family, n_trials=20)
    keys = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("rule", ["best_fresh", "explore"])
def test_an_all_discrete_space_takes_the_best_fresh_configuration(rule: str) -> None:
    """When the acquisition's maximiser was already evaluated, an all-discrete space takes the
    best configuration not yet evaluated (near the incumbent here), not the most uncertain one
    (in the category the model knows is poor), which ``discrete_repeats="explore"`` (the rule
    before) takes."""
    settings = SurrogateSettings(discrete_repeats=rule)
    sampler = GammaBOSampler(seed=0, n_startup_trials=0, surrogate_settings=settings)
    study = optuna.create_study(sampler=sampler)
    seen = [(k, "x") for k in (0, 4, 9, 10, 11, 16, 20)] + [(10, "y"), (2, "y"), (18, "y")]
    for k, c in seen:
        study.enqueue_trial({"k": k, "c": c})

    def objective(trial: optuna.Trial) -> float:
        k = trial.suggest_int("k", 0, 20)
        c = trial.suggest_categorical("c", ["x", "y"])
        return (k - 10) ** 2 + (0.0 if c == "x" else 50.0)

    study.optimize(objective, n_trials=len(seen))
    trial = study.ask()
    k, c = trial.suggest_int("k", 0, 20), trial.suggest_categorical("c", ["x", "y"])
    assert (k, c) not in seen
    near = c == "x" and abs(k - 10) <= 3
    assert near is (rule == "best_fresh"), (k, c)


def test_settings_of_the_discrete_rules_are_checked() -> None:
    with pytest.raises(ValueError, match="discrete_repeats"):
        SurrogateSettings(discrete_repeats="repeat")
    with pytest.raises((TypeError, ValueError), match="unseen_choices"):
        SurrogateSettings(unseen_choices="yes")  # type: ignore[arg-type]
