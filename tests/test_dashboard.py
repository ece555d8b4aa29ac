"""Tests of optuna_gamma.dashboard, ending with a real optuna-dashboard server (and Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
import importlib.util
import json
import math
from pathlib import Path
import sys
from types import ModuleType
import urllib.request
import warnings

import optuna
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma.dashboard import GRAPH_OBJECT_ID
from optuna_gamma.dashboard import PREDICTION_USER_ATTRS
from optuna_gamma.dashboard import DashboardPublisher
from optuna_gamma.dashboard import sampler_note

pytest.importorskip("optuna_dashboard")
pytest.importorskip("plotly")

optuna.logging.set_verbosity(optuna.logging.WARNING)
ROOT = Path(__file__).resolve().parents[1]


def _load_script() -> ModuleType:
    """scripts/dashboard_screenshot.py, whose server and browser helpers the E2E test reuses."""
    spec = importlib.util.spec_from_file_location(
        "dashboard_screenshot", ROOT / "scripts" / "dashboard_screenshot.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    return (x - 1.0) ** 2 + (math.log10(lr) + 2.0) ** 2


def _prediction(trial: optuna.trial.FrozenTrial) -> dict[str, float] | None:
    raw = trial.system_attrs.get("gammabo:prediction")
    return None if raw is None else json.loads(raw)


def _run(storage: str | None = None, n_trials: int = 6, **publisher_kwargs) -> optuna.Study:  # type: ignore[no-untyped-def]
    study = optuna.create_study(
        study_name="published",
        storage=storage,
        sampler=GammaBOSampler(seed=0, n_startup_trials=3),
    )
    publisher = DashboardPublisher(**publisher_kwargs)
    study.optimize(objective, n_trials=n_trials, callbacks=[publisher])
    return study


def test_user_attrs_hold_the_prediction_made_at_suggestion_time() -> None:
    study = _run()
    for trial in study.trials:
        prediction = _prediction(trial)
        if trial.number < 3:  # start-up trials: no model, no prediction
            assert prediction is None
            assert not set(PREDICTION_USER_ATTRS) & set(trial.user_attrs)
            continue
        assert prediction is not None
        assert trial.user_attrs == {
            "gammabo_pred_median": prediction["median"],
            "gammabo_pred_lower": prediction["lower"],
            "gammabo_pred_upper": prediction["upper"],
            "gammabo_pred_nu": prediction["nu"],
            "gammabo_acq": prediction["acquisition"],
        }
        assert trial.user_attrs["gammabo_pred_nu"] == 2 * 2.5 + trial.number


def test_figure_and_note_are_saved_for_the_dashboard() -> None:
    import optuna_dashboard

    study = _run()
    app = optuna_dashboard.wsgi(study._storage)
    detail = _wsgi_get(app, f"/api/studies/{study._study_id}")
    graphs = {g["id"]: json.loads(g["graph_object"]) for g in detail["plotly_graph_objects"]}
    assert list(graphs) == [GRAPH_OBJECT_ID]
    figure = graphs[GRAPH_OBJECT_ID]
    assert figure["layout"]["meta"]["n_trials"] == 6
    assert [t["meta"] for t in figure["data"] if t["type"] == "heatmap"] == [
        "median_map",
        "acquisition_map",
    ]
    assert "## GammaBO sampler" in detail["note"]["body"]
    assert "| predictive | `student_t` |" in detail["note"]["body"]


def _wsgi_get(app, path: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    from wsgiref.util import setup_testing_defaults

    environ: dict = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}  # type: ignore[type-arg]
    setup_testing_defaults(environ)
    status: list[str] = []
    body = b"".join(app(environ, lambda s, h, *a: status.append(s)))
    assert status[0].startswith("200"), status
    return json.loads(body)


def test_publishing_every_n_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(
        DashboardPublisher, "publish", lambda self, study: calls.append(len(study.trials))
    )
    _run(n_trials=7, every=3)
    assert calls == [3, 6]


def test_a_failing_plot_never_costs_a_trial(monkeypatch: pytest.MonkeyPatch) -> None:
    import optuna_gamma.visualization

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(optuna_gamma.visualization, "plot_surrogate", broken)
    with pytest.warns(RuntimeWarning, match="could not publish.*boom"):
        study = _run(n_trials=5)
    states = {t.state for t in study.trials}
    assert states == {optuna.trial.TrialState.COMPLETE}


def test_predictions_not_recorded_by_the_sampler_warn_once() -> None:
    sampler = GammaBOSampler(seed=0, n_startup_trials=2, record_predictions=False)
    study = optuna.create_study(sampler=sampler)
    publisher = DashboardPublisher(every=100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_trials=5, callbacks=[publisher])
    messages = [str(w.message) for w in caught if "record_predictions=True" in str(w.message)]
    assert len(messages) == 1
    assert not any(set(PREDICTION_USER_ATTRS) & set(t.user_attrs) for t in study.trials)
    assert sum(_prediction(t) is not None for t in study.trials) == 3  # still in system attrs


def test_the_deprecated_wrapper_still_records_and_warns() -> None:
    sampler = GammaBOSampler(seed=0, n_startup_trials=2, record_predictions=False)
    study = optuna.create_study(sampler=sampler)
    publisher = DashboardPublisher(every=100)
    with pytest.warns(FutureWarning, match="no longer needed"):
        wrapped = publisher.wrap(objective)
    study.optimize(wrapped, n_trials=4, callbacks=[publisher])
    last = study.trials[-1]
    assert last.user_attrs["gammabo_pred_median"] == _prediction(last)["median"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"every": 0}, ValueError, r"every must be >= 1, got 0\."),
        ({"every": 2.0}, TypeError, r"every must be an int >= 1, got 2\.0\."),
        ({"every": True}, TypeError, r"every must be an int >= 1, got True\."),
        ({"sampler": optuna.samplers.TPESampler()}, TypeError, "sampler must be a GammaBOSampler"),
        ({"params": ()}, ValueError, r"params must be a parameter name, a sequence of one or two"),
        ({"params": ("x", "lr", "y")}, ValueError, r"one or two distinct names.*got \('x'"),
        ({"params": ("x", "x")}, ValueError, r"params must be .*distinct names.*got \('x', 'x'\)"),
        ({"params": {"x", "lr"}}, TypeError, r"params must be .*, got \{"),
        ({"params": ("x", 1)}, TypeError, r"params must be .*, got \('x', 1\)"),
        ({"graph_object_id": ""}, ValueError, r"graph_object_id must be a non-empty str .*''"),
        ({"graph_object_id": "my plot"}, ValueError, r"graph_object_id .*'my plot'"),
        ({"graph_object_id": 3}, TypeError, r"graph_object_id must be a non-empty str .*got 3"),
        ({"n_points": 1}, ValueError, r"n_points must be an int >= 2 or None, got 1\."),
        ({"n_points": 10.0}, TypeError, r"n_points must be an int >= 2 or None, got 10\.0\."),
        ({"maps": ()}, ValueError, r"maps must be one or more distinct names from \('median'"),
        ({"maps": ("median", "mean")}, ValueError, r"maps must be .*got \('median', 'mean'\)"),
        ({"maps": ("median", "median")}, ValueError, r"maps must be .*distinct"),
        ({"maps": 3}, TypeError, r"maps must be .*got 3\."),
        ({"objective": -1}, ValueError, r"objective must be an objective's index \(an int >= 0\)"),
        ({"objective": 1.0}, TypeError, r"objective must be .*got 1\.0\."),
        ({"objective": True}, TypeError, r"objective must be .*got True\."),
    ],
)
def test_invalid_arguments(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        DashboardPublisher(**kwargs)  # type: ignore[arg-type]


def test_valid_arguments_are_normalised() -> None:
    import numpy as np

    publisher = DashboardPublisher(
        every=np.int64(2),  # type: ignore[arg-type]
        params=["x", "lr"],
        graph_object_id="my-plot_1:a.b",
        n_points=np.int32(7),  # type: ignore[arg-type]
        maps="width",
        objective=np.int64(1),  # type: ignore[arg-type]
    )
    assert publisher.every == 2 and type(publisher.every) is int
    assert publisher.params == ("x", "lr")  # a copy: the caller's list may change
    assert publisher.maps == ("width",)  # a single name, not its letters
    assert publisher.objective == 1 and type(publisher.objective) is int


def test_the_maps_accepted_are_the_ones_plot_surrogate_draws() -> None:
    import optuna_gamma.dashboard
    import optuna_gamma.visualization

    assert optuna_gamma.dashboard._PLOT_MAPS == optuna_gamma.visualization._MAPS


def _two_objectives(trial: optuna.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", -3.0, 3.0)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    return (x - 1.0) ** 2, (math.log10(lr) + 2.0) ** 2 + x


def _saved_graph_ids(study: optuna.Study) -> set[str]:
    import optuna_dashboard

    detail = _wsgi_get(optuna_dashboard.wsgi(study._storage), f"/api/studies/{study._study_id}")
    return {g["id"] for g in detail["plotly_graph_objects"]}


def test_publisher_rejects_objective_out_of_range() -> None:
    # objective=5 was accepted and warned at every publish. The study is known
    # only at publish time: publish() raises, naming objective, its value and the valid range.
    study = optuna.create_study(study_name="one", sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=3)
    with pytest.raises(
        ValueError,
        match=r"objective=5 is out of range for study 'one', which has 1 objective: "
        r"give an index 0 to 0 or None\.",
    ):
        DashboardPublisher(objective=5).publish(study)
    assert _saved_graph_ids(study) == set()

    two = optuna.create_study(
        study_name="two", directions=["minimize", "minimize"], sampler=GammaBOSampler(seed=0)
    )
    two.optimize(_two_objectives, n_trials=3)
    with pytest.raises(ValueError, match=r"objective=2 .* 2 objectives: give an index 0 to 1 or"):
        DashboardPublisher(objective=2).publish(two)
    with pytest.raises(ValueError, match=r"objective='cost' .*which has no metric names"):
        DashboardPublisher(objective="cost").publish(two)
    two.set_metric_names(["error", "latency"])
    with pytest.raises(
        ValueError,
        match=r"objective='cost' .*whose metric names are \['error', 'latency'\]: give an index "
        r"0 to 1, a metric name from \['error', 'latency'\] or None \(one figure per objective\)",
    ):
        DashboardPublisher(objective="cost").publish(two)
    assert _saved_graph_ids(two) == set()
    assert DashboardPublisher(objective=1).publish(two)
    assert _saved_graph_ids(two) == {GRAPH_OBJECT_ID}


@pytest.fixture
def optuna_errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Records of Optuna's loggers (which do not propagate by default) at ERROR and above."""
    optuna.logging.enable_propagation()
    try:
        with caplog.at_level("ERROR", logger="optuna"):
            yield caplog
    finally:
        optuna.logging.disable_propagation()


