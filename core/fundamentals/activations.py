"""Activation functions from `keras.activations`, their derivatives, and what they are like.

Values come from Keras itself and derivatives from automatic differentiation (a
`tf.GradientTape`), never from formulas written here. `DESCRIPTIONS` records what each
function is like (range, centring, where it saturates, where it has a kink);
`flat_regions` measures saturation on the plotted range. `compose_affine` shows why an
MLP needs activations: two affine maps in a row are one affine map.

Example:

>>> curves = activation_curves(("relu", "tanh"), -3.0, 3.0, num_points=7)
>>> curves[curves.activation == "relu"].derivative.tolist()
[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.config import ACTIVATIONS as MODEL_ACTIVATIONS
from core.validation import check_choice, check_int, invalid

if TYPE_CHECKING:  # pandas loads with the first table: the page's form imports this module first
    import pandas as pd

# Every activation the model pages offer, sigmoid and tanh first as history had them,
# then four more of Keras's that this page draws for comparison only.
_HISTORY_FIRST = ("sigmoid", "tanh")
DRAWN_ONLY = ("softsign", "hard_sigmoid", "relu6", "mish")
ACTIVATIONS = _HISTORY_FIRST + tuple(name for name in MODEL_ACTIVATIONS if name not in _HISTORY_FIRST) + DRAWN_ONLY
MAX_POINTS = 5001


@dataclass(frozen=True)
class Description:
    output_range: str
    zero_centred: str
    saturates: str
    not_differentiable: str


# Keras defaults: elu alpha=1, leaky_relu negative_slope=0.2, gelu exact (approximate=False),
# selu scale≈1.0507 and alpha≈1.6733, hard_sigmoid = relu6(x + 3) / 6.
DESCRIPTIONS = {
    "sigmoid": Description("(0, 1)", "no (outputs centre on 0.5)", "both sides, |x| ≳ 5", "nowhere"),
    "tanh": Description("(−1, 1)", "yes", "both sides, |x| ≳ 3", "nowhere"),
    "relu": Description("[0, ∞)", "no", "x < 0 (f′ = 0: dead units)", "x = 0"),
    "elu": Description("(−1, ∞)", "roughly (mean near 0)", "x ≲ −4, towards −1", "nowhere (alpha = 1)"),
    "selu": Description(
        "(−1.758, ∞)", "yes (self-normalising)", "x ≲ −5, towards −1.758", "x = 0 (slopes 1.76 | 1.05)"
    ),
    "softplus": Description("(0, ∞)", "no", "x ≲ −5, towards 0", "nowhere"),
    "swish": Description("[−0.278, ∞)", "no (small negative dip)", "x ≲ −6, towards 0", "nowhere"),
    "gelu": Description("[−0.170, ∞)", "no (small negative dip)", "x ≲ −4, towards 0", "nowhere"),
    "leaky_relu": Description("(−∞, ∞)", "no (slope 0.2 for x < 0)", "never", "x = 0"),
    "linear": Description("(−∞, ∞)", "yes", "never", "nowhere"),
    "softsign": Description("(−1, 1)", "yes", "both sides, slowly (polynomial tails)", "nowhere"),
    "hard_sigmoid": Description("[0, 1]", "no", "|x| ≥ 3 (derivative exactly 0)", "x = ±3"),
    "relu6": Description("[0, 6]", "no", "x < 0 and x > 6 (derivative exactly 0)", "x = 0 and x = 6"),
    "mish": Description("[−0.309, ∞)", "no (small negative dip)", "x ≲ −6, towards 0", "nowhere"),
}

# Points where a function has a kink, so a finite-difference check must keep away.
KINKS = {"relu": (0.0,), "selu": (0.0,), "leaky_relu": (0.0,), "hard_sigmoid": (-3.0, 3.0), "relu6": (0.0, 6.0)}


def _check_names(names) -> tuple[str, ...]:
    names = tuple(names)
    for name in names:
        check_choice("names", name, ACTIVATIONS)
    return names


def values_and_derivatives(name: str, x) -> tuple[np.ndarray, np.ndarray]:
    """`keras.activations.<name>(x)` and its derivative, by automatic differentiation.

    The activations act element-wise, so the gradient of their sum with respect to `x`
    is the derivative at every point at once.

    Args:
        name: one of `ACTIVATIONS`.
        x: points, a 1-D array. Computed in float64 for clean finite-difference checks.

    Returns:
        `(values, derivatives)`, NumPy arrays shaped like `x`.

    Raises:
        ValueError: for an unknown activation.
    """
    (name,) = _check_names((name,))
    import keras
    import tensorflow as tf

    activation = keras.activations.get(name)
    x = tf.constant(np.asarray(x, dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = activation(x)
        total = tf.reduce_sum(y)
    return y.numpy(), tape.gradient(total, x).numpy()


def activation_curves(names, x_min: float = -5.0, x_max: float = 5.0, num_points: int = 401) -> pd.DataFrame:
    """Values and derivatives of several activations on an even grid.

    Args:
        names: activation names from `ACTIVATIONS`.
        x_min: left end of the range. Defaults to -5.0.
        x_max: right end of the range. Defaults to 5.0.
        num_points: grid points. Defaults to 401.

    Returns:
        A long DataFrame with columns `activation`, `x`, `value`, `derivative`.

    Raises:
        ValueError: for an unknown name, an empty range or a bad number of points.
    """
    import pandas as pd

    names = _check_names(names)
    if not (np.isfinite(x_min) and np.isfinite(x_max) and x_min < x_max):
        raise invalid("x_max", f"a number greater than x_min={x_min}", x_max)
    check_int("num_points", num_points, 2, MAX_POINTS)
    x = np.linspace(x_min, x_max, num_points)
    frames = []
    for name in names:
        values, derivatives = values_and_derivatives(name, x)
        frames.append(pd.DataFrame({"activation": name, "x": x, "value": values, "derivative": derivatives}))
    if not frames:
        return pd.DataFrame(columns=["activation", "x", "value", "derivative"])
    return pd.concat(frames, ignore_index=True)


def flat_regions(x, derivative, tolerance: float = 0.01, min_width: float = 0.25) -> list[tuple[float, float]]:
    """Intervals of `x`, at least `min_width` long, where |derivative| < tolerance.

    That is where the function saturates and gradients vanish. The width filter leaves
    out the single point where a smooth function like swish turns at its minimum.

    Returns:
        A list of `(start, end)` intervals, in increasing order.
    """
    flat = np.abs(np.asarray(derivative)) < tolerance
    regions, start, previous = [], None, None
    for xi, is_flat in zip(x, flat):
        if is_flat and start is None:
            start = xi
        if not is_flat and start is not None:
            regions.append((float(start), float(previous)))
            start = None
        previous = xi
    if start is not None:
        regions.append((float(start), float(previous)))
    return [(a, b) for a, b in regions if b - a >= min_width]


def describe(curves: pd.DataFrame, tolerance: float = 0.01) -> pd.DataFrame:
    """One row per plotted activation: `DESCRIPTIONS` plus the flat part of the range."""
    import pandas as pd

    rows = []
    for name, group in curves.groupby("activation", sort=False):
        regions = flat_regions(group.x.to_numpy(), group.derivative.to_numpy(), tolerance)
        info = DESCRIPTIONS[name]
        rows.append(
            {
                "activation": name,
                "output range": info.output_range,
                "zero-centred": info.zero_centred,
                "saturates": info.saturates,
                f"flat here (|f′| < {tolerance:g})": ", ".join(f"[{a:.2f}, {b:.2f}]" for a, b in regions) or "nowhere",
                "not differentiable at": info.not_differentiable,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False, repr=False)
class Composition:
    """g(x) = a2 x + b2, then h = activation(g), then f(h) = a1 h + b1, on a grid.

    With the linear activation, `composed` equals `single` = (a1 a2) x + (a1 b2 + b1).
    """

    x: np.ndarray
    inner: np.ndarray
    composed: np.ndarray
    single: np.ndarray
    slope: float
    intercept: float

    @property
    def formula(self) -> str:
        """The single affine map, written out, e.g. "10x + 1"."""
        sign = "−" if self.intercept < 0 else "+"
        return f"{self.slope:g}x {sign} {abs(self.intercept):g}"

    @property
    def is_affine(self) -> bool:
        """Whether f(act(g(x))) is the single affine map on the whole grid."""
        return bool(np.allclose(self.composed, self.single, atol=1e-6))


def compose_affine(
    a1: float,
    b1: float,
    a2: float,
    b2: float,
    activation: str = "linear",
    x_min: float = -3.0,
    x_max: float = 3.0,
    num_points: int = 201,
) -> Composition:
    """Composes two affine maps, optionally with an activation in between.

    Args:
        a1: slope of the outer map f.
        b1: intercept of the outer map f.
        a2: slope of the inner map g.
        b2: intercept of the inner map g.
        activation: applied between g and f, one of `ACTIVATIONS`. Defaults to "linear".
        x_min: left end of the grid. Defaults to -3.0.
        x_max: right end of the grid. Defaults to 3.0.
        num_points: grid points. Defaults to 201.

    Returns:
        A `Composition`.

    Example:

    >>> c = compose_affine(2, 3, 5, -1)  # the book's f(g(x)) = 10x + 1
    >>> c.slope, c.intercept, c.is_affine
    (10.0, 1.0, True)
    """
    (activation,) = _check_names((activation,))
    import keras
    from keras import ops

    x = ops.linspace(x_min, x_max, num_points)
    inner = a2 * x + b2
    composed = a1 * keras.activations.get(activation)(inner) + b1
    slope, intercept = float(a1 * a2), float(a1 * b2 + b1)
    single = slope * x + intercept
    numpy = ops.convert_to_numpy
    return Composition(numpy(x), numpy(inner), numpy(composed), numpy(single), slope, intercept)
