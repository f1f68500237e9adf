"""Gradient descent on the two-parameter linear model: the divergence bound 2 / L holds."""

import numpy as np
import pytest

from core.fundamentals import descent


@pytest.fixture(scope="module")
def data():
    return descent.make_linear_data()


def test_tape_hessian_matches_the_closed_form(data):
    # For the mean squared error of w x + b, H = 2 [[mean x², mean x], [mean x, 1]].
    x = data.x.astype(np.float64)
    expected = 2 * np.array([[np.mean(x**2), np.mean(x)], [np.mean(x), 1.0]])
    np.testing.assert_allclose(descent.hessian(data), expected, rtol=1e-6)


def test_diverges_above_two_over_l_and_converges_below(data):
    bound = descent.critical_learning_rate(data)
    assert 0.3 < bound < 0.45  # x ~ N(1, 1): L ≈ 3 + √5, so 2 / L ≈ 0.38
    above = descent.descend(data, 1.05 * bound, steps=200)
    below = descent.descend(data, 0.95 * bound, steps=200)
    assert above.diverged and above.losses[-1] > descent.DIVERGENCE_LOSS
    assert not below.diverged
    assert below.losses[-1] < 0.3  # near the noise floor (noise variance 0.25)
    np.testing.assert_allclose(below.params[-1], [data.true_w, data.true_b], atol=0.15)


def test_three_regimes(data):
    bound = descent.critical_learning_rate(data)
    slow = descent.descend(data, 0.05 * bound, steps=50)
    good = descent.descend(data, 0.5 * bound, steps=50)
    assert slow.losses[-1] > 3 * good.losses[-1]  # small steps are still far from the bottom
    assert np.all(np.diff(good.losses) <= 1e-6)  # below 1/L the loss never goes up
    assert descent.regime(0.05 * bound, bound) == "too small: slow"
    assert descent.regime(0.5 * bound, bound) == "good: converges"
    assert descent.regime(1.05 * bound, bound) == "too large: diverges"


def test_sgd_uses_minibatches_and_still_descends(data):
    gd = descent.descend(data, 0.1, steps=60)
    sgd = descent.descend(data, 0.1, steps=60, batch_size=5, seed=1)
    assert sgd.params.shape == gd.params.shape == (61, 2)
    assert not np.allclose(sgd.params, gd.params)  # noisy path
    assert sgd.losses[-1] < 0.2 * sgd.losses[0]


def test_full_batch_size_is_gradient_descent(data):
    a = descent.descend(data, 0.1, steps=10)
    b = descent.descend(data, 0.1, steps=10, batch_size=len(data.x))
    np.testing.assert_allclose(a.params, b.params)


def test_loss_grid_minimum_is_near_the_truth(data):
    ws, bs, losses = descent.loss_grid(data, num=81)
    row, col = np.unravel_index(np.argmin(losses), losses.shape)
    assert abs(ws[col] - data.true_w) < 0.2 and abs(bs[row] - data.true_b) < 0.2


def test_invalid_values_raise_keras_style(data):
    with pytest.raises(ValueError, match="Received: learning_rate=0"):
        descent.descend(data, 0)
    with pytest.raises(ValueError, match="Received: batch_size=1000"):
        descent.descend(data, 0.1, batch_size=1000)
