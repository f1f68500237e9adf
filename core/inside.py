"""A look inside a network while it trains: weights, activations, dead and saturated
units, gradient norms.

`InsideRecorder` takes a fixed probe batch (the first `PROBE_SIZE` validation images)
and, before training and after every epoch, keeps a compact summary of every `Dense`
layer: a histogram of its weights, a histogram of its outputs on the probe batch, the
share of its ReLU units that are dead (never active on the probe batch) or of its
sigmoid/tanh units that are saturated (output within `SATURATION_MARGIN` of a bound for
most probe images), and the norm of its gradient on the probe batch. Its `callback()`
goes into the callbacks of `model.fit`; it only works at epoch boundaries, outside the
compiled train function, so `steps_per_execution` and XLA change nothing for it.

`InsideSummary.to_arrays()` flattens the summary into small NumPy arrays, named
`inside.*`, that a run stores beside its predictions (the store's `arrays.npz`, read
with `allow_pickle=False`); `from_arrays` reads them back, so a run loaded from the
store shows the same views. `first_layer_images` turns the first hidden layer's
weights into one image per unit, from the model itself (so older runs have it too).

Example:

>>> import keras, numpy as np
>>> model = keras.Sequential([keras.Input((8, 8)), keras.layers.Flatten(),
...                           keras.layers.Dense(4, activation="relu"), keras.layers.Dense(3, activation="softmax")])
>>> model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
>>> x, y = np.random.default_rng(0).random((8, 8, 8), dtype=np.float32), np.arange(8) % 3
>>> recorder = InsideRecorder(x, y, bins=10)
>>> _ = model.fit(x, y, epochs=2, verbose=0, callbacks=[recorder.callback()])
>>> summary = recorder.summary()
>>> summary.activations, summary.epochs.tolist(), summary.weight_counts.shape
(('relu', 'softmax'), [0, 1, 2], (3, 2, 10))
>>> first_layer_images(model).shape  # one 8x8 image per unit
(4, 8, 8)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.validation import check_int, invalid

PROBE_SIZE = 256  # validation images every epoch's activations and gradients come from
BINS = 40  # histogram bins per layer and epoch
DEAD_ACTIVATIONS = ("relu", "relu6")  # a unit of these is dead when it never fires
# The bounded activations, and their bounds: a unit is saturated near them.
BOUNDS = {
    "sigmoid": (0.0, 1.0),
    "hard_sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "hard_tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
}
SATURATION_MARGIN = 0.02  # an output this close to a bound is saturated
SATURATED_SHARE = 0.5  # a unit saturated for more than this share of the probe images is saturated
PREFIX = "inside."  # the names of the stored arrays
FIELDS = (
    "layers",
    "activations",
    "epochs",
    "weight_counts",
    "weight_edges",
    "activation_counts",
    "activation_edges",
    "dead",
    "saturated",
    "gradient_norms",
    "probe_size",
)


@dataclass(frozen=True, eq=False)
class InsideSummary:
    """What `InsideRecorder` kept: one row per snapshot (before training, then after each
    epoch), one column per `Dense` layer.

    `epochs[i]` is how many epochs the model had trained at snapshot `i` (0: the initial
    weights; a continued run starts at its parent's epochs). `dead` is NaN for layers
    without a ReLU, `saturated` for layers without a bounded activation, and
    `gradient_norms` when the model had no loss to differentiate.
    """

    layers: tuple[str, ...]  # the Dense layers' names, input to output
    activations: tuple[str, ...]  # their activations' names
    epochs: np.ndarray  # (snapshots,) int
    weight_counts: np.ndarray  # (snapshots, layers, bins) int: kernel weights per bin
    weight_edges: np.ndarray  # (snapshots, layers, bins + 1) float32
    activation_counts: np.ndarray  # (snapshots, layers, bins) int: outputs on the probe batch
    activation_edges: np.ndarray  # (snapshots, layers, bins + 1) float32
    dead: np.ndarray  # (snapshots, layers) float32: share of units never active
    saturated: np.ndarray  # (snapshots, layers) float32: share of units saturated
    gradient_norms: np.ndarray  # (snapshots, layers) float32: L2 norm of kernel and bias gradients
    probe_size: int

    def __post_init__(self):
        snapshots, layers = len(self.epochs), len(self.layers)
        if len(self.activations) != layers:
            raise invalid("activations", f"one name per layer ({layers})", self.activations)
        for name in ("weight_counts", "weight_edges", "activation_counts", "activation_edges"):
            value = getattr(self, name)
            if value.ndim != 3 or value.shape[:2] != (snapshots, layers):
                raise invalid(name, f"an array of shape ({snapshots}, {layers}, bins)", value.shape)
        for counts, edges in (("weight_counts", "weight_edges"), ("activation_counts", "activation_edges")):
            if getattr(self, edges).shape[2] != getattr(self, counts).shape[2] + 1:
                raise invalid(edges, f"one more edge than `{counts}` has bins", getattr(self, edges).shape)
        for name in ("dead", "saturated", "gradient_norms"):
            if getattr(self, name).shape != (snapshots, layers):
                raise invalid(name, f"an array of shape ({snapshots}, {layers})", getattr(self, name).shape)

    @property
    def bins(self) -> int:
        return int(self.weight_counts.shape[2])

    @property
    def has_dead(self) -> bool:
        """Whether some layer has ReLU units (so `dead` says something)."""
        return bool(np.isfinite(self.dead).any())

    @property
    def has_saturated(self) -> bool:
        """Whether some layer has bounded units (so `saturated` says something)."""
        return bool(np.isfinite(self.saturated).any())

    def index_of(self, epoch: int) -> int:
        """The snapshot after `epoch` epochs, or the closest one before it (the first
        when `epoch` comes before all of them)."""
        before = np.flatnonzero(self.epochs <= epoch)
        return int(before[-1]) if len(before) else 0

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Flat `{name: array}` (names start with `PREFIX`), loadable with
        `np.load(..., allow_pickle=False)`: strings become fixed-width unicode arrays."""
        arrays = {}
        for name in FIELDS:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = np.array(value, dtype=str) if value else np.zeros(0, dtype="<U1")
            arrays[PREFIX + name] = np.asarray(value)
        return arrays

    def then(self, later: InsideSummary) -> InsideSummary:
        """This summary followed by `later`'s snapshots (a continued run's); `later`
        alone when the layers differ. A snapshot of `later` at an epoch this one
        already has replaces it (a continued run starts from its parent's last weights)."""
        if later.layers != self.layers or later.bins != self.bins:
            return later
        keep = self.epochs < (later.epochs[0] if len(later.epochs) else np.inf)
        joined = {
            name: np.concatenate([getattr(self, name)[keep], getattr(later, name)])
            for name in FIELDS
            if isinstance(getattr(self, name), np.ndarray)
        }
        return InsideSummary(layers=self.layers, activations=self.activations, probe_size=later.probe_size, **joined)


def from_arrays(arrays: dict[str, np.ndarray]) -> InsideSummary | None:
    """The `InsideSummary` stored in `arrays` (a run's stored arrays), or `None` when
    they hold none (a run trained before summaries were recorded).

    Args:
        arrays: `{name: array}`, e.g. a store entry's `arrays.npz`; names without
            `PREFIX` are ignored.

    Returns:
        The summary, or `None`.

    Raises:
        ValueError: when some of the summary's arrays are there and others are not, or
            their shapes disagree.

    Example:

    >>> from_arrays({"test_proba": np.zeros((2, 10))}) is None
    True
    """
    found = [name for name in FIELDS if PREFIX + name in arrays]
    if not found:
        return None
    missing = [PREFIX + name for name in FIELDS if name not in found]
    if missing:
        raise invalid("arrays", f"every array of a look-inside summary (missing {', '.join(missing)})", sorted(arrays))
    value = {name: np.asarray(arrays[PREFIX + name]) for name in FIELDS}
    return InsideSummary(
        layers=tuple(str(name) for name in value["layers"]),
        activations=tuple(str(name) for name in value["activations"]),
        epochs=value["epochs"].astype(np.int64),
        weight_counts=value["weight_counts"],
        weight_edges=value["weight_edges"],
        activation_counts=value["activation_counts"],
        activation_edges=value["activation_edges"],
        dead=value["dead"],
        saturated=value["saturated"],
        gradient_norms=value["gradient_norms"],
        probe_size=int(value["probe_size"]),
    )


def dense_layers(model) -> list:
    """The layers of `model` with a kernel (its `Dense` layers), input to output."""
    return [layer for layer in model.layers if getattr(layer, "kernel", None) is not None]


def activation_name(layer) -> str:
    """The name of a layer's activation (`"relu"`), `"linear"` when it has none."""
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "linear") if activation is not None else "linear"


