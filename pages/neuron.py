"""Neuron & logic gates: McCulloch-Pitts neurons, the perceptron and its rule, and XOR."""

import streamlit as st

from core.forms import neuron as fields
from core.forms.neuron import NeuronForm, check
from ui import state  # the first `ui` import: a fresh server sends a link to this page through app.py

PAGE = "neuron"

form = state.bind(PAGE, NeuronForm, check=check)
# The text first: on a fresh server the imports below (pandas, plotly, scikit-learn) take
# a second or more, and the visitor reads meanwhile.
st.title("Neuron & logic gates")
form.caption(
    "A neuron weighs its inputs, adds them up and fires past a threshold. Before any "
    "training, that alone computes logic; with a learning rule it classifies; and one "
    "neuron is not enough for XOR."
)
form.show_warnings()

import numpy as np  # noqa: E402

from core.fundamentals import neuron as mp  # noqa: E402
from ui.fundamentals import figures  # noqa: E402
from ui.fundamentals import view as ui  # noqa: E402

RULE_STATE = f"{PAGE}.perceptron_state"
RULE_CONFIG = f"{PAGE}.perceptron_config"
XOR_MLP_ARGS = f"{PAGE}.xor_mlp_args"
OWN_THRESHOLD = {"threshold": fields.OWN_THRESHOLD}  # another gate or size: its own θ again


def gates() -> None:
    form.markdown(
        "Binary inputs, one binary output. As in the book's figure, each arrow carries one "
        "signal and the neuron fires when **at least θ signals** arrive, unless an "
        "**inhibitory** input (red) is on."
    )
    left, right = st.columns([1, 2])
    form.widget("gate", left.selectbox, "Gate", mp.GATES, from_widget=lambda gate: {"gate": gate, **OWN_THRESHOLD})
    if form.value.gate not in mp.FIXED_INPUTS:
        form.widget(
            "num_inputs",
            left.slider,
            "Number of inputs",
            1,
            mp.MAX_INPUTS,
            from_widget=lambda count: {"num_inputs": count, **OWN_THRESHOLD},
        )
    form.widget(
        "threshold",
        left.slider,
        "Threshold θ",
        0,
        fields.max_threshold(form.value),
        to_widget=lambda _: fields.wired_threshold(form.value),
    )
    gate, threshold = form.value.gate, fields.wired_threshold(form.value)
    neuron = mp.gate_neuron(gate, fields.num_inputs(form.value), threshold)
    left.graphviz_chart(figures.mp_network_dot(neuron))
    table = mp.truth_table(neuron, gate)
    right.dataframe(table, hide_index=True)
    if table["agrees"].all():
        right.success(f"With θ = {threshold} this neuron computes **{gate}**.")
    else:
        right.warning(f"With θ = {threshold} the neuron is wrong on {int((~table['agrees']).sum())} row(s) of {gate}.")


def perceptron() -> None:
    form.markdown(
        "A threshold logic unit takes real inputs and real weights: class 1 where "
        "w₁x₁ + w₂x₂ + b ≥ 0. The decision boundary is the line w₁x₁ + w₂x₂ + b = 0."
    )
    left, right = st.columns([1, 2])
    for name, label in (("w1", "w₁"), ("w2", "w₂"), ("bias", "b")):
        form.widget(name, left.slider, label, *fields.WEIGHT_RANGE, step=0.1)
    weights, bias = (form.value.w1, form.value.w2), form.value.bias
    points = ui.random_points(200, 0)
    classes = mp.perceptron_predict(points, weights, bias)
    left.metric("Points in class 1", int(classes.sum()))
    right.plotly_chart(figures.perceptron_figure(points, classes, weights, bias))


def learning_rule() -> None:
    form.markdown(
        "Rosenblatt's rule feeds one instance at a time and corrects only mistakes: "
        "**w ← w + η (y − ŷ) x** (the bias moves by η (y − ŷ)). Here: iris petals, setosa "
        "or not. The classes are linearly separable, so the rule converges. Starting from "
        "zero weights, η only rescales w and b: the mistakes and the line stay the same."
    )
    x, y = ui.iris_setosa()
    c1, c2 = st.columns(2)
    eta = form.widget("rule_learning_rate", c1.select_slider, "Learning rate η", fields.RULE_LEARNING_RATES)
    seed = form.widget("rule_seed", c2.number_input, "Shuffle seed (order of the instances)", 0, fields.MAX_RULE_SEED)
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
    rule = st.session_state[RULE_STATE]
    reference = ui.sklearn_perceptron()
    left, right = st.columns([2, 1])
    left.plotly_chart(figures.iris_rule_figure(x, y, rule, reference))
    right.dataframe(figures.weights_table(rule), hide_index=True)
    right.metric("Finished epochs", rule.epoch, help=f"next instance: {rule.position + 1} of {len(x)}")
    right.metric("Mistakes so far in this epoch", rule.epoch_errors)
    if rule.converged:
        right.success(f"Converged: epoch {rule.epoch} made no mistake.")
    if rule.errors_per_epoch:
        right.plotly_chart(figures.errors_figure(rule.errors_per_epoch))
    st.info(
        f"scikit-learn's `Perceptron` on the same data: w = ({reference.weights[0]:.2f}, "
        f"{reference.weights[1]:.2f}), b = {reference.bias:.2f}, {reference.n_iter} epochs, "
        f"accuracy {reference.accuracy:.0%}. Its line (dashed) differs from ours: when "
        "classes are separable, many lines separate them."
    )


