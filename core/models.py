"""Build Keras MLPs from a config, and describe them without building them.

`build_mlp` makes the Sequential model the course builds: an `Input`, a `Flatten`, one
`Dense` layer per hidden layer and a `Dense` output. `summarize_mlp` gives the same rows
as `model.summary()` (layer, output shape, parameters) by arithmetic alone, so a page can
show a live summary without starting TensorFlow.

Example:

>>> rows = summarize_mlp(MLPConfig(((300, "relu"), (100, "relu"))), (28, 28), 10)
>>> sum(row.params for row in rows)
266610

A binary task with a sigmoid output has one output unit (`output_units`):

>>> output_units(MLPConfig(((64, "tanh"),), output_activation="sigmoid"), num_classes=2)
1
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.config import MLPConfig


@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: tuple
    params: int
    activation: str = ""


def output_units(config: MLPConfig, num_classes: int) -> int:
    """Units of the output layer: one per class, or a single sigmoid unit (the
    probability of the second class) for two classes and a sigmoid output."""
    return 1 if num_classes == 2 and config.output_activation == "sigmoid" else num_classes


def summarize_mlp(
    config: MLPConfig, input_shape: tuple[int, ...], num_outputs: int, *, standardize: bool = False
) -> list[LayerRow]:
    """The rows of `model.summary()` for `build_mlp(config, input_shape, num_outputs)`.

    A Dense layer with `n` inputs and `units` outputs has `(n + 1) * units` parameters:
    one weight per connection plus one bias per unit. With `standardize`, the
    `Normalization` layer after `Flatten` holds constants, no parameters.
    """
    rows = [LayerRow("flatten", "Flatten", (None, math.prod(input_shape)), 0)]
    if standardize:
        rows.append(LayerRow("normalization", "Normalization", (None, math.prod(input_shape)), 0))
    inputs = math.prod(input_shape)
    for index, (units, activation) in enumerate(config.hidden_layers):
        name = "dense" if index == 0 else f"dense_{index}"
        rows.append(LayerRow(name, "Dense", (None, units), (inputs + 1) * units, activation))
        inputs = units
    name = f"dense_{len(config.hidden_layers)}"
    rows.append(LayerRow(name, "Dense", (None, num_outputs), (inputs + 1) * num_outputs, config.output_activation))
    return rows


def count_params(config: MLPConfig, input_shape: tuple[int, ...], num_outputs: int) -> int:
    """Total trainable parameters of the MLP, by the formula sum((inputs + 1) * units)."""
    return sum(row.params for row in summarize_mlp(config, input_shape, num_outputs))


def build_mlp(
    config: MLPConfig,
    input_shape: tuple[int, ...],
    num_outputs: int,
    *,
    seed: int | None = None,
    dtype: str | None = None,
    standardize: tuple | None = None,
):
    """Builds the Sequential MLP described by `config`.

    Args:
        config: hidden layers and output activation.
        input_shape: shape of one sample, e.g. `(28, 28)`.
        num_outputs: units of the output layer (the number of classes).
        seed: seeds each layer's Glorot-uniform initializer, so two builds with the
            same seed start from the same weights without touching global state.
            Defaults to `None` (random).
        dtype: dtype policy of the hidden layers, e.g. `"mixed_float16"`; the output
            layer always computes in float32 so the softmax stays accurate. Defaults to
            `None` (float32).
        standardize: `(mean, variance)` per input value (a fitted `StandardScaler`'s
            `mean_` and `var_`), applied after `Flatten` by a `Normalization` layer of
            constants; `None` feeds the inputs as they are. Defaults to `None`.

    Returns:
        An uncompiled `keras.Sequential`.
    """
    import keras

    def initializer(index: int):
        if seed is None:
            return "glorot_uniform"
        return keras.initializers.GlorotUniform(seed=seed + index)

    layers = [keras.Input(shape=tuple(input_shape)), keras.layers.Flatten()]
    if standardize is not None:
        mean, variance = standardize
        layers.append(keras.layers.Normalization(mean=mean, variance=variance, name="normalization"))
    for index, (units, activation) in enumerate(config.hidden_layers):
        layers.append(
            keras.layers.Dense(units, activation=activation, kernel_initializer=initializer(index), dtype=dtype)
        )
    layers.append(
        keras.layers.Dense(
            num_outputs,
            activation=config.output_activation,
            kernel_initializer=initializer(len(config.hidden_layers)),
            dtype="float32",
        )
    )
    return keras.Sequential(layers)
