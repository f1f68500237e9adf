"""The Playground page, driven through Streamlit's AppTest, and its figure builders."""

import random
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from core import forms
from core.forms.playground import PlaygroundForm, from_config
from core.playground.config import PlaygroundConfig
from core.playground.data import make_dataset, split_dataset

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/playground.py"


def open_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def link(config: PlaygroundConfig, **view) -> dict[str, str]:
    """The query parameters of a link to `config`."""
    return forms.to_params(from_config(config, **view))


def param(at: AppTest, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value  # AppTest keeps lists


def warnings(at: AppTest) -> list[str]:
    """The warnings as the page shows them: their markdown escapes and invisible word
    joiners taken out."""
    return [re.sub(r"\\(.)", r"\1", w.value).replace("\u2060", "") for w in at.warning]


def texts(elements) -> str:
    return "\n".join(getattr(element, "value", element) for element in elements)


def epoch_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Epoch"))


@pytest.fixture
def short_live_runs(monkeypatch):
    """While playing, the page redraws in a loop for LIVE_SECONDS; keep tests short."""
    from ui.playground import view as playground

    monkeypatch.setattr(playground, "LIVE_SECONDS", 0.3)


def test_page_opens_with_the_defaults_and_writes_them_into_the_url():
    at = open_page()
    assert epoch_line(at).startswith("**Epoch 0**")
    assert param(at, "dataset") == "circle" and param(at, "hidden_layers") == "4,2"
    assert len(at.get("plotly_chart")) == 1  # the paused page shows the interactive chart
    assert any("model.fit(" in code.value for code in at.code)


@pytest.mark.slow
def test_step_trains_one_epoch_and_reset_starts_over():
    at = open_page()
    at.button(key="playground.step").click().run()
    assert not at.exception
    assert epoch_line(at).startswith("**Epoch 1**")
    at.button(key="playground.step").click().run()
    assert epoch_line(at).startswith("**Epoch 2**")
    at.button(key="playground.reset").click().run()
    assert epoch_line(at).startswith("**Epoch 0**")


@pytest.mark.slow
def test_play_trains_and_draws_live_frames_then_pause_stops(short_live_runs):
    at = open_page()
    at.button(key="playground.play").click().run()
    assert not at.exception
    epoch = int(epoch_line(at).split("**")[1].split()[1].replace(",", ""))
    assert epoch >= 5  # at least one update of 5 epochs
    assert len(at.get("image")) == 1  # live frames are pictures
    at.button(key="playground.play").click().run()  # now "Pause"
    assert not at.exception
    assert at.button(key="playground.play").label == "Play"
    assert len(at.get("plotly_chart")) == 1


@pytest.mark.slow
def test_changing_widgets_changes_the_network_and_the_url():
    at = open_page()
    at.button(key="playground.add_layer").click().run()
    at.button(key="playground.units_plus_0").click().run()
    at.selectbox(key="playground.activation").select("relu").run()
    at.checkbox(key="playground.feature.x1_squared").check().run()
    at.radio(key="playground.dataset").set_value("spiral").run()
    assert not at.exception
    assert param(at, "hidden_layers") == "5,2,2"
    assert param(at, "activation") == "relu"
    assert param(at, "features") == "x1,x2,x1_squared"
    assert param(at, "dataset") == "spiral"
    assert "**3 hidden layers**" in [m.value for m in at.markdown]


@pytest.mark.slow
def test_the_experiment_survives_a_visit_to_another_page():
    at = open_page()
    at.selectbox(key="playground.activation").select("relu").run()
    at.checkbox(key="playground.feature.x1x2").check().run()
    at.button(key="playground.step").click().run()
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="playground.activation").value == "relu"
    assert at.checkbox(key="playground.feature.x1x2").value
    assert epoch_line(at).startswith("**Epoch 1**")  # the same trainer, kept
    assert at.number_input(key=VALUE).value == live(trainer_of(at), at.selectbox(key=MENU).value)


@pytest.mark.slow
def test_a_diverging_network_says_so(short_live_runs):
    config = PlaygroundConfig(
        problem="regression",
        dataset="plane",
        activation="relu",
        learning_rate=10.0,
        features=("x1", "x2", "x1_squared", "x2_squared"),
        hidden_layers=(8, 8),
    )
    at = open_page(link(config))
    at.button(key="playground.play").click().run()
    assert not at.exception
    assert any("training diverged" in error.value for error in at.error)
    assert at.button(key="playground.play").label == "Play"  # stopped by itself


