"""The Playground page's form: the experiment's fields and the view's settings.

The experiment's fields carry `PlaygroundConfig`'s names, so every Playground link
ever copied still opens the same experiment; the view's three settings (epochs per
update, test points shown, output discretized) sit beside them. `to_config` gives
the validated experiment the trainer takes, `from_config` the form that shows one.

Example:

>>> form = PlaygroundForm(dataset="xor", hidden_layers=(3,), discretize=True)
>>> to_config(form).hidden_layers
(3,)
>>> from_config(to_config(form), discretize=True) == form
True
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.forms import Form, choice, choices
from core.playground.config import (
    ACTIVATIONS,
    LOSSES,
    OPTIMIZERS,
    PROBLEMS,
    REGULARIZATIONS,
    PlaygroundConfig,
)
from core.playground.data import CLASSIFICATION_DATASETS, REGRESSION_DATASETS, UPLOAD
from core.playground.features import FEATURES

EPOCHS_PER_UPDATE = (1, 2, 5, 10, 25)
DATASETS = CLASSIFICATION_DATASETS + REGRESSION_DATASETS + (UPLOAD,)
VIEW_FIELDS = ("epochs_per_update", "show_test_data", "discretize")
_DEFAULT = PlaygroundConfig()


@dataclass(frozen=True)
class PlaygroundForm(Form):
    """What the Playground's controls are set to; the experiment's fields are
    `PlaygroundConfig`'s (see there), with its defaults.

    Features keep `FEATURES`' order, and `dropout` has one rate per hidden layer (a
    layer added gets none, a layer removed takes its rate along) or is empty when no
    layer has any, as in the config: so a form and its config always describe the
    same network.
    """

    problem: str = choice(_DEFAULT.problem, PROBLEMS)
    dataset: str = choice(_DEFAULT.dataset, DATASETS)
    noise: int = _DEFAULT.noise
    train_ratio: int = _DEFAULT.train_ratio
    seed: int = _DEFAULT.seed
    features: tuple[str, ...] = choices(_DEFAULT.features, FEATURES)
    hidden_layers: tuple[int, ...] = _DEFAULT.hidden_layers
    activation: str = choice(_DEFAULT.activation, ACTIVATIONS)
    regularization: str = choice(_DEFAULT.regularization, REGULARIZATIONS)
    regularization_rate: float = _DEFAULT.regularization_rate
    learning_rate: float = _DEFAULT.learning_rate
    batch_size: int = _DEFAULT.batch_size
    optimizer: str = choice(_DEFAULT.optimizer, OPTIMIZERS)
    loss: str = choice(_DEFAULT.loss, LOSSES)
    dropout: tuple[float, ...] = _DEFAULT.dropout
    epochs_per_update: int = choice(5, EPOCHS_PER_UPDATE)
    show_test_data: bool = True
    discretize: bool = False

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "features", tuple(name for name in FEATURES if name in self.features))
        count = len(self.hidden_layers)
        rates = (self.dropout + (0.0,) * count)[:count]
        object.__setattr__(self, "dropout", rates if any(rates) else ())


CONFIG_FIELDS = tuple(item.name for item in dataclasses.fields(PlaygroundConfig))


def to_config(form: PlaygroundForm) -> PlaygroundConfig:
    """The experiment the form describes. Raises `ValueError` (Keras's style) for a
    value out of range or a data set of another problem type."""
    return PlaygroundConfig(**{name: getattr(form, name) for name in CONFIG_FIELDS})


def from_config(config: PlaygroundConfig, **view) -> PlaygroundForm:
    """The form that shows `config`; `view` sets the view's fields (`VIEW_FIELDS`)."""
    return PlaygroundForm(**{name: getattr(config, name) for name in CONFIG_FIELDS}, **view)
