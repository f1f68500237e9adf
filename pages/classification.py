"""Classification MLP: build, train with live curves, evaluate, inspect predictions."""

import numpy as np
import streamlit as st

from core import runs
from core.config import DataConfig, MLPConfig, RunConfig
from core.data import TITLES, DatasetUnavailableError
from core.models import summarize_mlp
from ui import cache, charts, run_view, widgets
from ui.classification import view
from ui.experiments import lr_finder

PREFIX = "classification"
DATASET_KEY = f"{PREFIX}.dataset"
SUBSETS = (0, 20000, 10000, 5000, 1000, 500)  # 0: all of them

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

with st.expander(
    f"{data.title}: {len(data.x_train):,} training, {len(data.x_valid):,} validation and "
    f"{len(data.x_test):,} test images",
    expanded=False,
):
    picks = np.random.default_rng(0).choice(len(data.x_train), size=12, replace=False)
    st.image(
        [charts.upscale(data.x_train[i], 84) for i in picks],
        caption=[data.class_names[data.y_train[i]] for i in picks],
        width=84,
    )

build, summary = st.columns([3, 2], gap="large")
with build:
    st.subheader("Architecture")
    layers = widgets.architecture_builder(PREFIX, MLPConfig().hidden_layers)
with summary:
    st.subheader("Model summary")
    model_config = MLPConfig(hidden_layers=layers)
    input_shape = data.image_shape
    widgets.summary_table(summarize_mlp(model_config, input_shape, data.num_classes))

st.subheader("Training")


def subset_field():
    return st.selectbox(
        "Training images",
        SUBSETS,
        format_func=lambda n: f"all {len(data.x_train):,}" if n == 0 else f"first {n:,}",
        key=f"{PREFIX}.num_train",
        help="A subset trains faster, for quick experiments.",
    )


values, submitted = widgets.training_form(PREFIX, extra=subset_field)
try:
    num_train = min(values["extra"], len(data.x_train)) or None
    config = RunConfig(
        data=DataConfig(name, num_train=num_train),
        model=model_config,
        training=widgets.training_config(values),
    )
    runs.check(config, data)
except ValueError as error:
    st.error(str(error), icon=":material/error:")
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
    view.result_details(result, cache.image_dataset(result.config.data.name), prefix=PREFIX)