def test_switching_to_regression_picks_a_regression_data_set():
    at = open_page()
    at.selectbox(key="playground.problem").select("regression").run()
    assert not at.exception
    assert at.radio(key="playground.dataset").value == "plane"
    assert at.selectbox(key="playground.loss").disabled


def test_no_features_is_an_error_not_a_crash():
    at = open_page()
    at.checkbox(key="playground.feature.x1").uncheck().run()
    at.checkbox(key="playground.feature.x2").uncheck().run()
    assert not at.exception
    assert any("Received: features=()" in error.value for error in at.error)


def test_a_link_reopens_the_same_experiment():
    config = PlaygroundConfig(dataset="xor", noise=20, hidden_layers=(3,), activation="sigmoid", seed=99)
    at = open_page(link(config))
    assert at.radio(key="playground.dataset").value == "xor"
    assert at.slider(key="playground.noise").value == 20
    assert at.selectbox(key="playground.activation").value == "sigmoid"
    assert "**1 hidden layer**" in [m.value for m in at.markdown]
    assert not at.warning


def test_a_bad_link_warns_and_falls_back():
    at = open_page({"noise": "80", "hidden_layers": "4,x"})
    assert not at.exception
    assert len(at.warning) == 2
    assert at.slider(key="playground.noise").value == 0


# ---- the page's form: page switches, links old and bad, lesson links ---------------


def test_random_forms_survive_a_page_switch_unchanged():
    from tests.core.forms.test_playground_form import random_form

    at = open_page()
    rng = random.Random(20)
    for _ in range(20):
        form = random_form(rng)
        at.query_params.clear()
        at.query_params.update(forms.to_params(form))
        at.run()
        assert not at.exception and not at.warning, (form, texts(at.warning))
        assert at.session_state["playground.form"] == form
        # A browser's page switch drops the query parameters (AppTest keeps them): the
        # page comes back from the session's form alone.
        at.query_params.clear()
        at.switch_page("pages/home.py").run()
        at.switch_page(PAGE).run()
        assert not at.exception, form
        assert at.session_state["playground.form"] == form
        assert param(at, "seed") == str(form.seed)  # and writes it into the URL again
        # What the controls show is the form.
        assert at.radio(key="playground.dataset").value == form.dataset
        assert at.selectbox(key="playground.activation").value == form.activation
        assert at.select_slider(key="playground.learning_rate").value == form.learning_rate
        assert at.toggle(key="playground.discretize").value == form.discretize
        assert at.checkbox(key="playground.feature.sin_x2").value == ("sin_x2" in form.features)
        assert at.selectbox(key="playground.epochs_per_update").value == form.epochs_per_update
        assert f"**{len(form.hidden_layers)} hidden layer" in texts(at.markdown)


def test_a_link_copied_before_the_form_opens_the_same_experiment():
    from tests.core.forms.test_playground_form import OLD_LINKS, OLD_VIEW

    for params, config in OLD_LINKS:
        at = open_page(params | OLD_VIEW)
        assert not at.warning, texts(at.warning)
        assert trainer_of(at).config == config
        form = at.session_state["playground.form"]
        assert (form.epochs_per_update, form.show_test_data, form.discretize) == (10, False, True)


def test_each_bad_link_value_warns_once_and_falls_back_alone():
    at = open_page(
        {
            "noise": "80",
            "activation": "softmaxx",
            "hidden_layers": "4,x",
            "batch_size": "0",
            "learning_rate": "0.1",
            "features": "x1,x1_squared",
            "dataset": "upload",
        }
    )
    assert not at.exception
    shown = warnings(at)
    assert len(shown) == 5, shown
    for name in ("noise=80", "activation=softmaxx", "hidden_layers=4,x", "batch_size=0"):
        assert sum(f"Ignored `{name}` from the link" in warning for warning in shown) == 1, (name, shown)
    assert "The link names uploaded points, which links cannot carry; upload the CSV file again." in shown
    form = at.session_state["playground.form"]
    assert form == PlaygroundForm(learning_rate=0.1, features=("x1", "x1_squared"))
    assert param(at, "noise") == "0" and param(at, "learning_rate") == "0.1"
    at.toggle(key="playground.discretize").set_value(True).run()  # the next interaction
    assert not at.warning and not at.exception


def test_a_link_to_uploaded_points_keeps_its_problem_type_with_a_warning():
    at = open_page({"problem": "regression", "dataset": "upload", "noise": "10"})
    assert warnings(at) == ["The link names uploaded points, which links cannot carry; upload the CSV file again."]
    form = at.session_state["playground.form"]
    assert (form.problem, form.dataset, form.noise) == ("regression", "plane", 10)
    assert param(at, "dataset") == "plane"


