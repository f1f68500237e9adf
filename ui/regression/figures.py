"""Figures for the Regression MLP and Wide & deep pages: plain functions from arrays.

The data overview's histogram and map, learning curves with per-output losses,
predicted vs actual, the comparison chart (plotly figures) and the model graph as
DOT text. Nothing here imports Streamlit; `ui.regression.view` puts them on the page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.regression.sequential import RMSE
from ui import charts

COLORS = {"training": charts.TRAIN_COLOR, "validation": charts.VALID_COLOR}


def map_figure(lon, lat, values, *, title: str, colorscale="Viridis", zmid=None, height=420):
    """Districts as dots at their longitude / latitude, coloured by `values`."""
    marker = {"color": values, "colorscale": colorscale, "size": 4, "opacity": 0.7, "colorbar": {"title": title}}
    if zmid is not None:
        bound = float(np.percentile(np.abs(values), 98)) or 1.0
        marker.update(cmin=-bound, cmax=bound)
    figure = go.Figure(
        go.Scattergl(
            x=lon,
            y=lat,
            mode="markers",
            marker=marker,
            hovertemplate="lon %{x:.2f}, lat %{y:.2f}<br>%{marker.color:.2f}<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        margin={"t": 20, "b": 40, "l": 50, "r": 20},
        xaxis={"title": "longitude"},
        yaxis={"title": "latitude", "scaleanchor": "x"},  # degrees equal on both axes, roughly a map
    )
    return figure


def histogram(values, *, title: str, color: str = charts.TRAIN_COLOR, height: int = 300):
    figure = go.Figure(go.Histogram(x=values, nbinsx=60, marker_color=color))
    figure.update_layout(
        height=height, margin={"t": 20, "b": 40, "l": 50, "r": 20}, xaxis={"title": title}, bargap=0.02
    )
    return figure


def graph_dot(nodes, edges) -> str:
    """DOT text for a model graph from `core.regression.wide_deep.describe_graph`."""
    fills = {"InputLayer": "#e0e7ff", "Normalization": "#f1f5f9", "Concatenate": "#fef3c7"}
    lines = ["digraph {", 'rankdir=TB; node [shape=box, style="rounded,filled", fontname="sans-serif", fontsize=11];']
    for node in nodes:
        detail = f"{node.kind}"
        if node.kind == "Dense":
            units = node.output_shape[-1] if node.output_shape else "?"
            detail = f"Dense({units}{', ' + node.activation if node.activation not in ('', 'linear') else ''})"
        fill = "#dcfce7" if "output" in node.name else fills.get(node.kind, "#ffffff")
        lines.append(f'"{node.name}" [label="{node.name}\\n{detail}", fillcolor="{fill}"];')
    lines += [f'"{source}" -> "{target}";' for source, target in edges]
    return "\n".join(lines + ["}"])


def rmse_key(history: dict) -> str:
    """The RMSE entry of a history: `root_mean_squared_error` or `main_output_...`."""
    return next((name for name in history if name.endswith(RMSE) and not name.startswith("val_")), RMSE)


def learning_curves(history: dict[str, list[float]], epochs: int | None = None, restored: int | None = None):
    """Loss and RMSE per epoch; with an auxiliary output, the two outputs' losses too.
    `restored` marks the epoch whose weights the model kept (early stopping)."""
    if "aux_output_loss" not in history:
        return charts.learning_curves(history, epochs, metric=rmse_key(history), restored=restored)
    figure = make_subplots(
        rows=1, cols=3, subplot_titles=("Total loss (weighted)", "Main output RMSE", "Loss per output")
    )
    panels = (
        (1, "loss", "", "solid"),
        (2, rmse_key(history), "", "solid"),
        (3, "main_output_loss", "main ", "solid"),
        (3, "aux_output_loss", "aux ", "dot"),
    )
    for column, name, label, dash in panels:
        for prefix, split in (("", "training"), ("val_", "validation")):
            values = history.get(prefix + name)
            if values:
                figure.add_trace(
                    go.Scatter(
                        x=list(range(1, len(values) + 1)),
                        y=values,
                        name=f"{label}{split}",
                        mode="lines+markers",
                        line={"color": COLORS[split], "dash": dash},
                        marker={"size": 4},
                        showlegend=column in (1, 3) and (column == 3 or not label),
                    ),
                    row=1,
                    col=column,
                )
    axis_max = max(epochs or 1, len(history.get("loss", [])))
    figure.update_xaxes(title_text="epoch", range=[0.5, axis_max + 0.5], tick0=1, dtick=max(1, round(axis_max / 10)))
    figure.update_layout(
        height=330, margin={"t": 40, "b": 40, "l": 50, "r": 20}, legend={"orientation": "h", "y": -0.25}
    )
    return charts.mark_epoch(figure, restored, len(history.get("loss", [])))


def data_range(*arrays, margin: float = 0.03) -> tuple[float, float]:
    """`[low, high]` over the finite values of `arrays`, widened by `margin` of the span
    on each side (so the extreme dots are not cut in half); `(0, 1)` when none is finite."""
    values = np.concatenate([np.asarray(array, dtype=np.float64).reshape(-1) for array in arrays])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    low, high = float(values.min()), float(values.max())
    pad = (high - low) * margin or 0.5
    return low - pad, high + pad


def has_finite_curves(history: dict[str, list[float]]) -> bool:
    """Whether a history has a finite loss to draw (a run that diverged at once has none)."""
    return any(np.isfinite(value) for value in history.get("loss", []))


def predicted_vs_actual(y_true, y_pred, unit: str):
    """Predicted against actual values, both axes fitted to the data and equal in scale."""
    low, high = data_range(y_true, y_pred)
    figure = go.Figure(
        [
            go.Scattergl(
                x=y_true,
                y=y_pred,
                mode="markers",
                marker={"size": 3, "opacity": 0.4, "color": charts.TRAIN_COLOR},
                name="test samples",
            ),
            go.Scatter(
                x=[low, high], y=[low, high], mode="lines", line={"color": "#64748b", "dash": "dash"}, name="perfect"
            ),
        ]
    )
    figure.update_layout(
        height=380,
        margin={"t": 20, "b": 40, "l": 50, "r": 20},
        showlegend=False,
        # Fixed ranges: plotly's autorange pads beyond the data, and with equal scales
        # `constrain="domain"` shrinks the plot instead of widening an axis.
        xaxis={"title": f"actual ({unit})", "range": [low, high], "constrain": "domain"},
        yaxis={"title": f"predicted ({unit})", "range": [low, high], "scaleanchor": "x", "constrain": "domain"},
    )
    return figure


def comparison_figure(table: pd.DataFrame):
    """Test RMSE per model, as bars with the training time on hover."""
    figure = go.Figure(
        go.Bar(
            x=table["Model"],
            y=table["Test RMSE"],
            marker_color=charts.TRAIN_COLOR,
            text=[f"{value:.3f}" for value in table["Test RMSE"]],
            textposition="outside",
            customdata=table["Training time (s)"],
            hovertemplate="%{x}<br>RMSE %{y:.4f}<br>%{customdata:.1f} s<extra></extra>",
        )
    )
    figure.update_layout(
        height=340, margin={"t": 20, "b": 40, "l": 50, "r": 20}, yaxis={"title": "test RMSE", "rangemode": "tozero"}
    )
    return figure
