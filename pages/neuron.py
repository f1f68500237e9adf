"""Neuron & logic gates: McCulloch-Pitts neurons, the perceptron and its rule, and XOR."""

import streamlit as st

from ui import streamlit_compat  # noqa: F401  (first: a fresh server sends a link to this page through app.py)

# The text first: on a fresh server the imports below (pandas, plotly, scikit-learn) take
# a second or more, and the visitor reads meanwhile.
st.title("Neuron & logic gates")
st.caption(
    "A neuron weighs its inputs, adds them up and fires past a threshold. Before any "
    "training, that alone computes logic; with a learning rule it classifies; and one "
    "neuron is not enough for XOR."
)

import numpy as np  # noqa: E402

from core.fundamentals import neuron as mp  # noqa: E402
from ui.fundamentals import figures  # noqa: E402
from ui.fundamentals import view as ui  # noqa: E402
from ui.lazy import lazy_tabs  # noqa: E402

RULE_STATE = "neuron.perceptron_state"
XOR_MLP_ARGS = "neuron.xor_mlp_args"
RULE_CONFIG = "neuron.perceptron_config"


def gates() -> None:
    st.markdown(
        "Binary inputs, one binary output. As in the book's figure, each arrow carries one "
        "signal and the neuron fires when **at least θ signals** arrive, unless an "
        "**inhibitory** input (red) is on."
    )
    left, right = st.columns([1, 2])
    gate = left.selectbox("Gate", mp.GATES, key="neuron.gate")
    fixed = mp.FIXED_INPUTS.get(gate)
    num_inputs = fixed or left.slider("Number of inputs", 1, mp.MAX_INPUTS, 2, key="neuron.num_inputs")
    wired = mp.gate_neuron(gate, num_inputs)
    threshold = left.slider(
        "Threshold θ", 0, wired.max_signal + 1, wired.threshold, key=f"neuron.threshold.{gate}.{num_inputs}"
    )
    neuron = mp.gate_neuron(gate, num_inputs, threshold)
    left.graphviz_chart(figures.mp_network_dot(neuron))
    table = mp.truth_table(neuron, gate)
    right.dataframe(table, hide_index=True)
    if table["agrees"].all():
        right.success(f"With θ = {threshold} this neuron computes **{gate}**.")
    else:
        right.warning(f"With θ = {threshold} the neuron is wrong on {int((~table['agrees']).sum())} row(s) of {gate}.")


def perceptron() -> None:
    st.markdown(
        "A threshold logic unit takes real inputs and real weights: class 1 where "
        "w₁x₁ + w₂x₂ + b ≥ 0. The decision boundary is the line w₁x₁ + w₂x₂ + b = 0."
    )
    left, right = st.columns([1, 2])
    w1 = left.slider("w₁", -3.0, 3.0, 1.0, 0.1, key="neuron.w1")
    w2 = left.slider("w₂", -3.0, 3.0, 0.5, 0.1, key="neuron.w2")
    bias = left.slider("b", -3.0, 3.0, -0.5, 0.1, key="neuron.bias")
    points = ui.random_points(200, 0)
    classes = mp.perceptron_predict(points, (w1, w2), bias)
    left.metric("Points in class 1", int(classes.sum()))
    right.plotly_chart(figures.perceptron_figure(points, classes, (w1, w2), bias))


