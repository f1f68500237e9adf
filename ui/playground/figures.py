"""The Playground page's one view: network, output surface and loss curves in one picture.

`draw_view` draws, at a fixed size, the network (every input, hidden neuron and
output as a small heatmap, joined by links whose colour and width show the weight
on a diverging orange-grey-blue scale), the output over the plane (a smooth,
bilinear surface with axes and a colour bar, the points on top) and the training
and test loss. While training runs the page shows this picture, frame after frame:
the browser swaps its pixels without remounting anything. Paused, `view_figure`
lays the very same picture into a Plotly chart and adds invisible hover and click
targets on top (one per link, at its own point along the link, so crossing links
never share one; one per neuron; the surface's values), so nothing moves between
Play and Pause. `hover_layout` and `hover_values` tell the page's script where the
picture's neurons and links are and what their weights and biases read, for the hover
preview and the labels of the playing picture.

Nothing here imports Streamlit, so every figure can be timed (benchmarks/) and tested
without a running app; `ui.playground.view` puts them on the page.
"""

from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont

from core.playground.config import PlaygroundConfig
from core.playground.features import FEATURES

# Playground's colours: orange for negative / class 0, blue for positive / class 1.
ORANGE = np.array([245, 147, 34], dtype="float32")
WHITE = np.array([232, 234, 235], dtype="float32")
BLUE = np.array([8, 119, 189], dtype="float32")
# Further classes of a multiclass problem, after orange and blue.
CLASS_COLORS = np.array(
    [ORANGE, BLUE, [51, 160, 44], [152, 78, 163], [228, 26, 28], [166, 86, 40], [247, 129, 191], [90, 90, 90]],
    dtype="float32",
)
LINK_GREY = np.array([195, 197, 199], dtype="float32")  # a zero weight: visible on white
LINK_SCALE = 1.5  # |weight| at which a link's colour is full orange or blue
# The surface is drawn paler than the points, so a point of the class its region
# predicts still shows (Playground does the same).
SURFACE_OPACITY = 0.7

# The hover labels' look, paused (Plotly's) and playing (the page's script's).
LABEL_STYLE = dict(background="#ffffff", border="#444444", color="#282828", size=13)

# The view's fixed geometry, in pixels: the same for every network, so frames never
# shift the page and the paused chart is the playing picture.
# 920 pixels fit the page's main column beside the sidebar on a 1400-pixel screen.
WIDTH, HEIGHT = 920, 540
NETWORK_RIGHT = 510  # the network fills [0, NETWORK_RIGHT)
NODE, ROW_PITCH, TOP = 44, 61, 34
SURFACE_LEFT, SURFACE_TOP, SURFACE_SIZE = 550, 28, 300
LOSS_TOP, LOSS_HEIGHT = 385, 140


@lru_cache(maxsize=4)
def _font(size: int = 12):
    try:  # DejaVu has the subscripts of x₁ and x₂
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        try:
            return ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", size)
        except OSError:
            return ImageFont.load_default(size)


_STEPS = np.linspace(-1, 1, 511, dtype="float32")[:, None]
# The scale as a lookup table of 511 colours: indexing is ten times faster than
# blending every pixel, and the page draws some thirty heatmaps a frame.
_PALETTE = np.where(_STEPS < 0, WHITE + (ORANGE - WHITE) * -_STEPS, WHITE + (BLUE - WHITE) * _STEPS).astype("uint8")


