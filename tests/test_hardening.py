"""Inputs Optuna accepts and storage states the sampler meets: none may fail a trial.

One named regression test per scenario found by trying GammaBOSampler as an adversarial user
would, next to Optuna's own samplers on the same inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys
import textwrap
from typing import Any
from unittest import mock

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.trial import TrialState
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._storage import HYPERPARAMS_KEY
from optuna_gamma._storage import MAX_VALUE_LENGTH
from optuna_gamma._storage import PARAMS_KEY
from optuna_gamma._storage import PREDICTION_KEY
from optuna_gamma._storage import intended_params
from optuna_gamma._storage import read_claim
from optuna_gamma._storage import write_claim

optuna.logging.set_verbosity(optuna.logging.WARNING)
ROOT = Path(__file__).resolve().parents[1]


def states(study: optuna.Study) -> list[TrialState]:
    return [t.state for t in study.trials]


def n_modelled(study: optuna.Study) -> int:
    return sum(PREDICTION_KEY in t.system_attrs for t in study.trials)


# -- 1. large finite objective values ------------------------------------------------------------


@pytest.mark.parametrize(
    "objective",
    [
        lambda x, y, n: sys.float_info.max if n % 2 else x**2 + y,
        lambda x, y, n: 1e308,
        lambda x, y, n: 1e307 * (x**2 - y),
        lambda x, y, n: -sys.float_info.max if n % 3 == 0 else 1e-300 * x,
    ],
    ids=["float-max-sometimes", "constant-1e308", "quadratic-1e307", "neg-max-and-tiny"],
)
def test_large_finite_values_never_fail_a_trial(objective: Any) -> None:
    def wrapped(trial: optuna.Trial) -> float:
        x, y = trial.suggest_float("x", -1, 1), trial.suggest_float("y", -1, 1)
        return objective(x, y, trial.number)

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(wrapped, n_trials=12)  # catch=(): any exception would propagate here
    assert set(states(study)) == {TrialState.COMPLETE}
    assert n_modelled(study) == 7
    for t in study.trials:
        if PREDICTION_KEY in t.system_attrs:
            prediction = json.loads(t.system_attrs[PREDICTION_KEY])
            assert all(np.isfinite(prediction[k]) for k in ("median", "lower", "upper"))


# -- 2. long claims ----------------------------------------------------------------------------

LONG_NAMES = [f"a_rather_long_parameter_name_for_layer_{i:03d}_of_the_network" for i in range(60)]


def long_space() -> dict[str, Any]:
    return {name: FloatDistribution(0.0, 1.0) for name in LONG_NAMES}


def test_a_long_claim_is_chunked_and_read_only_when_complete() -> None:
    study = optuna.create_study()
    trial = study.ask()
    params = {name: 0.123456789012345 for name in LONG_NAMES}
    write_claim(study, study.trials[trial.number], params, round_=0)
    frozen = study.trials[trial.number]
    chunks = [k for k in frozen.system_attrs if k.startswith(f"{PARAMS_KEY}:0:")]
    assert len(chunks) >= 2  # longer than one value of an RDB storage
    assert all(len(frozen.system_attrs[k]) <= MAX_VALUE_LENGTH for k in chunks)
    assert read_claim(frozen) == params

    # What a reader can meet while a writer is between two writes, or after it was killed.
    attrs = dict(frozen.system_attrs)
    header = attrs.pop(PARAMS_KEY)
    without_header = mock.Mock(system_attrs=attrs, number=frozen.number)
    assert read_claim(without_header) is None  # chunks only: no claim yet
    missing = dict(frozen.system_attrs)
    missing.pop(f"{PARAMS_KEY}:0:1")
    assert read_claim(mock.Mock(system_attrs=missing, number=0)) is None
    corrupt = dict(frozen.system_attrs)
    corrupt[f"{PARAMS_KEY}:0:1"] = corrupt[f"{PARAMS_KEY}:0:1"][::-1]
    assert read_claim(mock.Mock(system_attrs=corrupt, number=0)) is None  # checksum

    # A rewrite uses fresh chunk keys: the old header with the new chunks, or the new header
    # with the old chunks, never mixes two claims.
    write_claim(study, frozen, {name: 0.9 for name in LONG_NAMES}, round_=1)
    rewritten = study.trials[trial.number]
    assert rewritten.system_attrs[PARAMS_KEY] != header
    assert read_claim(rewritten) == {name: 0.9 for name in LONG_NAMES}
    stale = dict(rewritten.system_attrs)
    stale[PARAMS_KEY] = header
    assert read_claim(mock.Mock(system_attrs=stale, number=0)) == params


def test_a_worker_killed_between_chunk_writes_fails_no_other_trial() -> None:
    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(
        storage=storage, study_name="s", sampler=GammaBOSampler(seed=0, n_startup_trials=3)
    )
    space = long_space()
    for _ in range(3):
        trial = study.ask(space)
        study.tell(trial, sum(trial.params.values()))
    # The dead worker's trial: RUNNING forever, no heartbeat, only its first chunk written.
    other = optuna.load_study(
        storage=storage, study_name="s", sampler=optuna.samplers.RandomSampler()
    )
    dead = other.ask()
    storage.set_trial_system_attr(dead._trial_id, f"{PARAMS_KEY}:0:0", '{"a_rather')
    for _ in range(3):
        trial = study.ask(space)
        assert set(trial.params) == set(LONG_NAMES)
        study.tell(trial, sum(trial.params.values()))
    assert n_modelled(study) == 3
    assert intended_params(study.trials[dead.number]) == {}


WORKER = textwrap.dedent(
    """
    import sys
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage
    from optuna_gamma import GammaBOSampler

    NAMES = [f"a_rather_long_parameter_name_for_layer_{i:03d}_of_the_network" for i in range(60)]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(sys.argv[1]))
    study = optuna.load_study(
        study_name="long", storage=storage, sampler=GammaBOSampler(n_startup_trials=4)
    )

    def objective(trial):
        return sum((trial.suggest_float(n, 0.0, 1.0) - 0.5) ** 2 for n in NAMES)

    study.optimize(objective, n_trials=int(sys.argv[2]), catch=(Exception,))
    """
)


@pytest.mark.slow
def test_three_processes_with_sixty_long_named_parameters_fail_no_trial(tmp_path: Path) -> None:
    journal = tmp_path / "journal.log"
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(journal))
    )
    optuna.create_study(study_name="long", storage=storage)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    workers = [
        subprocess.Popen([sys.executable, str(script), str(journal), "10"], cwd=ROOT)
        for _ in range(3)
    ]
    for worker in workers:
        assert worker.wait(timeout=600) == 0
    study = optuna.load_study(study_name="long", storage=storage)
    assert states(study) == [TrialState.COMPLETE] * 30, states(study)
    assert n_modelled(study) >= 10
    for t in study.trials:
        if PREDICTION_KEY in t.system_attrs:
            assert len(t.system_attrs) >= 3  # the chunked claim, its header, the prediction


# -- 3. huge integer ranges --------------------------------------------------------------------


def test_huge_integer_ranges_are_never_materialised() -> None:
    space = SearchSpace(
        {
            "seed": IntDistribution(0, 2**31 - 1),
            "big": IntDistribution(0, 10**12, step=4),
            "log": IntDistribution(1, 10**12, log=True),
            "fine": FloatDistribution(0.0, 1e9, step=0.5),
        }
    )
    assert space.grid_x == [None] * 4
    assert space.n_grid.tolist() == [2**31, 10**12 // 4 + 1, 10**12, 2 * 10**9 + 1]
    X = space.sample_uniform(np.random.default_rng(0), 1000)
    for params in (space.decode(x) for x in X):
        assert 0 <= params["seed"] <= 2**31 - 1 and isinstance(params["seed"], int)
        assert params["big"] % 4 == 0 and 1 <= params["log"] <= 10**12
        assert params["fine"] * 2 == int(params["fine"] * 2)
    # Snapping is exact at the ends of a grid too.
    ends = space.snap(np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]))
    assert space.decode(ends[0]) == {"seed": 0, "big": 0, "log": 1, "fine": 0.0}
    assert space.decode(ends[1]) == {
        "seed": 2**31 - 1,
        "big": 10**12,
        "log": 10**12,
        "fine": 1e9,
    }


def test_studies_over_huge_integer_ranges_complete() -> None:
    def objective(trial: optuna.Trial) -> float:
        seed = trial.suggest_int("seed", 0, 2**31 - 1)
        n = trial.suggest_int("n", 0, 10**9)
        return (seed / 2**31 - 0.3) ** 2 + (n / 1e9 - 0.6) ** 2

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=15)
    assert set(states(study)) == {TrialState.COMPLETE} and n_modelled(study) == 10
    assert study.best_value < 0.05


# -- 4. enqueued values outside the range ------------------------------------------------------


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("state", ["complete", "running"])
def test_an_enqueued_out_of_range_value_fails_no_trial(state: str) -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=5)
    study.enqueue_trial({"x": 1e160})
    held = study.ask()
    held.suggest_float("x", -1, 1)
    if state == "complete":
        study.tell(held, 1.0)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=6)
    later = study.trials[-6:]
    assert all(t.state == TrialState.COMPLETE for t in later)
    assert all(-1 <= t.params["x"] <= 1 and PREDICTION_KEY in t.system_attrs for t in later)


# -- 5. storage content we did not write -------------------------------------------------------

TAMPERED = {
    "not-json": "{not json",
    "list": "[1, 2, 3]",
    "null": "null",
    "number": "123",
    "deep-brackets": "[" * 2000 + "]" * 2000,
    "string-for-number": json.dumps({"params": {"x": "0.5", "c": "a"}}),
    "nan": '{"params": {"x": NaN, "c": "a"}}',
    "infinity": '{"params": {"x": Infinity, "c": "a"}}',
    "1e400": '{"params": {"x": 1e400, "c": "a"}}',
    "huge-int": '{"params": {"x": 1' + "0" * 500 + ', "c": "a"}}',
    "unknown-choice": json.dumps({"params": {"x": 0.5, "c": "zzz"}}),
    "list-choice": json.dumps({"params": {"x": 0.5, "c": ["a"]}}),
    "bool-for-number": json.dumps({"params": {"x": True, "c": "a"}}),
    "header-no-chunks": json.dumps({"round": 0, "chunks": 3, "crc32": 1}),
    "header-too-many": json.dumps({"round": 0, "chunks": 10**9, "crc32": 1}),
    "header-wrong-types": json.dumps({"round": "0", "chunks": 1.5, "crc32": None}),
}


def _mixed_objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -1, 1)
    c = trial.suggest_categorical("c", ["a", "b"])
    return x**2 + (c == "b")


@pytest.mark.parametrize("payload", list(TAMPERED.values()), ids=list(TAMPERED))
def test_tampered_claims_of_a_running_trial_fail_no_other_trial(payload: str) -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(_mixed_objective, n_trials=5)
    running = study.ask()
    study._storage.set_trial_system_attr(running._trial_id, PARAMS_KEY, payload)
    study._storage.set_trial_system_attr(running._trial_id, f"{PARAMS_KEY}:0:0", payload)
    study._storage.set_trial_system_attr(running._trial_id, HYPERPARAMS_KEY, payload)
    study.optimize(_mixed_objective, n_trials=4)
    assert states(study)[-4:] == [TrialState.COMPLETE] * 4
    assert n_modelled(study) == 4


@pytest.mark.parametrize(
    "value", [12345, None, ["a"], {"params": {"x": 0.5}}], ids=["int", "none", "list", "dict"]
)
def test_non_string_system_attrs_are_ignored(value: Any) -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(_mixed_objective, n_trials=5)
    running = study.ask()
    for key in (PARAMS_KEY, HYPERPARAMS_KEY, PREDICTION_KEY):
        study._storage.set_trial_system_attr(running._trial_id, key, value)
    study.optimize(_mixed_objective, n_trials=3)
    assert states(study)[-3:] == [TrialState.COMPLETE] * 3


@pytest.mark.parametrize(
    "payload",
    ["{oops", "[1]", json.dumps({"median": "high"}), '{"median": NaN}', "[" * 3000],
    ids=["not-json", "list", "string", "nan", "deep"],
)
def test_malformed_predictions_are_ignored_by_plots_and_the_dashboard(payload: str) -> None:
    pytest.importorskip("plotly")
    pytest.importorskip("optuna_dashboard")
    from optuna_gamma.dashboard import record_prediction
    from optuna_gamma.visualization import plot_surrogate

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=6)
    trial = study.ask()
    trial.suggest_float("x", -1, 1)
    study._storage.set_trial_system_attr(trial._trial_id, PREDICTION_KEY, payload)
    assert record_prediction(trial) is None
    study.tell(trial, 0.5)
    figure = plot_surrogate(study, "x", trial_number=trial.number)
    assert "prediction_at_suggestion" not in figure.layout.meta


# -- 7. resuming gives the same decisions --------------------------------------------------------

RESUME = textwrap.dedent(
    """
    import sys
    import optuna
    from optuna_gamma import GammaBOSampler

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name="resume", storage=sys.argv[1], sampler=GammaBOSampler(seed=0),
        load_if_exists=True,
    )

    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        n = trial.suggest_int("n", 1, 16)
        return (x - 1) ** 2 + (__import__("math").log10(lr) + 3) ** 2 + (n - 5) ** 2 / 10

    study.optimize(objective, n_trials=int(sys.argv[2]))
    """
)


@pytest.mark.slow
def test_resuming_in_a_new_process_makes_the_same_decisions(tmp_path: Path) -> None:
    script = tmp_path / "resume.py"
    script.write_text(RESUME)

    def run(db: str, *n_trials: int) -> list[dict[str, Any]]:
        url = f"sqlite:///{tmp_path / db}"
        for n in n_trials:  # each call: a new process with a new sampler
            subprocess.run([sys.executable, str(script), url, str(n)], check=True, cwd=ROOT)
        return [t.params for t in optuna.load_study(study_name="resume", storage=url).trials]

    straight = run("straight.db", 16)
    resumed = run("resumed.db", 10, 6)
    assert straight == resumed


# -- 8. a nested sampler is reseeded through its own reseed_rng -------------------------------


def test_reseed_reaches_the_independent_sampler() -> None:
    nested = optuna.samplers.RandomSampler(seed=1)
    sampler = GammaBOSampler(seed=0, independent_sampler=nested)
    with mock.patch.object(nested, "reseed_rng", wraps=nested.reseed_rng) as reseed:
        sampler.reseed_rng()
    assert reseed.call_count == 1


def test_reseeded_start_up_points_differ() -> None:
    def first_points(sampler: GammaBOSampler) -> list[float]:
        study = optuna.create_study(sampler=sampler)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        return [t.params["x"] for t in study.trials]

    a, b = GammaBOSampler(seed=0), GammaBOSampler(seed=0)
    assert first_points(a) == first_points(b)
    b.reseed_rng()
    assert first_points(a) != first_points(b)


# -- categorical choices of every type Optuna allows -------------------------------------------


def test_categorical_choices_of_mixed_types_and_none() -> None:
    choices = [None, True, 1, 1.5, "1"]
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    target = "1"

    def objective(trial: optuna.Trial) -> float:
        c = trial.suggest_categorical("c", choices)
        x = trial.suggest_float("x", -1, 1)
        return x**2 + (0.0 if c == target and isinstance(c, str) else 1.0)

    study.optimize(objective, n_trials=14)
    assert set(states(study)) == {TrialState.COMPLETE}
    for t in study.trials:
        assert any(type(t.params["c"]) is type(c) and t.params["c"] == c for c in choices)
    assert study.best_params["c"] == "1"
    assert CategoricalDistribution(choices)  # the distribution itself is Optuna's


def test_a_running_trial_with_a_non_finite_recorded_value_is_left_out() -> None:
    # Optuna's API refuses NaN, but a storage written by another program may hold one.
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=5)
    running = study.ask()
    study._storage.set_trial_param(running._trial_id, "x", float("nan"), FloatDistribution(-1, 1))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
    assert states(study)[-3:] == [TrialState.COMPLETE] * 3
    assert all(np.isfinite(t.params["x"]) for t in study.trials[-3:])


@pytest.mark.parametrize("seed", [0, 2**32 - 1, 2**32, 2**63 + 5])
def test_any_non_negative_seed_is_accepted_and_reproducible(seed: int) -> None:
    def run() -> list[float]:
        study = optuna.create_study(sampler=GammaBOSampler(seed=seed))
        study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=7)
        return [t.params["x"] for t in study.trials]

    assert run() == run()


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    "choices", [[float("nan"), 1.0, 2.0], [(1, 2), (3, 4), (5, 6)]], ids=["nan", "tuples"]
)
def test_categorical_choices_json_cannot_hold_fail_no_trial(choices: list[Any]) -> None:
    # A NaN choice cannot go into a JSON claim (before: every model-based trial failed with
    # "Out of range float values are not JSON compliant"); tuples come back as lists.
    def objective(trial: optuna.Trial) -> float:
        c = trial.suggest_categorical("c", choices)
        return trial.suggest_float("x", -1, 1) ** 2 + (c is choices[0])

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=9)
    assert set(states(study)) == {TrialState.COMPLETE}
    assert n_modelled(study) == 4


def test_a_failure_of_the_model_never_fails_the_trial(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import optuna_gamma._sampler as sampler_module

    def broken(*args: object, **kwargs: object) -> None:
        raise np.linalg.LinAlgError("simulated")

    study = optuna.create_study(sampler=GammaBOSampler(seed=0, warn_independent_sampling=False))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=6)
    monkeypatch.setattr(sampler_module, "fit_model", broken)
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.logging.enable_propagation()
    try:
        with caplog.at_level("WARNING"):
            study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    finally:
        optuna.logging.disable_propagation()
        optuna.logging.set_verbosity(verbosity)
    assert [t.state for t in study.trials[6:]] == [optuna.trial.TrialState.COMPLETE] * 2
    assert "could not model trial 6 (LinAlgError: simulated)" in caplog.text
