"""Gradient descent and minibatch SGD on a two-parameter linear model, in plain sight.

The model is y_hat = w x + b, the loss the mean squared error over synthetic data. With
two parameters the loss is a surface one can draw (`loss_grid`), and the path of
(w, b) under `descend` can be drawn on it. Gradients come from a `tf.GradientTape`, the
Hessian from a tape inside a tape; nothing is derived by hand.

The loss is quadratic, so its curvature is the same everywhere: full-batch gradient
descent converges for learning rates below 2 / L, where L is the largest eigenvalue of the
Hessian, and diverges above it (`critical_learning_rate`).

Example:

>>> data = make_linear_data()
>>> bound = critical_learning_rate(data)
>>> descend(data, 1.1 * bound, steps=100).diverged
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.validation import check_float, check_int

DIVERGENCE_LOSS = 1e6  # a path whose loss passes this is declared divergent and stopped
MAX_STEPS = 2000
NUM_SAMPLES = 100  # points of `make_linear_data`, the most an SGD batch can take


@dataclass(frozen=True, eq=False)
class LinearData:
    """Synthetic regression data y = true_w x + true_b + noise, float32 arrays (n,)."""

    x: np.ndarray
    y: np.ndarray
    true_w: float
    true_b: float


def make_linear_data(
    num_samples: int = NUM_SAMPLES, true_w: float = 2.0, true_b: float = -1.0, noise: float = 0.5, seed: int = 0
) -> LinearData:
    """Draws x ~ N(1, 1) and y = true_w x + true_b + N(0, noise²).

    The mean of x is 1, not 0, so w and b are correlated: the loss valley is tilted and
    elongated, and the learning rate that suits one direction is too small for the other.

    Args:
        num_samples: number of points. Defaults to 100.
        true_w: slope of the line. Defaults to 2.0.
        true_b: intercept. Defaults to -1.0.
        noise: standard deviation of the noise. Defaults to 0.5.
        seed: seeds the draw. Defaults to 0.

    Raises:
        ValueError: if `num_samples` < 2 or `noise` < 0.
    """
    check_int("num_samples", num_samples, 2)
    check_float("noise", noise, 0)
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 1.0, num_samples)
    y = true_w * x + true_b + rng.normal(0.0, noise, num_samples)
    return LinearData(x.astype(np.float32), y.astype(np.float32), float(true_w), float(true_b))


def _loss(w, b, x, y):
    from keras import ops

    return ops.mean(ops.square(w * x + b - y), axis=-1)


def loss_grid(data: LinearData, w_range=(-2.0, 6.0), b_range=(-5.0, 3.0), num: int = 81):
    """The mean squared error on a grid of (w, b), for a contour plot.

    Returns:
        `(ws, bs, losses)`: ws (num,), bs (num,), losses (num, num) with rows along b.
    """
    from keras import ops

    ws = np.linspace(*w_range, num, dtype=np.float32)
    bs = np.linspace(*b_range, num, dtype=np.float32)
    w, b = np.meshgrid(ws, bs)  # (num, num) each
    losses = _loss(w[..., None], b[..., None], data.x, data.y)  # broadcast over samples
    return ws, bs, ops.convert_to_numpy(losses)


def hessian(data: LinearData, w: float = 0.0, b: float = 0.0) -> np.ndarray:
    """The 2x2 Hessian of the loss in (w, b), by a gradient tape inside a gradient tape."""
    import tensorflow as tf

    params = tf.Variable([w, b], dtype=tf.float64)
    x, y = tf.constant(data.x, tf.float64), tf.constant(data.y, tf.float64)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = _loss(params[0], params[1], x, y)
        grad = inner.gradient(loss, params)
    return outer.jacobian(grad, params).numpy()


def critical_learning_rate(data: LinearData) -> float:
    """2 / L, L the largest curvature of the loss: gradient descent diverges above it."""
    return float(2.0 / np.linalg.eigvalsh(hessian(data)).max())


@dataclass(frozen=True, eq=False)
class DescentPath:
    """The parameters and full-data loss before the first step and after each step.

    `params` is (steps + 1, 2) of (w, b); `losses` (steps + 1,). A divergent path stops
    early, once the loss passes `DIVERGENCE_LOSS` or stops being finite.
    """

    params: np.ndarray
    losses: np.ndarray
    learning_rate: float
    batch_size: int | None
    diverged: bool


def descend(
    data: LinearData,
    learning_rate: float,
    steps: int = 50,
    batch_size: int | None = None,
    start: tuple[float, float] = (-1.0, 2.0),
    seed: int = 0,
) -> DescentPath:
    """Runs gradient descent (full batch) or minibatch SGD from `start`.

    Each step computes the gradient of the mean squared error on the batch with a
    `tf.GradientTape` and moves theta <- theta - learning_rate * gradient. SGD draws its
    batches by shuffling the data once per epoch.

    Args:
        data: the regression problem.
        learning_rate: the step size eta, positive.
        steps: number of updates. Defaults to 50.
        batch_size: samples per minibatch; `None` (or the data size) is full-batch
            gradient descent. Defaults to `None`.
        start: initial (w, b). Defaults to (-1.0, 2.0).
        seed: seeds the minibatch shuffling. Defaults to 0.

    Returns:
        A `DescentPath`.

    Raises:
        ValueError: for a non-positive learning rate, steps out of range or a batch size
            out of range.
    """
    check_float("learning_rate", learning_rate, 0, open_low=True)
    check_int("steps", steps, 1, MAX_STEPS)
    n = len(data.x)
    if batch_size is not None:
        check_int("batch_size", batch_size, 1, n, hint=f"The data has {n} samples.")
    import tensorflow as tf

    full = batch_size is None or batch_size == n
    params = tf.Variable(start, dtype=tf.float32)
    x_all, y_all = tf.constant(data.x), tf.constant(data.y)
    rng = np.random.default_rng(seed)
    order, cursor = rng.permutation(n), 0

    path, losses, diverged = [list(start)], [float(_loss(params[0], params[1], x_all, y_all))], False
    for _ in range(steps):
        if full:
            x, y = x_all, y_all
        else:
            if cursor + batch_size > n:  # a new epoch: reshuffle
                order, cursor = rng.permutation(n), 0
            batch = order[cursor : cursor + batch_size]
            cursor += batch_size
            x, y = tf.gather(x_all, batch), tf.gather(y_all, batch)
        with tf.GradientTape() as tape:
            loss = _loss(params[0], params[1], x, y)
        params.assign_sub(learning_rate * tape.gradient(loss, params))
        full_loss = float(_loss(params[0], params[1], x_all, y_all))
        path.append(params.numpy().tolist())
        losses.append(full_loss)
        if not np.isfinite(full_loss) or full_loss > DIVERGENCE_LOSS:
            diverged = True
            break
    return DescentPath(np.array(path), np.array(losses), float(learning_rate), batch_size, diverged)


def regime(learning_rate: float, bound: float) -> str:
    """Names the regime of a learning rate for a quadratic loss with bound 2 / L."""
    if learning_rate >= bound:
        return "too large: diverges"
    if learning_rate < 0.1 * bound:
        return "too small: slow"
    return "good: converges"
