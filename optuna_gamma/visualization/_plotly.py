"""The plotly figures of a :class:`~optuna_gamma.visualization._slice._Slice`.

One parameter: the curve with its band and the observations (row 1), the acquisition (row 2)
and, with constraints, ``P(feasible)`` (row 3).  Two parameters: the chosen maps side by side,
each with the observations and the suggestion.  Every trace carries a ``meta`` key (``"median"``,
``"band_upper"``, ``"acquisition_map"``, ...) by which tests and users find it.

plotly is imported only when a figure is made (:func:`_import_plotly`).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import NamedTuple

import numpy as np

from optuna_gamma.visualization._slice import _BAND_LABEL
from optuna_gamma.visualization._slice import _WIDTH_LABEL
from optuna_gamma.visualization._slice import _acq_range
from optuna_gamma.visualization._slice import _Axis
from optuna_gamma.visualization._slice import _Slice
from optuna_gamma.visualization._slice import _title

if TYPE_CHECKING:
    import plotly.graph_objects as go

_MAPS = ("median", "width", "acquisition", "feasibility")
_DEFAULT_MAPS = ("median", "width", "acquisition")  # and "feasibility" with constraints
_INSTALL_HINT = (
    "optuna_gamma.visualization needs plotly; install it with "
    "`pip install optuna-gamma[dashboard]` (or `pip install plotly`)."
)

# Adds one trace to the 1-D figure's panel ``row`` (1: the curve, 2: the acquisition,
# 3: P(feasible)): ``scatter(row, **trace)``.
_AddScatter = Callable[..., None]


class _Map(NamedTuple):
    """One map of a 2-D figure."""

    key: str  # the trace's meta
    title: str
    z: np.ndarray | None  # (m_y, m_x); None only for "feasibility" without constraints
    colorscale: str
    zrange: tuple[float, float] | None  # None: the values' own


class _Overlay(NamedTuple):
    """Markers drawn on every map of a 2-D figure."""

    group: str  # the trace's meta and legend group
    x: list[Any]
    y: list[Any]
    marker: dict[str, Any]
    text: list[str] | None  # hover texts


def _import_plotly() -> tuple[Any, Any]:
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return go, make_subplots


def _check_maps(maps: Sequence[str]) -> tuple[str, ...]:
    chosen = (maps,) if isinstance(maps, str) else tuple(maps)
    if not chosen or len(set(chosen)) != len(chosen) or not set(chosen) <= set(_MAPS):
        raise ValueError(
            f"maps={maps!r} is not supported; give one or more distinct names from {_MAPS}."
        )
    return chosen


def _plotly_figure(s: _Slice, maps: tuple[str, ...] | None) -> go.Figure:
    """The figure of :func:`plot_surrogate` for a computed slice (``maps`` already checked)."""
    go, make_subplots = _import_plotly()
    if maps is None:
        maps = _DEFAULT_MAPS + (("feasibility",) if s.feasibility is not None else ())
    elif "feasibility" in maps and s.feasibility is None:
        raise ValueError(
            "maps includes 'feasibility', but the trials carry no constraint values; give maps "
            f"from {_DEFAULT_MAPS}."
        )
    if len(s.axes) == 1:
        fig = _plotly_1d(go, make_subplots, s)
    else:
        fig = _plotly_2d(go, make_subplots, s, maps)
    fig.update_layout(meta=s.meta, template="plotly_white")
    return fig


def _animation(figures: list[go.Figure], trial_numbers: list[int]) -> go.Figure:
    """One figure with a frame per trial number (``figures`` in the same order), a slider and a
    play button; it shows the last frame until played."""
    go, _ = _import_plotly()
    fig = go.Figure(figures[-1])
    fig.frames = [
        go.Frame(data=f.data, name=str(k), layout={"title": f.layout.title})
        for k, f in zip(trial_numbers, figures)
    ]
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "x": 0.0,
                "y": -0.12,
                "xanchor": "left",
                "buttons": [
                    {
                        "label": "play",
                        "method": "animate",
                        "args": [None, {"frame": {"duration": 700, "redraw": True}}],
                    }
                ],
            }
        ],
        sliders=[
            {
                "active": len(trial_numbers) - 1,
                "currentvalue": {"prefix": "trial "},
                "pad": {"t": 40},
                "steps": [
                    {
                        "label": str(k),
                        "method": "animate",
                        "args": [[str(k)], {"mode": "immediate", "frame": {"redraw": True}}],
                    }
                    for k in trial_numbers
                ],
            }
        ],
    )
    return fig


def _list(a: np.ndarray) -> list[Any]:
    """Plain JSON lists (not plotly's base64 arrays), rounded to 7 significant digits."""
    return np.vectorize(lambda v: float(f"{v:.7g}"), otypes=[float])(a).tolist()


def _observation_groups(s: _Slice) -> list[tuple[str, list[int]]]:
    """The observations' indices by group: ``"observations"`` (the feasible ones; always, if
    empty) and ``"infeasible_observations"`` (only if there are any)."""
    groups = []
    for group, keep in (("observations", True), ("infeasible_observations", False)):
        rows = [i for i, f in enumerate(s.observed_feasible) if f == keep]
        if keep or rows:
            groups.append((group, rows))
    return groups


def _set_axis_type(
    fig: Any, axis: _Axis, rows_cols: list[tuple[int, int]], which: str = "x"
) -> None:
    update = fig.update_xaxes if which == "x" else fig.update_yaxes
    for row, col in rows_cols:
        if axis.kind == "log":
            update(type="log", row=row, col=col)
        elif axis.kind == "category":
            update(
                type="category",
                categoryorder="array",
                categoryarray=axis.values,
                row=row,
                col=col,
            )


# -- one parameter -----------------------------------------------------------------------------


def _plotly_1d(go: Any, make_subplots: Any, s: _Slice) -> Any:
    """The curve with its band and the observations, the acquisition below it and, with
    constraints, ``P(feasible)`` at the bottom; the suggestion as a star on the curve and on the
    acquisition."""
    ax = s.axes[0]
    constrained = s.feasibility is not None
    fig = make_subplots(
        rows=3 if constrained else 2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.6, 0.2, 0.2] if constrained else [0.7, 0.3],
        vertical_spacing=0.06,
    )

    def scatter(row: int, **trace: Any) -> None:
        fig.add_trace(go.Scatter(**trace), row=row, col=1)

    if ax.kind == "category":
        _plotly_category_band(scatter, s)
    else:
        _plotly_band(scatter, s)
    _plotly_observations_1d(scatter, s)
    _plotly_lower_panels(fig, scatter, s)
    _plotly_suggestion_1d(scatter, s)
    low, high = _acq_range(s)
    pad = 0.05 * max(high - low, 1e-12)
    fig.update_yaxes(title_text=s.objective_name, row=1, col=1)
    fig.update_yaxes(title_text=s.acquisition_name, range=[low - pad, high + pad], row=2, col=1)
    last = 3 if constrained else 2
    fig.update_xaxes(title_text=ax.name, row=last, col=1)
    _set_axis_type(fig, ax, rows_cols=[(r, 1) for r in range(1, last + 1)])
    fig.update_layout(
        title=_title(s),
        height=620,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"t": 110},
    )
    return fig


