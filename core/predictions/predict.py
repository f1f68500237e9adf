"""Use a model on new inputs, take it away, bring one in.

- Uploaded `.keras` files: `load_uploaded_model` checks the file (size, a zip holding
  `config.json` and `model.weights.h5`, each member's unpacked size, the JSON's depth, no
  Lambda layer or custom class) before Keras loads it in safe mode, so an uploaded model
  never runs code, and checks that its activations per sample are small
  (`activation_bytes`) before anything is evaluated, in batches sized to a memory budget. `match_dataset` finds
  which of the app's data sets its input shape fits, and `evaluate_uploaded` scores it
  on that data set's test split, giving an `UploadedModel` the pages use like a run
  from the store (it never enters the store).
- Regression: `predict_rows` feeds each model input its features (wide-and-deep models
  take several inputs), `feature_ranges` gives the form its defaults, and
  `read_feature_csv` checks an uploaded CSV of feature rows.
- Downloads: `history_csv` and `run_json`.

Example:

>>> from core.config import MLPConfig
>>> from core.models import build_mlp
>>> with tempfile.TemporaryDirectory() as folder:  # a user's model.save("my_model.keras")
...     build_mlp(MLPConfig(((8, "relu"),)), (28, 28), 10, seed=0).save(f"{folder}/my_model.keras")
...     model = load_uploaded_model(Path(folder, "my_model.keras").read_bytes())
>>> match_dataset(model).datasets
('fashion_mnist', 'mnist')
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.csvtext import check_shape, decode_utf8, ragged_row, semicolon_separated

MAX_MODEL_BYTES = 50 * 1024 * 1024  # the server's upload limit (.streamlit/config.toml)
# A .keras zip holds little besides its weights; more than this unpacked is a zip bomb.
MAX_UNPACKED_BYTES = 4 * MAX_MODEL_BYTES
# Each member on its own, far below the total: `json.loads` takes about 25 times the
# text's size in memory, so config.json gets the smallest cap (a model of 100 layers
# writes about 200 KB).
MAX_CONFIG_BYTES = 2 * 2**20
MAX_WEIGHTS_BYTES = 64 * 2**20  # 16 million float32 weights
MAX_OTHER_MEMBER_BYTES = 2**20  # metadata.json and anything else in the zip
MAX_JSON_DEPTH = 64  # a Keras config nests about 10 deep
# Outputs of every layer for one sample (float32 bytes): an MLP on 28×28 has a few KB,
# a small CNN a few hundred; UpSampling2D(8) then Conv2D(32) on 28×28 has 6.4 MB.
MAX_ACTIVATION_BYTES = 2 * 2**20
# Evaluation runs in batches that keep their activations under this budget.
EVALUATION_BUDGET_BYTES = 64 * 2**20
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_ROWS = 100_000
MAX_CSV_FIELD_CHARS = 1_000  # a number never needs more
MAX_CSV_EXTRA_COLUMNS = 32  # beyond the features, still named in the message
PREDICT_BATCH_SIZE = 2048

IMAGE_SIZES = {784: ("fashion_mnist", "mnist"), 64: ("digits",)}
IMAGE_SHAPES = {"fashion_mnist": (28, 28), "mnist": (28, 28), "digits": (8, 8)}
NUM_FEATURES = {8: "california_housing", 10: "diabetes"}
# The book's wide-and-deep split of the 8 housing features: wide gets 0-4, deep gets 2-7.
BOOK_WIDE_AND_DEEP = {(5, 6): [list(range(0, 5)), list(range(2, 8))]}
# Classes Keras itself serializes as functions or arbitrary code: never loaded.
_CODE_CLASSES = {"Lambda", "__lambda__", "TFSMLayer"}


@dataclass(frozen=True)
class DatasetMatch:
    """Which of the app's data sets a model's input shape fits."""

    page: str  # "classification", "regression" or "wide_and_deep"
    datasets: tuple[str, ...]  # several when the shape fits several (28×28: two)
    model_inputs: list[list[int]] | None = None  # feature indices per input (tabular)


@dataclass
class UploadedModel:
    """A model a user uploaded and evaluated, shaped like a `core.store.StoredRun`
    (`key`, `config`, `meta`, `history`, `arrays`, `load_model()`), kept only in the
    user's session."""

    key: str
    name: str
    model: object = field(repr=False)
    file_bytes: bytes = field(repr=False)
    meta: dict
    config: dict
    history: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)

    def load_model(self):
        return self.model


