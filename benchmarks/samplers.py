"""Sampler factories by name, each built from a seed for one (problem, budget).

=============  ==============================================================================
name           sampler
=============  ==============================================================================
gamma-t        ``optuna_gamma.GammaBOSampler(seed=seed, predictive="student_t")``
gamma-gauss    ``optuna_gamma.GammaBOSampler(seed=seed, predictive="gaussian")``
gamma-t-s3     ``optuna_gamma.GammaBOSampler(seed=seed, n_startup_trials=3)`` (Student-t)
gamma-t-s10    ``optuna_gamma.GammaBOSampler(seed=seed, n_startup_trials=10)`` (Student-t);
               with gamma-t (default 5) these choose the default ``n_startup_trials``
gamma-t-xi001  ``optuna_gamma.GammaBOSampler(seed=seed, xi=0.01)`` (Student-t; the blog's xi,
               the default before the benchmark chose xi=0)
gamma-t-nopt   ``optuna_gamma.GammaBOSampler(seed=seed, power_transform=False)`` (Student-t;
               standardised values only, no Yeo-Johnson transform)
gamma-t-0.1    ``GammaBOSampler(seed=seed, surrogate_settings=SurrogateSettings(
               lengthscale_prior_mode=1.0, acquisition_starts="best"))``: 0.1's lengthscale
               prior and acquisition starts
gp             ``optuna.samplers.GPSampler(seed=seed)``
tpe            ``optuna.samplers.TPESampler(seed=seed)``
random         ``optuna.samplers.RandomSampler(seed=seed)``
cmaes          ``optuna.samplers.CmaEsSampler(seed=seed)`` (needs the ``cmaes`` package)
qmc            ``optuna.samplers.QMCSampler(seed=seed, scramble=True)`` (Sobol)
grid           ``optuna.samplers.GridSampler`` over an evenly spaced grid of at most n_trials
               points; only static spaces where every numeric parameter gets >= 2 values
bayes_opt      :class:`BayesOptSampler`, the ``bayesian-optimization`` package with EI
               (xi=0.01); continuous spaces only
=============  ==============================================================================

Every sampler runs with its own defaults otherwise (e.g. ``n_startup_trials``), as a user would
run it; only the independent-sampling warnings are silenced. ``optuna_gamma`` and ``bayes_opt``
are imported inside their factories, so this module imports without them.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
import importlib.util
import inspect
import math
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.samplers import BaseSampler
from optuna.samplers import RandomSampler
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from benchmarks.problems import Problem

SamplerFactory = Callable[[int, Problem, int], BaseSampler]


@dataclass(frozen=True)
class SamplerSpec:
    """A named sampler: ``make(seed, problem, n_trials)`` and a support check.

    ``unsupported(problem, n_trials)`` returns ``None`` when the sampler can run the problem, or
    a short reason why it is skipped.
    """

    name: str
    make: SamplerFactory
    unsupported: Callable[[Problem, int], str | None]
    description: str


def _always(problem: Problem, n_trials: int) -> str | None:
    return None


def _gamma(
    predictive: str,
    n_startup_trials: int | None = None,
    xi: float | None = None,
    power_transform: bool | None = None,
) -> SamplerFactory:
    """GammaBOSampler with ``predictive``; ``None`` keeps the sampler's default."""

    def make(seed: int, problem: Problem, n_trials: int) -> BaseSampler:
        try:
            from optuna_gamma import GammaBOSampler
        except ImportError as err:  # pragma: no cover - only before the sampler exists
            raise ImportError(f"sampler 'gamma-*' needs optuna_gamma: {err}") from err
        kwargs: dict[str, Any] = {"seed": seed, "predictive": predictive}
        if n_startup_trials is not None:
            kwargs["n_startup_trials"] = n_startup_trials
        if xi is not None:
            kwargs["xi"] = xi
        if power_transform is not None:
            kwargs["power_transform"] = power_transform
        if "warn_independent_sampling" in inspect.signature(GammaBOSampler).parameters:
            kwargs["warn_independent_sampling"] = False
        return GammaBOSampler(**kwargs)

    return make


