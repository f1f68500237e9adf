"""Playground: TensorFlow Playground with real Keras models.

Pick 2-D data and input features, stack up to six small hidden layers, press play,
and watch the decision surface, every neuron's heatmap and the loss curves change
as a Keras model trains; pause to set any weight or bias by hand. The whole
experiment lives in the URL, so a copied link reopens it, and a lesson link can hide
the controls a lesson does not use (`only=learning_rate,activation`).
"""

import streamlit as st

from core.forms.playground import to_config
from core.playground.codegen import generate_code
from core.playground.config import (
    ACTIVATIONS,
    LEARNING_RATES,
    LOSSES,
    OPTIMIZERS,
    PROBLEMS,
    REGULARIZATION_RATES,
    REGULARIZATIONS,
)
from core.playground.data import DATASET_TITLES
from core.playground.features import FEATURES
from ui.playground import editor
from ui.playground import view as ui

form = ui.bind()
k = ui.key
st.title("Playground")
form.caption("Train a small Keras network on 2-D points and watch what every neuron learns.")
form.show_warnings()

value = form.value
problem = value.problem
first, second = st.columns(4), st.columns(4)
form.widget("problem", first[0].selectbox, "Problem type", PROBLEMS, from_widget=lambda p: ui.problem_changes(form, p))
form.widget("activation", first[1].selectbox, "Activation", ACTIVATIONS)
form.widget("learning_rate", first[2].select_slider, "Learning rate", ui.menu(LEARNING_RATES, value.learning_rate))
form.widget(
    "optimizer",
    first[3].selectbox,
    "Optimizer",
    OPTIMIZERS,
    format_func={"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam"}.get,
)
form.widget("regularization", second[0].selectbox, "Regularization", REGULARIZATIONS)
form.widget(
    "regularization_rate",
    second[1].select_slider,
    "Regularization rate",
    ui.menu(REGULARIZATION_RATES, value.regularization_rate),
)
form.widget("batch_size", second[2].number_input, "Batch size", 1, 500)
form.widget(
    "loss",
    second[3].selectbox,
    "Loss",
    LOSSES,
    # Regression always uses squared error, so that is what the disabled box shows.
    format_func=lambda s: "squared error" if problem == "regression" else s.replace("_", " "),
    disabled=problem == "regression",
    help="Regression always uses squared error.",
)

with st.sidebar:
    form.widget("dataset", st.radio, "Data", ui.dataset_options(problem), format_func=DATASET_TITLES.get)
    form.widget("noise", st.slider, "Noise (%)", 0, 50, step=5)
    form.widget("train_ratio", st.slider, "Training data (%)", 10, 90, step=10)
    if form.shown("seed"):
        st.button(
            "Regenerate",
            icon=":material/refresh:",
            on_click=ui.regenerate,
            args=(form,),
            key=k("regenerate"),
            help="New points and new initial weights.",
        )
    if form.shown("features"):
        st.markdown("**Features**")
    for name, (label, _) in FEATURES.items():
        form.widget(
            "features",
            st.checkbox,
            label,
            key=f"feature.{name}",
            to_widget=lambda features, name=name: name in features,
            from_widget=lambda on, name=name: ui.feature_changes(form, name, on),
        )
    if form.shown("upload"):
        with st.expander("Your own points"):
            st.file_uploader(
                "CSV with columns x1, x2, label",
                type="csv",
                key=ui.UPLOAD_WIDGET,
                on_change=ui.on_upload,
                args=(form,),
                help="Labels 0/1 (or -1/+1) make two classes, whole numbers 0, 1, 2, ... more classes, "
                "other numbers a regression.",
            )
if st.session_state.get(ui.UPLOAD_ERROR):
    kept = " The points of your earlier file stay in use." if st.session_state.get(ui.UPLOADED) else ""
    st.error(f"Could not use your CSV file. {st.session_state[ui.UPLOAD_ERROR]}{kept}")
uploaded = st.session_state.get(ui.UPLOADED)
if uploaded is not None and uploaded.note and form.value.dataset == "upload":
    st.info(uploaded.note)

try:
    config = to_config(form.value)
    trainer = ui.current_trainer(config)
except ValueError as error:
    st.error(str(error))
    st.stop()

controls = st.columns([1.1, 1.1, 1.1, 2.2, 2, 2])
playing = st.session_state[ui.PLAYING]
controls[0].button(
    "Pause" if playing else "Play",
    icon=":material/pause:" if playing else ":material/play_arrow:",
    on_click=ui.toggle_play,
    type="primary",
    use_container_width=True,
    key=k("play"),
)
controls[1].button("Step", icon=":material/skip_next:", on_click=ui.step_once, use_container_width=True, key=k("step"))
controls[2].button("Reset", icon=":material/replay:", on_click=ui.reset, use_container_width=True, key=k("reset"))
form.widget(
    "epochs_per_update",
    controls[3].selectbox,
    "Epochs per update",
    ui.speeds(),
    label_visibility="collapsed",
    format_func=lambda n: f"{n} epoch{'s' * (n > 1)} per update",
)
form.widget("show_test_data", controls[4].toggle, "Show test data")
form.widget("discretize", controls[5].toggle, "Discretize output")
ui.network_controls(form)

ui.live_view(config, trainer, form.value)

if form.shown("editor"):
    editor.show(config, trainer, playing=st.session_state[ui.PLAYING], caption=not form.view.hide_text)

if form.shown("code"):
    with st.expander("Show the code", icon=":material/code:"):
        code = generate_code(config, epochs=trainer.epoch or 100, upload=st.session_state.get(ui.UPLOADED))
        st.code(code, language="python")
        st.download_button(
            "Download playground_experiment.py", code, file_name="playground_experiment.py", mime="text/x-python"
        )
