"""The Activations page's form: its defaults are the page's, its bounds are its
controls', and a link carries any valid form and refuses a bad value field by field."""

import random

import pytest

from core.forms import from_params, to_params
from core.forms.activations import AFFINE_RANGE, STEPS, ActivationsForm, check
from core.fundamentals.descent import NUM_SAMPLES
from tests.core.forms.random_fundamentals import activations_form


def test_the_defaults_are_valid():
    form = check(ActivationsForm())
    assert (form.tab, form.activations, form.x_range, form.between) == (
        "functions",
        ("sigmoid", "tanh", "relu"),
        (-5.0, 5.0),
        "linear",
    )


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("a2", *AFFINE_RANGE), ("b1", *AFFINE_RANGE), ("steps", *STEPS), ("batch_size", 1, NUM_SAMPLES)],
)
def test_check_holds_each_slider_to_its_bounds(field, low, high):
    form = ActivationsForm()
    assert check(form.replace(**{field: low})) and check(form.replace(**{field: high}))
    step = 1 if isinstance(low, int) else 0.5
    for value in (low - step, high + step):
        with pytest.raises(ValueError, match=f"Received: {field}="):
            check(form.replace(**{field: value}))


@pytest.mark.parametrize("x_range", [(1.0, 1.0), (2.0, -2.0), (-10.5, 0.0), (0.0, 11.0), (1.0,), (1.0, 2.0, 3.0)])
def test_the_range_of_x_is_two_ordered_numbers_within_the_sliders(x_range):
    with pytest.raises(ValueError, match="x_range"):
        check(ActivationsForm(x_range=x_range))
    check(ActivationsForm(x_range=(-10.0, 10.0)))


def test_each_activation_is_drawn_once():
    check(ActivationsForm(activations=()))
    with pytest.raises(ValueError, match="each activation once"):
        check(ActivationsForm(activations=("relu", "relu")))


def test_random_valid_forms_go_through_a_link_unchanged():
    rng = random.Random(7)
    for _ in range(200):
        form = check(activations_form(rng))
        assert from_params(ActivationsForm, to_params(form), check=check) == (form, [])


def test_a_bad_link_loses_only_its_bad_values():
    params = {
        "tab": "descent",
        "activations": "relu,softmax",  # softmax is no element-wise activation
        "x_range": "3,-3",
        "layout": "grid",
        "derivatives": "maybe",
        "a2": "-3",
        "b2": "3.5",
        "between": "<script>alert(1)</script>",
        "learning_rate": "0.35",
        "steps": "200",
        "batch_size": "101",
    }
    form, warnings = from_params(ActivationsForm, params, check=check)
    assert form == ActivationsForm(tab="descent", layout="grid", a2=-3.0, steps=200)
    ignored = [warning.split("=")[0].removeprefix("Ignored `") for warning in warnings]
    assert ignored == ["activations", "x_range", "derivatives", "b2", "between", "learning_rate", "batch_size"]
