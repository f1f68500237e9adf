"""Figures for the fundamentals pages (neuron, activations, descent).

Plain functions from `core.fundamentals` results to plotly figures, Graphviz DOT text
and small tables. Nothing here imports Streamlit; the pages draw what these return,
with the data from the cached helpers of `ui.fundamentals.view`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.fundamentals import neuron as mp

CLASS_COLORS = ("#94a3b8", "#4f46e5")  # class 0, class 1
LINE_COLOR = "#dc2626"
REFERENCE_COLOR = "#059669"
PALETTE = (
    "#4f46e5",
    "#dc2626",
    "#059669",
    "#d97706",
    "#0891b2",
    "#be185d",
    "#65a30d",
    "#7c3aed",
    "#475569",
    "#ea580c",
    "#0d9488",
    "#9333ea",
    "#ca8a04",
    "#e11d48",
)


def _layout(fig: go.Figure, height: int = 380, **kwargs) -> go.Figure:
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", y=-0.15),
        **kwargs,
    )
    return fig


def mp_network_dot(neuron: mp.MPNeuron) -> str:
    """Graphviz source of a McCulloch-Pitts network in the style of the book's figure."""
    lines = ["digraph { rankdir=LR; node [shape=circle, fontname=Helvetica];"]
    for name, count, inhibitory in zip(mp.INPUT_NAMES, neuron.connections, neuron.inhibitory):
        if inhibitory:
            lines.append(f'{name} -> out [color="{LINE_COLOR}", arrowhead=dot, label=" inhibits"];')
        else:
            lines.extend(f"{name} -> out;" for _ in range(count))
    lines.append(f'out [label="fires if\\n≥ {neuron.threshold}", shape=doublecircle];')
    lines.append("}")
    return "\n".join(lines)


def xor_network_dot(hidden_weights, hidden_bias, output_weights, output_bias) -> str:
    """Graphviz source of a 2-2-1 threshold network, every weight written on its arrow."""
    lines = ["digraph { rankdir=LR; node [shape=circle, fontname=Helvetica]; edge [fontsize=10];"]
    for i, name in enumerate("AB"):
        for j in range(2):
            lines.append(f'{name} -> h{j + 1} [label="{hidden_weights[i][j]:g}"];')
    for j in range(2):
        lines.append(f'h{j + 1} [label="h{j + 1}\\nb={hidden_bias[j]:g}"];')
        lines.append(f'h{j + 1} -> out [label="{output_weights[j]:g}"];')
    lines.append(f'out [label="out\\nb={output_bias:g}", shape=doublecircle];')
    lines.append("}")
    return "\n".join(lines)


def _add_line(fig, weights, bias, x_range, y_range, name, color, dash=None):
    segment = mp.decision_line(weights, bias, x_range, y_range)
    if segment is not None:
        fig.add_scatter(
            x=segment[0],
            y=segment[1],
            mode="lines",
            name=name,
            line=dict(color=color, width=3, dash=dash),
        )


def perceptron_figure(points: np.ndarray, classes: np.ndarray, weights, bias: float) -> go.Figure:
    """Random points coloured by the perceptron's class, with its decision line."""
    fig = go.Figure()
    for label in (0, 1):
        mask = classes == label
        fig.add_scatter(
            x=points[mask, 0],
            y=points[mask, 1],
            mode="markers",
            name=f"class {label}",
            marker=dict(color=CLASS_COLORS[label], size=7, opacity=0.8),
        )
    _add_line(fig, weights, bias, (-3.5, 3.5), (-3.5, 3.5), "decision line", LINE_COLOR)
    fig.update_xaxes(range=[-3.5, 3.5], title="x₁", constrain="domain")
    fig.update_yaxes(range=[-3.5, 3.5], title="x₂", scaleanchor="x")
    return _layout(fig, 420)


