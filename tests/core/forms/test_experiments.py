"""The Experiments page's form: the runs compared by key, the search it describes, and
what a link may set."""

import pytest

from core import forms, runs
from core.experiments.tuning import SearchConfig
from core.forms.experiments import KINDS, ExperimentsForm, check, objective_of, search_config

KEYS = ("0123456789abcdef0123", "fedcba98765432100123")


def test_the_kinds_are_the_registered_kinds_of_run():
    runs.kind_named("classification")  # registers the built-in kinds
    assert set(KINDS) == set(runs._KINDS)


def test_the_default_form_describes_the_default_search():
    search = search_config(ExperimentsForm())
    assert (search.dataset, search.tuner, search.max_trials, search.epochs, search.num_train) == (
        "digits",
        "random",
        8,
        3,
        1000,
    )
    assert search.space.units == (16, 128) and search.space.batch_sizes == (32, 128)


def test_hyperband_takes_its_own_budget_and_a_regression_search_its_own_objective():
    form = ExperimentsForm(tuner="hyperband", max_epochs=2, factor=4, epochs=7)
    assert (search_config(form).epochs, search_config(form).max_epochs, search_config(form).factor) == (1, 2, 4)
    regression = ExperimentsForm(tune_dataset="diabetes", objective="val_accuracy")
    assert objective_of(regression) == "val_loss"
    assert type(search_config(regression)).__name__ == "RegressionSearchConfig"
    assert isinstance(search_config(regression.replace(objective="val_rmse")), SearchConfig)


def test_a_search_the_tuner_refuses_says_why():
    with pytest.raises(ValueError, match="Received: units=\\(256, 16\\). Swap the two bounds."):
        search_config(ExperimentsForm(units_min=256, units_max=16))


def test_the_form_round_trips_through_its_params():
    form = ExperimentsForm(
        tab="tune",
        kinds=("classification", "tuning"),
        datasets=("digits",),
        search="adam, 0.003",  # a comma in free text survives: only tuples are split
        selected=KEYS,
        curve_metric="accuracy",
        training_curves=True,
        chart_scope="selected",
        chart_metric="loss",
        tuner="bayesian",
        learning_rate_min=3e-5,
        activations=("selu",),
        batch_sizes=(16, 512),
        finder_task="regression",
        finder_units=64,
    )
    assert forms.from_params(ExperimentsForm, forms.to_params(form), check=check) == (form, [])


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("selected", "0123456789abcdef0123,../etc", "expected run keys"),
        ("selected", "%00", "expected run keys"),
        ("selected", "a" * 2000, "expected run keys"),
        ("selected", f"{KEYS[0]},{KEYS[0]}", "expected each run once"),
        ("selected", ",".join(f"{index:020x}" for index in range(51)), "expected at most 50 runs"),
        ("kinds", "classification,nope", "expected items from"),
        ("tab", "admin", "expected one of compare, tune, lr_finder"),
        ("curve_metric", "<b>loss</b>", "expected a metric's name"),
        ("max_trials", "1000", "expected an integer between 1 and 200"),
        ("num_train", "5", "expected 0 (all of them) or at least 10 samples"),
        ("learning_rate_max", "0", "expected a number in (0.0, 10.0]"),
        ("activations", "relu,relu", "expected one or more choices, each once"),
        ("optimizers", "", "expected one or more choices, each once"),
        ("finder_units", "5000", "expected an integer between 1 and 1024"),
    ],
)
def test_a_bad_link_value_costs_only_its_field(name, text, reason):
    others = {"tab": "tune", "tuner": "hyperband", "units_max": "64"}
    others.pop(name, None)
    form, warnings = forms.from_params(ExperimentsForm, {name: text, **others}, check=check)
    assert len(warnings) == 1 and reason in warnings[0], warnings
    assert len(warnings[0]) < 300
    assert getattr(form, name) == getattr(ExperimentsForm(), name)
    assert all(forms.to_params(form)[other] == value for other, value in others.items())


def test_a_link_may_move_both_ends_of_a_range_in_either_order():
    for params in ({"units_min": "256", "units_max": "512"}, {"units_max": "8", "units_min": "4"}):
        form, warnings = forms.from_params(ExperimentsForm, params, check=check)
        assert warnings == [] and (str(form.units_min), str(form.units_max)) == (
            params["units_min"],
            params["units_max"],
        )
