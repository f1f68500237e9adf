"""Wide & deep networks with the Functional API: the book's three variants, and one
written with the Subclassing API.

1. `"one_input"`: all features go through two hidden layers (the deep path) and are
   also concatenated, as they are, with the last hidden layer (the wide path).
2. `"two_inputs"`: one set of features for the wide path, another (overlap allowed)
   for the deep path; the model takes two inputs.
3. `"aux_output"`: variant 2 plus an auxiliary output on top of the deep path, trained
   on the same target with a smaller loss weight (a regularizer).

Every input is scaled by its own `Normalization` layer adapted on the training set, so
the models take raw features (and load in Keras's safe mode: no Lambda layers).
`WideAndDeepModel` is variant 3 as a `keras.Model` subclass; with the same seed it
computes the same thing, but Keras cannot draw or summarize its structure, and its
`.keras` file loads only where its class is registered (`subclassed_model_class`).
`describe_graph` reads a model's graph (layers and the tensors between them) for
diagrams.

Example:

>>> x_train = np.random.default_rng(0).normal(size=(32, 8)).astype("float32")  # 8 features
>>> config = WideDeepConfig("two_inputs", wide_features=(0, 1, 2, 3, 4), deep_features=(2, 3, 4, 5, 6, 7))
>>> model = build_wide_deep(config, x_train, seed=42)
>>> [tensor.name for tensor in model.inputs]
['wide_input', 'deep_input']
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.config import ACTIVATIONS, MAX_UNITS, TrainingConfig
from core.regression.housing import RegressionData
from core.regression.sequential import (
    RMSE,
    _Run,
    adapted_normalization,
    check_dataset,
    compile_and_fit,
    make_loss,
    predict,
    regression_metrics,
    regression_result,
    seeded,
)
from core.training import EpochUpdate
from core.validation import as_tuple, check_choice, check_float, check_int, invalid

VARIANTS = ("one_input", "two_inputs", "aux_output")
VARIANT_TITLES = {
    "one_input": "1 · One input",
    "two_inputs": "2 · Two inputs",
    "aux_output": "3 · Auxiliary output",
}
DEFAULT_WIDE = (0, 1, 2, 3, 4)
DEFAULT_DEEP = (2, 3, 4, 5, 6, 7)
NUM_HIDDEN = 2  # the book's deep path: two Dense layers
API_TITLES = {"functional": "Functional API", "subclassing": "Subclassing API"}
APIS = tuple(API_TITLES)


def _features(name: str, value) -> tuple[int, ...]:
    try:
        features = tuple(sorted({int(index) for index in value}))
    except (TypeError, ValueError):
        raise invalid(name, "a list of feature indices", value) from None
    if not features:
        raise invalid(
            name,
            "at least one feature",
            tuple(value),
            f"Pick at least one feature for the {name.split('_')[0]} path.",
        )
    if features[0] < 0:
        raise invalid(name, "feature indices >= 0", tuple(value))
    return features


@dataclass(frozen=True)
class WideDeepConfig:
    """One wide & deep model.

    Args:
        variant: one of `VARIANTS`. Defaults to `"one_input"`.
        wide_features: feature indices for the wide input (variants 2 and 3); ignored
            (stored as `()`) by variant 1, which uses every feature. Defaults to 0-4.
        deep_features: feature indices for the deep input (variants 2 and 3). Overlap
            with `wide_features` is allowed. Defaults to 2-7.
        units: units of each of the two hidden layers. Defaults to `30`.
        activation: their activation. Defaults to `"relu"`.
        loss_weights: `(main, auxiliary)` loss weights, variant 3 only (stored as
            `(1.0, 0.0)` otherwise). Defaults to `(0.9, 0.1)`.
        api: how the model is written: `"functional"`, or `"subclassing"` (the book's
            `WideAndDeepModel`, variant 3 only). Defaults to `"functional"`.
    """

    variant: str = "one_input"
    wide_features: tuple[int, ...] = DEFAULT_WIDE
    deep_features: tuple[int, ...] = DEFAULT_DEEP
    units: int = 30
    activation: str = "relu"
    loss_weights: tuple[float, float] = (0.9, 0.1)
    api: str = "functional"

    def __post_init__(self):
        check_choice("variant", self.variant, VARIANTS)
        check_choice("api", self.api, APIS)
        if self.api == "subclassing" and self.variant != "aux_output":
            raise invalid(
                "api",
                "'functional' for this variant",
                self.api,
                "The Subclassing API model is the book's variant 3: pick '3 · Auxiliary output'.",
            )
        check_int("units", self.units, 1, MAX_UNITS)
        check_choice("activation", self.activation, ACTIVATIONS)
        # Fields a variant does not use get one canonical value, so equal models share a key.
        if self.variant == "one_input":
            wide, deep = (), ()
        else:
            wide = _features("wide_features", self.wide_features)
            deep = _features("deep_features", self.deep_features)
        object.__setattr__(self, "wide_features", wide)
        object.__setattr__(self, "deep_features", deep)
        if self.variant != "aux_output":
            weights = (1.0, 0.0)
        else:
            weights = as_tuple("loss_weights", self.loss_weights, "two numbers (main, auxiliary)")
            if len(weights) != 2:
                raise invalid("loss_weights", "two numbers (main, auxiliary)", self.loss_weights)
            for weight in weights:
                check_float("loss_weights", weight, 0.0, 100.0)
            if weights[0] == 0:
                raise invalid(
                    "loss_weights",
                    "a positive weight for the main output",
                    weights,
                    "With weight 0 the main output would not be trained.",
                )
            weights = tuple(float(weight) for weight in weights)
        object.__setattr__(self, "loss_weights", weights)

    @property
    def num_inputs(self) -> int:
        return 1 if self.variant == "one_input" else 2

    @property
    def num_outputs(self) -> int:
        return 2 if self.variant == "aux_output" else 1

    def describe(self) -> str:
        text = f"Wide & deep: {VARIANT_TITLES[self.variant].split(' · ')[1].lower()}, {NUM_HIDDEN}×{self.units} {self.activation}"
        if self.variant != "one_input":
            text += f", wide {list(self.wide_features)}, deep {list(self.deep_features)}"
        if self.variant == "aux_output":
            text += f", loss weights {self.loss_weights[0]:g}/{self.loss_weights[1]:g}"
        if self.api == "subclassing":
            text += ", subclassed"
        return text


@dataclass(frozen=True)
class WideDeepRun(_Run):
    """One run of the wide & deep page: data, subset, model and training (MSE loss)."""

    dataset: str = "california_housing"
    num_train: int | None = None
    model: WideDeepConfig = field(default_factory=WideDeepConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    kind: str = "wide_and_deep"

    def __post_init__(self):
        self._check_data()
        if isinstance(self.model, dict):
            object.__setattr__(self, "model", WideDeepConfig(**self.model))
        if isinstance(self.training, dict):
            object.__setattr__(self, "training", TrainingConfig(**self.training))

    def describe(self) -> str:
        return self.model.describe()

    def to_dict(self) -> dict:
        data = super().to_dict()
        if data["model"]["api"] == "functional":
            del data["model"]["api"]  # the default: runs stored before the field keep their keys
        return data


def check_features(config: WideDeepConfig, num_features: int) -> None:
    """Raises `ValueError` when a feature index is not one of the data set's features."""
    for name in ("wide_features", "deep_features"):
        features = getattr(config, name)
        if features and features[-1] >= num_features:
            raise invalid(
                name,
                f"feature indices between 0 and {num_features - 1}",
                features,
                f"This data set has {num_features} features.",
            )


