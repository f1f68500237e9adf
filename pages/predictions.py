"""Predictions & models: use a trained model on new inputs, take it away, bring one in."""

import streamlit as st

from core import runs
from core.store import RunStore
from ui.predictions import view as predictions

st.title("Predictions & models")
st.markdown(
    "Every model trained in this app is kept. Pick one to see what it predicts for test "
    "images or for your own inputs, download it to use with Keras anywhere, or upload a "
    "model of your own and compare."
)

store = RunStore()
run = predictions.pick_model(store)
if run is not None:
    predictions.model_header(run)
    use, take, manage = st.tabs(["Predict", "Take it away", "Details & delete"])
    with use:
        if runs.takes_images(run.meta.get("kind")):
            st.markdown("##### Test images")
            predictions.test_images(run)
            st.markdown("##### Your own image")
            predictions.your_image(run)
            st.markdown("##### Draw one")
            predictions.draw_image(run)
        else:
            st.markdown("##### One sample")
            predictions.regression_form(run)
            st.markdown("##### Many samples from a CSV file")
            predictions.batch_predictions(run)
    with take:
        predictions.downloads(run)
    with manage:
        predictions.continue_training(run)
        predictions.details(run, store)

st.subheader("Bring your own model")
st.markdown(
    "Upload a model saved with `model.save('name.keras')`. It is loaded in Keras's safe "
    "mode, so it cannot run code (a `Lambda` layer or a custom class is refused), and "
    "matched to a data set by its input shape. It stays in your session only."
)
predictions.bring_your_own(store)
