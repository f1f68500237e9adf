"""The Playground in a real browser: one view in Play and Pause, no layout shift while
training, and every link's weight readable by hovering its own target."""

import re
import time
import urllib.parse

from core.playground.config import PlaygroundConfig
from tests.e2e.conftest import exceptions, screenshot, wait_until_idle

PICTURE = "[data-testid='stMain'] [data-testid='stImage'] img"
CHART = "[data-testid='stMain'] [data-testid='stPlotlyChart']"


def open_playground(page, server, config: PlaygroundConfig) -> None:
    query = urllib.parse.urlencode(config.to_query_params())
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
        below.append(_box(page, ".st-key-playground-set_weight"))
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


def test_every_link_weight_shows_on_hover(server, page):
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
    screenshot(page, "playground-hover")
    assert len(read) == len(view.links) == 2 * 4 + 4 * 2 + 2 * 1
    assert exceptions(page) == []
