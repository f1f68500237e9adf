"""Bad input on the pages, as a user gives it: the message shows, the page keeps working
(`not at.exception`), and what the user had set or picked is still there.

Uploads go through AppTest's `file_uploader(...).upload(...)`, the bytes a user would
send; the checks behind each message are tested in tests/core/test_bad_inputs.py.
"""

import io
import json
import shutil
import zipfile

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.forms.predictions import PredictionsForm
from core.predictions import predict
from core.store import RunStore
from tests.app.helpers import APP, button, finish_jobs, open_page, texts
from ui.predictions import view as ui_predictions

CLASSIFICATION = "pages/classification.py"


# Classification page: the architecture the user set survives every refusal.


@pytest.fixture(scope="module")
def classification():
    at = open_page(CLASSIFICATION)
    at.button_group(key="classification.dataset").set_value("digits").run()
    at.number_input(key="classification.num_layers").set_value(2).run()
    at.number_input(key="classification.units_0").set_value(64).run()
    at.number_input(key="classification.units_1").set_value(32).run()
    assert not at.exception
    return at


def architecture(at) -> tuple:
    layers = at.number_input(key="classification.num_layers").value
    return tuple(at.number_input(key=f"classification.units_{i}").value for i in range(layers))


@pytest.mark.parametrize("units", [0, 10**6], ids=["zero", "huge"])
def test_units_out_of_range_are_refused_as_typed_and_the_other_layer_is_kept(classification, units):
    at = classification
    at.number_input(key="classification.units_1").set_value(units).run()
    assert not at.exception
    assert architecture(at) == (64, units)  # shown as typed, never silently another value
    assert f"Received: units={units}" in texts(at.error)
    at.number_input(key="classification.units_1").set_value(32).run()
    assert "Total params:" in texts(at.markdown)


@pytest.mark.parametrize("layers", [0, 25], ids=["zero", "too-many"])
def test_layer_counts_out_of_range_are_refused_and_the_layers_come_back(classification, layers):
    at = classification
    at.number_input(key="classification.num_layers").set_value(layers).run()
    assert not at.exception
    assert "hidden_layers" in texts(at.error)
    at.number_input(key="classification.num_layers").set_value(2).run()
    assert architecture(at) == (64, 32)


def train(at, **fields):
    for name, value in fields.items():
        widget = (
            at.selectbox(key=f"classification.{name}")
            if name == "optimizer"
            else at.number_input(key=f"classification.{name}")
        )
        widget.set_value(value)
    at.run()
    if not button(at, "Train").disabled:  # disabled while the settings cannot train
        finish_jobs(button(at, "Train").click().run())
    return at


def test_zero_learning_rate_is_explained_and_the_architecture_kept(classification):
    at = train(classification, learning_rate=0.0)
    assert not at.exception
    assert "Received: learning_rate=0.0" in texts(at.error)
    assert architecture(at) == (64, 32)
    assert at.button_group(key="classification.dataset").value == "digits"
    at.number_input(key="classification.learning_rate").set_value(0.003)


def test_a_batch_larger_than_the_subset_keeps_the_architecture(classification):
    at = classification
    at.selectbox(key="classification.num_train").set_value(500)
    train(at, batch_size=4096)
    assert "expected at most the number of training samples (500). Received: batch_size=4096" in texts(at.error)
    assert architecture(at) == (64, 32) and not at.exception
    at.number_input(key="classification.batch_size").set_value(32)


@pytest.mark.slow
def test_nesterov_with_adam_is_not_applied_and_not_an_error(classification):
    at = classification
    at.selectbox(key="classification.optimizer").set_value("sgd").run()  # Nesterov is SGD's
    at.checkbox(key="classification.nesterov").check()
    at.number_input(key="classification.momentum").set_value(0.9).run()
    at.selectbox(key="classification.optimizer").set_value("adam").run()
    train(at, epochs=1, batch_size=32)
    assert not at.exception and not at.error  # trained with plain Adam
    assert "Test accuracy" in [metric.label for metric in at.metric]
    assert at.checkbox(key="classification.nesterov").disabled  # greyed out: Adam does not use it


