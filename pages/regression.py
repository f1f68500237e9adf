"""Regression MLP: predict California house values, compare with scikit-learn."""

import streamlit as st

from core import runs
from core.config import MLPConfig
from core.regression.sequential import (
    LOSS_LABELS,
    LOSSES,
    REGRESSION_OUTPUT_ACTIVATIONS,
    RegressionConfig,
    RegressionRun,
    summarize_regression,
)
from ui import run_view, widgets
from ui.experiments import lr_finder
from ui.regression import view as ui

PREFIX = "regression"
PRESETS = ui.REGRESSION_PRESETS
OUTPUT_LABELS = {"linear": "None (any value)", "softplus": "softplus (positive)", "relu": "ReLU (positive)"}

st.title("Regression MLP")
st.markdown(
    "Predict the median house value of a California district from 8 numbers (income, "
    "house age, rooms, population, location…). Same MLP as for classification, with three "
    "changes: a `Normalization` layer scales the inputs, the output is **one unit with no "
    "activation**, and the loss is the mean squared error, reported as its square root (RMSE)."
)

data = ui.load_data_or_warn()
ui.data_overview(data)

build, summary = st.columns(2, gap="large")
with build:
    st.subheader("Architecture")
    layers = widgets.architecture_builder(PREFIX, RegressionConfig().mlp.hidden_layers)
    normalize = st.toggle(
        "Start with a Normalization layer (adapted on the training set)",
        value=True,
        key=f"{PREFIX}.normalize",
        help="Like scikit-learn's StandardScaler, but inside the model: it learns each feature's mean "
        "and variance from the training set with adapt(), so the saved model takes raw features.",
    )
    output_activation = (
        st.segmented_control(
            "Output activation",
            REGRESSION_OUTPUT_ACTIVATIONS,
            format_func=OUTPUT_LABELS.get,
            default="linear",
            key=f"{PREFIX}.output_activation",
        )
        or "linear"
    )
    if not normalize:
        st.warning(
            "Without scaling, `Population` (in the thousands) dwarfs `AveBedrms` (about 1): "
            "the first layer's weights must cope with both, and training is slower and worse.",
            icon=":material/straighten:",
        )
    left, right = st.columns(2)
    loss = left.selectbox(
        "Loss",
        LOSSES,
        format_func=LOSS_LABELS.get,
        key=f"{PREFIX}.loss",
        help="MAE and Huber care less about outliers than MSE.",
    )
    delta = 1.0
    if loss == "huber":  # the only loss that has a delta
        delta = right.number_input(
            "Huber delta",
            min_value=0.01,
            value=1.0,
            step=0.1,
            key=f"{PREFIX}.huber_delta",
            help="Errors smaller than delta are squared, larger ones count linearly.",
        )


def extra_fields():
    baseline = st.checkbox("Compare with scikit-learn's MLPRegressor", value=True, key=f"{PREFIX}.baseline")
    return ui.subset_field(data, PREFIX), baseline


st.subheader("Training")
values, submitted = widgets.training_form(PREFIX, extra=extra_fields, presets=PRESETS)
subset, with_baseline = values["extra"]
try:
    model = RegressionConfig(MLPConfig(layers, output_activation), normalize, loss, delta)
    run = RegressionRun(data.name, ui.num_train(data, subset), model, widgets.training_config(values))
    runs.check(run, data)
except ValueError as error:
    st.error(str(error), icon=":material/error:")
    st.stop()

with summary:
    st.subheader("Model summary")
    ui.summary_table(summarize_regression(model, data.num_features))

lr_finder.panel(PREFIX, run, data)
result = ui.run_section(run, data, prefix=PREFIX, submitted=submitted)
if result is None:
    run_view.not_trained_notice(PREFIX)
elif result.diverged:
    ui.diverged_section(result, prefix=PREFIX)
else:
    st.subheader("Results")
    run_view.other_config_caption(result, run)
    ui.result_metrics(result, ui.baseline(data.name, run.num_train) if with_baseline else None)
    ui.result_figures(result, data, prefix=PREFIX)
