"""AppTest drives the Predictions page: picking runs, test images, the regression form,
downloads, deleting a run, and a model uploaded into the session; and its form: the run
kept by key while runs come and go, page switches, bad links and lesson links.

AppTest cannot click a table row or upload a file, so runs are picked through the
page's form in the session and uploads go through `core.predictions.predict` (tested there).
"""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.forms.predictions import PredictionsForm
from core.predictions import predict
from core.store import RunStore
from tests.app.helpers import texts
from ui.predictions import view as ui

APP = "../../app.py"
PAGE = "predictions"
FORM = f"{PAGE}.form"


def open_page(selected: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if selected is not None:
        at.session_state[FORM] = PredictionsForm(selected=selected)
    at.switch_page("pages/predictions.py").run()
    assert not at.exception
    return at


@pytest.fixture(scope="module")
def classifier_key():
    from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
    from core.data import load_dataset
    from core.runs import load_or_train as get_or_train

    config = RunConfig(DataConfig("digits"), MLPConfig(((8, "relu"),)), TrainingConfig(epochs=2, batch_size=64))
    get_or_train(config, load_dataset("digits"))
    return RunStore().key_for(config.to_json())


def regression_model(num_features: int):
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((num_features,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
    )


@pytest.fixture(scope="module")
def regression_key():
    """A store entry following the regression pages' meta contract, on the offline data."""
    from core.regression.housing import load_regression_data

    data = load_regression_data("diabetes")
    model = regression_model(data.num_features)
    prediction = predict.predict_rows(model, data.x_test)
    metrics = predict.regression_scores(data.y_test, prediction)
    meta = {
        "kind": "regression",
        "dataset": "diabetes",
        "architecture": "Sequential 4 relu",
        "params": int(model.count_params()),
        "test_metrics": metrics,
        "key_metric": {"name": "test RMSE", "value": metrics["rmse"]},
        "wall_time": 0.1,
        "device": "CPU",
        "stop_reason": "completed",
        "epochs_run": 1,
        "feature_names": list(data.feature_names),
        "model_inputs": [list(range(data.num_features))],
        "target_name": data.target_name,
    }
    config = json.dumps({"kind": "regression", "test": "predictions page"})
    path = RunStore().save(config, model=model, history={"loss": [3.0]}, meta=meta, arrays={"test_pred": prediction})
    return path.name


def test_without_models_the_page_links_to_the_training_pages(monkeypatch, tmp_path):
    monkeypatch.setenv("MLP_EXPLORER_CACHE", str(tmp_path / "empty"))
    at = open_page()
    assert "No trained model yet" in at.info[0].value
    links = [link.proto.label for link in at.get("page_link")]
    assert "Classification MLP" in links
    assert not at.dataframe and not at.metric


@pytest.mark.slow
def test_classifier_shows_test_images_in_every_mode(classifier_key):
    at = open_page(classifier_key)
    assert at.metric[1].label == "Test accuracy"
    table = at.dataframe[0].value
    assert {"From", "Data set", "Architecture", "Parameters", "Key metric", "Trained"} <= set(table.columns)
    assert "Classification MLP" in set(table["From"])
    assert {"Optimizer", "Learning rate", "Batch size", "Epochs", "Test accuracy"} <= set(table.columns)
    assert sum("true:" in m.value for m in at.markdown) == ui.NUM_IMAGES
    at.button_group(key="predictions.images").set_value("by_class").run()
    at.selectbox(key="predictions.image_class").set_value(3).run()
    cards = [m.value for m in at.markdown if "true:" in m.value]
    assert cards and all("true: 3 " in card for card in cards)
    for mode in ("misclassified", "confidently_wrong"):
        at.button_group(key="predictions.images").set_value(mode).run()
        cards = [m.value for m in at.markdown if "true:" in m.value]
        assert cards and all("wrong" in card for card in cards)
    assert not at.exception


@pytest.mark.slow
def test_regression_form_reproduces_model_predict_for_the_same_row(regression_key):
    from core.regression.housing import load_regression_data

    at = open_page(regression_key)
    assert at.metric[0].label == "Test RMSE"
    data = load_regression_data("diabetes")
    fields = [at.number_input(key=f"predictions.feature_{index}") for index in range(len(data.feature_names))]
    medians = np.median(data.x_train, axis=0)
    np.testing.assert_allclose([field.value for field in fields], medians, rtol=1e-3)  # the median row
    assert any(m.label.startswith("Predicted") for m in at.metric)  # at once, for the median row
    fields[0].set_value(float(data.x_train[:, 0].max())).run()  # an extreme age
    fields = [at.number_input(key=f"predictions.feature_{index}") for index in range(len(data.feature_names))]
    assert at.session_state[FORM].features == tuple(field.value for field in fields)
    stored = next(run for run in RunStore().list_runs() if run.key == regression_key)
    row = np.array([[field.value for field in fields]], dtype=np.float32)
    expected = float(stored.load_model().predict(row, verbose=0)[0, 0])
    shown = next(m for m in at.metric if m.label.startswith("Predicted"))
    assert float(shown.value.split()[0]) == pytest.approx(expected, abs=1e-3)
    assert not at.exception


def test_downloads_and_details(classifier_key):
    at = open_page(classifier_key)
    labels = [button.proto.label for button in at.get("download_button")]
    assert any(label.startswith("Model (.keras") for label in labels)
    assert "Training history (CSV)" in labels and "Configuration (JSON)" in labels
    assert at.get("json")  # configuration and meta shown


@pytest.mark.slow
def test_deleting_a_run_removes_it_from_the_store_and_the_table(classifier_key):
    doomed = (
        RunStore()
        .save(
            json.dumps({"doomed": True}),
            model=regression_model(10),
            history={"loss": [1.0]},
            meta={"kind": "regression", "dataset": "diabetes", "architecture": "doomed", "created": 0},
        )
        .name
    )
    at = open_page(doomed)
    assert "doomed" in set(at.dataframe[0].value["Architecture"])
    at.button(key="predictions.delete").click().run()
    assert not (RunStore().root / doomed).exists()
    assert "doomed" not in set(at.dataframe[0].value["Architecture"])
    assert not at.exception


@pytest.mark.slow
def test_an_uploaded_model_is_used_from_the_session_only(tmp_path):
    import keras

    from core.data import load_dataset

    model = keras.Sequential(
        [keras.Input((8, 8)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )
    model.save(tmp_path / "mine.keras")
    data = (tmp_path / "mine.keras").read_bytes()
    loaded = predict.load_uploaded_model(data)
    match = predict.match_dataset(loaded)
    uploaded = predict.evaluate_uploaded(loaded, data, "mine.keras", match, "digits", load_dataset("digits"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state[ui.UPLOADS_KEY] = {uploaded.key: uploaded}
    at.session_state[FORM] = PredictionsForm(selected=uploaded.key)
    at.switch_page("pages/predictions.py").run()
    assert not at.exception
    assert "Uploaded (you)" in set(at.dataframe[0].value["From"])
    assert "mine.keras" in at.caption[1].value
    assert uploaded.key not in {run.key for run in RunStore().list_runs()}
    at.button(key="predictions.delete").click().run()  # "remove from this session"
    assert uploaded.key not in at.session_state[ui.UPLOADS_KEY]
    assert not at.exception


def test_a_stored_run_trains_on_for_more_epochs_as_a_new_linked_run(classifier_key):
    from tests.app.helpers import finish_jobs

    at = open_page(classifier_key)
    at.number_input(key="predictions.continue_epochs").set_value(3)
    next(button for button in at.button if button.label == "Continue training").click().run()
    finish_jobs(at)
    assert not at.exception
    stored = RunStore().list_runs()
    children = [run for run in stored if (run.config.get("training") or {}).get("parent") == classifier_key]
    assert len(children) == 1
    child = children[0]
    assert child.meta["epochs_run"] == 5  # the parent's 2, then 3 more
    parent = RunStore().load_key(classifier_key)
    assert child.history["loss"][:2] == parent.history["loss"]
    assert any("Trained to epoch 5" in element.value for element in at.success)


class _FakeCanvas:
    """Stands in for `streamlit_drawable_canvas` (a browser component AppTest cannot
    draw on): returns the PNG a canvas sends after a stroke."""

    def __init__(self, png: bytes | None):
        self.png = png

    def st_canvas(self, **options):
        import types

        assert options["return_image_data"] and options["background_color"] == "#ffffff"
        objects = [{"type": "path"}] if self.png else []
        return types.SimpleNamespace(json_data={"objects": objects}, image_bytes=self.png)


def _stroke_png() -> bytes:
    import io

    from PIL import Image, ImageDraw

    drawing = Image.new("RGBA", (280, 280), (255, 255, 255, 255))
    ImageDraw.Draw(drawing).line([(140, 40), (140, 240)], fill=(0, 0, 0, 255), width=20)
    buffer = io.BytesIO()
    drawing.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.slow
def test_a_drawing_gets_probabilities_and_an_empty_canvas_a_hint(classifier_key, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", _FakeCanvas(None))
    at = open_page(classifier_key)
    assert any("Draw one item or one digit" in caption.value for caption in at.caption)
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", _FakeCanvas(_stroke_png()))
    at.run()
    assert any(m.value.startswith("Prediction:") for m in at.markdown)
    assert "What the model sees: 8×8" in [caption for image in at.image for caption in image.captions]
    assert not at.exception


@pytest.mark.slow
def test_a_hostile_drawing_is_refused_like_an_upload(classifier_key, monkeypatch):
    import sys

    from tests.core.predictions import bad_files

    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", _FakeCanvas(bad_files.strip_png(60_000, 1)))
    at = open_page(classifier_key)
    assert any("expected one at most 10,000 times as long" in info.value for info in at.info)
    assert not at.exception


# --- The page's form: the run by key, page switches, links ------------------------------


def store_run(name: str) -> str:
    """A tiny regression run stored now, so it lands at the top of the table."""
    meta = {"kind": "regression", "dataset": "diabetes", "architecture": name}
    config = json.dumps({"kind": "regression", "test": name})
    return RunStore().save(config, model=regression_model(10), history={"loss": [1.0]}, meta=meta).name


def shown_key(at) -> str:
    return at.caption[1].value.split(" · run ")[1].split(",")[0]  # "<architecture> · run <key>, from the store."


def ticked_keys(at) -> list[str]:
    rows = at.session_state[f"{PAGE}.selected"]["selection"]["rows"]
    return [at.dataframe[0].value["Key"][row] for row in rows]


def test_the_selected_run_stays_selected_when_new_runs_land_on_top(classifier_key):
    at = open_page(classifier_key)
    assert shown_key(at) == classifier_key and ticked_keys(at) == [classifier_key]
    newer = store_run("newer")  # as a continued run or a search's best model would
    at.run()
    assert not at.exception
    assert at.dataframe[0].value["Key"][0] == newer
    assert at.session_state[FORM].selected == classifier_key
    assert shown_key(at) == classifier_key and ticked_keys(at) == [classifier_key]
    RunStore().delete(newer)


def test_a_selected_run_deleted_elsewhere_is_dropped_with_a_message(classifier_key):
    doomed = store_run("deleted elsewhere")
    at = open_page(doomed)
    assert shown_key(at) == doomed
    RunStore().delete(doomed)  # another visitor, on another page
    at.run()
    assert not at.exception
    assert f"Run {doomed} is not in the store any more" in texts(at.warning).replace("\\", "")
    assert at.session_state[FORM].selected == ""
    assert "Showing the newest model" in at.caption[-1].value or any(
        "Showing the newest model" in caption.value for caption in at.caption
    )
    assert ticked_keys(at) == []
    at.run()  # said once
    assert "not in the store any more" not in texts(at.warning) and not at.exception


def valid_forms(keys: dict[str, str], count: int, seed: int) -> list[PredictionsForm]:
    """Random forms the page takes as they are: a stored run, and a regression sample
    within the training ranges when the run is the regression one."""
    import random

    from core.predictions.images import PICK_MODES
    from core.regression.housing import load_regression_data

    data = load_regression_data("diabetes")
    ranges = list(predict.feature_ranges(data.x_train, data.feature_names).values())
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        run = rng.choice(list(keys))
        features = ()
        if run == "regression" and rng.random() < 0.7:
            features = tuple(float(f"{rng.uniform(low, high):.3g}") for low, _, high in ranges)
            features = tuple(min(max(value, low), high) for value, (low, _, high) in zip(features, ranges))
        found.append(
            PredictionsForm(
                selected=keys[run],
                tab=rng.choice(("predict", "take_away", "details")),
                images=rng.choice(PICK_MODES),
                image_class=rng.randint(0, 9),
                image_seed=rng.randint(0, 2**31),
                pen=rng.randint(6, 40),
                features=features,
                continue_epochs=rng.randint(1, 200),
            )
        )
    return found


def open_with(at, params: dict) -> AppTest:
    """Opens the page as a link with these query parameters would."""
    at.query_params.clear()
    at.query_params.update(params)
    return at.run()


@pytest.mark.slow
def test_random_valid_forms_survive_a_page_switch_unchanged(classifier_key, regression_key):
    from core import forms

    at = open_page()
    for form in valid_forms({"classification": classifier_key, "regression": regression_key}, 20, seed=11):
        open_with(at, forms.to_params(form))
        assert not at.exception, (form, at.exception)
        assert at.session_state[FORM] == form
        assert "link" not in texts(at.warning), texts(at.warning)
        at.switch_page("pages/home.py").run()
        at.switch_page("pages/predictions.py").run()
        assert not at.exception, (form, at.exception)
        assert at.session_state[FORM] == form
        # What the fields show is the form.
        assert shown_key(at) == form.selected and ticked_keys(at) == [form.selected]
        assert at.session_state[f"{PAGE}.tab"] == ui.TAB_TITLES[form.tab]
        assert at.number_input(key=f"{PAGE}.continue_epochs").value == form.continue_epochs
        if form.selected == classifier_key:
            assert at.button_group(key=f"{PAGE}.images").value == form.images
        elif form.features:
            assert at.number_input(key=f"{PAGE}.feature_3").value == pytest.approx(form.features[3])


def test_bad_link_values_warn_once_each_and_fall_back(classifier_key):
    at = open_page(classifier_key)
    open_with(
        at,
        {
            "selected": "x" * 2000,
            "tab": "take_away",
            "image_class": "%00",
            "pen": "\x00",
            "continue_epochs": "12",
            "features": "1,<script>",
        },
    )
    assert not at.exception
    form = at.session_state[FORM]
    assert (form.selected, form.tab, form.image_class, form.pen, form.continue_epochs) == ("", "take_away", 0, 20, 12)
    warnings = [warning.value for warning in at.warning]
    assert len(warnings) == 4, warnings
    assert all(len(warning) < 400 for warning in warnings)
    at.run()  # the next interaction
    assert not [warning for warning in at.warning if "link" in warning.value]
    for stale in ("fedcba9876543210fedc", "%00", "\x00"):  # deleted, or never a run
        open_with(at, {"selected": stale})
        assert len(at.warning) == 1 and not at.exception, texts(at.warning)
        assert at.session_state[FORM].selected == ""


def test_a_lesson_link_shows_only_the_controls_it_names(classifier_key):
    at = open_page()
    open_with(at, {"selected": classifier_key, "tab": "details", "only": "continue_epochs", "hide_text": "true"})
    assert not at.exception
    assert not at.dataframe and not at.tabs  # no runs table, no tab bar: the link's run and tab
    assert {box.key for box in at.number_input} == {f"{PAGE}.continue_epochs"}
    assert shown_key(at) == classifier_key
    at.number_input(key=f"{PAGE}.continue_epochs").set_value(2).run()
    assert at.session_state[FORM].continue_epochs == 2 and "selected_hide" in at.query_params
