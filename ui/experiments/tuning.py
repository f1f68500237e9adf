"""The "Tune hyperparameters" tab: a KerasTuner search built by clicking, run as a
background job, its trials filling in live, its best model stored as a run."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core import jobs, runs
from core.config import ACTIVATIONS, OPTIMIZERS
from core.config import DATASETS as IMAGE_DATASETS
from core.data import TITLES as IMAGE_TITLES
from core.experiments.trials import read_trials, trials_path
from core.experiments.tuning import (
    CLASSIFICATION_OBJECTIVES,
    REGRESSION_OBJECTIVES,
    TUNER_TITLES,
    TUNERS,
    SearchConfig,
    SearchSpace,
)
from core.regression.housing import REGRESSION_DATASETS
from core.regression.housing import TITLES as ROW_TITLES
from ui import cache, run_view
from ui.experiments import tuning_figures as figures

PREFIX = "experiments.tuning"
BEST_PREFIX = f"{PREFIX}.best"
CONFIG_KEY = f"{PREFIX}.config"  # the search this session started last
POLL_SECONDS = 1.0
BATCH_SIZES = (16, 32, 64, 128, 256, 512)
OBJECTIVE_TITLES = {"val_accuracy": "validation accuracy", "val_loss": "validation loss", "val_rmse": "validation RMSE"}
DATASET_TITLES = {**IMAGE_TITLES, **ROW_TITLES}


def _key(name: str) -> str:
    return f"{PREFIX}.{name}"


def _form() -> tuple[dict, bool]:
    """The search the widgets describe (as keyword arguments) and whether Search was pressed."""
    left, middle, right = st.columns(3)
    dataset = left.selectbox(
        "Data set",
        (*IMAGE_DATASETS, *REGRESSION_DATASETS),
        index=2,
        format_func=DATASET_TITLES.get,
        key=_key("dataset"),
    )
    tuner = middle.selectbox("Tuner", TUNERS, format_func=TUNER_TITLES.get, key=_key("tuner"))
    objectives = REGRESSION_OBJECTIVES if dataset in REGRESSION_DATASETS else CLASSIFICATION_OBJECTIVES
    objective = right.selectbox("Objective", objectives, format_func=OBJECTIVE_TITLES.get, key=_key("objective"))
    with st.form(_key("form"), border=True):
        st.markdown("**Budget**")
        columns = st.columns(4)
        max_trials = columns[0].number_input("Max trials", 1, 200, 8, key=_key("max_trials"))
        if tuner == "hyperband":
            epochs = 1
            max_epochs = columns[1].number_input("Max epochs (Hyperband)", 1, 200, 4, key=_key("max_epochs"))
            factor = columns[2].number_input("Factor", 2, 10, 3, key=_key("factor"))
        else:
            epochs = columns[1].number_input("Epochs per trial", 1, 200, 3, key=_key("epochs"))
            max_epochs, factor = 9, 3
        num_train = columns[3].number_input(
            "Training samples per trial", 0, 60000, 1000, step=500, key=_key("num_train"), help="0 uses all of them."
        )
        st.markdown("**Search space**")
        columns = st.columns(4)
        layers = (
            columns[0].number_input("Hidden layers: min", value=1, step=1, key=_key("layers_min")),
            columns[1].number_input("Hidden layers: max", value=3, step=1, key=_key("layers_max")),
        )
        units = (
            columns[2].number_input("Units: min", value=16, step=8, key=_key("units_min")),
            columns[3].number_input("Units: max", value=128, step=8, key=_key("units_max")),
        )
        columns = st.columns(4)
        sampling = columns[0].radio("Units sampling", ("linear", "log"), horizontal=True, key=_key("sampling"))
        units_step = columns[1].number_input("Units step (linear)", value=16, step=8, key=_key("units_step"))
        learning_rate = (
            columns[2].number_input("Learning rate: min", value=1e-4, format="%.1e", key=_key("lr_min")),
            columns[3].number_input("Learning rate: max", value=1e-2, format="%.1e", key=_key("lr_max")),
        )
        columns = st.columns(3)
        activations = columns[0].multiselect("Activations", ACTIVATIONS, ["relu", "tanh"], key=_key("activations"))
        optimizers = columns[1].multiselect("Optimizers", OPTIMIZERS, ["adam", "sgd"], key=_key("optimizers"))
        batch_sizes = columns[2].multiselect("Batch sizes", BATCH_SIZES, [32, 128], key=_key("batch_sizes"))
        seed = st.number_input("Seed", 0, 2**31 - 1, 42, key=_key("seed"))
        submitted = st.form_submit_button("Search", icon=":material/travel_explore:", type="primary")
    space = dict(
        num_layers=tuple(int(v) for v in layers),
        units=tuple(int(v) for v in units),
        units_step=int(units_step),
        units_sampling=sampling,
        activations=tuple(activations),
        learning_rate=tuple(float(v) for v in learning_rate),
        optimizers=tuple(optimizers),
        batch_sizes=tuple(int(v) for v in batch_sizes),
    )
    search = dict(
        dataset=dataset,
        num_train=int(num_train) or None,
        tuner=tuner,
        objective=objective,
        max_trials=int(max_trials),
        epochs=int(epochs),
        max_epochs=int(max_epochs),
        factor=int(factor),
        seed=int(seed),
    )
    return {**search, "space": space}, submitted


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


def section() -> None:
    st.markdown(
        "Pick the ranges to search; **KerasTuner** builds and trains one model per trial "
        '(`build_model(hp)` with `hp.Int`, `hp.Float(sampling="log")` and `hp.Choice`) and '
        "keeps the best. The search runs in the background: you can watch it, stop it, or leave."
    )
    values, submitted = _form()
    try:
        search = SearchConfig(**{**values, "space": SearchSpace(**values["space"])})
    except ValueError as error:
        st.error(str(error), icon=":material/error:")
        return  # a tab of its page: the other tabs still render
    if submitted:
        data = _data(search.dataset)
        if data is not None and run_view.start(search, data, prefix=PREFIX) is not None:
            st.session_state[CONFIG_KEY] = search
    followed = st.session_state.get(CONFIG_KEY, search)
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