def model_inputs(config: WideDeepConfig, num_features: int) -> list[list[int]]:
    """The feature indices each model input takes, in the model's input order."""
    check_features(config, num_features)
    if config.variant == "one_input":
        return [list(range(num_features))]
    return [list(config.wide_features), list(config.deep_features)]


def count_params(config: WideDeepConfig, num_features: int) -> int:
    """Trainable parameters by the formula sum((inputs + 1) * units), without Keras."""
    columns = model_inputs(config, num_features)
    wide, deep = len(columns[0]), len(columns[-1])
    units = config.units
    total = (deep + 1) * units + (units + 1) * units + (wide + units + 1) * 1
    return total + ((units + 1) if config.num_outputs == 2 else 0)


def split_inputs(config: WideDeepConfig, x: np.ndarray):
    """Raw features `(n, num_features)` as the model takes them: one array, or a
    `(wide, deep)` pair."""
    columns = model_inputs(config, x.shape[1])
    if len(columns) == 1:
        return x
    return tuple(x[:, indices] for indices in columns)


def targets(config: WideDeepConfig, y: np.ndarray):
    """The targets per output: the auxiliary output learns the same target."""
    return (y, y) if config.num_outputs == 2 else y


def build_wide_deep(config: WideDeepConfig, x_train: np.ndarray, *, seed: int | None = None):
    """Builds one of the book's wide & deep variants with the Functional API.

    Args:
        config: the variant, its features, units and activation.
        x_train: raw training features, (num_train, num_features); each input's
            `Normalization` layer is adapted on its columns.
        seed: seeds each Dense layer's initializer. Defaults to `None` (random).

    Returns:
        An uncompiled functional `keras.Model` named after the variant.

    Raises:
        ValueError: when a feature index is out of range.
    """
    import keras

    columns = model_inputs(config, x_train.shape[1])
    if config.variant == "one_input":
        input_ = keras.Input(shape=(len(columns[0]),), name="input")
        wide = deep = adapted_normalization(x_train, name="normalization")(input_)
        inputs = [input_]
    else:
        wide_input = keras.Input(shape=(len(columns[0]),), name="wide_input")
        deep_input = keras.Input(shape=(len(columns[1]),), name="deep_input")
        wide = adapted_normalization(x_train[:, columns[0]], name="wide_normalization")(wide_input)
        deep = adapted_normalization(x_train[:, columns[1]], name="deep_normalization")(deep_input)
        inputs = [wide_input, deep_input]
    hidden = deep
    for index in range(NUM_HIDDEN):
        hidden = keras.layers.Dense(
            config.units,
            activation=config.activation,
            kernel_initializer=seeded(seed, index),
            name=f"hidden{index + 1}",
        )(hidden)
    concat = keras.layers.Concatenate(name="concat")([wide, hidden])
    outputs = [keras.layers.Dense(1, kernel_initializer=seeded(seed, NUM_HIDDEN), name="main_output")(concat)]
    if config.variant == "aux_output":
        outputs.append(
            keras.layers.Dense(1, kernel_initializer=seeded(seed, NUM_HIDDEN + 1), name="aux_output")(hidden)
        )
    return keras.Model(inputs=inputs, outputs=outputs, name=f"wide_deep_{config.variant}")


