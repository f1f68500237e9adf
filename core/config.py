"""Configurations: what a run is, as frozen dataclasses that validate themselves.

A run is a data set choice, a model and a training recipe. Each is a frozen dataclass,
so it is hashable, comparable and safe to share; each checks its own fields when built
and raises `ValueError` in Keras's style ("Received: units=0"). `RunConfig.key()` is a
stable hash of the JSON form, and that JSON form is what the store keeps beside a
trained model.

Example:

>>> run = RunConfig(
...     data=DataConfig("fashion_mnist"),
...     model=MLPConfig(hidden_layers=((300, "relu"), (100, "relu"))),
...     training=TrainingConfig(optimizer="sgd", learning_rate=0.01, epochs=30),
... )
>>> len(run.key())
16
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from core.validation import as_tuple, check_bool, check_choice, check_float, check_int, invalid

DATASETS = ("fashion_mnist", "mnist", "digits")
# The hidden-layer activations (Keras names), the one list: the Playground and the
# activations page derive theirs from it.
ACTIVATIONS = (
    "relu",
    "tanh",
    "sigmoid",
    "elu",
    "selu",
    "swish",
    "gelu",
    "softplus",
    "leaky_relu",
    "linear",
)
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "linear", "softplus", "relu")
OPTIMIZERS = ("sgd", "adam", "rmsprop", "adamw", "nadam", "adagrad")
OPTIMIZER_TITLES = {
    "sgd": "SGD",
    "adam": "Adam",
    "rmsprop": "RMSprop",
    "adamw": "AdamW",
    "nadam": "Nadam",
    "adagrad": "Adagrad",
}
MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")  # the ones that take `momentum`; Nesterov is SGD only
# `"inverse_time"` is what the old Keras `SGD(decay=...)` did: lr / (1 + decay_rate * step).
LR_SCHEDULES = ("constant", "cosine", "inverse_time", "exponential")
DECAY_SCHEDULES = ("inverse_time", "exponential")  # the ones that take `decay_rate`
CLASS_WEIGHTS = ("balanced",)  # as scikit-learn's class_weight="balanced"

MAX_UNITS = 4096
MAX_HIDDEN_LAYERS = 20
MAX_EPOCHS = 1000
MAX_BATCH_SIZE = 65536
MAX_SEED = 2**31 - 1  # seeds are 32-bit signed integers in Keras and NumPy
# Which images validate: the last or first held-out 5,000, or none (train on them all,
# as `model.fit` without validation data does; `validation_split` then takes its share).
VALIDATION_ENDS = ("last", "first", "none")
SCALINGS = ("unit", "standard")  # pixels / 255, or StandardScaler fitted on the training set


def _compact(config) -> dict:
    """`dataclasses.asdict`, leaving out the fields named in `OMIT_AT_DEFAULT` while they
    hold their default: fields added later keep the stored form (and key) of every run
    that does not use them."""
    omit = getattr(config, "OMIT_AT_DEFAULT", ())
    return {
        item.name: _plain(getattr(config, item.name))
        for item in dataclasses.fields(config)
        if not (item.name in omit and getattr(config, item.name) == item.default)
    }


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _compact(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class DataConfig:
    """Which data set to train on, and how much of it.

    Args:
        name: one of `DATASETS`. `"digits"` is scikit-learn's 8x8 digits, shipped
            with scikit-learn, for use offline. Defaults to `"fashion_mnist"`.
        num_train: use only the first `num_train` training images (for quick
            experiments); `None` uses all of them. Defaults to `None`.
        validation: `"last"` or `"first"`: which end of the full training set is
            held out for validation, as the course does; `"none"` holds nothing out and
            trains on all of it (60,000 images for MNIST). Defaults to `"last"`.
        scaling: `"unit"` feeds pixels / 255; `"standard"` standardizes each pixel with
            scikit-learn's `StandardScaler` fitted on the training images, as the
            Fashion-MNIST notebook does (built into the model as a `Normalization`
            layer, so the model still reads pixels in [0, 1]). Defaults to `"unit"`.
        classes: `None` for every class; a tuple of two or more class indices keeps
            only those images (relabelled 0, 1, ... in that order); one index `(k,)`
            asks "class k or not?", a binary and unbalanced task (one image in ten is
            class k). Defaults to `None`.
    """

    name: str = "fashion_mnist"
    num_train: int | None = None
    validation: str = "last"
    scaling: str = "unit"
    classes: tuple[int, ...] | None = None

    OMIT_AT_DEFAULT = ("scaling", "classes")

    def __post_init__(self):
        check_choice("name", self.name, DATASETS)
        if self.num_train is not None:
            check_int("num_train", self.num_train, 10)
        check_choice("validation", self.validation, VALIDATION_ENDS)
        check_choice("scaling", self.scaling, SCALINGS)
        if self.classes is not None:
            classes = as_tuple("classes", self.classes, "a tuple of class indices")
            object.__setattr__(self, "classes", classes)
            if not classes or len(set(classes)) != len(classes):
                raise invalid(
                    "classes",
                    "one class index (that class against the rest) or two or more different ones",
                    classes,
                    "Pick the classes to keep, each once.",
                )
            for index in classes:
                check_int("classes", index, 0, 9, expected="class indices from 0 to 9")

    @property
    def binary(self) -> bool:
        """Whether the run tells two classes apart."""
        return self.classes is not None and len(self.classes) <= 2


@dataclass(frozen=True)
class MLPConfig:
    """A Sequential MLP: Input, Flatten, hidden Dense layers, output Dense layer.

    Args:
        hidden_layers: a tuple of `(units, activation)` pairs, one per hidden layer.
            Defaults to the course's `((300, "relu"), (100, "relu"))`.
        output_activation: activation of the output layer. Defaults to `"softmax"`.
    """

    hidden_layers: tuple[tuple[int, str], ...] = ((300, "relu"), (100, "relu"))
    output_activation: str = "softmax"

    def __post_init__(self):
        layers = as_tuple("hidden_layers", self.hidden_layers, "a tuple of (units, activation) pairs")
        layers = tuple(tuple(layer) if isinstance(layer, list) else layer for layer in layers)
        object.__setattr__(self, "hidden_layers", layers)
        if not layers:
            raise invalid(
                "hidden_layers",
                "at least one (units, activation) pair",
                layers,
                "An MLP needs a hidden layer; add one.",
            )
        if len(layers) > MAX_HIDDEN_LAYERS:
            raise invalid(
                "hidden_layers",
                f"at most {MAX_HIDDEN_LAYERS} layers",
                f"<{len(layers)} layers>",
                "Remove some hidden layers.",
            )
        for index, layer in enumerate(layers):
            if not (isinstance(layer, tuple) and len(layer) == 2):
                raise invalid(f"hidden_layers[{index}]", "a (units, activation) pair", layer)
            units, activation = layer
            where = f"Check hidden layer {index + 1}."
            check_int("units", units, 1, MAX_UNITS, expected=f"a positive integer up to {MAX_UNITS}", hint=where)
            check_choice("activation", activation, ACTIVATIONS, hint=where)
        check_choice("output_activation", self.output_activation, OUTPUT_ACTIVATIONS)

    def describe(self) -> str:
        """A short name such as `300-100 relu`, for tables and legends."""
        units = "-".join(str(units) for units, _ in self.hidden_layers)
        activations = sorted({activation for _, activation in self.hidden_layers})
        return f"{units} {'/'.join(activations)}"


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: optimizer, batches, epochs, validation, early stopping, seed.

    Args:
        optimizer: one of `OPTIMIZERS`. Defaults to `"adam"`.
        learning_rate: positive step size. Defaults to `1e-3`.
        momentum: momentum in [0, 1), used by `MOMENTUM_OPTIMIZERS` (`"sgd"` and
            `"rmsprop"`). Defaults to `0.0`.
        nesterov: Nesterov momentum, SGD only. Defaults to `False`.
        lr_schedule: `"constant"`; `"cosine"` to decay the learning rate to 0 over
            the epochs (`keras.optimizers.schedules.CosineDecay`): big steps first,
            fine ones at the end; `"inverse_time"`, lr / (1 + decay_rate * step), what
            the old `SGD(decay=decay_rate)` did (`InverseTimeDecay` with
            `decay_steps=1`); `"exponential"`, lr * decay_rate ** epoch, smoothly per
            step (`ExponentialDecay`). Defaults to `"constant"`.
        decay_rate: the `decay_rate` of the `"inverse_time"` (positive, per step) and
            `"exponential"` (in (0, 1), per epoch) schedules; 0 for the others.
            Defaults to `0.0`.
        batch_size: samples per gradient step. Defaults to `32`.
        epochs: the most epochs to run. Defaults to `10`.
        validation_split: `None` validates on the held-out validation set; a fraction
            in (0, 0.5] instead takes that share of the training set (its end), as
            `model.fit(validation_split=...)` does. Defaults to `None`.
        early_stopping_patience: stop after this many epochs without improvement of
            the validation loss and restore the best weights; `None` disables it.
            Defaults to `None`.
        class_weight: `None`, or `"balanced"` to weigh each class's loss by
            n_samples / (n_classes * its count), as scikit-learn's
            `class_weight="balanced"`: a rare class counts as much as a frequent one.
            Defaults to `None`.
        seed: seeds weight initialization and shuffling. Defaults to `42`.
        mixed_precision: compute hidden layers in float16 on a GPU (weights stay
            float32, the output layer too, so accuracy holds). Ignored on a CPU, where
            it does not pay. Defaults to `False`.
        parent: the store key of a run this one continues ("call fit() again"): it
            starts from that run's weights and history, and `epochs` counts all the
            epochs, the parent's included. `None` trains from scratch. Defaults to `None`.
    """

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.0
    nesterov: bool = False
    lr_schedule: str = "constant"
    decay_rate: float = 0.0
    batch_size: int = 32
    epochs: int = 10
    validation_split: float | None = None
    early_stopping_patience: int | None = None
    class_weight: str | None = None
    seed: int = 42
    mixed_precision: bool = False
    parent: str | None = None

    OMIT_AT_DEFAULT = ("decay_rate", "class_weight")

    def __post_init__(self):
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_float("learning_rate", self.learning_rate, 0.0, 10.0, open_low=True)
        check_float("momentum", self.momentum, 0.0, 0.999)
        check_bool("nesterov", self.nesterov)
        if self.nesterov and (self.optimizer != "sgd" or self.momentum == 0):
            raise invalid(
                "nesterov",
                "False unless optimizer='sgd' with momentum > 0",
                self.nesterov,
                "Nesterov momentum only applies to SGD with momentum.",
            )
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        check_float("decay_rate", self.decay_rate, 0.0, 1e6)
        if self.lr_schedule == "inverse_time" and self.decay_rate == 0:
            raise invalid(
                "decay_rate",
                "a positive number for lr_schedule='inverse_time'",
                self.decay_rate,
                "The notebook's SGD(decay=1e-6) is decay_rate=1e-6.",
            )
        if self.lr_schedule == "exponential" and not 0 < self.decay_rate < 1:
            raise invalid(
                "decay_rate",
                "a factor per epoch in (0, 1) for lr_schedule='exponential'",
                self.decay_rate,
                "Try 0.9: each epoch's learning rate is 90% of the one before.",
            )
        if self.lr_schedule not in DECAY_SCHEDULES and self.decay_rate != 0:
            raise invalid(
                "decay_rate",
                f"0 for lr_schedule={self.lr_schedule!r}",
                self.decay_rate,
                f"Choose one of {', '.join(DECAY_SCHEDULES)}, or set decay_rate=0.",
            )
        if self.class_weight is not None:
            check_choice("class_weight", self.class_weight, CLASS_WEIGHTS)
        check_int("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        check_int("epochs", self.epochs, 1, MAX_EPOCHS)
        if self.validation_split is not None:
            check_float("validation_split", self.validation_split, 0.0, 0.5, open_low=True)
        if self.early_stopping_patience is not None:
            check_int("early_stopping_patience", self.early_stopping_patience, 1, MAX_EPOCHS)
        check_int("seed", self.seed, 0, MAX_SEED)
        check_bool("mixed_precision", self.mixed_precision)
        if self.parent is not None and not (
            isinstance(self.parent, str) and self.parent.isalnum() and 8 <= len(self.parent) <= 64
        ):
            raise invalid("parent", "the store key of a run (letters and digits)", self.parent)
        # Store floats as floats so 1 and 1.0 give the same key.
        object.__setattr__(self, "learning_rate", float(self.learning_rate))
        object.__setattr__(self, "momentum", float(self.momentum))
        object.__setattr__(self, "decay_rate", float(self.decay_rate))


# The course's recipe (SGD, learning rate 0.01, batch 32, 30 epochs): slow but classic.
COURSE_TRAINING = TrainingConfig(optimizer="sgd", learning_rate=0.01, batch_size=32, epochs=30)
# What the app recommends: on Fashion-MNIST it passes 88.5% test accuracy in about 8
# epochs of large, cheap batches (see benchmarks/RESULTS.md).
RECOMMENDED_TRAINING = TrainingConfig(
    optimizer="adam",
    learning_rate=3e-3,
    lr_schedule="cosine",
    batch_size=512,
    epochs=10,
    early_stopping_patience=5,
)

# For regression on California housing's 11,610 districts, small batches win: large ones
# give too few steps per epoch and underfit. Its validation loss jumps from epoch to
# epoch (a few districts have extreme features), so early stopping needs the book's
# patience of 10; with 5 it stops at a lucky early epoch (benchmarks/regression.py).
RECOMMENDED_REGRESSION_TRAINING = TrainingConfig(
    optimizer="adam", learning_rate=1e-3, batch_size=32, epochs=30, early_stopping_patience=10
)


class Keyed:
    """A stable JSON form and a hash of it, for the frozen dataclasses that name a run."""

    def to_dict(self) -> dict:
        return _compact(self)

    def to_json(self) -> str:
        """The stable JSON form: sorted keys, no whitespace, tuples as lists."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def key(self) -> str:
        """A 16-hex-digit hash of the JSON form."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RunConfig(Keyed):
    """One run: data, model and training. Its `key()` names it in the store."""

    data: DataConfig = field(default_factory=DataConfig)
    model: MLPConfig = field(default_factory=MLPConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    kind: str = "classification"

    def __post_init__(self):
        training = self.training
        if self.data.validation == "none" and training.validation_split is None:
            if training.early_stopping_patience is not None:
                raise invalid(
                    "early_stopping_patience",
                    "None when nothing is held out for validation (validation='none')",
                    training.early_stopping_patience,
                    "Early stopping watches the validation loss: hold out images or set a validation_split.",
                )
        if self.data.binary and self.model.output_activation not in ("sigmoid", "softmax"):
            raise invalid(
                "output_activation",
                "'sigmoid' (one unit, binary cross-entropy) or 'softmax' for two classes",
                self.model.output_activation,
            )

    @classmethod
    def from_dict(cls, data: dict) -> RunConfig:
        model = dict(data["model"])
        model["hidden_layers"] = tuple(tuple(layer) for layer in model["hidden_layers"])
        data_config = dict(data["data"])
        if data_config.get("classes") is not None:
            data_config["classes"] = tuple(data_config["classes"])
        return cls(
            data=DataConfig(**data_config),
            model=MLPConfig(**model),
            training=TrainingConfig(**data["training"]),
            kind=data.get("kind", "classification"),
        )

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        return cls.from_dict(json.loads(text))
