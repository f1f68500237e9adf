"""Page forms: their text form in the URL, and what a bad link value does."""

import dataclasses

import pytest

from core import forms
from core.forms import Form, choice, choices
from core.forms.classification import ClassificationForm, from_run, run_config
from core.forms.regression import (
    WIDE_DEEP_DEFAULT,
    RegressionForm,
    WideDeepForm,
    wide_deep_from_run,
    wide_deep_run,
)
from core.forms.regression import from_run as regression_from_run
from core.forms.regression import run_config as regression_run
from core.forms.training import PRESETS, TrainingForm, matching_preset, training_fields


@dataclasses.dataclass(frozen=True)
class Demo(Form):
    units: tuple[int, ...] = (300, 100)
    names: tuple[str, ...] = choices(("relu",), ("relu", "tanh"))
    optimizer: str = choice("adam", ("adam", "sgd"))
    rate: float = 0.001
    flag: bool = False
    count: int = 3


def test_every_kind_of_field_goes_through_the_url_and_back():
    form = Demo(units=(7, 8, 9), names=("tanh", "relu"), optimizer="sgd", rate=3e-5, flag=True, count=-2)
    again, warnings = forms.from_params(Demo, forms.to_params(form))
    assert again == form and warnings == []


def test_a_form_refuses_a_value_of_the_wrong_kind_or_choice():
    with pytest.raises(ValueError, match="Received: optimizer='rmsprop'"):
        Demo(optimizer="rmsprop")
    with pytest.raises(ValueError, match="expected a whole number"):
        Demo(count=1.5)
    with pytest.raises(ValueError, match="expected true or false"):
        Demo(flag="yes")
    with pytest.raises(ValueError, match="Received: rate=nan"):
        Demo(rate=float("nan"))
    assert Demo(count=4.0).count == 4 and isinstance(Demo(rate=1).rate, float)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("count", "three", "expected a whole number"),
        ("rate", "inf", "expected a number"),
        ("flag", "maybe", "expected true or false"),
        ("optimizer", "rmsprop", "expected one of adam, sgd"),
        ("names", "relu,swish", "expected items from relu, tanh"),
        ("units", "1,x", "expected a whole number"),
    ],
)
def test_a_bad_value_falls_back_for_its_field_only_with_one_warning(name, text, expected):
    params = {"count": "5", "rate": "0.5", name: text}
    form, warnings = forms.from_params(Demo, params)
    assert getattr(form, name) == getattr(Demo(), name)
    assert (form.count, form.rate) == (5 if name != "count" else 3, 0.5 if name != "rate" else 0.001)
    assert len(warnings) == 1 and f"`{name}={text}`" in warnings[0] and expected in warnings[0]


def test_a_hostile_value_is_echoed_cut_to_80_characters():
    text = "<script>" + "x" * 2000 + "\x00"
    form, [warning] = forms.from_params(Demo, {"optimizer": text, "whatever": "ignored"})
    assert form == Demo()
    echoed = warning.split("`")[1]
    assert len(echoed) <= len("optimizer=") + forms.MAX_ECHO and echoed.endswith("…")


def test_a_value_the_page_cannot_use_falls_back_with_the_reason_but_not_the_value():
    form, warnings = forms.from_params(
        ClassificationForm, {"units": "0", "epochs": "12", "batch_size": "-1"}, check=run_config
    )
    assert (form.units, form.epochs, form.batch_size) == ((300, 100), 12, 512)
    assert len(warnings) == 2
    units = next(warning for warning in warnings if "`units=0`" in warning)
    assert "expected a positive integer up to 4096" in units and "Using (300, 100)" in units
    assert "Received:" not in units


def test_fields_that_only_go_together_are_read_in_order():
    # Each field is checked with the ones read before it: Nesterov needs SGD with momentum.
    params = {"optimizer": "sgd", "momentum": "0.9", "nesterov": "true"}
    form, warnings = forms.from_params(ClassificationForm, params, check=run_config)
    assert (form.optimizer, form.momentum, form.nesterov, warnings) == ("sgd", 0.9, True, [])


def test_one_activation_per_layer_whatever_the_link_says():
    form, warnings = forms.from_params(ClassificationForm, {"units": "64,64,64", "activations": "tanh"})
    assert form.activations == ("tanh", "tanh", "tanh") and warnings == []


@pytest.mark.parametrize(
    "form",
    [
        ClassificationForm(),
        ClassificationForm(dataset="mnist", validation="split", validation_split=0.2, classes=(3,)),
        ClassificationForm(dataset="digits", validation="none", early_stopping=False, num_train=500),
        ClassificationForm(optimizer="sgd", momentum=0.9, nesterov=True, lr_schedule="inverse_time", decay_rate=1e-6),
        ClassificationForm(units=(8, 16, 32), activations=("tanh", "elu", "relu"), scaling="standard"),
        ClassificationForm(classes=(0, 6), output_activation="sigmoid", class_weight=True),
    ],
)
def test_a_classification_run_fills_the_form_it_came_from(form):
    assert from_run(run_config(form)) == form


def test_regression_and_wide_deep_runs_fill_their_forms():
    regression = RegressionForm(units=(16, 8), loss="huber", huber_delta=2.0, normalize=False, num_train=1000)
    assert regression_from_run(regression_run(regression)) == regression
    wide = WideDeepForm(variant="aux_output", main_weight=0.7, api="subclassing", units=12, wide_features=(0, 1))
    assert wide_deep_from_run(wide_deep_run(wide)) == wide
    assert wide_deep_run(WIDE_DEEP_DEFAULT).model.api == "functional"


def test_the_subset_that_covers_the_data_set_is_all_of_it():
    assert run_config(ClassificationForm(dataset="digits", num_train=20000), available=1437).data.num_train is None
    assert run_config(ClassificationForm(dataset="digits", num_train=500), available=1437).data.num_train == 500


def test_a_form_is_a_preset_when_its_recipe_is():
    for label, preset in PRESETS.items():
        form = TrainingForm(**training_fields(preset)).replace(seed=7)
        assert matching_preset(form, PRESETS) == label
    assert matching_preset(TrainingForm(epochs=11), PRESETS) is None