def iris_rule_figure(x, y, state: mp.PerceptronState, reference: mp.SklearnPerceptron) -> go.Figure:
    """Iris petals, the rule's current line, scikit-learn's line, the last instance seen."""
    fig = go.Figure()
    for label, name in ((1, "setosa"), (0, "versicolor / virginica")):
        mask = y == label
        fig.add_scatter(
            x=x[mask, 0],
            y=x[mask, 1],
            mode="markers",
            name=name,
            marker=dict(color=CLASS_COLORS[label], size=7, opacity=0.75),
        )
    box = ((0, 7.5), (-0.5, 3))
    _add_line(fig, reference.weights, reference.bias, *box, "scikit-learn Perceptron", REFERENCE_COLOR, "dash")
    _add_line(fig, state.weights, state.bias, *box, "our perceptron", LINE_COLOR)
    if state.last_index is not None:
        i = state.last_index
        fig.add_scatter(
            x=[x[i, 0]],
            y=[x[i, 1]],
            mode="markers",
            name="last instance" + (" (updated)" if state.last_update else ""),
            marker=dict(color="rgba(0,0,0,0)", size=16, line=dict(color="#f59e0b", width=3)),
        )
    fig.update_xaxes(range=box[0], title="petal length (cm)")
    fig.update_yaxes(range=box[1], title="petal width (cm)")
    return _layout(fig, 420)


def errors_figure(errors_per_epoch, title: str = "Errors per epoch") -> go.Figure:
    errors = list(errors_per_epoch)
    fig = go.Figure(go.Bar(x=list(range(1, len(errors) + 1)), y=errors, marker_color=CLASS_COLORS[1]))
    fig.update_xaxes(title="epoch", dtick=1 if len(errors) <= 25 else None)
    fig.update_yaxes(title="misclassified instances", rangemode="tozero")
    return _layout(fig, 300, title=title, showlegend=False)


def xor_mlp_figure(result: mp.XorMLPResult) -> go.Figure:
    """The MLP's P(class 1) over the plane, its 0.5 contour, and the four XOR points."""
    fig = go.Figure(
        go.Contour(
            x=result.grid_x,
            y=result.grid_y,
            z=result.grid_prob,
            zmin=0,
            zmax=1,
            colorscale=[[0, "#e2e8f0"], [1, "#a5b4fc"]],
            contours=dict(start=0.5, end=0.5, size=1),
            line=dict(width=3, color=LINE_COLOR),
            colorbar=dict(title="P(1)"),
            name="P(class 1)",
        )
    )
    x, y = mp.xor_data()
    for label in (0, 1):
        mask = y == label
        fig.add_scatter(
            x=x[mask, 0],
            y=x[mask, 1],
            mode="markers",
            name=f"XOR = {label}",
            marker=dict(color=CLASS_COLORS[label], size=16, line=dict(color="black", width=1)),
        )
    fig.update_xaxes(title="A", range=[-0.5, 1.5], constrain="domain")
    fig.update_yaxes(title="B", range=[-0.5, 1.5], scaleanchor="x")
    return _layout(fig, 400)


def loss_figure(losses, title: str = "Loss per step", log: bool = True, x_title: str = "step") -> go.Figure:
    fig = go.Figure(go.Scatter(y=np.asarray(losses), mode="lines", line=dict(color=CLASS_COLORS[1])))
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title="loss", type="log" if log else "linear")
    return _layout(fig, 300, title=title, showlegend=False)


def weights_table(state: mp.PerceptronState) -> pd.DataFrame:
    return pd.DataFrame({"w₁ (length)": [state.weights[0]], "w₂ (width)": [state.weights[1]], "b": [state.bias]})