def test_a_lesson_link_shows_only_the_controls_it_names_and_still_plays(short_live_runs):
    at = open_page({"only": "learning_rate", "hide_text": "true", "hidden_layers": "3", "activation": "relu"})
    assert not at.exception and not at.warning
    widgets = [*at.selectbox, *at.select_slider, *at.slider, *at.number_input, *at.radio, *at.checkbox, *at.toggle]
    assert [widget.key for widget in widgets] == ["playground.learning_rate"]
    assert [button.key for button in at.button] == ["playground.play", "playground.step", "playground.reset"]
    assert not at.get("file_uploader") and not at.expander and not at.caption[1:]  # the layer's own caption
    assert at.caption[0].value == "Layer 1: 3 neurons"
    at.select_slider(key="playground.learning_rate").set_value(0.3).run()
    at.button(key="playground.play").click().run()
    assert not at.exception and not at.error
    assert trainer_of(at).epoch >= 5 and trainer_of(at).config.learning_rate == 0.3
    assert trainer_of(at).config.hidden_layers == (3,) and trainer_of(at).config.activation == "relu"
    assert param(at, "activation_hide") == "true" and "learning_rate_hide" not in at.query_params


def test_every_control_hides_by_its_name_and_the_page_still_trains():
    hidden = ("dataset", "features", "hidden_layers", "dropout", "seed", "upload", "editor", "code", "show_test_data")
    at = open_page({f"{name}_hide": "true" for name in hidden} | {"dataset": "xor"})
    assert not at.exception and not at.warning
    assert not at.radio and not at.checkbox and not at.get("file_uploader") and not at.expander
    keys = {widget.key for widget in [*at.selectbox, *at.toggle, *at.number_input, *at.button]}
    assert not {key for key in keys if "layer" in key or "units" in key or "dropout" in key or "edit" in key}
    assert "playground.show_test_data" not in keys and "playground.discretize" in keys
    assert "playground.noise" in {widget.key for widget in at.slider}
    assert not [button for button in at.button if button.label == "Regenerate"]
    at.button(key="playground.step").click().run()
    assert not at.exception and epoch_line(at).startswith("**Epoch 1**")
    assert trainer_of(at).config.dataset == "xor"


def test_the_books_first_exercise_as_a_lesson_link():
    at = open_page({"dataset": "circle", "hidden_layers": "3", "only": "learning_rate,activation"})
    assert not at.exception and not at.warning and not at.error
    keys = {widget.key for widget in [*at.selectbox, *at.select_slider, *at.slider, *at.radio, *at.checkbox]}
    assert keys == {"playground.learning_rate", "playground.activation"}
    assert trainer_of(at).config == PlaygroundConfig(dataset="circle", hidden_layers=(3,))


# ---- parity: zero layers, mid-run changes, links, labels, toggles -----------------


def trainer_of(at: AppTest):
    return at.session_state["playground.trainer"]


@pytest.mark.slow
def test_zero_hidden_layers_from_a_link_and_from_the_minus_button():
    at = open_page({"hidden_layers": "", "features": "x1_squared,x2_squared"})
    assert not at.exception and not at.error
    assert "**0 hidden layers**" in [m.value for m in at.markdown]
    assert len(at.get("plotly_chart")) == 1
    at = open_page()
    at.button(key="playground.remove_layer").click().run()
    at.button(key="playground.remove_layer").click().run()
    assert not at.exception and not at.error
    assert param(at, "hidden_layers") == ""
    at.button(key="playground.step").click().run()
    assert not at.exception and epoch_line(at).startswith("**Epoch 1**")


@pytest.mark.slow
def test_a_new_learning_rate_mid_run_keeps_the_run():
    at = open_page()
    at.button(key="playground.step").click().run()
    at.button(key="playground.step").click().run()
    trainer = trainer_of(at)
    at.select_slider(key="playground.learning_rate").set_value(0.003).run()
    assert not at.exception
    assert epoch_line(at).startswith("**Epoch 2**")  # not back to 0
    assert trainer_of(at) is trainer
    assert float(trainer.optimizer.learning_rate) == pytest.approx(0.003)
    for change in (
        lambda: at.number_input(key="playground.batch_size").set_value(25),
        lambda: at.selectbox(key="playground.regularization").select("l2"),
        lambda: at.select_slider(key="playground.regularization_rate").set_value(0.01),
        lambda: at.selectbox(key="playground.optimizer").select("adam"),
    ):
        change().run()
        assert not at.exception and epoch_line(at).startswith("**Epoch 2**")
    assert trainer_of(at) is trainer and trainer.config.optimizer == "adam"
    at.selectbox(key="playground.activation").select("relu").run()  # structural: a new run
    assert epoch_line(at).startswith("**Epoch 0**") and trainer_of(at) is not trainer


