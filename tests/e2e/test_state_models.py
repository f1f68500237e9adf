"""Predictions and Experiments in a real browser: the selected run is kept by its key
while new runs land, and each page's form survives a tour of every other page, a
reload and a fresh browser opening its URL."""

import re
import time

from core.forms.experiments import ExperimentsForm
from core.forms.predictions import PredictionsForm
from tests.e2e.conftest import exceptions, form_in_url, screenshot, wait_until_idle
from ui.nav import HOME, built_pages


def digits_runs(server, seeds: list[int]) -> list[str]:
    """Tiny digits runs (8 relu units, one epoch: a second each) trained straight into
    the server's store, oldest first, as other visitors would."""
    from core import runs
    from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
    from core.data import load_dataset
    from core.store import RunStore

    store, data, keys = RunStore(server.store), load_dataset("digits"), []
    for seed in seeds:
        config = RunConfig(DataConfig("digits"), MLPConfig(((8, "relu"),)), TrainingConfig(epochs=1, seed=seed))
        runs.load_or_train(config, data, store=store)
        keys.append(store.key_for(config.to_json()))
    return keys


def tiny_search(server) -> str:
    """A one-trial KerasTuner search on digits, stored in the server's store; its key."""
    from core import runs
    from core.data import load_dataset
    from core.experiments.tuning import SearchConfig, SearchSpace
    from core.store import RunStore

    space = SearchSpace(num_layers=(1, 1), units=(8, 8), activations=("relu",), optimizers=("adam",), batch_sizes=(32,))
    search = SearchConfig(dataset="digits", max_trials=1, epochs=1, num_train=300, space=space)
    store = RunStore(server.store)
    runs.load_or_train(search, load_dataset("digits"), store=store)
    return store.key_for(search.to_json())


def url_path(entry) -> str:
    return "" if entry is HOME else entry.path.removeprefix("pages/").removesuffix(".py")


def open_page(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    wait_until_idle(page)


def shown_run(page) -> str:
    return re.search(r"· run ([0-9a-f]+), from the store", page.content()).group(1)


def click_row(page, row: int, table: int = 0) -> None:
    """Ticks a row of a table (a canvas: its row markers are at the left edge)."""
    grid = page.locator("[data-testid='stDataFrame']").nth(table)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 * (row + 1) + 17)
    wait_until_idle(page)


def fill(page, label: str, value) -> None:
    field = page.get_by_role("spinbutton", name=label, exact=True)
    field.fill(str(value))
    field.press("Tab")
    wait_until_idle(page)


def script_done(page, timeout: float = 60.0) -> None:
    """Waits until the page's script has run (quicker than waiting for the page to settle)."""
    deadline = time.time() + timeout
    while page.get_attribute("[data-testid='stApp']", "data-test-script-state") != "notRunning":
        assert time.time() < deadline, "the script kept running"
        time.sleep(0.2)


def tour(page, server, here) -> None:
    """Visits every other page through the sidebar (each runs its script, which is all
    a visit does to the others' state), then comes back."""
    nav = page.locator("[data-testid='stSidebarNav']")
    for entry in [entry for entry in (HOME, *built_pages()) if entry != here] + [here]:
        nav.get_by_text(entry.title, exact=True).click()
        page.wait_for_url(re.compile(rf"{re.escape(server)}/{url_path(entry)}(\?.*)?$"), timeout=60_000)
        page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
        script_done(page)
        assert exceptions(page) == [], entry.path
    wait_until_idle(page)


def same_form_everywhere(page, browser, server, here, cls, expected, on_screen) -> None:
    """The form is `expected` after a tour of the other pages, a reload, and in a fresh
    browser opening the URL; `on_screen(page)` checks what the fields show."""
    tour(page, server, here)
    assert form_in_url(page, cls) == expected
    on_screen(page)
    page.reload()
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    assert form_in_url(page, cls) == expected
    on_screen(page)
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    try:
        fresh = context.new_page()
        open_page(fresh, page.url)
        assert form_in_url(fresh, cls) == expected and exceptions(fresh) == []
        on_screen(fresh)
        screenshot(fresh, f"state-{url_path(here)}-fresh-browser")
    finally:
        context.close()


