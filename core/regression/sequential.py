"""Regression MLPs with the Sequential API, how to train them, and a scikit-learn baseline.

A `RegressionRun` is one run (data set, subset, model, training recipe) as a frozen
dataclass; its JSON form names it in the store. `build_regression_mlp` makes the course's
model: a `Normalization` layer adapted on the training set (Keras's StandardScaler, kept
inside the model so it takes raw features), hidden `Dense` layers and one output unit
with no activation. `compile_and_fit` compiles any regression model (several inputs or
outputs included) with the chosen loss and an RMSE metric and trains it through
`core.training.fit`, so the wide & deep models train exactly the same way.

Example:

>>> from core.regression.housing import load_regression_data
>>> run = RegressionRun(dataset="diabetes", num_train=64, training=TrainingConfig(epochs=2))
>>> result = train_regression(run, load_regression_data("diabetes"))
>>> result.epochs_run, "rmse" in result.test_metrics
(2, True)

With the defaults (`RegressionRun(training=TrainingConfig(epochs=20))` on California
housing) the test RMSE is about 0.55, i.e. $55,000.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.config import Keyed, MLPConfig, TrainingConfig
from core.models import LayerRow
from core.regression.housing import REGRESSION_DATASETS, RegressionData
from core.training import (
    EVAL_BATCH_SIZE,
    EpochUpdate,
    check_batch_size,
    device_name,
    fit,
    make_batches,
    make_optimizer,
    remaining,
)
from core.validation import check_bool, check_choice, check_float, check_int

LOSSES = ("mse", "mae", "huber")
LOSS_LABELS = {"mse": "Mean squared error", "mae": "Mean absolute error", "huber": "Huber"}
REGRESSION_OUTPUT_ACTIVATIONS = ("linear", "softplus", "relu")
BASELINE_LAYERS = (50, 50, 50)
RMSE = "root_mean_squared_error"  # the metric's name in Keras logs
# Tabular epochs are short (11,610 samples: 91 steps of 128), so a whole epoch runs in
# one call of the compiled train function: the per-call Python work, paid once per
# `core.training.STEPS_PER_EXECUTION` steps for images, is then paid once per epoch.
# Stop still takes effect at the end of the epoch, well under a second here.
MAX_STEPS_PER_EXECUTION = 1024


# The regression pages' recommended recipe: large enough batches that an epoch costs
# little, a learning rate that a cosine decay brings down to 0 for the last epochs, and
# no early stopping (the decay settles the weights instead). On California housing it
# matches the scikit-learn baseline's test RMSE in well under half its time
# (benchmarks/regression.py, benchmarks/RESULTS.md).
FAST_REGRESSION_TRAINING = TrainingConfig(
    optimizer="adam", learning_rate=1e-2, lr_schedule="cosine", batch_size=128, epochs=20
)
# The book's recipe for this model: Adam with learning rate 1e-3 for 20 epochs of batch 32.
COURSE_REGRESSION_TRAINING = TrainingConfig(optimizer="adam", learning_rate=1e-3, batch_size=32, epochs=20)


@dataclass(frozen=True)
class RegressionConfig:
    """A Sequential regression MLP and its loss.

    Args:
        mlp: hidden layers and output activation (`"linear"`, i.e. none, or `"softplus"` /
            `"relu"` to force positive predictions). Defaults to three hidden layers of
            50 ReLU units, the shape of the scikit-learn baseline.
        normalize: start with a `Normalization` layer adapted on the training set.
            Defaults to `True`.
        loss: `"mse"`, `"mae"` or `"huber"`. Defaults to `"mse"`.
        huber_delta: where the Huber loss turns from quadratic to linear. Defaults to `1.0`.
    """

    mlp: MLPConfig = MLPConfig(((50, "relu"),) * 3, output_activation="linear")
    normalize: bool = True
    loss: str = "mse"
    huber_delta: float = 1.0

    def __post_init__(self):
        if isinstance(self.mlp, dict):
            mlp = dict(self.mlp)
            mlp["hidden_layers"] = tuple(tuple(layer) for layer in mlp["hidden_layers"])
            object.__setattr__(self, "mlp", MLPConfig(**mlp))
        check_choice("output_activation", self.mlp.output_activation, REGRESSION_OUTPUT_ACTIVATIONS)
        check_bool("normalize", self.normalize)
        check_choice("loss", self.loss, LOSSES)
        check_float("huber_delta", self.huber_delta, 0.0, 1000.0, open_low=True)
        object.__setattr__(self, "huber_delta", float(self.huber_delta))

    def describe(self) -> str:
        scaled = "" if self.normalize else ", unscaled"
        return f"Sequential {self.mlp.describe()}{scaled}"


class _Run(Keyed):
    """What every regression run shares: a JSON form, a key, a data subset check."""

    def _check_data(self):
        check_choice("dataset", self.dataset, REGRESSION_DATASETS)
        if self.num_train is not None:
            check_int("num_train", self.num_train, 10)


@dataclass(frozen=True)
class RegressionRun(_Run):
    """One run of the regression page: data set, training subset, model and training.

    Args:
        dataset: `"california_housing"` or `"diabetes"`. Defaults to `"california_housing"`.
        num_train: train on the first `num_train` training samples only; `None` uses
            all. Defaults to `None`.
        model: the `RegressionConfig`.
        training: the `TrainingConfig` (optimizer, learning rate, epochs, ...).
    """

    dataset: str = "california_housing"
    num_train: int | None = None
    model: RegressionConfig = field(default_factory=RegressionConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    kind: str = "regression"

    def __post_init__(self):
        self._check_data()
        if isinstance(self.model, dict):
            object.__setattr__(self, "model", RegressionConfig(**self.model))
        if isinstance(self.training, dict):
            object.__setattr__(self, "training", TrainingConfig(**self.training))

    def describe(self) -> str:
        return self.model.describe()


def summarize_regression(config: RegressionConfig, num_features: int) -> list[LayerRow]:
    """The rows of `model.summary()` for `build_regression_mlp`, by arithmetic alone.

    `Normalization` holds a mean and a variance per feature plus a sample count
    (2 * num_features + 1 non-trainable numbers); a Dense layer `(inputs + 1) * units`.
    """
    rows = []
    if config.normalize:
        rows.append(LayerRow("normalization", "Normalization", (None, num_features), 2 * num_features + 1))
    inputs = num_features
    layers = [*config.mlp.hidden_layers, (1, config.mlp.output_activation)]
    for index, (units, activation) in enumerate(layers):
        name = "dense" if index == 0 else f"dense_{index}"
        rows.append(LayerRow(name, "Dense", (None, units), (inputs + 1) * units, activation))
        inputs = units
    return rows


def seeded(seed: int | None, offset: int):
    """A Glorot-uniform initializer seeded with `seed + offset` (random when `None`)."""
    import keras

    return "glorot_uniform" if seed is None else keras.initializers.GlorotUniform(seed=seed + offset)


def adapted_normalization(x_train: np.ndarray, name: str | None = None):
    """A `Normalization` layer adapted on `x_train` (and only on it, to keep the
    validation and test sets unseen)."""
    import keras

    layer = keras.layers.Normalization(name=name)
    layer.adapt(np.asarray(x_train, dtype=np.float32))
    return layer


def build_regression_mlp(config: RegressionConfig, x_train: np.ndarray, *, seed: int | None = None):
    """Builds the Sequential regression MLP of `config`.

    Args:
        config: layers, output activation and whether to normalize.
        x_train: raw training features, (num_train, num_features); the `Normalization`
            layer is adapted on them.
        seed: seeds each Dense layer's initializer. Defaults to `None` (random).

    Returns:
        An uncompiled `keras.Sequential` that takes raw features.
    """
    import keras

    layers = [keras.Input(shape=(x_train.shape[1],))]
    if config.normalize:
        layers.append(adapted_normalization(x_train))
    for index, (units, activation) in enumerate(config.mlp.hidden_layers):
        layers.append(keras.layers.Dense(units, activation=activation, kernel_initializer=seeded(seed, index)))
    output_index = len(config.mlp.hidden_layers)
    layers.append(
        keras.layers.Dense(1, activation=config.mlp.output_activation, kernel_initializer=seeded(seed, output_index))
    )
    return keras.Sequential(layers)


def make_loss(loss: str = "mse", huber_delta: float = 1.0):
    """The Keras loss named `loss` (`"mse"`, `"mae"` or `"huber"` with `huber_delta`)."""
    import keras

    if loss == "huber":
        return keras.losses.Huber(delta=huber_delta)
    return {"mse": keras.losses.MeanSquaredError(), "mae": keras.losses.MeanAbsoluteError()}[loss]


def check_fits(run, data: RegressionData) -> None:
    """Raises `ValueError` when `run` cannot train on `data`: another data set, or a
    batch size larger than its training subset."""
    check_dataset(run, data)
    check_batch_size(run.training, len(data.subset(run.num_train).x_train))


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """RMSE and MAE; NaN predictions (a diverged model) give infinite errors."""
    errors = np.asarray(y_pred, dtype=np.float64).reshape(-1) - np.asarray(y_true, dtype=np.float64)
    if not np.all(np.isfinite(errors)):
        return {"rmse": math.inf, "mae": math.inf}
    return {"rmse": float(np.sqrt(np.mean(errors**2))), "mae": float(np.mean(np.abs(errors)))}


def compile_and_fit(
    model,
    training: TrainingConfig,
    train: tuple,
    valid: tuple,
    *,
    losses,
    loss_weights=None,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    start=None,
):
    """Compiles a regression model (RMSE metric on the first output) and trains it.

    Args:
        model: an uncompiled Keras model, one or several inputs and outputs.
        training: optimizer, batch size, epochs, early stopping, seed.
        train: `(x, y)`; `x` an array or a tuple (one per input), `y` an array or a
            tuple (one per output).
        valid: `(x, y)` for validation, shaped like `train`.
        losses: one Keras loss, or a list with one per output.
        loss_weights: one weight per output, or `None`. Defaults to `None`.
        on_epoch: progress hook (see `core.training.fit`). Defaults to `None`.
        should_stop: stop hook. Defaults to `None`.
        start: a `core.training.Start` when `model` continues a parent run; its
            history goes on. Defaults to `None`.

    Returns:
        The `core.training.FitOutcome`.
    """
    import keras

    x_train, y_train = train
    num_train = len(y_train[0] if isinstance(y_train, tuple) else y_train)
    check_batch_size(training, num_train)
    steps_per_epoch = math.ceil(num_train / training.batch_size)
    rmse = keras.metrics.RootMeanSquaredError(name=RMSE)
    num_outputs = len(y_train) if isinstance(y_train, tuple) else 1  # a subclassed model has no .outputs
    metrics = [rmse] if num_outputs == 1 else [[rmse]] + [[] for _ in range(num_outputs - 1)]
    model.compile(
        loss=losses,
        loss_weights=loss_weights,
        optimizer=make_optimizer(remaining(training, start), steps_per_epoch),
        metrics=metrics,
        steps_per_execution=max(1, min(MAX_STEPS_PER_EXECUTION, steps_per_epoch)),
    )
    train_batches = make_batches(x_train, y_train, training.batch_size, shuffle=True, seed=training.seed)
    valid_batches = make_batches(*valid, EVAL_BATCH_SIZE, shuffle=False, seed=0)
    return fit(
        model,
        train_batches,
        valid_batches,
        epochs=training.epochs,
        early_stopping_patience=training.early_stopping_patience,
        on_epoch=on_epoch,
        should_stop=should_stop,
        start=start,
    )


def predict(model, x) -> np.ndarray:
    """Predictions of the model's first output as a flat float array."""
    outputs = model.predict(x, batch_size=EVAL_BATCH_SIZE, verbose=0)
    main = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
    return np.asarray(main, dtype=np.float32).reshape(-1)