MENU, VALUE, SET = "playground.edit_item", "playground.edit_value", "playground.edit_set"


def click_chart(at: AppTest, *customdata) -> AppTest:
    """Clicks the paused chart's target `customdata` (`ui.playground.figures.Target.key`),
    as the browser reports a click. AppTest reruns the whole page for it, where the
    browser reruns the live view's fragment alone: tests/e2e/test_playground.py checks
    that the editor follows there too."""
    import json

    from streamlit.proto.WidgetStates_pb2 import WidgetState

    chart = at.get("plotly_chart")[0]
    selection = {"points": [{"customdata": list(customdata)}], "point_indices": [0], "box": [], "lasso": []}
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=chart.proto.id, string_value=json.dumps({"selection": selection})))
    return at._run(states)


def live(trainer, item: tuple) -> float:
    kernel, bias = trainer.weights()[item[1]]
    return float(bias[item[2]] if item[0] == "bias" else kernel[item[2], item[3]])


def losses_shown(at: AppTest) -> tuple[float, float]:
    numbers = re.search(r"training loss ([\d.]+) · test loss ([\d.]+)", epoch_line(at))
    return float(numbers.group(1)), float(numbers.group(2))


def losses_of(trainer) -> tuple[float, float]:
    """The trainer's cross-entropies computed here, from its predictions."""
    import keras

    data = trainer.data
    return tuple(
        float(keras.losses.binary_crossentropy(y, trainer.predict(x)))
        for x, y in ((data.x_train, data.y_train), (data.x_test, data.y_test))
    )


def view_picture(at: AppTest) -> np.ndarray:
    """The paused chart's picture, as the browser gets it: (height, width, 3) ints."""
    import base64
    import io
    import json

    from PIL import Image

    source = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["images"][0]["source"]
    data = base64.b64decode(source.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype="int16")


@pytest.mark.slow
def test_a_link_weight_is_edited_from_the_page():
    at = open_page()
    trainer = trainer_of(at)
    before = trainer.grids()[-1].copy()
    at.selectbox(key=MENU).set_value(("weight", 1, 2, 1)).run()
    assert at.number_input(key=VALUE).value == live(trainer, ("weight", 1, 2, 1))
    at.number_input(key=VALUE).set_value(3.5).run()
    at.button(key=SET).click().run()
    assert not at.exception
    assert trainer.weights()[1][0][2, 1] == pytest.approx(3.5)
    assert at.number_input(key=VALUE).value == pytest.approx(3.5)
    assert np.abs(trainer.grids()[-1] - before).max() > 1e-3  # the surface follows
    titles = at.selectbox(key=MENU).options
    assert len(titles) == (2 * 4 + 4 * 2 + 2 * 1) + (4 + 2 + 1)  # every link and every bias
    assert "layer 1, neuron 3 → layer 2, neuron 2" in titles
    assert "Bias of neuron 2 in layer 1" in titles and "Bias of the output" in titles


@pytest.mark.slow
def test_a_click_on_a_link_or_a_neuron_opens_it_in_the_editor():
    at = open_page()
    at.button(key="playground.step").click().run()
    trainer = trainer_of(at)
    click_chart(at, "link", 1, 2, 1)
    assert not at.exception
    assert at.selectbox(key=MENU).value == ("weight", 1, 2, 1)
    assert at.number_input(key=VALUE).value == live(trainer, ("weight", 1, 2, 1))
    click_chart(at, "node", 1, 1)  # layer 1, neuron 2: shown large, and its bias opens
    assert at.session_state["playground.focus"] == (1, 1)
    assert at.selectbox(key=MENU).value == ("bias", 0, 1)
    assert at.number_input(key=VALUE).label == "Bias" and at.button(key=SET).label == "Set bias"
    assert at.number_input(key=VALUE).value == live(trainer, ("bias", 0, 1))
    click_chart(at, "node", 3, 0)  # the output's bias
    assert at.selectbox(key=MENU).value == ("bias", 2, 0)
    click_chart(at, "node", 0, 1)  # an input has no bias: shown large, the editor stays
    assert at.session_state["playground.focus"] == (0, 1)
    assert at.selectbox(key=MENU).value == ("bias", 2, 0)
    assert not at.exception


