"""Train a classification MLP from a `RunConfig`, with per-epoch progress.

`train` compiles the model, feeds it through a `tf.data` pipeline (float32 batches
gathered from one in-memory copy, reshuffled every epoch, prefetched) and runs
`model.fit` with several steps per execution, so the per-batch Python work that makes
plain `fit` on NumPy arrays slow is paid once per chunk instead. Callbacks report each
epoch to the caller (for a progress bar and live charts), stop on request, stop on a
NaN loss, and stop early with the best weights restored.

Example:

>>> from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
>>> from core.data import load_dataset
>>> run = RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), TrainingConfig(epochs=2))
>>> result = train(run, load_dataset("digits"))
>>> result.epochs_run, result.stop_reason
(2, 'completed')
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.config import RunConfig, TrainingConfig
from core.data import ImageDataset, for_run
from core.models import build_mlp, output_units
from core.validation import invalid

# Steps fused into one call of the compiled train function; the callbacks run per epoch.
STEPS_PER_EXECUTION = 32
EVAL_BATCH_SIZE = 2048


@dataclass(frozen=True)
class EpochUpdate:
    """What the progress hook receives after each epoch."""

    epoch: int  # 1-based
    epochs: int
    logs: dict[str, float]
    elapsed: float  # seconds since training started
    history: dict[str, list[float]]
    model: object = None  # the model being trained: read it, never train it from a hook


def device_name() -> str:
    """`"GPU: <name>"` when TensorFlow sees a GPU, else `"CPU (<n> cores)"`."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)}"
    return f"CPU ({os.cpu_count()} cores)"


def make_optimizer(config: TrainingConfig, steps_per_epoch: int | None = None):
    """The Keras optimizer named by `config.optimizer`, with its learning rate or
    schedule. `"cosine"` (over all the epochs) and `"exponential"` (`decay_rate` per
    epoch) need `steps_per_epoch`; `"inverse_time"` is the old `decay` argument:
    lr / (1 + decay_rate * step)."""
    import keras

    lr = config.learning_rate
    schedules = keras.optimizers.schedules
    if config.lr_schedule in ("cosine", "exponential") and steps_per_epoch is None:
        raise ValueError(
            f"A {config.lr_schedule} learning-rate schedule needs `steps_per_epoch`. Received: steps_per_epoch=None"
        )
    if config.lr_schedule == "cosine":
        lr = schedules.CosineDecay(lr, decay_steps=steps_per_epoch * config.epochs)
    elif config.lr_schedule == "inverse_time":
        lr = schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=config.decay_rate)
    elif config.lr_schedule == "exponential":
        lr = schedules.ExponentialDecay(lr, decay_steps=steps_per_epoch, decay_rate=config.decay_rate)
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(lr, momentum=config.momentum, nesterov=config.nesterov)
    elif config.optimizer == "rmsprop":
        optimizer = keras.optimizers.RMSprop(lr, momentum=config.momentum)
    else:
        optimizers = {
            "adam": keras.optimizers.Adam,
            "adamw": keras.optimizers.AdamW,
            "nadam": keras.optimizers.Nadam,
            "adagrad": keras.optimizers.Adagrad,
        }
        optimizer = optimizers[config.optimizer](lr)
    return without_single_replica_all_reduce(optimizer)


def without_single_replica_all_reduce(optimizer):
    """`optimizer`, changed to skip the all-reduce of its gradients when one replica
    trains (no `tf.distribute` strategy, as always here); returns it.

    Why: on TensorFlow, Keras sums the gradients over the replicas of the default
    strategy, whose `all_reduce` wraps that sum (an identity for one replica) in a
    `tf.custom_gradient`. Traced into the train function, that registers a gradient
    function under a new name in TensorFlow's process-wide gradient registry, never
    removed; it holds the traced graph and through it every function and constant of
    the training, 5 to 7 MB for a small MLP, so a server grew by that much per run.
    `keras.backend.clear_session()` does not empty the registry. Skipping the identity
    registers nothing, and touches no other job: only this optimizer changes.

    Example:

    >>> import keras
    >>> optimizer = without_single_replica_all_reduce(keras.optimizers.SGD())
    >>> optimizer._all_reduce_sum_gradients([(1.0, "w")])
    [(1.0, 'w')]
    """
    original = getattr(optimizer, "_all_reduce_sum_gradients", None)
    if original is None:  # not TensorFlow's optimizer: nothing is registered
        return optimizer

    def all_reduce_sum_gradients(grads_and_vars):
        import tensorflow as tf

        if tf.distribute.has_strategy() and tf.distribute.get_strategy().num_replicas_in_sync > 1:
            return original(grads_and_vars)
        return list(grads_and_vars)  # one replica: its sum is its own gradients

    optimizer._all_reduce_sum_gradients = all_reduce_sum_gradients
    return optimizer