def histogram(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """`(counts, edges)` of the finite values, over their own range; empty counts over
    [0, 1] when none is finite (a diverged layer).

    Example:

    >>> counts, edges = histogram(np.array([0.0, 1.0, 1.0, np.nan]), bins=2)
    >>> counts.tolist(), edges.tolist()
    ([1, 2], [0.0, 0.5, 1.0])
    """
    values = np.asarray(values, dtype=np.float32).ravel()
    finite = np.isfinite(values)
    if not finite.all():
        values = values[finite]
    if values.size == 0:
        return np.zeros(bins, dtype=np.int32), np.linspace(0.0, 1.0, bins + 1, dtype=np.float32)
    counts, edges = np.histogram(values, bins=bins)
    return counts.astype(np.int32), edges.astype(np.float32)


def dead_share(outputs: np.ndarray) -> float:
    """The share of ReLU units (columns) that never fire: output 0 (pre-activation <= 0)
    for every sample (row), so they pass no gradient and cannot recover.

    Example:

    >>> dead_share(np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]))
    0.6666666666666666
    """
    return float(np.mean(~(outputs > 0).any(axis=0)))


def saturated_share(outputs: np.ndarray, bounds: tuple[float, float]) -> float:
    """The share of units (columns) whose output lies within `SATURATION_MARGIN` of a
    bound for more than `SATURATED_SHARE` of the samples (rows): there the activation
    is flat, and the unit barely learns.

    Example:

    >>> saturated_share(np.array([[0.999, 0.5], [-0.995, 0.1]]), (-1.0, 1.0))
    0.5
    """
    low, high = bounds
    near = (outputs <= low + SATURATION_MARGIN) | (outputs >= high - SATURATION_MARGIN)
    return float(np.mean(near.mean(axis=0) > SATURATED_SHARE))


def first_layer_images(model, num_units: int | None = None) -> np.ndarray:
    """The first `Dense` layer's weights as one image per unit: what each unit looks for.

    Unit `j`'s image is column `j` of the kernel laid out as the model's input image
    (28x28 for Fashion-MNIST, 8x8 for the digits); a flat input becomes a square when
    its size is one, else a single row; extra dimensions (channels) are averaged.

    Args:
        model: a built Keras model with at least one `Dense` layer.
        num_units: keep only the first units. Defaults to `None` (all of them).

    Returns:
        A float32 array of shape `(units, height, width)`.

    Raises:
        ValueError: when the model has no `Dense` layer, or `num_units` is not a
            positive integer.
    """
    layers = dense_layers(model)
    if not layers:
        raise invalid("model", "a model with a Dense layer", getattr(model, "name", model))
    if num_units is not None:
        check_int("num_units", num_units, 1)
    kernel = np.asarray(layers[0].kernel, dtype=np.float32)  # (inputs, units)
    if num_units is not None:
        kernel = kernel[:, :num_units]
    inputs, units = kernel.shape
    shape = tuple(int(size) for size in (model.inputs[0].shape[1:] if getattr(model, "inputs", None) else ()))
    if len(shape) >= 2 and math.prod(shape) == inputs:
        images = kernel.T.reshape((units, *shape))
        return images.reshape(units, shape[0], shape[1], -1).mean(axis=3)
    side = math.isqrt(inputs)
    if side * side == inputs:
        return kernel.T.reshape(units, side, side)
    return kernel.T.reshape(units, 1, inputs)


class InsideRecorder:
    """Records an `InsideSummary` while a model trains: pass `callback()` to `model.fit`.

    Snapshots are taken at the first epoch's start (the weights training starts from)
    and at each epoch's end. With early stopping, every epoch's snapshot is kept; the
    model itself ends with the best epoch's weights (see
    `core.training.restored_epoch`). With `initial_epoch` (a continued run), snapshots
    count epochs from there, and `previous` (the parent run's summary) comes first.

    Args:
        probe_x: the probe images (the first `probe_size` are kept), e.g. the
            validation images.
        probe_y: their labels, for the gradients.
        bins: histogram bins per layer and snapshot. Defaults to `BINS`.
        probe_size: how many probe images to keep. Defaults to `PROBE_SIZE`.
        previous: the summary of the run this one continues, or its stored arrays.
            Defaults to `None`.

    Raises:
        ValueError: when the probe is empty, its images and labels differ in number,
            or `bins`/`probe_size` is not a positive integer (`bins` at least 2).
    """

    def __init__(self, probe_x, probe_y, *, bins: int = BINS, probe_size: int = PROBE_SIZE, previous=None):
        check_int("bins", bins, 2, 1000)
        check_int("probe_size", probe_size, 1)
        probe_x, probe_y = np.asarray(probe_x), np.asarray(probe_y)
        if len(probe_x) == 0 or len(probe_x) != len(probe_y):
            raise invalid(
                "probe_x",
                f"as many probe images as labels, at least one (labels: {len(probe_y)})",
                f"{len(probe_x)} images",
                "Pass the validation images and their labels.",
            )
        self.probe_x = probe_x[:probe_size].astype(np.float32)
        self.probe_y = probe_y[:probe_size]
        self.bins = bins
        self.previous = from_arrays(previous) if isinstance(previous, dict) else previous
        self._rows: list[dict] = []
        self._epochs: list[int] = []
        self._layers: tuple[str, ...] = ()
        self._activations: tuple[str, ...] = ()
        self._probe = None  # (model, probe model) once built
        self.seconds = 0.0  # time spent taking snapshots

    def callback(self):
        """A `keras.callbacks.Callback` that takes the snapshots during `model.fit`."""
        import keras

        recorder = self

        class Inside(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                if not recorder._epochs:
                    recorder.snapshot(self.model, epoch)

            def on_epoch_end(self, epoch, logs=None):
                recorder.snapshot(self.model, epoch + 1)

        return Inside()

    def _probe_model(self, model):
        import keras

        if self._probe is None or self._probe[0] is not model:
            layers = dense_layers(model)
            if not layers:
                raise invalid("model", "a model with a Dense layer", getattr(model, "name", model))
            self._layers = tuple(layer.name for layer in layers)
            self._activations = tuple(activation_name(layer) for layer in layers)
            # One call gives every layer's output and the model's output (for the
            # loss), sharing the model's weights.
            outputs = [layer.output for layer in layers] + list(model.outputs)
            inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
            self._probe = (model, keras.Model(inputs, outputs), layers)
        return self._probe[1], self._probe[2]

    def snapshot(self, model, epoch: int) -> None:
        """Records the model's state after `epoch` epochs (called by the callback)."""
        import time

        import keras
        import tensorflow as tf

        started = time.perf_counter()
        probe, layers = self._probe_model(model)
        loss_fn = _loss_function(model)
        variables = [variable for layer in layers for variable in layer.trainable_weights]
        with tf.GradientTape() as tape:
            outputs = probe(self.probe_x, training=False)
            loss = None
            if loss_fn is not None:
                loss = tf.reduce_mean(loss_fn(self.probe_y, tf.cast(outputs[-1], tf.float32)))
        gradients = tape.gradient(loss, variables) if loss is not None else [None] * len(variables)

        row = {name: [] for name in ("weight_counts", "weight_edges", "activation_counts", "activation_edges")}
        row.update(dead=[], saturated=[], gradient_norms=[])
        position = 0
        for layer, output in zip(layers, outputs[: len(layers)]):
            kernel = keras.ops.convert_to_numpy(layer.kernel).astype(np.float32, copy=False)
            output = keras.ops.convert_to_numpy(output).astype(np.float32, copy=False).reshape(len(self.probe_x), -1)
            counts, edges = histogram(kernel, self.bins)
            row["weight_counts"].append(counts)
            row["weight_edges"].append(edges)
            counts, edges = histogram(output, self.bins)
            row["activation_counts"].append(counts)
            row["activation_edges"].append(edges)
            name = activation_name(layer)
            # A ReLU's output is positive exactly where its pre-activation is.
            row["dead"].append(dead_share(output) if name in DEAD_ACTIVATIONS else np.nan)
            row["saturated"].append(saturated_share(output, BOUNDS[name]) if name in BOUNDS else np.nan)
            own = gradients[position : position + len(layer.trainable_weights)]
            position += len(own)
            if own and all(gradient is not None for gradient in own):
                squares = sum(float(np.sum(np.square(np.asarray(gradient, dtype=np.float32)))) for gradient in own)
                row["gradient_norms"].append(math.sqrt(squares))
            else:
                row["gradient_norms"].append(np.nan)
        self._rows.append(row)
        self._epochs.append(int(epoch))
        self.seconds += time.perf_counter() - started

    def summary(self) -> InsideSummary | None:
        """What was recorded so far (after `previous`), or `previous` (possibly `None`)
        when no snapshot was taken."""
        if not self._rows:
            return self.previous

        def stack(name, dtype):
            return np.array([row[name] for row in self._rows], dtype=dtype)

        summary = InsideSummary(
            layers=self._layers,
            activations=self._activations,
            epochs=np.array(self._epochs, dtype=np.int64),
            weight_counts=stack("weight_counts", np.int32),
            weight_edges=stack("weight_edges", np.float32),
            activation_counts=stack("activation_counts", np.int32),
            activation_edges=stack("activation_edges", np.float32),
            dead=stack("dead", np.float32),
            saturated=stack("saturated", np.float32),
            gradient_norms=stack("gradient_norms", np.float32),
            probe_size=len(self.probe_x),
        )
        return self.previous.then(summary) if self.previous is not None else summary

    def arrays(self) -> dict[str, np.ndarray]:
        """`summary().to_arrays()`, or `{}` when nothing was recorded: what a run stores."""
        summary = self.summary()
        return summary.to_arrays() if summary is not None else {}


def _loss_function(model):
    """The model's compiled loss as a function of `(y_true, y_pred)`, or `None` (not
    compiled, or several losses)."""
    import keras

    loss = getattr(model, "loss", None)
    if loss is None or isinstance(loss, (list, tuple, dict)):
        return None
    return keras.losses.get(loss) if isinstance(loss, str) else loss