@pytest.mark.parametrize("every", [1, 2, 100])
def test_publisher_callback_logs_objective_out_of_range_once(
    every: int, optuna_errors: pytest.LogCaptureFixture
) -> None:
    # As a callback the mismatch never reaches study.optimize: one error, logged at the first
    # finished trial (even when the first publish is far off), no warning per publish, no
    # trial lost, nothing published.
    study = optuna.create_study(
        study_name="callback", sampler=GammaBOSampler(seed=0, n_startup_trials=3)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_trials=6, callbacks=[DashboardPublisher(every, objective=5)])
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert len(study.trials) == 6
    assert not [w for w in caught if "DashboardPublisher" in str(w.message)]
    errors = [r for r in optuna_errors.records if "DashboardPublisher" in r.getMessage()]
    assert len(errors) == 1
    assert errors[0].levelname == "ERROR"
    assert "objective=5 is out of range for study 'callback'" in errors[0].getMessage()
    assert "give an index 0 to 0 or None" in errors[0].getMessage()
    assert _saved_graph_ids(study) == set()


def test_publisher_callback_recovers_when_metric_names_are_set_later(
    optuna_errors: pytest.LogCaptureFixture,
) -> None:
    study = optuna.create_study(
        directions=["minimize", "minimize"], sampler=GammaBOSampler(seed=0, n_startup_trials=3)
    )
    publisher = DashboardPublisher(objective="latency")
    study.optimize(_two_objectives, n_trials=3, callbacks=[publisher])
    assert len(optuna_errors.records) == 1
    assert "objective='latency' is not a metric name" in optuna_errors.records[0].getMessage()
    study.set_metric_names(["error", "latency"])
    study.optimize(_two_objectives, n_trials=2, callbacks=[publisher])
    assert len(optuna_errors.records) == 1
    assert _saved_graph_ids(study) == {GRAPH_OBJECT_ID}


