"""Activations & gradient descent: Keras activations and their derivatives; GD and SGD."""

import streamlit as st

from ui import warmup  # first: importing ui sends a fresh server's link to this page through app.py

# The text first: on a fresh server the imports below and TensorFlow take seconds.
st.title("Activations & gradient descent")
st.caption(
    "A smooth activation gives every neuron a slope, and gradient descent follows slopes "
    "downhill. Every value here comes from `keras.activations`, every derivative from a "
    "`tf.GradientTape`."
)

from core.fundamentals.activations import ACTIVATIONS, describe  # noqa: E402
from core.fundamentals.descent import regime  # noqa: E402
from ui.fundamentals import figures  # noqa: E402
from ui.fundamentals import view as ui  # noqa: E402
from ui.lazy import lazy_tabs  # noqa: E402

LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.34, 0.36, 0.38, 0.4, 0.5)


def activation_functions() -> None:
    names = st.multiselect("Activations", ACTIVATIONS, ["sigmoid", "tanh", "relu"], key="activations.names")
    c1, c2, c3 = st.columns([2, 1, 1])
    x_min, x_max = c1.slider("Range of x", -10.0, 10.0, (-5.0, 5.0), 0.5, key="activations.range")
    layout = c2.radio("Layout", ["Overlaid", "Grid"], horizontal=True, key="activations.layout")
    derivatives = c3.toggle("Show derivatives", True, key="activations.derivatives")
    if not names:
        st.info("Pick at least one activation.")
    else:
        if not warmup.done():
            with st.spinner("Starting TensorFlow (once per server)…"):
                warmup.wait()
        try:
            curves = ui.activation_curves(tuple(names), x_min, x_max)
        except ValueError as error:
            st.error(str(error))
            st.stop()
        st.plotly_chart(figures.activations_figure(curves, layout, derivatives))
        st.dataframe(describe(curves), hide_index=True)
        st.caption(
            "Saturating means the derivative is close to 0: gradients passing through "
            "there vanish and learning stalls. At a kink the tape reports one of the two "
            "one-sided slopes (TensorFlow picks 0 for relu at 0)."
        )


def why_activations() -> None:
    st.markdown(
        "Without an activation, a layer is an affine map, and an affine map of an affine "
        "map is again affine: f(g(x)) = a₁(a₂x + b₂) + b₁ = (a₁a₂)x + (a₁b₂ + b₁). A deep "
        "stack of linear layers is one linear layer. Put an activation between them to bend it."
    )
    c1, c2, c3, c4, c5 = st.columns(5)
    a2 = c1.slider("a₂ (inner slope)", -3.0, 3.0, 1.5, 0.5, key="activations.a2")
    b2 = c2.slider("b₂ (inner bias)", -3.0, 3.0, -1.0, 0.5, key="activations.b2")
    a1 = c3.slider("a₁ (outer slope)", -3.0, 3.0, 2.0, 0.5, key="activations.a1")
    b1 = c4.slider("b₁ (outer bias)", -3.0, 3.0, 0.5, 0.5, key="activations.b1")
    between = c5.selectbox("Activation between", ACTIVATIONS, ACTIVATIONS.index("linear"), key="activations.between")
    composition = ui.composition(a1, b1, a2, b2, between)
    st.plotly_chart(figures.composition_figure(composition))
    if composition.is_affine:
        st.success(f"f(g(x)) is the single affine map {composition.formula}.")
    else:
        st.warning(f"With {between} in between, f(g(x)) is no longer one straight line.")


def gradient_descent() -> None:
    problem = ui.linear_problem()
    data, _, bound = problem
    st.markdown(
        f"Fit ŷ = w·x + b to {len(data.x)} noisy points (true w = {data.true_w:g}, "
        f"b = {data.true_b:g}) by minimising the mean squared error. Gradient descent uses "
        "all points per step, SGD a random minibatch. This loss is a bowl whose steepest "
        f"curvature is L, so full-batch descent converges only for η < 2/L = **{bound:.3f}**."
    )
    c1, c2, c3 = st.columns(3)
    learning_rate = c1.select_slider("Learning rate η", LEARNING_RATES, 0.1, key="activations.learning_rate")
    steps = c2.slider("Steps", 5, 200, 50, 5, key="activations.steps")
    batch_size = c3.slider("SGD batch size", 1, len(data.x), 10, key="activations.batch_size")
    paths = {
        "gradient descent": ui.descent_path(learning_rate, steps, None),
        f"SGD (batch {batch_size})": ui.descent_path(learning_rate, steps, batch_size),
    }
    st.markdown(
        f"η = {learning_rate:g} is **{regime(learning_rate, bound)}** (η / (2/L) = {learning_rate / bound:.2f})."
    )
    left, right = st.columns(2)
    left.plotly_chart(figures.descent_figure(problem, paths))
    right.plotly_chart(figures.losses_figure(paths))
    for name, path in paths.items():
        if path.diverged:
            st.error(f"{name} diverged after {len(path.losses) - 1} steps: the loss passed 10⁶.")

    st.subheader("The three regimes")
    columns = st.columns(3)
    for column, factor in zip(columns, (0.05, 0.5, 1.05)):
        rate = round(factor * bound, 4)
        path = ui.descent_path(rate, steps, None)
        column.plotly_chart(
            figures.descent_figure(problem, {"GD": path}, f"η = {rate:g}: {regime(rate, bound)}", 320, False)
        )
        column.caption(f"loss after {len(path.losses) - 1} steps: {path.losses[-1]:.3g}")


# Only the open tab runs (and draws its charts); the others keep their settings.
SECTIONS = {
    "Activation functions": (activation_functions, ("names", "range", "layout", "derivatives")),
    "Why activations?": (why_activations, ("a2", "b2", "a1", "b1", "between")),
    "Gradient descent & SGD": (gradient_descent, ("learning_rate", "steps", "batch_size")),
}
tabs = lazy_tabs(
    list(SECTIONS),
    key="activations.tab",
    keep={label: [f"activations.{name}" for name in names] for label, (_, names) in SECTIONS.items()},
)
for tab, (draw, _) in zip(tabs, SECTIONS.values()):
    if tab.open:
        with tab:
            draw()
