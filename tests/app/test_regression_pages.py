"""AppTest drives the Regression MLP and Wide & deep pages on small subsets."""

import pytest

from tests.app.helpers import finish_jobs, open_page, texts

REGRESSION_TRAIN = "regression.train"
WIDE_DEEP_TRAIN = "wide_deep.train"


def metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


@pytest.fixture
def regression_page():
    at = open_page("pages/regression.py")
    assert not at.exception, at.exception
    return at


def test_data_overview_draws_its_charts_once_expanded(regression_page):
    at = regression_page
    keys = lambda: [chart.key for chart in at.get("plotly_chart")]  # noqa: E731
    assert "regression.overview.map" not in keys() and len(at.expander) >= 1
    at.session_state["regression.overview"] = True  # as a click on the expander does
    at.run()
    assert not at.exception
    assert {"regression.overview.hist", "regression.overview.map"} <= set(keys())
    assert "Population" in at.dataframe[0].value.index


@pytest.mark.slow
def test_regression_page_trains_a_subset_then_loads_it_from_the_store(regression_page):
    at = regression_page
    assert "Not trained yet" in texts(at.info)
    at.selectbox(key="regression.num_train").set_value(1000)
    at.number_input(key="regression.epochs").set_value(2)
    at.number_input(key="regression.batch_size").set_value(128)
    finish_jobs(at.button(key=REGRESSION_TRAIN).click().run())
    assert not at.exception, at.exception
    shown = metrics(at)
    assert float(shown["Test RMSE"]) > 0 and shown["Epochs"] == "2" and shown["Parameters"] == "5,618"
    comparison = at.dataframe[-1].value
    assert list(comparison["Model"]) == ["Keras: Sequential 50-50-50 relu", "scikit-learn: MLPRegressor(50, 50, 50)"]
    assert (comparison["Training time (s)"] > 0).all()
    assert len(at.tabs) >= 4  # curves, predicted vs actual, residuals, map

    # A new session (as after a restart), same settings: Train shows the stored run at once.
    again = open_page("pages/regression.py")
    again.selectbox(key="regression.num_train").set_value(1000)
    again.number_input(key="regression.epochs").set_value(2)
    again.number_input(key="regression.batch_size").set_value(128)
    again.checkbox(key="regression.baseline").uncheck()
    finish_jobs(again.button(key=REGRESSION_TRAIN).click().run())
    assert "Loaded from cache" in texts(again.success)
    assert metrics(again)["Test RMSE"] == shown["Test RMSE"]
    assert not again.exception


def test_regression_settings_errors_keep_the_page_working(regression_page):
    at = regression_page
    at.selectbox(key="regression.num_train").set_value(1000)
    at.number_input(key="regression.batch_size").set_value(2000).run()
    assert "Received: batch_size=2000" in texts(at.error) and at.button(key=REGRESSION_TRAIN).disabled
    at.toggle(key="regression.normalize").set_value(False).run()
    assert "Without scaling" in texts(at.warning)
    assert not at.exception


@pytest.mark.slow
def test_wide_and_deep_page_trains_variant_three_and_compares():
    at = open_page("pages/wide_and_deep.py")
    assert not at.exception, at.exception
    assert len(at.get("graphviz_chart")) == 1
    at.segmented_control(key="wide_deep.variant").set_value("aux_output").run()
    at.selectbox(key="wide_deep.num_train").set_value(1000)
    at.number_input(key="wide_deep.epochs").set_value(1)
    at.number_input(key="wide_deep.batch_size").set_value(128)
    finish_jobs(at.button(key=WIDE_DEEP_TRAIN).click().run())
    assert not at.exception, at.exception
    assert metrics(at)["Parameters"] == "1,231"
    losses = next(frame.value for frame in at.dataframe if "main loss" in frame.value)
    assert list(losses["Set"]) == ["validation", "test"] and (losses["aux loss"] > 0).all()

    finish_jobs(at.button(key="wide_deep.compare").click().run())
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert list(table["Model"]) == ["Sequential MLP", "1 · One input", "2 · Two inputs", "3 · Auxiliary output"]
    assert (table["Test RMSE"] > 0).all()


def test_wide_and_deep_empty_path_is_a_clear_error():
    at = open_page("pages/wide_and_deep.py")
    at.segmented_control(key="wide_deep.variant").set_value("two_inputs").run()
    at.multiselect(key="wide_deep.deep_features").set_value([]).run()
    assert "Received: deep_features=()" in texts(at.error)
    at.multiselect(key="wide_deep.deep_features").set_value([6, 7]).run()
    assert not at.error and not at.exception


def test_huber_delta_shows_only_for_the_huber_loss(regression_page):
    at = regression_page
    assert not [box for box in at.number_input if box.key == "regression.huber_delta"]
    at.selectbox(key="regression.loss").set_value("huber").run()
    assert at.number_input(key="regression.huber_delta").value == 1.0
    at.selectbox(key="regression.loss").set_value("mae").run()
    assert not [box for box in at.number_input if box.key == "regression.huber_delta"]
    assert not at.exception


