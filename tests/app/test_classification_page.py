"""The classification page end to end, as a user drives it, on small subsets."""

import pytest

from tests.app.helpers import button, finish_jobs, open_page, preset_shown, texts

PAGE = "pages/classification.py"


def configure(at, *, dataset="fashion_mnist", units=32, num_train=500, epochs=2, batch_size=32, **form):
    """Sets the architecture and the training fields (each applies at once, as in the
    browser), then presses Train."""
    at.button_group(key="classification.dataset").set_value(dataset).run()
    at.number_input(key="classification.num_layers").set_value(1)
    at.number_input(key="classification.units_0").set_value(units)
    at.run()
    at.selectbox(key="classification.num_train").set_value(num_train)
    at.number_input(key="classification.epochs").set_value(epochs)
    at.number_input(key="classification.batch_size").set_value(batch_size)
    for key, value in form.items():
        widget = (
            at.selectbox(key=f"classification.{key}")
            if key == "optimizer"
            else at.number_input(key=f"classification.{key}")
        )
        widget.set_value(value)
    button(at, "Train").click()
    return finish_jobs(at.run())


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_defaults_show_the_course_model():
    at = open_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Classification MLP"
    assert "Total params: 266,610" in texts(at.markdown)
    assert at.number_input(key="classification.units_0").value == 300
    assert at.number_input(key="classification.units_1").value == 100
    assert "Not trained yet" in texts(at.info)


@pytest.mark.slow
def test_train_evaluate_then_come_back_from_the_cache():
    at = configure(open_page(PAGE))
    assert not at.exception, at.exception
    assert "Total params: 25,450" in texts(at.markdown)  # (784 + 1) * 32 + (32 + 1) * 10
    accuracy = float(metric(at, "Test accuracy").rstrip("%")) / 100
    assert 0.5 < accuracy <= 1.0  # 500 images, 2 epochs: far above chance (0.1)
    assert metric(at, "Epochs") == "2"
    assert metric(at, "Parameters") == "25,450"
    assert not any("Loaded from cache" in s.value for s in at.success)
    assert [tab.label for tab in at.tabs] == [
        "Learning curves",
        "Confusion matrix",
        "Test predictions",
        "Most confidently wrong",
        # Inside the network, recorded while it trained:
        "What the first layer looks for",
        "Weights and activations",
        "Dead and saturated units",
        "Gradient norms",
    ]
    # Only the open tabs draw: the learning curves and the first layer's weights.
    assert [chart.key for chart in at.get("plotly_chart")] == ["classification.curves", "classification.inside.images"]
    at.session_state["classification.result_tab"] = "Test predictions"
    at.run()
    assert len(at.get("plotly_chart")) == 1 + 6  # the probability bars of six images, the weights
    at.session_state["classification.result_tab"] = "Confusion matrix"
    at.run()
    assert "classification.cm" in [chart.key for chart in at.get("plotly_chart")]

    # A new session (as after a restart) with the same settings: Train shows the stored
    # run at once instead of training.
    again = configure(open_page(PAGE))
    assert not again.exception
    assert any("Loaded from cache" in s.value for s in again.success)
    assert metric(again, "Test accuracy") == metric(at, "Test accuracy")


def test_a_batch_larger_than_the_data_is_explained():
    at = configure(open_page(PAGE), num_train=500, batch_size=1000)
    assert "Received: batch_size=1000" in texts(at.error)
    assert "Lower the batch size" in texts(at.error)


def test_a_negative_learning_rate_is_explained():
    at = configure(open_page(PAGE), learning_rate=-0.01)
    assert "Received: learning_rate=-0.01" in texts(at.error)
    assert not at.exception


@pytest.mark.slow
def test_divergence_says_to_lower_the_learning_rate():
    at = open_page(PAGE)
    at.selectbox(key="classification.activation_0").set_value("linear")
    at = configure(at, dataset="digits", num_train=500, epochs=3, optimizer="sgd", learning_rate=5.0)
    assert not at.exception, at.exception
    message = texts(at.error)
    assert "Training diverged" in message and "Lower the learning rate" in message


def test_unavailable_data_offers_the_offline_digits(monkeypatch):
    from core import data
    from ui import cache

    def offline(name):
        raise data.DatasetUnavailableError(f"Could not load {name}: no network.")

    monkeypatch.setattr(data, "_load_keras", offline)
    cache.image_dataset.clear()
    at = open_page(PAGE)
    at.button_group(key="classification.dataset").set_value("mnist").run()
    assert "Could not load mnist" in texts(at.error)
    button(at, "Use the offline digits data set").click().run()
    assert not at.exception
    assert at.button_group(key="classification.dataset").value == "digits"
    assert not at.error
    cache.image_dataset.clear()


