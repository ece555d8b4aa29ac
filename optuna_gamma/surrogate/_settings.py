"""The surrogate's settings: what decides the model and the acquisition."""

from __future__ import annotations

from dataclasses import dataclass
import functools

import numpy as np

from optuna_gamma import _gp
from optuna_gamma._checks import check_bool as _check_bool
from optuna_gamma._checks import check_choice as _check_choice
from optuna_gamma._checks import check_int as _check_int
from optuna_gamma._checks import check_optional_int as _check_optional_int
from optuna_gamma._checks import check_real as _check_real

#: Probability mass of the credible intervals in predictions and plots.
CREDIBLE_MASS = 0.95
PREDICTIVES = ("student_t", "gaussian")
ACQUISITIONS = ("ei", "pi", "ucb")
ACQUISITION_STARTS = ("roulette", "best")
PRUNED_TRIALS = ("worst", "exclude")
ORDINAL_LISTS = ("index", "value", "categorical")
DISCRETE_REPEATS = ("best_fresh", "explore")
INCUMBENTS = ("observed", "plug_in")
#: Largest accepted ``prior_concentration`` and ``prior_rate``.
MAX_PRIOR = 1e3
#: Largest accepted ``xi`` and ``ucb_beta`` (in standard deviations of the modelled values).
MAX_XI = 1e3
MAX_CANDIDATES = 2**18  # more cost memory without helping the acquisition optimiser
MAX_LATTICE = 2**20  # the most points of a discrete space scored one by one
# A suggestion closer than this to a running or pruned trial's parameters in every encoded
# coordinate (fractions of each parameter's range) counts as the same point.
RUNNING_RADIUS = 1e-3
#: A fitted noise ratio (noise variance over signal variance) at or below this is negligible: a
#: noise standard deviation of at most a tenth of the signal's. Smooth noise-free functions fit
#: 1e-6 to 3e-3 (the noise prior's pull while the trials are few); Ackley's many local minima,
#: which the kernel cannot follow, fit up to 0.1 and count as noise unless
#: ``deterministic_objective=True`` (scripts/noise_ratios.py; docs/math.md §11).
NEGLIGIBLE_NOISE = 1e-2
#: The most trials the exact model holds by default; a longer study's model holds a subset of
#: this size (``SurrogateSettings.max_model_trials``; docs/math.md §12).
MAX_MODEL_TRIALS = 1000
#: From this many trials on, the kernel hyperparameters are fitted again only when the number of
#: trials is a multiple of a tenth of it (at most of ten: ``SurrogateSettings.refit_from``;
#: docs/math.md §12).
REFIT_FROM = 50
#: From this many continuous (or large-grid) parameters on, the acquisition optimiser also scores
#: candidates near the best trials (``SurrogateSettings.local_candidates_from``; docs/math.md
#: §13): more than the ten of the largest spaces the small-budget suites measured.
LOCAL_CANDIDATES_FROM = 11
#: With ``robust_noise``, an observation whose leave-one-out residual exceeds this many
#: predictive scales gets its noise variance multiplied by the square of the excess.
ROBUST_RESIDUAL = 2.5
#: Branches of a conditional space on which the acquisition is maximised (the most frequent).
MAX_BRANCHES = 8
#: With ``noise_check``, the noise prior's rate once repeated evaluations have shown noise
#: (prior mean 1.1: the fit admits noise of the signal's size; docs/math.md §11).
NOISY_PRIOR_RATE = 1.0
#: While the fitted noise is not negligible, the acquisition is maximised within this fraction
#: of each range around the trial of best posterior mean (``SurrogateSettings.noisy_trust_region``;
#: docs/math.md §11). Measured on the noisy, bbob, wide and real-HPO suites before it became the
#: default (docs/benchmarks.md, "Noisy objectives").
NOISY_TRUST_REGION = 0.25
#: In a space of at least this many continuous (or large-grid) parameters the acquisition is
#: maximised within ``noisy_trust_region`` of the trial of best posterior mean whether or not
#: the fit sees noise (``SurrogateSettings.trust_region_from``; docs/math.md §13): expected
#: improvement over the whole box of 20 or more dimensions keeps choosing points near its
#: corners and stops refining the best trial. Measured on bbob in 20 and 40-D before it became
#: the default (docs/benchmarks.md, "Long studies and many parameters"); smaller spaces are
#: unchanged.
TRUST_REGION_FROM = 20
#: With ``noise_check``, the fewest COMPLETE trials before the sampler re-evaluates the best one
#: to find out whether the objective is noisy (``SurrogateSettings.noise_check_from``): by 25
#: trials the fit has told most smooth noise-free functions from noisy ones, so the check costs
#: nothing measurable on noise-free bbob (from 10 it cost 0.007 of regret at 25 trials;
#: docs/benchmarks.md, "Noisy objectives").
NOISE_CHECK_FROM = 25
#: Two evaluations of the same parameters differ -- evidence of noise -- when they are further
#: apart than this share of the standard deviation of all the values (rounding and
#: nondeterministic arithmetic stay far below it).
REPEAT_TOLERANCE = 1e-3
#: With ``noise_check``, the objective counts as noise-free once one evaluation has repeated
#: earlier parameters and given the same values -- or this many, where two different
#: configurations have exactly the same values (few distinct scores, as an accuracy on a
#: small validation split has, and then a noisy repeat agrees by chance: on the noisy
#: benchmark's tabulated training runs a first repeat did in 25 of 390 studies, each of them
#: with such ties, and a second one as well in 4; docs/math.md §11).
EXACT_REPEATS_TIED = 2