def colorize(values: np.ndarray, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """Maps values to Playground's orange-white-blue: (h, w) -> (h, w, 3) uint8."""
    t = (np.asarray(values, dtype="float32") - low) * (510 / (high - low))
    # A diverged network gives NaN and inf; draw them as the middle and the ends.
    t = np.nan_to_num(t, nan=255.0, posinf=510.0, neginf=0.0)
    return _PALETTE[np.clip(t + 0.5, 0, 510).astype("int32")]


def link_color(weight: float) -> tuple[int, int, int]:
    """A link's colour by its weight's value: grey at 0, orange below, blue above."""
    t = float(np.clip(weight / LINK_SCALE, -1, 1))
    rgb = LINK_GREY + ((ORANGE if t < 0 else BLUE) - LINK_GREY) * abs(t)
    return tuple(int(c) for c in rgb)


def link_width(weight: float) -> int:
    return 1 + int(min(abs(weight), 3.0) / 3.0 * 5)


def class_colorize(probabilities: np.ndarray, discretize: bool = False) -> np.ndarray:
    """Colours of a multiclass output: (h, w, classes) -> (h, w, 3) uint8, each pixel
    the colour of its likeliest class, paler the less sure the network is."""
    probabilities = np.nan_to_num(probabilities, nan=0.0)
    classes = probabilities.shape[-1]
    best = probabilities.argmax(axis=-1)
    if discretize:
        strength = np.ones(best.shape, dtype="float32")
    else:
        strength = np.clip((probabilities.max(axis=-1) - 1 / classes) / (1 - 1 / classes), 0, 1)
    colors = CLASS_COLORS[best % len(CLASS_COLORS)]
    return (WHITE + (colors - WHITE) * strength[..., None]).astype("uint8")


def point_colors(labels: np.ndarray, problem: str, num_classes: int) -> np.ndarray:
    """The colour of each point by its label: (n,) -> (n, 3) uint8."""
    if problem == "classification" and num_classes > 2:
        return CLASS_COLORS[labels.astype("int64") % len(CLASS_COLORS)].astype("uint8")
    low, high = output_range(problem)
    return colorize(labels.reshape(-1, 1), low, high).reshape(-1, 3)


def output_range(problem: str) -> tuple[float, float]:
    return (0.0, 1.0) if problem == "classification" else (-1.0, 1.0)


def output_rgb(output: np.ndarray, problem: str, *, discretize: bool = False) -> np.ndarray:
    """The output layer over the grid, `(res, res, units)`, as colours `(res, res, 3)`."""
    if output.shape[-1] > 1:
        return class_colorize(output, discretize)
    values = output[..., 0]
    if discretize:  # Playground's "Discretize output": each side of the boundary in full
        values = (values > 0.5).astype("float32") if problem == "classification" else np.sign(values)
    return colorize(values, *output_range(problem))


@dataclass
class Target:
    """A hover and click target of the paused chart, at pixel `(x, y)`."""

    x: float
    y: float
    text: str
    key: tuple  # ("link", layer, source, target) or ("node", column, row)


@dataclass
class View:
    """The drawn picture and where its links and neurons are."""

    image: Image.Image
    links: list[Target] = field(default_factory=list)
    nodes: list[Target] = field(default_factory=list)
    surface: tuple[np.ndarray, np.ndarray] | None = None  # (grid axis, the values shown)


def _node_names(config: PlaygroundConfig, grids: list[np.ndarray]) -> list[list[str]]:
    names = [[FEATURES[name][0] for name in config.features]]
    names += [[f"layer {i + 1}, neuron {j + 1}" for j in range(g.shape[-1])] for i, g in enumerate(grids[:-1])]
    units = grids[-1].shape[-1]
    names.append(["output"] if units == 1 else [f"output, class {k}" for k in range(units)])
    return names


def node_centers(counts: list[int]) -> list[list[tuple[float, float]]]:
    """Pixel centres of every node, column by column, for columns of `counts` nodes."""
    left, right = 44 + NODE / 2, NETWORK_RIGHT - NODE / 2 - 6
    gap = (right - left) / max(1, len(counts) - 1)
    middle = TOP + (HEIGHT - TOP) / 2
    return [
        [(left + col * gap, middle + (row - (count - 1) / 2) * ROW_PITCH) for row in range(count)]
        for col, count in enumerate(counts)
    ]


def link_point(start: tuple[float, float], end: tuple[float, float], target: int, num_targets: int):
    """Where a link's hover target sits: a fraction along the link set by the neuron
    it enters, so two links that cross (they enter different neurons) never share one,
    and two links into the same neuron sit at the same fraction of different lines."""
    t = 0.22 + 0.56 * (target + 0.5) / num_targets
    return start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1])


