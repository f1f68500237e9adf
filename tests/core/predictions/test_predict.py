"""Predictions and models: image conversion, uploaded models (safe loading, shape
matching, round trip), regression rows and CSV files, downloads."""

import io
import json
import zipfile

import numpy as np
import pytest

from core.predictions import images, predict
from core.store import RunStore

keras = pytest.importorskip("keras")
FEATURES = ("MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude")


def png(pixels: np.ndarray, fmt="PNG") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def plus_sign(dark_on_light=True, size=100) -> np.ndarray:
    """A thick plus sign: the corners of its bounding box stay background."""
    ink, paper = (0, 255) if dark_on_light else (255, 0)
    pixels = np.full((size, size), paper, dtype=np.uint8)
    pixels[20:80, 45:55] = ink
    pixels[45:55, 20:80] = ink
    return pixels


def keras_bytes(model, tmp_path) -> bytes:
    path = tmp_path / "model.keras"
    model.save(path)
    return path.read_bytes()


def classifier(input_shape=(8, 8), activation="softmax", outputs=10):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.Dense(outputs, activation=activation),
        ]
    )


def wide_and_deep():
    """The book's model: wide input gets features 0-4, deep input 2-7, plus an aux output."""
    keras.utils.set_random_seed(0)
    wide, deep = keras.Input((5,)), keras.Input((6,))
    hidden = keras.layers.Dense(4, activation="relu")(keras.layers.Normalization()(deep))
    main = keras.layers.Dense(1)(keras.layers.concatenate([wide, hidden]))
    aux = keras.layers.Dense(1)(hidden)
    return keras.Model([wide, deep], [main, aux])


# Images


def test_dark_on_light_png_becomes_light_on_dark_28x28_in_0_1():
    converted = images.image_to_input(png(plus_sign()), (28, 28), dataset="fashion_mnist")
    pixels = converted.pixels
    assert converted.inverted and converted.original_size == (100, 100)
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32
    assert pixels.min() >= 0 and pixels.max() == pytest.approx(1.0)
    assert pixels[14, 14] > 0.9  # the stroke is light
    assert pixels[[0, 0, 27, 27], [0, 27, 0, 27]].max() < 0.05  # the background is dark


def test_light_on_dark_jpeg_is_not_inverted_and_fits_the_mnist_box():
    converted = images.image_to_input(png(plus_sign(dark_on_light=False), "JPEG"), (28, 28), dataset="mnist")
    assert not converted.inverted
    assert converted.pixels[:4].max() < 0.05  # MNIST digits leave a 4-pixel margin
    assert converted.pixels[14, 14] > 0.9


def test_colour_image_with_transparency_becomes_8x8():
    rgba = np.zeros((60, 40, 4), dtype=np.uint8)  # transparent canvas
    rgba[10:50, 15:25] = (200, 30, 30, 255)  # a red stroke
    converted = images.image_to_input(png(rgba), (8, 8), dataset="digits")
    assert converted.inverted and converted.pixels.shape == (8, 8)
    assert converted.pixels[:, 3:5].mean() > converted.pixels[:, :2].mean()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"not an image", "Expected a PNG or JPEG"),
        (png(plus_sign(), "GIF"), "Received a GIF image, expected PNG or JPEG"),
        (png(np.full((30, 30), 128, dtype=np.uint8)), "single shade"),
    ],
)
def test_bad_images_are_refused_clearly(data, message):
    with pytest.raises(ValueError, match=message):
        images.image_to_input(data, (28, 28))