def _make_gamma_01(seed: int, problem: Problem, n_trials: int) -> BaseSampler:
    """GammaBOSampler with the global-search decisions of 0.2 undone (benchmarks/bbob.py's
    ``gamma-0.1``): the lengthscale prior's mode at 1 and the top-scored acquisition starts,
    through the sampler's public settings."""
    from optuna_gamma import GammaBOSampler
    from optuna_gamma.surrogate import SurrogateSettings

    settings = SurrogateSettings(lengthscale_prior_mode=1.0, acquisition_starts="best")
    return GammaBOSampler(seed=seed, warn_independent_sampling=False, surrogate_settings=settings)


def _grid_unsupported(problem: Problem, n_trials: int) -> str | None:
    if problem.distributions is None:
        return "conditional search space"
    if grid_values(problem.distributions, n_trials) is None:
        return f"no grid with >= 2 values per numeric parameter fits {n_trials} trials"
    return None


def _make_grid(seed: int, problem: Problem, n_trials: int) -> BaseSampler:
    assert problem.distributions is not None
    grid = grid_values(problem.distributions, n_trials)
    if grid is None:
        raise ValueError(_grid_unsupported(problem, n_trials))
    return optuna.samplers.GridSampler(grid, seed=seed)


def _bayes_opt_unsupported(problem: Problem, n_trials: int) -> str | None:
    if importlib.util.find_spec("bayes_opt") is None:
        return "bayesian-optimization is not installed"
    if not problem.continuous:
        return "bayes_opt handles continuous spaces only"
    return None


def _make_bayes_opt(seed: int, problem: Problem, n_trials: int) -> BaseSampler:
    assert problem.distributions is not None
    return BayesOptSampler(problem.distributions, seed=seed)


SAMPLERS: dict[str, SamplerSpec] = {
    s.name: s
    for s in [
        SamplerSpec(
            "gamma-t", _gamma("student_t"), _always, "GammaBOSampler, Student-t predictive"
        ),
        SamplerSpec(
            "gamma-gauss", _gamma("gaussian"), _always, "GammaBOSampler, Gaussian predictive"
        ),
        SamplerSpec(
            "gamma-t-s3",
            _gamma("student_t", n_startup_trials=3),
            _always,
            "GammaBOSampler, Student-t, n_startup_trials=3",
        ),
        SamplerSpec(
            "gamma-t-s10",
            _gamma("student_t", n_startup_trials=10),
            _always,
            "GammaBOSampler, Student-t, n_startup_trials=10",
        ),
        SamplerSpec(
            "gamma-t-xi001",
            _gamma("student_t", xi=0.01),
            _always,
            "GammaBOSampler, Student-t, xi=0.01 (the blog's exploration offset)",
        ),
        SamplerSpec(
            "gamma-t-nopt",
            _gamma("student_t", power_transform=False),
            _always,
            "GammaBOSampler, Student-t, power_transform=False (standardisation only)",
        ),
        SamplerSpec(
            "gamma-t-0.1",
            _make_gamma_01,
            _always,
            "GammaBOSampler, Student-t, with 0.1's lengthscale prior and acquisition starts",
        ),
        SamplerSpec(
            "gp",
            lambda seed, p, n: optuna.samplers.GPSampler(
                seed=seed, warn_independent_sampling=False
            ),
            _always,
            "optuna GPSampler",
        ),
        SamplerSpec(
            "tpe", lambda seed, p, n: optuna.samplers.TPESampler(seed=seed), _always, "TPESampler"
        ),
        SamplerSpec(
            "random", lambda seed, p, n: RandomSampler(seed=seed), _always, "RandomSampler"
        ),
        SamplerSpec(
            "cmaes",
            lambda seed, p, n: optuna.samplers.CmaEsSampler(
                seed=seed, warn_independent_sampling=False
            ),
            lambda p, n: (
                None if importlib.util.find_spec("cmaes") is not None else "cmaes is not installed"
            ),
            "CmaEsSampler",
        ),
        SamplerSpec(
            "qmc",
            lambda seed, p, n: optuna.samplers.QMCSampler(
                seed=seed,
                scramble=True,
                warn_independent_sampling=False,
                warn_asynchronous_seeding=False,
            ),
            _always,
            "QMCSampler (scrambled Sobol)",
        ),
        SamplerSpec("grid", _make_grid, _grid_unsupported, "GridSampler, even grid <= budget"),
        SamplerSpec(
            "bayes_opt", _make_bayes_opt, _bayes_opt_unsupported, "bayesian-optimization, EI"
        ),
    ]
}


