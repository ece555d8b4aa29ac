"""Noisy objectives: ``best_predicted_trial(s)``, the plug-in incumbent and noisy repeats
(docs/math.md §11)."""

from __future__ import annotations

import math
from pathlib import Path
import subprocess
import sys
from typing import Any

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.study import StudyDirection
from optuna.trial import TrialState
from optuna.trial import create_trial
import pytest

from optuna_gamma import GammaBOSampler
from optuna_gamma import best_predicted_trial
from optuna_gamma import best_predicted_trials
from optuna_gamma._inputs import model_inputs
from optuna_gamma._inputs import relative_search_space
from optuna_gamma._recommend import RECOMMEND_PESSIMISM
from optuna_gamma.dashboard import recommendation_lines
from optuna_gamma.dashboard import sampler_note
from optuna_gamma.surrogate import NEGLIGIBLE_NOISE
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate import fit_model
from optuna_gamma.surrogate import fit_surrogate
from optuna_gamma.surrogate._settings import NOISY_TRUST_REGION
from optuna_gamma.surrogate._settings import TRUST_REGION_FROM

optuna.logging.set_verbosity(optuna.logging.ERROR)

_X = FloatDistribution(0.0, 1.0)


def _study_from(points: list[tuple[float, float]], **sampler_args: object) -> optuna.Study:
    """A minimised study of one parameter ``x`` holding the given (x, value) trials."""
    study = optuna.create_study(sampler=GammaBOSampler(seed=0, **sampler_args))  # type: ignore[arg-type]
    study.add_trials(
        [create_trial(params={"x": x}, distributions={"x": _X}, value=v) for x, v in points]
    )
    return study


def _noisy_bowl(seed: int, n: int = 24, sd: float = 0.05) -> list[tuple[float, float]]:
    """``(x - 0.5)^2`` observed with Gaussian noise at ``n`` evenly spread points."""
    rng = np.random.default_rng(seed)
    xs = np.linspace(0.02, 0.98, n)
    return [(float(x), float((x - 0.5) ** 2 + sd * rng.standard_normal())) for x in xs]


def _matern52(r: np.ndarray) -> np.ndarray:
    s = math.sqrt(5.0) * r
    return (1.0 + s + s * s / 3.0) * np.exp(-s)


