"""The neuron before the MLP: McCulloch-Pitts gates, the perceptron and its rule, XOR.

Everything here except `train_xor_mlp` is plain NumPy on a handful of numbers, so a page
can recompute it on every slider move without starting TensorFlow. `train_xor_mlp`
imports Keras lazily: it is the one place where a network is trained.

Example:

>>> table = truth_table(gate_neuron("AND", num_inputs=2))
>>> table["neuron"].tolist()
[0, 0, 0, 1]
>>> state = train_perceptron(*xor_data(), epochs=10)
>>> min(state.errors_per_epoch) > 0
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from core.validation import check_choice, check_float, check_int, invalid

if TYPE_CHECKING:  # pandas loads with the first truth table: the page's form imports this module first
    import pandas as pd

INPUT_NAMES = "ABCDEF"
MAX_INPUTS = len(INPUT_NAMES)
GATES = ("AND", "OR", "NOR", "NOT", "identity", "A and not B")
# Gates whose number of inputs is fixed by their definition.
FIXED_INPUTS = {"NOT": 1, "identity": 1, "A and not B": 2}

# The hand-wired XOR network of the book (Figure 10-6): the first hidden neuron is an
# AND (fires when x1 + x2 >= 1.5), the second an OR (x1 + x2 >= 0.5); the output fires
# for "OR and not AND", which is XOR.
XOR_HIDDEN_WEIGHTS = ((1.0, 1.0), (1.0, 1.0))  # (input, hidden unit)
XOR_HIDDEN_BIAS = (-1.5, -0.5)
XOR_OUTPUT_WEIGHTS = (-1.0, 1.0)
XOR_OUTPUT_BIAS = -0.5


# ---------------------------------------------------------------- McCulloch-Pitts


@dataclass(frozen=True)
class MPNeuron:
    """A McCulloch-Pitts neuron: binary inputs, binary output, an integer threshold.

    Each input reaches the neuron through `connections[i]` excitatory connections (the
    book draws the identity with two arrows from A to C) or, if `inhibitory[i]`, through
    one inhibitory connection. The neuron fires when no inhibitory input is active and at
    least `threshold` excitatory signals arrive.

    Args:
        connections: number of excitatory connections from each input.
        inhibitory: whether each input inhibits the neuron instead.
        threshold: signals needed to fire, a non-negative integer.
    """

    connections: tuple[int, ...]
    inhibitory: tuple[bool, ...]
    threshold: int

    def __post_init__(self):
        if not 1 <= len(self.connections) <= MAX_INPUTS:
            raise invalid("connections", f"between 1 and {MAX_INPUTS} inputs", self.connections)
        if len(self.inhibitory) != len(self.connections):
            raise invalid("inhibitory", f"one flag per input ({len(self.connections)})", self.inhibitory)
        check_int("threshold", self.threshold, 0)

    @property
    def num_inputs(self) -> int:
        return len(self.connections)

    @property
    def max_signal(self) -> int:
        """The most excitatory signals the neuron can receive at once."""
        return sum(c for c, inh in zip(self.connections, self.inhibitory) if not inh)

    def __call__(self, x) -> np.ndarray:
        """Outputs (0 or 1) for binary inputs of shape (n, num_inputs)."""
        x = np.atleast_2d(np.asarray(x, dtype=int))
        excite = np.array([0 if inh else c for c, inh in zip(self.connections, self.inhibitory)])
        inhibit = np.array(self.inhibitory, dtype=bool)
        signal = x @ excite
        blocked = (x[:, inhibit] > 0).any(axis=1)
        return ((signal >= self.threshold) & ~blocked).astype(int)


def gate_target(gate: str, x) -> np.ndarray:
    """What `gate` should output for binary inputs of shape (n, num_inputs)."""
    check_choice("gate", gate, GATES)
    x = np.atleast_2d(np.asarray(x, dtype=bool))
    if gate == "AND":
        out = x.all(axis=1)
    elif gate == "OR":
        out = x.any(axis=1)
    elif gate == "NOR":
        out = ~x.any(axis=1)
    elif gate == "NOT":
        out = ~x[:, 0]
    elif gate == "identity":
        out = x[:, 0]
    else:  # A and not B
        out = x[:, 0] & ~x[:, 1]
    return out.astype(int)


def gate_neuron(gate: str, num_inputs: int = 2, threshold: int | None = None) -> MPNeuron:
    """The McCulloch-Pitts neuron that computes `gate`, wired as the book draws it.

    With the book's convention (a neuron fires when at least two signals arrive) the
    identity and OR send two connections per input, AND one per input, and "A and not B"
    two from A plus an inhibitory one from B. NOR and NOT have only inhibitory inputs and
    threshold 0: they fire unless something inhibits them.

    Args:
        gate: one of `GATES`.
        num_inputs: inputs of AND, OR and NOR (NOT and the identity have 1, "A and not
            B" has 2, whatever is passed). Defaults to 2.
        threshold: overrides the gate's own threshold, to watch the table change.
            Defaults to `None` (the gate's threshold).

    Returns:
        An `MPNeuron`.

    Raises:
        ValueError: for an unknown gate, a number of inputs out of range, or a negative
            threshold.
    """
    check_choice("gate", gate, GATES)
    n = FIXED_INPUTS.get(gate, num_inputs)
    check_int("num_inputs", n, 1, MAX_INPUTS)
    if gate == "AND":
        neuron = MPNeuron((1,) * n, (False,) * n, n)
    elif gate in ("OR", "identity"):
        neuron = MPNeuron((2,) * n, (False,) * n, 2)
    elif gate in ("NOR", "NOT"):
        neuron = MPNeuron((1,) * n, (True,) * n, 0)
    else:  # A and not B
        neuron = MPNeuron((2, 1), (False, True), 2)
    return neuron if threshold is None else replace(neuron, threshold=threshold)


def binary_inputs(num_inputs: int) -> np.ndarray:
    """All 2**num_inputs binary input rows, in truth-table order, shape (2**n, n)."""
    return np.array(list(itertools.product((0, 1), repeat=num_inputs)), dtype=int).reshape(-1, num_inputs)


def truth_table(neuron: MPNeuron, gate: str | None = None) -> pd.DataFrame:
    """The neuron's truth table: one column per input, `neuron`, and `gate` if given.

    Args:
        neuron: the neuron to evaluate.
        gate: also list what this gate should output, and whether the neuron agrees.
            Defaults to `None`.

    Returns:
        A DataFrame with 2**num_inputs rows.
    """
    import pandas as pd

    x = binary_inputs(neuron.num_inputs)
    table = pd.DataFrame(x, columns=list(INPUT_NAMES[: neuron.num_inputs]))
    table["neuron"] = neuron(x)
    if gate is not None:
        table[gate] = gate_target(gate, x)
        table["agrees"] = table["neuron"] == table[gate]
    return table


# ---------------------------------------------------------------- threshold units


def heaviside(z) -> np.ndarray:
    """The step function of the perceptron: 1 where z >= 0, else 0."""
    return (np.asarray(z) >= 0).astype(int)


def perceptron_predict(x, weights, bias: float) -> np.ndarray:
    """Classes (0 or 1) of a threshold logic unit, step(x @ weights + bias), for x (n, d)."""
    return heaviside(np.asarray(x, dtype=float) @ np.asarray(weights, dtype=float) + bias)


def random_points(num_points: int = 200, seed: int = 0) -> np.ndarray:
    """Standard normal 2-D points, shape (num_points, 2), the same for the same seed."""
    check_int("num_points", num_points, 1)
    return np.random.default_rng(seed).normal(size=(num_points, 2))


def decision_line(weights, bias: float, x_range, y_range):
    """The segment of w1*x + w2*y + b = 0 inside a box, or None if it misses the box.

    Returns:
        `((x0, x1), (y0, y1))`, the end points, for plotting.
    """
    w1, w2 = (float(w) for w in weights)
    if abs(w2) > 1e-12:
        xs = np.array(x_range, dtype=float)
        ys = -(w1 * xs + bias) / w2
    elif abs(w1) > 1e-12:
        ys = np.array(y_range, dtype=float)
        xs = np.full(2, -bias / w1)
    else:
        return None  # no weights: the whole plane is one class
    return (tuple(xs), tuple(ys))


def threshold_network(
    x,
    hidden_weights=XOR_HIDDEN_WEIGHTS,
    hidden_bias=XOR_HIDDEN_BIAS,
    output_weights=XOR_OUTPUT_WEIGHTS,
    output_bias: float = XOR_OUTPUT_BIAS,
) -> tuple[np.ndarray, np.ndarray]:
    """A two-layer network of threshold units; by default the book's XOR network.

    Args:
        x: inputs, shape (n, 2).
        hidden_weights: shape (2, num_hidden), one column per hidden unit.
        hidden_bias: shape (num_hidden,).
        output_weights: shape (num_hidden,).
        output_bias: the output unit's bias.

    Returns:
        `(hidden, output)`: hidden activations (n, num_hidden) and outputs (n,).
    """
    hidden = heaviside(np.asarray(x, dtype=float) @ np.asarray(hidden_weights) + hidden_bias)
    output = heaviside(hidden @ np.asarray(output_weights, dtype=float) + output_bias)
    return hidden, output


# ---------------------------------------------------------------- learning rule


def load_iris_setosa() -> tuple[np.ndarray, np.ndarray]:
    """Iris petal length and width (cm), shape (150, 2), and 1 for setosa, else 0."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    return iris.data[:, 2:4].astype(float), (iris.target == 0).astype(int)


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points, shape (4, 2), and their classes."""
    x = binary_inputs(2).astype(float)
    return x, np.array([0, 1, 1, 0])


@dataclass(frozen=True)
class PerceptronState:
    """Where the perceptron learning rule stands; each step returns a new state.

    `order` is the order in which instances are visited in every epoch; `position` the
    index in `order` of the next instance. `errors_per_epoch` holds the mistakes of each
    finished epoch; the rule has converged after an epoch without a mistake.
    """

    weights: tuple[float, ...]
    bias: float
    order: tuple[int, ...]
    learning_rate: float = 1.0
    position: int = 0
    epoch_errors: int = 0
    errors_per_epoch: tuple[int, ...] = ()
    last_index: int | None = None
    last_update: bool = False
    history: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    @property
    def epoch(self) -> int:
        """Finished epochs."""
        return len(self.errors_per_epoch)

    @property
    def converged(self) -> bool:
        return bool(self.errors_per_epoch) and self.errors_per_epoch[-1] == 0


def init_perceptron(
    num_samples: int, num_features: int = 2, learning_rate: float = 1.0, seed: int | None = 0
) -> PerceptronState:
    """A perceptron with zero weights and bias, visiting instances in a shuffled order.

    Args:
        num_samples: instances in the training set.
        num_features: inputs per instance. Defaults to 2.
        learning_rate: eta in w <- w + eta (y - y_hat) x. Defaults to 1.0.
        seed: shuffles the visiting order (fixed for all epochs); `None` keeps the data
            order. Defaults to 0.

    Raises:
        ValueError: if `learning_rate` is not positive.
    """
    check_float("learning_rate", learning_rate, 0, open_low=True)
    order = np.arange(num_samples)
    if seed is not None:
        # Iris is sorted by class; visiting it in that order makes the line swing far.
        order = np.random.default_rng(seed).permutation(num_samples)
    zeros = (0.0,) * num_features
    return PerceptronState(zeros, 0.0, tuple(int(i) for i in order), float(learning_rate), history=((*zeros, 0.0),))


def perceptron_step(state: PerceptronState, x, y) -> PerceptronState:
    """Feeds one instance to the perceptron and applies w <- w + eta (y - y_hat) x.

    The bias is the weight of a constant input x0 = 1, so it moves by eta (y - y_hat).
    """
    index = state.order[state.position]
    xi = np.asarray(x[index], dtype=float)
    weights = np.asarray(state.weights)
    y_hat = int(heaviside(xi @ weights + state.bias))
    error = int(y[index]) - y_hat
    if error:
        weights = weights + state.learning_rate * error * xi
    bias = state.bias + state.learning_rate * error
    position = state.position + 1
    epoch_errors = state.epoch_errors + (error != 0)
    errors = state.errors_per_epoch
    if position == len(state.order):
        errors, position, epoch_errors = errors + (epoch_errors,), 0, 0
    return replace(
        state,
        weights=tuple(float(w) for w in weights),
        bias=float(bias),
        position=position,
        epoch_errors=epoch_errors,
        errors_per_epoch=errors,
        last_index=index,
        last_update=error != 0,
        history=state.history + ((*map(float, weights), float(bias)),) if error else state.history,
    )


def perceptron_epoch(state: PerceptronState, x, y) -> PerceptronState:
    """Runs the rule to the end of the current epoch (a whole epoch from its start)."""
    state = perceptron_step(state, x, y)
    while state.position != 0:
        state = perceptron_step(state, x, y)
    return state


def train_perceptron(x, y, learning_rate: float = 1.0, epochs: int = 20, seed: int | None = 0) -> PerceptronState:
    """Runs the perceptron rule for at most `epochs` epochs, stopping once converged.

    Args:
        x: inputs, shape (n, d).
        y: classes, 0 or 1, shape (n,).
        learning_rate: eta. Defaults to 1.0.
        epochs: the most epochs to run. Defaults to 20.
        seed: shuffles the visiting order. Defaults to 0.

    Returns:
        The final `PerceptronState`; `errors_per_epoch` tells the story.

    Raises:
        ValueError: if `epochs` is not a positive integer or `learning_rate` not positive.
    """
    check_int("epochs", epochs, 1)
    x = np.asarray(x, dtype=float)
    state = init_perceptron(len(x), x.shape[1], learning_rate, seed)
    while state.epoch < epochs and not state.converged:
        state = perceptron_epoch(state, x, y)
    return state


@dataclass(frozen=True)
class SklearnPerceptron:
    weights: tuple[float, float]
    bias: float
    n_iter: int
    accuracy: float


def fit_sklearn_perceptron(x, y, seed: int = 42) -> SklearnPerceptron:
    """scikit-learn's `Perceptron` on the same data: its weights, bias, epochs, accuracy."""
    from sklearn.linear_model import Perceptron

    clf = Perceptron(random_state=seed).fit(x, y)
    return SklearnPerceptron(
        tuple(float(w) for w in clf.coef_[0]),
        float(clf.intercept_[0]),
        int(clf.n_iter_),
        float(clf.score(x, y)),
    )


# ---------------------------------------------------------------- an MLP for XOR


@dataclass(frozen=True, eq=False)
class XorMLPResult:
    """A small Keras MLP trained on XOR: its loss curve, outputs and decision surface.

    `grid_x` and `grid_y` (each (grid_size,)) span [-0.5, 1.5]; `grid_prob`
    (grid_size, grid_size) is P(class 1) with rows along y.
    """

    losses: np.ndarray
    probabilities: np.ndarray  # (4,), for the inputs of `xor_data()`
    grid_x: np.ndarray
    grid_y: np.ndarray
    grid_prob: np.ndarray
    weights: tuple[np.ndarray, ...]


# A subset of core.config.ACTIVATIONS, tanh first as the page's default: on four points
# a smooth S-curve, a kinked ReLU and the logistic unit are enough to compare.
XOR_ACTIVATIONS = ("tanh", "relu", "sigmoid")


def train_xor_mlp(
    hidden_units: int = 4,
    activation: str = "tanh",
    learning_rate: float = 0.1,
    epochs: int = 300,
    seed: int = 0,
    grid_size: int = 61,
) -> XorMLPResult:
    """Trains a 2 -> hidden_units -> 1 Keras MLP on the four XOR points.

    Adam on the binary cross-entropy, all four points in one batch, so an epoch is one
    step. The initial weights are seeded, so the same arguments give the same network.

    Args:
        hidden_units: units of the hidden layer. Defaults to 4.
        activation: hidden activation, one of `XOR_ACTIVATIONS`. Defaults to "tanh".
        learning_rate: Adam's learning rate. Defaults to 0.1.
        epochs: full-batch epochs. Defaults to 300.
        seed: seeds the initial weights. Defaults to 0.
        grid_size: points per side of the decision-surface grid. Defaults to 61.

    Returns:
        An `XorMLPResult`.

    Raises:
        ValueError: for out-of-range arguments.
    """
    check_int("hidden_units", hidden_units, 1, 64)
    check_choice("activation", activation, XOR_ACTIVATIONS)
    check_float("learning_rate", learning_rate, 0, 10, open_low=True)
    check_int("epochs", epochs, 1, 5000)
    import keras

    x, y = xor_data()
    model = keras.Sequential(
        [
            keras.Input(shape=(2,)),
            keras.layers.Dense(
                hidden_units,
                activation=activation,
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
            ),
            keras.layers.Dense(
                1,
                activation="sigmoid",
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1),
            ),
        ]
    )
    from core.training import without_single_replica_all_reduce  # leaves no traced graph behind

    model.compile(
        optimizer=without_single_replica_all_reduce(keras.optimizers.Adam(learning_rate)), loss="binary_crossentropy"
    )
    # One `train_on_batch` per epoch rather than `fit`: with four samples, fit's
    # per-epoch set-up costs ~100x the step itself, and this also gives the exact
    # loss of every step.
    losses = [float(model.train_on_batch(x, y)) for _ in range(epochs)]
    grid = np.linspace(-0.5, 1.5, grid_size)
    gx, gy = np.meshgrid(grid, grid)
    points = np.column_stack([gx.ravel(), gy.ravel()])  # (grid_size**2, 2)
    grid_prob = model.predict(points, verbose=0, batch_size=4096).reshape(grid_size, grid_size)
    return XorMLPResult(
        losses=np.asarray(losses),
        probabilities=model.predict(x, verbose=0).ravel(),
        grid_x=grid,
        grid_y=grid,
        grid_prob=grid_prob,
        weights=tuple(np.asarray(w) for w in model.get_weights()),
    )
