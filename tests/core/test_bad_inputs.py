"""Bad input, through the core function that checks it, with the bytes a user might upload.

One test per row of docs/BAD_INPUTS.md that no other test covers. Each asserts on the
message the user will read: it names what was received and how to fix it. The cases that
first showed real bugs (docs/BAD_INPUTS.md lists them as fixed) now guard their fixes.
"""

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from core.config import MAX_HIDDEN_LAYERS, MLPConfig, TrainingConfig
from core.limits import Limits
from core.playground.upload import parse_points_csv
from core.predictions import images, predict

FEATURES = ("MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude")
HEADER = ",".join(FEATURES)
ROW = "8.3,41,6.9,1.0,322,2.5,37.88,-122.23"
POINTS = "x1,x2,label\n" + "".join(f"{i},{-i},{i % 2}\n" for i in range(12))


def image_bytes(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def plus_sign(size: int = 100, ink: int = 0, paper: int = 255, dtype=np.uint8) -> np.ndarray:
    """A dark plus on light paper, as a phone photo of a drawing would be."""
    pixels = np.full((size, size), paper, dtype=dtype)
    pixels[size // 5 : 4 * size // 5, 9 * size // 20 : 11 * size // 20] = ink
    pixels[9 * size // 20 : 11 * size // 20, size // 5 : 4 * size // 5] = ink
    return pixels


def refused(call, *fragments: str) -> str:
    """Runs `call`, expects a `ValueError`, checks every fragment is in its message."""
    with pytest.raises(ValueError) as error:
        call()
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# Architectures and numbers (configs)


def test_too_many_hidden_layers_names_the_count_and_the_fix():
    refused(
        lambda: MLPConfig(hidden_layers=((10, "relu"),) * (MAX_HIDDEN_LAYERS + 1)),
        "expected at most 20 layers",
        "Received: hidden_layers='<21 layers>'",
        "Remove some hidden layers",
    )


def test_zero_learning_rate_is_refused():
    refused(
        lambda: TrainingConfig(learning_rate=0.0), "expected a number in (0.0, 10.0]", "Received: learning_rate=0.0"
    )


def test_nesterov_without_momentum_says_it_needs_sgd_momentum():
    refused(
        lambda: TrainingConfig(optimizer="sgd", momentum=0.0, nesterov=True),
        "Received: nesterov=True",
        "Nesterov momentum only applies to SGD with momentum",
    )


def test_negative_momentum_is_refused():
    refused(lambda: TrainingConfig(optimizer="sgd", momentum=-0.5), "Received: momentum=-0.5")


def test_too_many_epochs_in_hosted_mode(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    refused(
        lambda: Limits.from_env().check(params=1000, epochs=200),
        "Received: epochs=200; this server trains at most 50 epochs",
        "Lower the number of epochs",
    )


# Uploaded .keras files


def zip_bytes(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory) -> bytes:
    keras = pytest.importorskip("keras")
    model = keras.Sequential(
        [keras.Input((8, 8)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )
    path = tmp_path_factory.mktemp("model") / "model.keras"
    model.save(path)
    return path.read_bytes()


NOT_A_MODEL = "Received a file that is not a Keras model"


@pytest.mark.parametrize(
    "data",
    [b"", image_bytes(Image.fromarray(plus_sign())), b"model = keras.Sequential()\n"],
    ids=["empty", "png-renamed-keras", "python-text"],
)
def test_a_file_that_is_not_a_keras_zip_is_refused(data):
    refused(lambda: predict.load_uploaded_model(data), NOT_A_MODEL, "model.save('name.keras')")


def test_a_truncated_keras_file_is_refused(keras_file):
    refused(lambda: predict.load_uploaded_model(keras_file[: len(keras_file) // 2]), NOT_A_MODEL)


def test_a_keras_file_over_the_upload_limit_is_refused():
    data = b"PK" + bytes(predict.MAX_MODEL_BYTES)  # one byte over, checked before unzipping
    refused(
        lambda: predict.load_uploaded_model(data),
        "Received a file of 50.0 MB, expected at most 50 MB",
        "Upload a smaller model",
    )


def test_a_zip_bomb_is_refused_before_unpacking(monkeypatch):
    monkeypatch.setattr(predict, "MAX_UNPACKED_BYTES", 10_000)
    data = zip_bytes({"config.json": "{}", "model.weights.h5": bytes(50_000)})  # compresses to ~100 bytes
    refused(lambda: predict.load_uploaded_model(data), "Received a model that unpacks to", "Upload a smaller model")


def test_a_config_that_is_not_json_is_refused():
    data = zip_bytes({"config.json": "{not json", "model.weights.h5": b"\x89HDF"})
    refused(lambda: predict.load_uploaded_model(data), "The model's config.json is not valid JSON")


def test_corrupt_weights_are_refused_by_keras_safe_mode(keras_file):
    with zipfile.ZipFile(io.BytesIO(keras_file)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["model.weights.h5"] = b"these are not HDF5 weights"
    refused(
        lambda: predict.load_uploaded_model(zip_bytes(files)),
        "Keras could not load the model in safe mode",
        "Expected a model saved with `model.save('name.keras')`",
    )


def test_a_tfsm_layer_is_refused_like_a_lambda():
    config = {"class_name": "Sequential", "config": {"layers": [{"class_name": "TFSMLayer", "module": "keras.layers"}]}}
    data = zip_bytes({"config.json": json.dumps(config), "model.weights.h5": b""})
    refused(lambda: predict.load_uploaded_model(data), "contains a TFSMLayer layer", "never run code")


# Images


def convert(data: bytes, shape=(28, 28)):
    return images.image_to_input(data, shape, dataset="fashion_mnist")


def assert_plus_seen(converted, shape=(28, 28)):
    """The object is light on black, centred, scaled to [0, 1]."""
    pixels = converted.pixels
    assert pixels.shape == shape and pixels.dtype == np.float32
    assert pixels.max() == pytest.approx(1.0) and pixels.min() >= 0
    assert pixels[shape[0] // 2, shape[1] // 2] > 0.9 and pixels[0, 0] < 0.05


@pytest.mark.parametrize("value", [0, 255], ids=["black", "white"])
def test_a_one_pixel_image_is_a_single_shade(value):
    refused(lambda: convert(image_bytes(Image.new("L", (1, 1), value))), "Received an image of a single shade")


def test_an_all_white_image_is_a_single_shade():
    refused(
        lambda: convert(image_bytes(Image.new("RGB", (300, 200), "white"))),
        "Received an image of a single shade (contrast 0%)",
        "Upload a picture of one item or one digit",
    )


def test_a_fully_transparent_image_is_a_single_shade():
    refused(lambda: convert(image_bytes(Image.new("RGBA", (40, 40), (0, 0, 0, 0)))), "single shade")


@pytest.mark.parametrize("size", [(5000, 1), (1, 5000)], ids=["1x5000", "5000x1"])
def test_a_one_pixel_thin_strip_becomes_a_centred_input(size):
    strip = np.full(size[::-1], 255, dtype=np.uint8).ravel()
    strip[2000:3000] = 0  # a dash in the middle
    converted = convert(image_bytes(Image.fromarray(strip.reshape(size[::-1]))))
    assert converted.original_size == size and converted.inverted
    assert converted.pixels.shape == (28, 28) and converted.pixels.max() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Image.fromarray(plus_sign()).convert("RGBA"),
        lambda: Image.fromarray(plus_sign()).convert("P"),
        lambda: Image.fromarray(plus_sign()).convert("LA"),
        lambda: Image.fromarray(plus_sign()).convert("1"),
        lambda: Image.fromarray(plus_sign(ink=0, paper=65535, dtype=np.uint16)),  # "I;16", full range
    ],
    ids=["RGBA", "P", "LA", "1-bit", "I;16-full-range"],
)
def test_png_modes_are_converted(make):
    image = make()
    assert_plus_seen(convert(image_bytes(image)))


def test_a_cmyk_jpeg_is_converted():
    cmyk = Image.fromarray(np.stack([plus_sign()] * 3, axis=-1)).convert("CMYK")
    assert_plus_seen(convert(image_bytes(cmyk, "JPEG")))


def test_a_16_bit_png_with_mid_grey_levels_is_converted():
    image = Image.fromarray(plus_sign(ink=5000, paper=50000, dtype=np.uint16))  # dark plus on light grey
    assert image_bytes(image) and Image.open(io.BytesIO(image_bytes(image))).mode == "I;16"
    assert_plus_seen(convert(image_bytes(image)))


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_an_animation_named_png_is_refused_by_its_content(fmt):
    frames = [Image.fromarray(plus_sign()), Image.fromarray(255 - plus_sign())]
    data = image_bytes(frames[0], fmt, save_all=True, append_images=frames[1:])
    refused(lambda: convert(data), f"Received a {fmt} image, expected PNG or JPEG", "Save it as PNG or JPEG")


def test_an_animated_png_uses_its_first_frame():
    frames = [Image.fromarray(plus_sign()), Image.new("L", (100, 100), 0)]
    data = image_bytes(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert_plus_seen(convert(data))


def test_text_named_png_is_refused():
    refused(
        lambda: convert(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        "Could not read the file as an image",
        "Expected a PNG or JPEG",
    )


def test_an_empty_image_file_says_it_is_empty():
    message = refused(lambda: convert(b""), "Expected a PNG or JPEG")
    assert "empty" in message and "BytesIO" not in message


def test_a_truncated_png_is_refused():
    data = image_bytes(Image.fromarray(plus_sign()))
    refused(lambda: convert(data[: len(data) // 2]), "Could not read the file as an image", "truncated")


def test_an_image_over_the_byte_limit_is_refused():
    data = b"\x89PNG" + bytes(images.MAX_IMAGE_BYTES)
    refused(lambda: convert(data), "Received an image of 10.5 MB, expected at most 10 MB", "save it smaller")


def test_an_image_over_the_pixel_limit_is_refused():
    data = image_bytes(Image.new("1", (8000, 6000), 1))  # 48 MP, a few KB as PNG
    refused(
        lambda: convert(data), "Received an image of 8000×6000 pixels, expected at most 40 million", "Scale it down"
    )


@pytest.mark.slow
def test_a_decompression_bomb_is_refused():
    data = image_bytes(Image.new("1", (20000, 20000), 1))  # 400 MP in 48 KB
    refused(lambda: convert(data), "Could not read the file as an image (DecompressionBombError")


# CSV of feature rows (predictions page, regression models)


def feature_csv(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows, ""]).encode()


def test_a_csv_of_only_a_header_is_refused():
    refused(lambda: predict.read_feature_csv(feature_csv(), FEATURES), "The CSV has a header but no rows")


def test_a_csv_without_a_header_names_what_was_found():
    refused(
        lambda: predict.read_feature_csv(feature_csv(ROW, header=ROW), FEATURES),
        "The CSV is missing the columns: MedInc",
        "The CSV has columns the model does not use: 8.3",
        f"Expected exactly: {', '.join(FEATURES)}",
    )


def test_a_csv_over_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(predict, "MAX_CSV_ROWS", 3)
    refused(
        lambda: predict.read_feature_csv(feature_csv(*[ROW] * 4), FEATURES),
        "Received a CSV of more than 3 rows, expected at most 3",
    )


def test_a_csv_over_the_byte_limit_is_refused():
    data = feature_csv() + bytes(predict.MAX_CSV_BYTES)
    refused(
        lambda: predict.read_feature_csv(data, FEATURES),
        "Received a CSV of 20.0 MB, expected at most 20 MB",
        "Split it into smaller files",
    )


def test_a_row_with_too_few_values_is_named():
    refused(
        lambda: predict.read_feature_csv(feature_csv("1,2"), FEATURES),
        "Row 2 of the file has 2 values, but the header names 8",
    )


def test_a_repeated_column_is_named():
    refused(
        lambda: predict.read_feature_csv(feature_csv(ROW + ",1", header=HEADER + ",MedInc"), FEATURES),
        "columns the model does not use: MedInc.1",
    )


def test_a_utf8_bom_from_excel_is_accepted():
    rows = predict.read_feature_csv(feature_csv(ROW).decode().encode("utf-8-sig"), FEATURES)
    assert rows.shape == (1, 8) and rows[0, 0] == pytest.approx(8.3)


def test_a_nan_cell_is_named_as_nan():
    refused(lambda: predict.read_feature_csv(feature_csv(ROW, ROW.replace("8.3", "NaN")), FEATURES), "NaN")


def test_an_infinite_cell_is_refused():
    refused(lambda: predict.read_feature_csv(feature_csv(ROW.replace("8.3", "inf")), FEATURES), "inf")


def test_rows_longer_than_the_header_are_refused():
    refused(lambda: predict.read_feature_csv(feature_csv("1,2,3,4,5,6,7,8,9,10"), FEATURES), "10")


def test_a_semicolon_separated_csv_says_to_use_commas():
    data = feature_csv(ROW.replace(",", ";"), header=HEADER.replace(",", ";"))
    refused(lambda: predict.read_feature_csv(data, FEATURES), "comma")


def test_a_semicolon_separated_csv_is_refused_naming_the_column_read():
    data = feature_csv(ROW.replace(",", ";"), header=HEADER.replace(",", ";"))
    refused(lambda: predict.read_feature_csv(data, FEATURES), "columns the model does not use: MedInc;HouseAge;")


NOT_UTF8 = {
    "latin-1": (HEADER + "\n" + ROW + "\n").encode() + "Médian".encode("latin-1"),
    "utf-16": (HEADER + "\n" + ROW + "\n").encode("utf-16"),
    "png": image_bytes(Image.fromarray(plus_sign())),
}


@pytest.mark.parametrize("data", NOT_UTF8.values(), ids=NOT_UTF8.keys())
def test_non_utf8_bytes_are_refused(data):
    refused(
        lambda: predict.read_feature_csv(data, FEATURES),
        "The file is not UTF-8 text (byte 0x",
        "Save it as 'CSV UTF-8'",
    )


@pytest.mark.parametrize("data", NOT_UTF8.values(), ids=NOT_UTF8.keys())
def test_non_utf8_bytes_say_to_save_as_utf8(data):
    refused(lambda: predict.read_feature_csv(data, FEATURES), "UTF-8")


# CSV of 2-D points (playground)


def points_error(data, *fragments):
    return refused(lambda: parse_points_csv(data), "Received an invalid CSV file", *fragments)


def test_points_header_only_is_refused():
    points_error(b"x1,x2,label\n", "expected at least 10 rows of points. Received: 0 rows")


def test_points_repeated_column_is_named():
    data = "x1,x2,label,x1\n" + "".join(f"{i},{-i},{i % 2},{i}\n" for i in range(12))
    points_error(data.encode(), "(extra x1.1)", "Fix the header line")


def test_points_headers_in_capitals_with_spaces_are_accepted():
    points = parse_points_csv(POINTS.replace("x1,x2,label", " X1 , X2 , Label").encode())
    assert points.points.shape == (12, 2) and points.problem == "classification"


def test_points_semicolon_separated_names_the_separator_read():
    points_error(POINTS.replace(",", ";").encode(), "Received: values separated by ';'")


def test_points_semicolon_separated_says_to_use_commas():
    points_error(POINTS.replace(",", ";").encode(), "comma")


def test_points_rows_longer_than_the_header_are_refused():
    data = "x1,x2,label\n" + "".join(f"{i},{i * 10},{i * 100},{i % 2}\n" for i in range(12))
    points_error(data.encode(), "4")


POINTS_NOT_UTF8 = {
    "latin-1 cell": (POINTS + "1,2,0\n").encode() + "é,1,0\n".encode("latin-1"),
    "latin-1 header": POINTS.replace("label", "labél").encode("latin-1"),
    "utf-16": POINTS.encode("utf-16"),
    "png": image_bytes(Image.fromarray(plus_sign())),
}


@pytest.mark.parametrize("data", POINTS_NOT_UTF8.values(), ids=POINTS_NOT_UTF8.keys())
def test_points_non_utf8_bytes_are_refused(data):
    points_error(data)


@pytest.mark.parametrize("data", POINTS_NOT_UTF8.values(), ids=POINTS_NOT_UTF8.keys())
def test_points_non_utf8_bytes_say_to_save_as_utf8(data):
    message = points_error(data, "UTF-8")
    assert "\ufffd" not in message and "\x00" not in message


# Upload limits as the page states them


@pytest.mark.parametrize(
    "call, stated",
    [
        (lambda: predict.load_uploaded_model(b"PK" + bytes(predict.MAX_MODEL_BYTES)), "at most 50 MB"),
        (lambda: predict.read_feature_csv(bytes(predict.MAX_CSV_BYTES + 1), FEATURES), "at most 20 MB"),
    ],
    ids=["keras", "csv"],
)
def test_refusals_state_the_limit_the_uploader_shows(call, stated):
    refused(call, stated)


# Deleting on a hosted server (core.access).


def test_hosted_deletes_need_the_visitors_own_run_or_the_operator_key():
    from core.access import may_delete

    rule = {"hosted": True, "trained_here": {"mine"}, "operator_key_expected": "s3cret"}
    assert may_delete("mine", operator_key_given=None, **rule)
    assert not may_delete("theirs", operator_key_given=None, **rule)
    assert not may_delete("theirs", operator_key_given="wrong", **rule)
    assert may_delete("theirs", operator_key_given="s3cret", **rule)
    # No operator key on the server: nobody is the operator, even with an empty guess.
    assert not may_delete("theirs", operator_key_given="", **{**rule, "operator_key_expected": ""})
    assert may_delete("theirs", hosted=False, trained_here=set(), operator_key_given=None, operator_key_expected=None)


def test_hosted_messages_lose_their_server_paths():
    from core.access import redact_paths

    message = "could not be read (FileNotFoundError: [Errno 2] No such file: '/srv/cache/mlp/0123/meta.json')"
    assert redact_paths(message) == "could not be read (FileNotFoundError: [Errno 2] No such file: '<server path>')"
