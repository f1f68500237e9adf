"""Activations & gradient descent: Keras activations and their derivatives; GD and SGD."""

import streamlit as st

from core.forms import activations as fields
from core.forms.activations import ActivationsForm, check
from ui import state, warmup  # the first `ui` import: a fresh server sends a link to this page through app.py

PAGE = "activations"

form = state.bind(PAGE, ActivationsForm, check=check)
# The text first: on a fresh server the imports below and TensorFlow take seconds.
st.title("Activations & gradient descent")
form.caption(
    "A smooth activation gives every neuron a slope, and gradient descent follows slopes "
    "downhill. Every value here comes from `keras.activations`, every derivative from a "
    "`tf.GradientTape`."
)
form.show_warnings()

from core.fundamentals.activations import ACTIVATIONS, describe  # noqa: E402
from core.fundamentals.descent import regime  # noqa: E402
from ui.fundamentals import figures  # noqa: E402
from ui.fundamentals import view as ui  # noqa: E402

LAYOUTS = {"overlaid": "Overlaid", "grid": "Grid"}


def activation_functions() -> None:
    form.widget(
        "activations",
        st.multiselect,
        "Activations",
        ACTIVATIONS,
        to_widget=list,
        from_widget=lambda names: {"activations": tuple(names)},
    )
    c1, c2, c3 = st.columns([2, 1, 1])
    form.widget(
        "x_range",
        c1.slider,
        "Range of x",
        *fields.X_LIMITS,
        step=0.5,
        to_widget=tuple,
        from_widget=lambda pair: {"x_range": tuple(pair)},
    )
    form.widget("layout", c2.radio, "Layout", list(LAYOUTS), format_func=LAYOUTS.get, horizontal=True)
    form.widget("derivatives", c3.toggle, "Show derivatives")
    values = form.value
    if not values.activations:
        st.info("Pick at least one activation.")
        return
    if not warmup.done():
        with st.spinner("Starting TensorFlow (once per server)…"):
            warmup.wait()
    try:
        curves = ui.activation_curves(values.activations, *values.x_range)
    except ValueError as error:
        st.error(str(error))
        st.stop()
    st.plotly_chart(figures.activations_figure(curves, values.layout, values.derivatives))
    st.dataframe(describe(curves), hide_index=True)
    form.caption(
        "Saturating means the derivative is close to 0: gradients passing through "
        "there vanish and learning stalls. At a kink the tape reports one of the two "
        "one-sided slopes (TensorFlow picks 0 for relu at 0)."
    )


def why_activations() -> None:
    form.markdown(
        "Without an activation, a layer is an affine map, and an affine map of an affine "
        "map is again affine: f(g(x)) = a₁(a₂x + b₂) + b₁ = (a₁a₂)x + (a₁b₂ + b₁). A deep "
        "stack of linear layers is one linear layer. Put an activation between them to bend it."
    )
    columns = st.columns(5)
    labels = {"a2": "a₂ (inner slope)", "b2": "b₂ (inner bias)", "a1": "a₁ (outer slope)", "b1": "b₁ (outer bias)"}
    for column, (name, label) in zip(columns, labels.items()):
        form.widget(name, column.slider, label, *fields.AFFINE_RANGE, step=0.5)
    form.widget("between", columns[4].selectbox, "Activation between", ACTIVATIONS)
    values = form.value
    composition = ui.composition(values.a1, values.b1, values.a2, values.b2, values.between)
    st.plotly_chart(figures.composition_figure(composition))
    if composition.is_affine:
        st.success(f"f(g(x)) is the single affine map {composition.formula}.")
    else:
        st.warning(f"With {values.between} in between, f(g(x)) is no longer one straight line.")


def gradient_descent() -> None:
    problem = ui.linear_problem()
    data, _, bound = problem
    form.markdown(
        f"Fit ŷ = w·x + b to {len(data.x)} noisy points (true w = {data.true_w:g}, "
        f"b = {data.true_b:g}) by minimising the mean squared error. Gradient descent uses "
        "all points per step, SGD a random minibatch. This loss is a bowl whose steepest "
        f"curvature is L, so full-batch descent converges only for η < 2/L = **{bound:.3f}**."
    )
    c1, c2, c3 = st.columns(3)
    learning_rate = form.widget("learning_rate", c1.select_slider, "Learning rate η", fields.LEARNING_RATES)
    steps = form.widget("steps", c2.slider, "Steps", *fields.STEPS, step=5)
    batch_size = form.widget("batch_size", c3.slider, "SGD batch size", 1, len(data.x))
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


# Only the open tab runs (and draws its charts); the form keeps the others' settings.
SECTIONS = {
    "functions": ("Activation functions", activation_functions),
    "why": ("Why activations?", why_activations),
    "descent": ("Gradient descent & SGD", gradient_descent),
}
form.tabs("tab", SECTIONS, lazy=True)
