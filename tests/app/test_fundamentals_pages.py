"""AppTest drives the fundamentals pages: the neuron page and the activations page.

Each page's controls are one form (`core.forms.neuron`, `core.forms.activations`), kept
in the session and the URL: tests set a tab the way a click on it does (through the
form), check that a form survives a page switch, and that a link's bad values, hide
flags and tab apply."""

import random

import pytest
from streamlit.testing.v1 import AppTest

from core.forms import to_params
from core.forms.activations import ActivationsForm
from core.forms.neuron import NeuronForm
from core.fundamentals import neuron as mp
from tests.app.helpers import APP, texts
from tests.core.forms.random_fundamentals import activations_form, neuron_form

NEURON, ACTIVATIONS = "pages/neuron.py", "pages/activations.py"


def open_page(path: str, params: dict[str, str] | None = None) -> AppTest:
    """The page, opened from the home page, or through a link with `params`."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.query_params.update(params or {})
    at.switch_page(path).run()
    assert not at.exception
    return at


def open_tab(at: AppTest, page: str, tab: str) -> AppTest:
    """Opens a page's tab as a click on it does (its callback sets the form's `tab`):
    only the open tab runs."""
    key = f"{page}.form"
    at.session_state[key] = at.session_state[key].replace(tab=tab)
    at.run()
    assert not at.exception
    return at


def link_warnings(at: AppTest) -> list[str]:
    """The link's warnings, as they read (without the escapes that keep them plain text)."""
    shown = [warning.value.replace("\\", "").replace("\u2060", "") for warning in at.warning]
    return [warning for warning in shown if "from the link" in warning]


def ignored(warnings: list[str]) -> list[str]:
    """What each of a link's warnings ignored: a field, or a hide flag."""
    return [warning.removeprefix("Ignored `").split("=")[0].split("`")[0] for warning in warnings]


@pytest.fixture
def neuron_page() -> AppTest:
    return open_page(NEURON)


def test_gate_threshold_changes_truth_table(neuron_page):
    at = neuron_page
    assert "computes **AND**" in at.success[0].value
    at.selectbox(key="neuron.gate").select("OR").run()
    assert "computes **OR**" in at.success[0].value
    at.slider(key="neuron.threshold").set_value(4).run()
    assert "wrong on 2 row(s) of OR" in at.warning[0].value
    # Another gate or number of inputs brings that gate's own threshold back.
    at.slider(key="neuron.num_inputs").set_value(4).run()
    assert "computes **OR**" in at.success[0].value and at.slider(key="neuron.threshold").max == 9
    assert not at.exception


def test_perceptron_sliders_change_classes(neuron_page):
    at = open_tab(neuron_page, "neuron", "perceptron")
    before = at.metric[0].value
    at.slider(key="neuron.bias").set_value(3.0).run()
    expected = mp.perceptron_predict(mp.random_points(200, 0), (1.0, 0.5), 3.0).sum()
    assert at.metric[0].value == str(expected) != before


def test_learning_rule_steps_to_convergence(neuron_page):
    at = open_tab(neuron_page, "neuron", "rule")
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
    at = open_tab(neuron_page, "neuron", "xor")
    assert any("computes XOR on all four" in s.value for s in at.success)
    at.number_input(key="neuron.xor_output_bias").set_value(0.5).run()  # output bias too high
    assert any("Wrong on" in w.value for w in at.warning)
    at.number_input(key="neuron.xor_hidden_weights_2").set_value(-1.0).run()  # B → h1
    assert at.session_state["neuron.form"].xor_hidden_weights == (1.0, 1.0, -1.0, 1.0)
    at.slider(key="neuron.xor_epochs").set_value(50).run()
    assert "never reaches 0" in at.caption[-1].value
    charts_before = len(at.get("plotly_chart"))
    at.slider(key="neuron.mlp_epochs").set_value(150).run()
    assert len(at.get("plotly_chart")) == charts_before  # a setting alone trains nothing
    at.button(key="neuron.mlp_train").click().run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == charts_before + 2  # the MLP's surface and its loss
    probabilities = next(df.value for df in at.dataframe if "P(XOR = 1)" in df.value)["P(XOR = 1)"]
    assert len(probabilities) == 4 and probabilities.between(0, 1).all()
    at.slider(key="neuron.mlp_units").set_value(8).run()
    assert "Train on XOR again" in texts(at.caption)  # the result shown is the last training's