def link_targets(counts: list[int]):
    """Every link of a network with columns of `counts` nodes, and where it is drawn:
    `(column, source, target, start, end, point)`, `point` being its hover target
    (`link_point`), in the order of the kernels' entries."""
    centers = node_centers(counts)
    for col, (n_in, n_out) in enumerate(zip(counts, counts[1:])):
        for i in range(n_in):
            for j in range(n_out):
                (x0, y0), (x1, y1) = centers[col][i], centers[col + 1][j]
                start, end = (x0 + NODE / 2, y0), (x1 - NODE / 2, y1)
                yield col, i, j, start, end, link_point(start, end, j, n_out)


def value_text(value: float) -> str:
    """A weight or bias as the hover labels show it: "+0.757"."""
    return f"{float(value):+.3f}"


def _tile(values: np.ndarray, column: int, last: int, problem: str, unit: int, units: int) -> np.ndarray:
    if column == 0:  # raw features differ in range; show each on its own scale
        bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
        return colorize(values, -(bound or 1.0), bound or 1.0)
    if column == last:
        if units > 1:  # one class's probability: white to the class's colour
            t = np.clip(np.nan_to_num(values), 0, 1)[..., None]
            return (WHITE + (CLASS_COLORS[unit % len(CLASS_COLORS)] - WHITE) * t).astype("uint8")
        return colorize(values, *output_range(problem))
    return colorize(values, -1.0, 1.0)


def _draw_network(draw, image, config, grids, weights, feature_grids, view: View) -> None:
    columns = [feature_grids] + list(grids)
    names = _node_names(config, grids)
    counts = [column.shape[-1] for column in columns]
    centers = node_centers(counts)
    for col, i, j, start, end, (px, py) in link_targets(counts):
        weight = weights[col][0][i, j]
        w = float(np.nan_to_num(weight, nan=0.0, posinf=3.0, neginf=-3.0))  # drawn as the largest
        color = link_color(w)
        draw.line((*start, *end), fill=color, width=link_width(w))
        draw.ellipse((px - 2.5, py - 2.5, px + 2.5, py + 2.5), fill=color, outline=(90, 90, 90))
        text = f"{names[col][i]} → {names[col + 1][j]}<br>weight {value_text(weight)}<br>click: edit it"
        view.links.append(Target(px, py, text, ("link", col, i, j)))
    last = len(columns) - 1
    for col, column in enumerate(columns):
        units = column.shape[-1]
        for row in range(units):
            tile = _tile(column[::-1, :, row], col, last, config.problem, row, units)
            x, y = centers[col][row]
            image.paste(
                Image.fromarray(tile).resize((NODE, NODE), Image.NEAREST), (int(x - NODE / 2), int(y - NODE / 2))
            )
            draw.rectangle((x - NODE / 2, y - NODE / 2, x + NODE / 2 - 1, y + NODE / 2 - 1), outline=(150, 150, 150))
            if col == 0:
                text = names[col][row] + "<br>click: keep it large"
            else:
                text = f"{names[col][row]}<br>bias {value_text(weights[col - 1][1][row])}<br>click: edit its bias"
                text += ", keep it large" if col < last else ""
            view.nodes.append(Target(x, y, text, ("node", col, row)))


def _rgb(color: np.ndarray) -> tuple[int, int, int]:
    return tuple(int(c) for c in color)


def _pixel(points: np.ndarray, extent: float) -> tuple[np.ndarray, np.ndarray]:
    """Plane -> surface picture coordinates, x2 pointing up."""
    size = SURFACE_SIZE
    return (points[:, 0] + extent) / (2 * extent) * size, (extent - points[:, 1]) / (2 * extent) * size


_STATIC: dict[tuple, tuple] = {}  # the few last static layers, see `_static_layers`
_STATIC_LOCK = threading.Lock()  # frames of several sessions are drawn on worker threads