def train_regression(
    run: RegressionRun,
    data: RegressionData,
    *,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    start=None,
):
    """Builds, compiles and trains the Sequential regression MLP of `run`.

    Args:
        run: the run; `run.dataset` must match `data.name`.
        data: the loaded data (see `core.regression.housing.load_regression_data`).
        on_epoch: called after every epoch with an `EpochUpdate`. Defaults to `None`.
        should_stop: polled after every epoch. Defaults to `None`.
        start: a `core.training.Start`: continue a parent run. Defaults to `None`.

    Returns:
        A `core.runs.RunResult` with test RMSE and MAE and the test predictions.

    Raises:
        ValueError: when the data does not match the run, or the batch size is larger
            than the training set.
    """
    check_dataset(run, data)
    train = data.subset(run.num_train)
    model = start.model if start else build_regression_mlp(run.model, train.x_train, seed=run.training.seed)
    outcome = compile_and_fit(
        model,
        run.training,
        (train.x_train, train.y_train),
        (data.x_valid, data.y_valid),
        losses=make_loss(run.model.loss, run.model.huber_delta),
        on_epoch=on_epoch,
        should_stop=should_stop,
        start=start,
    )
    test_pred = predict(model, data.x_test)
    metrics = regression_metrics(data.y_test, test_pred)
    metrics.update(validation_metrics(model, data.x_valid, data.y_valid))
    return regression_result(run, model, outcome, metrics, test_pred)


