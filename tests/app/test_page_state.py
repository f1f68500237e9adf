"""The model pages own their forms: a page switch, a reload or a link never changes
what the user set, a bad link value costs only its own field, and lesson links hide
controls."""

import random

import pytest

from core import forms
from core.config import ACTIVATIONS, LR_SCHEDULES, OPTIMIZERS
from core.forms.classification import SUBSETS, VALIDATIONS, ClassificationForm, run_config
from core.forms.regression import (
    REGRESSION_DEFAULT,
    WIDE_DEEP_DEFAULT,
    RegressionForm,
    WideDeepForm,
    wide_deep_run,
)
from core.forms.regression import run_config as regression_run
from core.regression.sequential import LOSSES, REGRESSION_OUTPUT_ACTIVATIONS
from core.regression.wide_deep import VARIANTS
from tests.app.helpers import button, open_page, texts

PAGES = {
    "classification": "pages/classification.py",
    "regression": "pages/regression.py",
    "wide_deep": "pages/wide_and_deep.py",
}


def random_training(rng: random.Random) -> dict:
    optimizer = rng.choice(OPTIMIZERS)
    schedule = rng.choice(LR_SCHEDULES)
    momentum = round(rng.uniform(0, 0.95), 2) if rng.random() < 0.5 else 0.0
    return {
        "optimizer": optimizer,
        "learning_rate": float(f"{10 ** rng.uniform(-4, 0):.3g}"),
        "lr_schedule": schedule,
        "decay_rate": {"inverse_time": 1e-6, "exponential": 0.9}.get(schedule, 0.0),
        "momentum": momentum,
        "nesterov": optimizer == "sgd" and momentum > 0 and rng.random() < 0.5,
        "batch_size": rng.choice((16, 32, 100, 512)),
        "epochs": rng.randint(1, 40),
        "early_stopping": rng.random() < 0.5,
        "patience": rng.randint(1, 9),
        "seed": rng.randint(0, 10**6),
        "mixed_precision": rng.random() < 0.3,
    }


def random_layers(rng: random.Random) -> dict:
    count = rng.randint(1, 3)
    return {
        "units": tuple(rng.randint(1, 300) for _ in range(count)),
        "activations": tuple(rng.choice(ACTIVATIONS) for _ in range(count)),
    }


def random_classification(rng: random.Random) -> ClassificationForm:
    classes = rng.choice([(), (rng.randint(0, 9),), tuple(rng.sample(range(10), rng.randint(2, 4)))])
    validation = rng.choice(VALIDATIONS)
    return ClassificationForm(
        **random_training(rng) | ({"early_stopping": False} if validation == "none" else {}),
        **random_layers(rng),
        dataset=rng.choice(("digits", "fashion_mnist", "mnist")),
        validation=validation,
        validation_split=round(rng.uniform(0.05, 0.5), 2),
        scaling=rng.choice(("unit", "standard")),
        classes=classes,
        num_train=rng.choice(SUBSETS),
        class_weight=rng.random() < 0.5,
        output_activation="sigmoid" if 0 < len(classes) <= 2 and rng.random() < 0.5 else "softmax",
    )


def random_regression(rng: random.Random) -> RegressionForm:
    return RegressionForm(
        **random_training(rng),
        **random_layers(rng),
        normalize=rng.random() < 0.7,
        output_activation=rng.choice(REGRESSION_OUTPUT_ACTIVATIONS),
        loss=rng.choice(LOSSES),
        huber_delta=round(rng.uniform(0.1, 5), 1),
        num_train=rng.choice((0, 5000, 2000, 1000)),
        baseline=rng.random() < 0.5,
    )


def random_wide_deep(rng: random.Random) -> WideDeepForm:
    variant = rng.choice(VARIANTS)
    return WideDeepForm(
        **random_training(rng),
        variant=variant,
        wide_features=tuple(sorted(rng.sample(range(8), rng.randint(1, 5)))),
        deep_features=tuple(sorted(rng.sample(range(8), rng.randint(1, 6)))),
        units=rng.randint(1, 100),
        activation=rng.choice(ACTIVATIONS),
        main_weight=rng.choice((0.05, 0.5, 0.75, 0.9, 1.0)),
        api=rng.choice(("functional", "subclassing")) if variant == "aux_output" else "functional",
        num_train=rng.choice((0, 1000)),
    )


GENERATORS = {
    "classification": (random_classification, run_config),
    "regression": (random_regression, regression_run),
    "wide_deep": (random_wide_deep, wide_deep_run),
}


def valid_forms(name: str, count: int, seed: int) -> list:
    generate, check = GENERATORS[name]
    rng, found = random.Random(seed), []
    while len(found) < count:
        form = generate(rng)
        try:
            check(form)
        except ValueError:
            continue  # e.g. a batch larger than the subset: not a form the page can train
        found.append(form)
    return found


def open_with(at, form):
    """Opens the page as a link that carries `form` would."""
    at.query_params.clear()
    at.query_params.update(forms.to_params(form))
    return at.run()


