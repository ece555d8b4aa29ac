"""optuna-gamma: Bayesian optimization with a Gamma-prior (Student-t) GP surrogate for Optuna.

Public names:

- :class:`GammaBOSampler` -- the sampler.
- :func:`best_predicted_trial`, :func:`best_predicted_trials` -- the trial(s) the model predicts
  best, for noisy objectives (in place of ``study.best_trial`` / ``study.best_trials``).
- :func:`kappa_score` -- the thesis's kappa objective joining validation accuracy and loss.
- :mod:`optuna_gamma.surrogate` -- the surrogate model on its own (settings, fit, predictions).

The PyTorch helpers live in :mod:`optuna_gamma.torch` and are imported only when asked for, so that
importing :mod:`optuna_gamma` never imports torch.
"""

from optuna_gamma._kappa import kappa_score
from optuna_gamma._recommend import best_predicted_trial
from optuna_gamma._recommend import best_predicted_trials
from optuna_gamma._sampler import GammaBOSampler
from optuna_gamma._version import __version__

__all__ = [
    "GammaBOSampler",
    "__version__",
    "best_predicted_trial",
    "best_predicted_trials",
    "kappa_score",
]
