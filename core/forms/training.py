"""The training form every model page shares: optimizer, schedule, batches, epochs.

`TrainingForm` holds what the controls show; `training_config` turns it into the
`TrainingConfig` a run trains with, dropping what the chosen optimizer or schedule
does not use (momentum for Adam, a decay rate for a constant schedule), and
`training_fields` does the reverse, so a stored run's recipe fills the form again.

Example:

>>> form = TrainingForm(optimizer="adam", momentum=0.9, epochs=3)
>>> training_config(form).momentum  # Adam takes no momentum
0.0
>>> TrainingForm(**training_fields(training_config(form))).epochs
3
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.config import (
    COURSE_TRAINING,
    DECAY_SCHEDULES,
    LR_SCHEDULES,
    MOMENTUM_OPTIMIZERS,
    OPTIMIZERS,
    RECOMMENDED_TRAINING,
    TrainingConfig,
)
from core.forms import Form, choice

DEFAULT_PATIENCE = 5

# The Fashion-MNIST notebook's `SGD(learning_rate=0.01, decay=1e-6, momentum=0.9,
# nesterov=True)`, batch 16, 10 epochs (its StandardScaler and validation_split=0.1
# are data choices, on the page).
NOTEBOOK_TRAINING = TrainingConfig(
    optimizer="sgd",
    learning_rate=0.01,
    momentum=0.9,
    nesterov=True,
    lr_schedule="inverse_time",
    decay_rate=1e-6,
    batch_size=16,
    epochs=10,
)
PRESETS: dict[str, TrainingConfig] = {
    "Recommended: Adam with cosine decay, fast": RECOMMENDED_TRAINING,
    "The course's recipe: SGD 0.01, batch 32": COURSE_TRAINING,
    "The notebook's: SGD with Nesterov and decay, batch 16": NOTEBOOK_TRAINING,
}


@dataclass(frozen=True)
class TrainingForm(Form):
    """The training controls; the defaults are `RECOMMENDED_TRAINING`'s."""

    optimizer: str = choice("adam", OPTIMIZERS)
    learning_rate: float = 3e-3
    lr_schedule: str = choice("cosine", LR_SCHEDULES)
    decay_rate: float = 0.0
    momentum: float = 0.0
    nesterov: bool = False
    batch_size: int = 512
    epochs: int = 10
    early_stopping: bool = True
    patience: int = DEFAULT_PATIENCE
    seed: int = 42
    mixed_precision: bool = False


TRAINING_FIELDS = tuple(item.name for item in dataclasses.fields(TrainingForm))


def training_config(form: TrainingForm, **extra) -> TrainingConfig:
    """The `TrainingConfig` the form describes; `extra` sets the fields that other
    controls of the page decide (`validation_split`, `class_weight`).

    Raises:
        ValueError: a value out of range, in Keras's style ("Received: batch_size=0").
    """
    momentum = form.momentum if form.optimizer in MOMENTUM_OPTIMIZERS else 0.0
    return TrainingConfig(
        optimizer=form.optimizer,
        learning_rate=form.learning_rate,
        momentum=momentum,
        nesterov=form.nesterov and form.optimizer == "sgd" and momentum > 0,
        lr_schedule=form.lr_schedule,
        decay_rate=form.decay_rate if form.lr_schedule in DECAY_SCHEDULES else 0.0,
        batch_size=form.batch_size,
        epochs=form.epochs,
        early_stopping_patience=form.patience if form.early_stopping else None,
        seed=form.seed,
        mixed_precision=form.mixed_precision,
        **extra,
    )


def training_fields(config: TrainingConfig) -> dict:
    """The training form's fields for a run's `TrainingConfig` (the inverse of
    `training_config`), e.g. to fill a page's form from a stored run or a preset."""
    return {
        "optimizer": config.optimizer,
        "learning_rate": config.learning_rate,
        "lr_schedule": config.lr_schedule,
        "decay_rate": config.decay_rate,
        "momentum": config.momentum,
        "nesterov": config.nesterov,
        "batch_size": config.batch_size,
        "epochs": config.epochs,
        "early_stopping": config.early_stopping_patience is not None,
        "patience": config.early_stopping_patience or DEFAULT_PATIENCE,
        "seed": config.seed,
        "mixed_precision": config.mixed_precision,
    }


def matching_preset(form: TrainingForm, presets: dict[str, TrainingConfig]) -> str | None:
    """The label of the preset the form's training fields are, or `None`."""
    for label, preset in presets.items():
        fields = training_fields(preset)
        if not fields["early_stopping"]:
            fields.pop("patience")  # a hidden patience does not make it another recipe
        fields.pop("seed"), fields.pop("mixed_precision")
        if all(getattr(form, name) == value for name, value in fields.items()):
            return label
    return None