def test_predictions_keeps_the_selected_run_while_a_continued_run_and_a_search_result_land(server, page):
    older, newer = digits_runs(server, [101, 102])
    open_page(page, f"{server}/predictions")
    assert shown_run(page) == newer  # nothing selected: the newest
    click_row(page, 1)
    assert shown_run(page) == older and form_in_url(page, PredictionsForm).selected == older

    page.get_by_role("tab", name="Details & delete").click()
    wait_until_idle(page)
    fill(page, "More epochs", 1)
    page.get_by_role("button", name="Continue training").click()
    page.get_by_text(re.compile(r"Trained to epoch 2: the new run is in the table above")).wait_for(timeout=180_000)
    wait_until_idle(page)
    assert shown_run(page) == older and form_in_url(page, PredictionsForm).selected == older
    screenshot(page, "state-predictions-after-continuing")

    tiny_search(server)  # the best model lands at the top while the page is open
    page.get_by_role("tab", name="Predict").click()  # the next rerun reads the store again
    wait_until_idle(page)
    assert "Hyperparameter search" in page.content()
    assert shown_run(page) == older and form_in_url(page, PredictionsForm).selected == older
    assert exceptions(page) == []
    screenshot(page, "state-predictions-after-a-search")


def test_predictions_form_survives_page_switches_a_reload_and_a_fresh_browser(server, page, browser):
    (older, _) = digits_runs(server, [103, 104])
    open_page(page, f"{server}/predictions")
    click_row(page, 1)  # the newest two runs are the rows on top
    selected = shown_run(page)
    assert selected == older
    page.get_by_text("By true class", exact=True).click()
    wait_until_idle(page)
    page.get_by_role("combobox", name=re.compile("True class")).click()
    page.get_by_role("option", name="3", exact=True).click()
    wait_until_idle(page)
    page.get_by_role("slider", name="Pen width").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_until_idle(page)
    page.get_by_role("tab", name="Details & delete").click()
    wait_until_idle(page)
    fill(page, "More epochs", 7)
    expected = PredictionsForm(
        selected=selected, tab="details", images="by_class", image_class=3, pen=23, continue_epochs=7
    )
    assert form_in_url(page, PredictionsForm) == expected

    def on_screen(shown):
        assert shown_run(shown) == selected
        assert shown.get_by_role("tab", name="Details & delete").get_attribute("aria-selected") == "true"
        assert shown.get_by_role("spinbutton", name="More epochs").input_value() == "7"

    here = next(entry for entry in built_pages() if entry.path == "pages/predictions.py")
    same_form_everywhere(page, page.context.browser, server, here, PredictionsForm, expected, on_screen)


def test_experiments_form_survives_page_switches_a_reload_and_a_fresh_browser(server, page, browser):
    digits_runs(server, [105, 106])
    open_page(page, f"{server}/experiments")
    click_row(page, 0)
    click_row(page, 1)
    search = page.get_by_role("textbox", name="Search")
    search.fill("relu")
    search.press("Enter")
    wait_until_idle(page)
    page.get_by_text("Training curves too (dotted)").click()
    wait_until_idle(page)
    page.get_by_text("The selected runs", exact=True).click()
    wait_until_idle(page)
    page.get_by_role("tab", name="Tune hyperparameters").click()
    wait_until_idle(page)
    page.get_by_role("combobox", name=re.compile("Tuner")).first.click()
    page.get_by_role("option", name=re.compile("Hyperband")).click()
    wait_until_idle(page)
    fill(page, "Max trials", 4)
    page.get_by_text("log", exact=True).click()
    wait_until_idle(page)
    selected = form_in_url(page, ExperimentsForm).selected
    assert len(selected) == 2
    expected = ExperimentsForm(
        tab="tune",
        search="relu",
        selected=selected,
        training_curves=True,
        chart_scope="selected",
        tuner="hyperband",
        max_trials=4,
        units_sampling="log",
    )
    assert form_in_url(page, ExperimentsForm) == expected
    assert exceptions(page) == []

    def on_screen(shown):
        assert shown.get_by_role("tab", name="Tune hyperparameters").get_attribute("aria-selected") == "true"
        assert shown.get_by_role("spinbutton", name="Max trials").input_value() == "4"
        assert shown.get_by_role("spinbutton", name="Max epochs (Hyperband)").is_visible()
        assert shown.locator("input[aria-label='Search']").input_value() == "relu"  # in the closed tab
        assert "What differs" in shown.content()  # two runs compared

    here = next(entry for entry in built_pages() if entry.path == "pages/experiments.py")
    same_form_everywhere(page, browser, server, here, ExperimentsForm, expected, on_screen)
