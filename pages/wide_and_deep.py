"""Wide & deep: several inputs and outputs with the Functional API, and why not subclass."""

import streamlit as st

from core import runs
from core.config import ACTIVATIONS
from core.forms.regression import WIDE_DEEP_DEFAULT, WideDeepForm, wide_deep_from_run, wide_deep_run
from core.regression.wide_deep import API_TITLES, APIS, VARIANT_TITLES, VARIANTS, check_features
from ui import run_view, state, widgets
from ui.regression import figures
from ui.regression import view as ui

PREFIX = "wide_deep"


def checked_run(form: WideDeepForm, available: int | None = None):
    run = wide_deep_run(form, data.name, available)
    check_features(run.model, data.num_features)
    return run


data = ui.load_data_or_warn()
form = state.bind(
    PREFIX,
    WideDeepForm,
    default=WIDE_DEEP_DEFAULT,
    check=checked_run,
    from_run=wide_deep_from_run,
    kind="wide_and_deep",
    controls=("preset",),
)
st.title("Wide & deep")
form.markdown(
    "A plain MLP pushes every feature through the whole stack of layers, which can blur "
    "simple patterns. A *wide & deep* network (Cheng et al., 2016) adds a short path: some "
    "inputs skip the hidden layers and are concatenated with the deep path's output. That "
    "graph is not a stack, so it is built with Keras's **Functional API**: each layer is "
    "called on the tensors it takes."
)
form.show_warnings()
ui.data_overview(data)
form.widget(
    "variant",
    st.segmented_control,
    "Variant",
    VARIANTS,
    format_func=VARIANT_TITLES.get,
)

if form.value.variant != "one_input":
    # Full width: in a column, the chips of six features overflow their field and get cut.
    features = list(range(data.num_features))
    for name, label, help in (
        ("wide_features", "Wide path features", None),
        ("deep_features", "Deep path features", "Overlap with the wide path is allowed."),
    ):
        form.widget(
            name,
            st.multiselect,
            label,
            features,
            format_func=data.feature_names.__getitem__,
            to_widget=lambda chosen: [index for index in chosen if index < len(features)],
            from_widget=lambda chosen, name=name: {name: tuple(sorted(chosen))},
            help=help,
        )

settings, diagram = st.columns([2, 3], gap="large")
with settings:
    if form.shown("units", "activation", "main_weight", "api"):
        st.subheader("Model")
    left, right = st.columns(2)
    form.widget("units", left.number_input, "Units per hidden layer", step=1)
    form.widget("activation", right.selectbox, "Activation", ACTIVATIONS)
    if form.value.variant == "aux_output":
        form.widget(
            "main_weight",
            st.slider,
            "Loss weight of the main output",
            0.05,
            1.0,
            step=0.05,
            help="The auxiliary output gets 1 − this weight.",
        )
        main = form.value.main_weight
        st.caption(f"loss = {main:g} · main MSE + {round(1 - main, 2):g} · auxiliary MSE")
        form.widget(
            "api",
            st.radio,
            "Written with",
            APIS,
            format_func=API_TITLES.get,
            horizontal=True,
            help="The same model as a `keras.Model` subclass (the book's `WideAndDeepModel`): "
            "layers made in `__init__`, wired in `call()`. Same seed, same result.",
        )

try:
    run, problem = checked_run(form.value, len(data.x_train)), None
    runs.check(run, data)
except ValueError as error:
    problem = error
st.subheader("Training")
submitted = widgets.training_form(
    form, extra=lambda: ui.subset_field(form, data), presets=ui.REGRESSION_PRESETS, problem=problem
)
if problem:
    st.stop()

with diagram:
    st.subheader("The model's graph")
    nodes, edges = ui.model_graph(run.to_json())
    if edges:
        st.graphviz_chart(figures.graph_dot(nodes, edges))
    else:
        st.info(
            "A subclassed model is wired in Python code (its `call()` method): Keras knows its "
            "layers but not how they connect, so it has no graph to draw. Its layers:",
            icon=":material/code:",
        )
    with st.expander("Model summary", expanded=not edges):
        ui.graph_summary(nodes, edges)

result = ui.run_section(run, data, prefix=PREFIX, submitted=submitted, form=form)
if result is None:
    run_view.not_trained_notice(PREFIX)
elif result.diverged:
    run_view.diverged_message(result)
else:
    st.subheader("Results")
    run_view.other_config_caption(result, run)
    ui.result_metrics(result)
    ui.output_losses(result)
    ui.result_figures(result, data, prefix=PREFIX)

st.subheader("Sequential MLP vs the three variants")
st.caption("Same split, same training recipe and budget, same hidden layers (2 × units).")
ui.comparison(run, data, prefix=PREFIX)

with st.expander("The Subclassing API, and why to prefer the declarative APIs"):
    st.markdown(
        "Variant 3 can also be written as a `keras.Model` subclass (pick **Subclassing API** "
        "above): layers made in `__init__`, wired in `call()`. With the same seed it trains to "
        "the same weights and predictions as the Functional model. But its graph lives in "
        "Python code: Keras cannot draw it, `summary()` lists layers without their connections, "
        "shapes are checked only when data flows through, and its `.keras` file loads only "
        "where its class is defined and registered (`keras.saving.register_keras_serializable`, "
        "with a `get_config` that rebuilds it). Subclass only when a model needs loops or "
        "branches that depend on the data."
    )