def test_hosted_mode_refuses_a_model_too_big_before_training(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_PARAMS", "100000")
    at = open_page(PAGE)  # the course's model: 266,610 parameters
    assert "has 266,610 parameters; this server trains models of at most 100,000" in texts(at.error)
    assert not at.exception
    at.number_input(key="classification.units_0").set_value(50).run()
    at.number_input(key="classification.units_1").set_value(50).run()
    assert not at.error  # 42,310 parameters fit


def set_layers(at, *layers):
    at.number_input(key="classification.num_layers").set_value(len(layers)).run()
    for index, (units, activation) in enumerate(layers):
        at.number_input(key=f"classification.units_{index}").set_value(units)
        at.selectbox(key=f"classification.activation_{index}").set_value(activation)
    return at.run()


NOTEBOOK = "The notebook's: SGD with Nesterov and decay, batch 16"
COURSE = "The course's recipe: SGD 0.01, batch 32"


def test_the_notebooks_fashion_mnist_recipe_is_expressible():
    at = open_page(PAGE)
    set_layers(at, (64, "tanh"), (32, "tanh"))
    at.selectbox(key="classification.scaling").set_value("standard")
    at.selectbox(key="classification.validation").set_value("split").run()
    at.number_input(key="classification.validation_split").set_value(0.1)
    button(at, NOTEBOOK).click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert "Total params: 52,650" in texts(at.markdown)  # as the notebook's model.summary()
    assert preset_shown(at) == NOTEBOOK
    assert at.number_input(key="classification.batch_size").value == 16
    assert at.number_input(key="classification.epochs").value == 10
    assert at.selectbox(key="classification.lr_schedule").value == "inverse_time"
    assert at.number_input(key="classification.decay_rate").value == 1e-6
    assert at.checkbox(key="classification.nesterov").value
    assert "54,000 training" in at.expander[0].label or "60,000 training" in at.expander[0].label


def test_the_lecture_notes_mnist_model_trains_on_all_60000_images():
    at = open_page(PAGE)
    at.button_group(key="classification.dataset").set_value("mnist").run()
    set_layers(at, (64, "tanh"), (64, "tanh"))
    at.selectbox(key="classification.validation").set_value("none")
    button(at, COURSE).click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert "Total params: 55,050" in texts(at.markdown)
    assert at.expander[0].label.startswith("MNIST: 60,000 training, 0 validation")
    assert at.selectbox(key="classification.num_train").format_func(0) == "all 60,000"


@pytest.mark.slow
def test_a_model_without_validation_trains_through_the_page():
    at = open_page(PAGE)
    at.button_group(key="classification.dataset").set_value("mnist").run()
    set_layers(at, (64, "tanh"), (64, "tanh"))
    at.selectbox(key="classification.validation").set_value("none")
    at.selectbox(key="classification.num_train").set_value(500)
    button(at, COURSE).click().run()
    at.number_input(key="classification.epochs").set_value(1)
    button(at, "Train").click()
    at = finish_jobs(at.run())
    assert not at.exception and not at.error, texts(at.error)
    assert metric(at, "Parameters") == "55,050"
    assert "No validation set" in texts(at.caption)


def test_an_out_of_range_value_refuses_training_instead_of_keeping_the_old_one():
    at = open_page(PAGE)
    at.number_input(key="classification.units_0").set_value(5000).run()
    assert at.number_input(key="classification.units_0").value == 5000  # shown as typed, not clamped
    assert "Received: units=5000" in texts(at.error)
    assert button(at, "Train").disabled  # no training while it is wrong
    at.number_input(key="classification.units_0").set_value(300).run()
    assert not at.error and not button(at, "Train").disabled
    at.number_input(key="classification.epochs").set_value(0).run()
    assert "Received: epochs=0" in texts(at.error) and "Training is off" in texts(at.error)
    assert button(at, "Train").disabled and at.number_input(key="classification.epochs").value == 0


def test_small_learning_rates_show_in_scientific_notation():
    at = open_page(PAGE)
    assert at.number_input(key="classification.learning_rate").proto.format == "%.4f"
    at.number_input(key="classification.learning_rate").set_value(1e-6)
    button(at, "Train").click().run()
    assert at.number_input(key="classification.learning_rate").proto.format == "%.1e"


def test_the_preset_buttons_follow_the_form_and_apply_again_when_clicked():
    at = open_page(PAGE)
    button(at, COURSE).click().run()
    at.number_input(key="classification.epochs").set_value(3)
    button(at, "Train").click().run()
    assert preset_shown(at) is None
    button(at, COURSE).click().run()
    assert at.number_input(key="classification.epochs").value == 30
    assert preset_shown(at) == COURSE


def test_momentum_and_nesterov_are_disabled_unless_the_optimizer_uses_them():
    at = open_page(PAGE)  # Adam
    assert at.number_input(key="classification.momentum").disabled
    assert at.checkbox(key="classification.nesterov").disabled
    assert at.number_input(key="classification.decay_rate").disabled  # cosine takes none
    at.selectbox(key="classification.optimizer").set_value("rmsprop").run()
    assert (
        not at.number_input(key="classification.momentum").disabled
        and at.checkbox(key="classification.nesterov").disabled
    )
    at.selectbox(key="classification.optimizer").set_value("sgd")
    at.selectbox(key="classification.lr_schedule").set_value("exponential").run()
    assert not at.checkbox(key="classification.nesterov").disabled
    assert not at.number_input(key="classification.decay_rate").disabled


def test_a_layer_removed_and_added_back_keeps_its_settings():
    at = open_page(PAGE)
    at.number_input(key="classification.units_1").set_value(77)
    at.selectbox(key="classification.activation_1").set_value("tanh").run()
    at.number_input(key="classification.num_layers").set_value(1).run()
    at.number_input(key="classification.num_layers").set_value(2).run()
    assert at.number_input(key="classification.units_1").value == 77
    assert at.selectbox(key="classification.activation_1").value == "tanh"


def test_the_summary_writes_thousands_separators():
    at = open_page(PAGE)
    assert list(at.dataframe[0].value["Param #"]) == ["0", "235,500", "30,100", "1,010"]


def test_a_binary_task_has_one_sigmoid_output():
    at = open_page(PAGE)
    at.multiselect(key="classification.classes").set_value([0])
    at.selectbox(key="classification.output_activation").set_value("sigmoid").run()
    assert not at.error, texts(at.error)
    assert list(at.dataframe[0].value["Output shape"])[-1] == "(None, 1)"
    assert "Total params: 265,701" in texts(at.markdown)  # 785 * 300 + 301 * 100 + 101


def test_hosted_limits_are_refused_clearly(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_PARAMS", "100000")
    at = open_page(PAGE)  # the default model has 266,610 parameters
    assert "266,610" in texts(at.error) or "266610" in texts(at.error), texts(at.error)
    assert "Training is off until this is fixed" in texts(at.error)
    assert button(at, "Train").disabled


def test_the_cache_marker_reports_the_wait_of_this_call(monkeypatch):
    import dataclasses
    import time

    from ui import cache

    @dataclasses.dataclass
    class Stored:
        from_cache: bool = True
        load_time: float = 20.0  # the first read from disk, long ago

    monkeypatch.setattr(cache, "_stored_result", lambda *args: (time.sleep(0.05), Stored())[1])
    monkeypatch.setattr("core.runs.kind_of", lambda config: type("K", (), {"name": "classification"}))
    result = cache.stored_result(type("C", (), {"to_json": lambda self: "{}"})())
    assert 0.05 <= result.load_time < 1.0


def test_a_clicked_confusion_cell_is_read_from_the_selection_event():
    from ui.classification.view import selected_cell

    assert selected_cell({"selection": {"points": [{"x": "Bag", "y": "Coat", "customdata": [4, 8]}]}}) == (4, 8)
    assert selected_cell({"selection": {"points": []}}) is None
    assert selected_cell(None) is None


def test_form_fields_carry_their_values_as_defaults_for_a_freshly_mounted_browser_field():
    # A browser that mounts a field afresh shows (and an Enter submits) the proto's
    # default, not a value set through Session State: the default must be the value.
    at = open_page(PAGE)
    assert at.number_input(key="classification.batch_size").proto.default == 512
    assert at.number_input(key="classification.learning_rate").proto.default == 3e-3
    # A preset chosen later reaches the fields already in the browser as a value to set.
    button(at, NOTEBOOK).click().run()
    batch_size = at.number_input(key="classification.batch_size").proto
    assert batch_size.set_value and batch_size.value == 16
    decay_rate = at.number_input(key="classification.decay_rate").proto
    assert decay_rate.set_value and decay_rate.value == 1e-6