@functools.cache
def subclassed_model_class():
    """The `WideAndDeepModel` class (variant 3 with the Subclassing API), registered with
    `keras.saving.register_keras_serializable` so a saved `model.keras` loads back.

    Defined on first use, so that importing this module does not import Keras; every
    path that loads a stored wide & deep run calls it first (see
    `core.regression.kinds`).
    """
    import keras

    @keras.saving.register_keras_serializable(package="mlp_explorer")
    class WideAndDeepModel(keras.Model):
        """The book's `WideAndDeepModel`, with a `Normalization` layer per input so it
        takes raw features, and seeded initializers so it starts as the functional twin."""

        def __init__(self, units: int = 30, activation: str = "relu", seed: int | None = None, **kwargs):
            super().__init__(**kwargs)
            self.units, self.activation, self.seed = units, activation, seed
            self.wide_normalization = keras.layers.Normalization(name="wide_normalization")
            self.deep_normalization = keras.layers.Normalization(name="deep_normalization")
            dense = keras.layers.Dense
            self.hidden1 = dense(units, activation=activation, kernel_initializer=seeded(seed, 0), name="hidden1")
            self.hidden2 = dense(units, activation=activation, kernel_initializer=seeded(seed, 1), name="hidden2")
            self.main_output = dense(1, kernel_initializer=seeded(seed, NUM_HIDDEN), name="main_output")
            self.aux_output = dense(1, kernel_initializer=seeded(seed, NUM_HIDDEN + 1), name="aux_output")
            # What `compile` names the outputs' losses and metrics by, as in the functional twin.
            self.output_names = ("main_output", "aux_output")

        def build(self, input_shape):
            # Explicit, so that Keras records the shapes and can rebuild a loaded model
            # before it reads the weights back.
            wide_shape, deep_shape = (tuple(shape) for shape in input_shape)
            self.wide_normalization.build(wide_shape)
            self.deep_normalization.build(deep_shape)
            self.hidden1.build(deep_shape)
            self.hidden2.build((None, self.units))
            self.main_output.build((None, wide_shape[-1] + self.units))
            self.aux_output.build((None, self.units))

        def call(self, inputs):
            wide_input, deep_input = inputs
            wide = self.wide_normalization(wide_input)
            hidden2 = self.hidden2(self.hidden1(self.deep_normalization(deep_input)))
            concat = keras.layers.concatenate([wide, hidden2])
            return self.main_output(concat), self.aux_output(hidden2)

        def get_config(self):
            return {**super().get_config(), "units": self.units, "activation": self.activation, "seed": self.seed}

    return WideAndDeepModel