def learning_rule() -> None:
    st.markdown(
        "Rosenblatt's rule feeds one instance at a time and corrects only mistakes: "
        "**w ← w + η (y − ŷ) x** (the bias moves by η (y − ŷ)). Here: iris petals, setosa "
        "or not. The classes are linearly separable, so the rule converges. Starting from "
        "zero weights, η only rescales w and b: the mistakes and the line stay the same."
    )
    x, y = ui.iris_setosa()
    c1, c2 = st.columns(2)
    eta = c1.select_slider("Learning rate η", [0.01, 0.1, 0.5, 1.0, 2.0], 1.0, key="neuron.eta")
    seed = c2.number_input("Shuffle seed (order of the instances)", 0, 99, 0, key="neuron.order_seed")
    if st.session_state.get(RULE_CONFIG) != (eta, seed):
        st.session_state[RULE_CONFIG] = (eta, seed)
        st.session_state[RULE_STATE] = mp.init_perceptron(len(x), 2, eta, seed)

    def advance(update):  # a callback, so the page below renders the new state
        st.session_state[RULE_STATE] = update(st.session_state[RULE_STATE], x, y)

    done = st.session_state[RULE_STATE].converged
    step_col, epoch_col, reset_col = st.columns(3)
    step_col.button("Step (one instance)", on_click=advance, args=(mp.perceptron_step,), disabled=done, width="stretch")
    epoch_col.button("Run an epoch", on_click=advance, args=(mp.perceptron_epoch,), disabled=done, width="stretch")
    reset_col.button("Reset", on_click=st.session_state.pop, args=(RULE_CONFIG,), width="stretch")
    state = st.session_state[RULE_STATE]
    reference = ui.sklearn_perceptron()
    left, right = st.columns([2, 1])
    left.plotly_chart(figures.iris_rule_figure(x, y, state, reference))
    right.dataframe(figures.weights_table(state), hide_index=True)
    right.metric("Finished epochs", state.epoch, help=f"next instance: {state.position + 1} of {len(x)}")
    right.metric("Mistakes so far in this epoch", state.epoch_errors)
    if state.converged:
        right.success(f"Converged: epoch {state.epoch} made no mistake.")
    if state.errors_per_epoch:
        right.plotly_chart(figures.errors_figure(state.errors_per_epoch))
    st.info(
        f"scikit-learn's `Perceptron` on the same data: w = ({reference.weights[0]:.2f}, "
        f"{reference.weights[1]:.2f}), b = {reference.bias:.2f}, {reference.n_iter} epochs, "
        f"accuracy {reference.accuracy:.0%}. Its line (dashed) differs from ours: when "
        "classes are separable, many lines separate them."
    )


def xor() -> None:
    st.markdown(
        "**1. One perceptron cannot do it.** No line puts (0,1) and (1,0) on one side and (0,0), (1,1) on the other."
    )
    epochs = st.slider("Epochs of the perceptron rule on XOR", 5, 100, 20, key="neuron.xor_epochs")
    xor_state = ui.xor_perceptron(epochs, 1.0)
    st.plotly_chart(figures.errors_figure(xor_state.errors_per_epoch, "Perceptron rule on XOR"))
    st.caption(f"Fewest mistakes in an epoch: {min(xor_state.errors_per_epoch)}; it never reaches 0.")

    st.markdown(
        "**2. Two layers of threshold units can.** The book's network: h₁ is an AND, h₂ an OR, the output fires for h₂ and not h₁. Edit any weight."
    )
    hw, hb, ow, ob = ui.xor_weight_inputs("neuron.xor")
    xor_x, xor_y = mp.xor_data()
    hidden, output = mp.threshold_network(xor_x, hw, hb, ow, ob)
    left, right = st.columns([1, 1])
    left.graphviz_chart(figures.xor_network_dot(hw, hb, ow, ob))
    right.dataframe(
        {
            "A": xor_x[:, 0].astype(int),
            "B": xor_x[:, 1].astype(int),
            "h1": hidden[:, 0],
            "h2": hidden[:, 1],
            "out": output,
            "XOR": xor_y,
        },
        hide_index=True,
    )
    if np.array_equal(output, xor_y):
        right.success("This network computes XOR on all four inputs.")
    else:
        right.warning(f"Wrong on {int((output != xor_y).sum())} of the four inputs.")

    st.markdown("**3. Or let a Keras MLP learn it** with a smooth activation and gradient descent.")
    with st.form("neuron.xor_mlp_form"):
        c1, c2, c3, c4 = st.columns(4)
        units = c1.slider("Hidden units", 1, 16, 4, key="neuron.xor_mlp_units")
        activation = c2.selectbox("Activation", mp.XOR_ACTIVATIONS, key="neuron.xor_mlp_activation")
        lr = c3.select_slider("Learning rate (Adam)", [0.001, 0.01, 0.05, 0.1, 0.3], 0.1, key="neuron.xor_mlp_lr")
        mlp_epochs = c4.slider("Epochs", 50, 1000, 300, 50, key="neuron.xor_mlp_epochs")
        if st.form_submit_button("Train on XOR", type="primary"):
            st.session_state[XOR_MLP_ARGS] = (units, activation, lr, mlp_epochs, 0)
    if XOR_MLP_ARGS in st.session_state:
        with st.spinner("Training…"):
            result = ui.xor_mlp(*st.session_state[XOR_MLP_ARGS])
        left, right = st.columns([3, 2])
        left.plotly_chart(figures.xor_mlp_figure(result))
        right.plotly_chart(figures.loss_figure(result.losses, "Binary cross-entropy per epoch", x_title="epoch"))
        right.dataframe(
            {"A": xor_x[:, 0], "B": xor_x[:, 1], "P(XOR = 1)": result.probabilities.round(3)}, hide_index=True
        )


