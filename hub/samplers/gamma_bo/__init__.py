"""OptunaHub package of optuna-gamma's GammaBOSampler.

The sampler itself lives in the ``optuna-gamma`` distribution (see ``requirements.txt``); this
package re-exports it so that it can be loaded the OptunaHub way::

    import optunahub

    module = optunahub.load_module("samplers/gamma_bo")          # once registered
    module = optunahub.load_local_module("samplers/gamma_bo", registry_root="hub")  # from here
    sampler = module.GammaBOSampler(seed=0)
    best = module.best_predicted_trial(study)   # for noisy objectives, in place of best_trial
"""

from __future__ import annotations

from optuna_gamma import GammaBOSampler
from optuna_gamma import best_predicted_trial
from optuna_gamma import best_predicted_trials

__all__ = ["GammaBOSampler", "best_predicted_trial", "best_predicted_trials"]
