"""AppTest drives the learning-rate finder's tab on the Experiments page: run it on
digits, see the curve and the suggestion, and open the Classification page with it."""

import pytest

from tests.app.helpers import button, open_page
from tests.app.test_layout import streamlit_imports

LR_FINDER = "experiments.lr_finder"


def finder_on_digits():
    # The Classification page drawn once before: its form must still take the suggestion.
    at = open_page("pages/classification.py")
    at.switch_page("pages/experiments.py").run()
    assert not at.exception
    at.selectbox(key="experiments.finder_dataset").set_value("digits")
    at.number_input(key="experiments.finder_layers").set_value(1)
    at.number_input(key="experiments.finder_units").set_value(32)
    at.selectbox(key="experiments.finder_optimizer").set_value("adam")
    at.run()
    button(at, "Find the learning rate").click().run()
    assert not at.exception
    return at


@pytest.fixture(scope="module")
def after_finding():
    return finder_on_digits()


def test_the_finder_shows_its_curve_and_suggestion(after_finding):
    at = after_finding
    task, result = at.session_state[LR_FINDER]
    assert task == "classification" and result.config.data.name == "digits"
    assert 1e-4 <= result.suggestion <= 1
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Suggested learning rate"] == f"{result.suggestion:.2g}"
    assert metrics["The loss starts climbing at"] == f"{result.climb_learning_rate:.2g}"
    charts = [chart for chart in at.get("plotly_chart") if chart.proto.id and LR_FINDER in chart.proto.id]
    assert charts, "no learning-rate finder chart"
    assert not at.error


def test_train_it_opens_the_classification_page_with_the_suggestion(after_finding):
    at = after_finding
    _, result = at.session_state[LR_FINDER]
    label = f"Train it on the Classification page with learning rate {result.suggestion:.2g}"
    button(at, label).click().run()
    assert not at.exception
    assert at.session_state["classification.form"].learning_rate == result.suggestion
    # The page drew its form with the suggestion, the finder's optimizer and batch size.
    assert at.number_input(key="classification.learning_rate").value == pytest.approx(result.suggestion)
    assert at.selectbox(key="classification.optimizer").value == "adam"
    assert at.number_input(key="classification.batch_size").value == 32
    assert at.number_input(key="classification.units_0").value == 32
    assert at.session_state["classification.dataset"] == "digits"


def test_the_panel_puts_the_suggestion_into_a_form():
    """`panel` under a form, as the model pages call it, in a one-page script."""
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from core.forms.classification import ClassificationForm, run_config
        from ui import cache, state, widgets
        from ui.experiments import lr_finder

        form = state.bind("demo", ClassificationForm, default=ClassificationForm(dataset="digits", units=(32,)))
        widgets.training_form(form)
        lr_finder.panel(form, run_config(form.value), cache.image_dataset("digits"))
        st.write(f"form rate {form.value.learning_rate}")

    at = AppTest.from_function(script, default_timeout=180).run()
    assert not at.exception
    button(at, "Run the learning-rate finder").click().run()
    assert not at.exception
    result = at.session_state["demo.lr_finder"]
    assert at.get("plotly_chart")
    button(at, f"Use {result.suggestion:.2g}").click().run()
    assert not at.exception
    assert at.session_state["demo.form"].learning_rate == result.suggestion
    assert at.query_params["learning_rate"] == repr(result.suggestion)
    assert at.number_input(key="demo.learning_rate").value == pytest.approx(result.suggestion)
    assert f"now {result.suggestion:.2g}" in at.success[0].value
    # The form's other fields kept the preset's values.
    assert at.number_input(key="demo.epochs").value == 10


def test_the_figure_module_never_imports_streamlit():
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "ui" / "experiments" / "lr_figures.py").read_text()
    assert not streamlit_imports(source)