def get_sampler_spec(name: str) -> SamplerSpec:
    """Return a registered sampler spec; a ``ValueError`` lists the valid names otherwise."""
    try:
        return SAMPLERS[name]
    except KeyError:
        raise ValueError(
            f"unknown sampler {name!r}; valid samplers: {', '.join(SAMPLERS)}"
        ) from None


def resolve_samplers(spec: str) -> list[str]:
    """Expand a comma list of sampler names; ``all`` selects every registered sampler."""
    out: list[str] = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        names = list(SAMPLERS) if item == "all" else None
        if names is None:
            if item not in SAMPLERS:
                raise ValueError(
                    f"--samplers: unknown sampler {item!r}; valid samplers: "
                    f"all, {', '.join(SAMPLERS)}"
                )
            names = [item]
        out.extend(n for n in names if n not in out)
    if not out:
        raise ValueError(f"--samplers: empty selection {spec!r}")
    return out


def make_sampler(name: str, seed: int, problem: Problem, n_trials: int) -> BaseSampler:
    """Build sampler ``name`` for one run; ``ValueError`` if it cannot run ``problem``."""
    spec = get_sampler_spec(name)
    reason = spec.unsupported(problem, n_trials)
    if reason is not None:
        raise ValueError(f"sampler {name!r} cannot run problem {problem.name!r}: {reason}")
    return spec.make(seed, problem, n_trials)


# --------------------------------------------------------------------------------------------
# Grid construction
# --------------------------------------------------------------------------------------------


def _axis(dist: BaseDistribution, k: int) -> list[Any]:
    """k evenly spaced values of a distribution (log-spaced if log; ints rounded, unique)."""
    if isinstance(dist, CategoricalDistribution):
        return list(dist.choices)
    assert isinstance(dist, (FloatDistribution, IntDistribution))
    lo, hi = float(dist.low), float(dist.high)
    pts = np.geomspace(lo, hi, k) if dist.log else np.linspace(lo, hi, k)
    if isinstance(dist, IntDistribution):
        step = dist.step
        vals = sorted({int(lo + step * round((v - lo) / step)) for v in pts})
        return [min(max(v, dist.low), dist.high) for v in vals]
    if dist.step is not None:
        return sorted({lo + dist.step * round((v - lo) / dist.step) for v in pts})
    return [float(v) for v in pts]


def _cap(dist: BaseDistribution) -> float:
    if isinstance(dist, IntDistribution):
        return (dist.high - dist.low) // dist.step + 1
    if isinstance(dist, FloatDistribution) and dist.step is not None:
        return math.floor((dist.high - dist.low) / dist.step + 1e-9) + 1
    return math.inf


def grid_values(
    distributions: Mapping[str, BaseDistribution], n_trials: int
) -> dict[str, list[Any]] | None:
    """An even grid of at most ``n_trials`` points, or ``None`` if none fits.

    Categoricals take all their choices. Numeric parameters start at 2 values each (the bounds)
    and the one with the fewest values gets one more while the product stays within the budget;
    a parameter never gets more values than it has. Returns ``None`` when even 2 values per
    numeric parameter exceed ``n_trials``.
    """
    counts: dict[str, int] = {}
    fixed = 1
    for name, dist in distributions.items():
        if isinstance(dist, CategoricalDistribution):
            fixed *= len(dist.choices)
        else:
            counts[name] = int(min(2, _cap(dist)))
    if fixed * math.prod(counts.values()) > n_trials:
        return None
    while True:
        open_ = [n for n in counts if counts[n] < _cap(distributions[n])]
        if not open_:
            break
        name = min(open_, key=lambda n: counts[n])
        trial_counts = {**counts, name: counts[name] + 1}
        if fixed * math.prod(trial_counts.values()) > n_trials:
            break
        counts = trial_counts
    return {name: _axis(dist, counts.get(name, 0)) for name, dist in distributions.items()}


