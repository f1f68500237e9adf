"""Build Keras MLPs from a config, and describe them without building them.

`build_mlp` makes the Sequential model the course builds: an `Input`, a `Flatten`, one
`Dense` layer per hidden layer and a `Dense` output. `summarize_mlp` gives the same rows
as `model.summary()` (layer, output shape, parameters) by arithmetic alone, so a page can
show a live summary without starting TensorFlow.

Example:

>>> rows = summarize_mlp(MLPConfig(((300, "relu"), (100, "relu"))), (28, 28), 10)
>>> sum(row.params for row in rows)
266610
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


def summarize_mlp(config: MLPConfig, input_shape: tuple[int, ...], num_outputs: int) -> list[LayerRow]:
    """The rows of `model.summary()` for `build_mlp(config, input_shape, num_outputs)`.

    A Dense layer with `n` inputs and `units` outputs has `(n + 1) * units` parameters:
    one weight per connection plus one bias per unit.
    """
    rows = [LayerRow("flatten", "Flatten", (None, math.prod(input_shape)), 0)]
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

    Returns:
        An uncompiled `keras.Sequential`.
    """
    import keras

    def initializer(index: int):
        if seed is None:
            return "glorot_uniform"
        return keras.initializers.GlorotUniform(seed=seed + index)

    layers = [keras.Input(shape=tuple(input_shape)), keras.layers.Flatten()]
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