def _static_layers(config, trainer, grids, *, show_test: bool, title: str, loss_name: str):
    """What does not change while a run trains, drawn once: the background (captions,
    input names, axes, colour bar, legend) and the points as a transparent overlay.

    Drawing text and 500 points costs more than everything else in a frame.
    """
    counts = tuple([len(config.features)] + [grid.shape[-1] for grid in grids])
    key = (id(trainer.data), config.features, config.problem, counts, show_test, title, loss_name, trainer.num_classes)
    with _STATIC_LOCK:
        if key in _STATIC:
            return _STATIC[key][1:]
    background = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(background)
    font, grey, dark = _font(11), (90, 90, 90), (40, 40, 40)
    names = _node_names(config, grids)
    centers = node_centers(list(counts))
    for col, column in enumerate(centers):
        caption = "inputs" if col == 0 else "output" if col == len(centers) - 1 else f"layer {col}"
        draw.text((column[0][0], TOP - 20), caption, fill=grey, font=font, anchor="mm")
    for row, (x, y) in enumerate(centers[0]):  # name the inputs: x₁, x₂, x₁², ...
        draw.text((x - NODE / 2 - 6, y), names[0][row], fill=dark, font=_font(13), anchor="rm")

    left, top, size = SURFACE_LEFT, SURFACE_TOP, SURFACE_SIZE
    extent = float(trainer.grid_axis[-1])
    draw.text((left + size / 2, top - 14), title, fill=dark, font=_font(12), anchor="mm")
    draw.rectangle((left - 1, top - 1, left + size, top + size), outline=(120, 120, 120))
    # Axes: ticks at whole numbers, x₁ along the bottom, x₂ up the left.
    step = max(1, int(round(extent / 3)))
    for tick in range(-int(extent) // step * step, int(extent) + 1, step):
        offset = (tick + extent) / (2 * extent) * size
        draw.line((left + offset, top + size, left + offset, top + size + 4), fill=(120, 120, 120))
        draw.text((left + offset, top + size + 6), f"{tick}", fill=grey, font=font, anchor="mt")
        draw.line((left - 5, top + size - offset, left - 1, top + size - offset), fill=(120, 120, 120))
        draw.text((left - 7, top + size - offset), f"{tick}", fill=grey, font=font, anchor="rm")
    draw.text((left + size / 2, top + size + 22), "x₁", fill=dark, font=_font(13), anchor="mm")
    draw.text((left - 30, top + size / 2), "x₂", fill=dark, font=_font(13), anchor="mm")
    # Colour bar (or, for several classes, one swatch per class).
    bar_left = left + size + 12
    if config.problem == "classification" and trainer.num_classes > 2:
        for k in range(trainer.num_classes):
            y = top + 8 + k * 18
            draw.rectangle((bar_left, y, bar_left + 10, y + 10), fill=_rgb(CLASS_COLORS[k % len(CLASS_COLORS)]))
            draw.text((bar_left + 14, y + 5), f"class {k}", fill=(60, 60, 60), font=font, anchor="lm")
    else:
        low, high = output_range(config.problem)
        ramp = colorize(np.linspace(high, low, size).reshape(-1, 1), low, high)
        background.paste(Image.fromarray(np.repeat(ramp, 10, axis=1)), (bar_left, top))
        for y, value, anchor in ((top, high, "lt"), (top + size / 2, (low + high) / 2, "lm"), (top + size, low, "lb")):
            draw.text((bar_left + 14, y), f"{value:g}", fill=(60, 60, 60), font=font, anchor=anchor)

    # The loss chart's legend sits above its plot area, where it covers nothing.
    left, right = SURFACE_LEFT, SURFACE_LEFT + SURFACE_SIZE
    plot_top, bottom = LOSS_TOP + 18, LOSS_TOP + LOSS_HEIGHT - 18
    draw.text((left, LOSS_TOP + 2), f"loss ({loss_name}):", fill=(60, 60, 60), font=font)
    draw.line((left + 150, LOSS_TOP + 9, left + 166, LOSS_TOP + 9), fill=(85, 85, 85), width=2)
    draw.text((left + 170, LOSS_TOP + 2), "training", fill=(85, 85, 85), font=font)
    draw.line((left + 225, LOSS_TOP + 9, left + 241, LOSS_TOP + 9), fill=(8, 119, 189), width=2)
    draw.text((left + 245, LOSS_TOP + 2), "test", fill=(8, 119, 189), font=font)
    draw.rectangle((left, plot_top, right, bottom), outline=(200, 200, 200))
    draw.text((left - 4, bottom), "0", fill=grey, font=font, anchor="rb")
    draw.text((left, bottom + 3), "0", fill=grey, font=font)
    draw.text(((left + right) / 2, bottom + 3), "epoch", fill=grey, font=font, anchor="mt")

    points = Image.new("RGBA", (SURFACE_SIZE, SURFACE_SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(points)
    data = trainer.data
    sets = [(data.x_train, data.y_train, (255, 255, 255, 255))]
    if show_test:
        sets.append((data.x_test, data.y_test, (0, 0, 0, 255)))
    for xy, labels, edge in sets:
        colors = point_colors(labels, config.problem, trainer.num_classes)
        for x, y, color in zip(*_pixel(xy, extent), colors.tolist()):
            pen.ellipse((x - 3, y - 3, x + 3, y + 3), fill=(*color, 255), outline=edge)
    with _STATIC_LOCK:
        while len(_STATIC) >= 8:
            _STATIC.pop(next(iter(_STATIC)))
        _STATIC[key] = (trainer.data, background, points)  # the data kept, so its id stays its own
    return background, points


def _draw_loss(draw, history: dict[str, list[float]]) -> None:
    left, right = SURFACE_LEFT, SURFACE_LEFT + SURFACE_SIZE
    top, bottom = LOSS_TOP + 18, LOSS_TOP + LOSS_HEIGHT - 18
    font = _font(11)
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
    draw.text((left - 4, top), f"{peak:.3g}", fill=(90, 90, 90), font=font, anchor="rt")
    draw.text((right, bottom + 3), f"{int(span):,}", fill=(90, 90, 90), font=font, anchor="rt")


def draw_view(
    config: PlaygroundConfig,
    trainer,
    grids: list[np.ndarray],
    *,
    show_test: bool = True,
    discretize: bool = False,
    focus: tuple[int, int] | None = None,
) -> View:
    """Draws the whole view: network (left), surface (top right), loss (bottom right).

    Args:
        config: the experiment.
        trainer: a `core.playground.model.Trainer` (its data, weights, history, grid).
        grids: `trainer.grids()`.
        show_test: draw the test points on the surface. Defaults to `True`.
        discretize: draw the output as classes (or signs) rather than shades.
            Defaults to `False`.
        focus: `(column, row)` of a node to show large in place of the output
            (column 0 is the inputs). Defaults to `None`: the output.

    Returns:
        A `View`: the picture, `WIDTH` × `HEIGHT`, and its hover targets.
    """
    feature_grid = feature_grids(trainer)
    columns = [feature_grid] + list(grids)
    if focus is not None and focus[0] < len(columns) - 1 and focus[1] < columns[focus[0]].shape[-1]:
        col, row = focus
        values_rgb = _tile(columns[col][..., row], col, len(columns) - 1, config.problem, row, 1)
        title = f"{_node_names(config, grids)[col][row]} (click it again for the output)"
        shown = columns[col][..., row]
    else:
        values_rgb = output_rgb(grids[-1], config.problem, discretize=discretize)
        title = "output" + (", discretized" if discretize else "")
        shown = grids[-1].max(axis=-1) if grids[-1].shape[-1] > 1 else grids[-1][..., 0]
    loss_name = "cross-entropy" if config.effective_loss == "cross_entropy" else "squared error"
    background, points = _static_layers(config, trainer, grids, show_test=show_test, title=title, loss_name=loss_name)
    image = background.copy()
    draw = ImageDraw.Draw(image)
    view = View(image)
    _draw_network(draw, image, config, grids, trainer.weights(), feature_grid, view)
    surface = values_rgb[::-1].astype("float32") * SURFACE_OPACITY + 255 * (1 - SURFACE_OPACITY)
    tile = Image.fromarray(surface.astype("uint8")).resize((SURFACE_SIZE, SURFACE_SIZE), Image.BILINEAR)
    tile.paste(points, (0, 0), points)
    image.paste(tile, (SURFACE_LEFT, SURFACE_TOP))
    _draw_loss(draw, trainer.history)
    view.surface = (trainer.grid_axis, shown)
    return view


def hover_layout(config: PlaygroundConfig, trainer, *, show_test: bool = True) -> dict:
    """Where the picture's neurons and its surface are, for the page's script that
    shows a hovered neuron's heatmap large over the surface (`ui.playground.hover`).

    Args:
        config: the experiment.
        trainer: a `core.playground.model.Trainer` or a `Snapshot` (its data, grid
            and layer sizes).
        show_test: whether the surface shows the test points. Defaults to `True`.

    Returns:
        Plain JSON: the picture's `width` and `height`; `label`, the hover labels'
        colours and font size (`LABEL_STYLE`); `tiles`, one per input and
        hidden neuron (the output is the surface itself): its heatmap's square in the
        picture, inside the grey outline, and its name; `surface`, the surface's
        square and its title's middle; `opacity`, how strongly the surface shows its
        colours; `points`, what is drawn over the surface, as
        `[x, y, fill, edge]` in the surface's pixels; `links`, every link's hover
        target (`x`, `y`, its `name`) in the order of `hover_values`'s weights; and
        `neurons`, every hidden and output neuron's centre and size and its `name`,
        in the order of its biases.
    """
    kernels = [kernel for kernel, _ in trainer.weights()]  # (inputs, units): only units is read
    counts = [len(config.features)] + [kernel.shape[-1] for kernel in kernels]
    names = _node_names(config, kernels)
    # The heatmap is pasted at whole pixels and its outline drawn over its edge.
    centers = node_centers(counts)
    tiles = [
        dict(x=int(x - NODE / 2) + 2, y=int(y - NODE / 2) + 2, size=NODE - 4, name=names[col][row])
        for col, column in enumerate(centers[:-1])
        for row, (x, y) in enumerate(column)
    ]
    links = [
        dict(x=round(px, 2), y=round(py, 2), name=f"{names[col][i]} → {names[col + 1][j]}")
        for col, i, j, _, _, (px, py) in link_targets(counts)
    ]
    neurons = [
        dict(x=x, y=y, size=NODE, name=names[col][row])
        for col, column in enumerate(centers)
        if col > 0
        for row, (x, y) in enumerate(column)
    ]
    extent = float(trainer.grid_axis[-1])
    data = trainer.data
    sets = [(data.x_train, data.y_train, "#ffffff")] + ([(data.x_test, data.y_test, "#000000")] if show_test else [])
    points = []
    for xy, labels, edge in sets:
        colors = point_colors(labels, config.problem, trainer.num_classes)
        for x, y, color in zip(*_pixel(xy, extent), colors.tolist()):
            points.append([round(float(x), 2), round(float(y), 2), "#" + bytes(color).hex(), edge])
    return dict(
        width=WIDTH,
        height=HEIGHT,
        label=LABEL_STYLE,
        tiles=tiles,
        surface=dict(x=SURFACE_LEFT, y=SURFACE_TOP, size=SURFACE_SIZE, title_y=SURFACE_TOP - 14),
        opacity=SURFACE_OPACITY,
        points=points,
        links=links,
        neurons=neurons,
    )


def hover_values(trainer) -> dict:
    """The weights and biases the hover labels show, as their text: `weights` in the
    order of `hover_layout`'s `links` (kernel by kernel, row-major), `biases` in the
    order of its `neurons`, and the `epoch` they belong to.

    Args:
        trainer: a `core.playground.model.Trainer` or a `Snapshot`.
    """
    weights = trainer.weights()
    return dict(
        epoch=trainer.epoch,
        weights=[value_text(w) for kernel, _ in weights for w in kernel.ravel()],
        biases=[value_text(b) for _, bias in weights for b in bias],
    )


def encode(image: Image.Image) -> bytes:
    """A picture as JPEG of quality 90 without chroma subsampling: a tenth of the time of
    the fastest PNG at this size (which alone would cap the page below 20 frames a
    second), and no visible loss on these smooth surfaces and thin lines."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, subsampling=0)
    return buffer.getvalue()


def _figure(spec: dict) -> go.Figure:
    """A figure from a plain spec, skipping plotly's per-property validation (~10 ms a
    figure); the tests build every figure with validation on, so a bad property still
    fails there."""
    return go.Figure(spec, _validate=False)


def view_figure(view: View) -> go.Figure:
    """The paused chart: the view's picture, pixel for pixel, with hover and click
    targets on every link (its weight), every neuron (its bias) and the surface."""
    source = "data:image/jpeg;base64," + base64.b64encode(encode(view.image)).decode()
    targets = [("links", view.links, 9), ("nodes", view.nodes, NODE * 0.9)]
    traces = []
    for name, items, size in targets:
        traces.append(
            dict(
                type="scatter",
                name=name,
                x=[t.x for t in items],
                y=[HEIGHT - t.y for t in items],  # the chart's y goes up, the picture's down
                text=[t.text for t in items],
                customdata=[list(t.key) for t in items],
                mode="markers",
                showlegend=False,
                hovertemplate="%{text}<extra></extra>",
                marker=dict(size=size, symbol="circle" if name == "links" else "square", color="rgba(0,0,0,0)"),
                unselected=dict(marker=dict(opacity=0)),
                selected=dict(marker=dict(opacity=0)),
            )
        )
    if view.surface is not None:
        axis, shown = view.surface
        count = len(axis)
        cells = (np.arange(count) + 0.5) * SURFACE_SIZE / count
        # Grid row j (x2 = axis[j]) lies at the bottom for j = 0.
        text = [
            [f"x₁={axis[i]:.2f}<br>x₂={axis[j]:.2f}<br>value={shown[j, i]:.3f}" for i in range(count)]
            for j in range(count)
        ]
        traces.append(
            dict(
                type="heatmap",
                name="surface",
                x=(SURFACE_LEFT + cells).tolist(),
                y=(HEIGHT - SURFACE_TOP - SURFACE_SIZE + cells).tolist(),
                z=np.zeros((count, count)).tolist(),
                text=text,
                hovertemplate="%{text}<extra></extra>",
                showscale=False,
                opacity=0,
                colorscale=[[0, "white"], [1, "white"]],
            )
        )
    layout = dict(
        width=WIDTH,
        height=HEIGHT,
        margin=dict(l=0, r=0, t=0, b=0),
        images=[
            dict(
                source=source,
                xref="x",
                yref="y",
                x=0,
                y=HEIGHT,
                sizex=WIDTH,
                sizey=HEIGHT,
                sizing="stretch",
                layer="below",
            )
        ],
        xaxis=dict(visible=False, range=[0, WIDTH], fixedrange=True),
        yaxis=dict(visible=False, range=[0, HEIGHT], fixedrange=True),
        plot_bgcolor="white",
        paper_bgcolor="white",
        dragmode=False,
        hovermode="closest",
        # The playing picture's labels (`ui.playground.hover`) look the same.
        hoverlabel=dict(
            bgcolor=LABEL_STYLE["background"],
            bordercolor=LABEL_STYLE["border"],
            font=dict(color=LABEL_STYLE["color"], size=LABEL_STYLE["size"]),
        ),
        clickmode="event+select",
    )
    return _figure(dict(data=traces, layout=layout))


@dataclass
class Snapshot:
    """What `draw_view` reads of a trainer, copied at one moment, so a frame can be
    drawn on another thread while the trainer goes on training."""

    data: object
    grid_axis: np.ndarray
    grid_features: np.ndarray
    num_classes: int
    epoch: int
    history: dict[str, list[float]]
    grids: list[np.ndarray]
    kernels_and_biases: list[tuple[np.ndarray, np.ndarray]]

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return self.kernels_and_biases


def snapshot(trainer) -> Snapshot:
    """A `Snapshot` of a trainer now (its grids evaluated, its weights copied)."""
    length = len(trainer.history["epoch"])
    return Snapshot(
        trainer.data,
        trainer.grid_axis,
        trainer.grid_features,
        trainer.num_classes,
        trainer.epoch,
        {name: values[:length] for name, values in trainer.history.items()},
        trainer.grids(),
        trainer.weights(),
    )


def feature_grids(trainer) -> np.ndarray:
    """The input features over the heatmap grid: `(resolution, resolution, num_features)`."""
    resolution = len(trainer.grid_axis)
    return trainer.grid_features.reshape(resolution, resolution, -1)
