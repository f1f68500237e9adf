"""The app in a real browser: every page, a training, and four users at once."""

import re
import time

import pytest

from tests.e2e.conftest import exceptions, screenshot, wait_until_idle
from ui.nav import HOME, built_pages

PAGES = (HOME, *built_pages())


def url_path(entry) -> str:
    stem = entry.path.removeprefix("pages/").removesuffix(".py")
    return "" if entry is HOME else stem


@pytest.mark.parametrize("entry", PAGES, ids=lambda entry: entry.path)
def test_every_page_renders_without_exception(server, page, entry):
    page.goto(f"{server}/{url_path(entry)}")
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    assert exceptions(page) == []
    # The app's own navigation is there (not Streamlit's folder listing).
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Home" in nav and "Classification MLP" in nav
    screenshot(page, f"page-{url_path(entry) or 'home'}")


def configure_digits(page, units: int, epochs: int = 2) -> None:
    """Digits (offline, fast), one hidden layer of `units`, `epochs` epochs."""
    page.get_by_role("radio", name=re.compile("^Digits")).click()
    wait_until_idle(page)
    layers = page.get_by_role("spinbutton", name="Hidden layers")
    layers.fill("1")
    layers.press("Enter")
    wait_until_idle(page)
    units_field = page.get_by_role("spinbutton", name="Layer 1: units")
    units_field.fill(str(units))
    units_field.press("Enter")
    wait_until_idle(page)
    for label, value in (("Epochs", epochs), ("Batch size", 32)):
        field = page.get_by_role("spinbutton", name=label, exact=True)
        field.fill(str(value))
        field.press("Tab")


def entries(store) -> list[str]:
    """The runs in the server's store (its lock and job folders aside)."""
    return sorted(path.name for path in store.iterdir() if not path.name.startswith("."))


def epoch_shown(page) -> int:
    """The epoch the live progress bar shows now (0 before the first one ends)."""
    found = re.search(r"Epoch (\d+)/\d+", page.content())
    return int(found.group(1)) if found else 0


