"""The Classification page's form: data choices, architecture and training.

Example:

>>> form = ClassificationForm(dataset="digits", units=(32,), epochs=2)
>>> config = run_config(form)
>>> config.model.hidden_layers, config.training.epochs
(((32, 'relu'),), 2)
>>> from_run(config) == form
True
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import ACTIVATIONS, DATASETS, SCALINGS, DataConfig, MLPConfig, RunConfig
from core.forms import choice, choices
from core.forms.training import TrainingForm, training_config, training_fields

SUBSETS = (0, 20000, 10000, 5000, 1000, 500)  # training images; 0: all of them
VALIDATIONS = ("last", "first", "split", "none")  # "split": `validation_split` of the training images
CLASS_OUTPUTS = ("softmax", "sigmoid")
DEFAULT_SPLIT = 0.1


def padded(names: tuple[str, ...], count: int, fill: str = "relu") -> tuple[str, ...]:
    """`names` cut or extended (with its last item, else `fill`) to `count` items: one
    activation per hidden layer, whatever the number of layers."""
    names = tuple(names)[:count]
    return names + (names[-1] if names else fill,) * (count - len(names))


@dataclass(frozen=True)
class ClassificationForm(TrainingForm):
    """What the Classification page's controls are set to."""

    dataset: str = choice("fashion_mnist", DATASETS)
    validation: str = choice("last", VALIDATIONS)
    validation_split: float = DEFAULT_SPLIT
    scaling: str = choice("unit", SCALINGS)
    classes: tuple[int, ...] = choices((), range(10))
    num_train: int = 0  # the first images only (SUBSETS offers some); 0: all of them
    class_weight: bool = False
    units: tuple[int, ...] = (300, 100)
    activations: tuple[str, ...] = choices(("relu", "relu"), ACTIVATIONS)
    output_activation: str = choice("softmax", CLASS_OUTPUTS)

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "activations", padded(self.activations, len(self.units)))


def data_config(form: ClassificationForm, available: int | None = None) -> DataConfig:
    """The data choices as a `DataConfig`; `available` (the training images the choice
    leaves) caps the subset, so "first 20,000" of a smaller set is all of it."""
    num_train = form.num_train
    if available is not None and num_train >= available:
        num_train = 0
    return DataConfig(
        form.dataset,
        num_train=num_train or None,
        validation="none" if form.validation in ("split", "none") else form.validation,
        scaling=form.scaling,
        classes=form.classes or None,
    )


def run_config(form: ClassificationForm, available: int | None = None) -> RunConfig:
    """The run the form describes. Raises `ValueError` (Keras's style) when a value is
    out of range or two choices do not go together."""
    return RunConfig(
        data=data_config(form, available),
        model=MLPConfig(tuple(zip(form.units, form.activations)), form.output_activation),
        training=training_config(
            form,
            validation_split=form.validation_split if form.validation == "split" else None,
            class_weight="balanced" if form.class_weight else None,
        ),
    )


def from_run(config: RunConfig) -> ClassificationForm:
    """The form that describes a stored run (the inverse of `run_config`)."""
    split = config.training.validation_split
    data = config.data
    return ClassificationForm(
        **training_fields(config.training),
        dataset=data.name,
        validation="split" if split is not None else data.validation,
        validation_split=split if split is not None else DEFAULT_SPLIT,
        scaling=data.scaling,
        classes=data.classes or (),
        num_train=data.num_train or 0,
        class_weight=config.training.class_weight == "balanced",
        units=tuple(units for units, _ in config.model.hidden_layers),
        activations=tuple(activation for _, activation in config.model.hidden_layers),
        output_activation=config.model.output_activation
        if config.model.output_activation in CLASS_OUTPUTS
        else "softmax",
    )