def test_a_failing_storage_read_in_the_callback_never_costs_a_trial(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self, study):  # type: ignore[no-untyped-def]
        raise RuntimeError("storage down")

    monkeypatch.setattr(DashboardPublisher, "_figures", broken)
    with pytest.warns(RuntimeWarning, match="could not .*storage down"):
        study = _run(n_trials=3, every=2)
    assert {t.state for t in study.trials} == {optuna.trial.TrialState.COMPLETE}


def test_note_for_other_samplers() -> None:
    note = sampler_note(optuna.samplers.TPESampler(), n_complete=4)
    assert "TPESampler" in note and "4 COMPLETE trials" in note


def test_missing_dashboard_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "optuna_dashboard", None)
    with pytest.raises(ImportError, match=r"optuna-gamma\[dashboard\]"):
        DashboardPublisher()


def test_example_dashboard_demo_runs(tmp_path: Path) -> None:
    import runpy

    demo = runpy.run_path(str(ROOT / "examples" / "dashboard_demo.py"))
    storage = f"sqlite:///{tmp_path / 'demo.db'}"
    study = demo["main"](["--storage", storage, "--n-trials", "7", "--every", "3"])
    assert len(study.trials) == 7
    assert "gammabo_pred_median" in study.trials[-1].user_attrs
    keys = study._storage.get_study_system_attrs(study._study_id)
    assert any(k.startswith(f"dashboard:plot_data:{GRAPH_OBJECT_ID}:") for k in keys)