def _plotly_category_band(scatter: _AddScatter, s: _Slice) -> None:
    """A categorical parameter: the median of each choice with its band as an error bar."""
    ax = s.axes[0]
    scatter(
        1,
        x=ax.values,
        y=_list(s.median),
        mode="markers",
        marker={"size": 12, "symbol": "line-ew-open", "color": "#1f77b4"},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": _list(s.upper - s.median),
            "arrayminus": _list(s.median - s.lower),
        },
        name=f"median ± {_BAND_LABEL}",
        meta="median",
    )
    # Band ends as invisible traces, so the data carry them the same way as for numbers.
    for key, values in (("band_upper", s.upper), ("band_lower", s.lower)):
        scatter(
            1,
            x=ax.values,
            y=_list(values),
            mode="markers",
            marker={"size": 1, "opacity": 0},
            showlegend=False,
            hoverinfo="skip",
            name=key,
            meta=key,
        )


def _plotly_band(scatter: _AddScatter, s: _Slice) -> None:
    """A numeric parameter: the band as a filled area, the median as a line."""
    ax = s.axes[0]
    # The band: an invisible upper edge, then the lower edge filled up to it.
    fill = {"fill": "tonexty", "fillcolor": "rgba(31, 119, 180, 0.2)"}
    for values, edge in (
        (s.upper, {"showlegend": False, "name": "band upper", "meta": "band_upper"}),
        (s.lower, {**fill, "name": _BAND_LABEL, "meta": "band_lower"}),
    ):
        scatter(
            1,
            x=ax.values,
            y=_list(values),
            mode="lines",
            line={"width": 0},
            hoverinfo="skip",
            **edge,
        )
    scatter(
        1,
        x=ax.values,
        y=_list(s.median),
        mode="lines",
        line={"color": "#1f77b4"},
        name="predicted median",
        meta="median",
    )


