"""The Playground page's figures: plain functions from a trainer's arrays to pictures.

`surface_figure` (the output over the plane, with the points), `loss_figure`
(training and test loss per epoch) and `network_figure` (every input, hidden neuron
and the output as a small heatmap, joined by connections whose width and colour show
the weights, values on hover), combined into one chart by `dashboard_figure` for the
paused page. While training runs the page shows `live_frame` instead: the same three
drawn as one picture, which the browser swaps without remounting a chart.

Nothing here imports Streamlit, so every figure can be timed (benchmarks/) and tested
without a running app; `ui.playground.view` puts them on the page.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from core.playground.config import PlaygroundConfig
from core.playground.features import FEATURES

# Playground's colours: orange for negative / class 0, blue for positive / class 1.
ORANGE = np.array([245, 147, 34], dtype="float32")
WHITE = np.array([232, 234, 235], dtype="float32")
BLUE = np.array([8, 119, 189], dtype="float32")
COLORSCALE = [[0.0, "rgb(245,147,34)"], [0.5, "rgb(232,234,235)"], [1.0, "rgb(8,119,189)"]]
# The surface is drawn paler than the points, so a point of the class its region
# predicts still shows (Playground does the same).
SURFACE_OPACITY = 0.7


def colorize(values: np.ndarray, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """Maps values to Playground's orange-white-blue: (h, w) -> (h, w, 3) uint8."""
    # A diverged network gives NaN and inf; draw them as the middle and the ends.
    values = np.nan_to_num(values, nan=(low + high) / 2, posinf=high, neginf=low)
    t = np.clip((values - low) / (high - low) * 2 - 1, -1, 1)[..., None]  # in [-1, 1]
    rgb = np.where(t < 0, WHITE + (ORANGE - WHITE) * -t, WHITE + (BLUE - WHITE) * t)
    return rgb.astype("uint8")


def thumbnail(values: np.ndarray, low: float = -1.0, high: float = 1.0) -> str:
    """A heatmap as a PNG data URI; the grid's first row (lowest x2) goes at the bottom."""
    buffer = io.BytesIO()
    Image.fromarray(colorize(values[::-1], low, high)).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _output_range(problem: str) -> tuple[float, float]:
    return (0.0, 1.0) if problem == "classification" else (-1.0, 1.0)


def _figure(spec: dict) -> go.Figure:
    """A figure from a plain spec, skipping plotly's per-property validation.

    Validation costs ~10 ms a figure, more than training a chunk of epochs, and the
    page redraws three figures ten times a second; the tests build every figure
    with validation on, so a bad property still fails there.
    """
    return go.Figure(spec, _validate=False)


def surface_figure(axis: np.ndarray, output: np.ndarray, data, problem: str, *, show_test: bool = True):
    """The output over the plane as a heatmap, with training (white edge) and test
    (black edge) points coloured by their label."""
    low, high = _output_range(problem)
    traces = [
        dict(
            type="heatmap",
            x=axis,
            y=axis,
            z=output,
            zmin=low,
            zmax=high,
            colorscale=COLORSCALE,
            opacity=SURFACE_OPACITY,
            colorbar=dict(thickness=10, len=0.8),
            hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>output=%{z:.3f}<extra></extra>",
        )
    ]
    sets = [("training", data.x_train, data.y_train, "white")]
    if show_test:
        sets.append(("test", data.x_test, data.y_test, "black"))
    for name, points, labels, edge in sets:
        traces.append(
            dict(
                type="scatter",
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                name=name,
                marker=dict(
                    color=labels.tolist(),
                    cmin=low,
                    cmax=high,
                    colorscale=COLORSCALE,
                    size=6,
                    line=dict(color=edge, width=1),
                ),
                hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>label=%{marker.color:.2f}<extra>" + name + "</extra>",
            )
        )
    extent = float(axis[-1])
    layout = dict(
        height=380,
        margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", y=-0.08),
        xaxis=dict(range=[-extent, extent], constrain="domain"),
        yaxis=dict(range=[-extent, extent], scaleanchor="x", constrain="domain"),
        uirevision="surface",
    )
    return _figure(dict(data=traces, layout=layout))


