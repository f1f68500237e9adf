"""Experiments: many runs at once. Compare stored runs, search hyperparameters with
KerasTuner, and find a good learning rate before training."""

import streamlit as st

from ui.experiments import compare, lr_finder, tuning

st.title("Experiments")
st.markdown(
    "One run answers one question; learning what works takes many. Compare every run "
    "trained here side by side, let **KerasTuner** search the hyperparameters for you "
    "(on this server or on several machines at once), and find a good learning rate in "
    "one epoch before you train."
)

runs_tab, tune_tab, lr_tab = st.tabs(["Compare runs", "Tune hyperparameters", "Learning-rate finder"])
with runs_tab:
    compare.section()
with tune_tab:
    tuning.section()
with lr_tab:
    lr_finder.section()
