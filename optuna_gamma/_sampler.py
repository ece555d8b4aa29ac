"""GammaBOSampler: the Optuna adapter.  Trials -> arrays -> model -> acquisition -> parameters.

This is the only module that knows Optuna's sampler protocol. The model layer is
:mod:`optuna_gamma.surrogate` (with the mathematics in ``_gp``, ``_acquisition``, ``_optim`` and
``_transform``); everything kept in or read from trial system attrs goes through ``_storage``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any
import warnings
import zlib

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.study import Study
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from optuna_gamma._checks import check_bool as _check_bool
from optuna_gamma._checks import check_int as _check_int
from optuna_gamma._inputs import InputsMemo
from optuna_gamma._inputs import ModelInputs
from optuna_gamma._inputs import model_inputs
from optuna_gamma._inputs import relative_search_space
from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._storage import model_key
from optuna_gamma._storage import prediction_record
from optuna_gamma._storage import read_model_starts
from optuna_gamma._storage import running_claims
from optuna_gamma._storage import write_claim
from optuna_gamma._storage import write_constraints
from optuna_gamma._storage import write_model_fits
from optuna_gamma._storage import write_prediction
from optuna_gamma._threads import single_blas_thread
from optuna_gamma.surrogate import RUNNING_RADIUS
from optuna_gamma.surrogate import FittedSurrogate
from optuna_gamma.surrogate import Starts
from optuna_gamma.surrogate import SurrogateSettings
from optuna_gamma.surrogate import fit_model
from optuna_gamma.surrogate import matches_any
from optuna_gamma.surrogate import propose

_logger = optuna.logging.get_logger(f"optuna.{__name__}")

#: With ``n_startup_trials=None``: this many start-up trials, or one per
#: :data:`PARAMS_PER_STARTUP_TRIAL` parameters where that is more (docs/math.md §13).
MIN_STARTUP_TRIALS = 5
PARAMS_PER_STARTUP_TRIAL = 4


def startup_trials(n_params: int) -> int:
    """The start-up trials of ``n_startup_trials=None`` for a space of ``n_params``
    parameters: :data:`MIN_STARTUP_TRIALS`, or a quarter of the parameters (rounded up) where
    that is more -- 5 up to 20 parameters, 9 for 36, 10 for 40."""
    return max(MIN_STARTUP_TRIALS, -(-n_params // PARAMS_PER_STARTUP_TRIAL))


# A suggestion that clashes with a running trial's is made again: from the model for this many
# rounds, then at random away from the claims; a clash left after the last round is kept.
_MODEL_CLAIM_ROUNDS = 4
_MAX_CLAIM_ROUNDS = 16


class GammaBOSampler(BaseSampler):
    """Bayesian optimization with a Gamma prior on the GP's precision (a Student-t process).

    The surrogate is a Gaussian process on the parameters mapped to the unit cube (log-scaled
    parameters on their log, integer and stepped parameters on their grid, a categorical over
    three or more numbers as an ordered list, other categorical parameters compared by equality;
    docs/math.md §10) with a Matérn-5/2 kernel with one lengthscale per parameter.  The
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
    Its incumbent ``y_best`` is the best observed value. When the objective is noisy, keep
    the trial :func:`optuna_gamma.best_predicted_trial` returns (the model's best)
    rather than ``study.best_trial`` (the luckiest value).
    It is maximised by scoring quasi-random (Sobol) candidates, then running L-BFGS-B with
    analytic gradients from the best few and from the best trial so far, alternated with exact
    sweeps over integer, stepped and categorical coordinates, so every suggestion is an
    admissible value. If the optimum repeats the parameters of a completed trial exactly
    (typically a bound where a smooth trend through equally poor values peaks), the sampler takes
    a pure-exploration step instead: the quasi-random candidate with the largest predictive
    scale -- or, where every parameter is discrete (and on each branch of a define-by-run
    space), the best configuration not yet evaluated.

    Trials that are RUNNING in other threads or processes are taken into account: the parameters
    each trial was given are kept in its system attrs (``"gammabo:params"``), and those of
    running trials join the model as a kriging believer (observed at their predicted mean), which
    shrinks the predictive scale around them so that concurrent workers do not pile onto one
    point; a suggestion never comes within 0.1 % (of each range) of a running trial, and a worker
    re-checks the running trials after writing its own claim, so two workers that read the
    storage at the same moment still end up apart. Everything the sampler needs is read from
    the storage, so many processes can share one RDB or journal storage.

    Outcome constraints are taken from the trials: ``trial.set_constraint(name, value)`` in the
    objective (or ``constraints_func``), feasible when every value is ``<= 0``. Each constraint
    gets its own model -- the same kernel and Gamma prior, so ``P(c(x) <= 0)`` is a Student-t
    CDF -- and the acquisition becomes ``log EI`` at the best *feasible* value plus
    ``sum_k log P(c_k(x) <= 0)``, or the sum alone while no trial is feasible (all in log
    space, so tiny probabilities never underflow). Infeasible trials stay COMPLETE (Optuna's
    convention); in Optuna 5 ``study.best_trial`` is the best feasible trial (the README shows
    how to read it in Optuna 4).

    Define-by-run objectives with branches are modelled, not sampled at random: the relative
    search space is the union of the COMPLETE trials' parameters, a parameter a trial did not ask
    for is encoded as inactive (an extra category, or an activity column for numbers), and the
    acquisition is maximised on each branch the trials took; ``sample_relative`` returns a value
    for every parameter of the union, so whichever branch a trial takes, the parameters it asks
    for are the model's. Only a parameter no COMPLETE trial has had yet, or one whose
    distribution changed, goes to ``independent_sampler``.

    Multi-objective studies (``directions=[...]``, any number and mix) get one such model per
    objective and the logarithm of the expected hypervolume improvement over the Pareto front
    of the feasible COMPLETE trials (GPSampler's reference point), computed exactly from a box
    decomposition of the non-dominated region; constraints add their log probabilities as above.

    Long studies stay cheap: from 50 trials on the kernel hyperparameters are refitted only
    when the trials have grown by a tenth since the last fit (every tenth trial from 100 on)
    and kept from the stored fit in between, and past 1,000 trials the model holds 1,000 of
    them -- the best half and an even spread of the rest -- so a suggestion costs about the
    same at 10,000 trials as at 1,000 (``SurrogateSettings(refit_from=...,
    max_model_trials=...)``; docs/math.md §12).
    In spaces of more than ten continuous parameters the acquisition optimiser also scores
    candidates near the best 5 % of the trials -- copies with a random subset of coordinates
    moved by small steps -- since quasi-random candidates lie far from them in 20 or 40
    dimensions (``SurrogateSettings(local_candidates_from=...)``; docs/math.md §13).

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
            model is used. Defaults to ``None``: 5, or one per four parameters of the search
            space where that is more (9 for 36 parameters; :func:`startup_trials`) -- a model
            of many parameters fitted to five values, noisy ones especially, settles near the
            best of them (docs/benchmarks.md, "Wide spaces"). Until 0.2 the default was ``5``
            in every space.
        deterministic_objective: If ``True``, the noise ratio is fixed at its minimum (1e-6)
            instead of being fitted: for objectives without noise (simulations, analytic
            functions); :func:`optuna_gamma.best_predicted_trial` then returns the best
            observed trial. On noise-free problems with several objectives it can matter a lot
            (docs/benchmarks.md, "Several objectives"); a rugged noise-free function (many
            local minima) otherwise looks noisy to the model (docs/math.md §11). Defaults to
            ``False``.
        predictive: ``"student_t"`` (the Gamma prior integrated out) or ``"gaussian"`` (normal
            predictive with the plug-in scale). Defaults to ``"student_t"``.
        acquisition: ``"ei"`` (log Expected Improvement), ``"pi"`` (log Probability of
            Improvement) or ``"ucb"`` (``mean + ucb_beta * scale``); single-objective studies
            (several objectives always use log expected hypervolume improvement). Defaults to
            ``"ei"``.
        xi: Improvement offset of EI and PI (thesis eq. 10), in units of the standard deviation
            of the modelled values (the standardised, possibly power-transformed objective
            values); ``xi >= 0``. Defaults to ``0.0``: in the committed benchmark
            (docs/benchmarks.md) the blog's ``0.01`` stalled refinement near the optimum and
            lost to ``0.0`` on most problems. At most ``1000``.
        ucb_beta: Multiplier of the predictive scale for ``acquisition="ucb"``; ``0 <= ucb_beta
            <= 1000``.
            Defaults to ``2.0``.
        prior_concentration: Shape ``a0`` of the Gamma prior on the precision, ``0 < a0 <=
            1000``. Together with ``prior_rate`` it sets the prior degrees of freedom ``2 a0``
            and the prior mean variance ``b0 / (a0 - 1)``; larger values make the Student-t
            closer to a Gaussian. The prior is on the precision of the *standardised* values
            (variance 1): a large ``a0`` with a variance ``b0 / (a0 - 1)`` far from 1 outweighs
            the data and flattens the search. Defaults to ``2.5``.
        prior_rate: Rate ``b0`` of the Gamma prior on the precision, ``0 < b0 <= 1000``.
            Defaults to ``1.5`` (with ``a0 = 2.5``, the prior variance of the standardised
            objective is exactly 1).
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
        record_predictions: If ``True``, what the model predicted for each model-based trial is
            also written to the trial's user attrs, which optuna-dashboard shows:
            ``gammabo_pred_median``, ``gammabo_pred_lower``, ``gammabo_pred_upper`` (median and
            95 % credible interval in the objective's units), ``gammabo_pred_nu`` (degrees of
            freedom), ``gammabo_acq`` (the acquisition value) and, with constraints,
            ``gammabo_pred_feasible`` (the probability of feasibility). ``False`` leaves the user
            attrs to the user (the prediction stays in the system attrs, for
            :func:`optuna_gamma.visualization.plot_surrogate`). Defaults to ``True``.
        constraints_func: A function of a finished (COMPLETE or PRUNED) trial returning its
            constraint values, a sequence of floats, feasible when all are ``<= 0`` -- GPSampler's
            argument with GPSampler's meaning: the values are stored under Optuna's
            ``"constraints"`` system attr and read back as ``FrozenTrial.constraints``. Deprecated
            by Optuna 5 (a ``FutureWarning`` there, as in Optuna's samplers): call
            ``trial.set_constraint(name, value)`` in the objective instead. Defaults to
            ``None``.
        feasibility_margin: If ``True``, a constraint counts as satisfied only when its model
            puts it below zero by more than the model's noise scale: a violation too small for
            the model to resolve counts as a violation. Without it, where the optimum lies on
            the boundary of the feasible set most late suggestions are marginally infeasible.
            Defaults to ``True`` (chosen by benchmark; docs/benchmarks.md#constraints).
        surrogate_settings: All the model's settings as one
            :class:`~optuna_gamma.surrogate.SurrogateSettings`, including those without an
            argument here (the lengthscale prior, the acquisition optimiser's starting points,
            the kernel fit's tolerance: the alternatives the benchmarks compare). When given,
            the model arguments above (``predictive`` to ``feasibility_margin``) must be left
            at their defaults. Defaults to ``None``: the settings of the arguments above.

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
        n_startup_trials: int | None = None,
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
        record_predictions: bool = True,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        feasibility_margin: bool = True,
        surrogate_settings: SurrogateSettings | None = None,
    ) -> None:
        settings = SurrogateSettings(
            predictive=predictive,
            prior_concentration=prior_concentration,
            prior_rate=prior_rate,
            deterministic_objective=deterministic_objective,
            power_transform=power_transform,
            pruned_trials=pruned_trials,
            acquisition=acquisition,
            xi=xi,
            ucb_beta=ucb_beta,
            n_candidates=n_candidates,
            feasibility_margin=feasibility_margin,
        )  # validates its fields
        self._settings = _chosen_settings(settings, surrogate_settings)
        if n_startup_trials is not None:
            _check_int("n_startup_trials", n_startup_trials, minimum=0)
        _check_bool("warn_independent_sampling", warn_independent_sampling)
        _check_bool("record_predictions", record_predictions)
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
                raise TypeError(f"seed must be a non-negative int or None, got {seed!r}.")
            if seed < 0:
                # Optuna's samplers reject it too (numpy's generators take no negative seed).
                raise ValueError(f"seed must be a non-negative int, got {seed}.")
        if constraints_func is not None and not callable(constraints_func):
            raise TypeError(
                "constraints_func must be a callable taking a FrozenTrial and returning a "
                f"sequence of floats, or None; got {constraints_func!r}."
            )
        if constraints_func is not None and hasattr(FrozenTrial, "set_constraint"):
            # Optuna >= 5 deprecates the argument in its own samplers; say the same here.
            warnings.warn(
                "`constraints_func` has been deprecated in Optuna v5.0.0 (GPSampler and the "
                "other samplers of Optuna); use `optuna.trial.Trial.set_constraint` instead.",
                FutureWarning,
                stacklevel=2,
            )
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise TypeError(
                "independent_sampler must be an optuna.samplers.BaseSampler or None, got "
                f"{independent_sampler!r}."
            )

        self._seed = int(seed) if seed is not None else _random_seed()
        self._independent_sampler = independent_sampler  # None: _keyed_uniform
        self._n_startup_trials = None if n_startup_trials is None else int(n_startup_trials)
        # The start-up count of the latest relative suggestion, for the warning of
        # sample_independent only (n_startup_trials=None counts the space's parameters).
        self._startup_seen = (
            MIN_STARTUP_TRIALS if n_startup_trials is None else int(n_startup_trials)
        )
        self._warn_independent_sampling = bool(warn_independent_sampling)
        self._record_predictions = bool(record_predictions)
        self._constraints_func = constraints_func
        # Reading the trials, kept between suggestions: a cache, never a decision's input.
        self._inputs_memo = InputsMemo()

    @property
    def surrogate_settings(self) -> SurrogateSettings:
        """The settings of the surrogate and its acquisition (read-only)."""
        return self._settings

    @property
    def seed(self) -> int:
        """The seed in use (a random one if none was given, or after :meth:`reseed_rng`)."""
        return self._seed

    @property
    def n_startup_trials(self) -> int | None:
        """COMPLETE trials sampled by the independent sampler before the model is used
        (``None``: by the number of parameters, :func:`startup_trials`)."""
        return self._n_startup_trials

    def _startup(self, n_params: int) -> int:
        if self._n_startup_trials is not None:
            return self._n_startup_trials
        return startup_trials(n_params)

    # -- protocol ------------------------------------------------------------------------------

    def reseed_rng(self) -> None:
        self._seed = _random_seed()
        if self._independent_sampler is not None:
            self._independent_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return relative_search_space(
            study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)), self._inputs_memo
        )

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        try:
            return self._sample_relative(study, trial, search_space)
        except Exception as e:  # noqa: BLE001 - a failure of the model must not fail the trial
            _logger.warning(
                f"GammaBOSampler could not model trial {trial.number} ({type(e).__name__}: "
                f"{e}); its parameters go to the independent sampler. Please report this."
            )
            return {}

    def _sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        trials = study.get_trials(deepcopy=False)
        inputs = model_inputs(
            trials, search_space, self._settings.ordinal_lists, self._inputs_memo
        )
        space = inputs.space
        self._startup_seen = self._startup(len(space.names))
        if len(inputs.completed) < max(self._startup_seen, 1):
            return {}
        claims = running_claims(trials, trial, search_space)
        # The kernel fits start from the hyperparameters the latest earlier trial stored, so
        # the decision depends only on the storage's content, not on this process's history.
        key = model_key(space.names, space.distributions, self._settings.deterministic_objective)
        starts = read_model_starts(trials, trial.number, key, space.dim, len(study.directions))

        params, prediction, fitted = self._claimed_suggestion(
            study, trial, search_space, inputs, claims, starts
        )
        write_prediction(study, trial, prediction, user_attrs=self._record_predictions)
        write_model_fits(
            study,
            trial,
            key,
            [o.model.hp for o in fitted.objectives],
            {c.name: c.model.hp for c in fitted.constraints},
        )
        return params

    def _claimed_suggestion(
        self,
        study: Study,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
        inputs: ModelInputs,
        claims: dict[int, dict[str, Any]],
        starts: Starts,
    ) -> tuple[dict[str, Any], dict[str, float], FittedSurrogate]:
        """The suggestion for ``trial``, claimed in the storage and held by no other running
        trial (``claims``: theirs when the trials were read), its prediction record and the
        model; docs/distributed.md, "Simultaneous reads"."""
        space, branches = inputs.space, inputs.branches
        pending = _on_branches(claims.values(), branches)
        rng = np.random.default_rng([self._seed, trial.number, 0x6A09E667])
        observed = [t.params for t in inputs.completed]
        for round_ in range(_MAX_CLAIM_ROUNDS):
            with single_blas_thread():
                if round_ < _MODEL_CLAIM_ROUNDS:
                    params, prediction, fitted = self._suggest(study, inputs, pending, rng, starts)
                else:
                    # Workers still in lockstep after the model's rounds: this trial's own
                    # random point, away from every claim (trial-keyed, so workers differ).
                    params = _unclaimed_point(
                        search_space, space, list(claims.values()), branches, observed, rng
                    )
                    prediction = _prediction(fitted, space.snap(space.encode([params]))[0])
            # Claim first, then look: of two workers that computed from the same storage
            # contents, at least one sees the other's claim here and suggests again.
            write_claim(study, trial, params, round_)
            running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            claims = running_claims(running, trial, search_space)
            pending = _on_branches(claims.values(), branches)
            clashing = [
                n for n, p in claims.items() if _clashes(space, params, p, branches, observed)
            ]
            if not clashing:
                break
            # Workers that read the same claims would move in lockstep to the same new point.
            # Break the symmetry: every trial in a clash moves, those with larger numbers
            # first; this one fantasises their moves (greedy kriging believer) before choosing
            # its own, so workers that read the same claims choose different points.
            if round_ + 1 < _MODEL_CLAIM_ROUNDS:
                ahead = _in_clashes(
                    space, {**claims, trial.number: params}, branches, observed, trial.number
                )
                with single_blas_thread():
                    for _ in range(len(ahead)):
                        fantasy = self._suggest(study, inputs, pending, rng, starts)[0]
                        pending += _on_branches([fantasy], branches)
        else:
            _logger.warning(
                f"Trial {trial.number} could not find parameters that no running trial holds "
                f"in {_MAX_CLAIM_ROUNDS} rounds; it may repeat a running trial's parameters."
            )
        return params, prediction, fitted

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if self._warn_independent_sampling:
            n_complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
            if n_complete >= self._startup_seen:
                _logger.warning(
                    f"The parameter '{param_name}' in trial#{trial.number} is sampled "
                    "independently instead of being sampled by relative sampler. "
                    "You can suppress this warning by setting `warn_independent_sampling` "
                    "to `False`."
                )
        if self._independent_sampler is None:
            return _keyed_uniform(self._seed, trial.number, param_name, param_distribution)
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        if self._independent_sampler is not None:
            self._independent_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        if self._constraints_func is not None:
            _store_constraints(self._constraints_func, study, trial, state)
        if self._independent_sampler is not None:
            self._independent_sampler.after_trial(study, trial, state, values)

    # -- model ---------------------------------------------------------------------------------

    def _suggest(
        self,
        study: Study,
        inputs: ModelInputs,
        pending: list[dict[str, Any]],
        rng: np.random.Generator,
        starts: Starts,
    ) -> tuple[dict[str, Any], dict[str, float], FittedSurrogate]:
        fitted = fit_model(
            inputs, study.directions, self._settings, pending=pending, starts=starts
        )
        params, x_best, acq_value = propose(fitted, inputs.space, inputs.completed, rng)
        return params, _prediction(fitted, x_best, acq_value), fitted


def _prediction(
    fitted: FittedSurrogate, x: np.ndarray, acq_value: float | None = None
) -> dict[str, float]:
    """The record of what ``fitted`` predicts at the encoded point ``x`` (its acquisition
    value ``acq_value``, computed here if not given)."""
    if acq_value is None:
        acq_value = float(fitted.acquisition_values(x[None])[0])
    feasibility = float(np.exp(fitted.log_feasibility(x[None])[0])) if fitted.constraints else None
    return prediction_record(
        [(float(m[0]), float(lo[0]), float(hi[0])) for m, lo, hi in fitted.predict_each(x[None])],
        nu=fitted.model.nu,
        acquisition=float(acq_value),
        feasibility=feasibility,
    )


def _chosen_settings(
    from_arguments: SurrogateSettings, surrogate_settings: SurrogateSettings | None
) -> SurrogateSettings:
    """The sampler's settings: ``surrogate_settings`` if given (then the model arguments must
    have been left at their defaults), else those of the arguments."""
    if surrogate_settings is None:
        return from_arguments
    if not isinstance(surrogate_settings, SurrogateSettings):
        raise TypeError(
            "surrogate_settings must be an optuna_gamma.surrogate.SurrogateSettings or None, "
            f"got {surrogate_settings!r}."
        )
    if from_arguments != SurrogateSettings():
        raise ValueError(
            "Give the model's settings either as GammaBOSampler's arguments or as "
            "surrogate_settings, not both: with surrogate_settings, leave predictive, "
            "prior_concentration, prior_rate, deterministic_objective, power_transform, "
            "pruned_trials, acquisition, xi, ucb_beta, n_candidates and feasibility_margin at "
            "their defaults."
        )
    return surrogate_settings


def _store_constraints(
    constraints_func: Callable[[FrozenTrial], Sequence[float]],
    study: Study,
    trial: FrozenTrial,
    state: TrialState,
) -> None:
    """Evaluates ``constraints_func`` on a finished trial and stores its values as Optuna's
    samplers do (COMPLETE and PRUNED trials; ``None`` is stored, and the error raised, if the
    function raises or returns NaN -- the same contract as GPSampler's ``constraints_func``)."""
    if state not in (TrialState.COMPLETE, TrialState.PRUNED):
        return
    values = None
    try:
        raw = constraints_func(trial)
        if not isinstance(raw, (list, tuple)):
            _logger.warning(
                f"Constraints should be a sequence of floats but got {type(raw).__name__}."
            )
        values = tuple(float(v) for v in raw)
        if any(np.isnan(values)):
            values = None
            raise ValueError("Constraint values cannot be NaN.")
    finally:
        write_constraints(study, trial, values)


def _on_branches(
    claims: Iterable[dict[str, Any]], branches: set[frozenset[str]]
) -> list[dict[str, Any]]:
    """The points running trials will evaluate. Without conditional parameters, their claims.
    With them, a claim assigns every parameter of the union and the trial will use only its
    branch's, unknown until it asks: the claim on each branch the trials took (one point per
    branch, inactive parameters dropped), so every branch's version of it is avoided and
    believed."""
    conditional = frozenset().union(*branches) if branches else frozenset()
    if not conditional:
        return list(claims)
    return [
        {n: v for n, v in claim.items() if n not in conditional or n in active}
        for claim in claims
        for active in sorted(branches, key=sorted)
        if active <= claim.keys()
    ]


def _clashes(
    space: SearchSpace,
    params: dict[str, Any],
    other: dict[str, Any],
    branches: set[frozenset[str]],
    observed: Sequence[dict[str, Any]] = (),
) -> bool:
    """Whether ``params`` and ``other`` (full assignments of the space) come within
    ``RUNNING_RADIUS`` of each other on some branch both can take. A trial uses only its
    branch's parameters, so two assignments that differ only in a parameter of another branch
    are the same trial if both take this one (docs/math.md §9): they are compared branch by
    branch, never as whole assignments. A branch neither can take -- a parameter that decides
    it (learned from the ``observed`` trials' parameters) has another value -- is skipped."""
    conditional = frozenset[str]().union(*branches)
    for active in branches or {frozenset()}:
        if not active <= params.keys() & other.keys():
            continue
        if isinstance(space, ConditionalSearchSpace) and not all(
            _takes(p, space.deciding(active, observed)) for p in (params, other)
        ):
            continue
        a, b = (
            {n: v for n, v in p.items() if n not in conditional or n in active}
            for p in (params, other)
        )
        x, y = space.snap(space.encode([a, b]))
        if matches_any(x, y[None], RUNNING_RADIUS):
            return True
    return False


def _in_clashes(
    space: SearchSpace,
    claims: dict[int, dict[str, Any]],
    branches: set[frozenset[str]],
    observed: Sequence[dict[str, Any]],
    above: int = -1,
) -> set[int]:
    """The trials (keys of ``claims``) numbered above ``above`` whose claim clashes with
    another one's (any other: stale RUNNING trials may hold many claims, the rows compared one
    at a time keep the memory linear in them)."""
    numbers = sorted(claims)
    if branches or isinstance(space, ConditionalSearchSpace):
        return {
            a
            for a in numbers
            if a > above
            and any(
                _clashes(space, claims[a], claims[b], branches, observed)
                for b in numbers
                if b != a
            )
        }
    X = space.snap(space.encode([claims[n] for n in numbers]))
    out = set()
    for i, n in enumerate(numbers):
        if n > above and matches_any(X[i], np.delete(X, i, axis=0), RUNNING_RADIUS):
            out.add(n)
    return out


def _unclaimed_point(
    search_space: dict[str, BaseDistribution],
    space: SearchSpace,
    claims: Sequence[dict[str, Any]],
    branches: set[frozenset[str]],
    observed: Sequence[dict[str, Any]],
    rng: np.random.Generator,
    n_draws: int = 64,
) -> dict[str, Any]:
    """A uniform random assignment of ``search_space`` that clashes with none of ``claims``
    (the first of ``n_draws`` that does not; the last one drawn if all do)."""
    uniform = SearchSpace(search_space)
    params: dict[str, Any] = {}
    for z in uniform.sample_uniform(rng, n_draws):
        decoded = uniform.decode(z)
        params = {n: decoded[n] for n in search_space}
        if not any(_clashes(space, params, c, branches, observed) for c in claims):
            break
    return params


def _takes(params: dict[str, Any], deciding: dict[str, list[Any]]) -> bool:
    """Whether ``params`` gives every deciding parameter of a branch a value it had there."""
    return all(
        any(type(v) is type(params[n]) and v == params[n] for v in values)
        for n, values in deciding.items()
    )


def _keyed_uniform(
    seed: int, trial_number: int, param_name: str, distribution: BaseDistribution
) -> Any:
    """A uniform random value of ``distribution`` from a generator keyed by ``(seed, trial
    number, name)``: stateless, so reproducible for a seed, and workers that share a seed draw
    different points because their trials have different numbers."""
    key = [seed, trial_number, zlib.crc32(param_name.encode())]
    space = SearchSpace({param_name: distribution})
    return space.decode(space.sample_uniform(np.random.default_rng(key), 1)[0])[param_name]


def _random_seed() -> int:
    return int(np.random.SeedSequence().generate_state(1)[0])
