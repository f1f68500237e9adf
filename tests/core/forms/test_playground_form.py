"""The Playground's form: the experiment it describes, its URL, and the links copied
before it existed."""

import dataclasses
import random

import pytest

from core import forms
from core.forms.playground import EPOCHS_PER_UPDATE, VIEW_FIELDS, PlaygroundForm, from_config, to_config
from core.playground.config import (
    ACTIVATIONS,
    LEARNING_RATES,
    LOSSES,
    OPTIMIZERS,
    REGULARIZATION_RATES,
    REGULARIZATIONS,
    PlaygroundConfig,
)
from core.playground.data import CLASSIFICATION_DATASETS, REGRESSION_DATASETS
from core.playground.features import FEATURES

# What `PlaygroundConfig.to_query_params` wrote before the form (the page's URLs and
# every link copied from them), and the experiment each opened.
OLD_LINKS = [
    (
        {
            "problem": "classification",
            "dataset": "circle",
            "noise": "0",
            "train_ratio": "50",
            "seed": "0",
            "features": "x1,x2",
            "hidden_layers": "4,2",
            "activation": "tanh",
            "regularization": "none",
            "regularization_rate": "0.0",
            "learning_rate": "0.03",
            "batch_size": "10",
            "optimizer": "sgd",
            "loss": "cross_entropy",
            "dropout": "",
        },
        PlaygroundConfig(),
    ),
    (
        {
            "problem": "regression",
            "dataset": "plane",
            "noise": "0",
            "train_ratio": "50",
            "seed": "0",
            "features": "x1,x2,x1_squared,x2_squared",
            "hidden_layers": "8,8",
            "activation": "relu",
            "regularization": "none",
            "regularization_rate": "0.0",
            "learning_rate": "10.0",
            "batch_size": "10",
            "optimizer": "sgd",
            "loss": "cross_entropy",
            "dropout": "",
        },
        PlaygroundConfig(
            problem="regression",
            dataset="plane",
            activation="relu",
            learning_rate=10.0,
            features=("x1", "x2", "x1_squared", "x2_squared"),
            hidden_layers=(8, 8),
        ),
    ),
    (
        {
            "problem": "classification",
            "dataset": "spiral",
            "noise": "0",
            "train_ratio": "50",
            "seed": "0",
            "features": "x1x2,sin_x1",
            "hidden_layers": "",
            "activation": "tanh",
            "regularization": "l2",
            "regularization_rate": "0.003",
            "learning_rate": "0.03",
            "batch_size": "25",
            "optimizer": "adam",
            "loss": "squared_error",
            "dropout": "",
        },
        PlaygroundConfig(
            dataset="spiral",
            hidden_layers=(),
            features=("sin_x1", "x1x2"),
            regularization="l2",
            regularization_rate=0.003,
            batch_size=25,
            optimizer="adam",
            loss="squared_error",
        ),
    ),
    (
        {
            "problem": "classification",
            "dataset": "circle",
            "noise": "0",
            "train_ratio": "70",
            "seed": "0",
            "features": "x1,x2",
            "hidden_layers": "5,2,2",
            "activation": "tanh",
            "regularization": "none",
            "regularization_rate": "0.0",
            "learning_rate": "1e-05",
            "batch_size": "10",
            "optimizer": "sgd",
            "loss": "cross_entropy",
            "dropout": "0.0,0.2,0.5",
        },
        PlaygroundConfig(hidden_layers=(5, 2, 2), dropout=(0.0, 0.2, 0.5), learning_rate=1e-05, train_ratio=70),
    ),
]
# The page wrote its view's settings beside them.
OLD_VIEW = {"epochs_per_update": "10", "show_test_data": "false", "discretize": "true"}


def random_form(rng: random.Random) -> PlaygroundForm:
    """A random form the page can train: every field drawn from what its control offers."""
    problem = rng.choice(("classification", "regression"))
    layers = tuple(rng.randint(1, 8) for _ in range(rng.randint(0, 6)))
    return PlaygroundForm(
        problem=problem,
        dataset=rng.choice(CLASSIFICATION_DATASETS if problem == "classification" else REGRESSION_DATASETS),
        noise=rng.randrange(0, 55, 5),
        train_ratio=rng.randrange(10, 100, 10),
        seed=rng.randint(0, 2**31 - 1),
        features=tuple(rng.sample(list(FEATURES), rng.randint(1, len(FEATURES)))),
        hidden_layers=layers,
        activation=rng.choice(ACTIVATIONS),
        regularization=rng.choice(REGULARIZATIONS),
        regularization_rate=rng.choice(REGULARIZATION_RATES),
        learning_rate=rng.choice(LEARNING_RATES),
        batch_size=rng.randint(1, 500),
        optimizer=rng.choice(OPTIMIZERS),
        loss=rng.choice(LOSSES),
        dropout=tuple(rng.choice((0.0, 0.1, 0.2, 0.3, 0.5)) for _ in layers),
        epochs_per_update=rng.choice(EPOCHS_PER_UPDATE),
        show_test_data=rng.random() < 0.5,
        discretize=rng.random() < 0.5,
    )