def test_hosted_mode_refuses_too_many_epochs_and_keeps_the_settings(classification, monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_EPOCHS", "5")
    at = train(classification, epochs=6)
    assert "Received: epochs=6; this server trains at most 5 epochs" in texts(at.error)
    assert not at.exception and architecture(at) == (64, 32)
    assert at.number_input(key="classification.epochs").value == 6  # kept, to lower it


# Wide & deep and regression pages


def test_wide_and_deep_empty_wide_path_keeps_the_deep_path():
    at = open_page("pages/wide_and_deep.py")
    at.segmented_control(key="wide_deep.variant").set_value("two_inputs").run()
    at.number_input(key="wide_deep.units").set_value(12).run()
    at.multiselect(key="wide_deep.wide_features").set_value([]).run()
    assert "Received: wide_features=()" in texts(at.error) and "Pick at least one feature for the wide path" in texts(
        at.error
    )
    assert at.multiselect(key="wide_deep.deep_features").value == [2, 3, 4, 5, 6, 7]
    assert at.number_input(key="wide_deep.units").value == 12 and not at.exception


def test_regression_page_offline_falls_back_to_diabetes_with_a_warning(monkeypatch):
    from core.data import DatasetUnavailableError
    from core.regression import housing
    from ui.regression import view as regression

    real = housing._fetch

    def offline(name):
        if name == "california_housing":
            raise DatasetUnavailableError("Could not load California housing: no network.")
        return real(name)

    monkeypatch.setattr(housing, "_fetch", offline)
    regression.regression_data.clear()
    try:
        at = open_page("pages/regression.py")
        assert "Could not load California housing: no network." in texts(at.warning)
        assert not at.exception and "Not trained yet" in texts(at.info)
    finally:
        regression.regression_data.clear()


# Predictions page: a refused upload leaves the selected run selected.


@pytest.fixture(scope="module")
def classifier_key():
    from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
    from core.data import load_dataset
    from core.runs import load_or_train as get_or_train

    config = RunConfig(DataConfig("digits"), MLPConfig(((8, "relu"),)), TrainingConfig(epochs=1, batch_size=64))
    get_or_train(config, load_dataset("digits"))
    return RunStore().key_for(config.to_json())


@pytest.fixture(scope="module")
def regression_key():
    import keras

    from core.regression.housing import load_regression_data

    data = load_regression_data("diabetes")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((data.num_features,)), keras.layers.Dense(1)])
    prediction = predict.predict_rows(model, data.x_test)
    metrics = predict.regression_scores(data.y_test, prediction)
    meta = {
        "kind": "regression",
        "dataset": "diabetes",
        "architecture": "bad-inputs linear",
        "params": 11,
        "test_metrics": metrics,
        "key_metric": {"name": "test RMSE", "value": metrics["rmse"]},
        "feature_names": list(data.feature_names),
        "model_inputs": [list(range(data.num_features))],
        "target_name": data.target_name,
    }
    config = json.dumps({"kind": "regression", "test": "bad inputs"})
    return (
        RunStore().save(config, model=model, history={"loss": [1.0]}, meta=meta, arrays={"test_pred": prediction}).name
    )


def predictions_page(selected: str):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state["predictions.form"] = PredictionsForm(selected=selected)
    at.switch_page("pages/predictions.py").run()
    assert not at.exception
    return at


def shown_run(at) -> str:
    return at.caption[1].value  # "<architecture> · run <key>, from the store."


def png(pixels: np.ndarray, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, **options)
    return buffer.getvalue()


BAD_MODELS = {
    "text named .keras": ("notes.keras", b"just some text", "Received a file that is not a Keras model"),
    "empty .keras": ("empty.keras", b"", "Received a file that is not a Keras model"),
    "zip without config.json": ("zip.keras", None, "missing config.json, model.weights.h5"),
}