def test_exercises_are_answered(neuron_page):
    at = open_tab(neuron_page, "neuron", "exercises")
    at.slider(key="neuron.exercise_w1").set_value(-1.0)
    at.slider(key="neuron.exercise_bias").set_value(0.5).run()
    assert any("computes NOT" in s.value for s in at.success)
    at.radio(key="neuron.exercise_gate").set_value("NOR").run()
    at.slider(key="neuron.exercise_w2").set_value(-1.0).run()
    assert any("computes NOR" in s.value for s in at.success)
    at.radio(key="neuron.exercise_gate").set_value("XOR").run()
    assert any("row(s) wrong" in i.value for i in at.info)
    assert not at.exception


@pytest.fixture
def activations_page() -> AppTest:
    return open_page(ACTIVATIONS)


def test_activation_selection_and_layout(activations_page):
    at = activations_page
    assert at.dataframe[0].value.activation.tolist() == ["sigmoid", "tanh", "relu"]
    at.multiselect(key="activations.activations").set_value(["gelu", "leaky_relu", "selu", "linear"]).run()
    at.radio(key="activations.layout").set_value("grid").run()
    at.slider(key="activations.x_range").set_value((-2.0, 8.0)).run()
    table = at.dataframe[0].value.set_index("activation")
    assert list(table.index) == ["gelu", "leaky_relu", "selu", "linear"]
    assert table.loc["leaky_relu", "not differentiable at"] == "x = 0"
    assert at.session_state["activations.form"].x_range == (-2.0, 8.0)
    at.multiselect(key="activations.activations").set_value([]).run()
    assert "Pick at least one" in at.info[0].value
    assert not at.exception


def test_affine_composition(activations_page):
    at = open_tab(activations_page, "activations", "why")
    assert "single affine map 3x − 1.5" in at.success[0].value
    at.selectbox(key="activations.between").select("tanh").run()
    assert "no longer one straight line" in at.warning[0].value
    assert not at.exception


def test_learning_rate_regimes(activations_page):
    at = open_tab(activations_page, "activations", "descent")
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
    at.slider(key="neuron.threshold").set_value(3).run()
    open_tab(at, "neuron", "perceptron")
    # The gates tab's widgets are not drawn now, the perceptron's chart is.
    assert not at.get("graphviz_chart") and len(at.get("plotly_chart")) == 1
    at.slider(key="neuron.bias").set_value(2.0).run()
    open_tab(at, "neuron", "xor")
    open_tab(at, "neuron", "gates")
    assert at.selectbox(key="neuron.gate").value == "OR"
    assert at.slider(key="neuron.threshold").value == 3
    open_tab(at, "neuron", "perceptron")
    assert at.slider(key="neuron.bias").value == 2.0
    assert not at.warning and not at.exception  # no "set via the Session State API" warning


def test_activations_tabs_keep_their_settings(activations_page):
    at = activations_page
    at.multiselect(key="activations.activations").set_value(["gelu"]).run()
    open_tab(at, "activations", "descent")
    assert len(at.get("plotly_chart")) == 5  # GD and its losses, and the three regimes
    at.select_slider(key="activations.learning_rate").set_value(0.03).run()
    open_tab(at, "activations", "functions")
    assert at.multiselect(key="activations.activations").value == ["gelu"]
    assert at.dataframe[0].value.activation.tolist() == ["gelu"]
    open_tab(at, "activations", "descent")
    assert at.select_slider(key="activations.learning_rate").value == 0.03
    assert not at.exception


# ---------------------------------------------------------------- the form is the user's

PAGES = {
    "neuron": (NEURON, neuron_form, ACTIVATIONS),
    # At most 40 steps of descent, which the page computes five times (a second for 200
    # steps each); tests/core/forms takes the whole range through a link.
    "activations": (ACTIVATIONS, lambda rng: activations_form(rng, max_steps=40), NEURON),
}


