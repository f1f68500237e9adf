"""The Neuron page's form: its defaults are the page's, its bounds are its controls',
and a link carries any valid form and refuses a bad value field by field."""

import random

import pytest

from core.forms import from_params, to_params
from core.forms.neuron import (
    EXERCISE_RANGE,
    MLP_EPOCHS,
    OWN_THRESHOLD,
    WEIGHT_RANGE,
    XOR_EPOCHS,
    NeuronForm,
    check,
    max_threshold,
    num_inputs,
    wired_threshold,
    xor_network,
)
from core.fundamentals import neuron as mp
from tests.core.forms.random_fundamentals import neuron_form


def test_the_defaults_are_valid_and_wire_the_books_networks():
    form = check(NeuronForm())
    assert (form.tab, form.gate, form.num_inputs, wired_threshold(form)) == ("gates", "AND", 2, 2)
    x, y = mp.xor_data()
    _, output = mp.threshold_network(x, *xor_network(form))
    assert output.tolist() == y.tolist()  # the book's XOR network, as drawn


@pytest.mark.parametrize("gate", mp.GATES)
@pytest.mark.parametrize("inputs", [1, 3, 6])
def test_the_gates_own_threshold_computes_the_gate(gate, inputs):
    form = NeuronForm(gate=gate, num_inputs=inputs)
    neuron = mp.gate_neuron(gate, num_inputs(form), wired_threshold(form))
    assert mp.truth_table(neuron, gate)["agrees"].all()
    assert 0 <= wired_threshold(form) <= max_threshold(form) == neuron.max_signal + 1
    check(form.replace(threshold=max_threshold(form)))
    with pytest.raises(ValueError, match="threshold"):
        check(form.replace(threshold=max_threshold(form) + 1))


def test_a_threshold_set_by_hand_is_kept():
    assert wired_threshold(NeuronForm(gate="OR", threshold=4)) == 4


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("w1", *WEIGHT_RANGE),
        ("bias", *WEIGHT_RANGE),
        ("rule_seed", 0, 99),
        ("xor_epochs", *XOR_EPOCHS),
        ("mlp_units", 1, 16),
        ("mlp_epochs", *MLP_EPOCHS),
        ("exercise_w2", *EXERCISE_RANGE),
        ("exercise_bias", *EXERCISE_RANGE),
    ],
)
def test_check_holds_each_slider_to_its_bounds(field, low, high):
    form = NeuronForm()
    assert check(form.replace(**{field: low})) and check(form.replace(**{field: high}))
    step = 1 if isinstance(low, int) else 0.5
    for value in (low - step, high + step):
        with pytest.raises(ValueError, match=f"Received: {field}="):
            check(form.replace(**{field: value}))


def test_the_xor_network_takes_any_numbers_but_not_a_wrong_count():
    check(NeuronForm(xor_hidden_weights=(100.0, -7.5, 0.0, 1e-3), xor_output_bias=-42.0))
    with pytest.raises(ValueError, match="expected 4 numbers"):
        check(NeuronForm(xor_hidden_weights=(1.0, 1.0, 1.0)))


def test_a_choice_field_refuses_what_is_not_offered():
    with pytest.raises(ValueError, match="rule_learning_rate"):
        NeuronForm(rule_learning_rate=0.3)
    with pytest.raises(ValueError, match="mlp_activation"):
        NeuronForm(mlp_activation="selu")


def test_random_valid_forms_go_through_a_link_unchanged():
    rng = random.Random(7)
    for _ in range(200):
        form = check(neuron_form(rng))
        assert from_params(NeuronForm, to_params(form), check=check) == (form, [])


def test_a_bad_link_loses_only_its_bad_values():
    params = {
        "tab": "xor",
        "gate": "XOR",  # not a McCulloch-Pitts gate here
        "num_inputs": "three",
        "threshold": "9",  # AND of two inputs: at most 3
        "w1": "-2.5",
        "w2": "nan",
        "rule_learning_rate": "0.3",
        "xor_hidden_weights": "1,2",
        "xor_output_bias": "1e400",
        "mlp_epochs": "20",
        "exercise_gate": "x" * 500,
        "unknown": "1",
    }
    form, warnings = from_params(NeuronForm, params, check=check)
    assert form == NeuronForm(tab="xor", w1=-2.5)
    ignored = [warning.split("=")[0].removeprefix("Ignored `") for warning in warnings]
    assert ignored == [
        "gate",
        "num_inputs",
        "threshold",
        "w2",
        "rule_learning_rate",
        "xor_hidden_weights",
        "xor_output_bias",
        "mlp_epochs",
        "exercise_gate",
    ]
    assert all(len(warning) < 250 for warning in warnings)  # a long value is cut
    assert "expected an integer between 0 and 3" in warnings[2]


def test_a_threshold_from_a_link_is_checked_against_the_links_gate():
    form, warnings = from_params(NeuronForm, {"gate": "OR", "num_inputs": "4", "threshold": "9"}, check=check)
    assert (form.gate, form.num_inputs, form.threshold, warnings) == ("OR", 4, 9, [])
    form, warnings = from_params(NeuronForm, {"gate": "NOT", "threshold": "2"}, check=check)
    assert form.threshold == OWN_THRESHOLD and len(warnings) == 1