def loss_figure(history: dict[str, list[float]], *, max_points: int = 600):
    """Training and test loss per epoch; long histories are thinned to `max_points`."""
    epochs = np.asarray(history["epoch"])
    stride = max(1, len(epochs) // max_points)
    traces = [
        dict(
            type="scatter",
            x=epochs[::stride],
            y=np.asarray(history[name])[::stride],
            name=label,
            mode="lines",
            line=dict(color=color, width=2),
        )
        for name, label, color in (("loss", "training", "#555"), ("test_loss", "test", "#0877bd"))
    ]
    layout = dict(
        height=220,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(title=dict(text="epoch")),
        yaxis=dict(title=dict(text="loss")),
        legend=dict(orientation="h", y=1.15),
        uirevision="loss",
    )
    return _figure(dict(data=traces, layout=layout))


def network_figure(config: PlaygroundConfig, grids: list[np.ndarray], weights, feature_grids: np.ndarray):
    """The network as Playground draws it: a heatmap per node, weighted connections.

    Args:
        config: the experiment (feature names, problem type).
        grids: `Trainer.grids()`: per Dense layer, `(resolution, resolution, units)`.
        weights: `Trainer.weights()`: per Dense layer, `(kernel, bias)`.
        feature_grids: the input features over the grid, `(resolution, resolution, num_features)`.
    """
    columns = [feature_grids] + grids  # every column of nodes, inputs first
    names = [[FEATURES[name][0] for name in config.features]]
    names += [[f"layer {i + 1}, neuron {j + 1}" for j in range(g.shape[-1])] for i, g in enumerate(grids[:-1])]
    names.append(["output"])
    tallest = max(column.shape[-1] for column in columns)
    gap, size = 2.2, 0.9  # column spacing and node size, in data units

    images, node_x, node_y, node_text = [], [], [], []
    out_low, out_high = _output_range(config.problem)
    for col, column in enumerate(columns):
        for row in range(column.shape[-1]):
            x, y = col * gap, (column.shape[-1] - 1) / 2 - row
            values = column[..., row]
            if col == 0:  # raw features differ in range; show each on its own scale
                bound = float(np.abs(values).max()) or 1.0
                low, high = -bound, bound
            elif col == len(columns) - 1:
                low, high = out_low, out_high
            else:
                low, high = -1.0, 1.0
            images.append(
                dict(
                    source=thumbnail(values, low, high),
                    xref="x",
                    yref="y",
                    x=x - size / 2,
                    y=y + size / 2,
                    sizex=size,
                    sizey=size,
                    sizing="stretch",
                    layer="above",
                )
            )
            node_x.append(x)
            node_y.append(y)
            bias = "" if col == 0 else f"<br>bias {weights[col - 1][1][row]:+.3f}"
            node_text.append(names[col][row] + bias)

    # Connections, bucketed by sign and width so a few traces draw them all.
    buckets: dict[tuple[bool, int], tuple[list, list]] = {}
    mid_x, mid_y, mid_text, mid_color = [], [], [], []
    for col, (kernel, _) in enumerate(weights):
        n_in, n_out = kernel.shape
        for i in range(n_in):
            for j in range(n_out):
                w = float(np.nan_to_num(kernel[i, j], nan=0.0, posinf=3.0, neginf=-3.0))
                x0, y0 = col * gap + size / 2, (n_in - 1) / 2 - i
                x1, y1 = (col + 1) * gap - size / 2, (n_out - 1) / 2 - j
                level = int(min(abs(w), 3.0) / 3.0 * 5)  # widths 1..6
                xs, ys = buckets.setdefault((w >= 0, level), ([], []))
                xs += [x0, x1, None]
                ys += [y0, y1, None]
                mid_x.append((x0 + x1) / 2)
                mid_y.append((y0 + y1) / 2)
                mid_text.append(f"{names[col][i]} → {names[col + 1][j]}<br>weight {w:+.3f}")
                mid_color.append(w)
    traces = [
        dict(
            type="scatter",
            x=xs,
            y=ys,
            mode="lines",
            hoverinfo="skip",
            showlegend=False,
            line=dict(width=1 + level, color="rgba(8,119,189,0.75)" if positive else "rgba(245,147,34,0.75)"),
        )
        for (positive, level), (xs, ys) in sorted(buckets.items())
    ]
    traces.append(
        dict(
            type="scatter",
            x=mid_x,
            y=mid_y,
            mode="markers",
            text=mid_text,
            showlegend=False,
            hovertemplate="%{text}<extra></extra>",
            marker=dict(size=7, color=mid_color, colorscale=COLORSCALE, cmin=-1, cmax=1, opacity=0.6),
        )
    )
    traces.append(
        dict(
            type="scatter",
            x=node_x,
            y=node_y,
            mode="markers",
            text=node_text,
            showlegend=False,
            hovertemplate="%{text}<extra></extra>",
            marker=dict(size=40, symbol="square", color="rgba(0,0,0,0)"),
        )
    )
    half = tallest / 2
    layout = dict(
        images=images,
        height=max(300, 80 * tallest),
        margin=dict(l=0, r=0, t=0, b=0),
        xaxis=dict(visible=False, range=[-size, (len(columns) - 1) * gap + size], fixedrange=True),
        yaxis=dict(visible=False, range=[-half, half], scaleanchor="x", fixedrange=True),
        plot_bgcolor="rgba(0,0,0,0)",
        uirevision="network",
    )
    return _figure(dict(data=traces, layout=layout))


def combine(panels: list[tuple[go.Figure, list[float], list[float]]], height: int) -> go.Figure:
    """Puts several single-panel figures side by side in one figure.

    Each panel is `(figure, x_domain, y_domain)`: its traces move to their own axes
    and its axes, images and colour bars into that part of the canvas. While the
    network trains the page redraws many times a second, and one chart remounts in
    the browser far faster than three.
    """
    traces, layout = [], dict(height=height, margin=dict(l=10, r=10, t=10, b=10), showlegend=True)
    for index, (figure, x_domain, y_domain) in enumerate(panels, start=1):
        suffix = "" if index == 1 else str(index)
        spec = figure.to_dict()
        for trace in spec["data"]:
            trace.update(xaxis="x" + suffix, yaxis="y" + suffix)
            if "colorbar" in trace:
                trace["colorbar"].update(
                    x=x_domain[1] + 0.005, xanchor="left", y=sum(y_domain) / 2, len=(y_domain[1] - y_domain[0]) * 0.9
                )
            traces.append(trace)
        part = spec["layout"]
        xaxis = dict(part.get("xaxis", {}), domain=x_domain, anchor="y" + suffix)
        yaxis = dict(part.get("yaxis", {}), domain=y_domain, anchor="x" + suffix)
        if "scaleanchor" in yaxis:
            yaxis["scaleanchor"] = "x" + suffix
        layout["xaxis" + suffix], layout["yaxis" + suffix] = xaxis, yaxis
        for image in part.get("images", []):
            layout.setdefault("images", []).append(dict(image, xref="x" + suffix, yref="y" + suffix))
    return _figure(dict(data=traces, layout=layout))


def dashboard_figure(config: PlaygroundConfig, trainer, grids: list[np.ndarray]) -> go.Figure:
    """Network (left), output surface (top right) and loss curves (bottom right), as one chart."""
    network = network_figure(config, grids, trainer.weights(), feature_grids(trainer))
    surface = surface_figure(trainer.grid_axis, grids[-1][..., 0], trainer.data, config.problem)
    loss = loss_figure(trainer.history)
    for trace in surface.data:
        trace.showlegend = False
    figure = combine(
        [(network, [0.0, 0.56], [0.0, 1.0]), (surface, [0.62, 0.95], [0.38, 1.0]), (loss, [0.62, 0.95], [0.0, 0.26])],
        height=max(560, network.layout.height or 0),
    )
    figure.layout.legend = dict(x=0.62, y=0.3, yanchor="bottom", orientation="h")
    return figure


def _rgb(color: np.ndarray) -> tuple[int, int, int]:
    return tuple(int(c) for c in color)


def surface_image(axis: np.ndarray, output: np.ndarray, data, problem: str, size: int = 380) -> Image.Image:
    """The output surface with the points, drawn as a picture (for live updates)."""
    low, high = _output_range(problem)
    surface = colorize(output[::-1], low, high).astype("float32")
    surface = surface * SURFACE_OPACITY + 255 * (1 - SURFACE_OPACITY)
    image = Image.fromarray(surface.astype("uint8")).resize((size, size), Image.BILINEAR)
    draw = ImageDraw.Draw(image)
    extent = float(axis[-1])

    def pixel(points):  # plane -> image coordinates, x2 pointing up
        return (points[:, 0] + extent) / (2 * extent) * size, (extent - points[:, 1]) / (2 * extent) * size

    for points, labels, edge in ((data.x_train, data.y_train, (255, 255, 255)), (data.x_test, data.y_test, (0, 0, 0))):
        colors = colorize(labels.reshape(-1, 1), low, high).reshape(-1, 3)
        for x, y, color in zip(*pixel(points), colors):
            draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=_rgb(color), outline=edge)
    return image


