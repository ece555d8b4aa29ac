"""GammaBOSampler: the Optuna adapter.  Trials -> arrays -> model -> acquisition -> parameters.

This is the only module that knows Optuna's sampler protocol; the mathematics lives in
``_gp`` (surrogate), ``_acquisition`` and ``_optim``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import math
from typing import Any
import warnings
import zlib

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.search_space import IntersectionSearchSpace
from optuna.study import Study
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial
from optuna.trial import TrialState
import scipy.stats

from optuna_gamma import _acquisition
from optuna_gamma import _gp
from optuna_gamma._optim import maximize_acquisition
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._storage import read_latest_hyperparams
from optuna_gamma._storage import running_claims
from optuna_gamma._storage import usable
from optuna_gamma._storage import write_claim
from optuna_gamma._storage import write_hyperparams
from optuna_gamma._storage import write_prediction
from optuna_gamma._threads import single_blas_thread
from optuna_gamma._transform import ValueTransform

_logger = optuna.logging.get_logger(f"optuna.{__name__}")

_PREDICTIVES = ("student_t", "gaussian")
_ACQUISITIONS = ("ei", "pi", "ucb")
_PRUNED_TRIALS = ("worst", "exclude")
# More candidates than this cost memory without helping the acquisition optimiser.
_MAX_CANDIDATES = 2**18
_MAX_CLAIM_ROUNDS = 8
# A suggestion closer than this to a running trial's parameters in every encoded coordinate
# (fractions of each parameter's range) counts as the same point.
_RUNNING_RADIUS = 1e-3
CREDIBLE_MASS = 0.95  # of the credible intervals in predictions and plots
# L-BFGS-B always starts from this many of the best observed points, besides the best candidates,
# so the sampler can refine around the incumbent even when no candidate lands near it.
_N_INCUMBENT_STARTS = 1


class GammaBOSampler(BaseSampler):
    """Bayesian optimization with a Gamma prior on the GP's precision (a Student-t process).

    The surrogate is a Gaussian process on the parameters mapped to the unit cube (log-scaled
    parameters on their log, integer and stepped parameters on their grid, categorical parameters
    compared by equality) with a Matérn-5/2 kernel with one lengthscale per parameter.  The
    objective values, standardised, are modelled as ``y ~ N(0, C / tau)`` where ``C`` is the
    kernel correlation matrix plus a noise ratio on its diagonal and the **precision** ``tau`` --
    one scale shared by signal and noise -- has a conjugate ``Gamma(prior_concentration,
    prior_rate)`` prior.  ``tau`` is integrated out, so the predictive of the objective at a new
    point is a Student-t with ``nu = 2 * prior_concentration + n`` degrees of freedom whose scale
    grows when the data are surprising (``(2 b0 + y^T C^-1 y) / nu``).  The lengthscales and noise
    ratio maximise the resulting multivariate-t marginal likelihood with weak priors.

    How this differs from :class:`optuna.samplers.GPSampler`: GPSampler also mentions "Gamma
    priors", but those are MAP penalties on its kernel scale and noise, which it fits as point
    estimates, leaving a Gaussian predictive.  Here the Gamma prior is on the precision and is
    integrated out: the predictive has heavy tails (more exploration while data are scarce) that
    fade to GPSampler-like behaviour as trials accumulate.  With ``predictive="gaussian"`` the same
    model gives a normal predictive with the plug-in scale -- the thesis's Gaussian baseline on
    identical code.

    Objective values are standardised and oriented (larger is better); if they have a heavy tail
    of poor values, a Yeo-Johnson power transform (``power_transform``) compresses it first, so
    that one disastrous trial does not make all good ones look alike to the model.

    The default acquisition is the logarithm of Expected Improvement under the Student-t
    predictive, ``EI(x) = s h_nu((mu - y_best - xi) / s)`` with
    ``h_nu(z) = z T_nu(z) + (nu + z^2) / (nu - 1) t_nu(z)``, evaluated stably for every ``z``.
    It is maximised by scoring quasi-random (Sobol) candidates, then running L-BFGS-B with
    analytic gradients from the best few and from the best trial so far, alternated with exact
    sweeps over integer, stepped and categorical coordinates, so every suggestion is an
    admissible value. If the optimum repeats the parameters of a completed trial exactly
    (typically a bound where a smooth trend through equally poor values peaks), the sampler takes
    a pure-exploration step instead: the quasi-random candidate with the largest predictive
    scale.

    Trials that are RUNNING in other threads or processes are taken into account: the parameters
    each trial was given are kept in its system attrs (``"gammabo:params"``), and those of
    running trials join the model as a kriging believer (observed at their predicted mean), which
    shrinks the predictive scale around them so that concurrent workers do not pile onto one
    point; a suggestion never comes within 0.1 % (of each range) of a running trial, and a worker
    re-checks the running trials after writing its own claim, so two workers that read the
    storage at the same moment still end up apart. Everything the sampler needs is read from
    the storage, so many processes can share one RDB or journal storage.

    FAIL trials are not used by the model; PRUNED trials count as observed at the worst
    completed value (``pruned_trials``) and their parameters are never suggested again.
    ``NaN`` objective values make a trial FAIL (Optuna's rule); ``±inf`` values are clipped to
    the finite extremes with a warning.

    References:
        - Y. H. Kim, "Research on Hyperparameter Optimization for Improving AutoML Performance",
          master's thesis, Pukyong National University; Y. Kim, M. Chung, Electronics 8(11):1267,
          2019 (the Gamma-prior Bayesian optimization this sampler completes).
        - A. Shah, A. G. Wilson, Z. Ghahramani, "Student-t Processes as Alternatives to Gaussian
          Processes", AISTATS 2014, arXiv:1402.4306.
        - B. D. Tracey, D. H. Wolpert, "Upgrading from Gaussian Processes to Student's-t
          Processes", arXiv:1801.06147.
        - S. Ament et al., "Unexpected Improvements to Expected Improvement for Bayesian
          Optimization", NeurIPS 2023, arXiv:2310.20708.

    Args:
        seed: Seed for the sampler's random numbers. Defaults to ``None`` (a random seed).
            Start-up points are drawn from a generator keyed by ``(seed, trial number, parameter
            name)``, so workers sharing a seed still explore different points.
        independent_sampler: Sampler for parameters outside the relative search space and for the
            start-up trials. Defaults to ``None``: uniform random sampling keyed by trial number
            as described under ``seed``.
        n_startup_trials: Number of COMPLETE trials sampled by ``independent_sampler`` before the
            model is used. Defaults to ``5``.
        deterministic_objective: If ``True``, the noise ratio is fixed at its minimum (1e-6)
            instead of being fitted. Defaults to ``False``.
        predictive: ``"student_t"`` (the Gamma prior integrated out) or ``"gaussian"`` (normal
            predictive with the plug-in scale). Defaults to ``"student_t"``.
        acquisition: ``"ei"`` (log Expected Improvement), ``"pi"`` (log Probability of
            Improvement) or ``"ucb"`` (``mean + ucb_beta * scale``). Defaults to ``"ei"``.
        xi: Improvement offset of EI and PI (thesis eq. 10), in units of the standard deviation
            of the modelled values (the standardised, possibly power-transformed objective
            values); ``xi >= 0``. Defaults to ``0.0``: in the committed benchmark
            (docs/benchmarks.md) the blog's ``0.01`` stalled refinement near the optimum and
            lost to ``0.0`` on most problems.
        ucb_beta: Multiplier of the predictive scale for ``acquisition="ucb"``; ``>= 0``.
            Defaults to ``2.0``.
        prior_concentration: Shape ``a0 > 0`` of the Gamma prior on the precision. Together with
            ``prior_rate`` it sets the prior degrees of freedom ``2 a0`` and the prior mean
            variance ``b0 / (a0 - 1)``; larger values make the Student-t closer to a Gaussian.
            Defaults to ``2.5``.
        prior_rate: Rate ``b0 > 0`` of the Gamma prior on the precision. Defaults to ``1.5``
            (with ``a0 = 2.5``, the prior variance of the standardised objective is exactly 1).
        warn_independent_sampling: If ``True``, a warning is logged when a parameter is sampled
            by ``independent_sampler`` after the start-up trials. Defaults to ``True``.
        n_candidates: Number of quasi-random candidates scored before local optimisation (a
            power of two is best). Defaults to ``1024``.
        power_transform: If ``True``, the standardised objective values are passed through a
            Yeo-Johnson power transform before modelling when a likelihood-ratio test (5 %
            level) finds a heavy tail of poor values -- e.g. a loss that spans orders of
            magnitude. The exponent is fitted by maximum likelihood in ``[1, 2]``, so only the
            poor tail is compressed, never the good one; the Gamma prior, the Student-t
            predictive and EI then apply to the transformed values, and predictions are mapped
            back exactly (as a median and credible interval). ``False`` models the standardised
            values themselves. Defaults to ``True`` (chosen by benchmark; docs/benchmarks.md).
        pruned_trials: How PRUNED trials inform the model. ``"worst"``: as observations at the
            worst value among the completed trials (a pruner stopped them for looking worse
            than the others at the same step; their last intermediate value is a different
            quantity from a final value). ``"exclude"``: not modelled. Either way no suggestion
            comes within 0.1 % (of each range) of a pruned trial's parameters. Defaults to
            ``"worst"`` (chosen by benchmark; docs/benchmarks.md).

    Example:
        .. code-block:: python

            import optuna
            from optuna_gamma import GammaBOSampler


            def objective(trial):
                x = trial.suggest_float("x", -5, 5)
                lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
                return (x - 1) ** 2 + (math.log10(lr) + 2) ** 2


            study = optuna.create_study(sampler=GammaBOSampler(seed=0))
            study.optimize(objective, n_trials=30)
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        n_startup_trials: int = 5,
        deterministic_objective: bool = False,
        predictive: str = "student_t",
        acquisition: str = "ei",
        xi: float = 0.0,
        ucb_beta: float = 2.0,
        prior_concentration: float = 2.5,
        prior_rate: float = 1.5,
        warn_independent_sampling: bool = True,
        n_candidates: int = 1024,
        power_transform: bool = True,
        pruned_trials: str = "worst",
    ) -> None:
        if predictive not in _PREDICTIVES:
            raise ValueError(
                f"predictive={predictive!r} is not supported; valid values are 'student_t' and "
                "'gaussian'."
            )
        if pruned_trials not in _PRUNED_TRIALS:
            raise ValueError(
                f"pruned_trials={pruned_trials!r} is not supported; valid values are 'worst' and "
                "'exclude'."
            )
        if acquisition not in _ACQUISITIONS:
            raise ValueError(
                f"acquisition={acquisition!r} is not supported; valid values are 'ei', 'pi' and "
                "'ucb'."
            )
        _check_int("n_startup_trials", n_startup_trials, minimum=0)
        _check_int("n_candidates", n_candidates, minimum=1, maximum=_MAX_CANDIDATES)
        _check_bool("deterministic_objective", deterministic_objective)
        _check_bool("warn_independent_sampling", warn_independent_sampling)
        _check_bool("power_transform", power_transform)
        _check_real("xi", xi, minimum=0.0, inclusive=True)
        _check_real("ucb_beta", ucb_beta, minimum=0.0, inclusive=True)
        _check_real("prior_concentration", prior_concentration, minimum=0.0, inclusive=False)
        _check_real("prior_rate", prior_rate, minimum=0.0, inclusive=False)
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
                raise TypeError(f"seed must be a non-negative int or None, got {seed!r}.")
            if seed < 0:
                # Optuna's samplers reject it too (numpy's generators take no negative seed).
                raise ValueError(f"seed must be a non-negative int, got {seed}.")
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise TypeError(
                "independent_sampler must be an optuna.samplers.BaseSampler or None, got "
                f"{independent_sampler!r}."
            )

        self._seed = int(seed) if seed is not None else _random_seed()
        self._independent_sampler = independent_sampler or _TrialKeyedRandomSampler(self._seed)
        self._n_startup_trials = n_startup_trials
        self._deterministic = bool(deterministic_objective)
        self._predictive = predictive
        self._acquisition = acquisition
        self._xi = float(xi)
        self._ucb_beta = float(ucb_beta)
        self._a0 = float(prior_concentration)
        self._b0 = float(prior_rate)
        self._warn_independent_sampling = bool(warn_independent_sampling)
        self._n_candidates = n_candidates
        self._power_transform = bool(power_transform)
        self._pruned_trials = pruned_trials
        self._intersection = IntersectionSearchSpace()

    # -- protocol ------------------------------------------------------------------------------

    def reseed_rng(self) -> None:
        self._seed = _random_seed()
        self._independent_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        _check_single_objective(study)
        return {
            name: dist
            for name, dist in self._intersection.calculate(study).items()
            if not dist.single()
        }

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        _check_single_objective(study)
        if not search_space:
            return {}
        trials = study.get_trials(deepcopy=False)
        space = SearchSpace(search_space)
        completed = [
            t
            for t in trials
            if t.state == TrialState.COMPLETE and _encodable(space, t, search_space)
        ]
        if len(completed) < max(self._n_startup_trials, 1):
            return {}
        pruned = [
            t
            for t in trials
            if t.state == TrialState.PRUNED and _encodable(space, t, search_space)
        ]
        pending = list(running_claims(trials, trial, search_space).values())
        # The kernel fit starts from the hyperparameters the latest earlier trial stored, so the
        # decision depends only on the storage's content, not on this process's history.
        key = _space_key(space, self._deterministic)
        stored = read_latest_hyperparams(trials, trial.number, key, space.dim)
        initial = _gp.Hyperparams(lam=stored[0], g=stored[1]) if stored is not None else None

        rng = np.random.default_rng([self._seed, trial.number, 0x6A09E667])
        for round_ in range(_MAX_CLAIM_ROUNDS):
            with single_blas_thread():
                params, prediction, hp = self._suggest(
                    study, space, completed, pending, rng, pruned, initial
                )
            # Claim first, then look: of two workers that computed from the same storage
            # contents, at least one sees the other's claim here and suggests again.
            write_claim(study, trial, params, round_)
            running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            claims = running_claims(running, trial, search_space)
            pending = list(claims.values())
            clashing = [n for n, p in claims.items() if _clashes(space, params, [p])]
            if not clashing:
                break
            # Workers that see each other's clash would move in lockstep to the same new point.
            # Break the symmetry: the clashing trials with larger numbers move first; this one
            # fantasises their moves (greedy kriging believer) before choosing its own.
            with single_blas_thread():
                for _ in range(sum(n > trial.number for n in clashing)):
                    pending.append(
                        self._suggest(study, space, completed, pending, rng, pruned, initial)[0]
                    )
        write_prediction(study, trial, prediction)
        write_hyperparams(study, trial, key, hp.lam, hp.g)
        return params

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        _check_single_objective(study)
        if self._warn_independent_sampling:
            n_complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
            if n_complete >= self._n_startup_trials:
                _logger.warning(
                    f"The parameter '{param_name}' in trial#{trial.number} is sampled "
                    "independently instead of being sampled by relative sampler. "
                    "You can suppress this warning by setting `warn_independent_sampling` "
                    "to `False`."
                )
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._independent_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._independent_sampler.after_trial(study, trial, state, values)

    # -- model ---------------------------------------------------------------------------------

    def _fit_surrogate(
        self,
        study: Study,
        space: SearchSpace,
        completed: list[FrozenTrial],
        pending: list[dict[str, Any]] | None = None,
        pruned: Sequence[FrozenTrial] = (),
        initial: _gp.Hyperparams | None = None,
    ) -> FittedSurrogate:
        """Fits the surrogate to ``completed`` trials (and ``pending`` parameters, if any).

        ``pruned`` trials, with ``pruned_trials="worst"``, join the data at the worst completed
        value; either way their parameters are never suggested again.
        """
        X = space.encode([t.params for t in completed])  # (n, d)
        sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
        raw = _clip_infinite(np.array([t.value for t in completed], dtype=float))
        transform = ValueTransform.fit(raw, sign, warp=self._power_transform)
        y = transform.forward(raw)  # standardised (and power-transformed), larger is better
        X_pruned = space.encode([t.params for t in pruned]) if pruned else np.empty((0, space.dim))
        if len(X_pruned) and self._pruned_trials == "worst":
            # A pruner stopped these trials because they looked worse than the others at the
            # same step: they count as observed at the worst completed value.
            X = np.vstack([X, X_pruned])
            y = np.concatenate([y, np.full(len(X_pruned), y.min())])
        model = fit_posterior(
            X,
            y,
            space,
            a0=self._a0,
            b0=self._b0,
            predictive=self._predictive,
            deterministic=self._deterministic,
            initial=initial,
            X_pending=space.encode(pending) if pending else None,
        )
        P = space.snap(space.encode(pending)) if pending else np.empty((0, space.dim))
        y_best = float(y.max())  # pruned trials, at the minimum, never raise it
        if len(P):
            # Kriging believer: running trials count as observed at their predicted mean, which
            # also raises the incumbent, so EI no longer rewards crowding next to them.
            y_best = max(y_best, float(model.predict(P)[0].max()))
        return FittedSurrogate(
            space=space,
            model=model,
            X=X,
            y=y,
            pending=P,
            avoid=np.vstack([P, space.snap(X_pruned)]),
            transform=transform,
            y_best=y_best,
            acquisition=self._acquisition,
            xi=self._xi,
            ucb_beta=self._ucb_beta,
        )

    def _suggest(
        self,
        study: Study,
        space: SearchSpace,
        completed: list[FrozenTrial],
        pending: list[dict[str, Any]],
        rng: np.random.Generator,
        pruned: Sequence[FrozenTrial] = (),
        initial: _gp.Hyperparams | None = None,
    ) -> tuple[dict[str, Any], dict[str, float], _gp.Hyperparams]:
        fitted = self._fit_surrogate(study, space, completed, pending, pruned, initial)
        x_best, acq_value = fitted.maximize(rng, self._n_candidates)
        if _matches_any(x_best, space.snap(fitted.X)):
            # EI can settle on parameters already evaluated -- typically a bound where a smooth
            # trend through equally poor values peaks -- and would repeat them forever. A repeat
            # teaches the model little, so take a pure-exploration step instead.
            x_best = fitted.most_uncertain(rng, self._n_candidates, default=x_best)
            acq_value = float(fitted.acquisition_values(x_best[None])[0])
        median, lower, upper = fitted.predict(x_best[None])
        prediction = {
            "median": float(median[0]),
            "lower": float(lower[0]),
            "upper": float(upper[0]),
            "nu": fitted.model.nu,
            "acquisition": float(acq_value),
        }
        return space.decode(x_best), prediction, fitted.model.hp