def test_hosted_mode_refuses_too_many_regression_epochs(regression_page, monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_EPOCHS", "10")
    at = regression_page
    at.number_input(key="regression.epochs").set_value(11).run()
    assert "Received: epochs=11; this server trains at most 10 epochs" in texts(at.error)
    assert at.button(key=REGRESSION_TRAIN).disabled
    assert not at.exception and at.number_input(key="regression.epochs").value == 11  # kept, to lower it
    at.number_input(key="regression.epochs").set_value(10)
    assert "this server trains at most" not in texts(at.run().error)


def test_hosted_mode_refuses_a_regression_model_too_big(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_PARAMS", "5000")
    at = open_page("pages/regression.py")  # 50-50-50: 5,618 parameters
    assert "has 5,618 parameters; this server trains models of at most 5,000" in texts(at.error)
    assert not at.exception


def test_hosted_mode_refuses_a_wide_and_deep_model_too_big_or_too_long(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_PARAMS", "2000")
    monkeypatch.setenv("MLP_EXPLORER_MAX_EPOCHS", "20")
    at = open_page("pages/wide_and_deep.py")  # 30 units: 1,239 parameters, 20 epochs
    assert not at.error, texts(at.error)
    at.number_input(key="wide_deep.units").set_value(60).run()
    assert "this server trains models of at most 2,000" in texts(at.error)
    at.number_input(key="wide_deep.units").set_value(30).run()
    at.number_input(key="wide_deep.epochs").set_value(25).run()
    assert "Received: epochs=25; this server trains at most 20 epochs" in texts(at.error)
    assert at.button(key=WIDE_DEEP_TRAIN).disabled
    assert not at.exception


@pytest.mark.slow
def test_subclassed_model_trains_from_the_page_and_shows_keras_evaluate_losses():
    from core import jobs, runs
    from core.regression.wide_deep import split_inputs, targets
    from ui.regression.view import regression_data

    at = open_page("pages/wide_and_deep.py")
    at.segmented_control(key="wide_deep.variant").set_value("aux_output").run()
    at.radio(key="wide_deep.api").set_value("subclassing").run()
    assert "no graph to draw" in texts(at.info) and not at.get("graphviz_chart")
    at.selectbox(key="wide_deep.num_train").set_value(1000)
    at.number_input(key="wide_deep.epochs").set_value(2)
    at.number_input(key="wide_deep.batch_size").set_value(128)
    finish_jobs(at.button(key=WIDE_DEEP_TRAIN).click().run())
    assert not at.exception, at.exception
    assert metrics(at)["Parameters"] == "1,231"
    losses = next(frame.value for frame in at.dataframe if "main loss" in frame.value)
    assert "model.evaluate" in texts(at.caption)

    (job,) = [job for job in jobs.pool().jobs() if "subclassed" in runs.kind_of(job.config).describe(job.config)]
    result = runs.load_cached(job.config)
    assert type(result.model).__name__ == "WideAndDeepModel"
    data, _ = regression_data("california_housing")
    config = result.config.model
    result.model.compile(loss=["mse", "mse"], loss_weights=list(config.loss_weights))  # stored uncompiled
    for row, x, y in ((0, data.x_valid, data.y_valid), (1, data.x_test, data.y_test)):
        x, y = split_inputs(config, x), targets(config, y)
        logs = result.model.evaluate(x, y, batch_size=len(y[0]), verbose=0, return_dict=True)
        assert losses["main loss"][row] == pytest.approx(logs["main_output_loss"], abs=1e-4)
        assert losses["aux loss"][row] == pytest.approx(logs["aux_output_loss"], abs=1e-4)
        assert losses["Keras total loss"][row] == pytest.approx(logs["loss"], abs=1e-4)


@pytest.mark.slow
def test_compare_button_does_not_count_a_model_that_is_training():
    at = open_page("pages/wide_and_deep.py")
    at.selectbox(key="wide_deep.num_train").set_value(1000)
    at.number_input(key="wide_deep.epochs").set_value(8)
    at.number_input(key="wide_deep.batch_size").set_value(32)
    at.number_input(key="wide_deep.units").set_value(17)  # a configuration no other test trains
    at.run()
    assert at.button(key="wide_deep.compare").label.startswith("Train the 4 missing")
    at.button(key=WIDE_DEEP_TRAIN).click().run()  # variant 1 trains in the background
    assert at.button(key="wide_deep.compare").label.startswith("Train the 3 missing")
    assert "Training now: 1 · One input" in texts(at.caption)
    finish_jobs(at)
    assert at.button(key="wide_deep.compare").label.startswith("Train the 3 missing")
    assert "Training now" not in texts(at.caption) and not at.exception
    at.button(key="wide_deep.compare").click().run()  # the page redraws at once without the button
    assert not [button for button in at.button if button.key == "wide_deep.compare"]
    assert "Training now: Sequential MLP, 2 · Two inputs, 3 · Auxiliary output" in texts(at.caption)
    finish_jobs(at)
    assert not [button for button in at.button if button.key == "wide_deep.compare"]  # all four are trained
    assert not at.exception


@pytest.mark.slow
def test_a_run_that_diverged_at_once_says_so_instead_of_an_empty_chart(regression_page):
    at = regression_page
    at.selectbox(key="regression.num_train").set_value(1000)
    at.selectbox(key="regression.optimizer").set_value("sgd")
    at.number_input(key="regression.learning_rate").set_value(9.0)
    at.number_input(key="regression.epochs").set_value(2)
    at.number_input(key="regression.batch_size").set_value(128)
    finish_jobs(at.button(key=REGRESSION_TRAIN).click().run())
    assert "Training diverged" in texts(at.error)
    assert "No learning curves to draw" in texts(at.info) or "Only finite losses are drawn" in texts(at.caption)
    assert not at.exception
