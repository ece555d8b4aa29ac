"""Tests of optuna_gamma.visualization: the figures' data, for every kind of parameter."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import optuna
import pytest
import scipy.stats

from optuna_gamma import GammaBOSampler
from optuna_gamma.visualization import plot_surrogate
from optuna_gamma.visualization import plot_surrogate_animation
from optuna_gamma.visualization import plot_surrogate_matplotlib

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _trace(fig, meta):  # type: ignore[no-untyped-def]
    """The first trace whose ``meta`` is ``meta``."""
    return next(t for t in fig.data if t.meta == meta)


def _traces(fig, meta):  # type: ignore[no-untyped-def]
    return [t for t in fig.data if t.meta == meta]


def _objective_1d(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -2.0, 10.0)
    return math.exp(-((x - 2.0) ** 2)) + math.exp(-((x - 6.0) ** 2) / 10.0) + 1.0 / (x * x + 1)


def _objective_mixed(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    n = trial.suggest_int("n", 1, 6)
    c = trial.suggest_categorical("c", ["relu", "tanh", "gelu"])
    return (x - 1) ** 2 + (math.log10(lr) + 2) ** 2 + 0.2 * n + (c == "tanh")


@pytest.fixture(scope="module")
def study_1d() -> optuna.Study:
    study = optuna.create_study(
        direction="maximize", sampler=GammaBOSampler(seed=1, n_startup_trials=3)
    )
    study.optimize(_objective_1d, n_trials=7)
    return study


@pytest.fixture(scope="module")
def study_mixed() -> optuna.Study:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=4))
    study.optimize(_objective_mixed, n_trials=9)
    return study


def _complete(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))


# -- 1-D ---------------------------------------------------------------------------------------


def test_1d_band_contains_median_and_observations_are_the_trials(study_1d: optuna.Study) -> None:
    fig = plot_surrogate(study_1d, "x")
    mean = np.asarray(_trace(fig, "median").y)
    upper = np.asarray(_trace(fig, "band_upper").y)
    lower = np.asarray(_trace(fig, "band_lower").y)
    assert len(mean) == 200
    assert np.all(lower < mean) and np.all(mean < upper)
    nu = fig.layout.meta["nu"]
    assert nu == 2 * 2.5 + len(study_1d.trials)  # nu = 2 a0 + n (docs/math.md §2)
    assert fig.layout.meta["quantile"] == pytest.approx(scipy.stats.t.ppf(0.975, nu))

    obs = _trace(fig, "observations")
    trials = _complete(study_1d)
    assert list(obs.x) == [t.params["x"] for t in trials]
    assert list(obs.y) == [t.value for t in trials]

    x = np.asarray(_trace(fig, "median").x)
    assert x[0] == pytest.approx(-2.0) and x[-1] == pytest.approx(10.0)
    assert np.all(np.diff(x) > 0)
    assert len(_trace(fig, "acquisition").y) == len(x)
    assert fig.layout.xaxis.type != "log"


def test_1d_next_suggestion_maximises_the_acquisition(study_1d: optuna.Study) -> None:
    fig = plot_surrogate(study_1d, "x")
    star = _trace(fig, "suggestion_acquisition")
    acq = np.asarray(_trace(fig, "acquisition").y)
    # The optimiser's point is at least as good as the best grid point (up to grid resolution).
    assert star.y[0] >= acq.max() - 1e-3
    assert fig.layout.meta["suggestion"]["x"] == star.x[0]


def test_1d_at_trial_number_uses_earlier_trials_and_marks_that_trial(
    study_1d: optuna.Study,
) -> None:
    k = 5
    fig = plot_surrogate(study_1d, trial_number=k)
    meta = fig.layout.meta
    assert meta["n_trials"] == k
    assert meta["nu"] == 2 * 2.5 + k
    assert meta["trial_number"] == k
    assert list(_trace(fig, "observations").x) == [t.params["x"] for t in study_1d.trials[:k]]
    assert list(_trace(fig, "suggestion").x) == [study_1d.trials[k].params["x"]]
    # The prediction the sampler stored when it suggested trial k, for comparison.
    assert meta["prediction_at_suggestion"]["nu"] == meta["nu"]


def test_gaussian_predictive_uses_the_normal_quantile() -> None:
    study = optuna.create_study(
        sampler=GammaBOSampler(seed=0, n_startup_trials=3, predictive="gaussian")
    )
    study.optimize(_objective_1d, n_trials=5)
    fig = plot_surrogate(study)
    assert fig.layout.meta["nu"] is None
    assert fig.layout.meta["quantile"] == pytest.approx(scipy.stats.norm.ppf(0.975))
    mean = np.asarray(_trace(fig, "median").y)
    upper = np.asarray(_trace(fig, "band_upper").y)
    student = plot_surrogate(study, sampler=GammaBOSampler(seed=0))
    assert student.layout.meta["nu"] == 2 * 2.5 + 5
    # Same data, heavier tails: the Student-t quantile is larger than the normal one.
    assert student.layout.meta["quantile"] > fig.layout.meta["quantile"]
    assert np.all(upper > mean)


def test_heavy_tailed_values_get_an_asymmetric_band_in_objective_units() -> None:
    def rosenbrock(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -5, 10)
        return 100 * (1.5 - x**2) ** 2 + (1 - x) ** 2  # values from ~0 to ~1e6

    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=8))
    study.optimize(rosenbrock, n_trials=10)
    fig = plot_surrogate(study, "x")
    lam = fig.layout.meta["power_transform_lambda"]
    assert lam is not None and 1.0 < lam <= 2.0
    median = np.asarray(_trace(fig, "median").y)
    upper = np.asarray(_trace(fig, "band_upper").y)
    lower = np.asarray(_trace(fig, "band_lower").y)
    assert np.all(lower <= median) and np.all(median <= upper)
    # Minimising, the poor side is up: the transform stretches the band upwards.
    wide = (upper - lower) > 0.01 * (upper - lower).max()  # values are stored rounded
    ratio = (upper - median)[wide] / (median - lower)[wide]
    assert np.all(ratio > 0.999) and ratio.max() > 1.1
    plain = plot_surrogate(study, "x", sampler=GammaBOSampler(seed=0, power_transform=False))
    assert plain.layout.meta["power_transform_lambda"] is None
    p_med = np.asarray(_trace(plain, "median").y)
    np.testing.assert_allclose(
        np.asarray(_trace(plain, "band_upper").y) - p_med,
        p_med - np.asarray(_trace(plain, "band_lower").y),
        rtol=1e-3,  # the figure stores values rounded to a few significant digits
    )


def test_log_parameter_is_drawn_on_a_log_axis(study_mixed: optuna.Study) -> None:
    fig = plot_surrogate(study_mixed, "lr")
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis2.type == "log"
    x = np.asarray(_trace(fig, "median").x)
    assert x[0] == pytest.approx(1e-4) and x[-1] == pytest.approx(1e-1)
    steps = np.diff(np.log(x))
    np.testing.assert_allclose(steps, steps[0], rtol=1e-6)  # evenly spaced in log lr
    assert list(_trace(fig, "observations").x) == [t.params["lr"] for t in _complete(study_mixed)]


def test_int_parameter_uses_its_grid(study_mixed: optuna.Study) -> None:
    fig = plot_surrogate(study_mixed, "n")
    x = list(_trace(fig, "median").x)
    assert x == [1, 2, 3, 4, 5, 6]
    assert all(isinstance(v, int) for v in x)
    lower = np.asarray(_trace(fig, "band_lower").y)
    upper = np.asarray(_trace(fig, "band_upper").y)
    mean = np.asarray(_trace(fig, "median").y)
    assert np.all((lower <= mean) & (mean <= upper))


def test_int_parameter_with_large_range_is_subsampled_on_its_grid() -> None:
    def objective(trial: optuna.Trial) -> float:
        return (trial.suggest_int("units", 1, 1000) - 300) ** 2

    study = optuna.create_study(sampler=GammaBOSampler(seed=0, n_startup_trials=3))
    study.optimize(objective, n_trials=4)
    x = list(_trace(plot_surrogate(study, n_points=50), "median").x)
    assert 40 <= len(x) <= 50
    assert all(isinstance(v, int) and 1 <= v <= 1000 for v in x)
    assert x == sorted(set(x)) and x[0] == 1 and x[-1] == 1000


def test_categorical_parameter_draws_one_error_bar_per_choice(study_mixed: optuna.Study) -> None:
    fig = plot_surrogate(study_mixed, "c")
    mean = _trace(fig, "median")
    assert list(mean.x) == ["relu", "tanh", "gelu"]
    assert np.all(np.asarray(mean.error_y.array) > 0)
    assert np.all(np.asarray(mean.error_y.arrayminus) > 0)
    np.testing.assert_allclose(
        np.asarray(mean.y) + np.asarray(mean.error_y.array),
        _trace(fig, "band_upper").y,
        rtol=1e-5,  # figure data carry 7 significant digits
    )
    assert fig.layout.xaxis.type == "category"
    assert list(fig.layout.xaxis.categoryarray) == ["relu", "tanh", "gelu"]
    assert list(_trace(fig, "observations").x) == [t.params["c"] for t in _complete(study_mixed)]
    assert len(_trace(fig, "acquisition").y) == 3


def test_other_parameters_are_held_at_the_best_trial(study_mixed: optuna.Study) -> None:
    fig = plot_surrogate(study_mixed, "x")
    best = study_mixed.best_params
    assert fig.layout.meta["fixed_params"] == {k: v for k, v in best.items() if k != "x"}
    fixed = plot_surrogate(study_mixed, "x", fixed_params={"c": "gelu", "n": 2})
    assert fixed.layout.meta["fixed_params"]["c"] == "gelu"
    assert fixed.layout.meta["fixed_params"]["n"] == 2
    assert not np.allclose(_trace(fixed, "median").y, _trace(fig, "median").y)


# -- 2-D ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "x_type", "y_type"),
    [
        (("x", "lr"), "linear", "log"),
        (("c", "n"), "category", "linear"),
        (("lr", "c"), "log", "category"),
    ],
)
def test_2d_maps_have_the_grid_shape_and_the_observations(
    study_mixed: optuna.Study, params: tuple[str, str], x_type: str, y_type: str
) -> None:
    fig = plot_surrogate(study_mixed, params)
    mean, width, acq = (_trace(fig, k) for k in ("median_map", "width_map", "acquisition_map"))
    shape = (len(mean.y), len(mean.x))
    for heat in (mean, width, acq):
        assert heat.type == "heatmap"
        assert np.asarray(heat.z).shape == shape
        assert list(heat.x) == list(mean.x) and list(heat.y) == list(mean.y)
    assert np.all(np.asarray(width.z) > 0)
    trials = _complete(study_mixed)
    for obs in _traces(fig, "observations"):  # one per map
        assert list(obs.x) == [t.params[params[0]] for t in trials]
        assert list(obs.y) == [t.params[params[1]] for t in trials]
    stars = _traces(fig, "suggestion")
    assert len(stars) == 3 and all(len(s.x) == 1 for s in stars)
    for axis, kind in ((fig.layout.xaxis, x_type), (fig.layout.yaxis, y_type)):
        assert (axis.type or "linear") == kind
    if x_type == "category":
        assert list(mean.x) == ["relu", "tanh", "gelu"]


def test_2d_median_map_agrees_with_the_1d_curve(study_mixed: optuna.Study) -> None:
    """The 2-D map, cut at the held value of its y parameter, is the 1-D curve of its x."""
    one = plot_surrogate(study_mixed, "n")
    two = plot_surrogate(study_mixed, ("n", "c"))
    held_c = one.layout.meta["fixed_params"]["c"]
    heat = _trace(two, "median_map")
    row = list(heat.y).index(held_c)
    np.testing.assert_allclose(np.asarray(heat.z)[row], _trace(one, "median").y, rtol=1e-6)


def test_2d_at_trial_number_marks_that_trial(study_mixed: optuna.Study) -> None:
    k = 6
    fig = plot_surrogate(study_mixed, ("x", "lr"), trial_number=k)
    star = _trace(fig, "suggestion")
    assert (star.x[0], star.y[0]) == (
        study_mixed.trials[k].params["x"],
        study_mixed.trials[k].params["lr"],
    )
    assert star.name == f"suggestion (trial {k})"
    assert len(_trace(fig, "observations").x) == k


def test_maps_selects_panels(study_mixed: optuna.Study) -> None:
    fig = plot_surrogate(study_mixed, ("x", "lr"), maps=("median", "acquisition"))
    assert [t.meta for t in fig.data if t.type == "heatmap"] == ["median_map", "acquisition_map"]


# -- from the trials alone ---------------------------------------------------------------------


def test_same_figure_from_a_reloaded_study_in_any_process(tmp_path) -> None:  # type: ignore[no-untyped-def]
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    sampler = GammaBOSampler(seed=0, n_startup_trials=3, predictive="gaussian", xi=0.1)
    study = optuna.create_study(study_name="s", storage=storage, sampler=sampler)
    study.optimize(_objective_mixed, n_trials=6)
    attrs_before = [t.system_attrs for t in study.trials]
    live = plot_surrogate(study, ("x", "lr"))
    assert [t.system_attrs for t in study.trials] == attrs_before  # plotting writes nothing

    reloaded = optuna.load_study(study_name="s", storage=storage)  # TPE: settings from sampler=
    again = plot_surrogate(
        reloaded,
        ("x", "lr"),
        sampler=GammaBOSampler(predictive="gaussian", xi=0.1, n_startup_trials=3),
    )
    np.testing.assert_allclose(_trace(again, "median_map").z, _trace(live, "median_map").z)
    np.testing.assert_allclose(_trace(again, "width_map").z, _trace(live, "width_map").z)

    code = (
        "import json, optuna, numpy as np\n"
        "from optuna_gamma import GammaBOSampler\n"
        "from optuna_gamma.visualization import plot_surrogate\n"
        f"study = optuna.load_study(study_name='s', storage={storage!r})\n"
        "fig = plot_surrogate(study, ('x', 'lr'), "
        "sampler=GammaBOSampler(predictive='gaussian', xi=0.1))\n"
        "z = next(t for t in fig.data if t.meta == 'median_map').z\n"
        "print(json.dumps(np.asarray(z).tolist()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    np.testing.assert_allclose(json.loads(out.stdout), _trace(live, "median_map").z)


def test_settings_come_from_the_study_sampler(study_mixed: optuna.Study) -> None:
    fig = plot_surrogate(study_mixed, "x")
    assert fig.layout.meta["predictive"] == "student_t"
    ucb = plot_surrogate(study_mixed, "x", sampler=GammaBOSampler(acquisition="ucb"))
    assert ucb.layout.meta["acquisition"] == "ucb"
    assert _trace(ucb, "acquisition").name == "UCB (standardised)"


# -- other renderings --------------------------------------------------------------------------


@pytest.mark.parametrize("params", ["x", "lr", "c", ("x", "lr"), ("c", "n")])
def test_matplotlib_variant(study_mixed: optuna.Study, params) -> None:  # type: ignore[no-untyped-def]
    fig = plot_surrogate_matplotlib(study_mixed, params)
    axes = fig.get_axes()
    if isinstance(params, str):
        assert len(axes) == 2
        assert axes[1].get_xscale() == ("log" if params == "lr" else "linear")
    else:
        assert len(axes) == 6  # three maps and their colour bars
        assert axes[0].get_title() == "predicted median"


def test_animation_has_one_frame_per_trial(study_1d: optuna.Study) -> None:
    fig = plot_surrogate_animation(study_1d)
    names = [f.name for f in fig.frames]
    assert names == [str(t.number) for t in study_1d.trials[2:]]
    assert len(fig.layout.sliders[0].steps) == len(names)
    with pytest.raises(ValueError, match="trial_numbers"):
        plot_surrogate_animation(study_1d, trial_numbers=[])


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"params": "nope"}, "params contains 'nope'"),
        ({"params": ("x", "lr", "n")}, "one or two parameters"),
        ({"params": ("x", "x")}, "twice"),
        ({"params": []}, "one or two parameters"),
        ({"trial_number": 99}, "trial_number=99"),
        ({"trial_number": 1}, "needs at least 2"),
        ({"n_points": 1}, "n_points"),
        ({"maps": ("mean", "std")}, "maps="),
        ({"fixed_params": {"zz": 1}}, "fixed_params has unknown"),
        ({"fixed_params": {"n": 99}}, "outside its distribution"),
    ],
)
def test_invalid_arguments(study_mixed: optuna.Study, kwargs, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        plot_surrogate(study_mixed, **kwargs)


def test_too_few_trials_and_multi_objective() -> None:
    study = optuna.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    with pytest.raises(ValueError, match="1 COMPLETE trials"):
        plot_surrogate(study)
    multi = optuna.create_study(directions=["minimize", "minimize"])
    multi.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=3)
    with pytest.raises(ValueError, match="2 objectives.*objective="):
        plot_surrogate(multi)
    with pytest.raises(ValueError, match="out of range"):
        plot_surrogate(multi, objective=2)
    with pytest.raises(ValueError, match="not a metric name"):
        plot_surrogate(multi, objective="loss")
    with pytest.raises(TypeError, match="sampler"):
        plot_surrogate(study, sampler=optuna.samplers.TPESampler())  # type: ignore[arg-type]


def test_missing_plotly_gives_an_install_hint(
    study_1d: optuna.Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "plotly", None)
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    with pytest.raises(ImportError, match=r"optuna-gamma\[dashboard\]"):
        plot_surrogate(study_1d)


def test_importing_the_package_imports_no_plotting_library() -> None:
    code = (
        "import sys, optuna_gamma, optuna_gamma.visualization, optuna_gamma.dashboard\n"
        "print([m for m in ('plotly', 'optuna_dashboard', 'torch', 'matplotlib') "
        "if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


# -- constraints -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def study_constrained() -> optuna.Study:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2.0, 2.0)
        y = trial.suggest_float("y", -2.0, 2.0)
        trial.set_constraint("c", x + 0.5 * y)
        return (x - 1) ** 2 + y**2

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=12)
    return study


def _infeasible(study: optuna.Study) -> list[int]:
    return [t.number for t in _complete(study) if t.constraints["c"] > 0]


def test_1d_marks_infeasible_observations_and_draws_the_feasibility(
    study_constrained: optuna.Study,
) -> None:
    from optuna_gamma._search_space import SearchSpace
    from optuna_gamma.surrogate import fit_surrogate

    fig = plot_surrogate(study_constrained, "x")
    infeasible = _infeasible(study_constrained)
    assert 0 < len(infeasible) < len(study_constrained.trials)
    crosses = _trace(fig, "infeasible_observations")
    assert sorted(int(s.split()[1]) for s in crosses.text) == infeasible
    dots = _trace(fig, "observations")
    assert len(dots.x) + len(crosses.x) == len(study_constrained.trials)
    p = np.asarray(_trace(fig, "feasibility").y)
    assert p.shape == (200,) and np.all((0 <= p) & (p <= 1))
    x = np.asarray(_trace(fig, "feasibility").x)
    # The curve is the model's P(feasible) along x with y held at the best feasible trial's.
    fitted = fit_surrogate(
        _complete(study_constrained),
        SearchSpace(study_constrained.trials[-1].distributions),
        study_constrained.direction,
        study_constrained.sampler.surrogate_settings,
    )
    held = fig.layout.meta["fixed_params"]["y"]
    space = SearchSpace(study_constrained.trials[-1].distributions)
    Z = space.encode([{"x": float(v), "y": held} for v in x[::40]])
    np.testing.assert_allclose(p[::40], np.exp(fitted.log_feasibility(Z)), atol=0.05)
    assert p[0] > 0.5 > p[-1]  # feasible for small x, not for large x


def test_2d_default_maps_add_feasibility_and_unconstrained_studies_refuse_it(
    study_constrained: optuna.Study, study_mixed: optuna.Study
) -> None:
    fig = plot_surrogate(study_constrained, ["x", "y"])
    z = np.asarray(_trace(fig, "feasibility_map").z)
    assert z.shape == (50, 50) and z.min() >= 0 and z.max() <= 1
    assert len(_traces(fig, "infeasible_observations")) == 4  # one per map
    with pytest.raises(ValueError, match="feasibility"):
        plot_surrogate(study_mixed, ["x", "lr"], maps=["feasibility"])
    assert not _traces(plot_surrogate(study_mixed, ["x", "lr"]), "feasibility_map")


def test_matplotlib_draws_constrained_studies(study_constrained: optuna.Study) -> None:
    one = plot_surrogate_matplotlib(study_constrained, "x")
    labels = [t.get_text() for t in one.axes[0].get_legend().get_texts()]
    assert "infeasible observations" in labels
    assert any(a.get_ylabel() == "P(feasible)" for a in one.axes)
    two = plot_surrogate_matplotlib(study_constrained, ["x", "y"])
    assert [a.get_title() for a in two.axes if a.get_title()][-1] == "P(feasible)"


def test_multi_objective_plots_one_objective_by_index_or_name() -> None:
    def objective(trial: optuna.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        return x + 0.1 * y, (1 - x) ** 2 + y

    study = optuna.create_study(
        directions=["minimize", "minimize"], sampler=GammaBOSampler(seed=0)
    )
    study.set_metric_names(["error", "size"])
    study.optimize(objective, n_trials=10)
    by_name = plot_surrogate(study, "x", objective="size")
    by_index = plot_surrogate(study, "x", objective=1)
    assert np.allclose(_trace(by_name, "median").y, _trace(by_index, "median").y)
    assert by_name.layout.meta["objective"] == 1 and by_name.layout.meta["acquisition"] == "ehvi"
    # The observations are the second objective's values, the median follows them.
    obs = _trace(by_name, "observations")
    assert sorted(obs.y) == sorted(t.values[1] for t in study.trials)
    first = plot_surrogate(study, "x", objective="error")
    # Different models, one acquisition: the sampler's log EHVI over both objectives.
    assert not np.allclose(_trace(first, "median").y, _trace(by_name, "median").y)
    assert np.allclose(_trace(first, "acquisition").y, _trace(by_name, "acquisition").y)
    assert np.isfinite(_trace(first, "acquisition").y).all()
    plot_surrogate_matplotlib(study, ["x", "y"], objective=0)


def test_conditional_parameters_are_drawn_on_their_branch() -> None:
    def objective(trial: optuna.Trial) -> float:
        shared = trial.suggest_float("shared", -1.0, 1.0)
        if trial.suggest_categorical("branch", ["a", "b"]) == "a":
            return (trial.suggest_float("xa", -3.0, 3.0) - 1.0) ** 2 + shared**2
        return (trial.suggest_float("yb", 0.0, 10.0) - 7.0) ** 2 / 10 + shared**2 + 0.5

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=14)
    on_a = [t for t in _complete(study) if "xa" in t.params]
    assert 0 < len(on_a) < len(study.trials)
    fig = plot_surrogate(study, "xa")
    # The slice holds the branch fixed at the best branch-a trial; only branch-a trials show.
    best_a = min(on_a, key=lambda t: t.value)
    assert fig.layout.meta["fixed_params"] == {
        "branch": "a",
        "shared": best_a.params["shared"],
    }
    assert sorted(_trace(fig, "observations").x) == sorted(t.params["xa"] for t in on_a)
    median = np.asarray(_trace(fig, "median").y)
    x = np.asarray(_trace(fig, "median").x)
    assert abs(x[int(np.argmin(median))] - 1.0) < 0.5  # the model learned branch a's optimum
    # Default parameters are ones every trial has; a 2-D plot across a branch works too.
    assert plot_surrogate(study).layout.meta["params"] == ["branch", "shared"]
    plot_surrogate(study, ["yb", "shared"])
