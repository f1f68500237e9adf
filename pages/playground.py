"""Playground: TensorFlow Playground with real Keras models.

Pick 2-D data and input features, stack up to six small hidden layers, press play,
and watch the decision surface, every neuron's heatmap and the loss curves change
as a Keras model trains. The whole experiment lives in the URL, so a copied link
reopens it.
"""

import math

import streamlit as st

from core.playground.codegen import generate_code
from core.playground.config import (
    ACTIVATIONS, LEARNING_RATES, LOSSES, OPTIMIZERS, PROBLEMS, REGULARIZATION_RATES, REGULARIZATIONS,
)
from core.playground.data import DATASET_TITLES
from core.playground.features import FEATURES
from ui import playground as ui

ui.init_state()
k = ui.key
st.title("Playground")
st.caption("Train a small Keras network on 2-D points and watch what every neuron learns.")
for warning in st.session_state[ui.LINK_WARNINGS]:
    st.warning(warning)

row = st.columns(8)
row[0].selectbox("Problem type", PROBLEMS, key=k("problem"), on_change=ui.on_problem_change)
row[1].selectbox("Activation", ACTIVATIONS, key=k("activation"))
row[2].select_slider("Learning rate", LEARNING_RATES, key=k("learning_rate"))
row[3].selectbox("Regularization", REGULARIZATIONS, key=k("regularization"))
row[4].select_slider("Regularization rate", REGULARIZATION_RATES, key=k("regularization_rate"))
row[5].number_input("Batch size", 1, 500, key=k("batch_size"))
row[6].selectbox("Optimizer", OPTIMIZERS, key=k("optimizer"), format_func={"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam"}.get)
row[7].selectbox("Loss", LOSSES, key=k("loss"), format_func=lambda s: s.replace("_", " "),
                 disabled=st.session_state[k("problem")] == "regression", help="Regression always uses squared error.")

data_column, live_column = st.columns([1, 4])
with data_column:
    st.radio("Data", ui.dataset_options(st.session_state[k("problem")]), key=k("dataset"), format_func=DATASET_TITLES.get)
    st.slider("Noise (%)", 0, 50, step=5, key=k("noise"))
    st.slider("Training data (%)", 10, 90, step=10, key=k("train_ratio"))
    st.button("Regenerate", icon=":material/refresh:", on_click=ui.regenerate, help="New points and new initial weights.")
    st.markdown("**Features**")
    for name, (label, _) in FEATURES.items():
        st.checkbox(label, key=ui.feature_key(name))
    with st.expander("Your own points"):
        st.file_uploader("CSV with columns x1, x2, label", type="csv", key=ui.UPLOAD_WIDGET, on_change=ui.on_upload)
        if st.session_state.get(ui.UPLOAD_ERROR):
            st.error(st.session_state[ui.UPLOAD_ERROR])

try:
    config = ui.read_config()
except ValueError as error:
    st.error(str(error))
    st.stop()
ui.sync_query_params(config)
trainer = ui.current_trainer(config)

with live_column:
    controls = st.columns([1, 1, 1, 2, 3])
    playing = st.session_state[ui.PLAYING]
    controls[0].button("Pause" if playing else "Play", icon=":material/pause:" if playing else ":material/play_arrow:",
                       on_click=ui.toggle_play, type="primary", use_container_width=True, key=k("play"))
    controls[1].button("Step", icon=":material/skip_next:", on_click=ui.step_once, use_container_width=True, key=k("step"))
    controls[2].button("Reset", icon=":material/replay:", on_click=ui.reset, use_container_width=True, key=k("reset"))
    controls[3].selectbox("Epochs per update", ui.EPOCHS_PER_UPDATE, key=ui.SPEED, label_visibility="collapsed",
                          format_func=lambda n: f"{n} epoch{'s' * (n > 1)} per update")
    layers = st.session_state[ui.LAYERS]
    with controls[4]:
        minus, label, plus = st.columns([1, 3, 1])
        minus.button("", icon=":material/remove:", key=k("remove_layer"), on_click=ui.change_layers, args=(-1,), disabled=not layers)
        label.markdown(f"**{len(layers)} hidden layer{'s' * (len(layers) != 1)}**")
        plus.button("", icon=":material/add:", key=k("add_layer"), on_click=ui.change_layers, args=(1,), disabled=len(layers) >= 6)
    if layers:
        # One column per node column of the network figure: inputs, each layer, output.
        for index, column in enumerate(st.columns(len(layers) + 2)[1:-1]):
            minus, plus = column.columns(2)
            minus.button("", icon=":material/remove:", key=k(f"units_minus_{index}"), on_click=ui.change_units, args=(index, -1), disabled=layers[index] <= 1)
            plus.button("", icon=":material/add:", key=k(f"units_plus_{index}"), on_click=ui.change_units, args=(index, 1), disabled=layers[index] >= 8)

    @st.fragment(run_every=ui.UPDATE_INTERVAL if playing else None)
    def live_view():
        if st.session_state[ui.PLAYING]:
            trainer.step(st.session_state[ui.SPEED])
            if not math.isfinite(trainer.history["loss"][-1]):
                st.session_state[ui.PLAYING] = False
                st.rerun()
        grids = trainer.grids()
        network, output = st.columns([5, 3])
        history = trainer.history
        output.markdown(f"**Epoch {trainer.epoch:,}** · training loss {history['loss'][-1]:.4f} · test loss {history['test_loss'][-1]:.4f}")
        if not math.isfinite(history["loss"][-1]):
            output.error("The loss is no longer a number: training diverged. Lower the learning rate and press Reset.")
        output.plotly_chart(ui.surface_figure(trainer.grid_axis, grids[-1][..., 0], trainer.data, config.problem), key=k("surface"), config={"displayModeBar": False})
        output.plotly_chart(ui.loss_figure(history), key=k("loss_chart"), config={"displayModeBar": False})
        network.plotly_chart(ui.network_figure(config, grids, trainer.weights(), ui.feature_grids(trainer)), key=k("network"), config={"displayModeBar": False})

    live_view()

with st.expander("Show the code", icon=":material/code:"):
    code = generate_code(config, epochs=trainer.epoch or 100, upload=st.session_state.get(ui.UPLOADED))
    st.code(code, language="python")
    st.download_button("Download playground_experiment.py", code, file_name="playground_experiment.py", mime="text/x-python")