def _by_hand(
    study: optuna.Study, points: list[tuple[float, float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The posterior mean ``k^T (K + g I)^-1 y`` and scale ``sqrt(s2 (1 - k^T (K + g I)^-1 k))``
    at the evaluated points from their formulas (docs/math.md eqs. 5-7), on standardised,
    oriented values with the kernel hyperparameters of the sampler's fit, and the values."""
    settings = study.sampler.surrogate_settings  # type: ignore[attr-defined]
    trials = study.get_trials()
    inputs = model_inputs(trials, relative_search_space(trials))
    hp = fit_model(inputs, study.directions, settings).model.hp
    x = np.array([p[0] for p in points])
    v = np.array([p[1] for p in points])
    y = -(v - v.mean()) / v.std()
    assert hp.g > NEGLIGIBLE_NOISE  # the model sees the noise
    K = _matern52(np.abs(x[:, None] - x[None, :]) * math.sqrt(hp.inv_ls2[0]))
    C = K + hp.g * np.eye(len(x))
    mean = K @ np.linalg.solve(C, y)
    a0, b0 = settings.prior_concentration, settings.prior_rate
    s2 = (2 * b0 + y @ np.linalg.solve(C, y)) / (2 * a0 + len(x))
    scale = np.sqrt(s2 * (1.0 - np.einsum("ij,ji->i", K, np.linalg.solve(C, K))))
    return mean, scale, v


def test_the_recommendation_is_the_best_lower_confidence_bound_computed_by_hand() -> None:
    points = _noisy_bowl(seed=1)
    study = _study_from(points, power_transform=False)
    chosen = best_predicted_trial(study)
    mean, scale, v = _by_hand(study, points)
    expected = int(np.argmax(mean - RECOMMEND_PESSIMISM * scale))
    assert chosen.number == expected
    # Its predicted median is that mean in the objective's units.
    median = -(mean[expected] * v.std()) + v.mean()
    assert chosen.user_attrs["gammabo_predicted_median"] == pytest.approx(median, rel=1e-6)
    lower = chosen.user_attrs["gammabo_predicted_lower"]
    upper = chosen.user_attrs["gammabo_predicted_upper"]
    assert lower < median < upper


def test_a_well_supported_mean_outranks_a_larger_uncertain_one() -> None:
    """Where the largest posterior mean and the largest lower bound are different trials, the
    recommendation is the lower bound's: an evaluated point alone at the edge of the data,
    with a good value, against one among good neighbours."""
    xs = [0.02, 0.3, 0.33, 0.36, 0.4, 0.43, 0.46, 0.5, 0.53, 0.56, 0.6, 0.63, 0.66, 0.7]
    rng = np.random.default_rng(4)
    points = [(x, (x - 0.5) ** 2 + 0.03 * rng.standard_normal()) for x in xs]
    points[0] = (0.02, -0.04)  # alone, at the edge, better than any other value
    study = _study_from(points, power_transform=False)
    mean, scale, _ = _by_hand(study, points)
    lcb = int(np.argmax(mean - RECOMMEND_PESSIMISM * scale))
    assert int(np.argmax(mean)) == 0 != lcb  # the two rules disagree here
    assert best_predicted_trial(study).number == lcb


def test_ties_at_the_best_observed_value_go_to_the_best_lower_bound() -> None:
    """A noise-free (negligible noise) fit returns the best observed trial; among several at
    the best value -- not the first of them, but the one the model rates best."""
    points = [(x, min(abs(x - 0.5), 0.3)) for x in np.linspace(0.0, 1.0, 21)]
    points += [(0.5, 0.0)]  # ... and at x = 0.5 a second trial of value 0
    points[0] = (0.01, 0.0)  # a first trial of value 0, far from the others of small value
    study = _study_from(points, deterministic_objective=True)
    tied = [t.number for t in study.trials if t.value == 0.0]
    assert study.best_trial.number == tied[0] == 0
    chosen = best_predicted_trial(study)
    assert chosen.number in tied and chosen.number != 0


def test_a_lucky_outlier_is_best_observed_but_not_recommended() -> None:
    points = _noisy_bowl(seed=2)
    points[1] = (points[1][0], -0.3)  # far from the optimum at 0.5, better than any other value
    study = _study_from(points)
    assert study.best_trial.number == 1
    chosen = best_predicted_trial(study)
    assert chosen.number != 1
    assert abs(chosen.params["x"] - 0.5) < 0.15


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_free_objectives_get_the_best_observed_trial(seed: int) -> None:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -5.0, 10.0)
        y = trial.suggest_float("y", 0.0, 15.0)
        b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
        return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10

    study = optuna.create_study(sampler=GammaBOSampler(seed=seed))
    study.optimize(objective, n_trials=30)
    assert best_predicted_trial(study).number == study.best_trial.number
    exact = GammaBOSampler(seed=seed, deterministic_objective=True)
    assert best_predicted_trial(study, sampler=exact).number == study.best_trial.number


def test_deterministic_objective_returns_the_best_observed_even_under_noise() -> None:
    points = _noisy_bowl(seed=2)
    points[1] = (points[1][0], -0.3)
    study = _study_from(points, deterministic_objective=True)
    chosen = best_predicted_trial(study)
    assert chosen.number == 1
    assert "gammabo_predicted_median" in chosen.user_attrs


def test_the_study_is_not_changed_and_the_copy_is_annotated() -> None:
    study = _study_from(_noisy_bowl(seed=3))
    chosen = best_predicted_trial(study)
    assert "gammabo_predicted_median" in chosen.user_attrs
    stored = study.trials[chosen.number]
    assert not any(k.startswith("gammabo_predicted") for k in stored.user_attrs)


def test_maximisation_picks_the_largest_posterior_mean() -> None:
    points = [(x, -v) for x, v in _noisy_bowl(seed=4)]
    study = optuna.create_study(direction="maximize", sampler=GammaBOSampler(seed=0))
    study.add_trials(
        [create_trial(params={"x": x}, distributions={"x": _X}, value=v) for x, v in points]
    )
    minimised = _study_from(_noisy_bowl(seed=4))
    assert best_predicted_trial(study).number == best_predicted_trial(minimised).number


def test_a_new_process_that_loads_the_study_gets_the_same_recommendation(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'noisy.db'}"
    rng = np.random.default_rng(0)

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1.0, 1.0)
        y = trial.suggest_int("y", -5, 5)
        return x**2 + 0.05 * y**2 + 0.2 * rng.standard_normal()

    study = optuna.create_study(
        study_name="noisy", storage=storage, sampler=GammaBOSampler(seed=0)
    )
    study.optimize(objective, n_trials=25)
    here = best_predicted_trial(study)
    code = (
        "import optuna\n"
        "from optuna_gamma import GammaBOSampler, best_predicted_trial\n"
        f"study = optuna.load_study(study_name='noisy', storage={storage!r}, "
        "sampler=GammaBOSampler(seed=123))\n"
        "t = best_predicted_trial(study)\n"
        "print(t.number, repr(t.user_attrs['gammabo_predicted_median']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    number, median = done.stdout.split()
    assert int(number) == here.number
    assert float(median) == here.user_attrs["gammabo_predicted_median"]


def test_only_feasible_trials_are_recommended() -> None:
    # The objective falls towards x = 1, the constraint allows x <= 0.6 only: the best
    # posterior means lie where the trials are infeasible.
    rng = np.random.default_rng(5)
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    for x in np.linspace(0.0, 1.0, 21):
        trial = create_trial(
            params={"x": float(x)},
            distributions={"x": _X},
            value=float(-x + 0.1 * rng.standard_normal()),
            constraints={"c": float(x - 0.6)},
        )
        study.add_trial(trial)
    chosen = best_predicted_trial(study)
    assert chosen.params["x"] <= 0.6
    assert all(v <= 0 for v in chosen.constraints.values())
    # With no feasible trial there is nothing to recommend.
    none = optuna.create_study(sampler=GammaBOSampler(seed=0))
    none.add_trials(
        [
            create_trial(
                params={"x": 0.5 + 0.1 * i},
                distributions={"x": _X},
                value=1.0,
                constraints={"c": 1.0},
            )  # fmt: skip
            for i in range(3)
        ]
    )
    with pytest.raises(ValueError, match="no feasible COMPLETE trial"):
        best_predicted_trial(none)


def _two_objective_study(noise: float, seed: int = 0) -> optuna.Study:
    rng = np.random.default_rng(seed)
    study = optuna.create_study(
        directions=["minimize", "minimize"], sampler=GammaBOSampler(seed=0)
    )
    distributions = {"x": _X, "y": _X}
    for _ in range(30):
        x, y = rng.random(2)
        values = [x + y * 0.3, (1 - x) + y * 0.3]
        study.add_trial(
            create_trial(
                params={"x": float(x), "y": float(y)},
                distributions=distributions,
                values=[float(v + noise * rng.standard_normal()) for v in values],
            )
        )
    return study


def test_several_objectives_get_the_pareto_set_of_the_posterior_means() -> None:
    study = _two_objective_study(noise=0.1)
    chosen = best_predicted_trials(study)
    assert chosen and [t.number for t in chosen] == sorted(t.number for t in chosen)
    medians = np.array([t.user_attrs["gammabo_predicted_median"] for t in chosen])  # (k, 2)
    assert medians.shape == (len(chosen), 2)
    for i in range(len(chosen)):  # no recommended trial's prediction dominates another's
        dominates = np.all(medians <= medians[i], axis=1) & np.any(medians < medians[i], axis=1)
        assert not dominates.any()
    # The noisy Pareto set is not simply the observed one: y (shared, irrelevant to the
    # trade-off) is small on every recommended trial.
    assert np.mean([t.params["y"] for t in chosen]) < 0.3
    with pytest.raises(ValueError, match="best_predicted_trials"):
        best_predicted_trial(study)


def test_several_noise_free_objectives_get_the_observed_pareto_set() -> None:
    study = _two_objective_study(noise=0.0)
    observed = sorted(t.number for t in study.best_trials)
    assert [t.number for t in best_predicted_trials(study)] == observed


def test_what_cannot_be_modelled_falls_back_to_the_best_observed() -> None:
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    with pytest.raises(ValueError, match="no COMPLETE trial"):
        best_predicted_trial(study)
    study.add_trial(create_trial(params={"x": 0.3}, distributions={"x": _X}, value=2.0))
    assert best_predicted_trial(study).number == 0  # one trial: nothing to fit
    no_params = optuna.create_study()
    no_params.add_trials([create_trial(value=v) for v in (3.0, 1.0, 2.0)])
    assert best_predicted_trial(no_params).number == 1
    with pytest.raises(TypeError, match="sampler must be a GammaBOSampler"):
        best_predicted_trial(study, sampler=optuna.samplers.TPESampler())  # type: ignore[arg-type]


def test_any_sampler_s_study_can_be_asked() -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.add_trials(
        [create_trial(params={"x": x}, distributions={"x": _X}, value=v) for x, v in
         _noisy_bowl(seed=6)]
    )  # fmt: skip
    chosen = best_predicted_trial(study)
    assert chosen.state == TrialState.COMPLETE
    assert "gammabo_predicted_median" in chosen.user_attrs


# -- the plug-in incumbent ------------------------------------------------------------------------


def _fitted(points: list[tuple[float, float]], **settings: object):  # type: ignore[no-untyped-def]
    study = _study_from(points)
    return fit_surrogate(
        study.get_trials(),
        {"x": _X},
        StudyDirection.MINIMIZE,
        SurrogateSettings(**settings),  # type: ignore[arg-type]
    )


def test_the_plug_in_incumbent_is_the_best_posterior_mean_under_noise() -> None:
    points = _noisy_bowl(seed=2)
    points[1] = (points[1][0], -0.3)
    fitted = _fitted(points, incumbent="plug_in")
    assert fitted.model.hp.g > NEGLIGIBLE_NOISE
    means = fitted.model.predict(fitted.X)[0]
    assert fitted.y_best == pytest.approx(float(means.max()))
    assert fitted.y_best < float(fitted.y.max())  # the lucky value no longer sets it
    # The default is the best observed value, and so is a deterministic objective's.
    observed = _fitted(points)
    assert observed.y_best == pytest.approx(float(observed.y.max()))
    exact = _fitted(points, incumbent="plug_in", deterministic_objective=True)
    assert exact.y_best == pytest.approx(float(exact.y.max()))


def test_noise_free_values_keep_the_observed_incumbent_even_with_the_plug_in_rule() -> None:
    points = [(float(x), float((x - 0.5) ** 2)) for x in np.linspace(0.0, 1.0, 12)]
    fitted = _fitted(points, incumbent="plug_in")
    assert fitted.model.hp.g <= NEGLIGIBLE_NOISE
    assert fitted.y_best == float(fitted.y.max())


def test_noisy_repeats_re_evaluates_where_the_model_asks_for_it() -> None:
    def study_of(settings: SurrogateSettings) -> optuna.Study:
        rng = np.random.default_rng(0)

        def objective(trial: optuna.Trial) -> float:
            x = trial.suggest_int("x", 0, 200)
            return ((x - 100) / 100) ** 2 + 0.3 * rng.standard_normal()

        study = optuna.create_study(sampler=GammaBOSampler(seed=0, surrogate_settings=settings))
        study.optimize(objective, n_trials=30)
        return study

    def repeats(study: optuna.Study) -> int:
        xs = [t.params["x"] for t in study.trials]
        return len(xs) - len(set(xs))

    # Without the noise check's one deliberate repeat, to count the maximiser's own.
    assert repeats(study_of(SurrogateSettings(noise_check=False))) == 0
    assert repeats(study_of(SurrogateSettings(noise_check=False, noisy_repeats=True))) > 0


def test_the_new_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="incumbent"):
        SurrogateSettings(incumbent="mean")
    with pytest.raises(TypeError, match="noisy_repeats"):
        SurrogateSettings(noisy_repeats="yes")  # type: ignore[arg-type]


# -- the dashboard note ---------------------------------------------------------------------------


def test_the_note_names_the_recommended_trial_beside_the_best_observed() -> None:
    points = _noisy_bowl(seed=2)
    points[1] = (points[1][0], -0.3)
    study = _study_from(points)
    chosen = best_predicted_trial(study)
    note = sampler_note(study.sampler, n_complete=len(points), study=study)
    assert "`study.best_trial` (best observed): trial 1, value -0.3." in note
    assert f"`best_predicted_trial` (best by the model): trial {chosen.number}, observed" in note
    assert f"predicted {chosen.user_attrs['gammabo_predicted_median']:.6g}" in note
    assert "They differ" in note
    empty = optuna.create_study()
    assert "None yet" in "\n".join(recommendation_lines(empty))
    several = _two_objective_study(noise=0.1)
    assert "`best_predicted_trials`" in "\n".join(recommendation_lines(several))


def test_integer_spaces_are_recommended_too() -> None:
    rng = np.random.default_rng(7)
    distribution = IntDistribution(0, 20)
    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.add_trials(
        [
            create_trial(
                params={"k": k},
                distributions={"k": distribution},
                value=float(((k - 10) / 10) ** 2 + 0.1 * rng.standard_normal()),
            )  # fmt: skip
            for k in range(21)
        ]
    )
    assert abs(best_predicted_trial(study).params["k"] - 10) <= 3


def test_branched_spaces_and_pruned_trials_are_recommended_from() -> None:
    rng = np.random.default_rng(8)

    def objective(trial: optuna.Trial) -> float:
        family = trial.suggest_categorical("family", ["svm", "tree"])
        if family == "svm":
            c = trial.suggest_float("c", 0.0, 1.0)
            value = (c - 0.7) ** 2
        else:
            depth = trial.suggest_int("depth", 1, 10)
            value = 0.2 + ((depth - 5) / 10) ** 2
        if trial.number % 7 == 6:
            raise optuna.TrialPruned()
        return value + 0.05 * rng.standard_normal()

    study = optuna.create_study(sampler=GammaBOSampler(seed=0))
    study.optimize(objective, n_trials=30)
    assert any(t.state == TrialState.PRUNED for t in study.trials)
    chosen = best_predicted_trial(study)
    assert chosen.state == TrialState.COMPLETE
    assert chosen.params["family"] == "svm"  # the better family, by 0.2 on average
    assert "gammabo_predicted_median" in chosen.user_attrs


# -- the trust region under noise -----------------------------------------------------------------


def _bowl_2d(noise: float, seed: int = 0) -> tuple[optuna.Study, dict[str, FloatDistribution]]:
    rng = np.random.default_rng(seed)
    dists = {"x": FloatDistribution(-1.0, 1.0), "y": FloatDistribution(-1.0, 1.0)}
    study = optuna.create_study()
    for _ in range(30):
        x, y = rng.uniform(-1.0, 1.0, size=2)
        value = (x - 0.3) ** 2 + (y + 0.2) ** 2 + noise * rng.standard_normal()
        study.add_trial(create_trial(params={"x": x, "y": y}, distributions=dists, value=value))
    return study, dists


def test_under_noise_the_trust_region_keeps_the_maximiser_near_the_best_posterior_mean() -> None:
    study, dists = _bowl_2d(noise=0.5)
    width = 0.1
    fitted = fit_surrogate(
        study.get_trials(), dists, StudyDirection.MINIMIZE,
        SurrogateSettings(noisy_trust_region=width),
    )  # fmt: skip
    assert fitted.model.hp.g > NEGLIGIBLE_NOISE
    centre = fitted.X[int(np.argmax(fitted.model.predict(fitted.X)[0]))]
    for seed in range(3):
        x, _ = fitted.maximize(np.random.default_rng(seed), None)
        assert np.all(np.abs(x - centre) <= width + 0.01), (x, centre)
    # Without it the maximiser leaves the region (the corners' predictive scale is largest).
    whole = fit_surrogate(
        study.get_trials(), dists, StudyDirection.MINIMIZE,
        SurrogateSettings(noisy_trust_region=None),
    )  # fmt: skip
    x, _ = whole.maximize(np.random.default_rng(0), None)
    assert np.any(np.abs(x - centre) > width + 0.01)


def test_without_noise_the_trust_region_changes_nothing() -> None:
    study, dists = _bowl_2d(noise=0.0)
    trials = study.get_trials()
    plain = fit_surrogate(
        trials, dists, StudyDirection.MINIMIZE, SurrogateSettings(noisy_trust_region=None)
    )
    region = fit_surrogate(
        trials, dists, StudyDirection.MINIMIZE, SurrogateSettings(noisy_trust_region=0.05)
    )
    assert region.model.hp.g <= NEGLIGIBLE_NOISE
    a, _ = plain.maximize(np.random.default_rng(1), None)
    b, _ = region.maximize(np.random.default_rng(1), None)
    assert np.array_equal(a, b)


def test_the_trust_region_width_is_validated() -> None:
    for bad in (0.0, -0.1, 0.6, math.inf):
        with pytest.raises(ValueError, match="noisy_trust_region"):
            SurrogateSettings(noisy_trust_region=bad)
    with pytest.raises(TypeError, match="noisy_trust_region"):
        SurrogateSettings(noisy_trust_region="0.2")  # type: ignore[arg-type]
    assert SurrogateSettings(noisy_trust_region=1 / 4).noisy_trust_region == 0.25
    assert SurrogateSettings().noisy_trust_region == NOISY_TRUST_REGION == 0.25  # the default
    assert SurrogateSettings(noisy_trust_region=None).noisy_trust_region is None  # the whole box


def test_trust_region_from_confines_a_noise_free_search_in_enough_dimensions_only() -> None:
    # A noise-free bowl evaluated only left of its minimum (x < -0.2, the minimum at x = 0.3):
    # over the whole box the maximiser goes right, well away from the best trial; the region
    # acts only with trust_region_from at most the number of continuous parameters.
    rng = np.random.default_rng(0)
    dists = {"x": FloatDistribution(-1.0, 1.0), "y": FloatDistribution(-1.0, 1.0)}
    trials = []
    for _ in range(20):
        x, y = rng.uniform(-1.0, -0.2), rng.uniform(-1.0, 1.0)
        value = (x - 0.3) ** 2 + (y + 0.2) ** 2
        trials.append(create_trial(params={"x": x, "y": y}, distributions=dists, value=value))

    def fitted_with(**settings: Any) -> Any:
        return fit_surrogate(trials, dists, StudyDirection.MINIMIZE, SurrogateSettings(**settings))

    plain = fitted_with(trust_region_from=None)
    assert plain.model.hp.g <= NEGLIGIBLE_NOISE
    centre = plain.X[int(np.argmax(plain.model.predict(plain.X)[0]))]
    a, _ = plain.maximize(np.random.default_rng(1), None)
    assert np.any(np.abs(a - centre) > 0.1), (a, centre)  # the test can tell
    too_few = fitted_with(trust_region_from=3, noisy_trust_region=0.05)  # 2 parameters < 3
    b, _ = too_few.maximize(np.random.default_rng(1), None)
    assert np.array_equal(a, b)
    for width in (0.05, None):  # None: the default width, NOISY_TRUST_REGION
        confined = fitted_with(trust_region_from=2, noisy_trust_region=width)
        limit = NOISY_TRUST_REGION if width is None else width
        for seed in range(3):
            x, _ = confined.maximize(np.random.default_rng(seed), None)
            assert np.all(np.abs(x - centre) <= limit + 0.01), (x, centre, width)
            if width is not None:
                assert np.any(np.abs(x - centre) > 0.5 * limit)  # it leans to the region's edge


def test_trust_region_from_is_validated() -> None:
    for bad in (0, -1):
        with pytest.raises(ValueError, match="trust_region_from"):
            SurrogateSettings(trust_region_from=bad)
    with pytest.raises(TypeError, match="trust_region_from"):
        SurrogateSettings(trust_region_from=2.5)  # type: ignore[arg-type]
    assert SurrogateSettings().trust_region_from == TRUST_REGION_FROM == 20  # the default
    assert SurrogateSettings(trust_region_from=None).trust_region_from is None


def test_by_default_a_noise_free_search_in_20_dimensions_stays_near_the_best_trial() -> None:
    # A noise-free 20-D bowl evaluated only left of its minimum in x0 (x0 < -0.2, the minimum
    # at x0 = 0.8; the fit's noise negligible): by default the maximiser stays within
    # NOISY_TRUST_REGION of the trial of best posterior mean; over the whole box
    # (trust_region_from=None, the rule before 0.2) it goes further right.
    rng = np.random.default_rng(1)
    dists = {f"x{i}": FloatDistribution(-1.0, 1.0) for i in range(20)}
    trials = []
    for _ in range(30):
        x = rng.uniform(-1.0, 1.0, size=20)
        x[0] = rng.uniform(-1.0, -0.2)
        value = float(4.0 * (x[0] - 0.8) ** 2 + np.sum(x[1:] ** 2))
        params = {f"x{i}": float(v) for i, v in enumerate(x)}
        trials.append(create_trial(params=params, distributions=dists, value=value))
    default = fit_surrogate(trials, dists, StudyDirection.MINIMIZE, SurrogateSettings())
    assert default.model.hp.g <= NEGLIGIBLE_NOISE
    centre = default.X[int(np.argmax(default.model.predict(default.X)[0]))]
    for seed in range(2):
        x, _ = default.maximize(np.random.default_rng(seed), None)
        assert np.all(np.abs(x - centre) <= NOISY_TRUST_REGION + 0.01), np.abs(x - centre).max()
    whole = fit_surrogate(
        trials, dists, StudyDirection.MINIMIZE, SurrogateSettings(trust_region_from=None)
    )
    x, _ = whole.maximize(np.random.default_rng(0), None)
    assert np.any(np.abs(x - centre) > NOISY_TRUST_REGION + 0.01)
