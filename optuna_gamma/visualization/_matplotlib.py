"""The matplotlib figures of a :class:`~optuna_gamma.visualization._slice._Slice`: the picture of
the plotly figures for static export (matplotlib is imported only when a figure is made)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

import numpy as np

from optuna_gamma.visualization._slice import _BAND_LABEL
from optuna_gamma.visualization._slice import _WIDTH_LABEL
from optuna_gamma.visualization._slice import _acq_range
from optuna_gamma.visualization._slice import _Axis
from optuna_gamma.visualization._slice import _Slice
from optuna_gamma.visualization._slice import _title

if TYPE_CHECKING:
    import matplotlib.figure


def _import_matplotlib() -> Any:
    """matplotlib's ``Figure`` class (a figure not attached to pyplot's state)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_surrogate_matplotlib needs matplotlib; install it with `pip install matplotlib`."
        ) from e
    return Figure


def _matplotlib_figure(Figure: Any, s: _Slice) -> matplotlib.figure.Figure:
    """The figure of :func:`plot_surrogate_matplotlib` for a computed slice."""
    if len(s.axes) == 1:
        return _matplotlib_1d(Figure, s)
    return _matplotlib_2d(Figure, s)


def _suptitle(fig: Any, s: _Slice) -> None:
    """The slice's title, its held values on a second line."""
    fig.suptitle(_title(s).replace("<br><sup>", "\n").replace("</sup>", ""), fontsize="medium")


def _matplotlib_1d(Figure: Any, s: _Slice) -> matplotlib.figure.Figure:
    ax = s.axes[0]
    fig = Figure(figsize=(8, 6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[0.7, 0.3])
    if ax.kind == "category":
        pos = np.arange(len(ax.values))
        lookup = {label: i for i, label in enumerate(ax.values)}
        top.errorbar(
            pos,
            s.median,
            yerr=[s.median - s.lower, s.upper - s.median],
            fmt="_",
            markersize=14,
            capsize=6,
            label=f"median ± {_BAND_LABEL}",
        )
        obs_x = [lookup[v] for v in s.observations[0]]
        grid_x: Any = pos
        bottom.plot(pos, s.acquisition, "o", color="tab:green")
        bottom.set_xticks(pos, ax.values)
        sx = None if s.suggestion is None else lookup[s.suggestion[0]]
    else:
        top.fill_between(ax.values, s.lower, s.upper, alpha=0.25, label=_BAND_LABEL)
        top.plot(ax.values, s.median, label="predicted median")
        obs_x = s.observations[0]
        grid_x = ax.values
        bottom.plot(ax.values, s.acquisition, color="tab:green")
        sx = None if s.suggestion is None else s.suggestion[0]
        if ax.kind == "log":
            bottom.set_xscale("log")
    _matplotlib_observations(top, obs_x, s)
    if s.feasibility is not None:
        twin = bottom.twinx()
        twin.plot(grid_x, s.feasibility, "--", color="tab:purple")
        twin.set_ylim(-0.05, 1.05)
        twin.set_ylabel("P(feasible)", color="tab:purple")
    if sx is not None:  # the star on the curve (in the legend) and on the acquisition
        for panel, y, label in (
            (top, s.suggestion_median, s.suggestion_label),
            (bottom, s.suggestion_acquisition, None),
        ):
            star = {"marker": "*", "s": 220, "color": "red", "zorder": 4, "edgecolors": "black"}
            panel.scatter([sx], [y], label=label, **star)
    low, high = _acq_range(s)
    pad = 0.05 * max(high - low, 1e-12)
    bottom.set_ylim(low - pad, high + pad)
    top.set_ylabel(s.objective_name)
    bottom.set_ylabel(s.acquisition_name)
    bottom.set_xlabel(ax.name)
    top.legend(loc="best", fontsize="small")
    _suptitle(fig, s)
    return fig


def _matplotlib_observations(panel: Any, obs_x: Sequence[Any], s: _Slice) -> None:
    """The observed trials on a 1-D curve: feasible ones as black dots, infeasible as crosses."""
    ok = np.array(s.observed_feasible, dtype=bool)
    obs_y = np.asarray(s.observed_values)
    panel.scatter(
        [x for x, f in zip(obs_x, ok) if f],
        obs_y[ok],
        color="black",
        s=18,
        zorder=3,
        label="observations",
    )
    if not ok.all():
        panel.scatter(
            [x for x, f in zip(obs_x, ok) if not f],
            obs_y[~ok],
            color="grey",
            marker="x",
            s=24,
            zorder=3,
            label="infeasible observations",
        )


def _matplotlib_2d(Figure: Any, s: _Slice) -> matplotlib.figure.Figure:
    ax, ay = s.axes
    fig = Figure(figsize=(15, 4.8), layout="constrained")
    low, high = _acq_range(s)
    maps = [
        ("predicted median", s.median, "viridis", None),
        (_WIDTH_LABEL, s.width, "cividis", None),
        (s.acquisition_name, s.acquisition, "inferno", (low, high)),
    ]
    if s.feasibility is not None:
        maps.append(("P(feasible)", s.feasibility, "Purples", (0.0, 1.0)))
    panels = fig.subplots(1, len(maps))
    gx, gy = _coordinates(ax, ax.values), _coordinates(ay, ay.values)
    ox, oy = _coordinates(ax, s.observations[0]), _coordinates(ay, s.observations[1])
    for panel, (title, z, cmap, zrange) in zip(panels, maps):
        kw = {} if zrange is None else {"vmin": zrange[0], "vmax": zrange[1]}
        mesh = panel.pcolormesh(gx, gy, z, cmap=cmap, shading="nearest", **kw)
        fig.colorbar(mesh, ax=panel)
        ok = np.array(s.observed_feasible, dtype=bool)
        panel.scatter(ox[ok], oy[ok], c="white", edgecolors="black", s=25, label="observations")
        if not ok.all():
            panel.scatter(
                ox[~ok], oy[~ok], c="grey", marker="x", s=30, label="infeasible observations"
            )
        if s.suggestion is not None:
            sx, sy = _coordinates(ax, [s.suggestion[0]]), _coordinates(ay, [s.suggestion[1]])
            panel.scatter(
                sx, sy, marker="*", s=260, c="red", edgecolors="black", label=s.suggestion_label
            )
        for axis, set_scale, set_ticks, set_label in (
            (ax, panel.set_xscale, panel.set_xticks, panel.set_xlabel),
            (ay, panel.set_yscale, panel.set_yticks, panel.set_ylabel),
        ):
            if axis.kind == "log":
                set_scale("log")
            elif axis.kind == "category":
                set_ticks(np.arange(len(axis.values)), axis.values)
            set_label(axis.name)
        panel.set_title(title)
    panels[0].legend(loc="upper right", fontsize="small", framealpha=0.8)
    _suptitle(fig, s)
    return fig


def _coordinates(axis: _Axis, values: Sequence[Any]) -> np.ndarray:
    """Where ``values`` of ``axis`` lie on a 2-D panel: a category at its index."""
    if axis.kind == "category":
        lookup = {label: i for i, label in enumerate(axis.values)}
        return np.array([lookup[v] for v in values], dtype=float)
    return np.asarray(values, dtype=float)