@pytest.mark.slow
def test_the_value_box_shows_the_live_value_after_steps_play_pause_and_reset(short_live_runs):
    at = open_page()
    item = ("weight", 0, 1, 2)
    at.selectbox(key=MENU).set_value(item).run()
    untrained = at.number_input(key=VALUE).value
    for _ in range(3):
        at.button(key="playground.step").click().run()
    trainer = trainer_of(at)
    assert at.number_input(key=VALUE).value == live(trainer, item) != untrained
    at.button(key="playground.play").click().run()
    # While playing the model changes under the box, so it is empty and waits for Pause.
    assert at.number_input(key=VALUE).value is None and at.number_input(key=VALUE).disabled
    assert at.button(key=SET).disabled
    at.button(key="playground.play").click().run()  # Pause
    assert trainer.epoch > 3
    assert at.number_input(key=VALUE).value == live(trainer, item)
    at.number_input(key=VALUE).set_value(4.0).run()  # typed, not set: a step drops it
    at.button(key="playground.step").click().run()
    assert at.number_input(key=VALUE).value == live(trainer, item) != 4.0
    at.button(key="playground.reset").click().run()
    assert trainer_of(at) is not trainer
    assert at.number_input(key=VALUE).value == live(trainer_of(at), item) == untrained
    assert not at.exception


@pytest.mark.slow
def test_set_without_typing_never_changes_the_model():
    at = open_page()
    at.button(key="playground.step").click().run()
    at.button(key="playground.step").click().run()
    trainer = trainer_of(at)
    weights = [[array.copy() for array in layer] for layer in trainer.weights()]
    for item in (("weight", 1, 2, 1), ("bias", 0, 3)):
        at.selectbox(key=MENU).set_value(item).run()
        at.button(key=SET).click().run()
        # Not even rounded to the box's three decimals.
        assert all(np.array_equal(a, b) for new, old in zip(trainer.weights(), weights) for a, b in zip(new, old))
    assert len(trainer.history["loss"]) == 3  # and no edit recorded
    # A typed value waits through other reruns (a toggle) until it is set.
    at.number_input(key=VALUE).set_value(-1.25).run()
    at.toggle(key="playground.show_test_data").set_value(False).run()
    assert at.number_input(key=VALUE).value == -1.25
    at.button(key=SET).click().run()
    assert trainer.weights()[0][1][3] == -1.25
    assert not at.exception


@pytest.mark.slow
def test_a_set_bias_recomputes_the_header_loss_the_surface_and_the_neuron_maps():
    at = open_page()
    at.button(key="playground.step").click().run()
    trainer = trainer_of(at)
    shown, picture = losses_shown(at), view_picture(at)
    at.selectbox(key=MENU).set_value(("bias", 0, 1)).run()  # layer 1, neuron 2
    at.number_input(key=VALUE).set_value(-2.0).run()
    at.button(key=SET).click().run()
    assert not at.exception
    assert trainer.weights()[0][1][1] == -2.0
    assert epoch_line(at).startswith("**Epoch 1**")  # no training step
    assert losses_shown(at) != shown
    assert losses_shown(at) == pytest.approx(losses_of(trainer), abs=1e-4)
    after = view_picture(at)
    from ui.playground import figures

    x, y = figures.node_centers([2, 4, 2, 1])[1][1]
    tile = (slice(int(y) - 18, int(y) + 18), slice(int(x) - 18, int(x) + 18))
    assert np.abs(after[tile] - picture[tile]).mean() > 10  # the neuron's map
    top, left, size = figures.SURFACE_TOP, figures.SURFACE_LEFT, figures.SURFACE_SIZE
    surface = (slice(top, top + size), slice(left, left + size))
    assert np.abs(after[surface] - picture[surface]).mean() > 1  # and the output follow at once
    # A weight, too.
    at.selectbox(key=MENU).set_value(("weight", 2, 0, 0)).run()
    at.number_input(key=VALUE).set_value(6.0).run()
    at.button(key=SET).click().run()
    assert losses_shown(at) == pytest.approx(losses_of(trainer), abs=1e-4)


def test_a_value_out_of_float32s_range_is_refused_with_a_message():
    at = open_page()
    trainer = trainer_of(at)
    at.selectbox(key=MENU).set_value(("bias", 1, 0)).run()
    at.number_input(key=VALUE).set_value(1e39).run()
    at.button(key=SET).click().run()
    assert not at.exception
    assert any("Received: value=1e+39" in error.value for error in at.error)
    assert trainer.weights()[1][1][0] == 0.0 and len(trainer.history["loss"]) == 1


