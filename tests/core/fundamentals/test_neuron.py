"""McCulloch-Pitts gates, the perceptron rule and the XOR networks against known answers."""

import numpy as np
import pytest

from core.fundamentals import neuron as mp

# The truth tables, written out by hand: rows in binary_inputs() order.
EXPECTED = {
    ("AND", 2): [0, 0, 0, 1],
    ("AND", 3): [0, 0, 0, 0, 0, 0, 0, 1],
    ("OR", 2): [0, 1, 1, 1],
    ("OR", 3): [0, 1, 1, 1, 1, 1, 1, 1],
    ("NOR", 2): [1, 0, 0, 0],
    ("NOR", 3): [1, 0, 0, 0, 0, 0, 0, 0],
    ("NOT", 1): [1, 0],
    ("identity", 1): [0, 1],
    ("A and not B", 2): [0, 0, 1, 0],
}


@pytest.mark.parametrize("gate, num_inputs", sorted(EXPECTED))
def test_gate_truth_tables(gate, num_inputs):
    table = mp.truth_table(mp.gate_neuron(gate, num_inputs), gate)
    assert table["neuron"].tolist() == EXPECTED[gate, num_inputs]
    assert table["agrees"].all()
    assert len(table) == 2**num_inputs


@pytest.mark.parametrize("num_inputs", range(1, mp.MAX_INPUTS + 1))
def test_and_or_nor_for_every_number_of_inputs(num_inputs):
    x = mp.binary_inputs(num_inputs)
    for gate in ("AND", "OR", "NOR"):
        np.testing.assert_array_equal(mp.gate_neuron(gate, num_inputs)(x), mp.gate_target(gate, x))


def test_book_networks_fire_on_two_signals():
    # The book's convention: every neuron of Figure 10-3 fires on at least two signals.
    for gate in ("identity", "OR", "A and not B"):
        assert mp.gate_neuron(gate).threshold == 2
    assert mp.gate_neuron("AND", 2).threshold == 2


def test_threshold_turns_or_into_and():
    # OR sends two signals per input: both inputs give 4, so a threshold of 3 or 4 needs both.
    table = mp.truth_table(mp.gate_neuron("OR", 2, threshold=4), "AND")
    assert table["agrees"].all()
    assert mp.truth_table(mp.gate_neuron("OR", 2, threshold=0))["neuron"].tolist() == [1, 1, 1, 1]


def test_invalid_values_raise_keras_style():
    with pytest.raises(ValueError, match="Received: threshold=-1"):
        mp.gate_neuron("AND", 2, threshold=-1)
    with pytest.raises(ValueError, match="Received: gate='XOR'"):
        mp.gate_neuron("XOR")
    with pytest.raises(ValueError, match="Received: num_inputs=0"):
        mp.gate_neuron("OR", 0)
    with pytest.raises(ValueError, match="Received: learning_rate=0"):
        mp.init_perceptron(4, learning_rate=0)


def test_perceptron_rule_converges_on_setosa():
    x, y = mp.load_iris_setosa()
    state = mp.train_perceptron(x, y, epochs=50)
    assert state.converged
    assert state.errors_per_epoch[-1] == 0 and state.errors_per_epoch[0] > 0
    np.testing.assert_array_equal(mp.perceptron_predict(x, state.weights, state.bias), y)


def test_perceptron_step_applies_the_rule():
    x = np.array([[1.0, 2.0]])
    state = mp.init_perceptron(1, 2, learning_rate=0.5, seed=None)
    # Zero weights give z = 0, so y_hat = 1; with y = 0 the rule subtracts eta * x.
    state = mp.perceptron_step(state, x, np.array([0]))
    assert state.weights == (-0.5, -1.0) and state.bias == -0.5
    assert state.last_update and state.errors_per_epoch == (1,)


def test_learning_rate_only_rescales_from_zero():
    x, y = mp.load_iris_setosa()
    a = mp.train_perceptron(x, y, learning_rate=1.0)
    b = mp.train_perceptron(x, y, learning_rate=0.1)
    assert a.errors_per_epoch == b.errors_per_epoch
    np.testing.assert_allclose(np.array(a.weights) * 0.1, b.weights)


def test_sklearn_perceptron_separates_setosa():
    assert mp.fit_sklearn_perceptron(*mp.load_iris_setosa()).accuracy == 1.0


def test_perceptron_rule_never_solves_xor():
    state = mp.train_perceptron(*mp.xor_data(), epochs=100)
    assert not state.converged
    assert len(state.errors_per_epoch) == 100 and min(state.errors_per_epoch) > 0


def test_hand_wired_xor_network():
    x, y = mp.xor_data()
    hidden, output = mp.threshold_network(x)
    np.testing.assert_array_equal(output, y)
    np.testing.assert_array_equal(hidden[:, 0], [0, 0, 0, 1])  # AND
    np.testing.assert_array_equal(hidden[:, 1], [0, 1, 1, 1])  # OR


def test_decision_line_lies_on_the_boundary():
    (x0, x1), (y0, y1) = mp.decision_line((1.0, 0.5), -0.5, (-3, 3), (-3, 3))
    assert x0 + 0.5 * y0 - 0.5 == pytest.approx(0) and x1 + 0.5 * y1 - 0.5 == pytest.approx(0)
    assert mp.decision_line((2.0, 0.0), 1.0, (-3, 3), (-3, 3))[0] == (-0.5, -0.5)
    assert mp.decision_line((0.0, 0.0), 1.0, (-3, 3), (-3, 3)) is None


def test_keras_mlp_learns_xor():
    result = mp.train_xor_mlp(hidden_units=4, activation="tanh", epochs=150, seed=0, grid_size=11)
    np.testing.assert_array_equal(result.probabilities > 0.5, mp.xor_data()[1].astype(bool))
    assert result.losses[-1] < result.losses[0]
    assert result.grid_prob.shape == (11, 11)


def test_training_the_xor_network_leaves_no_traced_graph_behind():
    # Each training's train function used to stay in TensorFlow's process-wide gradient
    # registry (see `core.training.without_single_replica_all_reduce`).
    from tensorflow.python.framework import ops

    mp.train_xor_mlp(hidden_units=4, activation="tanh", epochs=2, seed=0, grid_size=3)
    before = set(ops._gradient_registry.list())
    mp.train_xor_mlp(hidden_units=3, activation="tanh", epochs=2, seed=1, grid_size=3)
    assert set(ops._gradient_registry.list()) == before