def remaining(training: TrainingConfig, start: Start | None) -> TrainingConfig:
    """The recipe for what is left to train: a continued run's schedule decays over its
    own new epochs, not over the parent's again."""
    if start is None:
        return training
    if training.epochs <= start.epochs:
        raise invalid(
            "epochs",
            f"more than the {start.epochs} epochs the parent run has already trained",
            training.epochs,
            "Ask for at least one more epoch.",
        )
    return dataclasses.replace(training, epochs=training.epochs - start.epochs)


def make_batches(x, y, batch_size: int, *, shuffle: bool, seed: int):
    """A `tf.data` pipeline of (x, y) batches, reshuffled every epoch.

    `x` and `y` may be arrays or tuples of arrays (several inputs or outputs, as the
    Functional API takes them). Inputs become float32; integer labels int32, other
    targets float32. The arrays are stored once as constants; each epoch shuffles only
    the indices and gathers whole batches, far cheaper than shuffling the samples.
    """
    import tensorflow as tf

    def constant(array):
        array = np.asarray(array)
        dtype = np.int32 if np.issubdtype(array.dtype, np.integer) else np.float32
        return tf.constant(array.astype(dtype, copy=False))

    x = tf.nest.map_structure(lambda a: tf.constant(np.asarray(a, dtype=np.float32)), x)
    y = tf.nest.map_structure(constant, y)
    size = len(tf.nest.flatten(y)[0])
    indices = tf.data.Dataset.range(size)
    if shuffle:
        indices = indices.shuffle(size, seed=seed, reshuffle_each_iteration=True)

    def gather(idx):
        take = lambda tensor: tf.gather(tensor, idx)  # noqa: E731
        return tf.nest.map_structure(take, x), tf.nest.map_structure(take, y)

    batches = indices.batch(batch_size).map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    return batches.prefetch(tf.data.AUTOTUNE)


def split_train_valid(data: ImageDataset, config: RunConfig):
    """`(x_train, y_train, x_valid, y_valid)` of a run: its training subset, and the
    held-out images or the last `validation_split` of the subset (see `core.data.for_run`).
    With nothing held out and no split, the validation arrays are empty."""
    subset = for_run(data, config.data)
    x, y = subset.x_train, subset.y_train
    split = config.training.validation_split
    if split is None:
        return x, y, subset.x_valid, subset.y_valid
    num_valid = max(1, int(round(len(x) * split)))
    return x[:-num_valid], y[:-num_valid], x[-num_valid:], y[-num_valid:]


def check_batch_size(training: TrainingConfig, num_train: int) -> None:
    """Raises `ValueError` when the batch size is larger than the training set.

    Example:

    >>> check_batch_size(TrainingConfig(batch_size=64), num_train=50)
    Traceback (most recent call last):
    ...
    ValueError: Received an invalid value for `batch_size`, expected at most the number of training samples (50). Received: batch_size=64. Lower the batch size or use more training samples.
    """
    if training.batch_size > num_train:
        raise invalid(
            "batch_size",
            f"at most the number of training samples ({num_train})",
            training.batch_size,
            "Lower the batch size or use more training samples.",
        )


