"""The Playground page's figures and session-state glue.

Figures: `surface_figure` (the output over the plane, with the points),
`loss_figure` (training and test loss per epoch) and `network_figure` (every input,
hidden neuron and the output as a small heatmap, joined by connections whose width
and colour show the weights, values on hover), combined into one chart by
`dashboard_figure` for the paused page. While training runs the page shows
`live_frame` instead: the same three drawn as one picture, which the browser swaps
without remounting a chart. They take plain arrays, so they can be timed and
tested without a running app.

State: every session-state key starts with "playground."; the widgets' keys hold
the experiment, `read_config` turns them into a `PlaygroundConfig`, and the URL's
query parameters mirror that config both ways.
"""

from __future__ import annotations

import base64
import io
import math
import time

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image, ImageDraw

from core.playground.config import PlaygroundConfig
from core.playground.data import (
    CLASSIFICATION_DATASETS,
    REGRESSION_DATASETS,
    UPLOAD,
    make_dataset,
    split_dataset,
)
from core.playground.features import FEATURES
from core.playground.upload import UploadedPoints, parse_points_csv

# Playground's colours: orange for negative / class 0, blue for positive / class 1.
ORANGE = np.array([245, 147, 34], dtype="float32")
WHITE = np.array([232, 234, 235], dtype="float32")
BLUE = np.array([8, 119, 189], dtype="float32")
COLORSCALE = [[0.0, "rgb(245,147,34)"], [0.5, "rgb(232,234,235)"], [1.0, "rgb(8,119,189)"]]
# The surface is drawn paler than the points, so a point of the class its region
# predicts still shows (Playground does the same).
SURFACE_OPACITY = 0.7
UPDATE_INTERVAL = 0.2  # seconds before a finished live run starts the next, while playing
LIVE_SECONDS = 30.0  # one live run redraws in a loop this long, then hands back to Streamlit
FRAME_SECONDS = 1 / 15  # at most 15 frames a second: more only floods the browser
EPOCHS_PER_UPDATE = (1, 2, 5, 10, 25)

# Session-state keys.
PREFIX = "playground."
INITIALIZED = PREFIX + "initialized"
LINK_WARNINGS = PREFIX + "link_warnings"
LAYERS = PREFIX + "layers"
PLAYING = PREFIX + "playing"
TRAINER = PREFIX + "trainer"
SEED = PREFIX + "seed"
UPLOADED = PREFIX + "uploaded"
UPLOAD_ERROR = PREFIX + "upload_error"
UPLOAD_WIDGET = PREFIX + "upload_file"
SPEED = PREFIX + "epochs_per_update"
CONFIG = PREFIX + "config"  # the last valid config, kept while another page shows
TRAINER_UPLOAD = PREFIX + "trainer_upload"  # the upload the trainer learned from
IN_FULL_RUN = PREFIX + "in_full_run"  # set while the whole page (not just the fragment) runs
# Widgets whose value is a config field of the same name.
FIELD_WIDGETS = (
    "problem",
    "dataset",
    "noise",
    "train_ratio",
    "activation",
    "regularization",
    "regularization_rate",
    "learning_rate",
    "batch_size",
    "optimizer",
    "loss",
)


def key(name: str) -> str:
    """The session-state key of a widget or value of this page."""
    return PREFIX + name


def feature_key(name: str) -> str:
    return PREFIX + "feature." + name


# ---- state -------------------------------------------------------------------------


def _write_widgets(config: PlaygroundConfig) -> None:
    state = st.session_state
    for name in FIELD_WIDGETS:
        state[key(name)] = getattr(config, name)
    for name in FEATURES:
        state[feature_key(name)] = name in config.features
    state[LAYERS] = list(config.hidden_layers)
    state[SEED] = config.seed


def init_state() -> None:
    """On a session's first visit, loads the experiment from the URL (or the defaults)."""
    state = st.session_state
    if state.get(INITIALIZED):
        # Streamlit drops a widget's value while its page is not shown; coming back,
        # restore the experiment from the last config instead of the defaults.
        if CONFIG in state and any(key(name) not in state for name in FIELD_WIDGETS):
            _write_widgets(state[CONFIG])
        return
    config, warnings = PlaygroundConfig.from_query_params(st.query_params.to_dict())
    if config.dataset == UPLOAD and state.get(UPLOADED) is None:
        warnings.append("The link names uploaded points, which links cannot carry; upload the CSV again.")
        config = config.replace(dataset=_datasets(config.problem)[0])
    _write_widgets(config)
    state[PLAYING] = False
    state[SPEED] = 5
    state[LINK_WARNINGS] = warnings
    state[INITIALIZED] = True


