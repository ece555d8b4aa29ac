"""Property-based whole studies: random spaces, values, trial states and storage tampering.

The invariant, whatever hypothesis draws: no call of the sampler raises (so no trial fails
because of our code), every suggested value is admissible for its distribution and a plain
Python value, and nothing but JSON is ever decoded from the storage.
"""

from __future__ import annotations

import builtins
import math
import pickle
import sys
from typing import Any
from unittest import mock
import warnings

from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.trial import TrialState
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma._storage import HYPERPARAMS_KEY
from optuna_gamma._storage import PARAMS_KEY
from optuna_gamma._storage import PREDICTION_KEY

optuna.logging.set_verbosity(optuna.logging.ERROR)


@st.composite
def float_distributions(draw: st.DrawFn) -> FloatDistribution:
    kind = draw(st.sampled_from(["linear", "log", "step"]))
    if kind == "log":
        low_exp = draw(st.integers(-300, 300))
        high_exp = min(low_exp + draw(st.floats(1e-9, 600.0)), 308.0)
        low, high = 10.0**low_exp, 10.0**high_exp
        return FloatDistribution(low, max(high, low * (1 + 1e-9)), log=True)
    low = draw(st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False))
    width = 10.0 ** draw(st.integers(-12, 300))
    high = low + width
    if not math.isfinite(high) or high <= low:
        low, high = -1.0, 1.0
    if kind == "step":
        step = width / draw(st.integers(1, 10**6))
        if step <= 0 or not math.isfinite(step):
            return FloatDistribution(low, high)
        high = low + step * round((high - low) / step)
        if high <= low:
            return FloatDistribution(low, low + step, step=step)
        return FloatDistribution(low, high, step=step)
    return FloatDistribution(low, high)


@st.composite
def int_distributions(draw: st.DrawFn) -> IntDistribution:
    kind = draw(st.sampled_from(["linear", "log", "step"]))
    if kind == "log":
        low = draw(st.integers(1, 10**6))
        return IntDistribution(low, low + draw(st.integers(0, 2**40)), log=True)
    low = draw(st.integers(-(2**40), 2**40))
    high = low + draw(st.integers(0, 2**40))
    if kind == "step":
        step = draw(st.integers(1, 10**6))
        return IntDistribution(low, low + step * ((high - low) // step), step=step)
    return IntDistribution(low, high)


choice_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.text(max_size=4),
)


@st.composite
def categorical_distributions(draw: st.DrawFn) -> CategoricalDistribution:
    raw = draw(st.lists(choice_values, min_size=1, max_size=5))
    unique: list[Any] = []
    for c in raw:  # Optuna compares choices with ==, so 1, 1.0 and True are one choice
        if not any(c == u for u in unique):
            unique.append(c)
    return CategoricalDistribution(unique)


distributions = st.one_of(float_distributions(), int_distributions(), categorical_distributions())

objective_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, 1.0 + 1e-15, sys.float_info.max, -sys.float_info.max, 5e-324]),
)

tamper_payloads = st.one_of(
    st.text(max_size=50),
    st.sampled_from(
        [
            "null",
            "[1, 2]",
            "{}",
            '{"params": null}',
            '{"params": {"p0": NaN}}',
            '{"round": 0, "chunks": 2, "crc32": 0}',
            "[" * 3000,
            '{"space": 0, "lam": [1e400], "g": -1}',
        ]
    ),
    st.integers(),
    st.none(),
)

completes = st.tuples(st.just("complete"), st.floats(-1e6, 1e6)) | st.tuples(
    st.just("complete"), objective_values
)
actions = st.one_of(
    completes,
    completes,
    completes,
    st.tuples(st.just("fail"), st.none()),
    st.tuples(st.just("prune"), objective_values),
    st.tuples(st.just("leave_running"), st.none()),
    st.tuples(st.just("enqueue_out_of_range"), st.floats(allow_nan=False, allow_infinity=False)),
    st.tuples(st.just("tamper"), tamper_payloads),
)