def _plotly_observations_1d(scatter: _AddScatter, s: _Slice) -> None:
    """The observed trials on the curve: feasible ones as black dots, infeasible as crosses."""
    markers = {
        "observations": {"color": "black", "size": 7},
        "infeasible_observations": {"color": "grey", "size": 8, "symbol": "x"},
    }
    hover = [f"trial {n}" for n in s.observed_numbers]
    for group, rows in _observation_groups(s):
        scatter(
            1,
            x=[s.observations[0][i] for i in rows],
            y=[s.observed_values[i] for i in rows],
            mode="markers",
            marker=markers[group],
            text=[hover[i] for i in rows],
            name=group.replace("_", " "),
            meta=group,
        )


def _plotly_lower_panels(fig: Any, scatter: _AddScatter, s: _Slice) -> None:
    """The acquisition (row 2) and, with constraints, ``P(feasible)`` (row 3)."""
    ax = s.axes[0]
    # P(feasible) before the acquisition: the order of the figure's traces since constraints
    # were added.
    lower_panels = [(2, s.acquisition, "#2ca02c", s.acquisition_name, "acquisition")]
    if s.feasibility is not None:
        lower_panels.insert(0, (3, s.feasibility, "#9467bd", "P(feasible)", "feasibility"))
        fig.update_yaxes(title_text="P(feasible)", range=[-0.05, 1.05], row=3, col=1)
    for row, values, color, name, meta in lower_panels:
        scatter(
            row,
            x=ax.values,
            y=_list(values),
            mode="markers" if ax.kind == "category" else "lines",
            marker={"size": 10},
            line={"color": color},
            name=name,
            meta=meta,
        )


def _plotly_suggestion_1d(scatter: _AddScatter, s: _Slice) -> None:
    """The suggestion: a star on the curve (in the legend) and one on the acquisition."""
    sx = [] if s.suggestion is None else [s.suggestion[0]]
    for row, y, meta in (
        (1, s.suggestion_median, "suggestion"),
        (2, s.suggestion_acquisition, "suggestion_acquisition"),
    ):
        scatter(
            row,
            x=sx,
            y=[] if y is None else [y],
            mode="markers",
            marker={"symbol": "star", "size": 15, "color": "red", "line": {"width": 1}},
            showlegend=None if row == 1 else False,
            name=s.suggestion_label or "suggestion",
            meta=meta,
        )


# -- two parameters ----------------------------------------------------------------------------