def activations_figure(curves: pd.DataFrame, layout: str = "overlaid", derivatives: bool = True) -> go.Figure:
    """Layout "overlaid": values and derivatives side by side; "grid": one panel per activation."""
    from plotly.subplots import make_subplots

    names = list(dict.fromkeys(curves.activation))
    if layout == "overlaid":
        cols = 2 if derivatives else 1
        fig = make_subplots(1, cols, subplot_titles=["f(x)", "f′(x) by GradientTape"][:cols])
        for i, name in enumerate(names):
            group, color = curves[curves.activation == name], PALETTE[i % len(PALETTE)]
            fig.add_scatter(x=group.x, y=group.value, name=name, line=dict(color=color), legendgroup=name, row=1, col=1)
            if derivatives:
                fig.add_scatter(
                    x=group.x,
                    y=group.derivative,
                    name=f"{name}′",
                    line=dict(color=color, dash="dot"),
                    legendgroup=name,
                    showlegend=False,
                    row=1,
                    col=2,
                )
        return _layout(fig, 420)
    cols = min(3, max(1, len(names)))
    rows = -(-len(names) // cols) if names else 1
    fig = make_subplots(rows, cols, subplot_titles=names, vertical_spacing=0.12 if rows > 1 else 0.2)
    for i, name in enumerate(names):
        group, row, col = curves[curves.activation == name], i // cols + 1, i % cols + 1
        fig.add_scatter(
            x=group.x,
            y=group.value,
            name="f(x)",
            line=dict(color=PALETTE[0]),
            showlegend=i == 0,
            legendgroup="f",
            row=row,
            col=col,
        )
        if derivatives:
            fig.add_scatter(
                x=group.x,
                y=group.derivative,
                name="f′(x)",
                line=dict(color=PALETTE[1], dash="dot"),
                showlegend=i == 0,
                legendgroup="df",
                row=row,
                col=col,
            )
    return _layout(fig, 280 * rows)


def composition_figure(c) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=c.x, y=c.inner, name="g(x) = a₂x + b₂", line=dict(color=PALETTE[8], dash="dot"))
    fig.add_scatter(x=c.x, y=c.single, name=f"one affine map: {c.formula}", line=dict(color=REFERENCE_COLOR, width=6))
    fig.add_scatter(x=c.x, y=c.composed, name="f(act(g(x)))", line=dict(color=LINE_COLOR, width=2))
    fig.update_xaxes(title="x")
    return _layout(fig, 380)


def descent_figure(problem, paths: dict, title: str = "", height: int = 440, show_legend: bool = True) -> go.Figure:
    """Loss contours of (w, b) with the paths of the parameters drawn on top."""
    data, (ws, bs, losses), _ = problem
    fig = go.Figure(
        go.Contour(
            x=ws,
            y=bs,
            z=np.log10(losses),
            colorscale="Blues",
            reversescale=True,
            showscale=False,
            contours=dict(coloring="heatmap"),
            name="log₁₀ loss",
        )
    )
    for i, (name, path) in enumerate(paths.items()):
        fig.add_scatter(
            x=path.params[:, 0],
            y=path.params[:, 1],
            mode="lines+markers",
            name=name,
            marker=dict(size=4),
            line=dict(color=(LINE_COLOR, "#f59e0b")[i % 2], width=2),
        )
    fig.add_scatter(
        x=[data.true_w],
        y=[data.true_b],
        mode="markers",
        name="true (w, b)",
        marker=dict(symbol="x", size=12, color="black"),
    )
    fig.update_xaxes(title="w", range=[ws[0], ws[-1]])
    fig.update_yaxes(title="b", range=[bs[0], bs[-1]])
    return _layout(fig, height, title=title, showlegend=show_legend)


def losses_figure(paths: dict) -> go.Figure:
    fig = go.Figure()
    for i, (name, path) in enumerate(paths.items()):
        fig.add_scatter(y=path.losses, name=name, line=dict(color=(LINE_COLOR, "#f59e0b")[i % 2]))
    fig.update_xaxes(title="step")
    fig.update_yaxes(title="mean squared error (all data)", type="log")
    return _layout(fig, 440, title="Loss per step")