def xor() -> None:
    form.markdown(
        "**1. One perceptron cannot do it.** No line puts (0,1) and (1,0) on one side and (0,0), (1,1) on the other."
    )
    epochs = form.widget("xor_epochs", st.slider, "Epochs of the perceptron rule on XOR", *fields.XOR_EPOCHS)
    xor_state = ui.xor_perceptron(epochs, 1.0)
    st.plotly_chart(figures.errors_figure(xor_state.errors_per_epoch, "Perceptron rule on XOR"))
    st.caption(f"Fewest mistakes in an epoch: {min(xor_state.errors_per_epoch)}; it never reaches 0.")

    form.markdown(
        "**2. Two layers of threshold units can.** The book's network: h₁ is an AND, h₂ an OR, the output fires for h₂ and not h₁. Edit any weight."
    )
    ui.xor_weight_fields(form)
    network = fields.xor_network(form.value)
    xor_x, xor_y = mp.xor_data()
    hidden, output = mp.threshold_network(xor_x, *network)
    left, right = st.columns([1, 1])
    left.graphviz_chart(figures.xor_network_dot(*network))
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

    form.markdown("**3. Or let a Keras MLP learn it** with a smooth activation and gradient descent.")
    c1, c2, c3, c4 = st.columns(4)
    form.widget("mlp_units", c1.slider, "Hidden units", *fields.MLP_UNITS)
    form.widget("mlp_activation", c2.selectbox, "Activation", mp.XOR_ACTIVATIONS)
    form.widget("mlp_learning_rate", c3.select_slider, "Learning rate (Adam)", fields.MLP_LEARNING_RATES)
    form.widget("mlp_epochs", c4.slider, "Epochs", *fields.MLP_EPOCHS, step=50)
    values = form.value
    chosen = (values.mlp_units, values.mlp_activation, values.mlp_learning_rate, values.mlp_epochs, 0)
    if st.button("Train on XOR", type="primary", key=form.widget_key("mlp_train")):
        st.session_state[XOR_MLP_ARGS] = chosen
    trained = st.session_state.get(XOR_MLP_ARGS)
    if trained is not None:
        with st.spinner("Training…"):
            result = ui.xor_mlp(*trained)
        if trained != chosen:
            units, activation, learning_rate, epochs, _ = trained
            st.caption(
                f"Trained with {units} {activation} units, learning rate {learning_rate:g}, {epochs} epochs: "
                "Train on XOR again for the settings above."
            )
        left, right = st.columns([3, 2])
        left.plotly_chart(figures.xor_mlp_figure(result))
        right.plotly_chart(figures.loss_figure(result.losses, "Binary cross-entropy per epoch", x_title="epoch"))
        right.dataframe(
            {"A": xor_x[:, 0], "B": xor_x[:, 1], "P(XOR = 1)": result.probabilities.round(3)}, hide_index=True
        )


def exercises() -> None:
    form.markdown(
        "The notes ask: can one threshold unit compute **NOT** (one input), **NOR**, **XOR**? Find weights and a bias."
    )
    target = form.widget("exercise_gate", st.radio, "Gate", fields.EXERCISE_GATES, horizontal=True)
    n = 1 if target == "NOT" else 2
    cols = st.columns(n + 1)
    for i in range(n):
        form.widget(f"exercise_w{i + 1}", cols[i].slider, f"w{i + 1}", *fields.EXERCISE_RANGE, step=0.5)
    form.widget("exercise_bias", cols[n].slider, "b", *fields.EXERCISE_RANGE, step=0.5)
    values = form.value
    weights, bias = (values.exercise_w1, values.exercise_w2)[:n], values.exercise_bias
    inputs = mp.binary_inputs(n)
    expected = mp.xor_data()[1] if target == "XOR" else mp.gate_target(target, inputs)
    got = mp.perceptron_predict(inputs, weights, bias)
    st.dataframe({**{f"x{i + 1}": inputs[:, i] for i in range(n)}, "output": got, target: expected}, hide_index=True)
    if np.array_equal(got, expected):
        st.success(f"Solved: this unit computes {target}.")
    else:
        st.info(f"Not yet: {int((got != expected).sum())} row(s) wrong.")
    if not form.view.hide_text:  # a lesson's link may keep the answer to itself
        with st.expander("Show an answer"):
            st.markdown(
                "- **NOT**: w = −1, b = 0.5 (fires only when x = 0).\n"
                "- **NOR**: w = (−1, −1), b = 0.5 (fires only when both inputs are 0). As a "
                "McCulloch-Pitts neuron: every input inhibitory, threshold 0.\n"
                "- **XOR**: impossible. The unit's boundary is a line, and no line separates "
                "{(0,1), (1,0)} from {(0,0), (1,1)}; it takes a hidden layer (see the XOR tab)."
            )


# Only the open tab runs (and draws its charts); the form keeps the others' settings.
SECTIONS = {
    "gates": ("McCulloch-Pitts neuron", gates),
    "perceptron": ("Perceptron", perceptron),
    "rule": ("Learning rule", learning_rule),
    "xor": ("XOR", xor),
    "exercises": ("Exercises", exercises),
}
form.tabs("tab", SECTIONS, lazy=True)