def loss_image(history: dict[str, list[float]], width: int = 380, height: int = 170) -> Image.Image:
    """Training (grey) and test (blue) loss per epoch, drawn as a picture (for live updates)."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = 40, 8, width - 8, height - 20
    draw.rectangle((left, top, right, bottom), outline=(200, 200, 200))
    losses = [np.asarray(history[name], dtype="float64") for name in ("loss", "test_loss")]
    finite = np.concatenate([v[np.isfinite(v)] for v in losses])
    peak = float(finite.max()) if finite.size else 1.0
    epochs = np.asarray(history["epoch"], dtype="float64")
    span = max(epochs[-1], 1.0)
    for values, color in zip(losses, ((85, 85, 85), (8, 119, 189))):
        x = left + epochs / span * (right - left)
        # A diverged loss (NaN, inf) is drawn along the top edge.
        share = np.clip(np.nan_to_num(values / (peak or 1.0), nan=1.0, posinf=1.0, neginf=0.0), 0, 1)
        y = bottom - share * (bottom - top)
        stride = max(1, len(x) // (right - left))  # one point per pixel column is enough
        draw.line(list(zip(x[::stride].tolist() + [x[-1]], y[::stride].tolist() + [y[-1]])), fill=color, width=2)
    draw.text((2, top), f"{peak:.3g}", fill=(90, 90, 90))
    draw.text((2, bottom - 10), "0", fill=(90, 90, 90))
    draw.text((left, bottom + 5), "epoch 0", fill=(90, 90, 90))
    draw.text((right - 60, bottom + 5), f"{int(span):>8,}", fill=(90, 90, 90))
    draw.text((right - 95, top + 4), "training", fill=(85, 85, 85))
    draw.text((right - 40, top + 4), "test", fill=(8, 119, 189))
    return image


def network_image(config: PlaygroundConfig, grids: list[np.ndarray], weights, feature_grids: np.ndarray) -> Image.Image:
    """The network with a heatmap per node and weighted connections, drawn as a picture."""
    columns = [feature_grids] + grids
    node, gap = 64, 140  # node size and column spacing, in pixels
    tallest = max(column.shape[-1] for column in columns)
    width, height = (len(columns) - 1) * gap + node + 20, tallest * (node + 14) + 10
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)

    def center(col: int, row: int, count: int) -> tuple[float, float]:
        return 10 + col * gap + node / 2, height / 2 + (row - (count - 1) / 2) * (node + 14)

    for col, (kernel, _) in enumerate(weights):
        n_in, n_out = kernel.shape
        for i in range(n_in):
            for j in range(n_out):
                w = float(np.nan_to_num(kernel[i, j], nan=0.0, posinf=3.0, neginf=-3.0))
                x0, y0 = center(col, i, n_in)
                x1, y1 = center(col + 1, j, n_out)
                color = colorize(np.array([[np.clip(w, -1, 1)]]))[0, 0]
                draw.line(
                    (x0 + node / 2, y0, x1 - node / 2, y1), fill=_rgb(color), width=1 + int(min(abs(w), 3.0) / 3.0 * 5)
                )
    out_low, out_high = _output_range(config.problem)
    for col, column in enumerate(columns):
        for row in range(column.shape[-1]):
            values = column[..., row]
            if col == 0:
                bound = float(np.abs(values).max()) or 1.0
                low, high = -bound, bound
            elif col == len(columns) - 1:
                low, high = out_low, out_high
            else:
                low, high = -1.0, 1.0
            tile = Image.fromarray(colorize(values[::-1], low, high)).resize((node, node), Image.NEAREST)
            x, y = center(col, row, column.shape[-1])
            image.paste(tile, (int(x - node / 2), int(y - node / 2)))
    return image


def live_frame(config: PlaygroundConfig, trainer, grids: list[np.ndarray]) -> Image.Image:
    """Network (left), surface (top right) and loss (bottom right) as one picture.

    Streamlit remounts a Plotly chart whenever its figure changes, which leaves it
    blank when it changes ten times a second; a picture just swaps its pixels. So
    the page shows this while training runs and the interactive charts when paused.
    """
    network = network_image(config, grids, trainer.weights(), feature_grids(trainer))
    surface = surface_image(trainer.grid_axis, grids[-1][..., 0], trainer.data, config.problem)
    loss = loss_image(trainer.history, width=surface.width)
    height = max(network.height, surface.height + loss.height + 10)
    frame = Image.new("RGB", (network.width + 30 + surface.width, height), "white")
    frame.paste(network, (0, (height - network.height) // 2))
    frame.paste(surface, (network.width + 30, 0))
    frame.paste(loss, (network.width + 30, surface.height + 10))
    return frame


def live_frame_png(config: PlaygroundConfig, trainer, grids: list[np.ndarray]) -> bytes:
    """`live_frame` encoded as PNG at the fastest compression: half the time of the
    default level, for a somewhat larger file on a local connection."""
    buffer = io.BytesIO()
    live_frame(config, trainer, grids).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def feature_grids(trainer) -> np.ndarray:
    """The input features over the heatmap grid: `(resolution, resolution, num_features)`."""
    resolution = len(trainer.grid_axis)
    return trainer.grid_features.reshape(resolution, resolution, -1)
