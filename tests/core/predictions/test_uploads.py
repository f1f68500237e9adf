"""Damaged and booby-trapped uploads in core: each is refused with a message that says
what was received, or (a legitimate model, a 16-bit image) works."""

import io

import numpy as np
import pytest
from PIL import Image

from core.csvtext import check_shape
from core.predictions import images, predict
from tests.core.predictions import bad_files


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory) -> bytes:
    return bad_files.keras_bytes(bad_files.small_classifier(), tmp_path_factory.mktemp("model"))


def refused(call, *fragments):
    with pytest.raises(ValueError) as caught:
        call()
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    assert "/tmp" not in message and "Traceback" not in message
    return message


DAMAGED = {
    "bad CRC in config.json": (bad_files.bad_crc, "The model file is damaged: its config.json cannot be unpacked"),
    "deflate64 member": (bad_files.deflate64, "with a compression Keras does not write (zip method 9)"),
    "encrypted flag": (bad_files.encrypted, "The model file is encrypted (config.json needs a password)"),
    "deeply nested JSON": (bad_files.deep_json, "nests lists and objects more than 64 deep"),
    "module 123": (lambda data: bad_files.module_named(data, 123), "Received: module=123"),
    "module ['os']": (lambda data: bad_files.module_named(data, ["os"]), "Received: module=['os']"),
}


@pytest.mark.parametrize("make, message", DAMAGED.values(), ids=DAMAGED.keys())
def test_damaged_keras_files_are_refused_clearly(keras_file, make, message):
    refused(lambda: predict.load_uploaded_model(make(keras_file)), message)


def test_a_sequential_model_saved_without_an_input_shape_is_refused(tmp_path):
    import keras

    data = bad_files.keras_bytes(keras.Sequential([keras.layers.Dense(16), keras.layers.Dense(10)]), tmp_path)
    refused(
        lambda: predict.load_uploaded_model(data),
        "The model has no input shape",
        "Received: a Sequential model saved before it was built",
        "keras.Input(shape=(28, 28))",
    )


def test_a_leaky_relu_activation_layer_loads_and_is_described(tmp_path):
    import keras

    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(16, activation=keras.layers.LeakyReLU()),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    loaded = predict.load_uploaded_model(bad_files.keras_bytes(model, tmp_path))
    assert predict.describe_model(loaded) == "16 LeakyReLU"
    proba = predict.predict_proba(loaded, np.zeros((3, 8, 8), np.float32))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_a_keras_error_never_names_the_server_folder(keras_file):
    files = bad_files.members(keras_file)
    files["model.weights.h5"] = b"not hdf5 at all"
    message = refused(lambda: predict.load_uploaded_model(bad_files.zip_of(files)), "Keras could not load the model")
    assert "mlp-upload-" not in message


def test_evaluation_batches_fit_the_memory_budget():
    import keras

    heavy = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.UpSampling2D(2),
            keras.layers.Conv2D(8, 3),
        ]
    )
    per_sample, _ = predict.activation_bytes(heavy)
    batch = predict.evaluation_batch_size(heavy)
    assert batch < predict.PREDICT_BATCH_SIZE
    assert batch * per_sample <= predict.EVALUATION_BUDGET_BYTES


def test_json_depth_ignores_brackets_inside_strings():
    assert predict.json_depth('{"name": "[[[[{{{{"}') == 1
    assert predict.json_depth('"a \\" [ quote"') == 0
    assert predict.json_depth("[" * 1000 + "]" * 1000, stop_at=10) == 11


# The regression CSV: refused at once, before pandas.

FEATURES = ["age", "bmi"]


def test_a_header_of_500k_duplicate_names_is_refused_at_once():
    import time

    data = ("age," * 500_000 + "bmi\n1,2\n").encode()
    started = time.perf_counter()
    refused(
        lambda: predict.read_feature_csv(data, FEATURES),
        "Received a CSV with 500,001 columns (line 1), expected the 2 feature columns: age, bmi",
    )
    assert time.perf_counter() - started < 5  # pandas took about an hour


def test_a_15_mb_quoted_field_is_refused_naming_its_line():
    data = b'age,bmi\n1,"' + b"9" * 15_000_000 + b'"\n'
    refused(
        lambda: predict.read_feature_csv(data, FEATURES),
        "Received a CSV with a value of 15,000,000 characters (line 2)",
        "numbers of at most 1,000 characters",
    )


def test_check_shape_stays_as_core_csvtext_defines_it():
    assert check_shape("age,bmi\n1,2\n", max_columns=2, max_rows=1) == (2, 1)


# Images: 16-bit greys are scaled, not clipped, and shown; thin strips get a preview.


def test_a_16_bit_grey_png_is_converted_with_an_8_bit_preview():
    converted = images.image_to_input(bad_files.grey_16_bit_png(), (28, 28))
    assert converted.inverted and converted.pixels.max() == 1.0
    assert converted.preview.dtype == np.uint8 and converted.preview.shape == (60, 60, 3)
    # The preview shows the grey levels 5000 and 50000 of 65535, not one clipped white.
    assert {int(converted.preview.min()), int(converted.preview.max())} == {19, 195}
    Image.fromarray(converted.preview).save(io.BytesIO(), format="JPEG")  # what the page sends


@pytest.mark.parametrize("size", [(5000, 1), (1, 5000)], ids=["5000x1", "1x5000"])
def test_a_thin_strip_has_a_preview_a_browser_can_show(size):
    converted = images.image_to_input(bad_files.strip_png(*size), (28, 28))
    assert max(converted.preview.shape[:2]) <= images.PREVIEW_SIDE and min(converted.preview.shape[:2]) >= 1


def test_a_phone_photos_exif_rotation_is_applied():
    photo = Image.new("L", (120, 60), 255)
    photo.paste(0, (10, 20, 110, 40))  # a horizontal bar, stored sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", exif=exif.tobytes())
    converted = images.image_to_input(buffer.getvalue(), (28, 28))
    assert converted.original_size == (60, 120)  # as displayed: upright
    columns = converted.pixels.max(axis=0) > 0.5
    rows = converted.pixels.max(axis=1) > 0.5
    assert rows.sum() > columns.sum()  # the bar now stands vertically
