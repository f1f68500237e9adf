"""The Playground in a real browser: one view in Play and Pause, no layout shift while
training, every link's weight and neuron's bias readable by hovering, paused and
playing, a hovered neuron's heatmap shown large over the surface, and the editor: a
click picks what it edits, its box shows the live value, an edit shows at once."""

import io
import re
import time
import urllib.parse

import numpy as np
from PIL import Image

from core import forms
from core.forms.playground import from_config
from core.playground.config import PlaygroundConfig
from tests.e2e.conftest import exceptions, screenshot, wait_until_idle

PICTURE = "[data-testid='stMain'] [data-testid='stImage'] img"
CHART = "[data-testid='stMain'] [data-testid='stPlotlyChart']"


def open_playground(page, server, config: PlaygroundConfig) -> None:
    query = urllib.parse.urlencode(forms.to_params(from_config(config)))
    page.goto(f"{server}/playground?{query}")
    page.get_by_role("button", name="Play").wait_for(timeout=120_000)
    wait_until_idle(page)


def _box(page, selector: str) -> dict:
    locator = page.locator(selector).first
    locator.wait_for(timeout=30_000)
    return locator.bounding_box()


def test_play_and_pause_show_one_view_without_layout_shift(server, page):
    open_playground(page, server, PlaygroundConfig(dataset="circle", hidden_layers=(4, 4)))
    paused_before = _box(page, CHART)
    page.get_by_role("button", name="Play").click()
    page.locator(PICTURE).first.wait_for(timeout=30_000)
    time.sleep(2)
    boxes, below = [], []
    for _ in range(8):  # the picture and the controls below it stay where they are
        boxes.append(_box(page, PICTURE))
        below.append(_box(page, ".st-key-playground-edit_set"))
        time.sleep(0.25)
    screenshot(page, "playground-playing")
    assert max(b["height"] for b in boxes) - min(b["height"] for b in boxes) < 1
    assert max(b["y"] for b in below) - min(b["y"] for b in below) < 1
    text = page.locator("[data-testid='stMain']").inner_text()
    assert int(re.search(r"Epoch ([\d,]+)", text).group(1).replace(",", "")) >= 20
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    wait_until_idle(page)
    screenshot(page, "playground-paused")
    paused = _box(page, CHART)
    playing = boxes[-1]
    # The same size in both states, and the paused chart where the picture was.
    assert abs(paused["width"] - playing["width"]) < 2 and abs(paused["height"] - playing["height"]) < 2
    assert abs(paused["height"] - paused_before["height"]) < 2
    assert exceptions(page) == []


def test_every_link_weight_and_bias_shows_on_hover(server, page):
    from core.playground.data import make_dataset, split_dataset
    from core.playground.model import Trainer
    from ui.playground import figures

    config = PlaygroundConfig(dataset="circle", hidden_layers=(4, 2))
    open_playground(page, server, config)
    # The page draws the same view; its link targets sit at the same pixels.
    trainer = Trainer(config, split_dataset(*make_dataset("circle"), 0.5, 0), resolution=10)
    view = figures.draw_view(config, trainer, trainer.grids())
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    read = set()
    for target in view.links:
        page.mouse.move(box["x"] + target.x, box["y"] + target.y)
        time.sleep(0.15)
        label = page.locator(".hoverlayer .hovertext")
        if label.count():
            text = label.first.text_content()
            if "weight" in text:
                read.add(text.split("weight")[0].strip())
    biases = set()
    for target in view.nodes[2:]:  # the inputs have none
        page.mouse.move(box["x"] + target.x, box["y"] + target.y)
        time.sleep(0.15)
        label = page.locator(".hoverlayer .hovertext")
        if label.count() and "bias" in label.first.text_content():
            biases.add(label.first.text_content().split("bias")[0].strip())
    screenshot(page, "playground-hover")
    assert len(read) == len(view.links) == 2 * 4 + 4 * 2 + 2 * 1
    assert len(biases) == 4 + 2 + 1
    assert exceptions(page) == []


PREVIEW = "[data-testid='playgroundHoverPreview']"