def zip_without_config() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def test_refused_model_uploads_keep_the_selected_run(classifier_key):
    at = predictions_page(classifier_key)
    before = shown_run(at)
    for name, data, message in BAD_MODELS.values():
        at.file_uploader(key="predictions.model_file").set_value(
            (name, zip_without_config() if data is None else data, "application/zip")
        ).run()
        assert not at.exception, name
        assert message in texts(at.error), name
        assert shown_run(at) == before and classifier_key in before
        assert at.session_state["predictions.form"].selected == classifier_key


def test_a_lambda_model_upload_is_refused_and_the_run_kept(classifier_key, tmp_path):
    import keras

    model = keras.Sequential([keras.Input((64,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(10)])
    model.save(tmp_path / "lambda.keras")
    at = predictions_page(classifier_key)
    at.file_uploader(key="predictions.model_file").upload(
        "lambda.keras", (tmp_path / "lambda.keras").read_bytes()
    ).run()
    assert "Lambda layer, which holds arbitrary Python code" in texts(at.error)
    assert classifier_key in shown_run(at) and not at.exception
    assert not at.session_state[ui_predictions.UPLOADS_KEY]  # nothing entered the session's models


def _gif() -> bytes:
    frames = [Image.fromarray(np.eye(40, dtype=np.uint8) * 255), Image.fromarray(np.zeros((40, 40), np.uint8))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


BAD_IMAGES = {
    "animated GIF named .png": ("drawing.png", _gif(), "Received a GIF image, expected PNG or JPEG"),
    "all white": ("white.png", png(np.full((50, 50), 255, np.uint8)), "Received an image of a single shade"),
    "text named .jpg": ("photo.jpg", b"not a photo", "Could not read the file as an image"),
}


@pytest.mark.slow
def test_refused_images_keep_the_selected_run_and_its_test_images(classifier_key):
    at = predictions_page(classifier_key)
    at.button_group(key="predictions.images").set_value("misclassified").run()
    for name, data, message in BAD_IMAGES.values():
        at.file_uploader(key="predictions.image").set_value((name, data, "image/png")).run()
        assert not at.exception, name
        assert message in texts(at.error), name
        assert classifier_key in shown_run(at)
        assert at.button_group(key="predictions.images").value == "misclassified"


BAD_CSVS = {  # what the user sees for each file below
    "missing column": "The CSV is missing the columns: bmi",
    "non-numeric": "The columns age hold values that are not numbers",
    "header only": "The CSV has a header but no rows",
    "empty": "The CSV is empty",
    "latin-1": "The file is not UTF-8 text (byte 0xe9 at position",
}


@pytest.mark.slow
def test_refused_csvs_keep_the_run_and_the_prediction_shown(regression_key):
    from core.regression.housing import load_regression_data

    names = load_regression_data("diabetes").feature_names
    header = ",".join(names)
    files = {
        "missing column": b"age,sex\n1,2\n",
        "non-numeric": f"{header}\n{','.join(['x'] + ['1'] * (len(names) - 1))}\n".encode(),
        "header only": f"{header}\n".encode(),
        "empty": b"",
        "latin-1": f"{header}\n".encode() + "\u00e9".encode("latin-1"),
    }
    at = predictions_page(regression_key)  # the median sample's prediction shows at once
    predicted = [metric.value for metric in at.metric if metric.label.startswith("Predicted")]
    assert predicted
    for case, data in files.items():
        at.file_uploader(key="predictions.csv").set_value(("rows.csv", data, "text/csv")).run()
        assert not at.exception, case
        assert BAD_CSVS[case] in texts(at.error), case
        assert regression_key in shown_run(at)
        assert [metric.value for metric in at.metric if metric.label.startswith("Predicted")] == predicted


def test_a_corrupt_store_entry_is_a_warning_and_the_other_runs_stay(classifier_key, monkeypatch, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(RunStore().root / classifier_key, root / classifier_key)
    shutil.copytree(RunStore().root / classifier_key, root / "0123456789abcdef0123")
    (root / "0123456789abcdef0123" / "meta.json").write_text("{not json")
    monkeypatch.setenv("MLP_EXPLORER_CACHE", str(root))
    at = predictions_page(classifier_key)
    assert "The stored run 0123456789abcdef0123 could not be read (JSONDecodeError" in texts(at.warning)
    assert classifier_key in shown_run(at) and not at.exception


# Playground: a refused CSV keeps the experiment.


def test_a_refused_points_csv_keeps_the_experiment():
    from ui.playground import view as playground

    at = open_page("pages/playground.py")
    at.radio(key="playground.dataset").set_value("xor").run()
    at.checkbox(key="playground.feature.x1x2").check().run()
    at.file_uploader(key=playground.UPLOAD_WIDGET).upload("points.csv", b"x1;x2;label\n1;2;0\n").run()
    assert not at.exception
    assert "Could not use your CSV file. Received an invalid CSV file" in texts(at.error)
    assert at.radio(key="playground.dataset").value == "xor"
    assert at.checkbox(key="playground.feature.x1x2").value


# Predictions page: hostile uploads. Each gets a message, never a traceback or a server
# path, and the page keeps the run the user picked.


@pytest.fixture(autouse=True)
def error_details_restored():
    """A hosted page sets `client.showErrorDetails` for the whole process (as a server
    would); the tests after it should see error details again."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    yield
    config.set_option("client.showErrorDetails", before)


def no_server_paths(at) -> None:
    shown = texts(at.error) + texts(at.warning) + texts(at.success)
    assert "/tmp" not in shown and "site-packages" not in shown and "Traceback" not in shown, shown
    assert not at.exception


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory) -> bytes:
    from tests.core.predictions import bad_files

    return bad_files.keras_bytes(bad_files.small_classifier(), tmp_path_factory.mktemp("model"))


def _hostile_models(data: bytes, folder) -> dict:
    import keras

    from tests.core.predictions import bad_files

    unbuilt = bad_files.keras_bytes(keras.Sequential([keras.layers.Dense(16), keras.layers.Dense(10)]), folder)
    return {
        "bad CRC": (bad_files.bad_crc(data), "The model file is damaged: its config.json cannot be unpacked"),
        "deflate64": (bad_files.deflate64(data), "with a compression Keras does not write (zip method 9)"),
        "encrypted": (bad_files.encrypted(data), "The model file is encrypted"),
        "deep JSON": (bad_files.deep_json(data), "nests lists and objects more than 64 deep"),
        "module 123": (bad_files.module_named(data, 123), "Received: module=123"),
        "module ['os']": (bad_files.module_named(data, ["os"]), "Received: module=['os']"),
        "no input shape": (unbuilt, "The model has no input shape"),
    }


@pytest.mark.slow
def test_hostile_keras_files_are_refused_and_the_page_keeps_rendering(classifier_key, keras_file, tmp_path):
    at = predictions_page(classifier_key)
    before = shown_run(at)
    for case, (data, message) in _hostile_models(keras_file, tmp_path).items():
        at.file_uploader(key="predictions.model_file").set_value((f"{case}.keras", data, "application/zip")).run()
        assert message in texts(at.error), case
        no_server_paths(at)
        assert shown_run(at) == before, case
        assert at.get("tabs"), case  # the rest of the page still renders
    assert not at.session_state[ui_predictions.UPLOADS_KEY]


@pytest.mark.slow
def test_a_config_json_bomb_upload_is_refused_from_the_zip_directory(classifier_key, tmp_path):
    from tests.core.predictions import bad_files

    bad_files.config_bomb(tmp_path / "bomb.keras", unpacked_mb=30)
    at = predictions_page(classifier_key)
    at.file_uploader(key="predictions.model_file").set_value(
        ("bomb.keras", (tmp_path / "bomb.keras").read_bytes(), "application/zip")
    ).run()
    assert "Received a model whose config.json unpacks to 30.0 MB, expected at most 2 MB" in texts(at.error)
    no_server_paths(at)


@pytest.mark.slow
def test_a_leaky_relu_model_loads_evaluates_in_a_worker_and_reruns(classifier_key, tmp_path, monkeypatch):
    import keras

    from core import workers

    tasks = []
    pool = workers.pool()
    real_run = pool.run

    def recording_run(function, *args, **kwargs):
        tasks.append(function)
        return real_run(function, *args, **kwargs)

    monkeypatch.setattr(pool, "run", recording_run)
    model = keras.Sequential(
        [
            keras.Input((8, 8)),
            keras.layers.Flatten(),
            keras.layers.Dense(16, activation=keras.layers.LeakyReLU()),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.save(tmp_path / "leaky.keras")
    at = predictions_page(classifier_key)
    at.file_uploader(key="predictions.model_file").set_value(
        ("leaky.keras", (tmp_path / "leaky.keras").read_bytes(), "application/zip")
    ).run()
    assert "16 LeakyReLU" in texts(at.success)
    at.run()  # a rerun with the model pending
    assert "16 LeakyReLU" in texts(at.success) and not at.exception
    at.button(key="predictions.evaluate").click().run()
    no_server_paths(at)
    assert tasks == ["core.predictions.predict:evaluate_in_worker"]  # evaluated in a worker, in turn
    (uploaded,) = at.session_state[ui_predictions.UPLOADS_KEY].values()
    assert uploaded.meta["architecture"] == "16 LeakyReLU"
    assert "Uploaded (you)" in set(at.dataframe[0].value["From"])


@pytest.mark.slow
def test_hostile_images_get_a_message_or_a_prediction(classifier_key):
    from tests.core.predictions import bad_files

    at = predictions_page(classifier_key)
    for name, data in {
        "16-bit grey": bad_files.grey_16_bit_png(),
        "1x5000 strip": bad_files.strip_png(1, 5000),
    }.items():
        at.file_uploader(key="predictions.image").set_value((f"{name}.png", data, "image/png")).run()
        no_server_paths(at)
        assert any(m.value.startswith("Prediction:") for m in at.markdown), name
        captions = [caption for image in at.image for caption in image.captions]
        assert any(caption.startswith("Uploaded,") for caption in captions), name  # shown, not a traceback
        assert any(caption.startswith("What the model sees") for caption in captions), name
    at.file_uploader(key="predictions.image").set_value(("line.png", bad_files.strip_png(60_000, 1), "image/png")).run()
    assert "Received an image of 60000×1 pixels, expected one at most 10,000 times as long" in texts(at.error)
    no_server_paths(at)
    assert classifier_key in shown_run(at)


@pytest.mark.slow
def test_a_16_bit_image_is_shown_with_its_grey_levels(classifier_key):
    from tests.core.predictions import bad_files

    at = predictions_page(classifier_key)
    at.file_uploader(key="predictions.image").set_value(("grey.png", bad_files.grey_16_bit_png(), "image/png")).run()
    no_server_paths(at)
    assert "Uploaded, 60×60" in [caption for image in at.image for caption in image.captions]
    assert any(m.value.startswith("Prediction:") for m in at.markdown)


@pytest.mark.slow
def test_csv_time_bombs_are_refused_at_once_through_the_page(regression_key):
    import time

    from core.regression.housing import load_regression_data

    names = load_regression_data("diabetes").feature_names
    files = {
        "500k duplicate names": (
            (",".join(["age"] * 500_000) + "\n1\n").encode(),
            "Received a CSV with 500,000 columns (line 1), expected the 10 feature columns",
        ),
        "15 MB quoted field": (
            (",".join(names) + '\n"' + "9" * 15_000_000 + '"' + ",1" * (len(names) - 1) + "\n").encode(),
            "Received a CSV with a value of 15,000,000 characters (line 2)",
        ),
    }
    at = predictions_page(regression_key)
    for case, (data, message) in files.items():
        started = time.perf_counter()
        at.file_uploader(key="predictions.csv").set_value(("rows.csv", data, "text/csv")).run()
        assert time.perf_counter() - started < 30, case
        assert message in texts(at.error), case
        no_server_paths(at)
        assert regression_key in shown_run(at)


@pytest.mark.slow
def test_hosted_store_warnings_show_no_server_path(classifier_key, monkeypatch, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(RunStore().root / classifier_key, root / classifier_key)
    shutil.copytree(RunStore().root / classifier_key, root / "0123456789abcdef0123")
    (root / "0123456789abcdef0123" / "meta.json").unlink()
    monkeypatch.setenv("MLP_EXPLORER_CACHE", str(root))
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    at = predictions_page(classifier_key)
    warning = texts(at.warning)
    assert "The stored run 0123456789abcdef0123 could not be read" in warning
    assert str(tmp_path) not in warning and "<server path>" in warning
    no_server_paths(at)


def test_hosted_mode_hides_the_details_of_uncaught_errors(monkeypatch):
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert config.get_option("client.showErrorDetails") == "none"
    finally:
        config.set_option("client.showErrorDetails", before)


# Deleting in hosted mode: a visitor deletes the runs their session trained, or any run
# with the operator key; nobody else's.


def doomed_run(name: str) -> str:
    import keras

    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(1)])
    meta = {"kind": "regression", "dataset": "diabetes", "architecture": name, "created": 1.0}
    return RunStore().save(json.dumps({"doomed": name}), model=model, history={"loss": [1.0]}, meta=meta).name


@pytest.mark.slow
def test_hosted_visitors_delete_only_their_own_runs_or_with_the_operator_key(monkeypatch):
    from core.access import REFUSED
    from ui import run_view

    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_OPERATOR_KEY", "s3cret")
    others, mine, operators = doomed_run("others"), doomed_run("mine"), doomed_run("operators")

    at = predictions_page(others)
    at.button(key="predictions.delete").click().run()
    assert REFUSED in texts(at.error)
    assert (RunStore().root / others).exists()
    at.text_input(key=ui_predictions.OPERATOR_KEY).input("wrong").run()
    at.button(key="predictions.delete").click().run()
    assert (RunStore().root / others).exists() and not at.exception

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state[run_view.TRAINED_HERE] = {mine}
    at.session_state["predictions.form"] = PredictionsForm(selected=mine)
    at.switch_page("pages/predictions.py").run()
    at.button(key="predictions.delete").click().run()
    assert not (RunStore().root / mine).exists() and not at.exception

    at = predictions_page(operators)
    at.text_input(key=ui_predictions.OPERATOR_KEY).input("s3cret").run()
    at.button(key="predictions.delete").click().run()
    assert not (RunStore().root / operators).exists() and not at.exception
    assert (RunStore().root / others).exists()


@pytest.mark.slow
def test_hosted_compare_deletes_only_the_visitors_own_runs(monkeypatch):
    from core.access import REFUSED
    from ui import run_view
    from ui.experiments import compare as ui_compare

    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.delenv("MLP_EXPLORER_OPERATOR_KEY", raising=False)
    others, mine = doomed_run("compare-others"), doomed_run("compare-mine")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state[run_view.TRAINED_HERE] = {mine}
    at.switch_page("pages/experiments.py").run()
    at.session_state["experiments.form"] = at.session_state["experiments.form"].replace(selected=(others, mine))
    at.run()
    at.button(key=ui_compare.DELETE_KEY).click().run()
    assert not (RunStore().root / mine).exists()
    assert (RunStore().root / others).exists()
    assert f"1 of the selected run(s) kept. {REFUSED}" in texts(at.error)
    assert not at.exception


@pytest.mark.slow
def test_an_upload_whose_evaluation_kills_its_worker_gets_a_message_and_the_page_goes_on(
    classifier_key, tmp_path, monkeypatch
):
    import keras

    from core import workers

    def dies(function, *args, **kwargs):
        raise workers.WorkerDied("The worker process running it ended unexpectedly: it was killed (SIGKILL).")

    monkeypatch.setattr(workers.pool(), "run", dies)
    model = keras.Sequential(
        [keras.Input((8, 8)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )
    model.save(tmp_path / "small.keras")
    at = predictions_page(classifier_key)
    at.file_uploader(key="predictions.model_file").set_value(
        ("small.keras", (tmp_path / "small.keras").read_bytes(), "application/zip")
    ).run()
    at.button(key="predictions.evaluate").click().run()
    assert not at.exception
    assert "Evaluating it failed" in texts(at.error) and "SIGKILL" in texts(at.error)
    assert not at.session_state[ui_predictions.UPLOADS_KEY]  # nothing half-evaluated is listed
    no_server_paths(at)