def test_pick_test_images():
    proba = np.eye(3)[[0, 1, 2, 0, 1, 2]] * 0.8 + 0.2 / 3  # predicted: 0 1 2 0 1 2
    y_true = np.array([0, 1, 1, 1, 2, 2])  # wrong: samples 2, 3, 4
    assert set(images.pick_test_images(proba, y_true, "misclassified", k=5)) == {2, 3, 4}
    assert set(images.pick_test_images(proba, y_true, "by_class", true_class=1, k=5)) == {1, 2, 3}
    random = images.pick_test_images(proba, y_true, "random", k=4)
    assert len(set(random)) == 4 and set(random) <= set(range(6))
    assert len(images.pick_test_images(proba, y_true, "confidently_wrong", k=2)) == 2
    assert set(images.pick_test_images(proba, y_true, "confidently_wrong", k=2)) <= {2, 3, 4}
    with pytest.raises(ValueError, match="Received: true_class=7"):
        images.pick_test_images(proba, y_true, "by_class", true_class=7)


# Uploaded models


def test_probabilities_sum_to_one_for_softmax_and_logit_models():
    x = np.random.default_rng(0).random((5, 8, 8), dtype=np.float32)
    for activation in ("softmax", "linear"):  # a logits model gets a softmax
        proba = predict.predict_proba(classifier(activation=activation), x)
        assert proba.shape == (5, 10) and proba.min() >= 0
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.slow
def test_download_upload_round_trip_gives_identical_predictions(tmp_path):
    model = classifier((28, 28))
    store = RunStore(tmp_path / "store")
    path = store.save('{"run": "round trip"}', model=model, history={"loss": [1.0]}, meta={})
    downloaded = (path / "model.keras").read_bytes()
    uploaded = predict.load_uploaded_model(downloaded)
    x = np.random.default_rng(1).random((7, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(
        predict.predict_proba(uploaded, x), predict.predict_proba(store.list_runs()[0].load_model(), x)
    )
    # ...and both give what the model that was saved gives, so nothing was lost on the way.
    np.testing.assert_allclose(predict.predict_proba(uploaded, x), predict.predict_proba(model, x), atol=1e-6)
    assert predict.match_dataset(uploaded).datasets == ("fashion_mnist", "mnist")


def test_a_model_with_a_lambda_layer_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((64,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(10)])
    data = keras_bytes(model, tmp_path)
    with pytest.raises(ValueError, match="Lambda layer, which holds arbitrary Python code"):
        predict.load_uploaded_model(data)


@keras.saving.register_keras_serializable(package="tests")
class Doubling(keras.layers.Layer):
    def call(self, x):
        return x * 2


def test_a_model_with_a_custom_layer_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((64,)), Doubling(), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match="classes from outside Keras: .*Doubling"):
        predict.load_uploaded_model(keras_bytes(model, tmp_path))


def test_files_that_are_not_keras_models_or_too_large_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not a Keras model"):
        predict.load_uploaded_model(b"PK? no, just text")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ValueError, match="missing config.json, model.weights.h5"):
        predict.load_uploaded_model(buffer.getvalue())
    data = keras_bytes(classifier(), tmp_path)
    with pytest.raises(ValueError, match=r"Received a file of 0\.\d MB, expected at most 0 MB"):
        predict.load_uploaded_model(data, max_bytes=1000)


def test_match_dataset_from_input_shapes():
    assert predict.match_dataset(classifier((784,))).datasets == ("fashion_mnist", "mnist")
    assert predict.match_dataset(classifier((8, 8))).datasets == ("digits",)
    housing = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    assert predict.match_dataset(housing) == predict.DatasetMatch(
        "regression", ("california_housing",), [list(range(8))]
    )
    match = predict.match_dataset(wide_and_deep())
    assert match.page == "wide_and_deep" and match.model_inputs == [[0, 1, 2, 3, 4], [2, 3, 4, 5, 6, 7]]
    with pytest.raises(ValueError, match=r"Received: \(None, 3\)"):
        predict.match_dataset(keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]))
    with pytest.raises(ValueError, match="has 3 outputs, expected 10"):
        predict.match_dataset(classifier(outputs=3))


