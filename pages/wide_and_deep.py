"""Wide & deep: several inputs and outputs with the Functional API, and why not subclass."""

import streamlit as st

from core import runs
from core.config import ACTIVATIONS
from core.regression.wide_deep import (
    API_TITLES,
    APIS,
    DEFAULT_DEEP,
    DEFAULT_WIDE,
    VARIANT_TITLES,
    VARIANTS,
    WideDeepConfig,
    WideDeepRun,
    check_features,
)
from ui import run_view, widgets
from ui.regression import figures
from ui.regression import view as ui

PREFIX = "wide_deep"

st.title("Wide & deep")
st.markdown(
    "A plain MLP pushes every feature through the whole stack of layers, which can blur "
    "simple patterns. A *wide & deep* network (Cheng et al., 2016) adds a short path: some "
    "inputs skip the hidden layers and are concatenated with the deep path's output. That "
    "graph is not a stack, so it is built with Keras's **Functional API**: each layer is "
    "called on the tensors it takes."
)

data = ui.load_data_or_warn()
ui.data_overview(data)
variant = (
    st.segmented_control(
        "Variant", VARIANTS, format_func=VARIANT_TITLES.get, default="one_input", key=f"{PREFIX}.variant"
    )
    or "one_input"
)

wide, deep = DEFAULT_WIDE, DEFAULT_DEEP
if variant != "one_input":
    # Full width: in a column, the chips of six features overflow their field and get cut.
    features = list(range(data.num_features))
    label = data.feature_names.__getitem__
    wide = st.multiselect(
        "Wide path features",
        features,
        [i for i in DEFAULT_WIDE if i < len(features)],
        format_func=label,
        key=f"{PREFIX}.wide",
    )
    deep = st.multiselect(
        "Deep path features",
        features,
        [i for i in DEFAULT_DEEP if i < len(features)],
        format_func=label,
        key=f"{PREFIX}.deep",
        help="Overlap with the wide path is allowed.",
    )

settings, diagram = st.columns([2, 3], gap="large")
with settings:
    st.subheader("Model")
    left, right = st.columns(2)
    units = left.number_input("Units per hidden layer", 1, 512, 30, key=f"{PREFIX}.units")
    activation = right.selectbox("Activation", ACTIVATIONS, key=f"{PREFIX}.activation")
    weights, api = (0.9, 0.1), "functional"
    if variant == "aux_output":
        main = st.slider(
            "Loss weight of the main output",
            0.05,
            1.0,
            0.9,
            0.05,
            key=f"{PREFIX}.main_weight",
            help="The auxiliary output gets 1 − this weight.",
        )
        weights = (main, round(1.0 - main, 2))
        st.caption(f"loss = {weights[0]:g} · main MSE + {weights[1]:g} · auxiliary MSE")
        api = st.radio(
            "Written with",
            APIS,
            format_func=API_TITLES.get,
            horizontal=True,
            key=f"{PREFIX}.api",
            help="The same model as a `keras.Model` subclass (the book's `WideAndDeepModel`): "
            "layers made in `__init__`, wired in `call()`. Same seed, same result.",
        )

st.subheader("Training")
values, submitted = widgets.training_form(
    PREFIX, extra=lambda: ui.subset_field(data, PREFIX), presets=ui.REGRESSION_PRESETS
)
try:
    config = WideDeepConfig(variant, tuple(wide), tuple(deep), int(units), activation, weights, api)
    check_features(config, data.num_features)
    run = WideDeepRun(data.name, ui.num_train(data, values["extra"]), config, widgets.training_config(values))
    runs.check(run, data)
except ValueError as error:
    st.error(str(error), icon=":material/error:")
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

result = ui.run_section(run, data, prefix=PREFIX, submitted=submitted)
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
