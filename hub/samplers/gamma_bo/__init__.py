"""OptunaHub package of optuna-gamma's GammaBOSampler.

The sampler itself lives in the ``optuna-gamma`` distribution (see ``requirements.txt``); this
package re-exports it so that it can be loaded the OptunaHub way::

    import optunahub

    module = optunahub.load_module("samplers/gamma_bo")          # once registered
    module = optunahub.load_local_module("samplers/gamma_bo", registry_root="hub")  # from here
    sampler = module.GammaBOSampler(seed=0)
"""

from __future__ import annotations

from optuna_gamma import GammaBOSampler

__all__ = ["GammaBOSampler"]
