"""Predictions & models: use a trained model on new inputs, take it away, bring one in."""

import streamlit as st

from core.forms.predictions import PredictionsForm, check
from core.store import RunStore
from ui import state
from ui.predictions import view as predictions
from ui.predictions.view import TAB_TITLES

PREFIX = "predictions"

form = state.bind(PREFIX, PredictionsForm, check=check)
st.title("Predictions & models")
form.markdown(
    "Every model trained in this app is kept. Pick one to see what it predicts for test "
    "images or for your own inputs, download it to use with Keras anywhere, or upload a "
    "model of your own and compare."
)
form.show_warnings()

store = RunStore()
run = predictions.pick_model(form, store)
if run is not None:
    predictions.model_header(run)
    form.tabs(
        "tab",
        {
            "predict": (TAB_TITLES["predict"], lambda: predictions.predict_section(form, run)),
            "take_away": (TAB_TITLES["take_away"], lambda: predictions.downloads(run)),
            "details": (TAB_TITLES["details"], lambda: predictions.manage_section(form, run, store)),
        },
    )

st.subheader("Bring your own model")
form.markdown(
    "Upload a model saved with `model.save('name.keras')`. It is loaded in Keras's safe "
    "mode, so it cannot run code (a `Lambda` layer or a custom class is refused), and "
    "matched to a data set by its input shape. It stays in your session only."
)
predictions.bring_your_own(form)
