"""Activation derivatives from the gradient tape against finite differences, and the tables."""

import numpy as np
import pytest

from core.fundamentals import activations as act


def _away_from_kinks(name: str, x: np.ndarray) -> np.ndarray:
    kinks = np.array(act.KINKS.get(name, ()))
    if kinks.size == 0:
        return x
    return x[np.min(np.abs(x[:, None] - kinks[None, :]), axis=1) > 1e-3]


X = np.linspace(-9.87, 9.91, 301)  # off-grid, so no point lands exactly on a kink


@pytest.fixture(scope="module")
def curves():
    # The page's widest range, every activation at once, as the page computes them.
    return act.activation_curves(act.ACTIVATIONS, float(X[0]), float(X[-1]), num_points=len(X))


@pytest.mark.parametrize("name", act.ACTIVATIONS)
def test_plotted_derivative_matches_finite_differences(curves, name):
    group = curves[curves.activation == name]
    np.testing.assert_allclose(group.x, X)
    points = _away_from_kinks(name, X)
    keep = np.isin(X, points)
    h = 1e-5
    plus, _ = act.values_and_derivatives(name, points + h)
    minus, _ = act.values_and_derivatives(name, points - h)
    estimate = (plus - minus) / (2 * h)  # central difference, float64
    np.testing.assert_allclose(group.derivative.to_numpy()[keep], estimate, atol=1e-5)


def test_known_derivatives():
    _, d = act.values_and_derivatives("sigmoid", np.array([0.0]))
    assert d[0] == pytest.approx(0.25)
    _, d = act.values_and_derivatives("leaky_relu", np.array([-1.0, 1.0]))
    np.testing.assert_allclose(d, [0.2, 1.0])  # Keras's default negative_slope is 0.2


def test_descriptions_cover_every_activation_and_match_ranges():
    assert set(act.DESCRIPTIONS) == set(act.ACTIVATIONS)
    curves = act.activation_curves(("swish", "gelu", "mish", "selu"), -10.0, 10.0, num_points=4001)
    minima = curves.groupby("activation").value.min()
    # The lower ends written in DESCRIPTIONS, to the digits given there.
    assert minima["swish"] == pytest.approx(-0.278, abs=1e-3)
    assert minima["gelu"] == pytest.approx(-0.170, abs=1e-3)
    assert minima["mish"] == pytest.approx(-0.309, abs=1e-3)
    assert minima["selu"] == pytest.approx(-1.758, abs=1e-3)


def test_flat_regions_find_saturation():
    curves = act.activation_curves(("tanh", "relu", "linear", "swish"), -5.0, 5.0, num_points=201)
    table = act.describe(curves).set_index("activation")
    column = "flat here (|f′| < 0.01)"
    assert table.loc["tanh", column] == "[-5.00, -3.00], [3.00, 5.00]"
    assert table.loc["relu", column] == "[-5.00, 0.00]"
    assert table.loc["linear", column] == "nowhere"
    assert table.loc["swish", column] == "nowhere"  # its minimum is a point, not a plateau


def test_two_affine_maps_make_one():
    c = act.compose_affine(2, 3, 5, -1)  # the book's example: f(g(x)) = 10x + 1
    assert (c.slope, c.intercept, c.formula) == (10.0, 1.0, "10x + 1")
    assert c.is_affine
    np.testing.assert_allclose(c.composed, c.single, rtol=1e-5, atol=1e-5)
    assert not act.compose_affine(2, 3, 5, -1, "relu").is_affine


def test_invalid_values_raise_keras_style():
    with pytest.raises(ValueError, match="Received: names='softmax'"):
        act.activation_curves(("relu", "softmax"))
    with pytest.raises(ValueError, match="Received: x_max=-1.0"):
        act.activation_curves(("relu",), 1.0, -1.0)
