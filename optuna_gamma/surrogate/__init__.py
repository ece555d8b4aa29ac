"""The surrogate: settings, fit, the fitted model with its predictions, and the acquisition.

One home for the model layer, used by :class:`~optuna_gamma.GammaBOSampler`, by
:mod:`optuna_gamma.visualization` and by :mod:`optuna_gamma.dashboard` alike:

- :class:`SurrogateSettings` -- everything that decides the model and the acquisition (a frozen,
  validated dataclass; ``GammaBOSampler.surrogate_settings`` is the sampler's);
- :func:`fit_surrogate` (one objective), :func:`fit_multi_objective` (several) -- trials in,
  :class:`FittedSurrogate` out: one :class:`ObjectiveModel` per objective (``predict``: median
  and credible interval in the objective's units), one :class:`ConstraintModel` per outcome
  constraint, and the :class:`Acquisition`;
- the acquisitions behind one interface (``values``, ``values_and_grad``): :class:`LogEI`,
  :class:`LogPI`, :class:`UCB` for one objective, :class:`LogEHVI` for several, each plus the
  constraints' ``sum_k log P(c_k <= 0)``;
- :func:`propose` -- the sampler's next point from a fitted surrogate, on every branch of a
  conditional space.

The mathematics is in docs/math.md (§2 the model, §3 the acquisition, §5 the value transform,
§7 constraints, §8 several objectives, §9 conditional spaces).
"""

from optuna_gamma.surrogate._acquisitions import UCB
from optuna_gamma.surrogate._acquisitions import Acquisition
from optuna_gamma.surrogate._acquisitions import LogEHVI
from optuna_gamma.surrogate._acquisitions import LogEI
from optuna_gamma.surrogate._acquisitions import LogPI
from optuna_gamma.surrogate._fitted import FittedSurrogate
from optuna_gamma.surrogate._fitted import MultiObjectiveSurrogate
from optuna_gamma.surrogate._fitted import Starts
from optuna_gamma.surrogate._fitted import fit_model
from optuna_gamma.surrogate._fitted import fit_multi_objective
from optuna_gamma.surrogate._fitted import fit_surrogate
from optuna_gamma.surrogate._models import ConstraintModel
from optuna_gamma.surrogate._models import ObjectiveModel
from optuna_gamma.surrogate._models import predictive_quantile
from optuna_gamma.surrogate._proposal import matches_any
from optuna_gamma.surrogate._proposal import propose
from optuna_gamma.surrogate._settings import CREDIBLE_MASS
from optuna_gamma.surrogate._settings import MAX_BRANCHES
from optuna_gamma.surrogate._settings import NEGLIGIBLE_NOISE
from optuna_gamma.surrogate._settings import RUNNING_RADIUS
from optuna_gamma.surrogate._settings import SurrogateSettings

__all__ = [
    "CREDIBLE_MASS",
    "MAX_BRANCHES",
    "NEGLIGIBLE_NOISE",
    "RUNNING_RADIUS",
    "UCB",
    "Acquisition",
    "ConstraintModel",
    "FittedSurrogate",
    "LogEHVI",
    "LogEI",
    "LogPI",
    "MultiObjectiveSurrogate",
    "ObjectiveModel",
    "Starts",
    "SurrogateSettings",
    "fit_model",
    "fit_multi_objective",
    "fit_surrogate",
    "matches_any",
    "predictive_quantile",
    "propose",
]
