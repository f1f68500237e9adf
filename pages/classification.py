"""Classification MLP: build, train with live curves, evaluate, inspect predictions."""

import numpy as np
import streamlit as st

from core import runs
from core.config import MLPConfig
from core.data import TITLES, DatasetUnavailableError, for_run
from core.forms.classification import ClassificationForm, data_config, from_run, run_config
from core.models import output_units, summarize_mlp
from ui import cache, charts, run_view, state, widgets
from ui.classification import form as fields
from ui.classification import inside, view
from ui.experiments import lr_finder

PREFIX = "classification"

form = state.bind(
    PREFIX,
    ClassificationForm,
    check=run_config,
    from_run=from_run,
    kind="classification",
    controls=("preset", "layers"),
)
st.title("Classification MLP")
form.markdown(
    "Build a multilayer perceptron that sorts 28×28 images into 10 classes, train it "
    "while the learning curves grow, then see where it goes wrong. The defaults are "
    "the course's model: two hidden layers of 300 and 100 ReLU units and a softmax output."
)
form.show_warnings()

form.widget(
    "dataset",
    st.segmented_control,
    "Data set",
    list(TITLES),
    format_func=TITLES.get,
)
try:
    data = cache.image_dataset(form.value.dataset)
except DatasetUnavailableError as error:
    st.error(str(error), icon=":material/cloud_off:")
    st.button("Use the offline digits data set", on_click=form.set, kwargs={"dataset": "digits"}, type="primary")
    st.stop()

# The images the data choices leave, before the subset: split once per run (a copy of
# the training set when the validation end or the classes change).
try:
    run_data, problem = for_run(data, data_config(form.value.replace(num_train=0))), None
except ValueError as error:
    run_data, problem = data, error
if form.shown("validation", "validation_split", "scaling", "classes", "num_train", "class_weight"):
    st.subheader("Data")
fields.data_fields(form, data, len(run_data.x_train))
if problem:
    st.error(str(problem), icon=":material/error:")
    st.stop()
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
    if form.shown("layers", "output_activation"):
        st.subheader("Architecture")
    layers = widgets.architecture_builder(form)
    fields.output_field(form)
with summary:
    st.subheader("Model summary")
    try:
        model_config = MLPConfig(hidden_layers=layers, output_activation=form.value.output_activation)
        units = output_units(model_config, run_data.num_classes)
        standardize = form.value.scaling == "standard"
        widgets.summary_table(summarize_mlp(model_config, data.image_shape, units, standardize=standardize))
    except ValueError as error:
        st.error(str(error), icon=":material/error:")

try:
    config, problem = run_config(form.value, len(run_data.x_train)), None
    runs.check(config, data)
except ValueError as error:
    problem = error
st.subheader("Training")
submitted = widgets.training_form(form, problem=problem)
if problem:
    st.stop()
fields.data_caption(config, run_data)

lr_finder.panel(form, config, data)
result = run_view.run_section(config, data, prefix=PREFIX, submitted=submitted, form=form)
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