def test_evaluate_uploaded_classifier_on_digits():
    from core.data import load_dataset

    data = load_dataset("digits")
    model = classifier((64,))
    uploaded = predict.evaluate_uploaded(model, b"bytes", "mine.keras", predict.match_dataset(model), "digits", data)
    meta = uploaded.meta
    assert {"kind", "dataset", "architecture", "params", "test_metrics", "key_metric"} <= set(meta)
    assert meta["dataset"] == "digits" and meta["architecture"] == "5 relu" and meta["params"] == model.count_params()
    np.testing.assert_allclose(uploaded.arrays["test_proba"].sum(axis=1), 1.0, atol=1e-6)
    assert uploaded.load_model() is model and uploaded.key.startswith("upload-")


# Regression


def test_the_form_reproduces_model_predict_for_the_same_row():
    x = np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32) * 10 + 5
    ranges = predict.feature_ranges(x, FEATURES)
    assert ranges["MedInc"][0] <= ranges["MedInc"][1] <= ranges["MedInc"][2]
    medians = {name: median for name, (_, median, _) in ranges.items()}
    row = np.array([[medians[name] for name in FEATURES]], dtype=np.float32)
    model = wide_and_deep()
    expected = model.predict([row[:, :5], row[:, 2:]], verbose=0)[0][0, 0]
    got = predict.predict_one(model, medians, FEATURES, [list(range(5)), list(range(2, 8))])
    assert got == pytest.approx(float(expected), rel=1e-6)
    single = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
    assert predict.predict_one(single, medians, FEATURES) == pytest.approx(float(single.predict(row, verbose=0)[0, 0]))
    with pytest.raises(ValueError, match="no value for the features: Longitude"):
        predict.predict_one(single, {k: v for k, v in medians.items() if k != "Longitude"}, FEATURES)


def csv(frame_dict) -> bytes:
    import pandas as pd

    return pd.DataFrame(frame_dict).to_csv(index=False).encode()


def test_csv_batch_prediction_with_a_good_file():
    x = np.arange(24, dtype=np.float32).reshape(3, 8)
    shuffled = {name: x[:, i] for i, name in reversed(list(enumerate(FEATURES)))}  # column order free
    rows = predict.read_feature_csv(csv(shuffled), FEATURES)
    np.testing.assert_array_equal(rows, x)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    np.testing.assert_allclose(predict.predict_rows(model, rows), model.predict(x, verbose=0).ravel(), rtol=1e-6)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda d: d.pop("MedInc") and d.pop("HouseAge"),
            "missing the columns: MedInc, HouseAge. Expected exactly: MedInc, HouseAge, AveRooms",
        ),
        (lambda d: d.update(MedHouseVal=[1, 2]), "columns the model does not use: MedHouseVal"),
        (lambda d: d.update(Latitude=["north", 3]), "The columns Latitude hold values that are not numbers"),
        (lambda d: d.update(Population=[1.0, None]), r"empty cells in 1 row\(s\) \(rows 2\)"),
    ],
)
def test_csv_batch_prediction_with_bad_files(change, message):
    columns = {name: [1.0, 2.0] for name in FEATURES}
    change(columns)
    with pytest.raises(ValueError, match=message):
        predict.read_feature_csv(csv(columns), FEATURES)


def test_empty_csv_files_are_refused():
    with pytest.raises(ValueError, match="The CSV is empty"):
        predict.read_feature_csv(b"", FEATURES)
    with pytest.raises(ValueError, match="header but no rows"):
        predict.read_feature_csv((",".join(FEATURES) + "\n").encode(), FEATURES)


# Downloads


def test_history_csv_and_run_json():
    text = predict.history_csv({"loss": [0.5, 0.25], "val_loss": [0.6, 0.4]})
    assert text.splitlines() == ["epoch,loss,val_loss", "1,0.5,0.6", "2,0.25,0.4"]
    assert json.loads(predict.run_json({"a": 1}, {"params": 3})) == {"config": {"a": 1}, "meta": {"params": 3}}