@dataclass(frozen=True)
class SurrogateSettings:
    """What decides the surrogate and its acquisition; see :class:`~optuna_gamma.GammaBOSampler`
    for the meaning of the first eleven fields (they are its arguments of the same names). The
    others are the alternatives the benchmarks' ablations compare; pass them through
    ``GammaBOSampler(surrogate_settings=...)``:

    - ``lengthscale_prior_mode``: the mode ``m`` of the prior on each inverse squared
      lengthscale (docs/math.md §2, "Lengthscale prior"); ``4.0``, a lengthscale of 0.5 on the
      unit cube (``1.0`` is GPSampler's and 0.1's).
    - ``lengthscale_prior``: a replacement for that prior, a function of the inverse squared
      lengthscales ``(d,)`` returning the log prior and its gradient with respect to their
      logarithms; ``None``, the library's (the noise ratio's prior is kept either way).
    - ``acquisition_starts``: how the acquisition optimiser picks its L-BFGS-B starting points
      among the scored candidates, ``"roulette"`` (drawn in proportion to their scores) or
      ``"best"`` (the top-scored, 0.1's rule).
    - ``loose_fit_from``: from this many observations on the kernel fit stops at a looser
      tolerance (1e-6 relative instead of scipy's default), which saves evaluations that cost
      ``O(n^3)``; ``200``.
    - ``ordinal_lists``: how a categorical parameter whose choices are three or more distinct
      numbers (an *ordinal list*: ``suggest_categorical("lr", [1e-4, 1e-3, 1e-2])``) enters the
      model: ``"value"`` (the default: an ordered grid, each choice at its value scaled to
      [0, 1], logarithmically when the positive choices span more than a factor of ten),
      ``"index"`` (the ``i``-th smallest choice at ``i / (k - 1)``) or ``"categorical"``
      (unordered choices compared by equality, the encoding of earlier releases;
      docs/math.md §10).
    - ``discrete_lengthscale_prior_mode``: the lengthscale prior's mode for the discrete columns
      (integers, ordinal lists, categoricals); ``None``, ``lengthscale_prior_mode`` for every
      column. Ignored when ``lengthscale_prior`` is given.
    - ``lattice_limit``: a space (or a branch) whose parameters are all discrete with at most
      this many configurations is searched exhaustively: the acquisition is scored at every
      configuration; ``0``, never (candidates and local search, docs/math.md §10).
    - ``discrete_repeats``: what replaces an acquisition maximiser that repeats an evaluated
      configuration of an all-discrete space: ``"best_fresh"``, the best configuration not yet
      evaluated, or ``"explore"``, the most uncertain candidate (the rule of earlier releases;
      a space with a continuous parameter always explores, every branch takes the best fresh).
    - ``unseen_choices``: whether a choice no trial has taken of a categorical that separates
      the branches (a model family the start-up trials missed) competes as a branch of its own
      (``False``: never proposed, as in earlier releases).
    - ``incumbent``: what expected (or probability of) improvement improves on, for one
      objective: ``"observed"`` (the default), the best observed value, or ``"plug_in"``, the
      best posterior mean at the evaluated points while the fitted noise is not negligible
      (under noise the best observation is partly luck). Measured on noisy and noise-free
      benchmarks, the plug-in rule changed nothing on the first and cost a little on the
      second, so it is not the default (docs/math.md §11).
    - ``noisy_repeats``: whether a maximiser that repeats an evaluated point is kept -- a
      re-evaluation -- when the fitted noise is not negligible (a noise ratio above
      :data:`NEGLIGIBLE_NOISE`); ``False``, the default, replaces it as ``discrete_repeats``
      says (measured in docs/benchmarks.md, "Noisy objectives").
    - ``max_model_trials``: the most trials (COMPLETE and PRUNED) the exact model holds; a
      longer study's model holds a subset of this many -- its best trials and a spread of the
      rest -- so the cost of a suggestion stops growing with the study (docs/math.md §12);
      ``None``, every trial (the cost grows with the cube of their number).
    - ``refit_from``: from this many trials on (50 by default), the kernel hyperparameters are
      fitted again only when the number of trials is a multiple of a tenth of it -- every
      fifth number of trials from 50, every sixth from 60, ..., every tenth from 100 on --
      and kept from the previous trial's fit in between (each fit costs several
      factorisations of the model; the data grow by at most a tenth between two fits);
      ``None``, fitted on every trial. ``250``: the schedule of earlier 0.2 development
      versions (every trial up to 250, every tenth after).
    - ``local_candidates_from``: in a space of at least this many continuous (or large-grid)
      parameters, the acquisition optimiser also scores as many candidates near the best 5 %
      of the trials as quasi-random ones: copies of them with a random subset of coordinates
      moved by small normal steps (docs/math.md §13); 11 by default; ``None``, never.
    - ``robust_noise``: while the fitted noise is not negligible, one reweighting step after
      the fit: an observation whose leave-one-out residual exceeds
      :data:`ROBUST_RESIDUAL` predictive scales gets its noise variance multiplied by the
      square of the excess, so that one outlying evaluation pulls the posterior mean less
      (docs/math.md §11); ``False``, the default (measured in docs/benchmarks.md, "Noisy
      objectives").
    - ``noise_prior_rate``: the rate of the ``Gamma(1.1, rate)`` prior on the noise ratio
      (noise variance over signal variance, of standardised values; docs/math.md §2, §11).
      The default, 30 (prior mean 0.04), keeps the fit from calling a noise-free function's
      structure noise; an objective known to be noisy (a training run, a validation split) is
      better served by ``1`` (prior mean 1.1), which fits the noise at its size: measured in
      docs/benchmarks.md, "Noisy objectives", with what it costs on noise-free functions.
      Ignored with ``deterministic_objective=True``.
    - ``noise_check``: whether repeated evaluations decide the noise prior. Two COMPLETE trials
      with the same parameters whose values differ (by more than :data:`REPEAT_TOLERANCE` of
      the values' standard deviation) show that the objective is noisy: the noise prior's rate
      then becomes :data:`NOISY_PRIOR_RATE` (unless ``noise_prior_rate`` is lower). Until
      repeats have shown either and while the fitted noise is not negligible, a
      single-objective study of at least ``noise_check_from`` COMPLETE trials spends a
      trial re-evaluating its best one to find out: a repeat that gave the same values (two,
      :data:`EXACT_REPEATS_TIED`, where different configurations share a value) shows a
      noise-free objective: the model then holds each configuration once, and the
      recommendation is the best observed trial (docs/math.md §11). On by default since 0.2;
      ``False``: the noise prior stays ``noise_prior_rate`` and no trial is repeated on
      purpose. Ignored with ``deterministic_objective=True``.
    - ``noise_check_from``: with ``noise_check``, the fewest COMPLETE trials before the best
      one is evaluated again (:data:`NOISE_CHECK_FROM` by default). By then the fit must still
      see noise: later, fewer noise-free functions are mistaken for noisy ones, and a noisy
      objective learns it later (measured in docs/benchmarks.md, "Noisy objectives").
    - ``noisy_trust_region``: while the fitted noise is not negligible, the acquisition is
      maximised within this half-width (a fraction of each range, in ``(0, 0.5]``) of the
      trial with the best posterior mean, in every continuous (or large-grid) coordinate: a
      model that has fitted noise otherwise rates the box's corners, where its predictive
      scale is largest, above the neighbourhood of the good trials (docs/math.md §11).
      ``0.25`` by default (:data:`NOISY_TRUST_REGION`); ``None``: the whole box, as before
      0.2. Whole-space searches only (a conditional space's branches keep the whole box).
    - ``trust_region_from``: the same trust region, noise or not, in a space of at least this
      many continuous (or large-grid) parameters -- the half-width ``noisy_trust_region``
      (:data:`NOISY_TRUST_REGION` where that is ``None``) around the trial of best posterior
      mean (with negligible noise, about the best observed one). In 20 dimensions expected
      improvement over the whole box keeps choosing points near its corners, where its
      predictive scale is largest, and stops refining the best trial (docs/math.md §13).
      ``20`` by default since 0.2 (:data:`TRUST_REGION_FROM`); ``None``: only under noise, as
      before. Whole-space searches with one objective only, like ``noisy_trust_region``.

    Raises:
        ValueError, TypeError: If a field is invalid; the message names it and what is valid.
    """

    predictive: str = "student_t"
    prior_concentration: float = 2.5
    prior_rate: float = 1.5
    deterministic_objective: bool = False
    power_transform: bool = True
    pruned_trials: str = "worst"
    acquisition: str = "ei"
    xi: float = 0.0
    ucb_beta: float = 2.0
    n_candidates: int = 1024
    feasibility_margin: bool = True
    lengthscale_prior_mode: float = _gp.INV_LS2_PRIOR_MODE
    lengthscale_prior: _gp.LengthscalePrior | None = None
    acquisition_starts: str = "roulette"
    loose_fit_from: int = _gp.LOOSE_FIT_FROM
    ordinal_lists: str = "value"
    discrete_lengthscale_prior_mode: float | None = None
    lattice_limit: int = 0
    discrete_repeats: str = "best_fresh"
    unseen_choices: bool = True
    incumbent: str = "observed"
    noisy_repeats: bool = False
    max_model_trials: int | None = MAX_MODEL_TRIALS
    refit_from: int | None = REFIT_FROM
    local_candidates_from: int | None = LOCAL_CANDIDATES_FROM
    robust_noise: bool = False
    noise_prior_rate: float = _gp.NOISE_PRIOR_RATE
    noise_check: bool = True
    noise_check_from: int = NOISE_CHECK_FROM
    noisy_trust_region: float | None = NOISY_TRUST_REGION
    trust_region_from: int | None = TRUST_REGION_FROM

    def __post_init__(self) -> None:
        _check_choice("predictive", self.predictive, PREDICTIVES)
        _check_choice("acquisition", self.acquisition, ACQUISITIONS)
        _check_choice("pruned_trials", self.pruned_trials, PRUNED_TRIALS)
        _check_int("n_candidates", self.n_candidates, minimum=1, maximum=MAX_CANDIDATES)
        # The upper bounds keep every derived quantity finite (2 a0 + n, 2 b0 + q, y_best + xi)
        # and lie far beyond any useful value: the prior is on the precision of standardised
        # values (variance 1), and a0 = 1e3 already makes the predictive Gaussian to 3 decimals.
        _check_real("xi", self.xi, minimum=0.0, inclusive=True, maximum=MAX_XI)
        _check_real("ucb_beta", self.ucb_beta, minimum=0.0, inclusive=True, maximum=MAX_XI)
        for name in ("prior_concentration", "prior_rate", "noise_prior_rate"):
            _check_real(name, getattr(self, name), 0.0, inclusive=False, maximum=MAX_PRIOR)
        _check_real("lengthscale_prior_mode", self.lengthscale_prior_mode, 0.0, inclusive=False)
        if self.lengthscale_prior is not None and not callable(self.lengthscale_prior):
            raise TypeError(
                "lengthscale_prior must be None or a callable of the inverse squared "
                f"lengthscales returning (value, gradient); got {self.lengthscale_prior!r}."
            )
        _check_choice("acquisition_starts", self.acquisition_starts, ACQUISITION_STARTS)
        _check_int("loose_fit_from", self.loose_fit_from, minimum=0)
        _check_choice("ordinal_lists", self.ordinal_lists, ORDINAL_LISTS)
        _check_int("lattice_limit", self.lattice_limit, minimum=0, maximum=MAX_LATTICE)
        _check_choice("discrete_repeats", self.discrete_repeats, DISCRETE_REPEATS)
        _check_bool("unseen_choices", self.unseen_choices)
        _check_choice("incumbent", self.incumbent, INCUMBENTS)
        _check_bool("noisy_repeats", self.noisy_repeats)
        _check_bool("robust_noise", self.robust_noise)
        _check_bool("noise_check", self.noise_check)
        _check_int("noise_check_from", self.noise_check_from, minimum=1)
        _check_optional_int("max_model_trials", self.max_model_trials, minimum=10)
        _check_optional_int("refit_from", self.refit_from, minimum=0)
        _check_optional_int("local_candidates_from", self.local_candidates_from, minimum=1)
        _check_optional_int("trust_region_from", self.trust_region_from, minimum=1)
        if self.noisy_trust_region is not None:
            _check_real(
                "noisy_trust_region", self.noisy_trust_region, 0.0, inclusive=False, maximum=0.5
            )
            object.__setattr__(self, "noisy_trust_region", float(self.noisy_trust_region))
        if self.discrete_lengthscale_prior_mode is not None:
            _check_real(
                "discrete_lengthscale_prior_mode",
                self.discrete_lengthscale_prior_mode,
                0.0,
                inclusive=False,
            )
            object.__setattr__(
                self,
                "discrete_lengthscale_prior_mode",
                float(self.discrete_lengthscale_prior_mode),
            )
        _check_bool("deterministic_objective", self.deterministic_objective)
        _check_bool("power_transform", self.power_transform)
        _check_bool("feasibility_margin", self.feasibility_margin)
        self._plain()

    def _plain(self) -> None:
        # Plain Python values, so that the settings compare, hash and print simply.
        for name in (
            "xi",
            "ucb_beta",
            "prior_concentration",
            "prior_rate",
            "lengthscale_prior_mode",
            "noise_prior_rate",
        ):
            object.__setattr__(self, name, float(getattr(self, name)))
        for name in (
            "deterministic_objective",
            "power_transform",
            "feasibility_margin",
            "unseen_choices",
            "noisy_repeats",
            "robust_noise",
            "noise_check",
        ):
            object.__setattr__(self, name, bool(getattr(self, name)))
        object.__setattr__(self, "n_candidates", int(self.n_candidates))
        object.__setattr__(self, "loose_fit_from", int(self.loose_fit_from))
        object.__setattr__(self, "lattice_limit", int(self.lattice_limit))
        object.__setattr__(self, "noise_check_from", int(self.noise_check_from))
        for name in (
            "max_model_trials",
            "refit_from",
            "local_candidates_from",
            "trust_region_from",
        ):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, int(getattr(self, name)))


def lengthscale_prior(
    settings: SurrogateSettings, is_discrete: np.ndarray
) -> _gp.LengthscalePrior | None:
    """The settings' lengthscale prior for columns whose discreteness is ``is_discrete``
    (``None``: the library's at its default mode)."""
    if settings.lengthscale_prior is not None:
        return settings.lengthscale_prior
    discrete = settings.discrete_lengthscale_prior_mode
    if discrete is not None and discrete != settings.lengthscale_prior_mode:
        mode = np.where(is_discrete, discrete, settings.lengthscale_prior_mode)
        return functools.partial(_gp.inv_ls2_log_prior, mode=mode)
    if settings.lengthscale_prior_mode == _gp.INV_LS2_PRIOR_MODE:
        return None
    return functools.partial(_gp.inv_ls2_log_prior, mode=settings.lengthscale_prior_mode)
