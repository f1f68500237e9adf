"""Cached helpers and widgets for the fundamentals pages (neuron, activations, descent).

The pages stay thin: they draw their form's widgets, call one of the cached helpers here
(which call `core`), and hand the result to a figure builder of
`ui.fundamentals.figures`. Nothing here imports TensorFlow at module level, so the
neuron page starts without it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.fundamentals import neuron as mp
from ui.state import PageForm

# ---------------------------------------------------------------- neuron page


@st.cache_data(show_spinner=False)
def iris_setosa() -> tuple[np.ndarray, np.ndarray]:
    return mp.load_iris_setosa()


@st.cache_data(show_spinner=False)
def sklearn_perceptron() -> mp.SklearnPerceptron:
    return mp.fit_sklearn_perceptron(*iris_setosa())


@st.cache_data(show_spinner=False)
def random_points(num_points: int, seed: int) -> np.ndarray:
    return mp.random_points(num_points, seed)


@st.cache_data(show_spinner=False)
def xor_perceptron(epochs: int, learning_rate: float) -> mp.PerceptronState:
    return mp.train_perceptron(*mp.xor_data(), learning_rate=learning_rate, epochs=epochs)


@st.cache_data(show_spinner=False, max_entries=32)
def xor_mlp(hidden_units: int, activation: str, learning_rate: float, epochs: int, seed: int):
    return mp.train_xor_mlp(hidden_units, activation, learning_rate, epochs, seed)


def _at(values: tuple, index: int, value) -> tuple:
    return values[:index] + (value,) + values[index + 1 :]


def xor_weight_fields(form: PageForm) -> None:
    """Number inputs for every weight of the 2-2-1 threshold network, drawn from the
    form's `xor_hidden_weights` (row by row: A→h1, A→h2, B→h1, B→h2),
    `xor_hidden_bias`, `xor_output_weights` and `xor_output_bias`."""

    def item(name: str, index: int, column, label: str) -> None:
        form.widget(
            name,
            column.number_input,
            label,
            step=0.5,
            key=f"{name}_{index}",
            to_widget=lambda values: values[index],
            from_widget=lambda value: {name: _at(getattr(form.value, name), index, float(value))},
        )

    columns = st.columns(3)
    for unit in range(2):
        for row, source in enumerate("AB"):
            item("xor_hidden_weights", 2 * row + unit, columns[unit], f"{source} → h{unit + 1}")
        item("xor_hidden_bias", unit, columns[unit], f"bias of h{unit + 1}")
    for unit in range(2):
        item("xor_output_weights", unit, columns[2], f"h{unit + 1} → out")
    form.widget("xor_output_bias", columns[2].number_input, "bias of out", step=0.5)


# ---------------------------------------------------------------- both pages


# ---------------------------------------------------------------- activations page


@st.cache_data(show_spinner=False, max_entries=64)
def activation_curves(names: tuple[str, ...], x_min: float, x_max: float):
    from core.fundamentals import activations

    return activations.activation_curves(names, x_min, x_max)


@st.cache_data(show_spinner=False, max_entries=64)
def composition(a1: float, b1: float, a2: float, b2: float, activation: str):
    from core.fundamentals import activations

    return activations.compose_affine(a1, b1, a2, b2, activation)


@st.cache_data(show_spinner=False)
def linear_problem():
    """The synthetic data, its loss surface and its critical learning rate 2 / L."""
    from core.fundamentals import descent

    data = descent.make_linear_data()
    return data, descent.loss_grid(data), descent.critical_learning_rate(data)


@st.cache_data(show_spinner=False, max_entries=128)
def descent_path(learning_rate: float, steps: int, batch_size: int | None):
    from core.fundamentals import descent

    return descent.descend(linear_problem()[0], learning_rate, steps, batch_size)
