"""Plotly figures of the Experiments page: several runs' learning curves overlaid, and
hyperparameters against a metric as parallel coordinates.

Plain functions from data to figures; nothing here calls Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui import charts

# One colour per run, the app's two first; enough for the runs a learner compares.
RUN_COLORS = (
    charts.TRAIN_COLOR,
    charts.VALID_COLOR,
    "#16a34a",
    "#db2777",
    "#0891b2",
    "#ca8a04",
    "#7c3aed",
    "#64748b",
    "#dc2626",
    "#65a30d",
)
METRIC_TITLES = {
    "loss": "Loss",
    "accuracy": "Accuracy",
    "root_mean_squared_error": "RMSE",
}
# Hyperparameters the parallel-coordinates chart shows, when they vary.
HYPERPARAMETERS = (
    "Kind",
    "Data set",
    "Training subset",
    "Hidden layers",
    "Parameters",
    "Optimizer",
    "Learning rate",
    "Schedule",
    "Batch size",
    "Epochs",
    "Early stopping",
    "Loss",
    "Seed",
)
LOG_COLUMNS = ("Learning rate", "Parameters")  # spread over decades: drawn on a log axis
LOWER_IS_BETTER = ("loss", "rmse", "mae", "error")


def metric_title(name: str) -> str:
    """`"root_mean_squared_error"` → `"RMSE"`, `"accuracy"` → `"Accuracy"`."""
    return METRIC_TITLES.get(name, name.replace("_", " ").capitalize())


def color_of(index: int) -> str:
    return RUN_COLORS[index % len(RUN_COLORS)]


def overlaid_curves(
    histories: dict[str, dict[str, list[float]]],
    metric: str = "loss",
    best_epochs: dict[str, int | None] | None = None,
    *,
    validation: bool = True,
    training: bool = True,
):
    """One metric per epoch for several runs: a colour per run, validation solid,
    training dotted, and a star on the epoch whose weights each model holds.

    Args:
        histories: `{run label: history}`, in legend order.
        metric: the history key to draw (`"loss"`, `"accuracy"`, ...). Defaults to `"loss"`.
        best_epochs: `{run label: epoch}` to mark (1-based); `None` marks nothing.
        validation: draw `val_<metric>`. Defaults to `True`.
        training: draw `<metric>`. Defaults to `True`.
    """
    figure = go.Figure()
    best_epochs = best_epochs or {}
    longest = 1
    for index, (label, history) in enumerate(histories.items()):
        color = color_of(index)
        history = history or {}
        shown = []
        for prefix, dash, on in (("val_", "solid", validation), ("", "dot", training)):
            values = history.get(prefix + metric) if on else None
            if not values:
                continue
            longest = max(longest, len(values))
            shown.append(values)
            figure.add_trace(
                go.Scatter(
                    x=list(range(1, len(values) + 1)),
                    y=values,
                    name=f"{label} ({'validation' if prefix else 'training'})",
                    mode="lines",
                    line={"color": color, "dash": dash, "width": 2 if prefix else 1.5},
                    legendgroup=label,
                    hovertemplate=f"{label}<br>epoch %{{x}}: %{{y:.4g}}<extra></extra>",
                )
            )
        best = best_epochs.get(label)
        if shown and best is not None and 1 <= best <= len(shown[0]):
            figure.add_trace(
                go.Scatter(
                    x=[best],
                    y=[shown[0][best - 1]],
                    name=f"{label}: epoch {best} (the model's weights)",
                    mode="markers",
                    marker={"color": color, "symbol": "star", "size": 14, "line": {"color": "white", "width": 1}},
                    legendgroup=label,
                    showlegend=False,
                    hovertemplate=f"{label}<br>the model holds epoch {best}'s weights<br>%{{y:.4g}}<extra></extra>",
                )
            )
    figure.update_xaxes(title_text="epoch", range=[0.5, longest + 0.5], tick0=1, dtick=max(1, round(longest / 10)))
    figure.update_yaxes(title_text=metric_title(metric))
    figure.update_layout(
        height=380,
        margin={"t": 20, "b": 40, "l": 60, "r": 20},
        legend={"orientation": "h", "y": -0.2, "x": 0.5, "xanchor": "center"},
    )
    return figure


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _dimension(name: str, values: pd.Series) -> dict | None:
    """A Parcoords dimension for one column, or `None` when it does not vary."""
    if _is_numeric(values):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        finite = numbers[np.isfinite(numbers)]
        if finite.nunique() < 2:
            return None
        if name in LOG_COLUMNS and (finite > 0).all():
            logs = np.log10(numbers.where(numbers > 0))
            decades = range(math.floor(logs.min()), math.ceil(logs.max()) + 1)
            return {
                "label": f"{name} (log)",
                "values": logs.tolist(),
                "tickvals": list(decades),
                "ticktext": [f"1e{decade}" for decade in decades],
            }
        return {"label": name, "values": numbers.tolist()}
    text = values.map(lambda value: "–" if value is None or value is pd.NA or value != value else str(value))
    categories = sorted(text.unique())
    if len(categories) < 2:
        return None
    codes = {category: code for code, category in enumerate(categories)}
    return {
        "label": name,
        "values": [codes[value] for value in text],
        "tickvals": list(codes.values()),
        "ticktext": categories,
        "range": [-0.5, len(categories) - 0.5],
    }


def parallel_coordinates(table: pd.DataFrame, metric: str, columns: Sequence[str] = HYPERPARAMETERS):
    """Hyperparameters against a metric, one line per run, coloured by the metric.

    Numeric columns keep their scale (learning rate and parameters in decades); text
    columns become evenly spaced ticks named by their values. Columns whose value is
    the same for every run are left out: they explain nothing.

    Args:
        table: rows of `core.experiments.compare.run_table`.
        metric: the column to colour by and to draw last (e.g. `"Test accuracy"`).
        columns: the hyperparameter columns to consider. Defaults to `HYPERPARAMETERS`.

    Returns:
        A `go.Figure` holding one `go.Parcoords` (no dimension but the metric when
        nothing varies; rows without a value of `metric` are left out).

    Raises:
        ValueError: when `metric` is not a column of `table`.
    """
    if metric not in table.columns:
        raise ValueError(
            f"Received an unknown metric for the chart, expected one of the table's columns "
            f"({', '.join(map(str, table.columns))}). Received: metric={metric!r}"
        )
    scores = pd.to_numeric(table[metric], errors="coerce")
    rows = table[np.isfinite(scores.astype("float64"))]
    scores = scores[rows.index].astype("float64")
    dimensions = [dim for name in columns if name in rows.columns and (dim := _dimension(name, rows[name]))]
    dimensions.append({"label": metric, "values": scores.tolist()})
    lower_better = any(word in metric.lower() for word in LOWER_IS_BETTER)
    figure = go.Figure(
        go.Parcoords(
            dimensions=dimensions,
            line={
                "color": scores.tolist(),
                "colorscale": "Viridis",
                "reversescale": lower_better,  # the best runs bright either way
                "showscale": True,
                "colorbar": {"title": {"text": metric}},
            },
            labelangle=-20,
        )
    )
    figure.update_layout(height=420, margin={"t": 70, "b": 30, "l": 60, "r": 60})
    return figure