@pytest.mark.parametrize("name", list(PAGES))
def test_random_valid_forms_survive_a_page_switch_unchanged(name):
    at = open_page(PAGES[name])
    for form in valid_forms(name, 10, seed=29):
        open_with(at, form)
        assert not at.exception, (form, at.exception)
        assert at.session_state[f"{name}.form"] == form
        assert not at.warning or "link" not in texts(at.warning), texts(at.warning)
        at.switch_page("pages/home.py").run()
        at.switch_page(PAGES[name]).run()
        assert not at.exception, (form, at.exception)
        assert at.session_state[f"{name}.form"] == form
        # What the fields show is the form.
        assert at.number_input(key=f"{name}.epochs").value == form.epochs
        assert at.selectbox(key=f"{name}.optimizer").value == form.optimizer


def test_a_link_with_bad_values_warns_once_per_value_and_keeps_the_rest():
    at = open_page(PAGES["classification"])
    at.query_params.clear()
    at.query_params.update({"dataset": "digits", "units": "16,0", "epochs": "x" * 500, "optimizer": "sgd"})
    at.run()
    assert not at.exception
    form = at.session_state["classification.form"]
    assert (form.dataset, form.optimizer, form.units, form.epochs) == ("digits", "sgd", (300, 100), 10)
    warnings = [warning.value for warning in at.warning]
    assert len(warnings) == 2, warnings
    assert all(len(warning) < 400 for warning in warnings)
    at.number_input(key="classification.seed").set_value(7).run()  # the next interaction
    assert not [warning for warning in at.warning if "link" in warning.value]
    assert at.session_state["classification.form"].seed == 7


def test_a_click_that_carries_the_url_from_before_the_last_change_keeps_the_change():
    # The browser sends its URL with every rerun; a click right after a change can reach
    # the server before the browser has the URL that change wrote.
    at = open_page(PAGES["classification"])
    before = dict(at.query_params)
    at.number_input(key="classification.epochs").set_value(3).run()
    assert at.query_params["epochs"] == "3"
    at.query_params.clear()
    at.query_params.update(before)  # the lagging URL: epochs 10
    button(at, "Train").click().run()
    assert not at.exception
    assert at.session_state["classification.form"].epochs == 3
    assert at.number_input(key="classification.epochs").value == 3
    assert at.query_params["epochs"] == "3"  # and the browser gets the form's URL back


def test_a_link_to_a_form_this_page_showed_before_opens_after_a_visit_elsewhere():
    at = open_page(PAGES["classification"])
    before = dict(at.query_params)
    at.number_input(key="classification.epochs").set_value(3).run()
    at.switch_page("pages/home.py").run()
    at.query_params.clear()
    at.query_params.update(before)
    at.switch_page(PAGES["classification"]).run()
    assert at.session_state["classification.form"].epochs == 10


@pytest.mark.parametrize("name", list(PAGES))
def test_a_lesson_link_shows_only_the_controls_it_names(name):
    at = open_page(PAGES[name])
    at.query_params.clear()
    at.query_params.update({"only": "learning_rate,epochs", "hide_text": "true", "epochs": "3"})
    at.run()
    assert not at.exception
    assert {box.key for box in at.number_input} == {f"{name}.learning_rate", f"{name}.epochs"}
    assert not at.selectbox and not at.checkbox and not at.radio
    assert at.session_state[f"{name}.form"].epochs == 3
    assert not button(at, "Train").disabled  # the hidden fields keep their values, which train
    at.number_input(key=f"{name}.learning_rate").set_value(0.02).run()
    assert "learning_rate_hide" not in at.query_params and "optimizer_hide" in at.query_params
    assert at.session_state[f"{name}.form"].learning_rate == 0.02


def test_hide_flags_hide_single_controls_and_a_bad_one_warns():
    at = open_page(PAGES["classification"])
    at.query_params.clear()
    at.query_params.update({"optimizer_hide": "true", "layers_hide": "true", "units_x_hide": "1", "epochs_hide": "no"})
    at.run()
    assert not at.exception
    keys = {widget.key for widget in [*at.number_input, *at.selectbox]}
    assert "classification.optimizer" not in keys and "classification.num_layers" not in keys
    assert "classification.units_0" not in keys and "classification.epochs" in keys
    assert "Total params: 266,610" in texts(at.markdown)  # the hidden layers are still the model's
    assert len([warning for warning in at.warning if "link" in warning.value]) == 2


def test_defaults_fill_every_field_with_a_value_that_trains():
    for name, default in (
        ("classification", ClassificationForm()),
        ("regression", REGRESSION_DEFAULT),
        ("wide_deep", WIDE_DEEP_DEFAULT),
    ):
        at = open_page(PAGES[name])
        assert at.session_state[f"{name}.form"] == default
        assert not button(at, "Train").disabled
        # A field mounted afresh shows its default: it must be the form's value.
        assert at.number_input(key=f"{name}.learning_rate").proto.default == default.learning_rate
        assert at.number_input(key=f"{name}.batch_size").proto.default == default.batch_size


def test_the_training_images_follow_the_validation_choice_at_once():
    at = open_page(PAGES["classification"])
    at.button_group(key="classification.dataset").set_value("mnist").run()
    assert "all 55,000" in at.selectbox(key="classification.num_train").options
    at.selectbox(key="classification.validation").set_value("none")
    at.checkbox(key="classification.early_stopping").uncheck().run()
    assert not at.exception and not at.error, texts(at.error)
    assert "all 60,000" in at.selectbox(key="classification.num_train").options
    assert "Trains on 60,000 images" in texts(at.caption)
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGES["classification"]).run()
    form = at.session_state["classification.form"]
    assert (form.dataset, form.validation, form.early_stopping) == ("mnist", "none", False)