def make_subclassed_model(config: WideDeepConfig, x_train: np.ndarray, *, seed: int | None = None):
    """Variant 3 written with the Subclassing API (`WideAndDeepModel`).

    With the same `seed` it starts from the same weights as `build_wide_deep(config, ...)`
    and trains to the same result. Its structure lives in Python code, so Keras can
    neither summarize its connections nor draw it, and a `.keras` file of it loads only
    where its class is registered (`subclassed_model_class`). Only variant 3 is supported.

    Raises:
        ValueError: for another variant, or a feature index out of range.
    """
    if config.variant != "aux_output":
        raise invalid("variant", "'aux_output' for the subclassed model", config.variant)
    columns = model_inputs(config, x_train.shape[1])
    model = subclassed_model_class()(config.units, config.activation, seed, name="wide_and_deep_subclassed")
    model.build(((None, len(columns[0])), (None, len(columns[1]))))
    model.wide_normalization.adapt(np.asarray(x_train[:, columns[0]], dtype=np.float32))
    model.deep_normalization.adapt(np.asarray(x_train[:, columns[1]], dtype=np.float32))
    return model


def train_wide_deep(
    run: WideDeepRun,
    data: RegressionData,
    *,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    model=None,
    start=None,
):
    """Builds (unless `model` is given), compiles and trains a wide & deep model.

    Args:
        run: the run; `run.dataset` must match `data.name`.
        data: the loaded data.
        on_epoch: progress hook. Defaults to `None`.
        should_stop: stop hook. Defaults to `None`.
        model: an unfitted model taking the inputs of `run.model` (e.g. the subclassed
            one); `None` builds the functional variant. Defaults to `None`.
        start: a `core.training.Start`: continue a parent run. Defaults to `None`.

    Returns:
        A `core.runs.RunResult`; `test_metrics` adds `"aux_rmse"` for variant 3.

    Raises:
        ValueError: when the data does not match the run, a feature index is out of
            range, or the batch size is larger than the training set.
    """
    check_dataset(run, data)
    config = run.model
    check_features(config, data.num_features)
    train = data.subset(run.num_train)
    if start is not None:
        model = start.model
    elif model is None and config.api == "subclassing":
        model = make_subclassed_model(config, train.x_train, seed=run.training.seed)
    elif model is None:
        model = build_wide_deep(config, train.x_train, seed=run.training.seed)
    losses = [make_loss("mse") for _ in range(config.num_outputs)]
    outcome = compile_and_fit(
        model,
        run.training,
        (split_inputs(config, train.x_train), targets(config, train.y_train)),
        (split_inputs(config, data.x_valid), targets(config, data.y_valid)),
        losses=losses if len(losses) > 1 else losses[0],
        loss_weights=list(config.loss_weights) if config.num_outputs == 2 else None,
        on_epoch=on_epoch,
        should_stop=should_stop,
        start=start,
    )
    x_test = split_inputs(config, data.x_test)
    test_pred = predict(model, x_test)
    metrics = regression_metrics(data.y_test, test_pred)
    if config.num_outputs == 2:
        aux_pred = np.asarray(model.predict(x_test, batch_size=2048, verbose=0)[1]).reshape(-1)
        metrics["aux_rmse"] = regression_metrics(data.y_test, aux_pred)["rmse"]
    for split, x, y in (("valid", data.x_valid, data.y_valid), ("test", data.x_test, data.y_test)):
        metrics.update(evaluated_losses(model, config, split, x, y))
    return regression_result(run, model, outcome, metrics, test_pred)


