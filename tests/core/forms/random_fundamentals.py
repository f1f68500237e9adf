"""Random valid forms of the two Foundations pages, for the property tests (the forms'
own round trip here, the page switch in tests/app/test_fundamentals_pages.py).

Values are drawn across each control's whole range, off the sliders' steps too (a
link may carry any value in range)."""

from __future__ import annotations

import random

from core.forms import activations as activations_fields
from core.forms import neuron as neuron_fields
from core.forms.activations import ActivationsForm
from core.forms.neuron import NeuronForm
from core.fundamentals.activations import ACTIVATIONS
from core.fundamentals.descent import NUM_SAMPLES
from core.fundamentals.neuron import GATES, MAX_INPUTS, XOR_ACTIVATIONS


def _number(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 2)


def neuron_form(rng: random.Random) -> NeuronForm:
    form = NeuronForm(gate=rng.choice(GATES), num_inputs=rng.randint(1, MAX_INPUTS))
    threshold = rng.choice((neuron_fields.OWN_THRESHOLD, rng.randint(0, neuron_fields.max_threshold(form))))
    weights = neuron_fields.WEIGHT_RANGE
    exercise = neuron_fields.EXERCISE_RANGE
    return form.replace(
        tab=rng.choice(neuron_fields.TABS),
        threshold=threshold,
        w1=_number(rng, *weights),
        w2=_number(rng, *weights),
        bias=_number(rng, *weights),
        rule_learning_rate=rng.choice(neuron_fields.RULE_LEARNING_RATES),
        rule_seed=rng.randint(0, neuron_fields.MAX_RULE_SEED),
        xor_epochs=rng.randint(*neuron_fields.XOR_EPOCHS),
        xor_hidden_weights=tuple(_number(rng, -5, 5) for _ in range(4)),
        xor_hidden_bias=tuple(_number(rng, -5, 5) for _ in range(2)),
        xor_output_weights=tuple(_number(rng, -5, 5) for _ in range(2)),
        xor_output_bias=_number(rng, -5, 5),
        mlp_units=rng.randint(*neuron_fields.MLP_UNITS),
        mlp_activation=rng.choice(XOR_ACTIVATIONS),
        mlp_learning_rate=rng.choice(neuron_fields.MLP_LEARNING_RATES),
        mlp_epochs=rng.randint(*neuron_fields.MLP_EPOCHS),
        exercise_gate=rng.choice(neuron_fields.EXERCISE_GATES),
        exercise_w1=_number(rng, *exercise),
        exercise_w2=_number(rng, *exercise),
        exercise_bias=_number(rng, *exercise),
    )


def activations_form(rng: random.Random, max_steps: int = activations_fields.STEPS[1]) -> ActivationsForm:
    """A random valid form; `max_steps` caps the steps of gradient descent (a page that
    shows the descent tab computes five descents of that many steps)."""
    x_min, x_max = sorted(rng.sample([x / 2 for x in range(-20, 21)], 2))
    affine = activations_fields.AFFINE_RANGE
    return ActivationsForm(
        tab=rng.choice(activations_fields.TABS),
        activations=tuple(rng.sample(ACTIVATIONS, rng.randint(0, 4))),
        x_range=(x_min, x_max),
        layout=rng.choice(activations_fields.LAYOUTS),
        derivatives=rng.random() < 0.5,
        a2=_number(rng, *affine),
        b2=_number(rng, *affine),
        a1=_number(rng, *affine),
        b1=_number(rng, *affine),
        between=rng.choice(ACTIVATIONS),
        learning_rate=rng.choice(activations_fields.LEARNING_RATES),
        steps=rng.randint(activations_fields.STEPS[0], max_steps),
        batch_size=rng.randint(1, NUM_SAMPLES),
    )