# -- end to end: a real server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, ModuleType]]:
    """A SQLite study made with the publisher, served by optuna-dashboard on 127.0.0.1."""
    script = _load_script()
    db = tmp_path_factory.mktemp("dashboard") / "study.db"
    storage = f"sqlite:///{db}"
    study = _run(storage, n_trials=8, every=4, params=("x", "lr"))
    with script.dashboard_server(storage) as base:  # stops the server on exit, even on error
        yield base, study._study_id, script


def _get(url: str) -> dict:  # type: ignore[type-arg]
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def test_dashboard_server_shows_trials_user_attrs_note_and_figure(
    served: tuple[str, int, ModuleType],
) -> None:
    base, study_id, _ = served
    summaries = _get(f"{base}/api/studies")["study_summaries"]
    assert [s["study_name"] for s in summaries] == ["published"]

    detail = _get(f"{base}/api/studies/{study_id}")
    trials = detail["trials"]
    assert len(trials) == 8 and all(t["state"] == "Complete" for t in trials)
    for t in trials[3:]:
        attrs = {a["key"]: float(a["value"]) for a in t["user_attrs"]}
        # Unconstrained: every field but the probability of feasibility.
        assert set(attrs) == set(PREDICTION_USER_ATTRS) - {"gammabo_pred_feasible"}
        assert attrs["gammabo_pred_lower"] < attrs["gammabo_pred_median"]
        assert attrs["gammabo_pred_median"] < attrs["gammabo_pred_upper"]
        assert attrs["gammabo_pred_nu"] == 2 * 2.5 + t["number"]
    assert all(t["user_attrs"] == [] for t in trials[:3])

    assert "## GammaBO sampler" in detail["note"]["body"]
    assert "_Last updated with 8 COMPLETE trials._" in detail["note"]["body"]

    (graph,) = detail["plotly_graph_objects"]
    assert graph["id"] == GRAPH_OBJECT_ID
    figure = json.loads(graph["graph_object"])
    assert figure["layout"]["meta"]["params"] == ["x", "lr"]
    assert figure["layout"]["meta"]["n_trials"] == 8
    assert figure["layout"]["yaxis"]["type"] == "log"
    observations = next(t for t in figure["data"] if t["meta"] == "observations")
    xs = [next(p for p in t["params"] if p["name"] == "x") for t in trials]
    assert observations["x"] == pytest.approx([float(p["param_external_value"]) for p in xs])


def test_dashboard_page_renders_in_headless_chromium(
    served: tuple[str, int, ModuleType], tmp_path: Path
) -> None:
    """Skipped without Chromium (Debian/Ubuntu: ``apt-get install -y chromium``)."""
    base, study_id, script = served
    chromium = script.find_chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    url = f"{base}/dashboard/studies/{study_id}"
    dom = script.dump_dom(chromium, url)
    # The dashboard draws each saved figure with plotly.js into this div; ours has heat maps.
    start = dom.index(f'id="user-defined-plot:{GRAPH_OBJECT_ID}"')
    figure_dom = dom[start:]
    assert 'class="main-svg"' in figure_dom and "heatmaplayer" in figure_dom
    out = tmp_path / "dashboard.png"
    script.screenshot(chromium, url, out, 1400, 1800)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000  # a rendered page, not a blank one


def test_multi_objective_studies_get_one_figure_per_objective() -> None:
    import optuna_dashboard

    def two(trial: optuna.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", -3.0, 3.0)
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        return (x - 1.0) ** 2, (math.log10(lr) + 2.0) ** 2 + x

    study = optuna.create_study(
        directions=["minimize", "minimize"], sampler=GammaBOSampler(seed=0, n_startup_trials=3)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # publishing works: no "could not publish" warning
        study.optimize(two, n_trials=5, callbacks=[DashboardPublisher()])
    detail = _wsgi_get(optuna_dashboard.wsgi(study._storage), f"/api/studies/{study._study_id}")
    graphs = {g["id"]: json.loads(g["graph_object"]) for g in detail["plotly_graph_objects"]}
    assert sorted(graphs) == [f"{GRAPH_OBJECT_ID}-0", f"{GRAPH_OBJECT_ID}-1"]
    assert [graphs[f"{GRAPH_OBJECT_ID}-{k}"]["layout"]["meta"]["objective"] for k in (0, 1)] == [
        0,
        1,
    ]
    # One objective by name: one figure under the plain id.
    study.set_metric_names(["error", "cost"])
    assert DashboardPublisher(objective="cost").publish(study)
    detail = _wsgi_get(optuna_dashboard.wsgi(study._storage), f"/api/studies/{study._study_id}")
    ids = {g["id"] for g in detail["plotly_graph_objects"]}
    assert GRAPH_OBJECT_ID in ids