@pytest.mark.parametrize("page", PAGES)
def test_random_forms_survive_a_page_switch(page):
    """20 random valid forms, each set through a link or the session, then the page is
    left (for the home page, or the other Foundations page, which writes its own
    form into the URL) and opened again: the form and its URL are unchanged."""
    path, draw, other = PAGES[page]
    key = f"{page}.form"
    rng = random.Random(20261203)
    at = open_page(path)
    for case in range(20):
        form = draw(rng)
        if case % 2:  # a link (a reload, a bookmark)
            at.query_params.clear()
            at.query_params.update(to_params(form))
        else:  # the session's form, as the page's widgets leave it
            at.session_state[key] = form
        at.run()
        assert not at.exception and not link_warnings(at), form
        assert at.session_state[key] == form
        for away in ("pages/home.py", other) if case < 2 else (("pages/home.py", other)[case % 2],):
            at.query_params.clear()  # as the browser's navigation does
            at.switch_page(away).run()
            at.query_params.clear()
            at.switch_page(path).run()
            assert not at.exception, form
            assert at.session_state[key] == form
            assert at.query_params == to_params(form)


def test_a_neuron_link_with_bad_values_warns_once_and_keeps_the_rest():
    params = {
        "tab": "exercises",
        "gate": "XOR",
        "w1": "9",
        "mlp_units": "-1",
        "exercise_gate": "NOR",
        "exercise_bias": "[click](http://example.com)" * 10,
        "exercise_w2": "-1.5",
        "gates_hide": "true",
    }
    at = open_page(NEURON, params)
    warnings = link_warnings(at)
    assert ignored(warnings) == ["gate", "w1", "mlp_units", "exercise_bias", "gates_hide"]
    assert "[click](http://example.com)" in warnings[3] and len(warnings[3]) < 250  # cut
    assert "](http" not in texts(at.warning)  # shown as text: no link
    form = at.session_state["neuron.form"]
    assert form == NeuronForm(tab="exercises", exercise_gate="NOR", exercise_w2=-1.5)
    assert at.radio(key="neuron.exercise_gate").value == "NOR"
    assert at.slider(key="neuron.exercise_w2").value == -1.5
    assert at.query_params == to_params(form)  # the URL now says what the page shows
    at.slider(key="neuron.exercise_bias").set_value(1.0).run()
    assert not link_warnings(at) and not at.exception  # once


def test_an_activations_link_with_bad_values_warns_once_and_keeps_the_rest():
    params = {"tab": "why", "a1": "4", "between": "softmax", "x_range": "1", "steps": "7.5", "b1": "-0.5"}
    at = open_page(ACTIVATIONS, params)
    assert ignored(link_warnings(at)) == ["x_range", "a1", "between", "steps"]
    assert at.session_state["activations.form"] == ActivationsForm(tab="why", b1=-0.5)
    assert at.slider(key="activations.a1").value == 2.0 and at.slider(key="activations.b1").value == -0.5
    at.run()
    assert not link_warnings(at) and not at.exception


def test_a_neuron_lesson_link_hides_controls_and_text():
    at = open_page(NEURON, {"tab": "rule", "rule_seed": "3", "only": "rule_seed", "hide_text": "true"})
    assert not at.tabs and not at.select_slider and not at.caption  # the link's section alone
    assert [field.key for field in at.number_input] == ["neuron.rule_seed"]
    assert at.number_input(key="neuron.rule_seed").value == 3
    assert "Rosenblatt" not in texts(at.markdown)
    at.button[1].click().run()  # an epoch of the rule
    assert at.metric[0].value == "1" and not at.exception

    at = open_page(NEURON, {"gate": "OR", "gate_hide": "true", "threshold_hide": "true"})
    assert len(at.tabs) == 5 and not at.selectbox and [s.key for s in at.slider] == ["neuron.num_inputs"]
    assert "at least θ signals" in texts(at.markdown) and "computes **OR**" in at.success[0].value
    at.slider(key="neuron.num_inputs").set_value(5).run()
    assert "computes **OR**" in at.success[0].value and not at.exception


def test_an_activations_lesson_link_hides_controls_and_text():
    at = open_page(
        ACTIVATIONS, {"tab": "descent", "learning_rate": "0.4", "only": "learning_rate", "hide_text": "true"}
    )
    assert not at.tabs and not at.slider and len(at.select_slider) == 1
    assert "Fit ŷ" not in texts(at.markdown) and "gradient descent diverged" in texts(at.error)
    assert len(at.get("plotly_chart")) == 5
    at.select_slider(key="activations.learning_rate").set_value(0.03).run()
    assert not at.error and not at.exception

    at = open_page(ACTIVATIONS, {"activations_hide": "true", "x_range": "-2,2"})
    assert not at.multiselect and at.dataframe[0].value.activation.tolist() == ["sigmoid", "tanh", "relu"]
    assert at.slider(key="activations.x_range").value == (-2.0, 2.0) and not at.exception