def validation_metrics(model, x_valid, y_valid) -> dict[str, float]:
    """`valid_loss` and `valid_rmse` of the model as it is (its final weights, or the
    restored epoch's with early stopping), from Keras's own `model.evaluate`."""
    logs = model.evaluate(x_valid, y_valid, batch_size=EVAL_BATCH_SIZE, verbose=0, return_dict=True)
    return {"valid_loss": float(logs["loss"]), "valid_rmse": float(logs[RMSE])}


def regression_result(run, model, outcome, test_metrics: dict[str, float], test_pred: np.ndarray):
    """The `core.runs.RunResult` of a trained regression model (any variant)."""
    from core.runs import RunResult

    return RunResult(
        config=run,
        model=model,
        history=outcome.history,
        test_metrics=test_metrics,
        predictions=test_pred,
        wall_time=outcome.wall_time,
        device=device_name(),
        stop_reason=outcome.stop_reason,
        divergence=outcome.divergence,
    )


def check_dataset(run, data: RegressionData) -> None:
    """Raises `ValueError` when `data` is not the data set `run` names."""
    if run.dataset != data.name:
        raise ValueError(
            f"Received data set {data.name!r} for a run configured on {run.dataset!r}. Load the data set the run names."
        )


@dataclass(frozen=True)
class BaselineResult:
    """Scikit-learn's `MLPRegressor` on the same split, for comparison."""

    valid_rmse: float
    test_rmse: float
    test_mae: float
    wall_time: float
    n_iter: int
    converged: bool
    from_cache: bool = False  # read back from disk (see `core.regression.baseline`)
    load_time: float | None = None  # seconds it took to read it back


def train_baseline(data: RegressionData, *, num_train: int | None = None, seed: int = 42) -> BaselineResult:
    """Trains the course's scikit-learn baseline on the same split as the Keras models.

    `make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=[50, 50, 50]))`,
    Adam with scikit-learn's defaults (at most 200 epochs, stopping when the loss stops
    improving).

    Args:
        data: the loaded data.
        num_train: train on the first `num_train` training samples. Defaults to `None`.
        seed: `random_state` of the MLPRegressor. Defaults to `42`.

    Returns:
        A `BaselineResult` with validation and test RMSE and the training time.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train = data.subset(num_train)
    regressor = MLPRegressor(hidden_layer_sizes=list(BASELINE_LAYERS), random_state=seed)
    pipeline = make_pipeline(StandardScaler(), regressor)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        pipeline.fit(train.x_train, train.y_train)
    wall_time = time.perf_counter() - started
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    valid = regression_metrics(data.y_valid, pipeline.predict(data.x_valid))
    test = regression_metrics(data.y_test, pipeline.predict(data.x_test))
    return BaselineResult(valid["rmse"], test["rmse"], test["mae"], wall_time, int(regressor.n_iter_), converged)
