"""Playground: TensorFlow Playground with real Keras models.

Pick 2-D data and input features, stack up to six small hidden layers, press play,
and watch the decision surface, every neuron's heatmap and the loss curves change
as a Keras model trains; pause to set any weight or bias by hand. The whole
experiment lives in the URL, so a copied link reopens it.
"""

import streamlit as st

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

ui.init_state()
k = ui.key
st.title("Playground")
st.caption("Train a small Keras network on 2-D points and watch what every neuron learns.")
for warning in st.session_state[ui.LINK_WARNINGS]:
    st.warning(ui.plain_markdown(warning))  # a link's values shown as they are, never as markdown

problem = st.session_state[k("problem")]
first, second = st.columns(4), st.columns(4)
first[0].selectbox("Problem type", PROBLEMS, key=k("problem"), on_change=ui.on_problem_change)
first[1].selectbox("Activation", ACTIVATIONS, key=k("activation"))
first[2].select_slider("Learning rate", LEARNING_RATES, key=k("learning_rate"))
first[3].selectbox(
    "Optimizer",
    OPTIMIZERS,
    key=k("optimizer"),
    format_func={"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam"}.get,
)
second[0].selectbox("Regularization", REGULARIZATIONS, key=k("regularization"))
second[1].select_slider("Regularization rate", REGULARIZATION_RATES, key=k("regularization_rate"))
second[2].number_input("Batch size", 1, 500, key=k("batch_size"))
second[3].selectbox(
    "Loss",
    LOSSES,
    key=k("loss"),
    # Regression always uses squared error, so that is what the disabled box shows.
    format_func=lambda s: "squared error" if problem == "regression" else s.replace("_", " "),
    disabled=problem == "regression",
    help="Regression always uses squared error.",
)

with st.sidebar:
    st.radio(
        "Data", ui.dataset_options(st.session_state[k("problem")]), key=k("dataset"), format_func=DATASET_TITLES.get
    )
    st.slider("Noise (%)", 0, 50, step=5, key=k("noise"))
    st.slider("Training data (%)", 10, 90, step=10, key=k("train_ratio"))
    st.button(
        "Regenerate", icon=":material/refresh:", on_click=ui.regenerate, help="New points and new initial weights."
    )
    st.markdown("**Features**")
    for name, (label, _) in FEATURES.items():
        st.checkbox(label, key=ui.feature_key(name))
    with st.expander("Your own points"):
        st.file_uploader(
            "CSV with columns x1, x2, label",
            type="csv",
            key=ui.UPLOAD_WIDGET,
            on_change=ui.on_upload,
            help="Labels 0/1 (or -1/+1) make two classes, whole numbers 0, 1, 2, ... more classes, "
            "other numbers a regression.",
        )
if st.session_state.get(ui.UPLOAD_ERROR):
    kept = " The points of your earlier file stay in use." if st.session_state.get(ui.UPLOADED) else ""
    st.error(f"Could not use your CSV file. {st.session_state[ui.UPLOAD_ERROR]}{kept}")
uploaded = st.session_state.get(ui.UPLOADED)
if uploaded is not None and uploaded.note and st.session_state[k("dataset")] == "upload":
    st.info(uploaded.note)

try:
    config = ui.read_config()
    ui.sync_query_params(config)
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
controls[3].selectbox(
    "Epochs per update",
    ui.speeds(),
    key=ui.SPEED,
    label_visibility="collapsed",
    format_func=lambda n: f"{n} epoch{'s' * (n > 1)} per update",
)
controls[4].toggle("Show test data", key=ui.SHOW_TEST)
controls[5].toggle("Discretize output", key=ui.DISCRETIZE)
layers = st.session_state[ui.LAYERS]
with st.columns([2.5, 7])[0]:
    minus, label, plus = st.columns([1, 3, 1], vertical_alignment="center")
    minus.button(
        "",
        icon=":material/remove:",
        key=k("remove_layer"),
        on_click=ui.change_layers,
        args=(-1,),
        disabled=not layers,
        help="Remove the last hidden layer",
    )
    label.markdown(f"**{len(layers)} hidden layer{'s' * (len(layers) != 1)}**")
    plus.button(
        "",
        icon=":material/add:",
        key=k("add_layer"),
        on_click=ui.change_layers,
        args=(1,),
        disabled=len(layers) >= ui.limits().max_hidden_layers,
        help="Add a hidden layer",
    )
if layers:
    for index, column in enumerate(st.columns(6)[: len(layers)]):
        minus, label, plus = column.columns([1, 2, 1], vertical_alignment="center")
        minus.button(
            "",
            icon=":material/remove:",
            key=k(f"units_minus_{index}"),
            on_click=ui.change_units,
            args=(index, -1),
            disabled=layers[index] <= 1,
            help=f"One neuron fewer in layer {index + 1}",
        )
        label.caption(f"Layer {index + 1}: {layers[index]} neuron{'s' * (layers[index] != 1)}")
        plus.button(
            "",
            icon=":material/add:",
            key=k(f"units_plus_{index}"),
            on_click=ui.change_units,
            args=(index, 1),
            disabled=layers[index] >= ui.limits().max_units,
            help=f"One neuron more in layer {index + 1}",
        )
        column.selectbox(
            f"Dropout, layer {index + 1}",
            ui.DROPOUT_RATES,
            key=ui.dropout_key(index),
            format_func=lambda rate: f"dropout {rate:.0%}" if rate else "no dropout",
            label_visibility="collapsed",
        )

ui.live_view(config, trainer)

editor.show(config, trainer, playing=st.session_state[ui.PLAYING])

with st.expander("Show the code", icon=":material/code:"):
    code = generate_code(config, epochs=trainer.epoch or 100, upload=st.session_state.get(ui.UPLOADED))
    st.code(code, language="python")
    st.download_button(
        "Download playground_experiment.py", code, file_name="playground_experiment.py", mime="text/x-python"
    )