@pytest.mark.slow
def test_every_frame_carries_its_weights_and_biases_for_the_hover_labels(short_live_runs):
    import html
    import json

    from ui.playground import figures

    def values(at):
        (element,) = at.get("html")
        return json.loads(
            html.unescape(re.fullmatch(r"<div class=\"playground-values\">(.*)</div>", element.proto.body)[1])
        )

    at = open_page()
    trainer = trainer_of(at)
    assert values(at) == figures.hover_values(trainer)
    at.button(key="playground.play").click().run()
    shown = values(at)
    assert shown["epoch"] > 0 and len(shown["weights"]) == 18 and len(shown["biases"]) == 7
    at.button(key="playground.play").click().run()  # Pause
    assert values(at) == figures.hover_values(trainer) and values(at)["epoch"] == trainer.epoch


@pytest.mark.slow
def test_regression_shows_squared_error_and_the_url_keeps_epochs_per_update():
    at = open_page({"epochs_per_update": "10"})
    assert at.selectbox(key="playground.epochs_per_update").value == 10
    assert param(at, "epochs_per_update") == "10"
    at.selectbox(key="playground.problem").select("regression").run()
    assert at.selectbox(key="playground.loss").options == ["squared error", "squared error"]
    at.toggle(key="playground.show_test_data").set_value(False).run()
    at.toggle(key="playground.discretize").set_value(True).run()
    assert not at.exception
    bad = open_page({"epochs_per_update": "7"})
    assert any("epochs_per_update=7" in w for w in warnings(bad))


def test_a_link_with_the_view_toggles_reopens_with_them_and_keeps_them():
    at = open_page({"show_test_data": "false", "discretize": "true"})
    assert not at.warning
    assert at.toggle(key="playground.show_test_data").value is False
    assert at.toggle(key="playground.discretize").value is True
    assert param(at, "show_test_data") == "false" and param(at, "discretize") == "true"
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.toggle(key="playground.show_test_data").value is False
    assert at.toggle(key="playground.discretize").value is True
    assert param(at, "show_test_data") == "false" and param(at, "discretize") == "true"


def test_toggling_the_view_writes_the_url():
    at = open_page()
    # Written like every other parameter, defaults included.
    assert param(at, "show_test_data") == "true" and param(at, "discretize") == "false"
    at.toggle(key="playground.show_test_data").set_value(False).run()
    assert param(at, "show_test_data") == "false" and param(at, "discretize") == "false"
    at.toggle(key="playground.discretize").set_value(True).run()
    assert not at.exception
    assert param(at, "show_test_data") == "false" and param(at, "discretize") == "true"
    at.toggle(key="playground.show_test_data").set_value(True).run()
    assert param(at, "show_test_data") == "true"


def test_a_bad_toggle_in_a_link_warns_as_plain_text_and_falls_back():
    bad_link = "[free prize](https://example.com) ![](https://example.com/a.png) :red[x]"
    at = open_page({"show_test_data": "maybe", "discretize": bad_link})
    assert not at.exception
    shown = warnings(at)
    assert len(shown) == 2
    assert "Ignored `show_test_data=maybe` from the link: expected true or false. Using True." in shown
    assert f"Ignored `discretize={bad_link}` from the link: expected true or false. Using False." in shown
    # Every bracket and colon of the link's value is escaped: no link, image or colour.
    assert all(re.search(r"(?<!\\)[\[\]():!]", w.value) is None for w in at.warning)
    assert at.toggle(key="playground.show_test_data").value is True
    assert at.toggle(key="playground.discretize").value is False
    assert param(at, "show_test_data") == "true" and param(at, "discretize") == "false"


def test_bare_addresses_in_a_link_do_not_become_links():
    at = open_page({"noise": "http://evil.example www.evil.example me@evil.example"})
    assert not at.exception
    (shown,) = at.warning
    # Markdown turns a bare address into a link even when escaped: each is broken by an
    # invisible word joiner, so the text reads the same and is no address.
    assert "://" not in shown.value and "www" not in shown.value and "@e" not in shown.value
    assert warnings(at) == [
        "Ignored `noise=http://evil.example www.evil.example me@evil.example` from the link: expected a whole number. "
        "Using 0."
    ]


@pytest.mark.slow
def test_multiclass_data_trains_a_softmax_output():
    at = open_page()
    at.radio(key="playground.dataset").set_value("three_gaussians").run()
    at.button(key="playground.step").click().run()
    assert not at.exception and not at.error
    assert trainer_of(at).model.output_shape == (None, 3)


@pytest.mark.slow
def test_dropout_per_layer_goes_into_the_url():
    at = open_page()
    at.selectbox(key="playground.dropout_1").set_value(0.2).run()
    assert not at.exception
    assert param(at, "dropout") == "0.0,0.2"
    assert trainer_of(at).config.dropout == (0.0, 0.2)


