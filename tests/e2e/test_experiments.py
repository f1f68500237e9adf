"""The Experiments page in a real browser: runs compared, KerasTuner searches (random
and Hyperband) whose best model reaches Predictions, the learning-rate finder filling
the training form, and a run's TensorBoard logs read back by TensorBoard itself."""

import re
import time
import zipfile

from tests.e2e.conftest import exceptions, screenshot, wait_until_idle


def open_experiments(page, server, tab: str) -> None:
    page.goto(f"{server}/experiments")
    page.get_by_role("heading", name="Experiments").wait_for(timeout=60_000)
    wait_until_idle(page)
    page.get_by_role("tab", name=tab).click()
    wait_until_idle(page)


def stored_digits_runs(server, seeds) -> list[str]:
    """Trains tiny digits runs straight into the server's store (as other visitors would)."""
    from core import runs
    from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
    from core.data import load_dataset
    from core.store import RunStore

    store = RunStore(server.store)
    data = load_dataset("digits")
    keys = []
    for seed, units, lr in seeds:
        config = RunConfig(
            DataConfig("digits"), MLPConfig(((units, "relu"),)), TrainingConfig(epochs=3, seed=seed, learning_rate=lr)
        )
        runs.load_or_train(config, data, store=store)
        keys.append(store.key_for(config.to_json()))
    return keys


def select_rows(page, rows: list[int]) -> None:
    """Ticks rows of the first table on the tab (a canvas: click its row markers)."""
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    for row in rows:
        page.mouse.click(box["x"] + 14, box["y"] + 35 * (row + 1) + 17)
        time.sleep(0.6)
    wait_until_idle(page)


def test_three_runs_are_compared_side_by_side(server, page):
    stored_digits_runs(server, [(1, 12, 0.001), (2, 24, 0.003), (3, 48, 0.01)])
    open_experiments(page, server, "Compare runs")
    assert page.locator("[data-testid='stDataFrame']").count() >= 1
    select_rows(page, [0, 1, 2])
    screenshot(page, "experiments-compare")
    content = page.content()
    assert exceptions(page) == []
    assert page.locator(".js-plotly-plot").count() >= 2  # the overlaid curves and the parallel coordinates
    assert "Learning rate" in content and "Architecture" in content  # the diff lists what differs
    assert page.locator(".parcoords").count() >= 1 or "parcoords" in content


def test_a_random_search_stores_its_best_model_for_predictions(server, page):
    open_experiments(page, server, "Tune hyperparameters")
    epochs = page.get_by_role("spinbutton", name="Epochs per trial")
    epochs.fill("1")
    epochs.press("Tab")
    page.get_by_role("button", name="Search").click()
    page.get_by_text(re.compile(r"Trial \d+ of at most 8")).first.wait_for(timeout=180_000)
    screenshot(page, "experiments-search-running")
    page.get_by_text(re.compile(r"Best trial", re.I)).first.wait_for(timeout=400_000)
    wait_until_idle(page, timeout=240)
    assert exceptions(page) == []
    screenshot(page, "experiments-search-done")

    from core.store import RunStore

    searches = [run for run in RunStore(server.store).list_runs() if run.meta.get("kind") == "tuning"]
    assert len(searches) == 1 and searches[0].meta["test_metrics"]["accuracy"] > 0.3
    page.goto(f"{server}/predictions")
    page.get_by_role("heading", name="Predictions & models").wait_for(timeout=60_000)
    wait_until_idle(page)
    assert "Hyperparameter search" in page.content()


def test_a_hyperband_search_runs(server, page):
    open_experiments(page, server, "Tune hyperparameters")
    page.get_by_role("combobox", name=re.compile("Tuner")).first.click()
    page.get_by_role("option", name=re.compile("Hyperband")).click()
    wait_until_idle(page)
    for label, value in (("Max trials", "4"), ("Max epochs (Hyperband)", "2")):
        field = page.get_by_role("spinbutton", name=label)
        field.fill(value)
        field.press("Tab")
    page.get_by_role("button", name="Search").click()
    page.get_by_text(re.compile(r"Best trial", re.I)).first.wait_for(timeout=400_000)
    wait_until_idle(page, timeout=240)
    assert exceptions(page) == []
    screenshot(page, "experiments-hyperband-done")


def test_the_learning_rate_finder_fills_the_training_form(server, page):
    open_experiments(page, server, "Learning-rate finder")
    page.get_by_role("button", name="Find the learning rate").click()
    go = page.get_by_role("button", name=re.compile(r"Train it on the Classification page with learning rate"))
    go.wait_for(timeout=180_000)
    wait_until_idle(page)
    assert page.locator(".js-plotly-plot").count() >= 1
    screenshot(page, "experiments-lr-finder")
    suggestion = float(re.search(r"learning rate ([0-9.e-]+)", go.inner_text()).group(1))
    go.click()
    page.get_by_role("heading", name="Classification MLP").wait_for(timeout=60_000)
    wait_until_idle(page)
    shown = float(page.get_by_role("spinbutton", name="Learning rate").input_value())
    assert shown == pytest_approx(suggestion)
    screenshot(page, "classification-with-suggested-rate")


def pytest_approx(value):
    import pytest

    return pytest.approx(value, rel=0.05)


def test_a_runs_tensorboard_logs_download_and_tensorboard_reads_them(server, page, tmp_path):
    (key,) = stored_digits_runs(server, [(7, 10, 0.002)])
    page.goto(f"{server}/predictions")
    page.get_by_role("heading", name="Predictions & models").wait_for(timeout=60_000)
    wait_until_idle(page)
    page.get_by_role("tab", name="Take it away").click()
    wait_until_idle(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="TensorBoard logs (zip)").click()
    archive = tmp_path / "logs.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(tmp_path / "logs")

    from tensorboard.backend.event_processing import plugin_event_multiplexer

    # TensorBoard's own reader; TF2 summaries are tensors (the scalars plugin reads those).
    multiplexer = plugin_event_multiplexer.EventMultiplexer().AddRunsFromDirectory(str(tmp_path / "logs"))
    multiplexer.Reload()
    tags = {run: set(multiplexer.GetAccumulator(run).Tags()["tensors"]) for run in multiplexer.Runs()}
    assert any(run.endswith("train") and "epoch_loss" in scalars for run, scalars in tags.items()), tags
    assert any(run.endswith("validation") and "epoch_loss" in scalars for run, scalars in tags.items()), tags