def read_config() -> PlaygroundConfig:
    """The experiment the widgets describe. Raises `ValueError` for a bad combination."""
    state = st.session_state
    values = {name: state[key(name)] for name in FIELD_WIDGETS}
    features = tuple(name for name in FEATURES if state[feature_key(name)])
    return PlaygroundConfig(
        **values, features=features, hidden_layers=tuple(state[LAYERS]), seed=state[SEED]
    )


def sync_query_params(config: PlaygroundConfig) -> None:
    """Writes the config into the URL, so a copied link reopens this experiment, and
    remembers it for when the learner comes back from another page."""
    st.session_state[CONFIG] = config
    params = config.to_query_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def _datasets(problem: str) -> tuple[str, ...]:
    return CLASSIFICATION_DATASETS if problem == "classification" else REGRESSION_DATASETS


def dataset_options(problem: str) -> list[str]:
    """The data sets the radio offers: the problem's own, plus a fitting upload."""
    uploaded = st.session_state.get(UPLOADED)
    extra = [UPLOAD] if uploaded is not None and uploaded.problem == problem else []
    return list(_datasets(problem)) + extra


def on_problem_change() -> None:
    """A new problem type needs a data set of that type."""
    state = st.session_state
    if state[key("dataset")] not in dataset_options(state[key("problem")]):
        state[key("dataset")] = _datasets(state[key("problem")])[0]


def on_upload() -> None:
    """Parses an uploaded CSV; a good one becomes the data set, a bad one an error."""
    state = st.session_state
    file = state.get(UPLOAD_WIDGET)
    state[UPLOAD_ERROR] = None
    if file is None:
        state[UPLOADED] = None
        if state[key("dataset")] == UPLOAD:
            state[key("dataset")] = _datasets(state[key("problem")])[0]
        return
    try:
        uploaded = parse_points_csv(file.getvalue(), file.name)
    except ValueError as error:
        state[UPLOAD_ERROR] = str(error)
        return
    state[UPLOADED] = uploaded
    state[key("problem")] = uploaded.problem
    state[key("dataset")] = UPLOAD
    state[PLAYING] = False


def regenerate() -> None:
    """New points and new initial weights: a fresh seed."""
    st.session_state[SEED] = int(np.random.default_rng().integers(0, 2**31 - 1))


def change_layers(delta: int) -> None:
    """Adds (delta=+1) or removes (delta=-1) the last hidden layer."""
    layers = st.session_state[LAYERS]
    if delta > 0 and len(layers) < 6:
        layers.append(layers[-1] if layers else 4)
    elif delta < 0 and layers:
        layers.pop()


def change_units(index: int, delta: int) -> None:
    """Adds or removes one neuron of hidden layer `index`, keeping 1 to 8."""
    layers = st.session_state[LAYERS]
    layers[index] = min(8, max(1, layers[index] + delta))


def load_data(config: PlaygroundConfig):
    """The experiment's points, split: generated, or the uploaded ones."""
    if config.dataset == UPLOAD:
        uploaded: UploadedPoints = st.session_state[UPLOADED]
        points, labels = uploaded.points, uploaded.labels
    else:
        points, labels = make_dataset(config.dataset, noise=config.noise / 100, seed=config.seed)
    return split_dataset(points, labels, config.train_ratio / 100, config.seed)


def current_trainer(config: PlaygroundConfig, *, reset: bool = False):
    """The session's trainer for `config`; a changed config (or reset) starts afresh."""
    from core.playground.model import Trainer

    state = st.session_state
    trainer = state.get(TRAINER)
    uploaded = state.get(UPLOADED) if config.dataset == UPLOAD else None
    stale = trainer is None or trainer.config != config or state.get(TRAINER_UPLOAD) is not uploaded
    if reset or stale:
        trainer = Trainer(config, load_data(config))
        state[TRAINER] = trainer
        state[TRAINER_UPLOAD] = uploaded  # a new file with the same config must retrain
        if stale:
            state[PLAYING] = False
    return trainer


def toggle_play() -> None:
    st.session_state[PLAYING] = not st.session_state[PLAYING]


def step_once() -> None:
    st.session_state[PLAYING] = False
    trainer = st.session_state.get(TRAINER)
    if trainer is not None:
        trainer.step(1)


def reset() -> None:
    st.session_state[PLAYING] = False
    st.session_state.pop(TRAINER, None)