def _progress_callback(on_epoch, should_stop, epochs, started, history):
    import keras

    class Progress(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            # Called once per fused chunk of steps: Stop takes effect within seconds,
            # not at the end of a long epoch (Keras ends the epoch there).
            if should_stop is not None and should_stop():
                self.model.stop_training = True
                history["_stopped"] = [1.0]

        def on_epoch_end(self, epoch, logs=None):
            logs = {name: float(value) for name, value in (logs or {}).items()}
            for name, value in logs.items():
                history.setdefault(name, []).append(value)
            if divergence({"loss": history.get("loss", [])}):
                self.model.stop_training = True  # no point in more epochs of an exploded loss
            if on_epoch is not None:
                on_epoch(EpochUpdate(epoch + 1, epochs, logs, time.perf_counter() - started, history, self.model))
            if should_stop is not None and should_stop():
                self.model.stop_training = True
                history["_stopped"] = [1.0]

    return Progress()


# A loss this many times its first epoch's value has exploded, whatever the kind of run.
EXPLODED_RATIO = 100.0
# A classifier whose first loss was this many times chance level's (ln of the number
# of classes) and that ends near chance accuracy has collapsed: its weights blew up.
COLLAPSE_LOSS_RATIO = 10.0
COLLAPSE_ACCURACY_RATIO = 1.5


def divergence(history: dict[str, list[float]], num_classes: int | None = None) -> str:
    """Why a training counts as diverged, or `""` when it does not.

    Beyond NaN or infinite losses: a loss that grows to `EXPLODED_RATIO` times its
    first value, and a classifier that collapsed to chance accuracy after a loss of
    `COLLAPSE_LOSS_RATIO` times chance level (SGD with a learning rate of 5 does that
    on Fashion-MNIST: a first loss near 1e18, then 10% accuracy).

    Example:

    >>> divergence({"loss": [2.1, 1.2, 0.9]}, num_classes=10)
    ''
    >>> divergence({"loss": [0.5, 80.0]})
    'the loss grew from 0.5 to 80 (160 times its first value)'
    >>> divergence({"loss": [8e17, 2.35], "val_accuracy": [0.1, 0.1]}, num_classes=10)
    'the loss reached 8e+17 (chance level is 2.3), and accuracy fell to chance (10.0%)'
    """
    losses = history.get("loss", [])
    for epoch, value in enumerate(losses, start=1):
        if not math.isfinite(value):
            return f"the loss became NaN or infinite at epoch {epoch}"
    if not losses:
        return ""
    first, worst = losses[0], max(losses)
    if first > 0 and worst >= EXPLODED_RATIO * first:
        return f"the loss grew from {first:.3g} to {worst:.3g} ({worst / first:.0f} times its first value)"
    if num_classes and num_classes > 1:
        chance_loss = math.log(num_classes)
        accuracy = (history.get("val_accuracy") or history.get("accuracy") or [None])[-1]
        if (
            accuracy is not None
            and worst >= COLLAPSE_LOSS_RATIO * chance_loss
            and accuracy <= COLLAPSE_ACCURACY_RATIO / num_classes
        ):
            return (
                f"the loss reached {worst:.3g} (chance level is {chance_loss:.2g}), and accuracy fell "
                f"to chance ({accuracy:.1%})"
            )
    return ""


def restored_epoch(history: dict[str, list[float]], early_stopping: bool) -> int:
    """The epoch (1-based) whose weights a trained model holds: with early stopping on,
    the one of lowest validation loss (Keras restores it at the end of training, whether
    or not patience ran out); else the last one.

    Example:

    >>> restored_epoch({"loss": [3, 2, 1, 1], "val_loss": [2.0, 1.0, 1.5, 1.7]}, early_stopping=True)
    2
    >>> restored_epoch({"loss": [3, 2, 1], "val_loss": [2.0, 1.0, 1.5]}, early_stopping=False)
    3
    """
    valid = history.get("val_loss") or []
    if early_stopping and valid:
        return int(np.nanargmin(valid)) + 1
    return len(history.get("loss", []))


def evaluate_proba(proba: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Test loss (sparse categorical cross-entropy) and accuracy from probabilities."""
    picked = np.clip(proba[np.arange(len(labels)), labels], 1e-7, 1.0)
    return {
        "loss": float(-np.mean(np.log(picked))),
        "accuracy": float(np.mean(np.argmax(proba, axis=1) == labels)),
    }


def predict_proba(model, x: np.ndarray) -> np.ndarray:
    """Class probabilities `(n, num_classes)`; a single sigmoid output p becomes the
    two columns (1 - p, p)."""
    proba = model.predict(x, batch_size=EVAL_BATCH_SIZE, verbose=0).astype(np.float32)
    if proba.shape[-1] == 1:
        proba = np.concatenate([1.0 - proba, proba], axis=-1)
    return np.nan_to_num(proba, nan=0.0)


def fit_standardization(x_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`(mean, variance)` per pixel of scikit-learn's `StandardScaler` fitted on the
    flattened training images; a constant pixel gets variance 1, as its `scale_`."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x_train.reshape(len(x_train), -1))
    return scaler.mean_.astype(np.float32), (scaler.scale_**2).astype(np.float32)


def balanced_class_weight(labels: np.ndarray, num_classes: int) -> dict[int, float]:
    """n_samples / (n_classes * count) per class, as scikit-learn's "balanced".

    Example:

    >>> balanced_class_weight(np.array([0, 0, 0, 1]), 2)
    {0: 0.6666666666666666, 1: 2.0}
    """
    counts = np.bincount(labels, minlength=num_classes)
    present = max(1, int(np.count_nonzero(counts)))
    return {index: float(len(labels) / (present * count)) if count else 0.0 for index, count in enumerate(counts)}


@dataclass(frozen=True)
class Start:
    """Where a continued run starts: its parent's trained model and history."""

    model: object  # keras.Model, loaded afresh from the store: safe to train further
    history: dict[str, list[float]]
    arrays: dict = field(default_factory=dict)  # the parent's stored arrays (its look inside, say)

    @property
    def epochs(self) -> int:
        return len(self.history.get("loss", []))


@dataclass(frozen=True)
class FitOutcome:
    """What `fit` returns."""

    history: dict[str, list[float]]
    wall_time: float
    stop_reason: str
    divergence: str = ""  # why it counts as diverged (see `divergence`)


def fit(
    model,
    train_data,
    valid_data,
    *,
    epochs: int,
    early_stopping_patience: int | None = None,
    num_classes: int | None = None,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    start: Start | None = None,
    class_weight: dict[int, float] | None = None,
    callbacks: list | None = None,
) -> FitOutcome:
    """Runs `model.fit` (model already compiled) with the app's callbacks.

    Shared by every page that trains: progress after each epoch, stop on request, stop
    on a NaN loss, and optionally early stopping on the validation loss with the best
    weights restored.

    Args:
        model: a compiled Keras model.
        train_data: a `tf.data.Dataset` of training batches (see `make_batches`).
        valid_data: validation batches, or a tuple of arrays.
        epochs: the most epochs to run.
        early_stopping_patience: epochs without improvement before stopping; `None`
            disables early stopping. Defaults to `None`.
        num_classes: for a classifier, the number of classes, so that a collapse to
            chance counts as divergence (see `divergence`). Defaults to `None`.
        on_epoch: called with an `EpochUpdate` after each epoch. Defaults to `None`.
        should_stop: polled after each epoch; True stops training. Defaults to `None`.
        start: where a continued run starts (the parent's epochs and history); its
            history goes on from there. Defaults to `None` (epoch 0).
        class_weight: `{class: weight}` for the loss, as `model.fit` takes it.
            Defaults to `None`.
        callbacks: more Keras callbacks, run after the app's own. Defaults to `None`.

    Returns:
        A `FitOutcome`; its `stop_reason` is `"completed"`, `"early_stopping"`,
        `"diverged"` (see `divergence`) or `"stopped"`.
    """
    import keras

    callbacks_extra = callbacks or []
    history: dict[str, list[float]] = {name: list(values) for name, values in (start.history if start else {}).items()}
    initial_epoch = start.epochs if start else 0
    started = time.perf_counter()
    callbacks = [
        keras.callbacks.TerminateOnNaN(),
        _progress_callback(on_epoch, should_stop, epochs, started, history),
    ]
    early_stopping = None
    if early_stopping_patience is not None:
        early_stopping = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=early_stopping_patience, restore_best_weights=True
        )
        callbacks.append(early_stopping)
    callbacks += list(callbacks_extra)
    model.fit(
        train_data,
        validation_data=valid_data,
        epochs=epochs,
        initial_epoch=initial_epoch,
        callbacks=callbacks,
        class_weight=class_weight,
        shuffle=False,  # the pipeline reshuffles every epoch itself
        verbose=0,
    )
    wall_time = time.perf_counter() - started

    stopped = bool(history.pop("_stopped", None))
    losses = history.get("loss", [])
    why = divergence(history, num_classes)
    if why:
        stop_reason = "diverged"
    elif stopped:
        stop_reason = "stopped"
    elif early_stopping is not None and early_stopping.stopped_epoch > 0:
        stop_reason = "early_stopping"
    elif len(losses) < epochs:
        stop_reason = "diverged"  # TerminateOnNaN ended fit before the epoch's logs
        why = "the loss became NaN or infinite"
    else:
        stop_reason = "completed"
    return FitOutcome(history, wall_time, stop_reason, why)


def train(
    config: RunConfig,
    data: ImageDataset,
    *,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    start: Start | None = None,
    callbacks: list | None = None,
):
    """Builds, compiles and trains the MLP of `config` on `data`.

    Args:
        config: the run to train. `config.data.name` must match `data.name`.
        data: the loaded data set (see `core.data.load_dataset`).
        on_epoch: called after every epoch with an `EpochUpdate`. Defaults to `None`.
        should_stop: polled after every epoch; training stops when it returns True.
            Defaults to `None`.
        start: continue from a parent run's model and history instead of a fresh
            model (see `TrainingConfig.parent`). Defaults to `None`.
        callbacks: more Keras callbacks for `model.fit` (e.g. to look inside the
            network as it trains). Defaults to `None`.

    Returns:
        A `core.runs.RunResult`; `stop_reason` says why training ended. A diverged run
        is returned too, with `stop_reason="diverged"` and its `divergence`, so the
        caller can explain.

    Raises:
        ValueError: when the data set does not match the config, or the batch size is
            larger than the training set.
    """
    if config.data.name != data.name:
        raise ValueError(
            f"Received data set {data.name!r} for a run configured on {config.data.name!r}. "
            "Load the data set the config names."
        )
    training = config.training
    run_data = for_run(data, config.data)
    x_train, y_train, x_valid, y_valid = split_train_valid(data, config)
    check_batch_size(training, len(x_train))

    notes = []
    dtype = None
    if training.mixed_precision:
        if device_name().startswith("GPU"):
            dtype = "mixed_float16"
        else:
            notes.append("Mixed precision needs a GPU; this run computed in float32 on the CPU.")
    units = output_units(config.model, run_data.num_classes)
    if start is None:
        standardize = None
        if config.data.scaling == "standard":
            # Fitted on the images given to fit, before a validation_split takes its share,
            # as the notebook fits its StandardScaler on the whole training set.
            standardize = fit_standardization(run_data.x_train)
        model = build_mlp(
            config.model, data.image_shape, units, seed=training.seed, dtype=dtype, standardize=standardize
        )
    else:
        model = start.model
    steps_per_epoch = math.ceil(len(x_train) / training.batch_size)
    sigmoid = units == 1
    model.compile(
        loss="binary_crossentropy" if sigmoid else "sparse_categorical_crossentropy",
        optimizer=make_optimizer(remaining(training, start), steps_per_epoch),
        metrics=["accuracy"],
        steps_per_execution=max(1, min(STEPS_PER_EXECUTION, steps_per_epoch)),
    )

    def targets(y):
        return y.astype(np.float32).reshape(-1, 1) if sigmoid else y  # (n, 1) for one sigmoid unit

    train_batches = make_batches(x_train, targets(y_train), training.batch_size, shuffle=True, seed=training.seed)
    valid_batches = None
    if len(x_valid):
        valid_batches = make_batches(x_valid, targets(y_valid), EVAL_BATCH_SIZE, shuffle=False, seed=0)

    from core.inside import InsideRecorder

    # What the network learns inside, recorded on a fixed probe batch: validation images,
    # or training images when the recipe keeps none aside.
    probe_x, probe_y = (x_valid, y_valid) if len(x_valid) else (x_train, y_train)
    recorder = InsideRecorder(probe_x, targets(probe_y), previous=start.arrays if start else None)
    outcome = fit(
        model,
        train_batches,
        valid_batches,
        epochs=training.epochs,
        early_stopping_patience=training.early_stopping_patience,
        num_classes=run_data.num_classes,
        on_epoch=on_epoch,
        should_stop=should_stop,
        start=start,
        class_weight=balanced_class_weight(y_train, run_data.num_classes) if training.class_weight else None,
        callbacks=[recorder.callback(), *(callbacks or [])],
    )

    proba = predict_proba(model, run_data.x_test)
    from core.runs import RunResult

    return RunResult(
        config=config,
        model=model,
        history=outcome.history,
        test_metrics=evaluate_proba(proba, run_data.y_test),
        predictions=proba,
        wall_time=outcome.wall_time,
        device=device_name() + (" · mixed float16" if dtype else ""),
        stop_reason=outcome.stop_reason,
        notes=notes,
        divergence=outcome.divergence,
        arrays=recorder.arrays(),
    )
