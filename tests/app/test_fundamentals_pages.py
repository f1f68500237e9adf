"""AppTest drives the fundamentals pages: the neuron page and the activations page."""

import pytest
from streamlit.testing.v1 import AppTest

from core.fundamentals import neuron as mp


def open_page(path: str) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=60)
    at.run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Opens a page's tab as a click on it would: only the open tab runs."""
    at.session_state[key] = label
    at.run()
    assert not at.exception
    return at


@pytest.fixture
def neuron_page() -> AppTest:
    return open_page("pages/neuron.py")


def test_gate_threshold_changes_truth_table(neuron_page):
    at = neuron_page
    assert "computes **AND**" in at.success[0].value
    at.selectbox(key="neuron.gate").select("OR").run()
    assert "computes **OR**" in at.success[0].value
    at.slider(key="neuron.threshold.OR.2").set_value(4).run()
    assert "wrong on 2 row(s) of OR" in at.warning[0].value
    assert not at.exception


def test_perceptron_sliders_change_classes(neuron_page):
    at = open_tab(neuron_page, "neuron.tab", "Perceptron")
    before = at.metric[0].value
    at.slider(key="neuron.bias").set_value(3.0).run()
    expected = mp.perceptron_predict(mp.random_points(200, 0), (1.0, 0.5), 3.0).sum()
    assert at.metric[0].value == str(expected) != before


def test_learning_rule_steps_to_convergence(neuron_page):
    at = open_tab(neuron_page, "neuron.tab", "Learning rule")
    step, epoch, reset = (at.button[i] for i in range(3))
    step.click().run()
    assert at.dataframe[0].value.iloc[0].tolist() != [0.0, 0.0, 0.0]  # first instance: an update
    for _ in range(5):
        if at.button[1].disabled:
            break
        at.button[1].click().run()
    assert any("Converged" in s.value for s in at.success)
    assert at.button[0].disabled and at.button[1].disabled
    at.button[2].click().run()
    assert at.metric[0].value == "0" and not at.button[1].disabled  # finished epochs
    assert not at.exception


def test_xor_tab_hand_wired_and_mlp(neuron_page):
    at = open_tab(neuron_page, "neuron.tab", "XOR")
    assert any("computes XOR on all four" in s.value for s in at.success)
    at.number_input(key="neuron.xor_c").set_value(0.5).run()  # output bias too high
    assert any("Wrong on" in w.value for w in at.warning)
    at.slider(key="neuron.xor_epochs").set_value(50).run()
    assert "never reaches 0" in at.caption[-1].value
    charts_before = len(at.get("plotly_chart"))
    form_sliders = [s for s in at.slider if s.label == "Epochs"]
    form_sliders[0].set_value(150)
    at.button(key="FormSubmitter:neuron.xor_mlp_form-Train on XOR").click().run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == charts_before + 2  # the MLP's surface and its loss
    probabilities = next(df.value for df in at.dataframe if "P(XOR = 1)" in df.value)["P(XOR = 1)"]
    assert len(probabilities) == 4 and probabilities.between(0, 1).all()


def test_exercises_are_answered(neuron_page):
    at = open_tab(neuron_page, "neuron.tab", "Exercises")
    at.slider(key="neuron.ex_w0.NOT").set_value(-1.0)
    at.slider(key="neuron.ex_b.NOT").set_value(0.5).run()
    assert any("computes NOT" in s.value for s in at.success)
    at.radio(key="neuron.exercise_gate").set_value("XOR").run()
    assert any("row(s) wrong" in i.value for i in at.info)
    assert not at.exception


@pytest.fixture
def activations_page() -> AppTest:
    return open_page("pages/activations.py")


def test_activation_selection_and_layout(activations_page):
    at = activations_page
    assert at.dataframe[0].value.activation.tolist() == ["sigmoid", "tanh", "relu"]
    at.multiselect(key="activations.names").set_value(["gelu", "leaky_relu", "selu", "linear"]).run()
    at.radio(key="activations.layout").set_value("Grid").run()
    at.slider(key="activations.range").set_value((-2.0, 8.0)).run()
    table = at.dataframe[0].value.set_index("activation")
    assert list(table.index) == ["gelu", "leaky_relu", "selu", "linear"]
    assert table.loc["leaky_relu", "not differentiable at"] == "x = 0"
    at.multiselect(key="activations.names").set_value([]).run()
    assert "Pick at least one" in at.info[0].value
    assert not at.exception


def test_affine_composition(activations_page):
    at = open_tab(activations_page, "activations.tab", "Why activations?")
    assert "single affine map 3x − 1.5" in at.success[0].value
    at.selectbox(key="activations.between").select("tanh").run()
    assert "no longer one straight line" in at.warning[0].value
    assert not at.exception


def test_learning_rate_regimes(activations_page):
    at = open_tab(activations_page, "activations.tab", "Gradient descent & SGD")
    assert any("good: converges" in m.value for m in at.markdown)
    assert not at.error
    at.select_slider(key="activations.learning_rate").set_value(0.4).run()
    assert any("too large: diverges" in m.value for m in at.markdown)
    assert any("gradient descent diverged" in e.value for e in at.error)
    at.select_slider(key="activations.learning_rate").set_value(0.003).run()
    at.slider(key="activations.batch_size").set_value(1).run()
    assert any("too small: slow" in m.value for m in at.markdown)
    assert not at.exception


def test_only_the_open_tab_runs_and_closed_tabs_keep_their_settings(neuron_page):
    at = neuron_page
    assert at.selectbox(key="neuron.gate").value == "AND" and not at.get("plotly_chart")
    at.selectbox(key="neuron.gate").select("OR").run()
    at.slider(key="neuron.threshold.OR.2").set_value(2).run()
    open_tab(at, "neuron.tab", "Perceptron")
    # The gates tab's widgets are not drawn now, the perceptron's chart is.
    assert not at.get("graphviz_chart") and len(at.get("plotly_chart")) == 1
    at.slider(key="neuron.bias").set_value(2.0).run()
    open_tab(at, "neuron.tab", "XOR")
    open_tab(at, "neuron.tab", "McCulloch-Pitts neuron")
    assert at.selectbox(key="neuron.gate").value == "OR"
    assert at.slider(key="neuron.threshold.OR.2").value == 2
    open_tab(at, "neuron.tab", "Perceptron")
    assert at.slider(key="neuron.bias").value == 2.0
    assert not at.warning and not at.exception  # no "set via the Session State API" warning


def test_activations_tabs_keep_their_settings(activations_page):
    at = activations_page
    at.multiselect(key="activations.names").set_value(["gelu"]).run()
    open_tab(at, "activations.tab", "Gradient descent & SGD")
    assert len(at.get("plotly_chart")) == 5  # GD and its losses, and the three regimes
    at.select_slider(key="activations.learning_rate").set_value(0.03).run()
    open_tab(at, "activations.tab", "Activation functions")
    assert at.multiselect(key="activations.names").value == ["gelu"]
    assert at.dataframe[0].value.activation.tolist() == ["gelu"]
    open_tab(at, "activations.tab", "Gradient descent & SGD")
    assert at.select_slider(key="activations.learning_rate").value == 0.03
    assert not at.exception
