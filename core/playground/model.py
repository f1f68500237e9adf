"""Build the Playground's Keras model and train it a few epochs at a time.

`build_model` turns a `PlaygroundConfig` into a small functional Keras MLP: the
chosen input features, one `Dense` layer per hidden layer (all with the chosen
activation and kernel regularizer, each followed by its `Dropout` if it has one),
and the output: one sigmoid unit for two classes, a softmax unit per class for
more, one linear unit for regression.

`Trainer` keeps that model and its optimizer alive between page updates. Its
`step(epochs)` runs a whole chunk of epochs in one compiled `tf.function` (shuffle,
mini-batches, gradient steps, then the full training and test losses after every
epoch), because on a few hundred points the Python overhead of `model.fit` per call
would cost more than the arithmetic. `grids()` evaluates every layer's activations on
a grid over the plane in one batched call, for the heatmaps. `update(config)` takes
on a new learning rate, regularization, batch size, optimizer or loss mid-run, as
Playground does, and `set_weight` and `set_bias` let the learner change one link or
one neuron's bias by hand.

Example:

>>> from core.playground.data import make_dataset, split_dataset
>>> trainer = Trainer(PlaygroundConfig(), split_dataset(*make_dataset("circle"), 0.5, 0))
>>> trainer.step(10)
>>> trainer.epoch, trainer.history["test_loss"][-1] < trainer.history["test_loss"][0]
(10, True)
>>> trainer.update(PlaygroundConfig(learning_rate=0.003))  # the same run, slower
>>> trainer.epoch, round(float(trainer.optimizer.learning_rate), 6)
(10, 0.003)
"""

from __future__ import annotations

import numpy as np

from core.playground.config import MOMENTUM, PlaygroundConfig
from core.playground.data import PlaneData
from core.playground.features import transform
from core.validation import check_int, invalid

GRID_RESOLUTION = 50  # grid points per side of every heatmap


def make_regularizer(config: PlaygroundConfig):
    """The kernel regularizer of every layer, or `None` (for `"none"` or rate 0)."""
    import keras

    if config.regularization == "none" or config.regularization_rate == 0:
        return None
    factory = keras.regularizers.L1 if config.regularization == "l1" else keras.regularizers.L2
    return factory(config.regularization_rate)


def make_activation(name: str):
    """A hidden layer's activation: a Keras name, or `keras.ops.sin` for `"sine"`."""
    import keras

    return keras.ops.sin if name == "sine" else name


def output_units(config: PlaygroundConfig, num_classes: int = 2) -> int:
    """One output unit, or one per class when a classification has more than two."""
    return num_classes if config.problem == "classification" and num_classes > 2 else 1


def make_optimizer(config: PlaygroundConfig):
    """The Keras optimizer named by `config.optimizer` with its learning rate (one that
    leaves no traced graph behind, see `core.training.without_single_replica_all_reduce`)."""
    import keras

    from core.training import without_single_replica_all_reduce

    if config.optimizer == "adam":
        return without_single_replica_all_reduce(keras.optimizers.Adam(config.learning_rate))
    momentum = MOMENTUM if config.optimizer == "momentum" else 0.0
    return without_single_replica_all_reduce(keras.optimizers.SGD(config.learning_rate, momentum=momentum))


def make_loss(config: PlaygroundConfig, num_classes: int = 2):
    """Cross-entropy (binary, or categorical on one-hot labels for more classes) or
    mean squared error, as `config.effective_loss` says."""
    import keras

    if config.effective_loss == "cross_entropy":
        if output_units(config, num_classes) > 1:
            return keras.losses.CategoricalCrossentropy()
        return keras.losses.BinaryCrossentropy()
    return keras.losses.MeanSquaredError()


