"""The Neuron & logic gates page's form: the open tab and every tab's controls.

The page has five tabs (`TABS`), and a link opens the one it names. Its sliders have
bounds, which `check` holds a link's values to (a slider cannot show a value outside
them); the number inputs of the XOR network take any number.

Example:

>>> form = NeuronForm(tab="xor", gate="OR", num_inputs=3)
>>> check(form).threshold  # the gate's own threshold until the slider moves
-1
>>> wired_threshold(form)
2
>>> xor_network(form)[0]  # the book's hidden weights, (input, hidden unit)
((1.0, 1.0), (1.0, 1.0))
>>> check(form.replace(w1=5.0))
Traceback (most recent call last):
...
ValueError: Received an invalid value for `w1`, expected a number in [-3.0, 3.0]. Received: w1=5.0
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.forms import Form, choice
from core.fundamentals.neuron import (
    FIXED_INPUTS,
    GATES,
    MAX_INPUTS,
    XOR_ACTIVATIONS,
    XOR_HIDDEN_BIAS,
    XOR_HIDDEN_WEIGHTS,
    XOR_OUTPUT_BIAS,
    XOR_OUTPUT_WEIGHTS,
    gate_neuron,
)
from core.validation import check_float, check_int, invalid

TABS = ("gates", "perceptron", "rule", "xor", "exercises")
OWN_THRESHOLD = -1  # θ as the book wires the gate; the slider sets another
WEIGHT_RANGE = (-3.0, 3.0)  # the perceptron's w₁, w₂ and b
RULE_LEARNING_RATES = (0.01, 0.1, 0.5, 1.0, 2.0)
MAX_RULE_SEED = 99
XOR_EPOCHS = (5, 100)  # of the perceptron rule on XOR
MLP_UNITS = (1, 16)
MLP_LEARNING_RATES = (0.001, 0.01, 0.05, 0.1, 0.3)
MLP_EPOCHS = (50, 1000)
EXERCISE_GATES = ("NOT", "NOR", "XOR")
EXERCISE_RANGE = (-2.0, 2.0)  # the exercise unit's weights and bias
# The XOR network's numbers per field: 2 inputs x 2 hidden units, 2 biases, 2 weights.
XOR_SIZES = {"xor_hidden_weights": 4, "xor_hidden_bias": 2, "xor_output_weights": 2}


@dataclass(frozen=True)
class NeuronForm(Form):
    """What the Neuron & logic gates page's controls are set to."""

    tab: str = choice("gates", TABS)
    # McCulloch-Pitts neuron
    gate: str = choice("AND", GATES)
    num_inputs: int = 2  # of AND, OR and NOR; the other gates fix theirs (FIXED_INPUTS)
    threshold: int = OWN_THRESHOLD
    # Perceptron: class 1 where w1 x1 + w2 x2 + bias >= 0
    w1: float = 1.0
    w2: float = 0.5
    bias: float = -0.5
    # Learning rule on iris
    rule_learning_rate: float = choice(1.0, RULE_LEARNING_RATES)
    rule_seed: int = 0  # the order of the instances
    # XOR: the perceptron rule, the hand-wired network (row by row: A→h1, A→h2, B→h1,
    # B→h2), and a Keras MLP
    xor_epochs: int = 20
    xor_hidden_weights: tuple[float, ...] = sum(XOR_HIDDEN_WEIGHTS, ())
    xor_hidden_bias: tuple[float, ...] = XOR_HIDDEN_BIAS
    xor_output_weights: tuple[float, ...] = XOR_OUTPUT_WEIGHTS
    xor_output_bias: float = XOR_OUTPUT_BIAS
    mlp_units: int = 4
    mlp_activation: str = choice("tanh", XOR_ACTIVATIONS)
    mlp_learning_rate: float = choice(0.1, MLP_LEARNING_RATES)
    mlp_epochs: int = 300
    # Exercises: one threshold unit, its second weight unused for NOT
    exercise_gate: str = choice("NOT", EXERCISE_GATES)
    exercise_w1: float = 0.0
    exercise_w2: float = 0.0
    exercise_bias: float = 0.0


def num_inputs(form: NeuronForm) -> int:
    """The inputs of the form's gate: its own number, or the form's for AND, OR, NOR."""
    return FIXED_INPUTS.get(form.gate, form.num_inputs)


def wired_threshold(form: NeuronForm) -> int:
    """The gate's threshold θ: the form's, or the book's wiring's by default."""
    if form.threshold != OWN_THRESHOLD:
        return form.threshold
    return gate_neuron(form.gate, num_inputs(form)).threshold


def max_threshold(form: NeuronForm) -> int:
    """The largest θ the slider offers: one past the most signals the gate can get,
    so that the neuron never fires."""
    return gate_neuron(form.gate, num_inputs(form)).max_signal + 1


def xor_network(form: NeuronForm) -> tuple:
    """`(hidden_weights, hidden_bias, output_weights, output_bias)` of the hand-wired
    network, for `core.fundamentals.neuron.threshold_network`."""
    weights = form.xor_hidden_weights
    return (weights[:2], weights[2:]), form.xor_hidden_bias, form.xor_output_weights, form.xor_output_bias


def check(form: NeuronForm) -> NeuronForm:
    """Returns `form` if every value is within its control's bounds; raises
    `ValueError` (Keras's style) naming the first that is not."""
    check_int("num_inputs", form.num_inputs, 1, MAX_INPUTS)
    if form.threshold != OWN_THRESHOLD:
        check_int(
            "threshold",
            form.threshold,
            0,
            max_threshold(form),
            hint=f"Use {OWN_THRESHOLD} for the gate's own threshold",
        )
    for name in ("w1", "w2", "bias"):
        check_float(name, getattr(form, name), *WEIGHT_RANGE)
    check_int("rule_seed", form.rule_seed, 0, MAX_RULE_SEED)
    check_int("xor_epochs", form.xor_epochs, *XOR_EPOCHS)
    for name, size in XOR_SIZES.items():
        if len(getattr(form, name)) != size:
            raise invalid(name, f"{size} numbers", getattr(form, name))
    check_int("mlp_units", form.mlp_units, *MLP_UNITS)
    check_int("mlp_epochs", form.mlp_epochs, *MLP_EPOCHS)
    for name in ("exercise_w1", "exercise_w2", "exercise_bias"):
        check_float(name, getattr(form, name), *EXERCISE_RANGE)
    return form


FIELDS = tuple(item.name for item in dataclasses.fields(NeuronForm))