def test_the_form_has_the_configs_fields_its_defaults_and_the_views_settings():
    config_fields = [item.name for item in dataclasses.fields(PlaygroundConfig)]
    assert list(forms.field_names(PlaygroundForm)) == config_fields + list(VIEW_FIELDS)
    assert to_config(PlaygroundForm()) == PlaygroundConfig()
    assert from_config(PlaygroundConfig()) == PlaygroundForm()


def test_random_forms_go_through_the_url_and_the_config_and_back():
    rng = random.Random(11)
    for _ in range(50):
        form = random_form(rng)
        assert forms.from_params(PlaygroundForm, forms.to_params(form), check=to_config) == (form, [])
        view = {name: getattr(form, name) for name in VIEW_FIELDS}
        assert from_config(to_config(form), **view) == form


@pytest.mark.parametrize(("params", "config"), OLD_LINKS)
def test_a_link_copied_before_the_form_opens_the_same_experiment(params, config):
    form, warnings = forms.from_params(PlaygroundForm, params | OLD_VIEW, check=to_config)
    assert warnings == []
    assert to_config(form) == config
    assert (form.epochs_per_update, form.show_test_data, form.discretize) == (10, False, True)


def test_a_problem_type_and_its_data_set_are_read_together():
    form, warnings = forms.from_params(PlaygroundForm, {"problem": "regression", "dataset": "multi_gaussian"})
    assert warnings == []  # no check: nothing ties them
    form, warnings = forms.from_params(
        PlaygroundForm, {"problem": "regression", "dataset": "multi_gaussian"}, check=to_config
    )
    assert (form.problem, form.dataset, warnings) == ("regression", "multi_gaussian", [])
    form, warnings = forms.from_params(
        PlaygroundForm, {"problem": "classification", "dataset": "plane", "noise": "10"}, check=to_config
    )
    assert (form.problem, form.dataset, form.noise) == ("classification", "circle", 10)
    assert len(warnings) == 1 and warnings[0].startswith("Ignored `dataset=plane` from the link:")


def test_bad_link_values_warn_and_fall_back_field_by_field():
    form, warnings = forms.from_params(
        PlaygroundForm,
        {
            "noise": "80",
            "learning_rate": "fast",
            "hidden_layers": "4,99",
            "activation": "tanh",
            "epochs_per_update": "7",
            "discretize": "maybe",
            "junk": "1",
        },
        check=to_config,
    )
    assert form == PlaygroundForm(activation="tanh")
    assert len(warnings) == 5
    assert "Ignored `noise=80` from the link: `noise`, expected an integer in [0, 50] (percent). Using 0." in warnings
    assert "Ignored `epochs_per_update=7` from the link: expected one of 1, 2, 5, 10, 25. Using 5." in warnings


def test_features_keep_their_order_and_dropout_one_rate_per_layer():
    assert PlaygroundForm(features=("sin_x1", "x1", "x1")).features == ("x1", "sin_x1")
    assert PlaygroundForm(hidden_layers=(4, 3), dropout=(0.0, 0.0)).dropout == ()  # none anywhere
    assert PlaygroundForm(hidden_layers=(4,), dropout=(0.1, 0.2)).dropout == (0.1,)  # a layer removed
    assert PlaygroundForm(hidden_layers=(4, 3, 2), dropout=(0.1, 0.2)).dropout == (0.1, 0.2, 0.0)  # one added
    assert PlaygroundForm(hidden_layers=(), dropout=(0.5,)).dropout == ()
    with pytest.raises(ValueError, match="Received: features='x3'"):
        PlaygroundForm(features=("x3",))


def test_the_form_holds_what_the_config_refuses_and_the_config_says_why():
    form = PlaygroundForm(features=(), noise=80)  # a form takes any value of its kind
    with pytest.raises(ValueError, match="Received: noise=80"):
        to_config(form)
    with pytest.raises(ValueError, match="Received: features=\\(\\)"):
        to_config(form.replace(noise=0))
