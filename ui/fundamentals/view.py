"""Cached helpers and widgets for the fundamentals pages (neuron, activations, descent).

The pages stay thin: they read widgets, call one of the cached helpers here (which call
`core`), and hand the result to a figure builder of `ui.fundamentals.figures`. Nothing
here imports TensorFlow at module level, so the neuron page starts without it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.fundamentals import neuron as mp

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


def xor_weight_inputs(key: str):
    """Number inputs for every weight of the 2-2-1 threshold network, the book's as defaults.

    Returns:
        `(hidden_weights, hidden_bias, output_weights, output_bias)` for
        `core.fundamentals.neuron.threshold_network`.
    """
    columns = st.columns(3)
    hw, hb, ow = [[0.0, 0.0], [0.0, 0.0]], [0.0, 0.0], [0.0, 0.0]
    for j in range(2):
        with columns[j]:
            for i, name in enumerate("AB"):
                hw[i][j] = st.number_input(
                    f"{name} → h{j + 1}", value=mp.XOR_HIDDEN_WEIGHTS[i][j], step=0.5, key=f"{key}_w{i}{j}"
                )
            hb[j] = st.number_input(f"bias of h{j + 1}", value=mp.XOR_HIDDEN_BIAS[j], step=0.5, key=f"{key}_b{j}")
    with columns[2]:
        for j in range(2):
            ow[j] = st.number_input(f"h{j + 1} → out", value=mp.XOR_OUTPUT_WEIGHTS[j], step=0.5, key=f"{key}_v{j}")
        ob = st.number_input("bias of out", value=mp.XOR_OUTPUT_BIAS, step=0.5, key=f"{key}_c")
    return hw, hb, ow, ob


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
