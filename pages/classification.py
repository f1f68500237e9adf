"""Classification MLP: build, train with live curves, evaluate, inspect predictions."""

import dataclasses

import numpy as np
import streamlit as st

from core import runs
from core.config import MLPConfig, RunConfig
from core.data import TITLES, DatasetUnavailableError, for_run
from core.models import output_units, summarize_mlp
from ui import cache, charts, run_view, widgets
from ui.classification import form, inside, view
from ui.experiments import lr_finder

PREFIX = "classification"
DATASET_KEY = f"{PREFIX}.dataset"

st.title("Classification MLP")
st.markdown(
    "Build a multilayer perceptron that sorts 28×28 images into 10 classes, train it "
    "while the learning curves grow, then see where it goes wrong. The defaults are "
    "the course's model: two hidden layers of 300 and 100 ReLU units and a softmax output."
)

name = (
    st.segmented_control("Data set", list(TITLES), format_func=TITLES.get, default="fashion_mnist", key=DATASET_KEY)
    or "fashion_mnist"
)
try:
    data = cache.image_dataset(name)
except DatasetUnavailableError as error:
    st.error(str(error), icon=":material/cloud_off:")
    st.button(
        "Use the offline digits data set",
        on_click=lambda: st.session_state.update({DATASET_KEY: "digits"}),
        type="primary",
    )
    st.stop()

st.subheader("Data")
try:
    data_config, validation_split, class_weight = form.data_fields(PREFIX, data)
except ValueError as error:
    st.error(str(error), icon=":material/error:")
    st.stop()
run_data = for_run(data, dataclasses.replace(data_config, num_train=None))
with st.expander(
    f"{data.title}: {len(run_data.x_train):,} training, {len(run_data.x_valid):,} validation and "
    f"{len(run_data.x_test):,} test images",
    expanded=False,
):
    picks = np.random.default_rng(0).choice(len(run_data.x_train), size=12, replace=False)
    st.image(
        [charts.upscale(run_data.x_train[i], 84) for i in picks],
        caption=[run_data.class_names[run_data.y_train[i]] for i in picks],
        width=84,
    )

build, summary = st.columns([3, 2], gap="large")
with build:
    st.subheader("Architecture")
    layers = widgets.architecture_builder(PREFIX, MLPConfig().hidden_layers)
    output_activation = form.output_field(PREFIX)
with summary:
    st.subheader("Model summary")
    try:
        model_config = MLPConfig(hidden_layers=layers, output_activation=output_activation)
    except ValueError as error:
        st.error(str(error), icon=":material/error:")
        st.stop()
    units = output_units(model_config, run_data.num_classes)
    widgets.summary_table(
        summarize_mlp(model_config, data.image_shape, units, standardize=data_config.scaling == "standard")
    )

st.subheader("Training")
values, submitted = widgets.training_form(
    PREFIX, extra=lambda: form.data_caption(data_config, validation_split, run_data)
)
try:
    training = widgets.training_config(values)
    training = dataclasses.replace(training, validation_split=validation_split, class_weight=class_weight)
    config = RunConfig(data=data_config, model=model_config, training=training)
    runs.check(config, data)
except ValueError as error:
    st.error(f"{error} Training is off until this is fixed.", icon=":material/error:")
    st.stop()

lr_finder.panel(PREFIX, config, data)
result = run_view.run_section(config, data, prefix=PREFIX, submitted=submitted)
if result is None:
    run_view.not_trained_notice(PREFIX)
elif result.diverged:
    run_view.diverged_message(result)
    st.plotly_chart(charts.learning_curves(result.history), key=f"{PREFIX}.diverged_curves")
else:
    st.subheader("Results")
    run_view.other_config_caption(result, config)
    view.result_header(result)
    view.result_details(
        result, for_run(cache.image_dataset(result.config.data.name), result.config.data), prefix=PREFIX
    )
    inside.show_inside(result, prefix=PREFIX)