# ---- figures -----------------------------------------------------------------------


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
            type="heatmap", x=axis, y=axis, z=output, zmin=low, zmax=high, colorscale=COLORSCALE, opacity=SURFACE_OPACITY,
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
                type="scatter", x=points[:, 0], y=points[:, 1], mode="markers", name=name,
                marker=dict(
                    color=labels.tolist(), cmin=low, cmax=high, colorscale=COLORSCALE, size=6,
                    line=dict(color=edge, width=1),
                ),
                hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>label=%{marker.color:.2f}<extra>" + name + "</extra>",
            )
        )
    extent = float(axis[-1])
    layout = dict(
        height=380, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.08),
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
            type="scatter", x=epochs[::stride], y=np.asarray(history[name])[::stride], name=label,
            mode="lines", line=dict(color=color, width=2),
        )
        for name, label, color in (("loss", "training", "#555"), ("test_loss", "test", "#0877bd"))
    ]
    layout = dict(
        height=220, margin=dict(l=10, r=10, t=10, b=10), xaxis=dict(title=dict(text="epoch")),
        yaxis=dict(title=dict(text="loss")), legend=dict(orientation="h", y=1.15), uirevision="loss",
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
            images.append(dict(
                source=thumbnail(values, low, high), xref="x", yref="y", x=x - size / 2, y=y + size / 2,
                sizex=size, sizey=size, sizing="stretch", layer="above",
            ))
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
            type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
            line=dict(width=1 + level, color="rgba(8,119,189,0.75)" if positive else "rgba(245,147,34,0.75)"),
        )
        for (positive, level), (xs, ys) in sorted(buckets.items())
    ]
    traces.append(dict(
        type="scatter", x=mid_x, y=mid_y, mode="markers", text=mid_text, showlegend=False,
        hovertemplate="%{text}<extra></extra>",
        marker=dict(size=7, color=mid_color, colorscale=COLORSCALE, cmin=-1, cmax=1, opacity=0.6),
    ))
    traces.append(dict(
        type="scatter", x=node_x, y=node_y, mode="markers", text=node_text, showlegend=False,
        hovertemplate="%{text}<extra></extra>", marker=dict(size=40, symbol="square", color="rgba(0,0,0,0)"),
    ))
    half = tallest / 2
    layout = dict(
        images=images, height=max(300, 80 * tallest), margin=dict(l=0, r=0, t=0, b=0),
        xaxis=dict(visible=False, range=[-size, (len(columns) - 1) * gap + size], fixedrange=True),
        yaxis=dict(visible=False, range=[-half, half], scaleanchor="x", fixedrange=True),
        plot_bgcolor="rgba(0,0,0,0)", uirevision="network",
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
                trace["colorbar"].update(x=x_domain[1] + 0.005, xanchor="left", y=sum(y_domain) / 2,
                                         len=(y_domain[1] - y_domain[0]) * 0.9)
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
                draw.line((x0 + node / 2, y0, x1 - node / 2, y1), fill=_rgb(color), width=1 + int(min(abs(w), 3.0) / 3.0 * 5))
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


def live_view(config: PlaygroundConfig, trainer) -> None:
    """The part of the page that moves: epoch and losses, network, surface, loss curves.

    While playing it is a fragment that reruns every `UPDATE_INTERVAL` seconds, and each
    run trains and redraws into the same placeholders in a loop for `LIVE_SECONDS`, at
    most one frame per `FRAME_SECONDS`: a fragment rerun per frame waits on a round
    trip to the browser, a redraw in place does not. Pressing Pause (or any widget)
    interrupts the loop, as any rerun does. Frames while playing are pictures
    (`live_frame`); paused, the page shows the interactive Plotly charts.
    """
    playing = st.session_state[PLAYING]
    st.session_state[IN_FULL_RUN] = True

    @st.fragment(run_every=UPDATE_INTERVAL if playing else None)
    def _live():
        header, chart = st.empty(), st.empty()
        # In a run of the whole page draw one frame and let the rest of the page
        # render; the fragment's own reruns do the looping.
        full_run = st.session_state.pop(IN_FULL_RUN, False)
        deadline = time.monotonic() + (0.0 if full_run else LIVE_SECONDS)
        while True:
            frame_start = time.monotonic()
            if st.session_state[PLAYING]:
                trainer.step(st.session_state[SPEED])
            history = trainer.history
            diverged = not math.isfinite(history["loss"][-1])
            header.markdown(
                f"**Epoch {trainer.epoch:,}** · training loss {history['loss'][-1]:.4f} · "
                f"test loss {history['test_loss'][-1]:.4f}"
            )
            grids = trainer.grids()
            if st.session_state[PLAYING]:
                chart.image(live_frame_png(config, trainer, grids))
            else:
                chart.plotly_chart(dashboard_figure(config, trainer, grids), config={"displayModeBar": False})
            if diverged or not st.session_state[PLAYING] or time.monotonic() > deadline:
                break
            time.sleep(max(0.0, FRAME_SECONDS - (time.monotonic() - frame_start)))
        if diverged:
            st.error("The loss is no longer a number: training diverged. Lower the learning rate and press Reset.")
            if st.session_state[PLAYING]:
                st.session_state[PLAYING] = False
                st.rerun()

    _live()