def _too_big(what: str, size: int, limit: int, hint: str) -> ValueError:
    # Binary megabytes, as the uploader states its limit.
    # `what` ends with its own preposition ("a file of", "a model that unpacks to").
    return ValueError(f"Received {what} {size / 2**20:.1f} MB, expected at most {limit / 2**20:.0f} MB. {hint}".strip())


def _walk_classes(config) -> list[tuple[str, object]]:
    """Every `(class_name, module)` in the config: each serialized Keras object is a
    dict with "class_name" (and "module"). Iterative: the depth was checked, but a walk
    should not depend on it."""
    found, stack = [], [config]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("class_name"), str):
                found.append((node["class_name"], node.get("module")))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str, *, stop_at: int | None = None) -> int:
    """How deeply a JSON text nests its lists and objects, without parsing it (and
    without recursion, which `json.loads` needs: a deep enough text exhausts its stack).

    Args:
        text: the JSON text.
        stop_at: stop counting past this depth. Defaults to `None` (count it all).

    Returns:
        The deepest nesting: 0 for a number or a string, 1 for `[1, 2]`.

    Example:

    >>> json_depth('{"a": [1, {"b": "[[["}]}')
    3
    """
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop_at is not None and deepest > stop_at:
                break
        else:
            depth -= 1
    return deepest


def _member_limit(name: str) -> int:
    if name == "config.json":
        return MAX_CONFIG_BYTES
    if name == "model.weights.h5":
        return MAX_WEIGHTS_BYTES
    return MAX_OTHER_MEMBER_BYTES


