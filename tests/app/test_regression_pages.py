"""AppTest drives the Regression MLP and Wide & deep pages on small subsets."""

import pytest

from tests.app.helpers import finish_jobs, open_page, texts

REGRESSION_TRAIN = "FormSubmitter:regression.training_form-Train"
WIDE_DEEP_TRAIN = "FormSubmitter:wide_deep.training_form-Train"


def metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


@pytest.fixture
def regression_page():
    at = open_page("pages/regression.py")
    assert not at.exception, at.exception
    return at


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
    at.number_input(key="regression.batch_size").set_value(2000)
    finish_jobs(at.button(key=REGRESSION_TRAIN).click().run())
    assert "Received: batch_size=2000" in texts(at.error)
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
    losses = at.dataframe[-2].value if "main loss" in at.dataframe[-2].value else at.dataframe[-3].value
    assert list(losses["Set"]) == ["training", "validation"] and (losses["aux loss"] > 0).all()

    finish_jobs(at.button(key="wide_deep.compare").click().run())
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert list(table["Model"]) == ["Sequential MLP", "1 · One input", "2 · Two inputs", "3 · Auxiliary output"]
    assert (table["Test RMSE"] > 0).all()


def test_wide_and_deep_empty_path_is_a_clear_error():
    at = open_page("pages/wide_and_deep.py")
    at.segmented_control(key="wide_deep.variant").set_value("two_inputs").run()
    at.multiselect(key="wide_deep.deep").set_value([]).run()
    assert "Received: deep_features=()" in texts(at.error)
    at.multiselect(key="wide_deep.deep").set_value([6, 7]).run()
    assert not at.error and not at.exception