def _surface(page, box: dict) -> np.ndarray:
    """The surface (and its title) as the page shows it: (height, width, 3) ints."""
    from ui.playground import figures

    top = figures.SURFACE_TOP - 24
    clip = dict(
        x=box["x"] + figures.SURFACE_LEFT,
        y=box["y"] + top,
        width=figures.SURFACE_SIZE,
        height=figures.SURFACE_SIZE + figures.SURFACE_TOP - top,
    )
    return np.asarray(Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB"), dtype="int16")


def _preview_matches_tile(page, box: dict, center: tuple[float, float]) -> bool:
    """Whether the surface now shows the tile at `center`: scaled up and paled like the
    surface (the points on top aside), within the picture's JPEG noise."""
    from ui.playground import figures

    shot = page.screenshot(clip=dict(x=box["x"], y=box["y"], width=figures.WIDTH, height=figures.HEIGHT))
    view = Image.open(io.BytesIO(shot)).convert("RGB")
    size = figures.NODE - 4  # the tile inside its outline, as `figures.hover_layout` has it
    left, top = int(center[0] - figures.NODE / 2) + 2, int(center[1] - figures.NODE / 2) + 2
    tile = np.asarray(view.crop((left, top, left + size, top + size)), dtype="float32")
    edge = figures.SURFACE_LEFT, figures.SURFACE_TOP
    surface = view.crop((*edge, edge[0] + figures.SURFACE_SIZE, edge[1] + figures.SURFACE_SIZE))
    shown = np.asarray(surface.resize((size, size), Image.BOX), dtype="float32")
    paled = tile * figures.SURFACE_OPACITY + 255 * (1 - figures.SURFACE_OPACITY)
    return float(np.median(np.abs(shown - paled))) < 12


def test_hovering_a_neuron_shows_its_heatmap_large_paused_and_playing(server, page):
    from ui.playground import figures

    config = PlaygroundConfig(dataset="circle", hidden_layers=(4, 2))
    open_playground(page, server, config)
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    centers = figures.node_centers([2, 4, 2, 1])
    away = (box["x"] + 5, box["y"] + figures.HEIGHT - 5)  # a blank corner of the view
    page.mouse.move(*away)
    time.sleep(0.3)
    before = _surface(page, box)
    x, y = centers[1][0]  # layer 1, neuron 1
    assert not _preview_matches_tile(page, box, (x, y))  # the untrained output is another picture
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.locator(PREVIEW).wait_for(state="visible", timeout=5_000)
    time.sleep(0.3)
    hovered = _surface(page, box)
    assert _preview_matches_tile(page, box, (x, y))
    screenshot(page, "playground-hover-neuron-paused")
    assert np.abs(hovered - before).mean() > 10  # the surface shows the neuron instead
    page.mouse.move(*away)
    page.locator(PREVIEW).wait_for(state="hidden", timeout=5_000)
    time.sleep(0.3)
    assert np.abs(_surface(page, box) - before).max() == 0  # and the output again, exactly

    # A click still goes to the chart: it keeps the neuron shown large.
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.click(box["x"] + x, box["y"] + y)
    time.sleep(1)
    wait_until_idle(page)
    page.mouse.move(*away)
    page.locator(PREVIEW).wait_for(state="hidden", timeout=5_000)
    time.sleep(0.5)
    assert np.abs(_surface(page, box) - before).mean() > 10
    page.mouse.click(box["x"] + x, box["y"] + y)  # a second click: the output again
    time.sleep(1)
    wait_until_idle(page)

    # Playing, the preview follows the picture, frame after frame.
    page.get_by_role("button", name="Play").click()
    page.locator(PICTURE).first.wait_for(timeout=30_000)
    time.sleep(2)
    box = page.locator(PICTURE).first.bounding_box()
    x, y = centers[2][1]  # layer 2, neuron 2
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.locator(PREVIEW).wait_for(state="visible", timeout=5_000)
    time.sleep(1)
    screenshot(page, "playground-hover-neuron-playing")
    frames = [_surface(page, box) for _ in range(3)]
    assert page.locator(PREVIEW).is_visible()
    assert _preview_matches_tile(page, box, centers[2][1])
    page.mouse.move(box["x"] + 5, box["y"] + figures.HEIGHT - 5)
    page.locator(PREVIEW).wait_for(state="hidden", timeout=5_000)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    assert all(frame.std() > 10 for frame in frames)  # a heatmap, not a blank canvas
    assert exceptions(page) == []


# ---- the editor: a click picks, the box is live, an edit shows at once; live hover labels

MENU = ".st-key-playground-edit_item"
VALUE = ".st-key-playground-edit_value input"
SET = ".st-key-playground-edit_set button"
LABEL = "[data-testid='playgroundHoverLabel']"
CHART_LABEL = ".hoverlayer .hovertext"


def _drawn(config: PlaygroundConfig):
    """The view the page draws for `config` before training: its targets sit at the
    page's pixels (the picture has a fixed geometry)."""
    from core.playground.data import make_dataset, split_dataset
    from core.playground.model import Trainer
    from ui.playground import figures

    points, labels = make_dataset(config.dataset, noise=config.noise / 100, seed=config.seed)
    trainer = Trainer(config, split_dataset(points, labels, config.train_ratio / 100, config.seed), resolution=10)
    return trainer, figures.draw_view(config, trainer, trainer.grids())


def _target(view, key: tuple):
    return next(t for t in view.links + view.nodes if t.key == key)


def _chart_box(page) -> dict:
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    return chart.bounding_box()


def _chart_label(page, box: dict, target) -> str:
    """The paused chart's hover label at `target`."""
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    time.sleep(0.2)
    page.mouse.move(box["x"] + target.x, box["y"] + target.y)
    label = page.locator(CHART_LABEL).first
    label.wait_for(timeout=5_000)
    return label.text_content()


def _labelled_value(text: str, noun: str) -> float:
    return float(re.search(rf"{noun} ([+-][\d.]+)", text).group(1))


def _menu(page) -> str:
    """What the editor's menu shows (its combo box's text)."""
    return page.locator(f"{MENU} input").input_value()


def _value(page) -> float:
    return float(page.locator(VALUE).input_value())


def _settled_weight(page, link, timeout: float = 15.0) -> float:
    """The link's weight once the chart's label and the editor's box show the same
    value: the box and the picture come in separate messages, so one may be a step
    ahead for a moment; a box that never follows the model fails here."""
    deadline = time.time() + timeout
    while True:
        shown = _labelled_value(_chart_label(page, _chart_box(page), link), "weight")
        if _value(page) == shown or time.time() > deadline:
            assert _value(page) == shown, f"the box shows {_value(page)}, the chart {shown}"
            return shown
        time.sleep(0.5)


def _header(page) -> str:
    text = page.locator("[data-testid='stMain']").inner_text()
    return re.search(r"Epoch [\d,]+ · training loss [\d.]+ · test loss [\d.]+", text).group(0)


def _click(page, box: dict, target) -> None:
    page.mouse.click(box["x"] + target.x, box["y"] + target.y)
    time.sleep(0.5)
    wait_until_idle(page)


def test_a_click_on_the_paused_chart_opens_that_link_or_bias_in_the_editor(server, page):
    config = PlaygroundConfig(dataset="circle", hidden_layers=(4, 2))
    open_playground(page, server, config)
    _, view = _drawn(config)
    box = _chart_box(page)
    assert "x₁ → layer 1, neuron 1" in _menu(page)  # the first link, before any click
    link = _target(view, ("link", 1, 2, 1))
    weight = _labelled_value(_chart_label(page, box, link), "weight")
    _click(page, box, link)
    assert "layer 1, neuron 3 → layer 2, neuron 2" in _menu(page)
    assert _value(page) == weight  # the box shows three decimals, as the label does
    screenshot(page, "playground-click-link")
    # Another run of the whole page (here a toggle) keeps the pick: the browser holds it too.
    page.locator(".st-key-playground-show_test_data label").click()
    time.sleep(0.5)
    wait_until_idle(page)
    assert "layer 1, neuron 3 → layer 2, neuron 2" in _menu(page)

    box = _chart_box(page)
    neuron = _target(view, ("node", 1, 1))  # layer 1, neuron 2
    bias = _labelled_value(_chart_label(page, box, neuron), "bias")
    _click(page, box, neuron)
    assert "Bias of neuron 2 in layer 1" in _menu(page)
    assert page.locator(".st-key-playground-edit_value").inner_text().startswith("Bias")
    assert _value(page) == bias
    assert page.locator(SET).inner_text() == "Set bias"
    screenshot(page, "playground-click-neuron")
    assert exceptions(page) == []


def test_the_value_box_shows_the_trained_value_after_steps_and_play(server, page):
    config = PlaygroundConfig(dataset="circle", hidden_layers=(4, 2))
    open_playground(page, server, config)
    _, view = _drawn(config)
    link = _target(view, ("link", 0, 1, 2))  # x₂ → layer 1, neuron 3
    _click(page, _chart_box(page), link)
    untrained = _value(page)
    for _ in range(3):
        page.get_by_role("button", name="Step").click()
        time.sleep(0.3)
        wait_until_idle(page)
    trained = _settled_weight(page, link)
    assert trained != untrained
    page.get_by_role("button", name="Play").click()
    page.locator(PICTURE).first.wait_for(timeout=30_000)
    assert page.locator(VALUE).is_disabled() and page.locator(VALUE).input_value() == ""
    time.sleep(1.5)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    wait_until_idle(page)
    played = _settled_weight(page, link)
    assert played != trained
    # "Set" without typing leaves the model as it is: the label reads the same after it.
    page.locator(SET).click()
    time.sleep(0.5)
    wait_until_idle(page)
    assert _labelled_value(_chart_label(page, _chart_box(page), link), "weight") == played
    screenshot(page, "playground-live-value")
    assert exceptions(page) == []


def test_a_set_bias_shows_the_recomputed_loss_and_surface_at_once(server, page):
    config = PlaygroundConfig(dataset="circle", hidden_layers=(4, 2))
    open_playground(page, server, config)
    trainer, view = _drawn(config)
    trainer.set_bias(2, 0, 3.0)  # the output's: what the page should show after the same edit
    expected = f"training loss {trainer.history['loss'][-1]:.4f} · test loss {trainer.history['test_loss'][-1]:.4f}"
    box = _chart_box(page)
    before = _surface(page, box)
    assert expected not in _header(page)
    _click(page, box, _target(view, ("node", 3, 0)))
    assert "Bias of the output" in _menu(page)
    page.locator(VALUE).fill("3")
    page.locator(SET).click()
    time.sleep(0.5)
    wait_until_idle(page)
    assert _header(page) == f"Epoch 0 · {expected}"  # no training step
    box = _chart_box(page)
    assert np.abs(_surface(page, box) - before).mean() > 10  # the surface follows
    assert _value(page) == 3.0
    screenshot(page, "playground-set-bias")
    assert exceptions(page) == []


def test_hovering_the_playing_picture_shows_live_weights_and_biases(server, page):
    config = PlaygroundConfig(dataset="circle", hidden_layers=(4, 2), learning_rate=0.1)
    open_playground(page, server, config)
    _, view = _drawn(config)
    page.get_by_role("button", name="Play").click()
    page.locator(PICTURE).first.wait_for(timeout=30_000)
    time.sleep(1)
    box = page.locator(PICTURE).first.bounding_box()
    link = _target(view, ("link", 0, 0, 1))
    page.mouse.move(box["x"] + link.x, box["y"] + link.y)
    label = page.locator(LABEL)
    label.wait_for(state="visible", timeout=5_000)
    texts = []
    for _ in range(6):
        texts.append(label.inner_text())
        time.sleep(0.4)
    screenshot(page, "playground-hover-playing-link")
    assert all(text.startswith("x₁ → layer 1, neuron 2\nweight ") for text in texts)
    assert len({_labelled_value(text, "weight") for text in texts}) > 1  # it follows the training
    neuron = _target(view, ("node", 2, 1))  # layer 2, neuron 2
    page.mouse.move(box["x"] + neuron.x, box["y"] + neuron.y)
    page.wait_for_function(f"document.querySelector(\"{LABEL}\").innerText.includes('bias')", timeout=5_000)
    assert label.inner_text().startswith("layer 2, neuron 2\nbias ")
    screenshot(page, "playground-hover-playing-bias")
    page.mouse.move(box["x"] + 5, box["y"] + 5)  # a blank corner: no label
    label.wait_for(state="hidden", timeout=5_000)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    assert exceptions(page) == []
