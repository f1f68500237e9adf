"""Regression MLP: predict California house values, compare with scikit-learn."""

import streamlit as st

from core.config import MLPConfig
from core.regression.sequential import (
    LOSS_LABELS,
    LOSSES,
    REGRESSION_OUTPUT_ACTIVATIONS,
    RegressionConfig,
    RegressionRun,
    check_fits,
    summarize_regression,
)
from core.regression_runs import check_limits
from ui import train_view, widgets
from ui.regression import figures
from ui.regression import view as ui

PREFIX = "regression"
RESULT_KEY = f"{PREFIX}.result"
OUTPUT_LABELS = {"linear": "None (any value)", "softplus": "softplus (positive)", "relu": "ReLU (positive)"}

st.title("Regression MLP")
st.markdown(
    "Predict the median house value of a California district from 8 numbers (income, "
    "house age, rooms, population, location…). Same MLP as for classification, with three "
    "changes: a `Normalization` layer scales the inputs, the output is **one unit with no "
    "activation**, and the loss is the mean squared error, reported as its square root (RMSE)."
)

train_view.interrupted_notice(PREFIX)
data = ui.load_data_or_warn()
ui.data_overview(data)

build, summary = st.columns(2, gap="large")
with build:
    st.subheader("Architecture")
    layers = widgets.architecture_builder(PREFIX, RegressionConfig().mlp.hidden_layers)
    normalize = st.toggle(
        "Start with a Normalization layer (adapted on the training set)", value=True, key=f"{PREFIX}.normalize",
        help="Like scikit-learn's StandardScaler, but inside the model: it learns each feature's mean "
        "and variance from the training set with adapt(), so the saved model takes raw features.",
    )
    output_activation = st.segmented_control(
        "Output activation", REGRESSION_OUTPUT_ACTIVATIONS, format_func=OUTPUT_LABELS.get,
        default="linear", key=f"{PREFIX}.output_activation",
    ) or "linear"
    if not normalize:
        st.warning(
            "Without scaling, `Population` (in the thousands) dwarfs `AveBedrms` (about 1): "
            "the first layer's weights must cope with both, and training is slower and worse.",
            icon=":material/straighten:",
        )


def loss_fields():
    left, right = st.columns(2)
    loss = left.selectbox("Loss", LOSSES, format_func=LOSS_LABELS.get, key=f"{PREFIX}.loss",
                          help="MAE and Huber care less about outliers than MSE.")
    delta = right.number_input("Huber delta", min_value=0.01, value=1.0, step=0.1, key=f"{PREFIX}.huber_delta",
                               help="Errors smaller than delta are squared, larger ones count linearly.")
    baseline = left.checkbox("Compare with scikit-learn's MLPRegressor", value=True, key=f"{PREFIX}.baseline")
    return loss, delta, ui.subset_field(data, PREFIX), baseline


st.subheader("Training")
values, submitted = widgets.training_form(PREFIX, extra=loss_fields, presets=widgets.REGRESSION_PRESETS)
loss, delta, subset, with_baseline = values["extra"]
try:
    model = RegressionConfig(MLPConfig(layers, output_activation), normalize, loss, delta if loss == "huber" else 1.0)
    run = RegressionRun(data.name, ui.num_train(data, subset), model, widgets.training_config(values))
    check_fits(run, data)
    check_limits(run, data)
except ValueError as error:
    st.error(str(error), icon=":material/error:")
    st.stop()

with summary:
    st.subheader("Model summary")
    ui.summary_table(summarize_regression(model, data.num_features))

result = ui.current_result(run, RESULT_KEY)
if submitted and (result is None or result.diverged):
    result = ui.train_live(run, data, prefix=PREFIX)
    st.session_state[RESULT_KEY] = result

if result is None:
    st.info("Not trained yet. Press **Train** to train this configuration.", icon=":material/info:")
elif result.diverged:
    train_view.diverged_message(result)
    st.plotly_chart(figures.learning_curves(result.history), key=f"{PREFIX}.diverged_curves")
else:
    st.subheader("Results")
    ui.result_metrics(result, ui.baseline(data.name, run.num_train) if with_baseline else None)
    ui.result_figures(result, data, prefix=PREFIX)
