"""Plotly figures for training runs: learning curves, confusion matrix, probabilities.

Plain functions from data to figures; nothing here calls Streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

TRAIN_COLOR = "#4f46e5"
VALID_COLOR = "#f97316"
RIGHT_COLOR = "#16a34a"
WRONG_COLOR = "#dc2626"


def mark_epoch(figure, epoch: int | None, total: int, *, mark_last: bool = False):
    """A dotted line at the epoch whose weights the model holds, when that is not simply
    the last one (early stopping restored an earlier epoch); with `mark_last`, at the
    last one too."""
    if epoch and (epoch < total or (mark_last and epoch == total)):
        figure.add_vline(x=epoch, line={"dash": "dot", "color": "#64748b", "width": 1.5}, row="all", col="all")
        figure.add_annotation(
            x=epoch,
            y=1.08,
            xref="x",
            yref="paper",
            showarrow=False,
            text=f"weights of epoch {epoch}",
            font={"size": 11, "color": "#475569"},
        )
    return figure


def learning_curves(
    history: dict[str, list[float]],
    epochs: int | None = None,
    metric: str = "accuracy",
    restored: int | None = None,
    mark_last: bool = False,
):
    """Loss and `metric` per epoch, training and validation, side by side; `restored`
    marks the epoch whose weights the model kept (early stopping; with `mark_last`,
    also when that is the last epoch). Each of "training" and "validation" is in the
    legend once."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss", metric.replace("_", " ").capitalize()))
    in_legend = set()
    for column, name in enumerate(("loss", metric), start=1):
        for prefix, label, color in (("", "training", TRAIN_COLOR), ("val_", "validation", VALID_COLOR)):
            values = history.get(prefix + name)
            if not values:
                continue
            figure.add_trace(
                go.Scatter(
                    x=list(range(1, len(values) + 1)),
                    y=values,
                    name=label,
                    mode="lines+markers",
                    line={"color": color},
                    marker={"size": 5},
                    legendgroup=label,
                    showlegend=label not in in_legend,
                ),
                row=1,
                col=column,
            )
            in_legend.add(label)
    axis_max = max(epochs or 1, len(history.get("loss", [])))
    figure.update_xaxes(title_text="epoch", range=[0.5, axis_max + 0.5], tick0=1, dtick=max(1, round(axis_max / 10)))
    figure.update_layout(
        height=330,
        margin={"t": 40, "b": 40, "l": 50, "r": 20},
        legend={"orientation": "h", "y": -0.25, "x": 0.5, "xanchor": "center"},
    )
    return mark_epoch(figure, restored, len(history.get("loss", [])), mark_last=mark_last)


def confusion_matrix(matrix: np.ndarray, class_names: tuple[str, ...]):
    """Heatmap of a row-normalized confusion matrix, with the shares written in."""
    text = [[f"{value:.0%}" if value >= 0.005 else "" for value in row] for row in matrix]
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=list(class_names),
            y=list(class_names),
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            hovertemplate="true %{y}<br>predicted %{x}<br>%{z:.1%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
        )
    )
    # Heatmap cells send no click events; an invisible marker on each cell does, with
    # its (true, predicted) indices, for `st.plotly_chart(on_select=...)`.
    cells = [(true, predicted) for true in range(len(class_names)) for predicted in range(len(class_names))]
    figure.add_trace(
        go.Scatter(
            x=[class_names[predicted] for _, predicted in cells],
            y=[class_names[true] for true, _ in cells],
            customdata=cells,
            mode="markers",
            marker={"size": 28, "symbol": "square", "color": "rgba(0,0,0,0)"},
            hovertemplate="true %{y}<br>predicted %{x}<br>click to see these images<extra></extra>",
            showlegend=False,
        )
    )
    figure.update_layout(
        height=520,
        margin={"t": 20, "b": 20, "l": 20, "r": 20},
        # Categories, so digit names "0".."9" are not read as numbers and thinned out.
        xaxis={"title": "predicted class", "side": "bottom", "type": "category"},
        yaxis={"title": "true class", "autorange": "reversed", "type": "category"},
    )
    return figure


def probability_bars(proba: np.ndarray, class_names: tuple[str, ...], true_label: int | None = None):
    """Horizontal bars of one image's class probabilities: the true class in green and
    a wrong prediction in red; with no known true class, the prediction in the accent."""
    predicted = int(np.argmax(proba))
    colors = []
    for index in range(len(class_names)):
        if index == true_label:
            colors.append(RIGHT_COLOR)
        elif index == predicted:
            colors.append(TRAIN_COLOR if true_label is None else WRONG_COLOR)
        else:
            colors.append("#94a3b8")
    figure = go.Figure(
        go.Bar(
            x=proba,
            y=list(class_names),
            orientation="h",
            marker_color=colors,
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        height=250,
        # Room on the right for the "100%" tick label, which the plot area would clip.
        margin={"t": 5, "b": 5, "l": 5, "r": 28},
        xaxis={"range": [0, 1], "tickformat": ".0%", "tickvals": [0, 0.5, 1]},
        yaxis={"autorange": "reversed", "type": "category"},
    )
    return figure


def upscale(image: np.ndarray, size: int = 112) -> np.ndarray:
    """A [0, 1] grayscale image as uint8, enlarged with crisp square pixels."""
    factor = max(1, size // image.shape[0])
    pixels = np.clip(image * 255, 0, 255).astype(np.uint8)
    return np.kron(pixels, np.ones((factor, factor), dtype=np.uint8))
