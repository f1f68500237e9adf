"""Experiments: many runs at once. Compare stored runs, search hyperparameters with
KerasTuner, and find a good learning rate before training."""

import streamlit as st

from core.forms.experiments import ExperimentsForm, check
from ui import state
from ui.experiments import compare, lr_finder, tuning

PREFIX = "experiments"
TAB_TITLES = {"compare": "Compare runs", "tune": "Tune hyperparameters", "lr_finder": "Learning-rate finder"}

form = state.bind(PREFIX, ExperimentsForm, check=check)
st.title("Experiments")
form.markdown(
    "One run answers one question; learning what works takes many. Compare every run "
    "trained here side by side, let **KerasTuner** search the hyperparameters for you "
    "(on this server or on several machines at once), and find a good learning rate in "
    "one epoch before you train."
)
form.show_warnings()

# Every tab is drawn, open or not (`form.tabs`): a closed tab keeps its widgets' state,
# and the open one is in the URL.
form.tabs(
    "tab",
    {
        "compare": (TAB_TITLES["compare"], lambda: compare.section(form)),
        "tune": (TAB_TITLES["tune"], lambda: tuning.section(form)),
        "lr_finder": (TAB_TITLES["lr_finder"], lambda: lr_finder.section(form)),
    },
)
