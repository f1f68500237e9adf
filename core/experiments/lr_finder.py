"""The learning-rate finder: one short training with a growing rate, loss against rate.

`find_learning_rate` trains a fresh copy of a run's model for one epoch (at least
`MIN_STEPS` batches: a smaller training set is cycled) while the learning rate grows
exponentially from `min_lr` to `max_lr`, multiplied by the same factor before every
batch, and records the loss of each batch. Plotted against the rate on a log axis, the
loss stays flat while the rate is too small to learn, falls, then shoots up once the
steps are too large. The course's rule: take a rate about 10 times lower than where the
loss starts to climb.

The rule, made precise (`suggest_learning_rate`): smooth the losses with a centred
running median over `SMOOTHING` of the batches (a median ignores single noisy batches
and, being centred, does not lag behind the curve); the loss *starts climbing* at the
lowest point of that curve (the middle of it, if several batches tie); the suggestion is a tenth of that rate, rounded to two
significant digits. Training stops early once the running average of the loss passes
`EXPLODED_RATIO` times its best value, or the loss is NaN: the rest of the curve would
only say "too large".

Example:

>>> from core.config import DataConfig, MLPConfig, RunConfig
>>> from core.data import load_dataset
>>> run = RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)))
>>> result = find_learning_rate(run, load_dataset("digits"), num_steps=40)
>>> len(result.learning_rates) <= 40, 1e-5 <= result.suggestion <= 10
(True, True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.validation import check_float, check_int, invalid

MIN_STEPS = 200  # the course trains "a few hundred iterations"; fewer give a coarse curve
MAX_STEPS = 100_000
MIN_POINTS = 10  # fewer recorded batches give no suggestion
MAX_LR = 100.0
SMOOTHING = 0.05  # the median window, as a share of the batches
EXPLODED_RATIO = 4.0
AVERAGE_DECAY = 0.9  # of the running average that decides when the loss exploded
SUGGESTION_FACTOR = 10.0
MAX_SUGGESTION = 10.0  # the largest learning rate a `TrainingConfig` takes


@dataclass(frozen=True)
class LRFinderResult:
    """What the finder saw, and the rate it suggests.

    `learning_rates[i]` is the rate used for batch `i` and `losses[i]` that batch's loss;
    `smoothed_losses` is their running median. `climb_learning_rate` is where the smoothed
    loss is lowest (it climbs after it) and `suggestion` a tenth of it; both are `None`
    when fewer than `MIN_POINTS` batches ran. `stop_reason` is `"completed"`,
    `"exploded"` (the loss passed `EXPLODED_RATIO` times its best) or `"stopped"`.
    """

    config: Any
    learning_rates: tuple[float, ...]
    losses: tuple[float, ...]
    smoothed_losses: tuple[float, ...]
    climb_learning_rate: float | None
    suggestion: float | None
    min_lr: float
    max_lr: float
    num_steps: int  # batches planned; fewer ran if the loss exploded
    num_samples: int  # training samples the batches were drawn from
    stop_reason: str
    notes: tuple[str, ...] = ()

    def suggested_config(self):
        """`config` with the suggested learning rate, ready to train."""
        if self.suggestion is None:
            raise ValueError("The finder ran too few batches to suggest a learning rate. Received: suggestion=None")
        training = dataclasses.replace(self.config.training, learning_rate=self.suggestion)
        return dataclasses.replace(self.config, training=training)


def learning_rates(min_lr: float, max_lr: float, num_steps: int) -> np.ndarray:
    """`num_steps` rates growing by a constant factor from `min_lr` to `max_lr`.

    Example:

    >>> learning_rates(1e-3, 1.0, 4).round(4).tolist()
    [0.001, 0.01, 0.1, 1.0]
    """
    return min_lr * (max_lr / min_lr) ** (np.arange(num_steps) / max(1, num_steps - 1))


def smooth(losses, window: int) -> np.ndarray:
    """The centred running median of `losses` over `window` points (fewer at the ends).

    Example:

    >>> smooth([1.0, 9.0, 1.0, 1.0, 5.0], 3).tolist()
    [5.0, 1.0, 1.0, 1.0, 3.0]
    """
    losses = np.asarray(losses, dtype=np.float64)
    half = max(0, window // 2)
    return np.array([np.median(losses[max(0, i - half) : i + half + 1]) for i in range(len(losses))])


def suggest_learning_rate(rates, losses, *, num_steps: int | None = None):
    """`(smoothed, climb, suggestion)` for the curve `losses` against `rates`.

    Args:
        rates: the learning rate of each batch.
        losses: the loss of each batch.
        num_steps: the batches planned, which sets the smoothing window
            (`SMOOTHING` of them). Defaults to `len(losses)`.

    Returns:
        The smoothed losses, the rate where they are lowest (the loss climbs after it)
        and a tenth of it rounded to two significant digits; both rates are `None` with
        fewer than `MIN_POINTS` losses.

    Example:

    >>> rates = learning_rates(1e-4, 1.0, 41)
    >>> losses = (np.log10(rates) + 2) ** 2  # lowest at 1e-2
    >>> _, climb, suggestion = suggest_learning_rate(rates, losses)
    >>> round(climb, 6), suggestion
    (0.01, 0.001)
    """
    window = max(5, int(round(SMOOTHING * (num_steps or len(losses)))))
    smoothed = smooth(losses, window | 1)  # odd, so it is centred
    if len(losses) < MIN_POINTS:
        return smoothed, None, None
    # A median turns a minimum into a short plateau of equal values: take its middle.
    lowest = np.flatnonzero(smoothed == smoothed.min())
    climb = float(rates[int(lowest[len(lowest) // 2])])
    suggestion = min(MAX_SUGGESTION, max(float(rates[0]), climb / SUGGESTION_FACTOR))
    return smoothed, climb, float(f"{suggestion:.2g}")


@dataclass(frozen=True)
class _Setup:
    """What the finder trains: a fresh uncompiled model, its loss and training data."""

    model: Any
    loss: Any
    x: np.ndarray
    y: np.ndarray


def _classification(config, data, max_samples: int | None) -> _Setup:
    from core.models import build_mlp
    from core.training import split_train_valid

    x, y = split_train_valid(data, config)[:2]
    model = build_mlp(config.model, data.image_shape, data.num_classes, seed=config.training.seed)
    return _Setup(model, "sparse_categorical_crossentropy", x[:max_samples], y[:max_samples])


def _regression(run, data, max_samples: int | None) -> _Setup:
    from core.regression.sequential import build_regression_mlp, make_loss

    train = data.subset(run.num_train)
    x, y = train.x_train[:max_samples], train.y_train[:max_samples]
    # The Normalization layer is adapted on the samples the finder trains on.
    model = build_regression_mlp(run.model, x, seed=run.training.seed)
    return _Setup(model, make_loss(run.model.loss, run.model.huber_delta), x, y)


def _setups() -> dict[type, Callable[[Any, Any, int | None], _Setup]]:
    """How to set up each kind of config the finder takes, keyed by config type."""
    from core.config import RunConfig
    from core.regression.sequential import RegressionRun

    return {RunConfig: _classification, RegressionRun: _regression}


def _recorder(rates: np.ndarray, should_stop: Callable[[], bool] | None):
    import keras

    class ExponentialLearningRate(keras.callbacks.Callback):
        """Sets the rate of each batch and records its loss; stops when it explodes."""

        def __init__(self):
            super().__init__()
            self.losses: list[float] = []
            self.stop_reason = "completed"
            self._mean = 0.0  # Keras logs the epoch's running mean of the loss
            self._average = None
            self._best = math.inf

        def on_train_batch_begin(self, batch, logs=None):
            self.model.optimizer.learning_rate = float(rates[batch])

        def on_train_batch_end(self, batch, logs=None):
            mean = float(logs["loss"])
            loss = (batch + 1) * mean - batch * self._mean  # this batch's own loss
            self._mean = mean
            if not math.isfinite(loss):
                self._stop("exploded")
                return
            self.losses.append(loss)
            average = loss if self._average is None else AVERAGE_DECAY * self._average + (1 - AVERAGE_DECAY) * loss
            self._average = average
            self._best = min(self._best, average)
            if average > EXPLODED_RATIO * self._best:
                self._stop("exploded")
            elif should_stop is not None and should_stop():
                self._stop("stopped")

        def _stop(self, reason: str):
            self.stop_reason = reason
            self.model.stop_training = True

    return ExponentialLearningRate()


def find_learning_rate(
    config,
    data,
    *,
    min_lr: float = 1e-5,
    max_lr: float = 10.0,
    num_steps: int | None = None,
    max_samples: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> LRFinderResult:
    """Trains a fresh model of `config` with an exponentially growing learning rate.

    The optimizer, batch size and seed are the config's; its learning rate and schedule
    are replaced by the finder's rates. Nothing is stored: the model is thrown away.

    Args:
        config: a classification `core.config.RunConfig` or a regression
            `core.regression.sequential.RegressionRun`.
        data: the loaded data set `config` names.
        min_lr: the rate of the first batch. Defaults to `1e-5`.
        max_lr: the rate of the last batch, at most `MAX_LR`. Defaults to `10.0`.
        num_steps: how many batches to train; `None` trains one epoch, or `MIN_STEPS`
            batches (cycling through the data) when an epoch is shorter. Defaults to `None`.
        max_samples: draw the batches from the first `max_samples` training samples
            only, for a quicker run on a large data set; `None` uses the config's
            training set. Defaults to `None`.
        should_stop: polled after every batch; True stops, keeping the curve so far.
            Defaults to `None`.

    Returns:
        An `LRFinderResult`.

    Raises:
        ValueError: for a range that is not positive and increasing, a bad step or
            sample count, a config of another kind, or a config that cannot train on
            `data` (see `core.runs.check`).
    """
    check_float("min_lr", min_lr, 0.0, MAX_LR, open_low=True)
    check_float("max_lr", max_lr, 0.0, MAX_LR, open_low=True)
    if max_lr <= min_lr:
        raise invalid(
            "max_lr",
            f"a number larger than min_lr={min_lr:g}",
            max_lr,
            "The finder grows the learning rate from min_lr to max_lr; widen the range.",
        )
    if num_steps is not None:
        check_int("num_steps", num_steps, MIN_POINTS, MAX_STEPS)
    if max_samples is not None:
        check_int("max_samples", max_samples, 10)
    setups = _setups()
    if type(config) not in setups:
        names = " or a ".join(kind.__name__ for kind in setups)
        raise ValueError(
            f"Received a config of type {type(config).__name__}; the learning-rate finder takes a {names}. "
            f"Received: config={type(config).__name__}(...)"
        )
    from core import runs
    from core.training import make_batches, make_optimizer

    runs.check(config, data)
    setup = setups[type(config)](config, data, max_samples)
    training = config.training
    batch_size = min(training.batch_size, len(setup.y))
    if num_steps is None:
        num_steps = max(MIN_STEPS, math.ceil(len(setup.y) / batch_size))
    rates = learning_rates(float(min_lr), float(max_lr), num_steps)

    setup.model.compile(
        loss=setup.loss,
        optimizer=make_optimizer(dataclasses.replace(training, lr_schedule="constant")),
        steps_per_execution=1,  # the rate changes before every batch
    )
    recorder = _recorder(rates, should_stop)
    batches = make_batches(setup.x, setup.y, batch_size, shuffle=True, seed=training.seed).repeat()
    setup.model.fit(
        batches,
        epochs=1,
        steps_per_epoch=num_steps,
        callbacks=[recorder],
        shuffle=False,  # the pipeline shuffles itself
        verbose=0,
    )

    losses = recorder.losses
    used = rates[: len(losses)]
    smoothed, climb, suggestion = suggest_learning_rate(used, losses, num_steps=num_steps)
    notes = []
    if suggestion is None:
        notes.append(f"Only {len(losses)} batches ran, too few to suggest a learning rate; run the finder again.")
    elif recorder.stop_reason == "completed" and climb == float(used[-1]):
        notes.append(
            f"The loss was still falling at max_lr={max_lr:g}: the suggestion may be too low. "
            "Try a larger max_lr to see where it climbs."
        )
    elif climb == float(used[0]):
        notes.append(f"The loss never fell: min_lr={min_lr:g} may already be too large. Try a smaller min_lr.")
    return LRFinderResult(
        config=config,
        learning_rates=tuple(float(rate) for rate in used),
        losses=tuple(losses),
        smoothed_losses=tuple(float(value) for value in smoothed),
        climb_learning_rate=climb,
        suggestion=suggestion,
        min_lr=float(min_lr),
        max_lr=float(max_lr),
        num_steps=num_steps,
        num_samples=len(setup.y),
        stop_reason=recorder.stop_reason,
        notes=tuple(notes),
    )
