"""The Playground's form in a real browser: what the user set survives every other
page, a reload and a fresh browser opening the link; a lesson link shows only what it
names, and the page still plays."""

import re
import time

from core.forms.playground import PlaygroundForm
from tests.e2e.conftest import choose_option, exceptions, form_in_url, screenshot, wait_until_idle
from tests.e2e.test_state_training_pages import open_page, visit_every_other_page

TITLE = "Playground"
MAIN = "[data-testid='stMain']"


def control(page, key: str):
    """The element of the control with widget key `key` (its `st-key-` class)."""
    return page.locator(f".st-key-{key.replace('.', '-')}")


def pick(page, key: str, option: str) -> None:
    """Picks `option` in the select box `key`."""
    box = control(page, key).get_by_role("combobox")
    choose_option(page, box, page.get_by_role("option", name=option, exact=True))


def slide(page, key: str, steps: int) -> None:
    """Moves the slider `key` by `steps` of its steps (or options), with the keyboard."""
    thumb = control(page, key).get_by_role("slider")
    thumb.focus()
    for _ in range(abs(steps)):
        thumb.press("ArrowRight" if steps > 0 else "ArrowLeft")
    time.sleep(0.5)
    wait_until_idle(page)


def click(page, key: str) -> None:
    control(page, key).locator("button, label").first.click()
    wait_until_idle(page)


def epoch(page) -> int:
    return int(re.search(r"Epoch ([\d,]+)", page.locator(MAIN).inner_text()).group(1).replace(",", ""))


def set_every_kind(page) -> PlaygroundForm:
    """Sets fields of every kind (choice, number, float from a menu, flag, tuples of
    words, whole numbers and numbers) through the controls; returns the form expected."""
    control(page, "playground.dataset").get_by_text("Spiral", exact=True).click()  # in the sidebar
    wait_until_idle(page)
    slide(page, "playground.noise", 2)
    click(page, "playground.feature.x1_squared")
    pick(page, "playground.activation", "relu")
    slide(page, "playground.learning_rate", 1)  # 0.03 -> 0.1
    pick(page, "playground.optimizer", "Adam")
    field = control(page, "playground.batch_size").locator("input")
    field.fill("25")
    field.press("Enter")
    wait_until_idle(page)
    pick(page, "playground.epochs_per_update", "10 epochs per update")
    click(page, "playground.show_test_data")
    click(page, "playground.discretize")
    click(page, "playground.add_layer")  # (4, 2, 2)
    click(page, "playground.units_plus_0")  # (5, 2, 2)
    pick(page, "playground.dropout_1", "dropout 20%")
    return PlaygroundForm(
        dataset="spiral",
        noise=10,
        features=("x1", "x2", "x1_squared"),
        activation="relu",
        learning_rate=0.1,
        optimizer="adam",
        batch_size=25,
        epochs_per_update=10,
        show_test_data=False,
        discretize=True,
        hidden_layers=(5, 2, 2),
        dropout=(0.0, 0.2, 0.0),
    )


def shows(page, expected: PlaygroundForm) -> None:
    """A few controls show the form's values."""
    assert control(page, "playground.batch_size").locator("input").input_value() == str(expected.batch_size)
    assert page.get_by_role("radio", name="Spiral").is_checked()
    assert control(page, "playground.activation").locator("input").input_value() == expected.activation
    assert f"{len(expected.hidden_layers)} hidden layers" in page.locator(MAIN).inner_text()


def test_what_the_user_set_survives_every_page_a_reload_and_a_fresh_browser(server, page, browser):
    open_page(page, f"{server}/playground", TITLE)
    assert form_in_url(page, PlaygroundForm) == PlaygroundForm()
    expected = set_every_kind(page)
    click(page, "playground.regenerate")  # a new seed: the one field no control shows
    seed = form_in_url(page, PlaygroundForm).seed
    assert seed != 0
    expected = expected.replace(seed=seed)
    assert form_in_url(page, PlaygroundForm) == expected
    screenshot(page, "state-playground-set")
    visit_every_other_page(page, TITLE)
    assert form_in_url(page, PlaygroundForm) == expected
    shows(page, expected)
    page.reload()
    page.get_by_role("heading", name=TITLE).wait_for(timeout=60_000)
    wait_until_idle(page)
    assert form_in_url(page, PlaygroundForm) == expected
    shows(page, expected)
    link = page.url
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    try:
        fresh = context.new_page()
        open_page(fresh, link, TITLE)
        assert form_in_url(fresh, PlaygroundForm) == expected
        shows(fresh, expected)
        assert exceptions(fresh) == []
        screenshot(fresh, "state-playground-fresh-context")
    finally:
        context.close()
    assert exceptions(page) == []


def test_a_lesson_link_shows_only_the_learning_rate_and_still_plays(server, page):
    open_page(page, f"{server}/playground?only=learning_rate&hide_text=true&hidden_layers=3", TITLE)
    assert control(page, "playground.learning_rate").get_by_role("slider").is_visible()
    assert page.get_by_role("combobox").count() == 0  # no select box anywhere, the editor's neither
    assert page.get_by_role("checkbox").count() == 0 and page.get_by_role("radio").count() == 0
    assert page.get_by_role("spinbutton").count() == 0
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    assert page.get_by_text("Show the code").count() == 0
    assert page.get_by_text("Train a small Keras network").count() == 0  # the text too
    assert page.locator("[data-testid='stAlert']").count() == 0  # no warning
    slide(page, "playground.learning_rate", 1)
    assert "learning_rate=0.1" in page.url and "activation_hide=true" in page.url
    page.get_by_role("button", name="Play").click()
    page.locator(f"{MAIN} [data-testid='stImage'] img").first.wait_for(timeout=30_000)
    time.sleep(2)
    screenshot(page, "state-playground-lesson-playing")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    wait_until_idle(page)
    assert epoch(page) >= 10
    screenshot(page, "state-playground-lesson-paused")
    assert exceptions(page) == []
