"""The learning-rate finder's figure: loss against learning rate on a log axis.

A plain function from an `LRFinderResult` to a Plotly figure; nothing here calls Streamlit.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ui.charts import RIGHT_COLOR, TRAIN_COLOR, WRONG_COLOR


def lr_finder_figure(result):
    """Each batch's loss (faint) and its running median against the rate, the point where
    the loss starts climbing and the suggested rate marked with vertical lines."""
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=list(result.learning_rates),
            y=list(result.losses),
            name="loss of each batch",
            mode="markers",
            marker={"color": TRAIN_COLOR, "size": 4, "opacity": 0.35},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=list(result.learning_rates),
            y=list(result.smoothed_losses),
            name="running median",
            mode="lines",
            line={"color": TRAIN_COLOR, "width": 3},
        )
    )
    marks = (
        (result.climb_learning_rate, "starts climbing", WRONG_COLOR, "dot"),
        (result.suggestion, "suggestion", RIGHT_COLOR, "dash"),
    )
    for rate, label, color, dash in marks:
        if rate is None:
            continue
        figure.add_vline(
            x=rate,
            line={"color": color, "dash": dash, "width": 2},
            annotation={"text": f"{label}: {rate:.2g}", "font": {"color": color}},
            annotation_position="top left" if label == "suggestion" else "top right",
        )
    if result.smoothed_losses:
        # Single exploded batches reach any height; the first loss sets a readable scale.
        figure.update_yaxes(range=[0, 1.5 * max(result.smoothed_losses[0], min(result.smoothed_losses))])
    figure.update_xaxes(
        type="log",
        title_text="learning rate (log scale)",
        range=[math.log10(result.min_lr), math.log10(result.max_lr)],
    )
    figure.update_yaxes(title_text="loss")
    figure.update_layout(
        height=360,
        margin={"t": 40, "b": 40, "l": 60, "r": 20},
        legend={"orientation": "h", "y": -0.25, "x": 0.5, "xanchor": "center"},
        hovermode="x unified",
    )
    figure.update_traces(hovertemplate="%{y:.3g}")
    return figure
