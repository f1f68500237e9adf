"""The Playground experiment as one frozen dataclass, and its URL form.

`PlaygroundConfig` holds every knob of the page (data, features, network, training
recipe) and checks itself when built, raising `ValueError` in Keras's style. Its
query-parameter form (`to_query_params` / `from_query_params`) is what makes a copied
link reopen the same experiment; a bad parameter in a link is reported and replaced by
its default, never a crash.

Example:

>>> config = PlaygroundConfig(dataset="xor", hidden_layers=(8, 8))
>>> PlaygroundConfig.from_query_params(config.to_query_params())[0] == config
True
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.config import _invalid
from core.playground.data import CLASSIFICATION_DATASETS, REGRESSION_DATASETS, UPLOAD
from core.playground.features import FEATURES

PROBLEMS = ("classification", "regression")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "elu", "selu", "gelu", "swish", "softplus", "leaky_relu")
REGULARIZATIONS = ("none", "l1", "l2")
OPTIMIZERS = ("sgd", "momentum", "adam")  # "momentum" is SGD with momentum 0.9
LOSSES = ("cross_entropy", "squared_error")
# Playground's menus, kept as the page's choices; the config accepts any value in range.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 8
MAX_BATCH_SIZE = 500
MOMENTUM = 0.9


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


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

    def __post_init__(self):
        if self.problem not in PROBLEMS:
            raise _invalid("problem", f"one of {', '.join(PROBLEMS)}", self.problem)
        allowed = CLASSIFICATION_DATASETS if self.problem == "classification" else REGRESSION_DATASETS
        if self.dataset not in allowed + (UPLOAD,):
            raise _invalid(
                "dataset", f"one of {', '.join(allowed + (UPLOAD,))} for {self.problem}", self.dataset
            )
        if not (_is_int(self.noise) and 0 <= self.noise <= 50):
            raise _invalid("noise", "an integer in [0, 50] (percent)", self.noise)
        if not (_is_int(self.train_ratio) and 10 <= self.train_ratio <= 90):
            raise _invalid("train_ratio", "an integer in [10, 90] (percent)", self.train_ratio)
        if not (_is_int(self.seed) and 0 <= self.seed < 2**31):
            raise _invalid("seed", "an integer in [0, 2**31)", self.seed)
        features = tuple(self.features) if isinstance(self.features, (list, tuple)) else self.features
        if not isinstance(features, tuple) or not features or any(f not in FEATURES for f in features):
            raise _invalid(
                "features", f"a non-empty tuple of names from {', '.join(FEATURES)}", self.features
            )
        # Keep the canonical order, so the same set of features is the same config.
        object.__setattr__(self, "features", tuple(f for f in FEATURES if f in features))
        layers = tuple(self.hidden_layers) if isinstance(self.hidden_layers, (list, tuple)) else None
        if layers is None or len(layers) > MAX_HIDDEN_LAYERS:
            raise _invalid("hidden_layers", f"a tuple of at most {MAX_HIDDEN_LAYERS} unit counts", self.hidden_layers)
        for units in layers:
            if not (_is_int(units) and 1 <= units <= MAX_UNITS):
                raise _invalid("units", f"an integer in [1, {MAX_UNITS}]", units, "Check the hidden layers.")
        object.__setattr__(self, "hidden_layers", layers)
        if self.activation not in ACTIVATIONS:
            raise _invalid("activation", f"one of {', '.join(ACTIVATIONS)}", self.activation)
        if self.regularization not in REGULARIZATIONS:
            raise _invalid("regularization", f"one of {', '.join(REGULARIZATIONS)}", self.regularization)
        if not (_is_number(self.regularization_rate) and 0 <= self.regularization_rate <= 10):
            raise _invalid("regularization_rate", "a number in [0, 10]", self.regularization_rate)
        if not (_is_number(self.learning_rate) and 0 < self.learning_rate <= 10):
            raise _invalid("learning_rate", "a number in (0, 10]", self.learning_rate)
        if not (_is_int(self.batch_size) and 1 <= self.batch_size <= MAX_BATCH_SIZE):
            raise _invalid("batch_size", f"an integer in [1, {MAX_BATCH_SIZE}]", self.batch_size)
        if self.optimizer not in OPTIMIZERS:
            raise _invalid("optimizer", f"one of {', '.join(OPTIMIZERS)}", self.optimizer)
        if self.loss not in LOSSES:
            raise _invalid("loss", f"one of {', '.join(LOSSES)}", self.loss)
        # Floats as floats, so 1 and 1.0 make equal configs.
        object.__setattr__(self, "learning_rate", float(self.learning_rate))
        object.__setattr__(self, "regularization_rate", float(self.regularization_rate))

    @property
    def effective_loss(self) -> str:
        """The loss actually used: regression is always squared error."""
        return self.loss if self.problem == "classification" else "squared_error"

    def replace(self, **changes) -> PlaygroundConfig:
        """A copy with some fields changed (validated like any new config)."""
        return dataclasses.replace(self, **changes)

    def to_query_params(self) -> dict[str, str]:
        """The config as flat strings for `st.query_params`; tuples become comma lists."""
        params = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, tuple):
                value = ",".join(str(v) for v in value)
            elif isinstance(value, float):
                value = repr(value)
            params[item.name] = str(value)
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, str]) -> tuple[PlaygroundConfig, list[str]]:
        """Reads a config back from query parameters, forgiving bad ones.

        Unknown parameters are ignored. A parameter that does not parse or does not
        validate falls back to its default, with a warning; if the fields then do not
        fit together (a regression data set with a classification problem, say), the
        whole config falls back to the defaults.

        Args:
            params: a mapping of strings, such as `st.query_params`.

        Returns:
            `(config, warnings)`: the config and one message per problem found.
        """
        warnings: list[str] = []
        defaults = cls()
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            if item.name not in params:
                continue
            text = str(params[item.name])
            if item.name in ("problem", "dataset"):
                values[item.name] = text  # they only validate together, below
                continue
            try:
                value = _parse(text, getattr(defaults, item.name))
                dataclasses.replace(defaults, **{item.name: value})  # validates this field alone
            except (ValueError, TypeError) as error:
                warnings.append(f"Ignored `{item.name}={text}` from the link: {error}")
                continue
            values[item.name] = value
        try:
            return cls(**values), warnings
        except ValueError as error:
            warnings.append(f"Ignored the link's data set choice: {error}")
        values.pop("problem", None)
        values.pop("dataset", None)
        return cls(**values), warnings


def _parse(text: str, default: Any) -> Any:
    """Parses `text` to the type of `default` (str, int, float or a tuple of them)."""
    if isinstance(default, tuple):
        items = [part.strip() for part in text.split(",") if part.strip()]
        if default and isinstance(default[0], int):
            return tuple(int(item) for item in items)
        return tuple(items)
    if isinstance(default, bool):
        raise TypeError("no boolean fields")
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        return float(text)
    return text
