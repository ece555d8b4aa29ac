"""One path from a study's trials to the model's inputs.

The sampler, the plots (:mod:`optuna_gamma.visualization`) and anything else that fits the
surrogate read trials through :func:`model_inputs`, so that they all model the same trials in
the same space: which trials count (COMPLETE ones, PRUNED ones for ``pruned_trials``), which are
left out (a value the model cannot encode), how a define-by-run objective's branches are
encoded. Two copies of this step once disagreed -- a plot drew a model without the pruned trials
the sampler had used -- which is why there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
import functools
import math

from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._search_space import union_search_space
from optuna_gamma._storage import usable


@dataclass(frozen=True)
class ModelInputs:
    """The trials a model is fitted to and the space it works in.

    Attributes:
        space: The encoding of the search space (a :class:`ConditionalSearchSpace` when some
            COMPLETE trial lacks a parameter of the space).
        conditional: The parameters of the space some COMPLETE trial lacks.
        completed: The COMPLETE trials the model can encode, in the order given.
        pruned: The PRUNED trials the model can encode (observations at the worst value, or
            only points to avoid, as ``SurrogateSettings.pruned_trials`` says).
    """

    space: SearchSpace
    conditional: frozenset[str]
    completed: list[FrozenTrial]
    pruned: list[FrozenTrial]

    @property
    def branches(self) -> set[frozenset[str]]:
        """The sets of conditional parameters the COMPLETE trials held (one per branch)."""
        return {frozenset(n for n in self.conditional if n in t.params) for t in self.completed}


def relative_search_space(trials: Sequence[FrozenTrial]) -> dict[str, BaseDistribution]:
    """The space the model works in: the union of the COMPLETE trials' parameters, each with
    one distribution wherever it appears (not their intersection: a parameter only some
    branches ask for is modelled as inactive elsewhere), less single-valued ones; sorted by
    name."""
    union, _ = union_search_space([t for t in trials if t.state == TrialState.COMPLETE])
    return {name: dist for name, dist in union.items() if not dist.single() and _checkable(dist)}


def _checkable(dist: BaseDistribution) -> bool:
    """Whether Optuna can check a relative value of ``dist``: for a stepped float whose range
    is wider than the largest float (-1e308 .. 1e308, step 1e307) its check overflows and fails
    the trial, so such a parameter is left to the independent sampler."""
    if isinstance(dist, FloatDistribution) and dist.step is not None:
        return math.isfinite(dist.high - dist.low)
    return True


def model_inputs(
    trials: Sequence[FrozenTrial],
    search_space: Mapping[str, BaseDistribution],
    ordinal: str = "value",
) -> ModelInputs:
    """The model's inputs from ``trials`` (any states; the others are ignored) over
    ``search_space`` (usually :func:`relative_search_space` of the same trials); ``ordinal``:
    how a categorical over numbers is encoded (``SurrogateSettings.ordinal_lists``)."""
    search_space = dict(search_space)
    conditional = frozenset[str]().union(
        *(search_space.keys() - t.params.keys() for t in trials if t.state == TrialState.COMPLETE)
    )
    space: SearchSpace = (
        ConditionalSearchSpace(search_space, conditional, ordinal)
        if conditional
        else SearchSpace(search_space, ordinal)
    )
    completed: list[FrozenTrial] = []
    pruned: list[FrozenTrial] = []
    checks = [(name, _value_check(dist)) for name, dist in search_space.items()]
    for t in trials:
        if t.state in (TrialState.COMPLETE, TrialState.PRUNED) and _encodable(
            t, checks, conditional
        ):
            (completed if t.state == TrialState.COMPLETE else pruned).append(t)
    return ModelInputs(space=space, conditional=conditional, completed=completed, pruned=pruned)


def _value_check(dist: BaseDistribution) -> Callable[[object], bool]:
    """:func:`usable` for one distribution, its type looked up once (this runs per trial and
    parameter)."""
    if isinstance(dist, CategoricalDistribution):
        return functools.partial(usable, dist)
    return _usable_number


def _usable_number(value: object) -> bool:
    """:func:`usable` for a numeric distribution, the common case (a float, NumPy's too)
    first."""
    if isinstance(value, float):
        return math.isfinite(value)
    return usable(_ANY_NUMBER, value)


_ANY_NUMBER = FloatDistribution(-1.0, 1.0)  # a numeric distribution: usable() ignores the range


def _encodable(
    trial: FrozenTrial,
    checks: Sequence[tuple[str, Callable[[object], bool]]],
    optional: frozenset[str],
) -> bool:
    """Whether the trial holds every parameter of the space (``checks``: each one's name and
    :func:`_value_check`; the ``optional`` ones may be absent: an untaken branch) with a value
    the model can use: a finite number (clipped into the range if outside it, as an enqueued
    trial may be), or one of a categorical's choices."""
    params = trial.params
    return all(
        check(params[name]) if name in params else name in optional for name, check in checks
    )
