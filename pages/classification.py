"""Classification MLP: build, train with live curves, evaluate, inspect predictions."""

import numpy as np
import streamlit as st

from core.config import DataConfig, MLPConfig, RunConfig
from core.data import TITLES, DatasetUnavailableError
from core.models import summarize_mlp
from core.runs import check_limits
from core.training import check_fits
from ui import cache, charts, train_view, widgets

PREFIX = "classification"
DATASET_KEY = f"{PREFIX}.dataset"
RESULT_KEY = f"{PREFIX}.result"
SUBSETS = (0, 20000, 10000, 5000, 1000, 500)  # 0: all of them

st.title("Classification MLP")
st.markdown(
    "Build a multilayer perceptron that sorts 28×28 images into 10 classes, train it "
    "while the learning curves grow, then see where it goes wrong. The defaults are "
    "the course's model: two hidden layers of 300 and 100 ReLU units and a softmax output."
)

train_view.interrupted_notice(PREFIX)
name = st.segmented_control(
    "Data set", list(TITLES), format_func=TITLES.get, default="fashion_mnist", key=DATASET_KEY
) or "fashion_mnist"
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
    f"{len(data.x_test):,} test images", expanded=False
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
    check_fits(config, len(data.subset(num_train).x_train))
    check_limits(config, data)
except ValueError as error:
    st.error(str(error), icon=":material/error:")
    st.stop()

result = st.session_state.get(RESULT_KEY)
if result is None or result.config != config:
    result = cache.stored_result(config)
if submitted and (result is None or result.diverged):
    result = train_view.train_live(config, data, prefix=PREFIX)
    st.session_state[RESULT_KEY] = result

if result is None:
    st.info("Not trained yet. Press **Train** to train this configuration.", icon=":material/info:")
elif result.diverged:
    train_view.diverged_message(result)
    st.plotly_chart(charts.learning_curves(result.history), key=f"{PREFIX}.diverged_curves")
else:
    st.subheader("Results")
    train_view.result_header(result)
    train_view.result_details(result, data, prefix=PREFIX)
