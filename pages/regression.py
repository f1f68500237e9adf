"""Regression MLP: predict California house values, compare with scikit-learn."""

import streamlit as st

from core import runs
from core.forms.regression import REGRESSION_DEFAULT, RegressionForm, from_run, run_config
from core.regression.sequential import LOSS_LABELS, LOSSES, REGRESSION_OUTPUT_ACTIVATIONS, summarize_regression
from ui import run_view, state, widgets
from ui.experiments import lr_finder
from ui.regression import view as ui

PREFIX = "regression"
OUTPUT_LABELS = {"linear": "None (any value)", "softplus": "softplus (positive)", "relu": "ReLU (positive)"}

data = ui.load_data_or_warn()
form = state.bind(
    PREFIX,
    RegressionForm,
    default=REGRESSION_DEFAULT,
    check=lambda value: run_config(value, data.name),
    from_run=from_run,
    kind="regression",
    controls=("preset", "layers"),
)
st.title("Regression MLP")
form.markdown(
    "Predict the median house value of a California district from 8 numbers (income, "
    "house age, rooms, population, location…). Same MLP as for classification, with three "
    "changes: a `Normalization` layer scales the inputs, the output is **one unit with no "
    "activation**, and the loss is the mean squared error, reported as its square root (RMSE)."
)
form.show_warnings()
ui.data_overview(data)

build, summary = st.columns(2, gap="large")
with build:
    if form.shown("layers", "normalize", "output_activation", "loss"):
        st.subheader("Architecture")
    layers = widgets.architecture_builder(form)
    form.widget(
        "normalize",
        st.toggle,
        "Start with a Normalization layer (adapted on the training set)",
        help="Like scikit-learn's StandardScaler, but inside the model: it learns each feature's mean "
        "and variance from the training set with adapt(), so the saved model takes raw features.",
    )
    form.widget(
        "output_activation",
        st.segmented_control,
        "Output activation",
        REGRESSION_OUTPUT_ACTIVATIONS,
        format_func=OUTPUT_LABELS.get,
    )
    if not form.value.normalize:
        st.warning(
            "Without scaling, `Population` (in the thousands) dwarfs `AveBedrms` (about 1): "
            "the first layer's weights must cope with both, and training is slower and worse.",
            icon=":material/straighten:",
        )
    left, right = st.columns(2)
    form.widget(
        "loss",
        left.selectbox,
        "Loss",
        LOSSES,
        format_func=LOSS_LABELS.get,
        help="MAE and Huber care less about outliers than MSE.",
    )
    if form.value.loss == "huber":  # the only loss that has a delta
        form.widget(
            "huber_delta",
            right.number_input,
            "Huber delta",
            step=0.1,
            help="Errors smaller than delta are squared, larger ones count linearly.",
        )


def extra_fields():
    form.widget("baseline", st.checkbox, "Compare with scikit-learn's MLPRegressor")
    ui.subset_field(form, data)


try:
    run, problem = run_config(form.value, data.name, len(data.x_train)), None
    runs.check(run, data)
except ValueError as error:
    problem = error
st.subheader("Training")
submitted = widgets.training_form(form, extra=extra_fields, presets=ui.REGRESSION_PRESETS, problem=problem)
if problem:
    st.stop()

with summary:
    st.subheader("Model summary")
    ui.summary_table(summarize_regression(run.model, data.num_features))

lr_finder.panel(form, run, data)
result = ui.run_section(run, data, prefix=PREFIX, submitted=submitted, form=form)
if result is None:
    run_view.not_trained_notice(PREFIX)
elif result.diverged:
    ui.diverged_section(result, prefix=PREFIX)
else:
    st.subheader("Results")
    run_view.other_config_caption(result, run)
    ui.result_metrics(result, ui.baseline(data.name, run.num_train) if form.value.baseline else None)
    ui.result_figures(result, data, prefix=PREFIX)
