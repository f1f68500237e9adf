"""The classification page end to end, as a user drives it, on small subsets."""

import pytest

from tests.app.helpers import button, finish_jobs, open_page, texts

PAGE = "pages/classification.py"


def configure(at, *, dataset="fashion_mnist", units=32, num_train=500, epochs=2, batch_size=32, **form):
    """Sets the architecture (applies at once) and the training form, then presses Train
    (form fields apply on submit, as in the browser)."""
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
    ]
    assert len(at.get("plotly_chart")) >= 2 + 6  # curves, confusion matrix, probability bars

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
