"""The Foundations pages keep their form in a real browser: fields of every kind set
through the page, then a visit to every other page through the sidebar, a reload, and
the URL opened in a fresh browser: the same form each time, and on screen.

Each step waits for the URL to carry what it set (the page mirrors its form there on
every run) and for the script to stop, rather than for the whole page to stop changing:
that is what makes the next step safe, and it keeps the test short."""

import time
from urllib.parse import parse_qsl, urlparse

from playwright.sync_api import expect

from core.forms.activations import ActivationsForm
from core.forms.activations import check as check_activations
from core.forms.neuron import NeuronForm
from core.forms.neuron import check as check_neuron
from tests.e2e.conftest import exceptions, form_in_url, screenshot
from ui.nav import HOME, built_pages


def url_params(page) -> dict[str, str]:
    return dict(parse_qsl(urlparse(page.url).query))


def settle(page, *names: str, timeout: float = 60.0, **params: str) -> None:
    """Waits until the page's URL carries `params` (and the parameters `names`, whatever
    their values) and its script has stopped running."""
    deadline = time.time() + timeout
    quiet = 0
    while quiet < 2:
        state = page.get_attribute("[data-testid='stApp']", "data-test-script-state")
        current = url_params(page)
        done = (
            state == "notRunning"
            and all(name in current for name in names)
            and all(current.get(name) == value for name, value in params.items())
        )
        quiet = quiet + 1 if done else 0
        if time.time() > deadline:
            raise TimeoutError(f"the URL still lacks {params}: {current} (script {state})")
        time.sleep(0.2)


