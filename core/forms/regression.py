"""The forms of the Regression MLP and Wide & deep pages (California housing).

Both pages train on the data set the page loaded (California housing, or scikit-learn's
diabetes offline), so the data set is not a field: `run_config` takes it.

Example:

>>> form = RegressionForm(units=(16,), loss="huber", epochs=2)
>>> run = run_config(form)
>>> run.model.loss, run.model.mlp.hidden_layers
('huber', ((16, 'relu'),))
>>> from_run(run) == form
True
>>> wide = WideDeepForm(variant="aux_output", main_weight=0.8)
>>> wide_deep_run(wide).model.loss_weights
(0.8, 0.2)
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import ACTIVATIONS, MLPConfig
from core.forms import choice, choices
from core.forms.classification import padded
from core.forms.training import TrainingForm, training_config, training_fields
from core.regression.sequential import (
    FAST_REGRESSION_TRAINING,
    LOSSES,
    REGRESSION_OUTPUT_ACTIVATIONS,
    RegressionConfig,
    RegressionRun,
)
from core.regression.wide_deep import APIS, DEFAULT_DEEP, DEFAULT_WIDE, VARIANTS, WideDeepConfig, WideDeepRun
from core.validation import check_float

SUBSETS = (0, 5000, 2000, 1000)  # training samples; 0: all of them (1000 still fits a batch of 512)
DATASET = "california_housing"
# What the pages start from: the first of their presets.
FAST_TRAINING_FIELDS = training_fields(FAST_REGRESSION_TRAINING)


@dataclass(frozen=True)
class RegressionForm(TrainingForm):
    """What the Regression MLP page's controls are set to."""

    units: tuple[int, ...] = (50, 50, 50)
    activations: tuple[str, ...] = choices(("relu",) * 3, ACTIVATIONS)
    normalize: bool = True
    output_activation: str = choice("linear", REGRESSION_OUTPUT_ACTIVATIONS)
    loss: str = choice("mse", LOSSES)
    huber_delta: float = 1.0
    num_train: int = 0  # the first samples only; 0: all of them
    baseline: bool = True  # compare with scikit-learn's MLPRegressor

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "activations", padded(self.activations, len(self.units)))


@dataclass(frozen=True)
class WideDeepForm(TrainingForm):
    """What the Wide & deep page's controls are set to."""

    variant: str = choice("one_input", VARIANTS)
    wide_features: tuple[int, ...] = DEFAULT_WIDE
    deep_features: tuple[int, ...] = DEFAULT_DEEP
    units: int = 30
    activation: str = choice("relu", ACTIVATIONS)
    main_weight: float = 0.9  # the auxiliary output's is 1 - this
    api: str = choice("functional", APIS)
    num_train: int = 0


REGRESSION_DEFAULT = RegressionForm(**FAST_TRAINING_FIELDS)
WIDE_DEEP_DEFAULT = WideDeepForm(**FAST_TRAINING_FIELDS)


def _num_train(form, available: int | None) -> int | None:
    if available is not None and form.num_train >= available:
        return None
    return form.num_train or None


def run_config(form: RegressionForm, dataset: str = DATASET, available: int | None = None) -> RegressionRun:
    """The run the Regression page's form describes. Raises `ValueError` (Keras's
    style) for a value out of range."""
    model = RegressionConfig(
        MLPConfig(tuple(zip(form.units, form.activations)), form.output_activation),
        form.normalize,
        form.loss,
        form.huber_delta,
    )
    return RegressionRun(dataset, _num_train(form, available), model, training_config(form))


def from_run(run: RegressionRun) -> RegressionForm:
    """The form that describes a stored regression run (the inverse of `run_config`)."""
    mlp = run.model.mlp
    return RegressionForm(
        **training_fields(run.training),
        units=tuple(units for units, _ in mlp.hidden_layers),
        activations=tuple(activation for _, activation in mlp.hidden_layers),
        normalize=run.model.normalize,
        output_activation=mlp.output_activation,
        loss=run.model.loss,
        huber_delta=run.model.huber_delta,
        num_train=run.num_train or 0,
    )


def wide_deep_run(form: WideDeepForm, dataset: str = DATASET, available: int | None = None) -> WideDeepRun:
    """The run the Wide & deep page's form describes. Raises `ValueError`."""
    check_float("main_weight", form.main_weight, 0.05, 1.0)
    weights = (form.main_weight, round(1.0 - form.main_weight, 2))
    api = form.api if form.variant == "aux_output" else "functional"  # the subclassed model is variant 3's
    model = WideDeepConfig(
        form.variant, form.wide_features, form.deep_features, form.units, form.activation, weights, api
    )
    return WideDeepRun(dataset, _num_train(form, available), model, training_config(form))


def wide_deep_from_run(run: WideDeepRun) -> WideDeepForm:
    """The form that describes a stored wide & deep run."""
    model = run.model
    return WideDeepForm(
        **training_fields(run.training),
        variant=model.variant,
        wide_features=model.wide_features or DEFAULT_WIDE,
        deep_features=model.deep_features or DEFAULT_DEEP,
        units=model.units,
        activation=model.activation,
        main_weight=model.loss_weights[0] if model.variant == "aux_output" else 0.9,
        api=model.api,
        num_train=run.num_train or 0,
    )
