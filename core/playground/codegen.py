"""'Show the code': the Keras script that builds and trains the current experiment.

`generate_code` writes a self-contained Python script (NumPy and Keras only): it
makes the same points with the same seed (the generator's own source is copied in,
or the uploaded points are embedded), splits them the same way, computes the same
input features, builds the same layers, initializers and regularizers, and trains
with the same optimizer, loss, learning rate and batch size through `model.fit`.

Example:

>>> code = generate_code(PlaygroundConfig(), epochs=100)
>>> "model.fit(" in code
True
"""

from __future__ import annotations

import inspect

import numpy as np

from core.playground.config import MOMENTUM, PlaygroundConfig
from core.playground.data import GENERATORS, NUM_SAMPLES, UPLOAD, make_dataset
from core.playground.features import FEATURES
from core.playground.upload import UploadedPoints
from core.validation import check_int, invalid


def _data_code(config: PlaygroundConfig, upload: UploadedPoints | None) -> str:
    if config.dataset == UPLOAD:
        if upload is None:
            raise invalid("upload", "the uploaded points for dataset='upload'", None)
        points = np.round(upload.points.astype("float64"), 6).tolist()
        labels = np.round(upload.labels.astype("float64"), 6).tolist()
        return (
            f"# The points uploaded as {upload.name!r}.\n"
            f'points = np.array({points!r}, dtype="float32")\n'
            f'labels = np.array({labels!r}, dtype="float32")\n'
        )
    generator = GENERATORS[config.dataset]
    return (
        inspect.getsource(generator)
        + f"\n\npoints, labels = {generator.__name__}({NUM_SAMPLES}, NOISE, np.random.default_rng(SEED))\n"
    )


def _num_classes(config: PlaygroundConfig, upload: UploadedPoints | None) -> int:
    if config.problem != "classification":
        return 1
    if config.dataset == UPLOAD:
        if upload is None:
            raise invalid("upload", "the uploaded points for dataset='upload'", None)
        return upload.num_classes
    labels = make_dataset(config.dataset, 20, seed=config.seed)[1]
    return max(2, int(labels.max()) + 1)


def _layers_code(config: PlaygroundConfig, num_classes: int) -> str:
    regularizer = ""
    if config.regularization != "none" and config.regularization_rate > 0:
        name = config.regularization.upper()
        regularizer = f", kernel_regularizer=keras.regularizers.{name}({config.regularization_rate!r})"
    lines = [f"        keras.Input(shape=({len(config.features)},)),"]
    # The page's "sine" is keras.ops.sin itself; every other name is a Keras activation.
    activation = "keras.ops.sin" if config.activation == "sine" else repr(config.activation)
    for index, (units, rate) in enumerate(zip(config.hidden_layers, config.dropout_rates)):
        lines.append(
            f"        keras.layers.Dense({units}, activation={activation}{regularizer}, "
            f"kernel_initializer=keras.initializers.GlorotUniform(seed=SEED + {index})),"
        )
        if rate > 0:
            lines.append(f"        keras.layers.Dropout({rate!r}, seed=SEED + {index}),")
    units = num_classes if num_classes > 2 else 1
    output = "linear" if config.problem != "classification" else "softmax" if units > 1 else "sigmoid"
    lines.append(
        f"        keras.layers.Dense({units}, activation={output!r}{regularizer}, "
        f"kernel_initializer=keras.initializers.GlorotUniform(seed=SEED + {len(config.hidden_layers)})),"
    )
    return "\n".join(lines)


def _optimizer_code(config: PlaygroundConfig) -> str:
    if config.optimizer == "adam":
        return f"keras.optimizers.Adam(learning_rate={config.learning_rate!r})"
    if config.optimizer == "momentum":
        return f"keras.optimizers.SGD(learning_rate={config.learning_rate!r}, momentum={MOMENTUM!r})"
    return f"keras.optimizers.SGD(learning_rate={config.learning_rate!r})"


def generate_code(config: PlaygroundConfig, *, epochs: int = 100, upload: UploadedPoints | None = None) -> str:
    """Writes the Keras script of an experiment.

    Args:
        config: the experiment.
        epochs: how many epochs the script trains. Defaults to `100`.
        upload: the uploaded points, needed when `config.dataset == "upload"`.
            Defaults to `None`.

    Returns:
        The script's source, which runs as is with NumPy and Keras installed.

    Raises:
        ValueError: if the config uses uploaded points and none are given, or
            `epochs` is not a positive integer.
    """
    check_int("epochs", epochs, 1)
    feature_names = ", ".join(FEATURES[name][0] for name in config.features)
    feature_columns = ", ".join(FEATURES[name][1] for name in config.features)
    num_classes = _num_classes(config, upload)
    if config.effective_loss == "cross_entropy":
        loss = "categorical_crossentropy" if num_classes > 2 else "binary_crossentropy"
    else:
        loss = "mean_squared_error"
    # More than two classes: one-hot labels for the softmax output, as the page trains.
    one_hot = (
        f"\n# {num_classes} classes: one-hot labels for the softmax output.\n"
        f'labels = np.eye({num_classes}, dtype="float32")[labels.astype("int64")]\n'
        if num_classes > 2
        else ""
    )
    layers = ", ".join(str(units) for units in config.hidden_layers) or "none"
    return f'''"""A Playground experiment from MLP Explorer, as a script that runs on its own.

Data: {config.dataset} ({config.problem}), noise {config.noise} %, {config.train_ratio} % for training.
Features: {feature_names}. Hidden layers: {layers} ({config.activation}).
Run it with: python playground_experiment.py
"""

import numpy as np
import keras

SEED = {config.seed}
NOISE = {config.noise / 100!r}  # a fraction, the page's {config.noise} %
TRAIN_RATIO = {config.train_ratio / 100!r}
EPOCHS = {epochs}
BATCH_SIZE = {config.batch_size}


{_data_code(config, upload)}{one_hot}
# The page's split: shuffle with SEED + 1, the first TRAIN_RATIO of the points train.
order = np.random.default_rng(SEED + 1).permutation(len(points))
num_train = min(max(int(round(len(points) * TRAIN_RATIO)), 1), len(points) - 1)
train, test = order[:num_train], order[num_train:]


def features(points):
    """The input features switched on: {feature_names}."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([{feature_columns}], axis=1).astype("float32")


x_train, y_train = features(points[train]), labels[train]
x_test, y_test = features(points[test]), labels[test]

model = keras.Sequential(
    [
{_layers_code(config, num_classes)}
    ]
)
model.compile(optimizer={_optimizer_code(config)}, loss={loss!r})
model.summary()
# fit's "loss" includes the regularization penalty; the page plots the data loss alone.
history = model.fit(
    x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, validation_data=(x_test, y_test), verbose=2
)
print(f"train loss {{model.evaluate(x_train, y_train, verbose=0):.4f}}, "
      f"test loss {{model.evaluate(x_test, y_test, verbose=0):.4f}}")
'''