def evaluated_losses(model, config: WideDeepConfig, split: str, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Keras's own losses of the model as it is (final or restored weights) on one set.

    `model.evaluate(..., return_dict=True)`: the weighted total as `<split>_loss`, and
    with an auxiliary output each output's loss as `<split>_main_loss` and
    `<split>_aux_loss`. These, not the last epoch's logs, are what the weights the
    model keeps give (the logs of an epoch average batches while the weights change).
    The whole set goes in one batch: Keras averages its loss trackers batch by batch,
    which in a compiled graph weights a short last batch like a full one, so with
    several batches the figures drift from the set's mean (and from its RMSE squared).
    """
    logs = model.evaluate(
        split_inputs(config, x), targets(config, y), batch_size=max(1, len(y)), verbose=0, return_dict=True
    )
    losses = {f"{split}_loss": float(logs["loss"])}
    if config.num_outputs == 2:
        losses[f"{split}_main_loss"] = float(logs["main_output_loss"])
        losses[f"{split}_aux_loss"] = float(logs["aux_output_loss"])
    rmse = next((name for name in logs if name.endswith(RMSE)), None)
    if rmse is not None:
        losses[f"{split}_rmse"] = float(logs[rmse])
    return losses


def comparison_runs(run: WideDeepRun) -> list[tuple[str, object]]:
    """The runs of the comparison: a plain Sequential MLP and the three variants.

    All share `run`'s data, subset, training recipe, units and activation; variants 2
    and 3 use `run`'s feature sets (or the defaults when `run` is variant 1).
    """
    from core.config import MLPConfig
    from core.regression.sequential import RegressionConfig, RegressionRun

    model = run.model
    sequential = RegressionConfig(MLPConfig(((model.units, model.activation),) * NUM_HIDDEN, "linear"))
    runs = [("Sequential MLP", RegressionRun(run.dataset, run.num_train, sequential, run.training))]
    wide = model.wide_features or DEFAULT_WIDE
    deep = model.deep_features or DEFAULT_DEEP
    weights = model.loss_weights if model.variant == "aux_output" else (0.9, 0.1)
    for variant in VARIANTS:
        config = WideDeepConfig(variant, wide, deep, model.units, model.activation, weights)
        runs.append((VARIANT_TITLES[variant], WideDeepRun(run.dataset, run.num_train, config, run.training)))
    return runs


@dataclass(frozen=True)
class GraphNode:
    name: str
    kind: str  # the layer's class: InputLayer, Normalization, Dense, Concatenate, ...
    output_shape: tuple
    params: int
    activation: str = ""


def describe_graph(model) -> tuple[list[GraphNode], list[tuple[str, str]]]:
    """The model's graph as Keras knows it: one node per layer, one edge per tensor.

    Walks each layer's inbound nodes (the calls that connected it), so it works for any
    Sequential or Functional model, and finds nothing to connect in a subclassed one.

    Returns:
        `(nodes, edges)`: nodes in the model's layer order, edges as
        `(from_layer_name, to_layer_name)`.
    """
    nodes: dict[str, GraphNode] = {}
    edges: list[tuple[str, str]] = []

    def add(layer):
        if layer.name in nodes:
            return
        try:
            shape = tuple(layer.output.shape)
        except (AttributeError, ValueError):
            shape = ()
        activation = getattr(getattr(layer, "activation", None), "__name__", "")
        nodes[layer.name] = GraphNode(layer.name, type(layer).__name__, shape, int(layer.count_params()), activation)

    try:
        inputs = model.inputs
    except AttributeError:  # a subclassed model has no symbolic inputs, nor connections
        inputs = []
    for tensor in inputs:
        add(tensor._keras_history.operation)  # Sequential models leave their InputLayer out of .layers
    for layer in model.layers:
        add(layer)
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                source = tensor._keras_history.operation
                add(source)
                edges.append((source.name, layer.name))
    return list(nodes.values()), edges