@dataclass
class FittedSurrogate:
    """A fitted surrogate with its data transform, for the sampler and for plots.

    ``X`` and ``pending`` are encoded points (see :class:`SearchSpace`); ``y`` are the model's
    values, larger is better: ``y = transform.forward(value)``. ``avoid`` are the points no
    suggestion may come near: running trials' and pruned trials' parameters.
    """

    space: SearchSpace
    model: _gp.Posterior
    X: np.ndarray
    y: np.ndarray
    pending: np.ndarray
    avoid: np.ndarray
    transform: ValueTransform
    y_best: float
    acquisition: str
    xi: float
    ucb_beta: float

    def predict(
        self, Z: np.ndarray, mass: float = CREDIBLE_MASS
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predictive median and central ``mass`` credible interval ``(lower, upper)`` at encoded
        points ``Z`` ``(s, d)``, in the objective's own units.

        The predictive is a Student-t (or normal) on the model's scale; the value transform is
        monotone, so its quantiles map exactly to quantiles of the objective.
        """
        loc, scale = self.model.predict(Z)
        q = predictive_quantile(self.model.nu, 0.5 + mass / 2)
        ends = self.transform.inverse(np.stack([loc - q * scale, loc + q * scale]))  # (2, s)
        return self.transform.inverse(loc), ends.min(axis=0), ends.max(axis=0)

    def maximize(self, rng: np.random.Generator, n_candidates: int) -> tuple[np.ndarray, float]:
        """The encoded point that maximises the acquisition, and its value."""
        ranked = self.X[np.argsort(-self.y, kind="stable")]
        return maximize_acquisition(
            self.space,
            self.acquisition_values,
            self.acquisition_values_and_grad,
            rng,
            X_seed=ranked[:3],
            X_start=ranked[:_N_INCUMBENT_STARTS],
            n_candidates=n_candidates,
        )

    def acquisition_values(self, Z: np.ndarray) -> np.ndarray:
        """The acquisition (log EI / log PI / UCB on the model's values) at encoded points."""
        mean, scale = self.model.predict(Z)
        value = _acquisition.acquisition(
            self.acquisition, mean, scale, self.model.nu, self.y_best, self.xi, self.ucb_beta
        )[0]
        return _exclude(value, Z, self.avoid)

    def most_uncertain(
        self, rng: np.random.Generator, n_candidates: int, default: np.ndarray
    ) -> np.ndarray:
        """The quasi-random candidate with the largest predictive scale that repeats no
        completed or running trial's parameters (``default`` if every candidate does)."""
        Z = self.space.sample_sobol(rng, n_candidates)  # (m, d)
        taken = np.vstack([self.space.snap(self.X), self.avoid])
        fresh = ~np.array([_matches_any(z, taken) for z in Z], dtype=bool)
        if not fresh.any():
            return default
        scale = self.model.predict(Z[fresh])[1]
        return Z[fresh][int(np.argmax(scale))]

    def acquisition_values_and_grad(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, scale, d_mean, d_scale = self.model.predict_with_grad(Z)
        value, dv_dm, dv_ds = _acquisition.acquisition(
            self.acquisition, mean, scale, self.model.nu, self.y_best, self.xi, self.ucb_beta
        )
        grad = dv_dm[:, None] * d_mean + dv_ds[:, None] * d_scale
        return _exclude(value, Z, self.avoid), grad


def predictive_quantile(nu: float, p: float) -> float:
    """The ``p`` quantile of the standard Student-t with ``nu`` degrees of freedom (normal if
    ``nu`` is infinite)."""
    return float(scipy.stats.norm.ppf(p) if math.isinf(nu) else scipy.stats.t.ppf(p, nu))


def fit_posterior(
    X: np.ndarray,
    y: np.ndarray,
    space: SearchSpace,
    *,
    a0: float,
    b0: float,
    predictive: str,
    deterministic: bool,
    initial: _gp.Hyperparams | None = None,
    X_pending: np.ndarray | None = None,
) -> _gp.Posterior:
    """Fits the kernel hyperparameters (starting from ``initial``, else the defaults); returns
    the posterior."""
    hp = _gp.fit_hyperparams(X, y, space.is_categorical, a0, b0, deterministic, initial=initial)
    return _gp.Posterior(X, y, space.is_categorical, hp, a0, b0, predictive, X_pending=X_pending)


def _space_key(space: SearchSpace, deterministic: bool) -> str:
    """Identifies the search space (and noise setting) that kernel hyperparameters belong to."""
    return repr([(n, repr(d)) for n, d in zip(space.names, space.distributions)]) + str(
        deterministic
    )


def _encodable(
    space: SearchSpace, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
) -> bool:
    """Whether the trial holds every parameter of the space with a value the model can use: a
    finite number (clipped into the range if outside it, as an enqueued trial may be), or one of
    a categorical's choices."""
    return search_space.keys() <= trial.params.keys() and all(
        usable(dist, trial.params[name]) for name, dist in search_space.items()
    )


def _clashes(space: SearchSpace, params: dict[str, Any], others: list[dict[str, Any]]) -> bool:
    """Whether ``params`` is within ``_RUNNING_RADIUS`` of any of ``others``."""
    if not others:
        return False
    x = space.snap(space.encode([params]))[0]
    return _matches_any(x, space.snap(space.encode(others)), _RUNNING_RADIUS)


def _matches_any(x: np.ndarray, P: np.ndarray, tol: float = 1e-12) -> bool:
    """Whether the encoded point ``x`` is within ``tol`` of a row of ``P`` (``(k, d)``) in every
    coordinate."""
    return bool(len(P)) and bool(np.all(np.abs(P - x) < tol, axis=1).any())


def _exclude(value: np.ndarray, Z: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Rules out points within ``_RUNNING_RADIUS`` of a running trial's parameters."""
    if len(P) == 0:
        return value
    same = np.all(np.abs(Z[:, None, :] - P[None, :, :]) < _RUNNING_RADIUS, axis=-1).any(axis=1)
    return np.where(same, -1e300, value)


def _clip_infinite(values: np.ndarray) -> np.ndarray:
    """Replaces ``±inf`` by the largest / smallest finite value (Optuna's GPSampler rule)."""
    inf = np.isinf(values)
    if not inf.any():
        return values
    warnings.warn(
        "Objective values include ±inf; they are clipped to the most extreme finite values "
        "for the surrogate model.",
        RuntimeWarning,
        stacklevel=3,
    )
    finite = values[~inf]
    hi = finite.max() if len(finite) else 0.0
    lo = finite.min() if len(finite) else 0.0
    return np.clip(
        np.where(np.isposinf(values), hi, np.where(np.isneginf(values), lo, values)), lo, hi
    )


class _TrialKeyedRandomSampler(BaseSampler):
    """Uniform random sampling from a generator keyed by ``(seed, trial number, name)``.

    Stateless: reproducible for a seed, and workers that share a seed draw different points
    because their trials have different numbers.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed

    def reseed_rng(self) -> None:
        self._seed = _random_seed()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        key = [self._seed, trial.number, zlib.crc32(param_name.encode())]
        space = SearchSpace({param_name: param_distribution})
        x = space.sample_uniform(np.random.default_rng(key), 1)[0]
        return space.decode(x)[param_name]


def _random_seed() -> int:
    return int(np.random.SeedSequence().generate_state(1)[0])


def _check_single_objective(study: Study) -> None:
    if len(study.directions) > 1:
        raise ValueError(
            "GammaBOSampler supports single-objective studies only; this study has "
            f"{len(study.directions)} objectives."
        )


def _check_int(name: str, value: object, minimum: int, maximum: int | None = None) -> None:
    valid = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int {valid}, got {value!r}.")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {valid}, got {value}.")


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")


def _check_real(name: str, value: object, minimum: float, inclusive: bool) -> None:
    relation = ">=" if inclusive else ">"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a finite number {relation} {minimum}, got {value!r}.")
    ok = value >= minimum if inclusive else value > minimum
    if not math.isfinite(float(value)) or not ok:
        raise ValueError(f"{name} must be a finite number {relation} {minimum}, got {value}.")