def exercises() -> None:
    st.markdown(
        "The notes ask: can one threshold unit compute **NOT** (one input), **NOR**, **XOR**? Find weights and a bias."
    )
    target = st.radio("Gate", ["NOT", "NOR", "XOR"], horizontal=True, key="neuron.exercise_gate")
    n = 1 if target == "NOT" else 2
    cols = st.columns(n + 1)
    weights = [cols[i].slider(f"w{i + 1}", -2.0, 2.0, 0.0, 0.5, key=f"neuron.ex_w{i}.{target}") for i in range(n)]
    b = cols[n].slider("b", -2.0, 2.0, 0.0, 0.5, key=f"neuron.ex_b.{target}")
    inputs = mp.binary_inputs(n)
    expected = mp.xor_data()[1] if target == "XOR" else mp.gate_target(target, inputs)
    got = mp.perceptron_predict(inputs, weights, b)
    st.dataframe({**{f"x{i + 1}": inputs[:, i] for i in range(n)}, "output": got, target: expected}, hide_index=True)
    if np.array_equal(got, expected):
        st.success(f"Solved: this unit computes {target}.")
    else:
        st.info(f"Not yet: {int((got != expected).sum())} row(s) wrong.")
    with st.expander("Show an answer"):
        st.markdown(
            "- **NOT**: w = −1, b = 0.5 (fires only when x = 0).\n"
            "- **NOR**: w = (−1, −1), b = 0.5 (fires only when both inputs are 0). As a "
            "McCulloch-Pitts neuron: every input inhibitory, threshold 0.\n"
            "- **XOR**: impossible. The unit's boundary is a line, and no line separates "
            "{(0,1), (1,0)} from {(0,0), (1,1)}; it takes a hidden layer (see the XOR tab)."
        )


# Only the open tab runs (and draws its charts); the others keep their settings.
SECTIONS = {
    "McCulloch-Pitts neuron": (gates, ("neuron.gate", "neuron.num_inputs", "neuron.threshold.*")),
    "Perceptron": (perceptron, ("neuron.w1", "neuron.w2", "neuron.bias")),
    "Learning rule": (learning_rule, ("neuron.eta", "neuron.order_seed")),
    "XOR": (
        xor,
        ("neuron.xor_epochs", "neuron.xor_w*", "neuron.xor_b*", "neuron.xor_v*", "neuron.xor_c", "neuron.xor_mlp_*"),
    ),
    "Exercises": (exercises, ("neuron.exercise_gate", "neuron.ex_w*", "neuron.ex_b.*")),
}
tabs = lazy_tabs(list(SECTIONS), key="neuron.tab", keep={label: keep for label, (_, keep) in SECTIONS.items()})
for tab, (draw, _) in zip(tabs, SECTIONS.values()):
    if tab.open:
        with tab:
            draw()
