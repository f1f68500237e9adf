"""The Playground experiment as one frozen dataclass.

`PlaygroundConfig` holds every knob of the experiment (data, features, network,
training recipe) and checks itself when built, raising `ValueError` in Keras's style.
It is what the trainer takes; the page's form (`core.forms.playground`) builds it, and
carries the same fields in the URL.

Example:

>>> PlaygroundConfig(dataset="xor", hidden_layers=(8, 8)).dropout_rates
(0.0, 0.0)
>>> PlaygroundConfig(hidden_layers=(9,))
Traceback (most recent call last):
...
ValueError: Received an invalid value for `units`, expected an integer between 1 and 8. Received: units=9. Check the hidden layers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.config import ACTIVATIONS as MODEL_ACTIVATIONS
from core.config import MAX_SEED
from core.playground.data import CLASSIFICATION_DATASETS, REGRESSION_DATASETS, UPLOAD
from core.playground.features import FEATURES
from core.validation import as_tuple, check_choice, check_float, check_int, invalid

PROBLEMS = ("classification", "regression")
# The same activations as the model pages, with TensorFlow Playground's four first, in
# its menu order, so the page opens on the choices the original offers.
_PLAYGROUND_MENU = ("tanh", "relu", "sigmoid", "linear")
# Then what Playground's users ask for: a periodic sine (a one-line `keras.ops.sin`),
# mish, and the step-like hard sigmoid.
EXTRA_ACTIVATIONS = ("sine", "mish", "hard_sigmoid")
ACTIVATIONS = (
    _PLAYGROUND_MENU + tuple(name for name in MODEL_ACTIVATIONS if name not in _PLAYGROUND_MENU) + EXTRA_ACTIVATIONS
)
REGULARIZATIONS = ("none", "l1", "l2")
# Not core.config.OPTIMIZERS: the Playground's menu, where "momentum" is SGD with momentum 0.9.
OPTIMIZERS = ("sgd", "momentum", "adam")
# The Playground's names for its two losses (the regression page has its own LOSSES).
LOSSES = ("cross_entropy", "squared_error")
# Playground's menus, kept as the page's choices; the config accepts any value in range.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
# The Playground's own, smaller limits (its networks are drawn neuron by neuron).
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 8
MAX_BATCH_SIZE = 500
MOMENTUM = 0.9
MAX_DROPOUT = 0.9
# The fields a running model takes on as it is (as Playground does): changing them
# keeps the weights, the optimizer's state where it can, and the epoch count. Any
# other field (data, features, layers, activation, dropout) starts a new run.
TRAINING_FIELDS = ("learning_rate", "regularization", "regularization_rate", "batch_size", "optimizer", "loss")


@dataclass(frozen=True)
class PlaygroundConfig:
    """One Playground experiment.

    Args:
        problem: `"classification"` or `"regression"`. Defaults to `"classification"`.
        dataset: a data set of that problem type (see `core.playground.data`), or
            `"upload"` for the user's CSV points. Defaults to `"circle"`.
        noise: label noise in percent, an integer in [0, 50]. Defaults to `0`.
        train_ratio: share of the points used for training, in percent, [10, 90].
            Defaults to `50`.
        seed: seeds the data and the initial weights; "Regenerate" picks a new one.
            Defaults to `0`.
        features: the input features switched on, names from `FEATURES`.
            Defaults to `("x1", "x2")`.
        hidden_layers: units per hidden layer, 0 to 6 layers of 1 to 8 units.
            Defaults to `(4, 2)`.
        activation: activation of every hidden layer. Defaults to `"tanh"`.
        regularization: `"none"`, `"l1"` or `"l2"`, on every kernel. Defaults to `"none"`.
        regularization_rate: the regularization factor, in [0, 10]. Defaults to `0.0`.
        learning_rate: in (0, 10]. Defaults to `0.03`.
        batch_size: in [1, 500]. Defaults to `10`.
        optimizer: `"sgd"`, `"momentum"` (SGD, momentum 0.9) or `"adam"`.
            Defaults to `"sgd"`.
        loss: `"cross_entropy"` or `"squared_error"` for classification; regression
            always uses squared error. Defaults to `"cross_entropy"`.
        dropout: the dropout rate after each hidden layer, in [0, 0.9], one per layer;
            empty means none anywhere. Defaults to `()`.
    """

    problem: str = "classification"
    dataset: str = "circle"
    noise: int = 0
    train_ratio: int = 50
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    hidden_layers: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    regularization: str = "none"
    regularization_rate: float = 0.0
    learning_rate: float = 0.03
    batch_size: int = 10
    optimizer: str = "sgd"
    loss: str = "cross_entropy"
    dropout: tuple[float, ...] = ()

    def __post_init__(self):
        check_choice("problem", self.problem, PROBLEMS)
        allowed = CLASSIFICATION_DATASETS if self.problem == "classification" else REGRESSION_DATASETS
        if self.dataset not in allowed + (UPLOAD,):
            raise invalid("dataset", f"one of {', '.join(allowed + (UPLOAD,))} for {self.problem}", self.dataset)
        check_int("noise", self.noise, 0, 50, expected="an integer in [0, 50] (percent)")
        check_int("train_ratio", self.train_ratio, 10, 90, expected="an integer in [10, 90] (percent)")
        check_int("seed", self.seed, 0, MAX_SEED)
        expected = f"a non-empty tuple of names from {', '.join(FEATURES)}"
        features = as_tuple("features", self.features, expected)
        if not features or any(f not in FEATURES for f in features):
            raise invalid("features", expected, self.features)
        # Keep the canonical order, so the same set of features is the same config.
        object.__setattr__(self, "features", tuple(f for f in FEATURES if f in features))
        expected = f"a tuple of at most {MAX_HIDDEN_LAYERS} unit counts"
        layers = as_tuple("hidden_layers", self.hidden_layers, expected)
        if len(layers) > MAX_HIDDEN_LAYERS:
            raise invalid("hidden_layers", expected, self.hidden_layers)
        for units in layers:
            check_int("units", units, 1, MAX_UNITS, hint="Check the hidden layers.")
        object.__setattr__(self, "hidden_layers", layers)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("regularization", self.regularization, REGULARIZATIONS)
        check_float("regularization_rate", self.regularization_rate, 0, 10)
        check_float("learning_rate", self.learning_rate, 0, 10, open_low=True)
        check_int("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("loss", self.loss, LOSSES)
        expected = f"one rate in [0, {MAX_DROPOUT}] per hidden layer ({len(layers)}), or none"
        dropout = as_tuple("dropout", self.dropout, expected)
        if dropout and len(dropout) != len(layers):
            raise invalid("dropout", expected, self.dropout, "Give one rate per hidden layer.")
        for rate in dropout:
            check_float("dropout", rate, 0, MAX_DROPOUT)
        # No dropout anywhere is the same config whichever way it is written.
        dropout = tuple(float(rate) for rate in dropout)
        object.__setattr__(self, "dropout", dropout if any(dropout) else ())
        # Floats as floats, so 1 and 1.0 make equal configs.
        object.__setattr__(self, "learning_rate", float(self.learning_rate))
        object.__setattr__(self, "regularization_rate", float(self.regularization_rate))

    @property
    def effective_loss(self) -> str:
        """The loss actually used: regression is always squared error."""
        return self.loss if self.problem == "classification" else "squared_error"

    @property
    def dropout_rates(self) -> tuple[float, ...]:
        """One dropout rate per hidden layer (zeros when `dropout` is empty)."""
        return self.dropout or (0.0,) * len(self.hidden_layers)

    def same_structure(self, other: PlaygroundConfig) -> bool:
        """Whether `other` differs at most in `TRAINING_FIELDS`, so a running model can
        take it on without starting again."""
        keep = {name: getattr(self, name) for name in TRAINING_FIELDS}
        return other.replace(**keep) == self

    def replace(self, **changes) -> PlaygroundConfig:
        """A copy with some fields changed (validated like any new config)."""
        return dataclasses.replace(self, **changes)