def _plotly_2d(go: Any, make_subplots: Any, s: _Slice, maps: Sequence[str]) -> Any:
    """The chosen ``maps`` side by side, each with the observations and the suggestion."""
    ax, ay = s.axes
    spec = _map_specs(s)
    chosen = [spec[m] for m in maps]
    fig = make_subplots(
        rows=1,
        cols=len(chosen),
        subplot_titles=[m.title for m in chosen],
        horizontal_spacing=0.08,
        shared_yaxes=True,
    )
    cells = [(1, c) for c in range(1, len(chosen) + 1)]
    overlays = _overlays_2d(s)
    for i, (map_spec, (row, col)) in enumerate(zip(chosen, cells)):
        fig.add_trace(_heatmap(go, fig, i, map_spec, s), row=row, col=col)
        for overlay in overlays:
            fig.add_trace(_overlay_trace(go, overlay, s, show_legend=i == 0), row=row, col=col)
        fig.update_xaxes(title_text=ax.name, row=row, col=col)
    fig.update_yaxes(title_text=ay.name, row=1, col=1)
    _set_axis_type(fig, ax, rows_cols=cells)
    _set_axis_type(fig, ay, rows_cols=cells, which="y")
    fig.update_layout(
        title=_title(s),
        height=480,
        legend={"orientation": "h", "y": -0.2, "x": 0},
        margin={"t": 110},
    )
    return fig


def _map_specs(s: _Slice) -> dict[str, _Map]:
    """Every map a 2-D figure can show, by the name ``maps`` gives it."""
    low, high = _acq_range(s)
    return {
        "median": _Map("median_map", "predicted median", s.median, "Viridis", None),
        "width": _Map("width_map", _WIDTH_LABEL, s.width, "Cividis", None),
        "acquisition": _Map(
            "acquisition_map", s.acquisition_name, s.acquisition, "Inferno", (low, high)
        ),
        "feasibility": _Map(
            "feasibility_map", "P(feasible)", s.feasibility, "Purples", (0.0, 1.0)
        ),
    }


def _heatmap(go: Any, fig: Any, i: int, map_spec: _Map, s: _Slice) -> Any:
    """The heat map of the ``i``-th panel, its colour bar right of the panel."""
    ax, ay = s.axes
    domain = fig.layout[f"xaxis{'' if i == 0 else i + 1}"].domain
    zrange = map_spec.zrange
    extra = {} if zrange is None else {"zmin": zrange[0], "zmax": zrange[1]}
    assert map_spec.z is not None  # only the feasibility map can be None; never asked for then
    return go.Heatmap(
        x=ax.values,
        y=ay.values,
        z=_list(map_spec.z),
        colorscale=map_spec.colorscale,
        colorbar={"x": domain[1] + 0.005, "thickness": 12, "len": 0.85},
        name=map_spec.title,
        meta=map_spec.key,
        **extra,
    )


def _overlays_2d(s: _Slice) -> list[_Overlay]:
    """What every map shows on top: the observations (white dots; infeasible ones as grey
    crosses) and the suggestion (a red star)."""
    markers = {
        "observations": {"color": "white", "size": 7, "line": {"color": "black", "width": 1}},
        "infeasible_observations": {"color": "grey", "size": 8, "symbol": "x"},
    }
    labels = [f"trial {n}: {v:.4g}" for n, v in zip(s.observed_numbers, s.observed_values)]
    overlays = [
        _Overlay(
            group,
            [s.observations[0][k] for k in rows],
            [s.observations[1][k] for k in rows],
            markers[group],
            [labels[k] for k in rows],
        )
        for group, rows in _observation_groups(s)
    ]
    overlays.append(
        _Overlay(
            "suggestion",
            [] if s.suggestion is None else [s.suggestion[0]],
            [] if s.suggestion is None else [s.suggestion[1]],
            {"symbol": "star", "size": 16, "color": "red", "line": {"width": 1}},
            None,
        )
    )
    return overlays


def _overlay_trace(go: Any, overlay: _Overlay, s: _Slice, show_legend: bool) -> Any:
    """One overlay's markers on one map (in the legend once, from the first map)."""
    group = overlay.group
    return go.Scatter(
        x=overlay.x,
        y=overlay.y,
        mode="markers",
        marker=overlay.marker,
        text=overlay.text,
        name=(s.suggestion_label or group) if group == "suggestion" else group.replace("_", " "),
        showlegend=show_legend,
        legendgroup=group,
        meta=group,
    )
