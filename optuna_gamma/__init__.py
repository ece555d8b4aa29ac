"""optuna-gamma: Bayesian optimization with a Gamma-prior (Student-t) GP surrogate for Optuna.

Public names:

- :class:`GammaBOSampler` -- the sampler.
- :func:`kappa_score` -- the thesis's kappa objective joining validation accuracy and loss.

The PyTorch helpers live in :mod:`optuna_gamma.torch` and are imported only when asked for, so that
importing :mod:`optuna_gamma` never imports torch.
"""

from optuna_gamma._kappa import kappa_score
from optuna_gamma._sampler import GammaBOSampler

__all__ = ["GammaBOSampler", "kappa_score"]
__version__ = "0.1.0"
