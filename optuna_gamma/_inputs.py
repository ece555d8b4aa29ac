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
from typing import Any
import weakref

from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from optuna_gamma._search_space import ConditionalSearchSpace
from optuna_gamma._search_space import SearchSpace
from optuna_gamma._search_space import add_to_union
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


def relative_search_space(
    trials: Sequence[FrozenTrial], memo: InputsMemo | None = None
) -> dict[str, BaseDistribution]:
    """The space the model works in: the union of the COMPLETE trials' parameters, each with
    one distribution wherever it appears (not their intersection: a parameter only some
    branches ask for is modelled as inactive elsewhere), less single-valued ones; sorted by
    name. ``memo``: work kept from earlier calls (:class:`InputsMemo`; the same result)."""
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    union = union_search_space(complete)[0] if memo is None else memo.union(complete)
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
    memo: InputsMemo | None = None,
) -> ModelInputs:
    """The model's inputs from ``trials`` (any states; the others are ignored) over
    ``search_space`` (usually :func:`relative_search_space` of the same trials); ``ordinal``:
    how a categorical over numbers is encoded (``SurrogateSettings.ordinal_lists``); ``memo``:
    work kept from earlier calls (:class:`InputsMemo`; the same result)."""
    search_space = dict(search_space)
    checks = [(name, _value_check(dist)) for name, dist in search_space.items()]
    entries = memo.entries(search_space) if memo is not None else None
    finished = [
        (t, _checked(t, checks, entries))
        for t in trials
        if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
    ]
    conditional = frozenset[str]().union(
        *(missing for t, (_, missing) in finished if t.state == TrialState.COMPLETE)
    )
    space: SearchSpace = (
        ConditionalSearchSpace(search_space, conditional, ordinal)
        if conditional
        else SearchSpace(search_space, ordinal)
    )
    completed: list[FrozenTrial] = []
    pruned: list[FrozenTrial] = []
    # Encodable: every value usable, and every parameter the trial lacks an optional one (an
    # untaken branch).
    for t, (values_ok, missing) in finished:
        if values_ok and missing <= conditional:
            (completed if t.state == TrialState.COMPLETE else pruned).append(t)
    if memo is not None:
        memo.prune(len(trials))
    return ModelInputs(space=space, conditional=conditional, completed=completed, pruned=pruned)


class InputsMemo:
    """What :func:`relative_search_space` and :func:`model_inputs` learn of each finished
    trial, kept between one sampler's suggestions: without it, every suggestion reads every
    trial of the study again, in Python (a cost that grows with the study).

    Sound because a finished trial never changes its parameters or distributions (Optuna
    refuses to set them once a trial is finished), and storages hand out a finished trial as
    the same object on every read (the in-memory storage; RDB storages through Optuna's trial
    cache). Entries are keyed by the trial object's identity and hold a weak reference to it:
    an object that is gone, or a storage that builds new objects on every read, costs a
    recomputation, never a wrong answer. Each step replaces whole values (never edits one
    another thread may be reading), so threads sharing a sampler need no lock; a race costs
    work, not correctness. Not pickled: a copy of the sampler starts empty.
    """

    _PRUNE_SLACK = 64  # entries beyond twice the study's trials are dropped (objects gone)

    def __init__(self) -> None:
        # The COMPLETE trials the union covers (in order), each parameter's first distribution
        # and the parameters seen with two.
        self._union: tuple[tuple[FrozenTrial, ...], dict[str, BaseDistribution], frozenset[str]]
        self._union = ((), {}, frozenset())
        # One search space and, by trial identity, (weak reference, its values usable, the
        # parameters of the space it lacks).
        self._entries: tuple[dict[str, BaseDistribution], dict[int, Any]] = ({}, {})

    def union(self, complete: Sequence[FrozenTrial]) -> dict[str, BaseDistribution]:
        """:func:`union_search_space`'s union of ``complete``, from the last call's if these
        trials extend its trials (the usual case: a study's trials in order of number)."""
        covered, seen, conflicting = self._union
        k = len(covered)
        if len(complete) >= k and all(a is b for a, b in zip(covered, complete)):
            new: Sequence[FrozenTrial] = complete[k:]
        else:
            new, seen, conflicting = complete, {}, frozenset()
        if new or len(complete) != k:
            seen = dict(seen)
            grown = set(conflicting)
            add_to_union(new, seen, grown)
            conflicting = frozenset(grown)
            self._union = (tuple(complete), seen, conflicting)
        return {n: seen[n] for n in sorted(seen) if n not in conflicting}

    def entries(self, search_space: dict[str, BaseDistribution]) -> dict[int, Any]:
        """The per-trial entries of ``search_space`` (a new table when the space changed)."""
        space, entries = self._entries
        if space != search_space:
            entries = {}
            self._entries = (dict(search_space), entries)
        return entries

    def prune(self, n_trials: int) -> None:
        """Drops every entry if the table has grown past twice ``n_trials`` (the objects
        of its older entries are gone, or the storage builds new ones on every read)."""
        space, entries = self._entries
        if len(entries) > 2 * n_trials + self._PRUNE_SLACK:
            self._entries = (space, {})

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]


def _checked(
    trial: FrozenTrial,
    checks: Sequence[tuple[str, Callable[[object], bool]]],
    entries: dict[int, Any] | None,
) -> tuple[bool, frozenset[str]]:
    """Whether every parameter of the space that ``trial`` holds has a value the model can
    use (:func:`_value_check`), and which parameters of the space it lacks -- from
    ``entries`` if they hold the trial."""
    if entries is not None:
        entry = entries.get(id(trial))
        if entry is not None and entry[0]() is trial:
            return entry[1]
    params = trial.params
    result = (
        all(check(params[name]) for name, check in checks if name in params),
        frozenset(name for name, _ in checks if name not in params),
    )
    if entries is not None:
        entries[id(trial)] = (weakref.ref(trial), result)
    return result


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
