"""Optuna distributions <-> points of the unit cube [0, 1]^d.

Encoding, per parameter (column ``j``):

- float, linear: ``x = (v - low) / (high - low)``.
- float, log: the same on ``log v``.
- int or stepped float: the range is widened by half a step on each side before the (linear or
  log) map, so every grid value owns an interval of equal width in ``x`` and rounding to the
  nearest grid value is exact.  ``grid_x[j]`` holds the encoded grid values.
- categorical: the column holds the choice index ``0, 1, ..., k - 1`` (not a position in [0, 1]);
  the kernel compares categorical columns by equality (Hamming distance), so the index order
  carries no meaning.
- ordinal list: a categorical whose choices are three or more distinct finite numbers, not
  consecutive integers (a learning rate from ``[1e-4, 1e-3, 1e-2]``, a batch size from
  ``[16, 32, 64]``; ``[0, 1, 2]`` is how label encoders code unordered choices) is ordered: with
  ``ordinal="value"`` (the default) each choice sits at its value scaled to [0, 1] (its
  logarithm when every choice is positive and they span more than a factor of ten); with
  ``ordinal="index"`` the ``i``-th smallest of ``k`` choices sits at ``i / (k - 1)``; with
  ``ordinal="categorical"`` it stays a categorical column (docs/math.md §10).

Decoding clips to the distribution's range, snaps to its grid and returns plain Python values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from collections.abc import Sequence
import math
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution

# A grid with more points than this is searched by continuous relaxation plus neighbour search
# instead of exhaustively.
_MAX_EXHAUSTIVE_GRID = 32
_FLOAT_MAX = float(np.finfo(float).max)
# A grid with more points than this (an int range of 2**64 values) is modelled as a continuous
# column, decoded to the grid: float64 cannot tell its neighbouring points apart in [0, 1].
_MAX_GRID_POINTS = 2**53
# Grids up to this size are also kept as arrays (``grid_x``); larger ones -- an int parameter
# over ``0 .. 2**31 - 1`` has two billion values -- exist only implicitly (index <-> value
# arithmetic), so no operation costs memory or time in proportion to a grid's size.
_MAX_EXPLICIT_GRID = 4096
#: How a categorical over numbers enters the model (:func:`ordinal_positions`).
ORDINAL_MODES = ("index", "value", "categorical")


def ordinal_positions(dist: BaseDistribution, mode: str) -> np.ndarray | None:
    """The encoded position in [0, 1] of each choice of ``dist`` (in its choices' order) if
    ``mode`` models it as an ordered list, else ``None``: a categorical of three or more
    distinct finite numbers (``bool`` is not a number here) other than consecutive integers,
    placed by rank (``"index"``) or
    by value (``"value"``: linearly, or logarithmically when every choice is positive and the
    largest is more than ten times the smallest)."""
    if mode == "categorical" or not isinstance(dist, CategoricalDistribution):
        return None
    choices = dist.choices
    if len(choices) < 3 or not all(
        isinstance(c, (int, float, np.integer, np.floating))
        and not isinstance(c, (bool, np.bool_))
        for c in choices
    ):
        return None
    values = np.array([float(c) for c in choices])  # type: ignore[arg-type]  # numbers, checked
    if not np.all(np.isfinite(values)) or len(np.unique(values)) < len(values):
        return None
    # Consecutive integers (0, 1, ..., k - 1) are how tabular benchmarks and label encoders
    # code unordered choices (an operation of a network cell): they stay categorical.
    ordered = np.sort(values)
    if np.all(ordered == np.round(ordered)) and np.all(np.diff(ordered) == 1.0):
        return None
    if mode == "index":
        rank = np.argsort(np.argsort(values))
        return rank / (len(values) - 1.0)
    lo, hi = values.min(), values.max()
    if lo > 0.0 and hi > 10.0 * lo:
        return (np.log(values) - np.log(lo)) / (np.log(hi) - np.log(lo))
    return (values - lo) / (hi - lo)


class SearchSpace:
    """The encoding of one relative search space (a mapping of names to distributions).

    Attributes:
        names: Parameter names, in column order.
        dim: Number of columns.
        is_categorical: Boolean mask of categorical columns, shape ``(dim,)``.
        n_choices: Number of choices of each categorical column (0 elsewhere), shape ``(dim,)``.
        grid_x: For each discrete column (int, stepped float, categorical) with at most
            ``_MAX_EXPLICIT_GRID`` admissible points, their encoded values; ``None`` for
            continuous columns and larger grids.
        n_grid: Number of admissible points of each numeric discrete column (0 for continuous
            and categorical columns), shape ``(dim,)``.
    """

    def __init__(
        self, distributions: Mapping[str, BaseDistribution], ordinal: str = "value"
    ) -> None:
        if ordinal not in ORDINAL_MODES:
            raise ValueError(f"ordinal must be one of {ORDINAL_MODES}; got {ordinal!r}.")
        self.ordinal = ordinal
        self.names: list[str] = list(distributions)
        self.distributions: list[BaseDistribution] = [distributions[n] for n in self.names]
        self.dim = len(self.names)
        self.is_categorical = np.zeros(self.dim, dtype=bool)
        self.n_choices = np.zeros(self.dim, dtype=np.int64)
        self._is_log = np.zeros(self.dim, dtype=bool)
        self._lo = np.zeros(self.dim)  # bounds of the (log-)transformed, widened range
        self._hi = np.ones(self.dim)
        self._scale = np.ones(self.dim)  # 0.5 where hi - lo overflows: differences in halves
        self._low = np.zeros(self.dim)  # the distribution's own low and step (grids only)
        self._step = np.zeros(self.dim)
        self.n_grid = np.zeros(self.dim, dtype=np.int64)
        self.grid_x: list[np.ndarray | None] = []
        # Ordinal lists: column -> (positions in the choices' order, sorted positions, the
        # choice index of each sorted position).
        self._ordinal: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for j, dist in enumerate(self.distributions):
            positions = ordinal_positions(dist, ordinal)
            if positions is not None:
                order = np.argsort(positions, kind="stable")
                self._ordinal[j] = (positions, positions[order], order)
                self.n_grid[j] = len(positions)
                self.grid_x.append(positions[order])
                continue
            if isinstance(dist, CategoricalDistribution):
                self.is_categorical[j] = True
                self.n_choices[j] = len(dist.choices)
                self.grid_x.append(np.arange(len(dist.choices), dtype=float))
                continue
            if not isinstance(dist, (FloatDistribution, IntDistribution)):
                raise TypeError(
                    f"Unsupported distribution for parameter {self.names[j]!r}: {dist!r}; "
                    "expected FloatDistribution, IntDistribution or CategoricalDistribution."
                )
            self.grid_x.append(self._numeric_column(j, dist))
        self.is_discrete = self.is_categorical | (self.n_grid > 0)
        self.continuous_indices = np.flatnonzero(~self.is_discrete)
        self.discrete_indices = np.flatnonzero(self.is_discrete & ~self.is_categorical)
        self.categorical_indices = np.flatnonzero(self.is_categorical)
        # Columns optimised by continuous relaxation: continuous ones and large numeric grids.
        self.is_relaxed = ~self.is_categorical & (
            (self.n_grid == 0) | (self.n_grid > _MAX_EXHAUSTIVE_GRID)
        )

    def _numeric_column(
        self, j: int, dist: FloatDistribution | IntDistribution
    ) -> np.ndarray | None:
        """Sets up the numeric column ``j``; returns its explicit grid (``None`` if it is
        continuous or its grid is only implicit)."""
        step = dist.step
        low, high = float(dist.low), float(dist.high)
        # A range wider than the largest float (-1e308 .. 1e308) is measured in halves.
        scale = 1.0 if math.isfinite(high - low) else 0.5
        self._scale[j] = scale
        half = 0.5 * step if step is not None else 0.0
        self._is_log[j] = dist.log
        lo, hi = max(low - half, -_FLOAT_MAX), min(high + half, _FLOAT_MAX)
        if dist.log:
            lo, hi = math.log(lo), math.log(hi)
        self._lo[j], self._hi[j] = lo, hi
        n_points = 0
        if isinstance(dist, IntDistribution):
            n_points = (dist.high - dist.low) // dist.step + 1  # exact, however large
        elif step is not None:
            n_points = int(round((high * scale - low * scale) / (step * scale))) + 1
        if not 0 < n_points <= _MAX_GRID_POINTS:
            return None  # continuous, or a grid too fine for float64
        self._low[j], self._step[j], self.n_grid[j] = low, float(dist.step or 1), n_points
        if n_points <= _MAX_EXPLICIT_GRID:
            return self.grid_values(j, np.arange(n_points))
        return None

    # -- one column ----------------------------------------------------------------------------

    def _to_unit(self, j: int, values: np.ndarray) -> np.ndarray:
        t = np.log(values) if self._is_log[j] else values
        s = self._scale[j]  # 1, or 0.5 for a range wider than the largest float
        width = self._hi[j] * s - self._lo[j] * s
        if width <= 0.0:  # single-valued continuous distribution: any x decodes to low
            return np.full_like(t, 0.5, dtype=float)
        return (t * s - self._lo[j] * s) / width

    def _from_unit(self, j: int, x: np.ndarray) -> np.ndarray:
        s = self._scale[j]
        lo, hi = self._lo[j] * s, self._hi[j] * s
        t = np.clip((lo + np.clip(x, 0.0, 1.0) * (hi - lo)) / s, self._lo[j], self._hi[j])
        return np.exp(t) if self._is_log[j] else t

    def grid_values(self, j: int, index: np.ndarray) -> np.ndarray:
        """Encoded values of the grid points ``index`` (integers ``0 .. n_grid[j] - 1``) of the
        numeric discrete column ``j``."""
        if j in self._ordinal:
            return self._ordinal[j][1][np.asarray(index, dtype=np.int64)]
        s = self._scale[j]  # in halves where step * index would overflow
        values = (self._low[j] * s + self._step[j] * s * np.asarray(index, dtype=float)) / s
        return self._to_unit(j, values)

    def grid_index(self, j: int, x: np.ndarray) -> np.ndarray:
        """Index of the grid point of column ``j`` nearest (in the encoding) to each ``x``.

        The encoding is monotone, so the nearest point is one of the two grid values around
        ``x``: found by bisection in an explicit grid (``grid_x``), from ``x``'s decoded value
        in an implicit one (constant time, whatever the grid's size).
        """
        x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
        last = self.n_grid[j] - 1
        grid = self._ordinal[j][1] if j in self._ordinal else self.grid_x[j]
        if grid is not None:  # explicit: the two grid values around x, by bisection
            right = np.clip(np.searchsorted(grid, x), 0, last)
            left = np.clip(right - 1, 0, last)
            closer_left = np.abs(x - grid[left]) <= np.abs(grid[right] - x)
            return np.where(closer_left, left, right).astype(np.int64)
        s = self._scale[j]
        position = (self._from_unit(j, x) * s - self._low[j] * s) / (self._step[j] * s)
        left = np.clip(np.floor(position), 0, last)
        right = np.clip(left + 1, 0, last)
        closer_left = np.abs(x - self.grid_values(j, left)) <= np.abs(
            self.grid_values(j, right) - x
        )
        return np.where(closer_left, left, right).astype(np.int64)

    # -- public --------------------------------------------------------------------------------

    def encode(self, params_list: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Encodes parameter dictionaries (each holding every name) into an ``(n, dim)`` array."""
        X = np.empty((len(params_list), self.dim))
        for j, (name, dist) in enumerate(zip(self.names, self.distributions)):
            column = [params[name] for params in params_list]
            if j in self._ordinal:
                assert isinstance(dist, CategoricalDistribution)
                positions = self._ordinal[j][0]
                X[:, j] = [positions[int(dist.to_internal_repr(v))] for v in column]
            elif self.is_categorical[j]:
                assert isinstance(dist, CategoricalDistribution)
                X[:, j] = [dist.to_internal_repr(v) for v in column]
            else:
                # Values outside the range (an enqueued trial may hold one) are clipped into it.
                X[:, j] = np.clip(self._to_unit(j, np.asarray(column, dtype=float)), 0.0, 1.0)
        return X

    def snap(self, X: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """Returns a copy of ``X`` (shape ``(..., dim)``) moved to admissible points.

        Continuous columns are clipped to [0, 1]; discrete columns go to the nearest encoded grid
        value (categorical columns: nearest index). ``columns``: only these discrete columns
        are moved to their grids (the others are only clipped), for a caller that reads no
        other.
        """
        out = np.clip(np.array(X, dtype=float), 0.0, 1.0)
        discrete = np.flatnonzero(self.is_discrete)
        if columns is not None:
            discrete = np.intersect1d(discrete, columns)
        for j in discrete:
            if self.is_categorical[j]:
                out[..., j] = np.clip(np.rint(X[..., j]), 0, self.n_choices[j] - 1)
                continue
            out[..., j] = self.grid_values(int(j), self.grid_index(int(j), out[..., j]))
        return out

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """Decodes one encoded point into a dictionary of plain Python values inside the space."""
        params: dict[str, Any] = {}
        for j, (name, dist) in enumerate(zip(self.names, self.distributions)):
            if j in self._ordinal:
                assert isinstance(dist, CategoricalDistribution)
                rank = int(self.grid_index(j, np.asarray(x[j], dtype=float)))
                params[name] = dist.choices[int(self._ordinal[j][2][rank])]
                continue
            if isinstance(dist, CategoricalDistribution):
                index = int(np.clip(np.rint(x[j]), 0, len(dist.choices) - 1))
                params[name] = dist.to_external_repr(index)
                continue
            assert isinstance(dist, (FloatDistribution, IntDistribution))
            v = float(self._from_unit(j, np.asarray(x[j], dtype=float)))
            step = dist.step
            if step is not None:
                s = self._scale[j]  # differences in halves where they would overflow
                last = (
                    (dist.high - dist.low) // step if isinstance(dist, IntDistribution) else None
                )
                k = round((v * s - dist.low * s) / (step * s))
                if last is None:
                    last = int(round((dist.high * s - dist.low * s) / (step * s)))
                k = min(max(k, 0), last)
                v = dist.low + k * step
            v = min(max(v, dist.low), dist.high)
            params[name] = int(round(v)) if isinstance(dist, IntDistribution) else float(v)
        return params

    def lattice(self, limit: int) -> np.ndarray | None:
        """Every admissible point, ``(m, dim)``, if every column is discrete with an explicit
        grid and there are at most ``limit`` points; else ``None``."""
        if self.dim == 0 or not self.is_discrete.all() or any(g is None for g in self.grid_x):
            return None
        sizes = [len(g) for g in self.grid_x if g is not None]
        if math.prod(sizes) > limit:
            return None
        index = np.indices(sizes).reshape(self.dim, -1).T
        return np.column_stack(
            [g[index[:, j]] for j, g in enumerate(self.grid_x) if g is not None]
        )

    def sample_uniform(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draws ``n`` admissible encoded points, uniform over each column's encoding."""
        return self._from_uniform(rng.random((n, self.dim)))

    def _from_uniform(self, U: np.ndarray) -> np.ndarray:
        """Points of the unit cube as admissible points: a categorical column or an ordinal
        list takes each choice on an equal share of [0, 1]; other columns are snapped."""
        U = U.copy()
        cat = self.is_categorical
        U[:, cat] = np.minimum(np.floor(U[:, cat] * self.n_choices[cat]), self.n_choices[cat] - 1)
        for j, (_, grid, _) in self._ordinal.items():
            U[:, j] = grid[np.minimum(np.floor(U[:, j] * len(grid)), len(grid) - 1).astype(int)]
        return self.snap(U)

    def sample_sobol(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draws ``n`` admissible encoded points from a scrambled Sobol sequence."""
        from scipy.stats import qmc

        if self.dim == 0:
            return np.empty((n, 0))
        return self._from_uniform(qmc.Sobol(self.dim, scramble=True, seed=rng).random(n))


#: A parameter whose values separate the branches decides them only if a separation at least as
#: clean would arise by chance with at most this probability (:func:`separation_probability`).
DECIDING_LEVEL = 0.05


def separation_probability(here: Sequence[Any], there: Sequence[Any]) -> float:
    """The probability that ``len(here)`` of the pooled observations ``here + there``, drawn at
    random without replacement, share no value with the rest -- how often values unrelated to
    the branch would separate it as cleanly as observed (a permutation test's p-value).

    Equal values form groups of sizes ``c_1, ..., c_g``; a draw is separated exactly when it is a
    union of whole groups, so the probability is the number of sub-collections of groups whose
    sizes sum to ``len(here)`` over ``C(n, len(here))``. Values all distinct (a wide integer
    range): every draw separates, probability 1. Two categories seen 5 and 5 times: 2 / 252.
    """
    counts = Counter(list(here) + list(there)).values()
    k, n = len(here), len(here) + len(there)
    ways = [1] + [0] * k  # ways[s]: sub-collections of the groups seen so far of total size s
    for c in counts:
        for s in range(k, c - 1, -1):
            ways[s] += ways[s - c]
    return ways[k] / math.comb(n, k)


class _BranchWeight:
    """The log weight of the points of one branch (:meth:`ConditionalSearchSpace.branch`): 0
    where a point surely lies on the branch, ``-inf`` where it cannot, the log probability that
    it does in between."""

    def __init__(self, sub: SearchSpace, names: list[str], filler: dict[str, Any]) -> None:
        self._sub, self._names, self._filler = sub, names, filler
        self._held: list[tuple[int, np.ndarray]] = []  # (column, allowed encoded values)
        self._excluded: list[tuple[np.ndarray, np.ndarray]] = []  # (columns, excluded rows)
        self._weighed: list[tuple[int, np.ndarray, np.ndarray]] = []  # (column, values, logs)
        # The columns the three rules read: the only ones a call snaps to their grids.
        self._read = np.empty(0, dtype=int)

    def _column(self, name: str, values: Sequence[Any]) -> tuple[int, np.ndarray]:
        j = self._names.index(name)
        rows = self._sub.encode([{**self._filler, name: v} for v in values])
        return j, self._sub.snap(rows)[:, j]

    def hold(self, name: str, values: Sequence[Any]) -> None:
        """Only points with one of ``values`` of parameter ``name`` lie on the branch."""
        j, encoded = self._column(name, values)
        self._held.append((j, np.unique(encoded)))
        self._read = np.union1d(self._read, [j])

    def exclude(self, trials: Sequence[Mapping[str, Any]]) -> None:
        """Points that agree with one of ``trials`` (parameters of one smaller branch) on all
        of its parameters are off the branch."""
        cols = np.array([j for j, n in enumerate(self._names) if n in trials[0]], dtype=int)
        if len(cols) == 0:
            return
        known = [{**self._filler, **{n: p[n] for n in p if n in self._filler}} for p in trials]
        rows = self._sub.snap(self._sub.encode(known))
        self._excluded.append((cols, np.unique(rows[:, cols], axis=0)))
        self._read = np.union1d(self._read, cols)

    def weigh(self, name: str, elsewhere: Sequence[tuple[Any, int]]) -> None:
        """Values of ``name`` seen ``c`` times on other branches weigh ``log(2 / (c + 2))``."""
        j, encoded = self._column(name, [v for v, _ in elsewhere])
        counts = np.array([c for _, c in elsewhere], dtype=float)
        self._weighed.append((j, encoded, np.log(2.0 / (counts + 2.0))))
        self._read = np.union1d(self._read, [j])

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        out = np.zeros(len(Z))
        if not (self._held or self._excluded or self._weighed):
            return out
        snapped = self._sub.snap(Z, columns=self._read)  # a branch's grid columns are many
        for j, values in self._held:
            out[~np.isin(snapped[:, j], values)] = -np.inf
        for cols, rows in self._excluded:
            out[np.isin(_rows_as_keys(snapped[:, cols]), _rows_as_keys(rows))] = -np.inf
        for j, values, weights in self._weighed:
            out += (snapped[:, j, None] == values[None, :]) @ weights  # (s, k) @ (k,)
        return out


def _rows_as_keys(A: np.ndarray) -> np.ndarray:
    """Each row of ``A`` ``(n, k)`` as one opaque value, equal exactly when the rows are equal
    (``-0.0`` counted as ``0.0``): a set membership test of rows costs one ``np.isin``."""
    A = np.ascontiguousarray(A + 0.0, dtype=float)
    return A.view(np.dtype((np.void, A.dtype.itemsize * A.shape[1]))).ravel()


def _key(value: Any) -> tuple[str, Any]:
    """A hashable key that keeps 1, 1.0 and True apart (as Optuna's categoricals do)."""
    return (type(value).__name__, value)


#: The category that stands for "not asked by this trial" in a conditional categorical column.
INACTIVE = "__gammabo_inactive__"
_ACTIVE_SUFFIX = "\x00active"  # names of the activity columns (no Optuna name holds a NUL)


def union_search_space(
    trials: Sequence[Any],
) -> tuple[dict[str, BaseDistribution], frozenset[str]]:
    """The parameters of ``trials`` (finished trials: their ``distributions``) that have one
    distribution wherever they appear, sorted by name (Optuna's order for relative spaces),
    and the *conditional* ones among them: those some trial does not hold. A parameter seen
    with two distributions is left out (it goes to the independent sampler)."""
    seen: dict[str, BaseDistribution] = {}
    conflicting: set[str] = set()
    counts: dict[str, int] = {}
    add_to_union(trials, seen, conflicting, counts)
    union = {n: seen[n] for n in sorted(seen) if n not in conflicting}
    conditional = frozenset(n for n in union if counts[n] < len(trials))
    return union, conditional


def add_to_union(
    trials: Sequence[Any],
    seen: dict[str, BaseDistribution],
    conflicting: set[str],
    counts: dict[str, int] | None = None,
) -> None:
    """:func:`union_search_space`'s step, which can resume: adds ``trials`` to ``seen`` (each
    parameter's first distribution), ``conflicting`` (the parameters seen with two) and
    ``counts`` (the trials holding each parameter), in place."""
    for t in trials:
        for name, dist in t.distributions.items():
            if counts is not None:
                counts[name] = counts.get(name, 0) + 1
            first = seen.setdefault(name, dist)
            # Optuna's __eq__ without its (abstract base class) isinstance check: this runs
            # per trial and parameter.
            if first is not dist and (
                type(first) is not type(dist) or first.__dict__ != dist.__dict__
            ):
                conflicting.add(name)


class ConditionalSearchSpace(SearchSpace):
    """The encoding of a union search space whose ``conditional`` parameters a trial may not
    have asked for (it took another branch of a define-by-run objective).

    A conditional categorical parameter gets one more category, :data:`INACTIVE` (longer by
    underscores if a choice is that very string); a
    conditional numeric parameter keeps its column, where an inactive trial sits at the centre
    of the range, and gets an activity column (a categorical ``True``/``False``). The kernel
    compares categorical columns by equality, so two trials that both lack a parameter agree
    on it, and a trial that has it differs from one that does not by a learned amount (the
    activity column's lengthscale; docs/math.md §9).

    ``encode`` takes the parameter dictionaries of any branch; ``decode`` returns only the
    parameters a point marks as active. :meth:`branch` gives the sub-space of one branch and
    the map from its points to points of this space.
    """

    def __init__(
        self,
        distributions: Mapping[str, BaseDistribution],
        conditional: frozenset[str],
        ordinal: str = "value",
    ) -> None:
        self.union = dict(distributions)
        self.conditional = frozenset(n for n in distributions if n in conditional)
        augmented: dict[str, BaseDistribution] = {}
        self._inactive: dict[str, str] = {}  # the "inactive" category of each categorical
        # An ordinal list is numeric here: a position on a grid, like an integer.
        nominal = {
            n
            for n, d in distributions.items()
            if isinstance(d, CategoricalDistribution) and ordinal_positions(d, ordinal) is None
        }
        for name, dist in distributions.items():
            if name in self.conditional and name in nominal:
                assert isinstance(dist, CategoricalDistribution)
                # A choice may equal the sentinel string itself: then a longer one stands in.
                sentinel = INACTIVE
                while any(isinstance(c, str) and c == sentinel for c in dist.choices):
                    sentinel += "_"
                self._inactive[name] = sentinel
                augmented[name] = CategoricalDistribution((*dist.choices, sentinel))
            else:
                augmented[name] = dist
        self._numeric_conditional = [
            n for n in distributions if n in self.conditional and n not in nominal
        ]
        for name in self._numeric_conditional:
            augmented[name + _ACTIVE_SUFFIX] = CategoricalDistribution((True, False))
        super().__init__(augmented, ordinal)
        # The centre of each range, on the parameter's grid if it has one, so that snapping an
        # encoded point never moves an inactive coordinate.
        base = SearchSpace({n: distributions[n] for n in self._numeric_conditional}, ordinal)
        self._centre = base.decode(np.full(base.dim, 0.5))

    def complete(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` of one branch as a full row of this space (inactive values filled in)."""
        row = {n: params[n] for n in self.union if n in params}
        for name in self.conditional:
            active = name in params
            if name in self._numeric_conditional:
                row[name + _ACTIVE_SUFFIX] = active
                if not active:
                    row[name] = self._centre[name]
            elif not active:
                row[name] = self._inactive[name]
        return row

    def encode(self, params_list: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return super().encode([self.complete(p) for p in params_list])

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        full = super().decode(x)
        out = {}
        for name in self.union:
            if name in self._numeric_conditional and not full[name + _ACTIVE_SUFFIX]:
                continue
            inactive = self._inactive.get(name)
            if inactive is not None and isinstance(full[name], str) and full[name] == inactive:
                continue
            out[name] = full[name]
        return out

    def branch(
        self, active: frozenset[str], observed: Sequence[Mapping[str, Any]] = ()
    ) -> tuple[SearchSpace, np.ndarray, Any, Any]:
        """The branch whose conditional parameters ``active`` are asked (the others not).

        Returns its own search space, the columns of this space that its columns map to, a
        function from its encoded points ``(s, d_branch)`` to encoded points of this space, and
        a function telling which of its encoded points lie on the branch. The last is learned
        from ``observed`` (the parameters of finished trials): a categorical or integer
        parameter *decides* the branch (an optimizer choice, a number of layers) when its values
        on this branch were never seen on another branch **and** that separation is unlikely to
        be chance (:func:`separation_probability` below ``DECIDING_LEVEL``); it is then held to
        the values seen on this branch -- elsewhere the trial would take another branch than the
        one modelled. The second condition matters: a shared integer over a wide range (a number
        of estimators asked by every branch) takes a new value in almost every trial, so its
        values never overlap between branches, and holding it to the values seen would freeze it
        for the rest of the study (docs/math.md §9).
        """
        names = [n for n in self.union if n not in self.conditional or n in active]
        sub = SearchSpace({n: self.union[n] for n in names}, self.ordinal)
        columns = np.array([self.names.index(n) for n in names], dtype=int)
        filler = {n: self._any_value(n) for n in names}
        base = super().encode([self.complete(filler)])[0]

        def embed(Z: np.ndarray) -> np.ndarray:
            out = np.repeat(base[None, :], len(Z), axis=0)
            out[:, columns] = Z
            return out

        log_weight = _BranchWeight(sub, names, filler)
        signature = [frozenset(n for n in self.conditional if n in p) for p in observed]
        decided = self.deciding(active, observed)
        for name, values in decided.items():
            log_weight.hold(name, values)
        # A point of this branch that gives every parameter of a finished trial of a smaller
        # branch that trial's value would re-run it: a define-by-run objective branches on the
        # values it has drawn, so the new trial follows the old one's path, asks exactly its
        # parameters and gets the same answers (n_layers = 1 proposed on the two-layer branch,
        # with the first width of a one-layer trial).
        for smaller in {s for s in signature if s < active}:
            log_weight.exclude([p for p, s in zip(observed, signature) if s == smaller])
        # A parameter whose values separate the branches, but not yet beyond chance, may still
        # decide them: a point of this branch with a value seen only on other branches will
        # probably land there (and its acquisition here is then not what the trial gets). Its
        # log weight is log P(lands here | value) by the rule of succession, relative to that of
        # a value never seen: log(2 / (c + 2)) for a value seen c times elsewhere, 0 for the
        # others (docs/math.md §9).
        for name, there in self.undecided(active, observed, decided).items():
            log_weight.weigh(name, there)
        return sub, columns, embed, log_weight

    def deciding(
        self, active: frozenset[str], observed: Sequence[Mapping[str, Any]]
    ) -> dict[str, list[Any]]:
        """The parameters that decide the branch whose conditional parameters ``active`` are
        asked, with the values they took on it (see :meth:`branch`): categorical or integer
        parameters asked on every branch whose values on this branch were never seen on
        another, a separation unlikely by chance (:func:`separation_probability`)."""
        signature = [frozenset(n for n in self.conditional if n in p) for p in observed]
        on = [p for p, s in zip(observed, signature) if s == active]
        off = [p for p, s in zip(observed, signature) if s != active]
        out: dict[str, list[Any]] = {}
        for name, dist in self.union.items():
            if name in self.conditional or not isinstance(
                dist, (CategoricalDistribution, IntDistribution)
            ):
                continue
            here = [p[name] for p in on if name in p]
            there = [p[name] for p in off if name in p]
            keys_here, keys_there = [_key(v) for v in here], [_key(v) for v in there]
            if (
                here
                and there
                and not set(keys_here) & set(keys_there)
                and separation_probability(keys_here, keys_there) < DECIDING_LEVEL
            ):
                out[name] = here
        return out

    def undecided(
        self,
        active: frozenset[str],
        observed: Sequence[Mapping[str, Any]],
        decided: Mapping[str, Any] | None = None,
    ) -> dict[str, list[tuple[Any, int]]]:
        """The categorical or integer parameters asked on every branch whose values on this
        branch were never seen on another, but not beyond chance (not :meth:`deciding`): each
        with the values it had on the other branches and how often."""
        signature = [frozenset(n for n in self.conditional if n in p) for p in observed]
        if decided is None:  # the parameters :meth:`deciding` returns, if already known
            decided = self.deciding(active, observed)
        out = {}
        for name, dist in self.union.items():
            if name in self.conditional or name in decided:
                continue
            if not isinstance(dist, (CategoricalDistribution, IntDistribution)):
                continue
            here = {_key(p[name]) for p, s in zip(observed, signature) if s == active}
            there = Counter(_key(p[name]) for p, s in zip(observed, signature) if s != active)
            if here and there and not here & there.keys():
                out[name] = [(key[1], c) for key, c in there.items()]
        return out

    def unexplored(self, observed: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
        """The categorical parameters asked on every branch whose values separate the branches
        the ``observed`` trials took (no value seen on two branches), each with its choices no
        trial has taken: an unseen choice of such a parameter (a model family never tried) may
        open a branch no trial has taken, which :meth:`branch` cannot offer."""
        signature = [frozenset(n for n in self.conditional if n in p) for p in observed]
        if len(set(signature)) < 2:
            return {}
        out = {}
        for name, dist in self.union.items():
            if name in self.conditional or not isinstance(dist, CategoricalDistribution):
                continue
            by_branch: dict[frozenset[str], set[tuple[str, Any]]] = {}
            for p, sig in zip(observed, signature):
                by_branch.setdefault(sig, set()).add(_key(p[name]))
            seen = set().union(*by_branch.values())
            if sum(len(v) for v in by_branch.values()) != len(seen):
                continue  # a value seen on two branches: the parameter does not decide them
            unseen = [c for c in dist.choices if _key(c) not in seen]
            if unseen:
                out[name] = unseen
        return out

    def unexplored_branch(
        self, name: str, choices: Sequence[Any]
    ) -> tuple[SearchSpace, np.ndarray, Any, Any]:
        """A branch (as :meth:`branch` returns it) for the unseen ``choices`` of ``name``: the
        parameters every branch asks, ``name`` held to ``choices``, every conditional
        parameter inactive -- the model's best guess of a branch whose own parameters no trial
        has asked yet."""
        sub, columns, embed, _ = self.branch(frozenset())
        j = sub.names.index(name)
        filler = {n: self._any_value(n) for n in sub.names}
        allowed = sub.encode([{**filler, name: c} for c in choices])[:, j]

        def log_weight(Z: np.ndarray) -> np.ndarray:
            return np.where(np.isin(sub.snap(Z)[:, j], allowed), 0.0, -np.inf)

        return sub, columns, embed, log_weight

    def _any_value(self, name: str) -> Any:
        dist = self.union[name]
        if isinstance(dist, CategoricalDistribution):
            return dist.choices[0]
        assert isinstance(dist, (FloatDistribution, IntDistribution))
        return dist.low
