"""Figures for a look inside a classification network: plain functions from arrays.

The first layer's weights as one image per unit, histograms of every layer's weights
and activations with a slider over the epochs (plotly animation frames, so scrubbing
needs no rerun), the shares of dead and saturated units, and gradient norms per layer.
They read an `core.inside.InsideSummary`; nothing here imports Streamlit.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.inside import InsideSummary
from ui import charts

# One colour per layer, input to output.
LAYER_COLORS = ("#4f46e5", "#f97316", "#16a34a", "#db2777", "#0891b2", "#ca8a04", "#7c3aed", "#64748b")
HISTOGRAM_COLUMNS = 3  # layers side by side in a histogram figure
MIN_GRID_SIZE, MAX_GRID_SIZE = 160, 640  # pixels, the longer side of the unit images' grid


def layer_color(index: int) -> str:
    return LAYER_COLORS[index % len(LAYER_COLORS)]


def tile(images: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """`images` (n, h, w) laid out in a grid of `columns`, one NaN pixel between tiles;
    also the unit index of every pixel (-1 in the gaps), for the hover text."""
    count, height, width = images.shape
    rows = math.ceil(count / columns)
    grid = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), np.nan, dtype=np.float32)
    units = np.full(grid.shape, -1, dtype=np.int32)
    for index, image in enumerate(images):
        top, left = (index // columns) * (height + 1), (index % columns) * (width + 1)
        grid[top : top + height, left : left + width] = image
        units[top : top + height, left : left + width] = index
    return grid, units


def unit_images(images: np.ndarray, *, layer: str = "dense", columns: int | None = None):
    """One heatmap tile per unit: its weights laid out as the input image, on a
    diverging scale centred on 0 (red pushes the unit on, blue pushes it off), shared
    by all tiles and clipped at the 99.5th percentile of |weight| so one outlier does
    not wash out the rest."""
    count, height, width = images.shape
    columns = columns or min(count, max(1, math.ceil(math.sqrt(count * height / max(width, 1)))))
    grid, units = tile(images, columns)
    finite = np.abs(images[np.isfinite(images)])
    bound = float(np.percentile(finite, 99.5)) if finite.size else 1.0
    bound = bound if bound > 0 else 1.0
    figure = go.Figure(
        go.Heatmap(
            z=grid,
            customdata=units,
            colorscale="RdBu",
            reversescale=True,
            zmid=0,
            zmin=-bound,
            zmax=bound,
            hoverongaps=False,
            hovertemplate=f"{layer} unit %{{customdata}}<br>weight %{{z:.3f}}<extra></extra>",
            colorbar={"title": "weight", "thickness": 12},
        )
    )
    # A fixed size with square pixels, so the colour bar sits beside the grid: show it
    # with `st.plotly_chart(..., width="content")`.
    grid_height, grid_width = grid.shape
    plot_height = min(MAX_GRID_SIZE, max(MIN_GRID_SIZE, 6 * grid_height))
    plot_width = plot_height * grid_width / grid_height
    if plot_width > MAX_GRID_SIZE:
        plot_width, plot_height = MAX_GRID_SIZE, MAX_GRID_SIZE * grid_height / grid_width
    figure.update_layout(
        width=int(plot_width) + 100,  # the colour bar
        height=int(plot_height) + 20,
        margin={"t": 10, "b": 10, "l": 10, "r": 10},
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def _shares(counts: np.ndarray) -> np.ndarray:
    totals = counts.sum(axis=-1, keepdims=True)
    return counts / np.maximum(totals, 1)


def histograms(summary: InsideSummary, kind: str = "weights", *, restored: int | None = None, log_y: bool = False):
    """One histogram per layer of its weights (`kind="weights"`) or of its outputs on
    the probe batch (`"activations"`), with a slider over the snapshots (epoch 0 is the
    initial weights). The slider starts at `restored` (the epoch whose weights the
    model kept), else at the last snapshot. Axes stay fixed over the epochs, so what
    moves is the distribution."""
    if kind not in ("weights", "activations"):
        raise ValueError(
            f"Received an invalid value for `kind`, expected weights or activations. Received: kind={kind!r}"
        )
    counts = getattr(summary, f"{'weight' if kind == 'weights' else 'activation'}_counts")
    edges = getattr(summary, f"{'weight' if kind == 'weights' else 'activation'}_edges")
    shares = _shares(counts)  # (snapshots, layers, bins)
    layers = len(summary.layers)
    columns = min(layers, HISTOGRAM_COLUMNS)
    rows = math.ceil(layers / columns)
    titles = [f"{name} ({activation})" for name, activation in zip(summary.layers, summary.activations)]
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=titles, horizontal_spacing=0.07)
    start = summary.index_of(restored) if restored else len(summary.epochs) - 1

    def bars(snapshot: int) -> list:
        traces = []
        for layer in range(layers):
            low, high = edges[snapshot, layer, :-1], edges[snapshot, layer, 1:]
            traces.append(
                go.Bar(
                    x=(low + high) / 2,
                    y=shares[snapshot, layer],
                    width=high - low,
                    marker={"color": layer_color(layer), "line": {"width": 0}},
                    name=summary.layers[layer],
                    showlegend=False,
                    customdata=np.stack([low, high], axis=1),
                    hovertemplate="%{customdata[0]:.3g} to %{customdata[1]:.3g}: %{y:.1%}<extra></extra>",
                )
            )
        return traces

    for layer, trace in enumerate(bars(start)):
        figure.add_trace(trace, row=layer // columns + 1, col=layer % columns + 1)
    for layer in range(layers):
        row, col = layer // columns + 1, layer % columns + 1
        figure.update_xaxes(range=[float(edges[:, layer, 0].min()), float(edges[:, layer, -1].max())], row=row, col=col)
        top = float(shares[:, layer].max()) or 1.0
        if log_y:
            positive = shares[:, layer][shares[:, layer] > 0]
            bottom = float(positive.min()) if positive.size else 1e-4
            figure.update_yaxes(
                type="log", range=[math.log10(bottom) - 0.1, math.log10(top) + 0.1], dtick=1, row=row, col=col
            )
        else:
            figure.update_yaxes(range=[0, top * 1.05], row=row, col=col)
    figure.update_yaxes(tickformat=".2~%" if log_y else ".0%")
    figure.frames = [
        go.Frame(name=str(int(epoch)), data=bars(index), traces=list(range(layers)))
        for index, epoch in enumerate(summary.epochs)
    ]
    animate = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    figure.update_layout(
        height=260 * rows + 130,
        margin={"t": 40, "b": 20, "l": 50, "r": 20},
        bargap=0,
        sliders=[
            {
                "active": start,
                "currentvalue": {"prefix": "after epoch ", "font": {"size": 13}},
                "pad": {"t": 40},
                "steps": [
                    {"label": str(int(epoch)), "method": "animate", "args": [[str(int(epoch))], animate]}
                    for epoch in summary.epochs
                ],
            }
        ],
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0,
                "xanchor": "right",
                "y": 0,
                "yanchor": "top",
                "pad": {"t": 48, "r": 10},
                "showactive": False,
                "buttons": [
                    {
                        "label": "▶",
                        "method": "animate",
                        "args": [None, {**animate, "frame": {"duration": 400, "redraw": True}, "fromcurrent": True}],
                    },
                    {"label": "❚❚", "method": "animate", "args": [[None], animate]},
                ],
            }
        ],
    )
    return figure


def _epoch_axis(figure, summary: InsideSummary, restored: int | None):
    epochs = summary.epochs
    last = int(epochs[-1]) if len(epochs) else 0
    figure.update_xaxes(title_text="epoch", range=[int(epochs[0]) - 0.3, last + 0.3], dtick=max(1, round(last / 10)))
    return charts.mark_epoch(figure, restored, last)


def unit_health(summary: InsideSummary, *, restored: int | None = None):
    """Per layer and epoch, the share of dead ReLU units (never active on the probe
    batch; solid lines) and of saturated sigmoid/tanh units (within
    `core.inside.SATURATION_MARGIN` of a bound for most probe images; dashed lines). Layers with
    neither kind of activation have no line."""
    figure = go.Figure()
    for index, (name, activation) in enumerate(zip(summary.layers, summary.activations)):
        for values, label, dash in (
            (summary.dead[:, index], "dead", "solid"),
            (summary.saturated[:, index], "saturated", "dash"),
        ):
            if not np.isfinite(values).any():
                continue
            figure.add_trace(
                go.Scatter(
                    x=summary.epochs,
                    y=values,
                    name=f"{name} ({activation}): {label}",
                    mode="lines+markers",
                    line={"color": layer_color(index), "dash": dash},
                    marker={"size": 5},
                    hovertemplate=f"{name}, epoch %{{x}}: %{{y:.1%}} {label}<extra></extra>",
                )
            )
    figure.update_layout(
        height=330,
        margin={"t": 30, "b": 40, "l": 50, "r": 20},
        yaxis={"title": "share of units", "range": [-0.02, 1.02], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.25, "x": 0.5, "xanchor": "center"},
    )
    return _epoch_axis(figure, summary, restored)


def gradient_norms(summary: InsideSummary, *, restored: int | None = None):
    """The L2 norm of each layer's gradient (kernel and bias) on the probe batch, per
    epoch, on a log scale: vanishing gradients sink, exploding ones climb."""
    figure = go.Figure()
    for index, (name, activation) in enumerate(zip(summary.layers, summary.activations)):
        figure.add_trace(
            go.Scatter(
                x=summary.epochs,
                y=summary.gradient_norms[:, index],
                name=f"{name} ({activation})",
                mode="lines+markers",
                line={"color": layer_color(index)},
                marker={"size": 5},
                hovertemplate=f"{name}, epoch %{{x}}: %{{y:.3g}}<extra></extra>",
            )
        )
    figure.update_layout(
        height=330,
        margin={"t": 30, "b": 40, "l": 60, "r": 20},
        yaxis={"title": "gradient norm", "type": "log"},
        legend={"orientation": "h", "y": -0.25, "x": 0.5, "xanchor": "center"},
    )
    return _epoch_axis(figure, summary, restored)