def test_a_clicked_neuron_is_shown_large():
    at = open_page()
    at.session_state["playground.focus"] = (1, 0)
    at.run()
    assert not at.exception
    figure = at.get("plotly_chart")[0].proto.spec
    assert "layer 1, neuron 1" in figure  # the neuron's own hover targets, and the view drawn


def _upload_twice():
    import streamlit as st

    from ui.playground import view as ui

    class File:
        def __init__(self, name, data):
            self.name, self.data = name, data

        def getvalue(self):
            return self.data

    form = ui.bind()
    good = ("x1,x2,label\n" + "".join(f"{i % 5},{i % 7},{i % 2}\n" for i in range(30))).encode()
    st.session_state[ui.UPLOAD_WIDGET] = File("good.csv", good)
    ui.on_upload(form)
    st.session_state[ui.UPLOAD_WIDGET] = File("bad.csv", b"x1,x2,label\n1,2\n")
    ui.on_upload(form)
    st.write(st.session_state[ui.UPLOADED].name, form.value.dataset)
    st.error(st.session_state[ui.UPLOAD_ERROR])


def test_a_bad_upload_after_a_good_one_keeps_the_good_points():
    at = AppTest.from_function(_upload_twice, default_timeout=30).run()
    assert not at.exception
    assert at.markdown[0].value == "good.csv upload"
    assert "Received an invalid CSV file" in at.error[0].value


def test_hosted_mode_refuses_a_big_network_with_a_message(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    at = open_page({"hidden_layers": "8,8"})
    assert not at.exception and not at.error
    assert any("this server trains Playground networks of at most 4 hidden layers" in w for w in warnings(at))
    assert param(at, "hidden_layers") == "4,2"  # the default network instead
    assert 25 not in at.selectbox(key="playground.epochs_per_update").options


@pytest.mark.slow
def test_hosted_mode_stops_a_run_at_its_epoch_cap(monkeypatch, short_live_runs):
    from core.playground import limits

    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setattr(limits, "HOSTED", limits.HOSTED.__class__(max_epochs=3, max_epochs_per_update=10))
    at = open_page()
    for _ in range(4):
        at.button(key="playground.step").click().run()
    assert not at.exception
    assert epoch_line(at).startswith("**Epoch 3**")
    assert any("this server stops a Playground run at 3" in e.value for e in at.error)


# ---- figures ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained():
    from core.playground.model import Trainer

    config = PlaygroundConfig(features=("x1", "x2", "sin_x1"), hidden_layers=(4, 3))
    points, labels = make_dataset("circle", noise=0.1, seed=0)
    trainer = Trainer(config, split_dataset(points, labels, 0.5, 0), resolution=20)
    trainer.step(3)
    return config, trainer


def test_paused_chart_is_the_playing_picture_with_hover_targets(trained):
    import base64
    import io

    from PIL import Image

    from ui.playground import figures

    config, trainer = trained
    view = figures.draw_view(config, trainer, trainer.grids())
    figure = figures.view_figure(view)
    go.Figure(figure.to_dict())  # validates every property the fast path skipped
    assert (figure.layout.width, figure.layout.height) == view.image.size == (figures.WIDTH, figures.HEIGHT)
    source = figure.layout.images[0].source.split(",", 1)[1]
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(source))).convert("RGB")).astype(int)
    assert np.abs(shown - np.asarray(view.image).astype(int)).mean() < 3  # the same picture
    links = figure.data[0]
    assert len(links.text) == 3 * 4 + 4 * 3 + 3 * 1 and all("weight" in text for text in links.text)
    assert len(figure.data[1].text) == 3 + 4 + 3 + 1  # one target per node
    orange = (np.abs(np.asarray(view.image).astype(int) - figures.ORANGE).sum(axis=2) < 30).mean()
    assert orange > 0.01  # heatmaps drawn, not a blank canvas


@pytest.mark.parametrize("layers", [(4, 2), (8, 8, 8, 8)])
def test_every_link_has_its_own_hover_target(layers):
    from core.playground.model import Trainer
    from ui.playground import figures

    config = PlaygroundConfig(hidden_layers=layers)
    trainer = Trainer(config, split_dataset(*make_dataset("circle", 100), 0.5, 0), resolution=10)
    view = figures.draw_view(config, trainer, trainer.grids())
    points = np.array([(t.x, t.y) for t in view.links])
    sizes = (2,) + layers + (1,)
    assert len(points) == sum(a * b for a, b in zip(sizes, sizes[1:]))  # 18, or 216
    distance = np.linalg.norm(points[:, None] - points[None], axis=2) + np.eye(len(points)) * 1e9
    assert distance.min() > 2.0  # pixels: no two links share a target, crossing or not


