"""The Activations & gradient descent page's form: the open tab and every tab's controls.

The page has three tabs (`TABS`), and a link opens the one it names. Its sliders have
bounds, which `check` holds a link's values to (a slider cannot show a value outside
them).

Example:

>>> form = ActivationsForm(tab="descent", activations=("gelu",), learning_rate=0.3)
>>> check(form).x_range
(-5.0, 5.0)
>>> check(form.replace(x_range=(2.0, 1.0)))
Traceback (most recent call last):
...
ValueError: Received an invalid value for `x_range`, expected two numbers in [-10.0, 10.0], the first the smaller. Received: x_range=(2.0, 1.0)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.forms import Form, choice, choices
from core.fundamentals.activations import ACTIVATIONS
from core.fundamentals.descent import NUM_SAMPLES
from core.validation import check_float, check_int, invalid, is_number

TABS = ("functions", "why", "descent")
LAYOUTS = ("overlaid", "grid")  # values and derivatives in two panels, or a panel per activation
X_LIMITS = (-10.0, 10.0)
AFFINE_RANGE = (-3.0, 3.0)  # slopes and biases of the two affine maps
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.34, 0.36, 0.38, 0.4, 0.5)
STEPS = (5, 200)


@dataclass(frozen=True)
class ActivationsForm(Form):
    """What the Activations & gradient descent page's controls are set to."""

    tab: str = choice("functions", TABS)
    # Activation functions
    activations: tuple[str, ...] = choices(("sigmoid", "tanh", "relu"), ACTIVATIONS)
    x_range: tuple[float, ...] = (-5.0, 5.0)
    layout: str = choice("overlaid", LAYOUTS)
    derivatives: bool = True
    # Why activations? f(between(g(x))) with g(x) = a2 x + b2 and f(x) = a1 x + b1
    a2: float = 1.5
    b2: float = -1.0
    a1: float = 2.0
    b1: float = 0.5
    between: str = choice("linear", ACTIVATIONS)
    # Gradient descent & SGD
    learning_rate: float = choice(0.1, LEARNING_RATES)
    steps: int = 50
    batch_size: int = 10  # SGD's; gradient descent takes every point


def check(form: ActivationsForm) -> ActivationsForm:
    """Returns `form` if every value is within its control's bounds; raises
    `ValueError` (Keras's style) naming the first that is not."""
    if len(set(form.activations)) != len(form.activations):
        raise invalid("activations", "each activation once", form.activations)
    low, high = X_LIMITS
    x_range = form.x_range
    if not (len(x_range) == 2 and all(is_number(x) and low <= x <= high for x in x_range) and x_range[0] < x_range[1]):
        raise invalid("x_range", f"two numbers in [{low}, {high}], the first the smaller", x_range)
    for name in ("a2", "b2", "a1", "b1"):
        check_float(name, getattr(form, name), *AFFINE_RANGE)
    check_int("steps", form.steps, *STEPS)
    check_int("batch_size", form.batch_size, 1, NUM_SAMPLES)
    return form


FIELDS = tuple(item.name for item in dataclasses.fields(ActivationsForm))
