"""Build the Playground's Keras model and train it a few epochs at a time.

`build_model` turns a `PlaygroundConfig` into a small functional Keras MLP: the
chosen input features, one `Dense` layer per hidden layer (all with the chosen
activation and kernel regularizer), and one output unit (sigmoid for
classification, linear for regression).

`Trainer` keeps that model and its optimizer alive between page updates. Its
`step(epochs)` runs a whole chunk of epochs in one compiled `tf.function` (shuffle,
mini-batches, gradient steps, then the full training and test losses after every
epoch), because on a few hundred points the Python overhead of `model.fit` per call
would cost more than the arithmetic. `grids()` evaluates every layer's activations on
a grid over the plane in one batched call, for the heatmaps.

Example:

>>> from core.playground.data import make_dataset, split_dataset
>>> trainer = Trainer(PlaygroundConfig(), split_dataset(*make_dataset("circle"), 0.5, 0))
>>> trainer.step(10)
>>> trainer.epoch, trainer.history["test_loss"][-1] < trainer.history["test_loss"][0]
(10, True)
"""

from __future__ import annotations

import numpy as np

from core.playground.config import MOMENTUM, PlaygroundConfig
from core.playground.data import PlaneData
from core.playground.features import transform

GRID_RESOLUTION = 50  # grid points per side of every heatmap


def make_regularizer(config: PlaygroundConfig):
    """The kernel regularizer of every layer, or `None` (for `"none"` or rate 0)."""
    import keras

    if config.regularization == "none" or config.regularization_rate == 0:
        return None
    factory = keras.regularizers.L1 if config.regularization == "l1" else keras.regularizers.L2
    return factory(config.regularization_rate)


def make_optimizer(config: PlaygroundConfig):
    """The Keras optimizer named by `config.optimizer` with its learning rate."""
    import keras

    if config.optimizer == "adam":
        return keras.optimizers.Adam(config.learning_rate)
    momentum = MOMENTUM if config.optimizer == "momentum" else 0.0
    return keras.optimizers.SGD(config.learning_rate, momentum=momentum)


def make_loss(config: PlaygroundConfig):
    """Binary cross-entropy or mean squared error, as `config.effective_loss` says."""
    import keras

    if config.effective_loss == "cross_entropy":
        return keras.losses.BinaryCrossentropy()
    return keras.losses.MeanSquaredError()


def build_model(config: PlaygroundConfig):
    """Builds the uncompiled functional MLP of a Playground config.

    Args:
        config: features (the input width), hidden layers, activation,
            regularization, problem type (the output activation) and seed (the
            Glorot-uniform initial weights, so the same config starts the same).

    Returns:
        A `keras.Model` from `(None, len(config.features))` to `(None, 1)`, with layers
        named `hidden_1`, `hidden_2`, ... and `output`.
    """
    import keras

    regularizer = make_regularizer(config)
    inputs = keras.Input((len(config.features),), name="features")
    x = inputs
    for index, units in enumerate(config.hidden_layers):
        x = keras.layers.Dense(
            units,
            activation=config.activation,
            kernel_regularizer=regularizer,
            kernel_initializer=keras.initializers.GlorotUniform(seed=config.seed + index),
            name=f"hidden_{index + 1}",
        )(x)
    outputs = keras.layers.Dense(
        1,
        activation="sigmoid" if config.problem == "classification" else "linear",
        kernel_regularizer=regularizer,
        kernel_initializer=keras.initializers.GlorotUniform(seed=config.seed + len(config.hidden_layers)),
        name="output",
    )(x)
    return keras.Model(inputs, outputs, name="playground")


def plane_grid(extent: float, resolution: int = GRID_RESOLUTION) -> tuple[np.ndarray, np.ndarray]:
    """The heatmap grid: `(axis, points)`, `axis` of shape `(resolution,)` and
    `points` of shape `(resolution**2, 2)`, row-major with x1 varying fastest."""
    axis = np.linspace(-extent, extent, resolution, dtype="float32")
    x1, x2 = np.meshgrid(axis, axis)
    return axis, np.stack([x1.ravel(), x2.ravel()], axis=1)