def open_page(page, url: str, title: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    settle(page, "tab")  # once the page has written its form


def choose(page, label: str, option: str, **params: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page, **params)


def slider(page, label: str):
    """The slider `label` (a range's thumbs: "<label> — start" and "<label> — end")."""
    return page.locator(f"input[type=range][aria-label={label!r}]")


def press(page, label: str, key: str, times: int = 1, **params: str) -> None:
    """Moves a slider by keyboard, as a visitor can."""
    thumb = slider(page, label)
    thumb.focus()
    for _ in range(times):
        thumb.press(key)
    settle(page, **params)


def type_number(page, label: str, value: str, **params: str) -> None:
    field = page.get_by_role("spinbutton", name=label, exact=True)
    field.fill(value)
    field.press("Enter")
    settle(page, **params)


def pick(page, option: str, **params: str) -> None:
    """Picks a radio button's option (by its label, as the input itself is covered)."""
    page.get_by_test_id("stRadioGroup").get_by_text(option, exact=True).click()
    settle(page, **params)


def open_tab(page, label: str, tab: str) -> None:
    page.get_by_role("tab", name=label, exact=True).click()
    settle(page, tab=tab)


def expect_slider(page, label: str, value: float) -> None:
    expect(slider(page, label)).to_have_value(f"{value:g}")


def visit_every_other_page(page, title: str, tab: str) -> None:
    """Goes to each other page through the sidebar, then back to `title`'s page (whose
    form opens on `tab`). Whether those pages draw without an error is
    tests/e2e/test_browser.py's to check."""
    nav = page.locator("[data-testid='stSidebarNav']")
    for entry in (HOME, *built_pages()):
        if entry.title == title:
            continue
        stem = "" if entry is HOME else entry.path.removeprefix("pages/").removesuffix(".py")
        nav.get_by_text(entry.title, exact=True).click()
        page.wait_for_url(lambda url, stem=stem: urlparse(url).path.strip("/") == stem, timeout=60_000)
        page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
        settle(page)
    nav.get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    settle(page, tab=tab)


def kept_everywhere(browser, page, path: str, title: str, cls, check, expected, on_screen) -> None:
    """The form is `expected` now, after every other page and back, after a reload, and
    in a fresh browser that opens the URL; `on_screen(page)` checks a few widgets."""
    assert form_in_url(page, cls, check) == expected
    visit_every_other_page(page, title, expected.tab)
    assert form_in_url(page, cls, check) == expected
    on_screen(page)
    page.reload()
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    settle(page, tab=expected.tab)
    assert form_in_url(page, cls, check) == expected
    on_screen(page)
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    try:
        fresh = context.new_page()
        open_page(fresh, page.url, title)
        assert urlparse(fresh.url).path == f"/{path}"
        assert form_in_url(fresh, cls, check) == expected
        on_screen(fresh)
        assert exceptions(fresh) == []
        screenshot(fresh, f"state-{path}-fresh-browser")
    finally:
        context.close()


def test_the_neuron_page_keeps_its_form(server, browser, page):
    title = "Neuron & logic gates"
    open_page(page, f"{server}/neuron", title)
    choose(page, "Gate", "OR", gate="OR")  # a choice
    press(page, "Number of inputs", "ArrowRight", num_inputs="3")  # an integer
    press(page, "Threshold θ", "ArrowRight", threshold="3")  # OR of 3 inputs wires θ = 2
    open_tab(page, "XOR", "xor")  # the open tab
    type_number(page, "B → h1", "-1", xor_hidden_weights="1.0,1.0,-1.0,1.0")  # an item of a tuple
    type_number(page, "bias of out", "-0.25", xor_output_bias="-0.25")  # a number
    choose(page, "Activation", "relu", mlp_activation="relu")
    open_tab(page, "Exercises", "exercises")
    pick(page, "NOR", exercise_gate="NOR")
    press(page, "b", "ArrowLeft", times=2, exercise_bias="-1.0")  # a float slider, step 0.5
    screenshot(page, "state-neuron-set")
    expected = NeuronForm(
        tab="exercises",
        gate="OR",
        num_inputs=3,
        threshold=3,
        xor_hidden_weights=(1.0, 1.0, -1.0, 1.0),
        xor_output_bias=-0.25,
        mlp_activation="relu",
        exercise_gate="NOR",
        exercise_bias=-1.0,
    )

    def on_screen(shown) -> None:
        expect(shown.get_by_role("tab", name="Exercises")).to_have_attribute("aria-selected", "true")
        expect(shown.get_by_role("radio", name="NOR")).to_be_checked()
        expect_slider(shown, "b", -1.0)
        expect(shown.get_by_text("Not yet: 1 row(s) wrong.")).to_be_visible()

    kept_everywhere(browser, page, "neuron", title, NeuronForm, check_neuron, expected, on_screen)
    open_tab(page, "McCulloch-Pitts neuron", "gates")  # and the other tabs' fields are there too
    expect(page.get_by_role("combobox", name="Gate")).to_have_value("OR")
    expect_slider(page, "Number of inputs", 3)
    expect_slider(page, "Threshold θ", 3)
    open_tab(page, "XOR", "xor")
    expect(page.get_by_role("spinbutton", name="B → h1", exact=True)).to_have_value("-1.00")
    expect(page.get_by_role("combobox", name="Activation")).to_have_value("relu")
    assert exceptions(page) == []


def test_the_activations_page_keeps_its_form(server, browser, page):
    title = "Activations & gradient descent"
    open_page(page, f"{server}/activations", title)
    activations = page.get_by_role("combobox", name="Activations")
    activations.click()
    activations.type("gelu")
    activations.press("Enter")  # a tuple of choices
    page.keyboard.press("Escape")
    settle(page, activations="sigmoid,tanh,relu,gelu")
    press(page, "Range of x — start", "ArrowRight", x_range="-4.5,5.0")  # a tuple of numbers
    pick(page, "Grid", layout="grid")
    page.get_by_text("Show derivatives").click()  # a bool
    settle(page, derivatives="false")
    open_tab(page, "Why activations?", "why")
    press(page, "a₁ (outer slope)", "ArrowLeft", a1="1.5")
    choose(page, "Activation between", "tanh", between="tanh")
    open_tab(page, "Gradient descent & SGD", "descent")
    press(page, "Learning rate η", "ArrowRight", learning_rate="0.2")  # a choice of numbers
    press(page, "SGD batch size", "ArrowRight", batch_size="11")
    screenshot(page, "state-activations-set")
    expected = ActivationsForm(
        tab="descent",
        activations=("sigmoid", "tanh", "relu", "gelu"),
        x_range=(-4.5, 5.0),
        layout="grid",
        derivatives=False,
        a1=1.5,
        between="tanh",
        learning_rate=0.2,
        batch_size=11,
    )

    def on_screen(shown) -> None:
        expect(shown.get_by_role("tab", name="Gradient descent & SGD")).to_have_attribute("aria-selected", "true")
        expect_slider(shown, "SGD batch size", 11)
        expect(shown.get_by_text("η = 0.2 is")).to_be_visible()
        expect(shown.get_by_text("SGD (batch 11)").first).to_be_visible()

    kept_everywhere(browser, page, "activations", title, ActivationsForm, check_activations, expected, on_screen)
    open_tab(page, "Activation functions", "functions")
    expect(page.get_by_role("radio", name="Grid")).to_be_checked()
    expect(page.get_by_role("switch", name="Show derivatives")).not_to_be_checked()
    expect_slider(page, "Range of x — start", -4.5)
    expect_slider(page, "Range of x — end", 5.0)
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert exceptions(page) == []