def wait_for_epoch_after(page, epoch: int, timeout: float = 120.0) -> int:
    """Waits until the live progress shows an epoch later than `epoch`; returns it."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        shown = epoch_shown(page)
        if shown > epoch:
            return shown
        time.sleep(0.3)
    raise TimeoutError(f"the progress stayed at epoch {epoch_shown(page)}")


def test_a_training_survives_a_widget_change_a_page_switch_and_a_reload(server, page):
    """Train starts a job on the server; nothing the visitor does to the page stops it."""
    page.goto(f"{server}/classification")
    page.get_by_role("heading", name="Classification MLP").wait_for(timeout=60_000)
    wait_until_idle(page)
    # The course's recipe on all of Fashion-MNIST: 30 epochs of a few seconds each.
    page.get_by_text("The course's recipe: SGD 0.01, batch 32").click()
    wait_until_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    epoch = wait_for_epoch_after(page, 0)
    assert "run=" in page.url  # the URL names the run, for a reload
    screenshot(page, "job-running")

    layers = page.get_by_role("spinbutton", name="Hidden layers")  # a widget change reruns the page
    layers.fill("1")
    layers.press("Enter")
    epoch = wait_for_epoch_after(page, epoch)
    assert page.get_by_role("button", name="Stop training").is_visible()
    screenshot(page, "job-after-widget-change")

    page.locator("[data-testid='stSidebarNav']").get_by_text("Home", exact=True).click()
    page.get_by_role("heading", name="MLP Explorer").first.wait_for(timeout=60_000)
    time.sleep(2)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Classification MLP").click()
    page.get_by_role("heading", name="Classification MLP").wait_for(timeout=60_000)
    epoch = wait_for_epoch_after(page, epoch)
    screenshot(page, "job-after-page-switch")

    page.reload()
    page.get_by_role("heading", name="Classification MLP").wait_for(timeout=60_000)
    epoch = wait_for_epoch_after(page, epoch)
    assert exceptions(page) == []
    screenshot(page, "job-after-reload")

    page.get_by_role("button", name="Stop training").click()
    page.get_by_text(re.compile(r"Stopped at epoch \d+ of 30; nothing was saved")).wait_for(timeout=180_000)
    assert epoch >= 4


def metric(page, label: str) -> str:
    card = page.locator("[data-testid='stMetric']").filter(has_text=label)
    return card.locator("[data-testid='stMetricValue']").inner_text()


def test_train_a_tiny_model_and_see_the_results(server, page):
    page.goto(f"{server}/classification")
    page.get_by_role("heading", name="Classification MLP").wait_for(timeout=60_000)
    wait_until_idle(page)
    screenshot(page, "classification-before-training")
    configure_digits(page, units=20, epochs=3)
    page.get_by_role("button", name="Train", exact=True).click()
    page.locator("[data-testid='stMetric']").filter(has_text="Test accuracy").wait_for(timeout=120_000)
    wait_until_idle(page)
    assert exceptions(page) == []
    assert metric(page, "Parameters") == f"{(64 + 1) * 20 + (20 + 1) * 10:,}"
    assert metric(page, "Epochs") == "3"
    accuracy = float(metric(page, "Test accuracy").rstrip("%"))
    assert 30 < accuracy <= 100
    assert page.locator(".js-plotly-plot").count() >= 1  # the learning curves
    screenshot(page, "classification-trained")
    page.get_by_role("tab", name="Confusion matrix").click()
    time.sleep(1)
    screenshot(page, "classification-confusion-matrix")


def test_four_users_train_at_once_and_each_sees_their_own_run(server, browser):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1400}) for _ in range(4)]
    pages = [context.new_page() for context in contexts]
    units = [11, 13, 17, 19]
    try:
        for page in pages:
            page.goto(f"{server}/classification")
            page.get_by_role("heading", name="Classification MLP").wait_for(timeout=60_000)
        for page, n in zip(pages, units):
            wait_until_idle(page)
            configure_digits(page, units=n, epochs=4)
        for page in pages:  # press Train in all four sessions, as fast as a person can't
            page.get_by_role("button", name="Train", exact=True).click()
        for page, n in zip(pages, units):
            page.locator("[data-testid='stMetric']").filter(has_text="Test accuracy").wait_for(timeout=240_000)
            wait_until_idle(page)
            assert exceptions(page) == []
            assert metric(page, "Parameters") == f"{(64 + 1) * n + (n + 1) * 10:,}"
            assert "Loaded from cache" not in page.content()
        screenshot(pages[-1], "four-users-last-session")
    finally:
        for context in contexts:
            context.close()


def test_stop_ends_training_and_keeps_nothing(server, page):
    page.goto(f"{server}/classification")
    page.get_by_role("heading", name="Classification MLP").wait_for(timeout=60_000)
    wait_until_idle(page)
    # The course's model on all of Fashion-MNIST with SGD, batch 32: epochs take seconds.
    page.get_by_text("The course's recipe: SGD 0.01, batch 32").click()
    wait_until_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"Epoch 1/30")).wait_for(timeout=120_000)
    before = entries(server.store)
    page.get_by_role("button", name="Stop training").click()
    page.get_by_text(re.compile(r"Stopped at epoch \d+ of 30; nothing was saved")).wait_for(timeout=180_000)
    wait_until_idle(page)
    assert exceptions(page) == []
    assert "Not trained yet" in page.content()
    assert entries(server.store) == before  # nothing stored
    screenshot(page, "classification-stopped")


def test_an_uploaded_model_stays_in_its_session(server, browser, tmp_path):
    """What one visitor uploads is theirs: another session and the shared store never see it."""
    from core.config import MLPConfig
    from core.models import build_mlp

    model = build_mlp(MLPConfig(((8, "relu"),)), (8, 8), 10, seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    upload = tmp_path / "my_private_digits.keras"
    model.save(upload)
    before = entries(server.store)

    first, second = (browser.new_context(viewport={"width": 1400, "height": 1600}) for _ in range(2))
    try:
        mine, theirs = first.new_page(), second.new_page()
        mine.goto(f"{server}/predictions")
        mine.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
        wait_until_idle(mine)
        mine.locator("input[type=file][accept*='.keras']").set_input_files(str(upload))
        mine.get_by_role("button", name="Evaluate it on the test split and use it").click(timeout=60_000)
        wait_until_idle(mine)
        assert "Uploaded (you)" in mine.content() or "my_private_digits" in mine.content()
        assert exceptions(mine) == []
        screenshot(mine, "predictions-uploaded-model")

        theirs.goto(f"{server}/predictions")
        theirs.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
        wait_until_idle(theirs)
        assert "my_private_digits" not in theirs.content()
        assert "Uploaded (you)" not in theirs.content()
        assert entries(server.store) == before
    finally:
        first.close()
        second.close()


def test_two_sessions_asking_for_the_same_run_train_it_once(server, browser):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1400}) for _ in range(2)]
    pages = [context.new_page() for context in contexts]
    try:
        for page in pages:
            page.goto(f"{server}/classification")
            page.get_by_role("heading", name="Classification MLP").wait_for(timeout=60_000)
            wait_until_idle(page)
            configure_digits(page, units=23, epochs=6)
        for page in pages:
            page.get_by_role("button", name="Train", exact=True).click()
        for page in pages:
            page.locator("[data-testid='stMetric']").filter(has_text="Test accuracy").wait_for(timeout=240_000)
            wait_until_idle(page)
            assert exceptions(page) == []
        # Both followed one job: the same run, trained once and stored once.
        assert metric(pages[0], "Test accuracy") == metric(pages[1], "Test accuracy")
        from core.store import RunStore

        stored = [run for run in RunStore(server.store).list_runs() if run.meta["architecture"] == "23 relu"]
        assert len(stored) == 1 and stored[0].meta["epochs_run"] == 6
    finally:
        for context in contexts:
            context.close()