def admissible(dist: BaseDistribution, value: Any) -> bool:
    """An independent check of admissibility (not the sampler's own)."""
    if isinstance(dist, CategoricalDistribution):
        return any(type(value) is type(c) and value == c for c in dist.choices)
    if isinstance(dist, IntDistribution):
        return (
            type(value) is int
            and dist.low <= value <= dist.high
            and (value - dist.low) % dist.step == 0
        )
    assert isinstance(dist, FloatDistribution)
    if type(value) is not float or not dist.low <= value <= dist.high:
        return False
    if dist.step is None:
        return True
    k = (value - dist.low) / dist.step
    # On the grid up to float resolution: near 1e17 neighbouring floats are 16 apart, so
    # ``low + k * step`` itself is only that exact (Optuna's own high is computed this way).
    resolution = 4 * float(np.spacing(max(abs(value), abs(dist.low))))
    return abs(k - round(k)) * dist.step <= max(1e-6 * dist.step * max(1.0, abs(k)), resolution)


def suggest(trial: optuna.Trial, name: str, dist: BaseDistribution) -> Any:
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, list(dist.choices))
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    assert isinstance(dist, FloatDistribution)
    return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)


def _not_json(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("something other than JSON was decoded from the storage")


@pytest.mark.filterwarnings("ignore:The distribution is specified by")
@settings(
    max_examples=150,
    derandomize=True,  # the same examples on every run (CI); explore with --hypothesis-seed
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    space=st.lists(distributions, min_size=1, max_size=4),
    plan=st.lists(actions, min_size=6, max_size=14),
    seed=st.integers(0, 2**32 - 1),
    direction=st.sampled_from(["minimize", "maximize"]),
)
def test_whole_studies_never_fail_because_of_the_sampler(
    space: list[BaseDistribution], plan: list[tuple[str, Any]], seed: int, direction: str
) -> None:
    names = [f"p{i}" for i in range(len(space))]
    dists = dict(zip(names, space))
    sampler = GammaBOSampler(seed=seed, n_startup_trials=2, n_candidates=64)
    study = optuna.create_study(sampler=sampler, direction=direction)
    storage = study._storage
    running: list[optuna.Trial] = []
    enqueued: dict[int, set[str]] = {}
    with (
        warnings.catch_warnings(),
        mock.patch.object(pickle, "loads", _not_json),
        mock.patch.object(builtins, "eval", _not_json),
    ):
        warnings.simplefilter("ignore")
        for action, arg in plan:
            if action == "enqueue_out_of_range":
                numeric = [
                    n for n, d in dists.items() if not isinstance(d, CategoricalDistribution)
                ]
                if numeric:
                    value = arg
                    if dists[numeric[0]].log:  # Optuna itself rejects a value <= 0 there
                        value = abs(arg) if arg != 0 else 1e-300
                    study.enqueue_trial({numeric[0]: value}, skip_if_exists=False)
                    # Enqueued trials are asked first, in order: the next new trial number.
                    enqueued[len(study.trials) - 1] = {numeric[0]}
                continue
            if action == "tamper":
                if running:
                    for key in (PARAMS_KEY, f"{PARAMS_KEY}:0:0", PREDICTION_KEY, HYPERPARAMS_KEY):
                        storage.set_trial_system_attr(running[-1]._trial_id, key, arg)
                continue
            trial = study.ask()
            for name, dist in dists.items():
                value = suggest(trial, name, dist)
                if name in enqueued.get(trial.number, ()):
                    continue  # an enqueued value is the user's, not the sampler's
                assert admissible(dist, value), (name, dist, value)
            if action == "complete":
                study.tell(trial, arg)  # NaN: Optuna marks the trial FAIL itself
            elif action == "fail":
                study.tell(trial, state=TrialState.FAIL)
            elif action == "prune":
                if math.isfinite(arg):
                    trial.report(arg, 0)
                study.tell(trial, state=TrialState.PRUNED)
            else:
                running.append(trial)
        # One more suggestion after everything: the model-based path with all that history.
        final = study.ask()
        modelled = sum(PREDICTION_KEY in t.system_attrs for t in study.trials)
        event(f"model-based suggestions: {modelled > 0}")
        for name, dist in dists.items():
            value = suggest(final, name, dist)
            assert name in enqueued.get(final.number, ()) or admissible(dist, value), name
