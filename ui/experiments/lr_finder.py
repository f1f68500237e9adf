"""Streamlit glue of the learning-rate finder: a panel under a page's training form, and
the Experiments page's tab.

The panel runs `core.experiments.lr_finder.find_learning_rate` for the form's settings
(in the page script: one epoch on at most `MAX_SAMPLES` samples takes seconds) and puts
the suggestion into the form's learning-rate field on request. The tab does the same for
a model chosen there, then opens the Classification or Regression page with the
suggestion (and the settings it was found for) in its form.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from core import forms
from core.config import DATASETS, OPTIMIZERS, DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import TITLES, DatasetUnavailableError
from core.experiments.lr_finder import MIN_STEPS, LRFinderResult, find_learning_rate
from core.forms.experiments import FINDER_BATCH_SIZES, FINDER_LAYERS, FINDER_UNITS
from core.regression.sequential import RegressionConfig, RegressionRun
from ui import cache, widgets
from ui.experiments.lr_figures import lr_finder_figure

MAX_SAMPLES = 10_000  # one epoch of these takes seconds on a CPU
PREFIX = "experiments.lr_finder"


def _classification_form():
    from core.forms.classification import from_run

    return from_run


def _regression_form():
    from core.forms.regression import from_run

    return from_run


# The pages the tab can open, and how their forms read a run's config.
PAGES = {
    "classification": ("pages/classification.py", _classification_form),
    "regression": ("pages/regression.py", _regression_form),
}
TASK_LABELS = {"classification": "Classification (images)", "regression": "Regression (California housing)"}


@st.cache_data(show_spinner=False, max_entries=32)
def _find(config_json: str, kind: str, _config, _data) -> LRFinderResult:
    """The finder's result for a config, shared by every session (the data set is the
    one the config names, so its JSON is the whole key)."""
    return find_learning_rate(_config, _data, max_samples=MAX_SAMPLES)


def _run(config, data) -> LRFinderResult | None:
    """Runs the finder with a spinner; a config it cannot take becomes an error."""
    try:
        with st.spinner("Training one epoch while the learning rate grows…"):
            return _find(config.to_json(), type(config).__name__, config, data)
    except ValueError as error:
        st.error(str(error), icon=":material/error:")
        return None


def _sweep_settings(config):
    """`config` without what the finder ignores (rate, schedule, epochs, early stopping)."""
    training = dataclasses.replace(
        config.training, learning_rate=1e-3, lr_schedule="constant", epochs=1, early_stopping_patience=None
    )
    return dataclasses.replace(config, training=training)


def _describe(config) -> str:
    training = config.training
    architecture = config.model.describe() if isinstance(config, RunConfig) else config.model.mlp.describe()
    return f"{architecture}, {widgets.OPTIMIZER_LABELS[training.optimizer]}, batch size {training.batch_size}"


def _show(result: LRFinderResult, key: str) -> None:
    """The curve, the two rates and whatever the finder noticed."""
    left, right = st.columns(2)
    climb = result.climb_learning_rate
    left.metric("The loss starts climbing at", "—" if climb is None else f"{climb:.2g}")
    right.metric("Suggested learning rate", "—" if result.suggestion is None else f"{result.suggestion:.2g}")
    st.plotly_chart(lr_finder_figure(result), key=key)
    batches = f"{len(result.losses):,} of {result.num_steps:,} batches"
    ended = {"exploded": " (the loss exploded, so it stopped)", "stopped": " (stopped)"}.get(result.stop_reason, "")
    st.caption(
        f"{_describe(result.config)} · {batches}{ended}, drawn from {result.num_samples:,} training samples"
        f" · learning rate {result.min_lr:g} → {result.max_lr:g}. The suggestion is a tenth of the rate "
        "where the running median of the loss is lowest."
    )
    for note in result.notes:
        st.info(note, icon=":material/info:")


def _use(form, suggestion: float) -> None:
    form.set(learning_rate=suggestion)
    st.session_state[f"{form.page}.lr_finder.used"] = suggestion


def panel(form, config, data) -> None:
    """An expander under a page's training form: find a rate for the settings on
    screen, and put it into the form's learning rate.

    Args:
        form: the page's bound form (`ui.state.PageForm`).
        config: the run the form describes (`RunConfig` or `RegressionRun`).
        data: the loaded data set it names.
    """
    state = f"{form.page}.lr_finder"
    used = st.session_state.pop(f"{state}.used", None)
    with st.expander("Find a learning rate (one epoch)", expanded=state in st.session_state):
        st.markdown(
            "Train a fresh copy of this model for one epoch while the learning rate grows from "
            "10⁻⁵ to 10, multiplied by the same factor before every batch. The loss falls, then "
            "shoots up once the steps are too large: a good rate is about **10 times lower** than "
            "where it starts to climb."
        )
        st.caption(
            f"Uses at most the first {MAX_SAMPLES:,} training samples, and at least {MIN_STEPS} batches "
            "(a smaller training set is cycled), so it takes seconds. Nothing is stored."
        )
        if st.button("Run the learning-rate finder", key=f"{state}.run", icon=":material/query_stats:"):
            result = _run(config, data)
            if result is not None:
                st.session_state[state] = result
        result = st.session_state.get(state)
        if result is None:
            return
        _show(result, key=f"{state}.figure")
        if _sweep_settings(result.config) != _sweep_settings(config):
            st.warning(
                f"Found for other settings ({_describe(result.config)}); run it again for the form's.",
                icon=":material/history:",
            )
        if result.suggestion is not None:
            st.button(
                f"Use {result.suggestion:.2g}",
                key=f"{state}.use",
                on_click=_use,
                args=(form, result.suggestion),
                type="primary",
                icon=":material/north_west:",
                help="Puts the suggestion into the training form's learning-rate field.",
            )
        if used is not None:
            st.success(f"The training form's learning rate is now {used:.2g}.", icon=":material/check:")


def _chosen_config(form):
    """The run the tab's fields (the Experiments form's `finder_*`) describe."""
    values = form.value
    left, middle, right = st.columns(3)
    if values.finder_task == "classification":
        form.widget("finder_dataset", left.selectbox, "Data set", DATASETS, format_func=TITLES.get)
    else:
        left.markdown("**Data set**  \nCalifornia housing (the Regression page's)")
    form.widget("finder_layers", middle.number_input, "Hidden layers", *FINDER_LAYERS)
    form.widget("finder_units", right.number_input, "Units per layer", *FINDER_UNITS, step=10)
    left, middle, _ = st.columns(3)
    form.widget("finder_optimizer", left.selectbox, "Optimizer", OPTIMIZERS, format_func=widgets.OPTIMIZER_LABELS.get)
    form.widget("finder_batch_size", middle.number_input, "Batch size", *FINDER_BATCH_SIZES, step=16)
    values = form.value
    layers = ((values.finder_units, "relu"),) * values.finder_layers
    training = TrainingConfig(optimizer=values.finder_optimizer, batch_size=values.finder_batch_size)
    if values.finder_task == "classification":
        return RunConfig(DataConfig(values.finder_dataset), MLPConfig(layers), training)
    return RegressionRun(model=RegressionConfig(MLPConfig(layers, output_activation="linear")), training=training)


def _load(config):
    """The data set `config` names, and the config (regression falls back to diabetes
    offline, so the config follows the data)."""
    if isinstance(config, RunConfig):
        return config, cache.image_dataset(config.data.name)
    from ui.regression.view import load_data_or_warn

    data = load_data_or_warn()
    return dataclasses.replace(config, dataset=data.name), data


def _open_page(task: str, result: LRFinderResult) -> None:
    """Opens the task's page with the settings the rate was found for, through its URL
    (the page reads its form from it, as from any link)."""
    path, from_run = PAGES[task]
    config = result.config
    training = dataclasses.replace(config.training, learning_rate=result.suggestion)
    st.switch_page(path, query_params=forms.to_params(from_run()(dataclasses.replace(config, training=training))))


def section(form) -> None:
    """The Experiments tab: choose a model, find its rate, train it on its page.

    Args:
        form: the Experiments page's bound form, whose `finder_*` fields are the tab's.
    """
    st.markdown(
        "Before training for real, sweep the learning rate once: one epoch from 10⁻⁵ to 10, the "
        "rate multiplied by the same factor before every batch. The loss stays flat while the "
        "rate is too small to learn, falls, then shoots up. Pick a rate about **10 times lower** "
        "than where it starts climbing, and remember the best rate depends on the optimizer, "
        "the batch size and the model: change one, find it again."
    )
    form.widget(
        "finder_task",
        st.segmented_control,
        "Task",
        list(TASK_LABELS),
        format_func=TASK_LABELS.get,
    )
    task = form.value.finder_task
    try:
        config = _chosen_config(form)
    except ValueError as error:
        st.error(str(error), icon=":material/error:")
        return
    st.caption(f"At most the first {MAX_SAMPLES:,} training samples, at least {MIN_STEPS} batches: seconds.")
    if st.button("Find the learning rate", key=f"{PREFIX}.run", type="primary", icon=":material/query_stats:"):
        try:
            config, data = _load(config)
        except DatasetUnavailableError as error:
            st.error(str(error), icon=":material/cloud_off:")
            return
        result = _run(config, data)
        if result is not None:
            st.session_state[PREFIX] = (task, result)
    task_found, result = st.session_state.get(PREFIX, (None, None))
    if result is None:
        return
    _show(result, key=f"{PREFIX}.figure")
    if result.suggestion is not None:
        page = "Classification" if task_found == "classification" else "Regression"
        if st.button(
            f"Train it on the {page} page with learning rate {result.suggestion:.2g}",
            key=f"{PREFIX}.open",
            icon=":material/arrow_forward:",
        ):
            _open_page(task_found, result)