def test_link_colours_follow_the_weight_on_a_diverging_scale():
    from ui.playground import figures

    grey, light, strong = figures.link_color(0.0), figures.link_color(0.5), figures.link_color(1.5)
    assert light != grey and light != strong and strong == tuple(int(c) for c in figures.BLUE)
    assert figures.link_color(-1.5) == tuple(int(c) for c in figures.ORANGE)


def test_discretize_and_multiclass_surfaces(trained):
    from ui.playground import figures

    output = np.linspace(0, 1, 16, dtype="float32").reshape(4, 4, 1)
    assert len(np.unique(figures.output_rgb(output, "classification", discretize=True).reshape(-1, 3), axis=0)) == 2
    assert len(np.unique(figures.output_rgb(output, "classification").reshape(-1, 3), axis=0)) > 8
    probabilities = np.eye(3, dtype="float32")[np.arange(9).reshape(3, 3) % 3]
    rgb = figures.output_rgb(probabilities, "classification")
    assert tuple(rgb[0, 2]) == tuple(int(c) for c in figures.CLASS_COLORS[2])


def test_hover_layout_names_every_tile_where_the_picture_draws_it(trained):
    import json

    from PIL import Image

    from ui.playground import figures

    config, trainer = trained
    layout = figures.hover_layout(config, trainer)
    json.dumps(layout)  # it goes to the browser as it is
    tiles = layout["tiles"]
    assert len(tiles) == 3 + 4 + 3  # inputs and hidden neurons; the output is the surface
    assert tiles[3]["name"] == "layer 1, neuron 1" and tiles[-1]["name"] == "layer 2, neuron 3"
    picture = np.asarray(figures.draw_view(config, trainer, trainer.grids()).image)
    # Layer 1, neuron 2's square is exactly its heatmap, inside the outline.
    tile = tiles[4]
    heatmap = figures._tile(trainer.grids()[0][::-1, :, 1], 1, 3, config.problem, 1, 4)
    big = np.asarray(Image.fromarray(heatmap).resize((figures.NODE, figures.NODE), Image.NEAREST))
    x, y, size = tile["x"], tile["y"], tile["size"]
    origin = x - 2, y - 2  # where the picture pasted the heatmap
    assert size == figures.NODE - 4
    assert np.array_equal(picture[y : y + size, x : x + size], big[2 : 2 + size, 2 : 2 + size])
    assert origin == tuple(int(c - figures.NODE / 2) for c in figures.node_centers([3, 4, 3, 1])[1][1])
    assert len(layout["points"]) == len(trainer.data.x_train) + len(trainer.data.x_test)
    assert len(figures.hover_layout(config, trainer, show_test=False)["points"]) == len(trainer.data.x_train)
    assert layout["surface"] == dict(
        x=figures.SURFACE_LEFT, y=figures.SURFACE_TOP, size=figures.SURFACE_SIZE, title_y=figures.SURFACE_TOP - 14
    )


def test_the_playing_labels_name_each_value_where_the_chart_has_its_target(trained):
    import json

    from ui.playground import figures

    config, trainer = trained
    layout, values = figures.hover_layout(config, trainer), figures.hover_values(trainer)
    json.dumps(values)  # it goes to the browser as it is
    view = figures.draw_view(config, trainer, trainer.grids())
    assert len(layout["links"]) == len(values["weights"]) == len(view.links) == 3 * 4 + 4 * 3 + 3 * 1
    for link, weight, target in zip(layout["links"], values["weights"], view.links):
        # The paused chart's label, word for word, at the same pixel.
        assert (link["x"], link["y"]) == pytest.approx((target.x, target.y), abs=0.01)
        assert target.text.startswith(f"{link['name']}<br>weight {weight}<br>")
    nodes = view.nodes[len(config.features) :]  # the inputs have no bias
    assert len(layout["neurons"]) == len(values["biases"]) == len(nodes) == 4 + 3 + 1
    for neuron, bias, target in zip(layout["neurons"], values["biases"], nodes):
        assert (neuron["x"], neuron["y"]) == (target.x, target.y)
        assert target.text.startswith(f"{neuron['name']}<br>bias {bias}<br>")
    kernel, bias = trainer.weights()[1]
    assert values["weights"][3 * 4 + 1 * 3 + 1] == f"{kernel[1, 1]:+.3f}"  # layer 1, neuron 2 → layer 2, neuron 2
    assert values["biases"][4 + 2] == f"{bias[2]:+.3f}"
