"""The model pages' forms in a real browser: what the user set survives every other
page, a reload and a fresh browser opening the link; a fresh server opened straight on
a page trains; a run's link reopens its run; a lesson link hides what it says."""

import re
import time
import urllib.parse

import pytest

from core.forms.classification import ClassificationForm
from core.forms.regression import REGRESSION_DEFAULT, WIDE_DEEP_DEFAULT, RegressionForm, WideDeepForm
from tests.e2e.conftest import choose_option, exceptions, form_in_url, screenshot, serve, wait_until_idle
from ui.nav import HOME, built_pages

FORMS = {"classification": ClassificationForm, "regression": RegressionForm, "wide_and_deep": WideDeepForm}
TITLES = {"classification": "Classification MLP", "regression": "Regression MLP", "wide_and_deep": "Wide & deep"}


def open_page(page, url: str, title: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    wait_until_idle(page)


def fill(page, label: str, value) -> None:
    field = page.get_by_role("spinbutton", name=label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    wait_until_idle(page)


def choose(page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=re.compile(label)).first
    choose_option(page, box, page.get_by_role("option", name=re.compile(option)).first)


def tick(page, label: str) -> None:
    page.get_by_text(label, exact=True).click()
    wait_until_idle(page)


def visit_every_other_page(page, title: str) -> None:
    """Goes to every other page through the sidebar, and back after each."""
    nav = page.locator("[data-testid='stSidebarNav']")
    for entry in (HOME, *built_pages()):
        if entry.title == title:
            continue
        nav.get_by_role("link", name=entry.title).click()
        heading = "MLP Explorer" if entry is HOME else entry.title
        page.get_by_role("heading", name=heading, level=1).first.wait_for(timeout=60_000)
        nav.get_by_role("link", name=title).click()
        page.get_by_role("heading", name=title).wait_for(timeout=60_000)
        wait_until_idle(page)


def set_classification(page) -> ClassificationForm:
    page.get_by_role("radio", name=re.compile("^Digits")).click()
    wait_until_idle(page)
    fill(page, "Hidden layers", 1)
    fill(page, "Layer 1: units", 32)
    choose(page, "Layer 1: activation", "^tanh$")
    choose(page, "Input scaling", "StandardScaler")
    choose(page, "Training images", "first 500")
    choose(page, "Optimizer", "^SGD$")
    fill(page, "Momentum (SGD, RMSprop)", 0.9)
    tick(page, "Nesterov momentum (SGD)")
    fill(page, "Epochs", 3)
    tick(page, "Early stopping (restores the best weights)")
    return ClassificationForm(
        dataset="digits",
        units=(32,),
        activations=("tanh",),
        scaling="standard",
        num_train=500,
        optimizer="sgd",
        momentum=0.9,
        nesterov=True,
        epochs=3,
        early_stopping=False,
    )


def set_regression(page) -> RegressionForm:
    fill(page, "Hidden layers", 2)
    fill(page, "Layer 2: units", 20)
    tick(page, "Start with a Normalization layer (adapted on the training set)")
    choose(page, "Loss", "Huber")
    fill(page, "Huber delta", 2.5)
    choose(page, "Optimizer", "^RMSprop$")
    fill(page, "Batch size", 64)
    tick(page, "Compare with scikit-learn's MLPRegressor")
    return REGRESSION_DEFAULT.replace(
        units=(50, 20),
        activations=("relu", "relu"),
        normalize=False,
        loss="huber",
        huber_delta=2.5,
        optimizer="rmsprop",
        batch_size=64,
        baseline=False,
    )


def set_wide_and_deep(page) -> WideDeepForm:
    page.get_by_role("radio", name=re.compile("Auxiliary output")).click()
    wait_until_idle(page)
    fill(page, "Units per hidden layer", 12)
    choose(page, "^Activation", "^elu$")
    page.get_by_text("Subclassing API", exact=False).first.click()
    wait_until_idle(page)
    fill(page, "Epochs", 4)
    return WIDE_DEEP_DEFAULT.replace(variant="aux_output", units=12, activation="elu", api="subclassing", epochs=4)


SETTERS = {"classification": set_classification, "regression": set_regression, "wide_and_deep": set_wide_and_deep}


@pytest.mark.parametrize("name", list(FORMS))
def test_what_the_user_set_survives_every_page_a_reload_and_a_fresh_browser(server, page, browser, name):
    title, cls = TITLES[name], FORMS[name]
    open_page(page, f"{server}/{name}", title)
    expected = SETTERS[name](page)
    assert form_in_url(page, cls) == expected
    visit_every_other_page(page, title)
    assert form_in_url(page, cls) == expected
    assert page.get_by_role("spinbutton", name="Epochs", exact=True).input_value() == str(expected.epochs)
    page.reload()
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    wait_until_idle(page)
    assert form_in_url(page, cls) == expected
    link = page.url
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    try:
        fresh = context.new_page()
        open_page(fresh, link, title)
        assert form_in_url(fresh, cls) == expected
        assert fresh.get_by_role("spinbutton", name="Epochs", exact=True).input_value() == str(expected.epochs)
        assert fresh.get_by_role("spinbutton", name="Batch size", exact=True).input_value() == str(expected.batch_size)
        assert exceptions(fresh) == []
        screenshot(fresh, f"state-{name}-fresh-context")
    finally:
        context.close()


def press_train(page) -> None:
    page.get_by_role("button", name="Train", exact=True).click()


def wait_for_results(page, timeout: float = 180.0) -> None:
    page.get_by_role("heading", name="Results").wait_for(timeout=timeout * 1000)
    wait_until_idle(page)


@pytest.fixture
def fresh_server(tmp_path):
    """A server that has served nobody yet, with an empty store."""
    store = tmp_path / "store"
    store.mkdir()
    with serve(store, tmp_path / "streamlit.log") as (url, _):
        yield url, store


def test_a_fresh_server_opened_straight_on_each_page_has_valid_fields_and_trains(fresh_server, page):
    url, _ = fresh_server
    # Each data set in turn on Classification, with a subset and one epoch to stay quick.
    open_page(page, f"{url}/classification", TITLES["classification"])
    assert form_in_url(page, ClassificationForm) == ClassificationForm()
    expected = ClassificationForm()
    for label, dataset in (("Digits", "digits"), ("MNIST", "mnist"), ("Fashion-MNIST", "fashion_mnist")):
        page.get_by_role("radio", name=re.compile(f"^{label}")).click()
        wait_until_idle(page)
        expected = expected.replace(dataset=dataset)
        assert form_in_url(page, ClassificationForm) == expected
        assert page.get_by_role("spinbutton", name="Learning rate", exact=True).input_value() == "0.0030"
        assert page.get_by_role("spinbutton", name="Batch size", exact=True).input_value() == "512"
        if dataset == "digits":
            fill(page, "Epochs", 1)
        else:
            choose(page, "Training images", "first 1,000")
        expected = expected.replace(epochs=1, num_train=0 if dataset == "digits" else 1000)
        assert form_in_url(page, ClassificationForm) == expected
        press_train(page)
        wait_for_results(page)
        assert "Received an invalid value" not in page.content()
        assert exceptions(page) == []
    for name, default in (("regression", REGRESSION_DEFAULT), ("wide_and_deep", WIDE_DEEP_DEFAULT)):
        open_page(page, f"{url}/{name}", TITLES[name])
        assert form_in_url(page, FORMS[name]) == default
        choose(page, "Training samples", "first 1,000")
        fill(page, "Epochs", 1)
        press_train(page)
        wait_for_results(page)
        assert exceptions(page) == []
    for entry in built_pages():  # and every other page, straight from its address
        if entry.path.removeprefix("pages/").removesuffix(".py") in FORMS:
            continue
        page.goto(f"{url}/{entry.path.removeprefix('pages/').removesuffix('.py')}")
        page.get_by_role("heading", name=entry.title, level=1).wait_for(timeout=60_000)
        wait_until_idle(page)
        assert exceptions(page) == [] and "Received an invalid value" not in page.content(), entry.title


DIGITS_LINK = "classification?dataset=digits&units=8&epochs=2&batch_size=32&early_stopping=false&seed={seed}"


def run_key(page) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["run"][0]


def open_run(browser, url: str, key: str):
    """A fresh browser opening the run's link: the page, and the form it shows."""
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    open_page(page, f"{url}/classification?run={key}", TITLES["classification"])
    return context, page


def test_a_runs_link_opens_its_results_and_configuration_then_and_later_and_after_a_restart(tmp_path, page, browser):
    store = tmp_path / "store"
    store.mkdir()
    expected = ClassificationForm(dataset="digits", units=(8,), epochs=2, batch_size=32, early_stopping=False, seed=5)
    with serve(store, tmp_path / "first.log") as (url, _):
        open_page(page, f"{url}/{DIGITS_LINK.format(seed=5)}", TITLES["classification"])
        press_train(page)
        wait_for_results(page)
        key = run_key(page)
        # 1 s after, then a minute after (a finished job lets its result go after 30 s).
        for wait in (1, 59):
            time.sleep(wait)
            context, other = open_run(browser, url, key)
            try:
                assert form_in_url(other, ClassificationForm) == expected
                assert "Not trained yet" not in other.content()
                other.get_by_role("heading", name="Results").wait_for(timeout=60_000)
                assert other.get_by_role("spinbutton", name="Epochs", exact=True).input_value() == "2"
                assert other.get_by_role("spinbutton", name="Batch size", exact=True).input_value() == "32"
            finally:
                context.close()
    with serve(store, tmp_path / "second.log") as (url, _):  # the same store, a new server process
        context, other = open_run(browser, url, key)
        try:
            assert form_in_url(other, ClassificationForm) == expected
            other.get_by_role("heading", name="Results").wait_for(timeout=60_000)
            assert "Loaded from cache" in other.content() and "Not trained yet" not in other.content()
            screenshot(other, "state-run-link-after-restart")
        finally:
            context.close()


@pytest.mark.parametrize("name", list(FORMS))
def test_a_lesson_link_hides_the_controls_it_says_and_the_page_still_trains(server, page, name):
    extra = {
        "classification": "&dataset=digits&units=8&batch_size=32",
        "regression": "&num_train=1000",
        "wide_and_deep": "&num_train=1000",
    }[name]
    open_page(page, f"{server}/{name}?only=learning_rate&hide_text=true&epochs=1{extra}", TITLES[name])
    assert page.get_by_role("spinbutton", name="Learning rate", exact=True).is_visible()
    for label in ("Epochs", "Batch size", "Seed"):
        assert page.get_by_role("spinbutton", name=label, exact=True).count() == 0
    assert page.get_by_role("combobox", name=re.compile("Optimizer")).count() == 0
    assert page.get_by_text("Start from").count() == 0  # the presets
    assert page.locator("[data-testid='stMarkdown'] p").filter(has_text="Build a multilayer").count() == 0
    fill(page, "Learning rate", 0.01)
    press_train(page)
    wait_for_results(page)
    assert exceptions(page) == []
    assert "learning_rate=0.01" in page.url and "epochs_hide=true" in page.url
    screenshot(page, f"state-lesson-{name}")