def _check_members(archive: zipfile.ZipFile) -> None:
    # From the zip's directory, before a byte is unpacked.
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise ValueError(
                f"The model file is encrypted ({info.filename} needs a password). Save the model "
                "again with `model.save('name.keras')` and upload that file as it is."
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ValueError(
                f"The model file packs {info.filename} with a compression Keras does not write "
                f"(zip method {info.compress_type}). Upload the file `model.save('name.keras')` wrote, "
                "not one zipped again by another tool."
            )
        limit = _member_limit(info.filename)
        if info.file_size > limit:
            raise _too_big(
                f"a model whose {info.filename} unpacks to",
                info.file_size,
                limit,
                "Upload a smaller model (fewer or narrower layers).",
            )
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise _too_big("a model that unpacks to", unpacked, MAX_UNPACKED_BYTES, "Upload a smaller model.")


def _read_config(archive: zipfile.ZipFile) -> dict:
    try:
        with archive.open("config.json") as member:
            # A bounded read: the directory's size may lie, the read cannot.
            raw = member.read(MAX_CONFIG_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        raise ValueError(
            f"The model file is damaged: its config.json cannot be unpacked ({error}). "
            "Save the model again with `model.save('name.keras')` and upload it again."
        ) from error
    if len(raw) > MAX_CONFIG_BYTES:
        raise _too_big(
            "a model whose config.json unpacks to more than",
            MAX_CONFIG_BYTES,
            MAX_CONFIG_BYTES,
            "Upload a model with fewer layers.",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"The model's config.json is not valid JSON (not UTF-8 text: {error.reason}).") from None
    depth = json_depth(text, stop_at=MAX_JSON_DEPTH)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(
            f"The model's config.json nests lists and objects more than {MAX_JSON_DEPTH} deep, expected "
            "a Keras model's configuration (about 10 deep). Upload the file `model.save('name.keras')` wrote."
        )
    try:
        config = json.loads(text)
    except ValueError as error:
        raise ValueError(f"The model's config.json is not valid JSON ({error}).") from error
    if not isinstance(config, dict):
        raise ValueError(
            f"The model's config.json holds a {type(config).__name__}, expected a Keras model's "
            "configuration (a JSON object). Upload the file `model.save('name.keras')` wrote."
        )
    return config


def check_keras_file(data: bytes, *, max_bytes: int = MAX_MODEL_BYTES) -> dict:
    """Checks an uploaded `.keras` file without loading it; returns its `config.json`.

    Args:
        data: the file's bytes.
        max_bytes: the size limit. Defaults to `MAX_MODEL_BYTES` (50 MB).

    Returns:
        The model's parsed `config.json`.

    Raises:
        ValueError: a file too large, not a Keras 3 `.keras` zip, or holding a Lambda
            layer or a class from outside Keras (custom code the app will not run).
    """
    if len(data) > max_bytes:
        raise _too_big("a file of", len(data), max_bytes, "Upload a smaller model (fewer or narrower layers).")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValueError(
            "Received a file that is not a Keras model: a `.keras` file is a zip archive "
            "written by `model.save('name.keras')` (Keras 3). Legacy `.h5` files and "
            "SavedModel folders are not supported; load them in Keras and save them as `.keras`."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            missing = {"config.json", "model.weights.h5"} - names
            if missing:
                raise ValueError(
                    f"The zip file is missing {', '.join(sorted(missing))}, so it is not a `.keras` "
                    "model. Expected the file written by `model.save('name.keras')`."
                )
            _check_members(archive)
            config = _read_config(archive)
    except zipfile.BadZipFile as error:
        raise ValueError(
            f"The model file is a damaged zip archive ({error}). Save the model again with "
            "`model.save('name.keras')` and upload it again."
        ) from error
    found = _walk_classes(config)
    odd = sorted({repr(module) for _, module in found if module is not None and not isinstance(module, str)})
    if odd:
        raise ValueError(
            f"The model's config.json names modules that are not text. Received: module={', '.join(odd)}. "
            "Expected names such as 'keras.layers'; upload the file `model.save('name.keras')` wrote."
        )
    # "__lambda__" is the function inside a Lambda layer: report the layer once.
    code = sorted({"Lambda" if name == "__lambda__" else name for name, _ in found if name in _CODE_CLASSES})
    if code:
        raise ValueError(
            f"The model contains a {' and a '.join(code)} layer, which holds arbitrary Python code; "
            "uploaded models are loaded in Keras's safe mode and never run code. Replace the "
            "Lambda layer with built-in layers (or remove it), save the model again and upload it."
        )
    custom = sorted({f"{module}.{name}" for name, module in found if module and not module.startswith("keras")})
    if custom:
        raise ValueError(
            f"The model uses classes from outside Keras: {', '.join(custom)}. Custom layers, "
            "losses or activations are code the app will not run; use built-in Keras layers only."
        )
    return config


def load_uploaded_model(data: bytes, *, max_bytes: int = MAX_MODEL_BYTES):
    """Loads an uploaded `.keras` file safely (no code runs), uncompiled.

    Args:
        data: the file's bytes.
        max_bytes: the size limit. Defaults to `MAX_MODEL_BYTES` (50 MB).

    Returns:
        The `keras.Model`.

    Raises:
        ValueError: see `check_keras_file`; also when Keras cannot load the file, for a
            model without an input shape (`check_built`) and for one whose activations
            are too large to evaluate (`check_activations`).
    """
    check_keras_file(data, max_bytes=max_bytes)
    import keras

    with tempfile.TemporaryDirectory(prefix="mlp-upload-") as folder:
        path = Path(folder) / "model.keras"  # load_model wants the .keras suffix
        path.write_bytes(data)
        try:
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
        except Exception as error:  # Keras raises many kinds for a broken or foreign file
            # The message may name the server's temporary folder: users see the file's name.
            detail = str(error).replace(str(path), "model.keras").replace(folder, "")
            raise ValueError(
                f"Keras could not load the model in safe mode ({type(error).__name__}: {detail}). "
                "Expected a model saved with `model.save('name.keras')` from built-in layers."
            ) from error
    check_built(model)
    check_activations(model)
    return model


def check_built(model) -> None:
    """Raises `ValueError` for a model that has no input shape (a Sequential model saved
    before it was built), which can be neither matched to a data set nor evaluated."""
    try:
        model.inputs  # noqa: B018 (raises for a model without inputs)
        model.outputs  # noqa: B018
    except (AttributeError, ValueError):
        raise ValueError(
            f"The model has no input shape: Keras cannot tell what it takes. Received: a {type(model).__name__} "
            "model saved before it was built. Start it with `keras.Input(shape=(28, 28))` (the shape of your "
            "data), train or build it, save it again and upload it."
        ) from None


def _layer_outputs(model):
    # Every output of every call in the model's graph (a shared layer has one per
    # call), and the insides of nested models.
    graph = getattr(model, "_functional", None) or model  # a Sequential wraps a Functional
    for nodes in getattr(graph, "_nodes_by_depth", {}).values():
        for node in nodes:
            layer = node.operation
            if layer is not graph and (hasattr(layer, "_nodes_by_depth") or hasattr(layer, "_functional")):
                yield from _layer_outputs(layer)
            for tensor in node.output_tensors:
                yield layer, tensor


def activation_bytes(model) -> tuple[int, str | None]:
    """The bytes one sample's outputs take across the model's layers, and the layer with
    the largest share, from the layers' output shapes (nothing is evaluated).

    Args:
        model: a built `keras.Model`.

    Returns:
        `(bytes, layer)`: the sum over every layer's outputs (an upper bound of what
        inference holds at once) and the name and class of the largest, or `None`.
    """
    total, largest, name = 0, 0, None
    for layer, tensor in _layer_outputs(model):
        size = math.prod(dim or 1 for dim in tensor.shape[1:]) * 4  # float32
        total += size
        if size > largest:
            largest, name = size, f"{layer.name} ({type(layer).__name__})"
    return total, name


def check_activations(model, *, limit: int = MAX_ACTIVATION_BYTES) -> None:
    """Raises `ValueError` for a model whose layers' outputs for one sample take more
    than `limit` bytes, before it evaluates anything (a small file with an upsampling
    layer can need gigabytes per batch).

    Args:
        model: a built `keras.Model`.
        limit: the most bytes per sample. Defaults to `MAX_ACTIVATION_BYTES` (2 MB).
    """
    total, largest = activation_bytes(model)
    if total > limit:
        raise ValueError(
            f"Received a model whose layers produce {total / 2**20:.1f} MB of outputs for each sample "
            f"(the largest: {largest}), expected at most {limit / 2**20:.0f} MB: evaluating it would take "
            "more memory than this server gives one visitor. Use fewer filters, no upsampling, or "
            "smaller layers."
        )


def evaluation_batch_size(model, *, budget: int = EVALUATION_BUDGET_BYTES) -> int:
    """The batch size whose activations fit `budget` bytes, at most `PREDICT_BATCH_SIZE`.

    Example:

    >>> import keras
    >>> evaluation_batch_size(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))
    2048
    """
    per_sample, _ = activation_bytes(model)
    return int(max(1, min(PREDICT_BATCH_SIZE, budget // max(per_sample, 1))))


def _input_shapes(model) -> list[tuple]:
    return [tuple(tensor.shape[1:]) for tensor in model.inputs]


def _output_sizes(model) -> list[int]:
    return [math.prod(d or 1 for d in tensor.shape[1:]) for tensor in model.outputs]


def match_dataset(model) -> DatasetMatch:
    """Finds the data sets whose inputs the model takes.

    28×28 (or 784) pixels fit Fashion-MNIST and MNIST, 8×8 (or 64) the digits, 8
    features California housing, 10 the diabetes data; two inputs of 5 and 6 features
    are the book's wide-and-deep split of California housing.

    Args:
        model: a `keras.Model`.

    Returns:
        A `DatasetMatch`.

    Raises:
        ValueError: when no data set fits, naming the shapes received and expected.
    """
    shapes = _input_shapes(model)
    outputs = _output_sizes(model)
    sizes = [math.prod(d or 0 for d in shape) for shape in shapes]
    match = None
    if len(shapes) == 1 and sizes[0] in IMAGE_SIZES:
        if outputs[0] != 10:
            raise ValueError(
                f"The model takes images ({shapes[0]}) but has {outputs[0]} outputs, expected 10 "
                "(one probability per class). Upload a classifier with a 10-unit output layer."
            )
        match = DatasetMatch("classification", IMAGE_SIZES[sizes[0]])
    elif len(shapes) == 1 and len(shapes[0]) == 1 and sizes[0] in NUM_FEATURES:
        match = DatasetMatch("regression", (NUM_FEATURES[sizes[0]],), [list(range(sizes[0]))])
    elif tuple(sizes) in BOOK_WIDE_AND_DEEP and all(len(shape) == 1 for shape in shapes):
        match = DatasetMatch("wide_and_deep", ("california_housing",), BOOK_WIDE_AND_DEEP[tuple(sizes)])
    if match is None:
        received = ", ".join(str((None, *shape)) for shape in shapes)
        raise ValueError(
            f"The model's input shape fits none of the app's data sets. Received: {received}. "
            "Expected one of (None, 28, 28) or (None, 784) for Fashion-MNIST/MNIST, (None, 8, 8) "
            "or (None, 64) for the digits, (None, 8) for California housing, (None, 10) for "
            "diabetes, or inputs (None, 5) and (None, 6) for the book's wide-and-deep model."
        )
    if match.page != "classification" and outputs[0] != 1:
        raise ValueError(
            f"The model takes tabular features but its first output has {outputs[0]} values, "
            "expected 1 (the predicted value). Upload a regression model."
        )
    return match


def describe_model(model) -> str:
    """A short architecture name such as `300-100 relu`, from the hidden Dense layers
    (an activation given as a layer is named by its class, e.g. `16 LeakyReLU`)."""
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    hidden = dense[:-1] if len(dense) > 1 else dense
    if not hidden:
        return f"{len(model.layers)} layers"
    units = "-".join(str(layer.units) for layer in hidden)
    activations = sorted({_activation_name(layer.activation) for layer in hidden})
    return f"{units} {'/'.join(activations)}"


def _activation_name(activation) -> str:
    # A function (`keras.activations.relu`) or a layer (`activation=keras.layers.LeakyReLU()`).
    name = getattr(activation, "__name__", None)
    return name if isinstance(name, str) else type(activation).__name__


def _main_output(outputs) -> np.ndarray:
    # Wide-and-deep models may add auxiliary outputs; the first one is the prediction.
    if isinstance(outputs, dict):
        outputs = list(outputs.values())
    return np.asarray(outputs[0] if isinstance(outputs, (list, tuple)) else outputs)


def predict_proba(model, images: np.ndarray) -> np.ndarray:
    """Class probabilities for images `(n, height, width)`, reshaped to the model's input,
    in batches that fit `EVALUATION_BUDGET_BYTES` (see `evaluation_batch_size`).

    A model without a softmax output (logits) gets one here, so rows always sum to 1.
    """
    shape = _input_shapes(model)[0]
    x = np.asarray(images, dtype=np.float32).reshape((len(images), *shape))
    batch_size = evaluation_batch_size(model)
    proba = _main_output(model.predict(x, batch_size=batch_size, verbose=0)).astype(np.float64)
    if np.any(proba < 0) or not np.allclose(proba.sum(axis=1), 1.0, atol=1e-3):
        exp = np.exp(proba - proba.max(axis=1, keepdims=True))
        proba = exp / exp.sum(axis=1, keepdims=True)
    return proba / proba.sum(axis=1, keepdims=True)


def split_inputs(x: np.ndarray, model_inputs: list[list[int]] | None):
    """The columns of `x` each model input takes: one array, or a list for several inputs."""
    x = np.asarray(x, dtype=np.float32)
    if not model_inputs or len(model_inputs) == 1:
        return x if not model_inputs else x[:, model_inputs[0]]
    return [x[:, columns] for columns in model_inputs]


def predict_rows(model, x: np.ndarray, model_inputs: list[list[int]] | None = None) -> np.ndarray:
    """Predicted values for feature rows `x` (n, num_features), as a flat array.

    Args:
        model: a regression `keras.Model` taking raw features.
        x: the rows, all features in the data set's order.
        model_inputs: feature indices for each model input, in input order (the store's
            `meta["model_inputs"]`). Defaults to `None`: one input takes every feature.

    Returns:
        float32 array of shape (n,).
    """
    outputs = model.predict(split_inputs(x, model_inputs), batch_size=evaluation_batch_size(model), verbose=0)
    return _main_output(outputs).astype(np.float32).reshape(-1)


def predict_one(model, values: dict[str, float], feature_names, model_inputs=None) -> float:
    """The prediction for one sample given as `{feature: value}` (the form's fields).

    Raises:
        ValueError: when a feature is missing from `values`.
    """
    missing = [name for name in feature_names if name not in values]
    if missing:
        raise ValueError(f"Received no value for the features: {', '.join(missing)}. Expected one per feature.")
    row = np.array([[values[name] for name in feature_names]], dtype=np.float32)  # (1, num_features)
    return float(predict_rows(model, row, model_inputs)[0])


def regression_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """`{"rmse", "mae"}` of predictions against targets."""
    errors = np.asarray(y_pred, dtype=np.float64).reshape(-1) - np.asarray(y_true, dtype=np.float64)
    return {"rmse": float(np.sqrt(np.mean(errors**2))), "mae": float(np.mean(np.abs(errors)))}


def evaluate_in_worker(payload: dict, report, should_stop) -> UploadedModel:
    """The worker's half of evaluating an upload (a `core.workers` task): loads the
    file safely again and scores it on the test split of `payload["dataset"]`, loaded
    by name; the result comes back without its model (the server has its own copy)."""
    from core import runs
    from core.data import DatasetUnavailableError

    match = payload["match"]
    try:
        test_set = runs.load_named_data(runs.kind_named(match.page).inputs, payload["dataset"])
    except DatasetUnavailableError as error:
        raise ValueError(str(error)) from error
    model = load_uploaded_model(payload["data"])
    uploaded = evaluate_uploaded(model, payload["data"], payload["name"], match, payload["dataset"], test_set)
    uploaded.model = None
    return uploaded


def evaluate_uploaded(model, data: bytes, name: str, match: DatasetMatch, dataset: str, test_set) -> UploadedModel:
    """Scores an uploaded model on a data set's test split; returns it ready to use.

    Args:
        model: the loaded model (see `load_uploaded_model`).
        data: the uploaded file's bytes (kept for downloading it back).
        name: the uploaded file's name.
        match: what `match_dataset(model)` said.
        dataset: the data set chosen among `match.datasets`.
        test_set: that data set, loaded (`ImageDataset` or `RegressionData`).

    Returns:
        An `UploadedModel` whose `meta` follows the store's contract.
    """
    started = time.perf_counter()
    meta = {
        "kind": match.page,
        "dataset": dataset,
        "architecture": describe_model(model),
        "params": int(model.count_params()),
        "source": "upload",
        "file_name": name,
        "created": time.time(),
        "wall_time": None,
    }
    if match.page == "classification":
        from core.training import evaluate_proba

        proba = predict_proba(model, test_set.x_test)
        metrics = evaluate_proba(proba, test_set.y_test)
        arrays = {"test_proba": proba}
        meta["key_metric"] = {"name": "test accuracy", "value": metrics["accuracy"]}
    else:
        prediction = predict_rows(model, test_set.x_test, match.model_inputs)
        metrics = regression_scores(test_set.y_test, prediction)
        arrays = {"test_pred": prediction}
        meta["key_metric"] = {"name": "test RMSE", "value": metrics["rmse"]}
        meta["feature_names"] = list(test_set.feature_names)
        meta["model_inputs"] = match.model_inputs
        meta["target_name"] = test_set.target_name
    meta["test_metrics"] = metrics
    meta["evaluation_time"] = time.perf_counter() - started
    key = "upload-" + hashlib.sha256(data + dataset.encode()).hexdigest()[:12]
    meta["key"] = key
    return UploadedModel(key, name, model, data, meta, config=model.get_config(), arrays=arrays)


def feature_ranges(x_train: np.ndarray, feature_names) -> dict[str, tuple[float, float, float]]:
    """`{feature: (min, median, max)}` over the training rows, for the form."""
    x = np.asarray(x_train, dtype=np.float64)
    return {
        name: (float(x[:, i].min()), float(np.median(x[:, i])), float(x[:, i].max()))
        for i, name in enumerate(feature_names)
    }


def _check_table(text: str, feature_names) -> None:
    # Linear in the text, before pandas: pandas renames duplicate column names in
    # quadratic time, and the csv module refuses a huge field with a bare error.
    from core.csvtext import TableTooBig

    max_columns = len(feature_names) + MAX_CSV_EXTRA_COLUMNS
    try:
        check_shape(text, max_columns=max_columns, max_rows=MAX_CSV_ROWS, max_field_chars=MAX_CSV_FIELD_CHARS)
    except TableTooBig as error:
        if error.what == "rows":
            raise ValueError(
                f"Received a CSV of more than {MAX_CSV_ROWS:,} rows, expected at most {MAX_CSV_ROWS:,}. "
                "Split it into smaller files."
            ) from None
        if error.what == "columns":
            raise ValueError(
                f"Received a CSV with {error.received:,} columns (line {error.line}), expected the "
                f"{len(feature_names)} feature columns: {', '.join(feature_names)}."
            ) from None
        raise ValueError(
            f"Received a CSV with a value of {error.received:,} characters (line {error.line}), expected "
            f"numbers of at most {MAX_CSV_FIELD_CHARS:,} characters. Check the quotes in that line."
        ) from None


def read_feature_csv(data: bytes, feature_names) -> np.ndarray:
    """Reads a CSV of feature rows, one column per feature (in any order).

    Args:
        data: the file's bytes.
        feature_names: the columns expected, exactly.

    Returns:
        float32 array (n, len(feature_names)), columns in `feature_names`' order.

    Raises:
        ValueError: an empty or unreadable file, missing or extra columns (named),
            non-numeric columns or empty cells, too many rows or columns, or a value
            longer than any number (all refused before pandas reads the file).
    """
    import pandas as pd

    expected = ", ".join(feature_names)
    if len(data) > MAX_CSV_BYTES:
        raise _too_big("a CSV of", len(data), MAX_CSV_BYTES, "Split it into smaller files.")
    text = decode_utf8(data)
    if not text.strip():
        raise ValueError(
            f"The CSV is empty. Expected a header row with the columns {expected}, then one row per sample."
        )
    _check_table(text, feature_names)
    ragged = ragged_row(text)
    if ragged is not None:
        raise ValueError(
            f"Row {ragged.line} of the file has {ragged.values} values, but the header names {ragged.expected} "
            f"columns. Make every row hold exactly one comma-separated value per column ({expected})."
        )
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (ValueError, pd.errors.ParserError) as error:
        raise ValueError(f"Could not read the file as CSV ({error}). Expected columns {expected}.") from error
    columns = [str(column).strip() for column in frame.columns]
    frame.columns = columns
    missing = [name for name in feature_names if name not in columns]
    extra = [name for name in columns if name not in feature_names]
    problems = []
    if missing:
        problems.append(f"The CSV is missing the columns: {', '.join(missing)}.")
    if extra:
        problems.append(f"The CSV has columns the model does not use: {', '.join(extra)}.")
    if problems:
        if semicolon_separated(text):
            problems.append("Its values are separated by ';': save the file with commas between values.")
        raise ValueError(" ".join(problems) + f" Expected exactly: {expected}.")
    if frame.empty:
        raise ValueError(f"The CSV has a header but no rows. Add one row per sample with the columns {expected}.")
    cells = frame[list(feature_names)].apply(lambda column: column.str.strip())
    numeric = cells.apply(pd.to_numeric, errors="coerce")
    blank = cells == ""
    missing_value = cells.apply(lambda column: column.str.lower().isin(("nan", "na", "n/a", "null", "none")))
    text_cells = numeric.isna() & ~blank & ~missing_value
    bad = [name for name in feature_names if text_cells[name].any()]
    if bad:
        raise ValueError(
            f"The columns {', '.join(bad)} hold values that are not numbers (first at row "
            f"{int(text_cells[bad[0]].to_numpy().argmax()) + 1}). "
            "Every feature must be a number."
        )
    for kind, mask in (("a missing value", missing_value), ("an infinite value", np.isinf(numeric.fillna(0)))):
        if mask.to_numpy().any():
            row, column = (int(i) for i in np.argwhere(mask.to_numpy())[0])
            raise ValueError(
                f"The CSV has {kind}, {cells.iat[row, column]!r}, in column {feature_names[column]} at row "
                f"{row + 1}. Every feature must be a finite number: fill it in or remove the row."
            )
    empty = blank.any(axis=1).to_numpy()
    if empty.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(empty)[:5])
        raise ValueError(
            f"The CSV has empty cells in {int(empty.sum())} row(s) (rows {rows}). Fill them in or remove those rows."
        )
    return numeric.to_numpy(dtype=np.float32)


def history_csv(history: dict[str, list[float]]) -> str:
    """The training history as CSV: an `epoch` column, then one column per metric."""
    import pandas as pd

    length = max((len(values) for values in history.values()), default=0)
    frame = pd.DataFrame({name: list(values) + [None] * (length - len(values)) for name, values in history.items()})
    frame.insert(0, "epoch", range(1, length + 1))
    return frame.to_csv(index=False)


def run_json(config: dict, meta: dict) -> str:
    """The run's configuration and results as one JSON document."""
    return json.dumps({"config": config, "meta": meta}, indent=2, default=str)