def build_model(config: PlaygroundConfig, num_classes: int = 2, *, regularize: bool = True):
    """Builds the uncompiled functional MLP of a Playground config.

    Args:
        config: features (the input width), hidden layers, activation, dropout,
            regularization, problem type (the output activation) and seed (the
            Glorot-uniform initial weights, so the same config starts the same).
        num_classes: classes of a classification; more than 2 make a softmax output.
            Defaults to `2`.
        regularize: whether the kernels carry `config`'s regularizer. `Trainer`
            adds the same penalty itself, so its rate can change mid-run.
            Defaults to `True`.

    Returns:
        A `keras.Model` from `(None, len(config.features))` to `(None, output_units)`,
        with Dense layers named `hidden_1`, `hidden_2`, ... and `output`.
    """
    import keras

    regularizer = make_regularizer(config) if regularize else None
    units_out = output_units(config, num_classes)
    if config.problem != "classification":
        output_activation = "linear"
    else:
        output_activation = "softmax" if units_out > 1 else "sigmoid"
    inputs = keras.Input((len(config.features),), name="features")
    x = inputs
    for index, (units, rate) in enumerate(zip(config.hidden_layers, config.dropout_rates)):
        x = keras.layers.Dense(
            units,
            activation=make_activation(config.activation),
            kernel_regularizer=regularizer,
            kernel_initializer=keras.initializers.GlorotUniform(seed=config.seed + index),
            name=f"hidden_{index + 1}",
        )(x)
        if rate > 0:
            x = keras.layers.Dropout(rate, seed=config.seed + index, name=f"dropout_{index + 1}")(x)
    outputs = keras.layers.Dense(
        units_out,
        activation=output_activation,
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


_FLOAT32_MAX = float(np.finfo("float32").max)


def _check_value(value) -> None:
    """A weight or bias typed by hand: a finite number that float32 holds (a larger one
    would be stored as inf)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not abs(value) <= _FLOAT32_MAX:
        raise invalid("value", f"a finite number between -{_FLOAT32_MAX:.4g} and {_FLOAT32_MAX:.4g}", value)


def dense_layers(model) -> list:
    """The model's Dense layers in order (hidden layers, then the output)."""
    import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


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

        check_int("resolution", resolution, 2)
        self.config = config
        self.data = data
        self.num_classes = data.num_classes if config.problem == "classification" else 1
        self.model = build_model(config, data.num_classes, regularize=False)
        self.dense = dense_layers(self.model)
        # Every Dense layer's activations at once: one call fills every heatmap.
        self.activations_model = keras.Model(self.model.inputs, [layer.output for layer in self.dense])
        self.epoch = 0
        self.grid_axis, grid_points = plane_grid(data.extent, resolution)
        self.grid_features = transform(grid_points, config.features)  # (resolution², num_features)

        self._x_train = tf.constant(transform(data.x_train, config.features))
        self._y_train = tf.constant(self._targets(data.y_train))
        self._x_test = tf.constant(transform(data.x_test, config.features))
        self._y_test = tf.constant(self._targets(data.y_test))
        self._grid = tf.constant(self.grid_features)
        self._shuffle = tf.random.Generator.from_seed(config.seed)
        # The knobs a running model takes on (see `update`) live in variables, so
        # changing them neither retraces the compiled loop nor resets the weights.
        self._batch_size = tf.Variable(config.batch_size, dtype=tf.int32, trainable=False)
        self._l1 = tf.Variable(0.0, trainable=False)
        self._l2 = tf.Variable(0.0, trainable=False)
        self._grids_fn = tf.function(lambda: self.activations_model(self._grid, training=False))
        self.optimizer = None
        self._apply_training_fields(config, new_optimizer=True)
        train_loss, test_loss = (float(v) for v in tf.function(self._losses)())
        self.history = {"epoch": [0], "loss": [train_loss], "test_loss": [test_loss]}

    def _targets(self, labels: np.ndarray) -> np.ndarray:
        if self.num_classes > 2:  # one-hot, for the softmax output
            return np.eye(self.num_classes, dtype="float32")[labels.astype("int64")]
        return labels.reshape(-1, 1).astype("float32")

    def _apply_training_fields(self, config: PlaygroundConfig, *, new_optimizer: bool) -> None:
        import tensorflow as tf

        rate = config.regularization_rate
        self._l1.assign(rate if config.regularization == "l1" else 0.0)
        self._l2.assign(rate if config.regularization == "l2" else 0.0)
        self._batch_size.assign(config.batch_size)
        if new_optimizer:
            self.optimizer = make_optimizer(config)
            self.optimizer.build(self.model.trainable_variables)
        else:
            self.optimizer.learning_rate = config.learning_rate
        # The penalty's terms cost a dozen ops a batch: the loop has them only when needed.
        regularized = rate > 0 and config.regularization != "none"
        # A new optimizer or loss is a new Python object the compiled loop closes over, so
        # it is traced again (a second or so); a new rate or batch size is not.
        retrace = (
            new_optimizer
            or config.effective_loss != self.config.effective_loss
            or regularized != getattr(self, "_regularized", None)
        )
        self.loss_fn = make_loss(config, self.num_classes) if retrace else self.loss_fn
        self._regularized = regularized
        self.config = config
        if retrace:
            self._train_fn = tf.function(self._train_epochs)

    def update(self, config: PlaygroundConfig) -> None:
        """Takes on a new learning rate, regularization, batch size, optimizer or loss
        without starting again: the weights, the epoch count and the history stay, and
        so does the optimizer's state (momentum, Adam's moments) unless the optimizer
        itself changes.

        Args:
            config: the new config; it may differ from `self.config` only in
                `core.playground.config.TRAINING_FIELDS`.

        Raises:
            ValueError: if `config` changes the data or the network, which needs a new
                `Trainer`.
        """
        if not self.config.same_structure(config):
            raise invalid(
                "config",
                "a change of learning rate, regularization, batch size, optimizer or loss only",
                config,
                "Data, features, layers, activation and dropout need a new Trainer.",
            )
        if config == self.config:
            return
        self._apply_training_fields(config, new_optimizer=config.optimizer != self.config.optimizer)

    def _penalty(self):
        import tensorflow as tf

        kernels = [layer.kernel for layer in self.dense]
        l1 = tf.add_n([tf.reduce_sum(tf.abs(kernel)) for kernel in kernels])
        l2 = tf.add_n([tf.reduce_sum(tf.square(kernel)) for kernel in kernels])
        # Keras's L1(rate) and L2(rate): rate * sum|w| and rate * sum(w²).
        return self._l1 * l1 + self._l2 * l2

    def _losses(self):
        train = self.loss_fn(self._y_train, self.model(self._x_train, training=False))
        test = self.loss_fn(self._y_test, self.model(self._x_test, training=False))
        return train, test

    def _train_epochs(self, epochs):
        import tensorflow as tf

        num_train = self._x_train.shape[0]
        batch_size = tf.minimum(self._batch_size, num_train)
        num_batches = (num_train + batch_size - 1) // batch_size
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
                    if self._regularized:
                        loss += self._penalty()
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
        outputs = self._grids_fn()
        if not isinstance(outputs, (list, tuple)):  # a model with one output (no hidden layer)
            outputs = [outputs]
        return [np.asarray(values).reshape(resolution, resolution, -1) for values in outputs]

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """`(kernel, bias)` of every Dense layer; kernel of shape `(inputs, units)`."""
        return [(layer.kernel.numpy(), layer.bias.numpy()) for layer in self.dense]

    def set_weight(self, layer: int, source: int, target: int, value: float) -> None:
        """Sets one link's weight by hand, as clicking a link in Playground does, and
        records the edited network's losses (see `record_losses`).

        Args:
            layer: the Dense layer, 0 for the links out of the inputs.
            source: the neuron (or input) the link leaves, in layer `layer - 1`.
            target: the neuron the link enters, in layer `layer`.
            value: the new weight, a finite number within float32's range.

        Raises:
            ValueError: for an index outside the network or a value that is not finite.
        """
        check_int("layer", layer, 0, len(self.dense) - 1)
        kernel = self.dense[layer].kernel
        check_int("source", source, 0, kernel.shape[0] - 1)
        check_int("target", target, 0, kernel.shape[1] - 1)
        _check_value(value)
        values = kernel.numpy()
        values[source, target] = value
        kernel.assign(values)
        self.record_losses()

    def set_bias(self, layer: int, unit: int, value: float) -> None:
        """Sets one neuron's bias by hand, and records the edited network's losses
        (see `record_losses`).

        Args:
            layer: the Dense layer, 0 for the first hidden layer (the output when
                there is none).
            unit: the neuron within that layer.
            value: the new bias, a finite number within float32's range.

        Raises:
            ValueError: for an index outside the network or a value that is not finite.

        Example:

        >>> from core.playground.data import make_dataset, split_dataset
        >>> trainer = Trainer(PlaygroundConfig(hidden_layers=(3,)), split_dataset(*make_dataset("circle"), 0.5, 0))
        >>> trainer.set_bias(0, 2, 0.5)
        >>> float(trainer.weights()[0][1][2]), trainer.history["epoch"]
        (0.5, [0, 0])
        """
        check_int("layer", layer, 0, len(self.dense) - 1)
        bias = self.dense[layer].bias
        check_int("unit", unit, 0, bias.shape[0] - 1)
        _check_value(value)
        values = bias.numpy()
        values[unit] = value
        bias.assign(values)
        self.record_losses()

    def record_losses(self) -> None:
        """Appends the network's training and test losses as they are now to `history`,
        at the current epoch: after an edit by hand the losses (the page's header, the
        end of the loss curves) are those of the edited network at once, and the curves
        show the edit as a jump at that epoch."""
        train_loss, test_loss = (float(v) for v in self._losses())
        self.history["epoch"].append(self.epoch)
        self.history["loss"].append(train_loss)
        self.history["test_loss"].append(test_loss)

    def predict(self, points: np.ndarray) -> np.ndarray:
        """The network's output for 2-D points `(n, 2)`: shape `(n,)`, or `(n, classes)`
        for more than two classes."""
        features = transform(points, self.config.features)
        output = np.asarray(self.model(features, training=False))
        return output if output.shape[1] > 1 else output.reshape(-1)