# --------------------------------------------------------------------------------------------
# bayes_opt adapter
# --------------------------------------------------------------------------------------------


class BayesOptSampler(BaseSampler):
    """The ``bayesian-optimization`` package (bayes_opt) behind Optuna's sampler interface.

    Each suggestion builds a fresh ``bayes_opt.BayesianOptimization`` over the static continuous
    space (log-scaled floats are searched in log10 space), registers every completed trial
    (sign-flipped for minimisation, since bayes_opt maximises) and returns its ``suggest()``
    under Expected Improvement with ``xi``. The first ``n_startup_trials`` trials are random,
    matching ``BayesianOptimization.maximize(init_points=5)``.

    Args:
        distributions: The static search space; every entry must be a ``FloatDistribution``.
        seed: Seed for the random start and for bayes_opt's own random state.
        n_startup_trials: Number of random trials before the GP is used. Defaults to 5.
        xi: EI exploration offset. Defaults to 0.01, bayes_opt's documented value.
    """

    def __init__(
        self,
        distributions: Mapping[str, BaseDistribution],
        *,
        seed: int | None = None,
        n_startup_trials: int = 5,
        xi: float = 0.01,
    ) -> None:
        for name, dist in distributions.items():
            if not isinstance(dist, FloatDistribution) or dist.step is not None:
                raise TypeError(
                    f"BayesOptSampler: parameter {name!r} has {dist!r}; only FloatDistribution "
                    "without step is supported"
                )
        self._dists: dict[str, FloatDistribution] = dict(distributions)  # type: ignore[arg-type]
        self._seed = seed
        self._n_startup_trials = n_startup_trials
        self._xi = xi
        self._random = RandomSampler(seed=seed)

    def reseed_rng(self) -> None:
        self._random.reseed_rng()
        self._seed = None

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return dict(self._dists)

    def _to_internal(self, name: str, value: float) -> float:
        return math.log10(value) if self._dists[name].log else float(value)

    def _from_internal(self, name: str, value: float) -> float:
        dist = self._dists[name]
        x = 10.0**value if dist.log else float(value)
        return min(max(x, dist.low), dist.high)

    def sample_relative(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
    ) -> dict[str, Any]:
        from bayes_opt import BayesianOptimization
        from bayes_opt import acquisition

        done = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if all(n in t.params for n in self._dists)
        ]
        if len(done) < self._n_startup_trials:
            return {}
        seed = None if self._seed is None else (self._seed * 1_000_003 + trial.number) % 2**32
        bounds = {
            n: (self._to_internal(n, d.low), self._to_internal(n, d.high))
            for n, d in self._dists.items()
        }
        opt = BayesianOptimization(
            f=None,
            pbounds=bounds,
            acquisition_function=acquisition.ExpectedImprovement(xi=self._xi),
            random_state=np.random.RandomState(seed),
            verbose=0,
            allow_duplicate_points=True,
        )
        sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
        finite = [abs(t.value) for t in done if t.value is not None and math.isfinite(t.value)]
        clip = 10 * max(finite, default=1.0)
        for t in done:
            assert t.value is not None
            y = sign * t.value
            y = min(max(y, -clip), clip) if not math.isnan(y) else -clip
            opt.register(params={n: self._to_internal(n, t.params[n]) for n in bounds}, target=y)
        suggestion = opt.suggest()
        return {n: self._from_internal(n, float(suggestion[n])) for n in bounds}

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._random.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._random.after_trial(study, trial, state, values)
