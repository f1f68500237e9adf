"""The "Tune hyperparameters" tab: a KerasTuner search built by clicking, run as a
background job, its trials filling in live, its best model stored as a run."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core import jobs, runs
from core.config import ACTIVATIONS, OPTIMIZERS
from core.data import TITLES as IMAGE_TITLES
from core.experiments.trials import read_trials, trials_path
from core.experiments.tuning import TUNER_TITLES, TUNERS, UNITS_SAMPLINGS, SearchConfig
from core.forms.experiments import BATCH_SIZES, DATASETS, objective_of, objectives_for, search_config
from core.regression.housing import REGRESSION_DATASETS
from core.regression.housing import TITLES as ROW_TITLES
from ui import cache, run_view
from ui.experiments import tuning_figures as figures
from ui.state import PageForm

PREFIX = "experiments.tuning"
BEST_PREFIX = f"{PREFIX}.best"
CONFIG_KEY = f"{PREFIX}.config"  # the search this session started last
POLL_SECONDS = 1.0
OBJECTIVE_TITLES = {"val_accuracy": "validation accuracy", "val_loss": "validation loss", "val_rmse": "validation RMSE"}
DATASET_TITLES = {**IMAGE_TITLES, **ROW_TITLES}


def _fields(form: PageForm) -> None:
    """The search's controls, each a field of the page's form; they apply at once."""
    left, middle, right = st.columns(3)
    form.widget(
        "tune_dataset",
        left.selectbox,
        "Data set",
        DATASETS,
        format_func=DATASET_TITLES.get,
        # The objective follows the task: a regression search has no accuracy.
        from_widget=lambda name: {
            "tune_dataset": name,
            "objective": objective_of(form.value.replace(tune_dataset=name)),
        },
    )
    form.widget("tuner", middle.selectbox, "Tuner", TUNERS, format_func=TUNER_TITLES.get)
    objectives = objectives_for(form.value.tune_dataset)
    form.widget(
        "objective",
        right.selectbox,
        "Objective",
        objectives,
        format_func=OBJECTIVE_TITLES.get,
        to_widget=lambda name: name if name in objectives else objectives[0],
    )
    with st.container(border=True):
        st.markdown("**Budget**")
        columns = st.columns(4)
        form.widget("max_trials", columns[0].number_input, "Max trials", step=1)
        if form.value.tuner == "hyperband":
            form.widget("max_epochs", columns[1].number_input, "Max epochs (Hyperband)", step=1)
            form.widget("factor", columns[2].number_input, "Factor", step=1)
        else:
            form.widget("epochs", columns[1].number_input, "Epochs per trial", step=1)
        form.widget(
            "num_train", columns[3].number_input, "Training samples per trial", step=500, help="0 uses all of them."
        )
        st.markdown("**Search space**")
        columns = st.columns(4)
        form.widget("layers_min", columns[0].number_input, "Hidden layers: min", step=1)
        form.widget("layers_max", columns[1].number_input, "Hidden layers: max", step=1)
        form.widget("units_min", columns[2].number_input, "Units: min", step=8)
        form.widget("units_max", columns[3].number_input, "Units: max", step=8)
        columns = st.columns(4)
        form.widget("units_sampling", columns[0].radio, "Units sampling", UNITS_SAMPLINGS, horizontal=True)
        form.widget("units_step", columns[1].number_input, "Units step (linear)", step=8)
        form.widget("learning_rate_min", columns[2].number_input, "Learning rate: min", format="%.1e")
        form.widget("learning_rate_max", columns[3].number_input, "Learning rate: max", format="%.1e")
        columns = st.columns(3)
        for column, (name, label, options) in zip(
            columns,
            (
                ("activations", "Activations", ACTIVATIONS),
                ("optimizers", "Optimizers", OPTIMIZERS),
                ("batch_sizes", "Batch sizes", BATCH_SIZES),
            ),
        ):
            form.widget(
                name,
                column.multiselect,
                label,
                options,
                to_widget=list,
                from_widget=lambda values, name=name: {name: tuple(values)},
            )
        form.widget("seed", st.number_input, "Seed", step=1)


def _data(name: str):
    """The loaded data set `name`, or `None` after an error message."""
    try:
        if name in REGRESSION_DATASETS:
            from ui.regression.view import regression_data

            data, problem = regression_data(name)
            if problem:
                st.warning(problem, icon=":material/cloud_off:")
            return data
        return cache.image_dataset(name)
    except Exception as error:  # DatasetUnavailableError, or a broken offline copy
        st.error(f"The data set could not be loaded: {error}", icon=":material/cloud_off:")
        return None


def _progress_text(logs: dict, status: jobs.JobStatus) -> str:
    return (
        f"Trial {status.epoch} of at most {status.epochs} done · last score {logs.get('score', float('nan')):.4f} · "
        f"best {logs.get('best', float('nan')):.4f} · {status.elapsed:.0f} s"
    )


def _trials_view(table: dict, *, key: str) -> None:
    if not table.get("trials"):
        st.caption("The first trial is training…")
        return
    st.dataframe(
        figures.trials_table(table),
        hide_index=True,
        key=f"{key}.table",
        column_config={"Score": st.column_config.NumberColumn(format="%.4f")},
    )
    if not any(trial.get("score") is not None for trial in table["trials"]):
        return  # the charts need a finished trial
    left, right = st.columns(2)
    left.plotly_chart(figures.scores_over_time(table), key=f"{key}.time")
    right.plotly_chart(figures.parallel_coordinates(table), key=f"{key}.parcoords")


def _live_trials(search: SearchConfig) -> None:
    @st.fragment(run_every=POLL_SECONDS)
    def live():
        if not run_view.running(PREFIX):
            return
        st.markdown("**Trials so far**")
        _trials_view(read_trials(trials_path(runs.store_key(search))), key=f"{PREFIX}.live")

    live()


def _best(search: SearchConfig, result, data) -> None:
    table = read_trials(trials_path(runs.store_key(search)))
    best = table.get("best", {})
    kind = runs.kind_of(search)
    st.subheader("Best trial")
    if best:
        values = best["hyperparameters"]
        st.markdown(
            f"Trial **{best['trial_id']}** of {len(table.get('trials', []))}: {OBJECTIVE_TITLES[search.objective]} "
            f"**{best['score']:.4f}** with {values['num_layers']} hidden layer(s) of {values['units']} "
            f"{values['activation']} units, {values['optimizer']} at learning rate {values['learning_rate']:.2g}, "
            f"batch size {values['batch_size']}."
        )
    label, metric = kind.key_metric
    value = result.test_metrics[metric]
    first = (label.capitalize(), f"{value:.2%}" if metric == "accuracy" else f"{value:.4f}")
    second = (
        ("Test loss", f"{result.test_metrics['loss']:.4f}")
        if "loss" in result.test_metrics
        else ("Test MAE", f"{result.test_metrics.get('mae', float('nan')):.4f}")
    )
    run_view.metric_row(result, first, second)
    for note in result.notes:
        st.caption(note)
    st.page_link(
        "pages/predictions.py", label="Use the best model on the Predictions page", icon=":material/online_prediction:"
    )
    _trials_view(table, key=f"{PREFIX}.done")
    if best.get("run"):
        _train_again(search, best, data)


def _train_again(search: SearchConfig, best: dict, data) -> None:
    """One click trains the winner as an ordinary run, on the whole training set."""
    again = runs.kind_named("regression" if search.regression else "classification").config_from_dict(best["run"])
    if search.regression:
        again = dataclasses.replace(again, num_train=None)
    else:
        again = dataclasses.replace(again, data=dataclasses.replace(again.data, num_train=None))
    if st.button(
        f"Train it again on the full training set ({again.training.epochs} epoch"
        + ("s)" if again.training.epochs != 1 else ")"),
        icon=":material/replay:",
        key=f"{PREFIX}.again",
        help="As an ordinary run: it shows on the Predictions page too.",
    ):
        run_view.start(again, data, prefix=BEST_PREFIX)
    run_view.follow(BEST_PREFIX)
    run_view.ended_notice(BEST_PREFIX)
    _, latest = run_view.finished(BEST_PREFIX)
    if latest is not None:
        st.success(
            f"Trained again: {runs.kind_of(latest.config).key_metric[0]} {latest.test_metrics[runs.kind_of(latest.config).key_metric[1]]:.4f}.",
            icon=":material/check:",
        )


def section(form: PageForm) -> None:
    st.markdown(
        "Pick the ranges to search; **KerasTuner** builds and trains one model per trial "
        '(`build_model(hp)` with `hp.Int`, `hp.Float(sampling="log")` and `hp.Choice`) and '
        "keeps the best. The search runs in the background: you can watch it, stop it, or leave."
    )
    _fields(form)
    try:
        search, problem = search_config(form.value), None
    except ValueError as error:
        search, problem = None, error
    submitted = st.button(
        "Search",
        icon=":material/travel_explore:",
        type="primary",
        key=f"{PREFIX}.search",
        disabled=problem is not None,
        help=None if problem is None else "Fix the settings above first.",
    )
    if problem is not None:
        st.error(str(problem), icon=":material/error:")
    if submitted and search is not None:
        data = _data(search.dataset)
        if data is not None and run_view.start(search, data, prefix=PREFIX) is not None:
            st.session_state[CONFIG_KEY] = search
    followed = st.session_state.get(CONFIG_KEY, search)
    if followed is None:
        return  # nothing searched, and the settings cannot search: the error says why
    run_view.follow(
        PREFIX,
        curves=lambda history, epochs: figures.score_curves(history, epochs, OBJECTIVE_TITLES[followed.objective]),
        progress_text=_progress_text,
    )
    _live_trials(followed)
    run_view.ended_notice(PREFIX)
    _, latest = run_view.finished(PREFIX)
    result = latest if latest is not None and latest.config == followed else cache.stored_result(followed)
    if result is not None and not run_view.running(PREFIX):
        if result.diverged:
            st.error(
                f"The best trial's model diverged when trained again: {result.divergence}.", icon=":material/error:"
            )
            return
        data = _data(followed.dataset)
        if data is not None:
            _best(followed, result, data)
    elif not run_view.running(PREFIX):
        st.info("Not searched yet. Set the ranges and press **Search**.", icon=":material/info:")