class Trainer:
    """A Playground model being trained: the model, its optimizer, its history.

    Args:
        config: the experiment.
        data: the training and test points.
        resolution: grid points per side of the heatmaps. Defaults to `GRID_RESOLUTION`.
    """

    def __init__(self, config: PlaygroundConfig, data: PlaneData, resolution: int = GRID_RESOLUTION):
        import keras
        import tensorflow as tf

        self.config = config
        self.data = data
        self.model = build_model(config)
        # Every Dense layer's activations at once: one call fills every heatmap.
        self.activations_model = keras.Model(self.model.inputs, [layer.output for layer in self.model.layers[1:]])
        self.optimizer = make_optimizer(config)
        self.optimizer.build(self.model.trainable_variables)
        self.loss_fn = make_loss(config)
        self.epoch = 0
        self.grid_axis, grid_points = plane_grid(data.extent, resolution)
        self.grid_features = transform(grid_points, config.features)  # (resolution², num_features)

        self._x_train = tf.constant(transform(data.x_train, config.features))
        self._y_train = tf.constant(data.y_train.reshape(-1, 1).astype("float32"))
        self._x_test = tf.constant(transform(data.x_test, config.features))
        self._y_test = tf.constant(data.y_test.reshape(-1, 1).astype("float32"))
        self._grid = tf.constant(self.grid_features)
        self._shuffle = tf.random.Generator.from_seed(config.seed)
        self._train_fn = tf.function(self._train_epochs)
        self._grids_fn = tf.function(lambda: self.activations_model(self._grid, training=False))
        train_loss, test_loss = (float(v) for v in tf.function(self._losses)())
        self.history = {"epoch": [0], "loss": [train_loss], "test_loss": [test_loss]}

    def _losses(self):
        train = self.loss_fn(self._y_train, self.model(self._x_train, training=False))
        test = self.loss_fn(self._y_test, self.model(self._x_test, training=False))
        return train, test

    def _train_epochs(self, epochs):
        import tensorflow as tf

        num_train = self._x_train.shape[0]
        batch_size = self.config.batch_size
        num_batches = -(-num_train // batch_size)
        variables = self.model.trainable_variables
        train_losses = tf.TensorArray(tf.float32, size=epochs)
        test_losses = tf.TensorArray(tf.float32, size=epochs)
        for epoch in tf.range(epochs):
            order = tf.argsort(self._shuffle.uniform([num_train]))
            for batch in tf.range(num_batches):
                # The last batch is shorter when batch_size does not divide num_train.
                indices = order[batch * batch_size : (batch + 1) * batch_size]
                x = tf.gather(self._x_train, indices)
                y = tf.gather(self._y_train, indices)
                with tf.GradientTape() as tape:
                    loss = self.loss_fn(y, self.model(x, training=True))
                    if self.model.losses:
                        loss += tf.add_n(self.model.losses)
                self.optimizer.apply(tape.gradient(loss, variables), variables)
            train_loss, test_loss = self._losses()
            train_losses = train_losses.write(epoch, train_loss)
            test_losses = test_losses.write(epoch, test_loss)
        return train_losses.stack(), test_losses.stack()

    def step(self, epochs: int = 1) -> None:
        """Trains `epochs` more epochs and appends their losses to `history`."""
        import tensorflow as tf

        train_losses, test_losses = self._train_fn(tf.constant(epochs, tf.int32))
        train_losses, test_losses = train_losses.numpy(), test_losses.numpy()
        start = self.epoch
        self.epoch += epochs
        self.history["epoch"].extend(range(start + 1, self.epoch + 1))
        self.history["loss"].extend(float(v) for v in train_losses)
        self.history["test_loss"].extend(float(v) for v in test_losses)

    def grids(self) -> list[np.ndarray]:
        """Every layer's activations over the plane grid, from one batched call.

        Returns:
            One array per Dense layer (hidden layers, then the output), each of shape
            `(resolution, resolution, units)`, indexed `[x2 index, x1 index, unit]`.
        """
        resolution = len(self.grid_axis)
        return [np.asarray(values).reshape(resolution, resolution, -1) for values in self._grids_fn()]

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """`(kernel, bias)` of every Dense layer; kernel of shape `(inputs, units)`."""
        return [(layer.kernel.numpy(), layer.bias.numpy()) for layer in self.model.layers[1:]]

    def predict(self, points: np.ndarray) -> np.ndarray:
        """The network's output for 2-D points `(n, 2)`: shape `(n,)`."""
        features = transform(points, self.config.features)
        return np.asarray(self.model(features, training=False)).reshape(-1)
