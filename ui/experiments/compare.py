"""The Experiments page's "Compare runs" section: every stored run in one table; pick a
few to overlay their learning curves, see what differs in their configurations, and
delete them; hyperparameters against a metric as parallel coordinates.

The table and the diff are `core.experiments.compare`; the charts
`ui.experiments.figures`. Session-state keys start with `experiments.compare.`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.access import REFUSED
from core.experiments import compare
from core.store import RunStore
from ui import cache, widgets
from ui.experiments import figures

PREFIX = "experiments.compare"
TABLE_KEY = f"{PREFIX}.table"  # + the generation: a new table (no selection) after a filter or a delete
GENERATION_KEY = f"{PREFIX}.generation"
KIND_KEY = f"{PREFIX}.kind"
DATASET_KEY = f"{PREFIX}.dataset"
SEARCH_KEY = f"{PREFIX}.search"
CURVE_METRIC_KEY = f"{PREFIX}.curve_metric"
TRAINING_CURVES_KEY = f"{PREFIX}.training_curves"
CHART_SCOPE_KEY = f"{PREFIX}.chart_scope"
CHART_METRIC_KEY = f"{PREFIX}.chart_metric"
DELETE_KEY = f"{PREFIX}.delete"
ALL_FILTERED, SELECTED = "All runs in the table", "The selected runs"
COLUMN_CONFIG = {
    "Architecture": st.column_config.TextColumn(width="medium"),
    "Parameters": st.column_config.NumberColumn(format="localized"),
    "Training time (s)": st.column_config.NumberColumn(format="%.1f"),
    compare.KEY_METRIC_VALUE: st.column_config.NumberColumn(format="%.4f"),
    **{title: st.column_config.NumberColumn(format="%.4f") for title in compare.METRIC_TITLES.values()},
    compare.TRAINED: st.column_config.DatetimeColumn("Trained (UTC)", format="YYYY-MM-DD HH:mm"),
    compare.KEY: st.column_config.TextColumn(help="The run's folder in the store"),
}


def table_key() -> str:
    """The key of the runs table now (its selection is `st.session_state[table_key()]`)."""
    return f"{TABLE_KEY}.{st.session_state.get(GENERATION_KEY, 0)}"


def _new_table() -> None:
    # Selected rows are positions in the table shown: a new filter starts a new selection.
    st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1


def _no_runs() -> None:
    st.info(
        "No runs yet: train one on the Classification page (or the Regression and Wide & deep "
        "pages). Every trained run is kept and appears here, ready to compare.",
        icon=":material/info:",
    )
    widgets.training_page_links()


def _filters(table):
    """Kind, data set and free-text filters; returns the mask of rows kept."""
    kind_column, dataset_column, search_column = st.columns([1, 1, 2])
    kinds = kind_column.multiselect(
        "Kind", sorted(table[compare.KIND].dropna().unique()), key=KIND_KEY, on_change=_new_table, placeholder="All"
    )
    datasets = dataset_column.multiselect(
        "Data set",
        sorted(table[compare.DATASET].dropna().unique()),
        key=DATASET_KEY,
        on_change=_new_table,
        placeholder="All",
    )
    search = search_column.text_input(
        "Search",
        key=SEARCH_KEY,
        on_change=_new_table,
        placeholder="e.g. adam, 300-100, cosine",
        help="Keeps the runs with this text in any column (any case).",
    )
    mask = table[compare.KIND].isin(kinds) if kinds else pd.Series(True, index=table.index)
    if datasets:
        mask &= table[compare.DATASET].isin(datasets)
    if search.strip():
        words = table.apply(lambda row: " ".join(str(value) for value in row if pd.notna(value)), axis=1)
        words = words.str.lower()
        mask &= words.str.contains(search.strip().lower(), regex=False)
    return mask


def _curves(selected) -> None:
    histories = {label: run.history for label, run in zip(compare.run_labels(selected), selected)}
    metrics = compare.curve_metrics(list(histories.values()))
    if not metrics:
        st.caption("The selected runs have no training history to draw.")
        return
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    metric = left.selectbox("Metric", metrics, format_func=figures.metric_title, key=CURVE_METRIC_KEY)
    training = right.toggle("Training curves too (dotted)", key=TRAINING_CURVES_KEY)
    best = {label: compare.best_epoch(run.history, run.meta) for label, run in zip(histories, selected)}
    st.plotly_chart(figures.overlaid_curves(histories, metric, best, training=training), key=f"{PREFIX}.curves_chart")
    st.caption(
        "Solid: validation; dotted: training. A star marks the epoch whose weights each model holds "
        "(the lowest validation loss when early stopping restored it, else the last epoch)."
    )


def _diff(selected) -> None:
    diff = compare.config_diff(selected)
    if diff.empty:
        st.info("These runs have the same configuration.", icon=":material/check:")
        return
    st.dataframe(diff, key=f"{PREFIX}.diff")
    st.caption(f"Only the {len(diff)} field(s) that differ; everything else is the same.")


def _parallel(shown, selected_rows) -> None:
    choices = [ALL_FILTERED] + ([SELECTED] if len(selected_rows) >= 2 else [])
    scope = st.radio("Runs", choices, horizontal=True, key=CHART_SCOPE_KEY)
    rows = shown.iloc[selected_rows] if scope == SELECTED else shown
    metrics = [
        column
        for column in (*compare.METRIC_TITLES.values(), compare.KEY_METRIC_VALUE)
        if column in rows.columns and rows[column].notna().any()
    ]
    if len(rows) < 2 or not metrics:
        st.caption("Two or more runs with a test metric are needed for this chart.")
        return
    key_metric = rows[compare.KEY_METRIC].dropna()
    default = key_metric.iloc[0][:1].upper() + key_metric.iloc[0][1:] if len(key_metric) else metrics[0]
    metric = st.selectbox(
        "Colour by", metrics, index=metrics.index(default) if default in metrics else 0, key=CHART_METRIC_KEY
    )
    st.plotly_chart(figures.parallel_coordinates(rows, metric), key=f"{PREFIX}.parallel_chart")
    st.caption(
        "One line per run, through its hyperparameters to its score; drag along an axis to keep a "
        "range. Hyperparameters that are the same for every run are left out."
    )


def _delete(selected, store: RunStore) -> None:
    from ui.predictions.view import may_delete, operator_key_field

    label = f"Delete the {len(selected)} selected run(s)"
    with st.popover(label, icon=":material/delete:"):
        st.markdown(
            "Everyone using this app loses them; a training page trains a run again when asked: "
            + ", ".join(f"`{run.key}`" for run in selected)
        )
        operator_key_field()
        if st.button("Yes, delete them", type="primary", key=DELETE_KEY):
            # On a hosted server, only the visitor's own runs (or any, with the operator key).
            allowed = [run for run in selected if may_delete(run.key)]
            if len(allowed) < len(selected):
                st.error(
                    f"{len(selected) - len(allowed)} of the selected run(s) kept. {REFUSED}", icon=":material/lock:"
                )
            if not allowed:
                return
            removed = sum(store.delete(run.key) for run in allowed)
            # The training and prediction pages keep stored runs in memory too.
            cache.forget_stored_runs()
            _new_table()
            st.toast(f"Deleted {removed} run(s).", icon=":material/delete:")
            if len(allowed) == len(selected):
                st.rerun()


def section() -> None:
    """The whole section; reads the store on every run (the table is cheap: no model is loaded)."""
    store = RunStore()
    stored = store.list_runs()
    cache.show_problems(store.problems)
    if not stored:
        _no_runs()
        return
    table = compare.run_table(stored)
    mask = _filters(table)
    runs = [run for run, keep in zip(stored, mask) if keep]
    shown = table[mask.to_numpy()].reset_index(drop=True)
    if shown.empty:
        st.info("No run matches these filters: clear one to see more.", icon=":material/filter_alt_off:")
        return
    # Columns no shown run fills (e.g. test RMSE among classifiers) only take room.
    shown = shown[[column for column in shown.columns if column == compare.KEY or shown[column].notna().any()]]
    event = st.dataframe(
        shown,
        key=table_key(),
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        column_config=COLUMN_CONFIG,
    )
    rows = [row for row in event.selection.rows if row < len(runs)]
    selected = [runs[row] for row in rows]
    st.caption(
        f"{len(shown)} of {len(table)} run(s). Click a column header to sort; tick rows (the left "
        "edge) to compare them."
    )
    if len(selected) < 2:
        st.info("Select two or more runs to compare their learning curves and configurations.", icon=":material/info:")
    if selected:
        st.markdown("##### Learning curves")
        _curves(selected)
    if len(selected) >= 2:
        st.markdown("##### What differs")
        _diff(selected)
    st.markdown("##### Hyperparameters against a metric")
    _parallel(shown, rows)
    if selected:
        _delete(selected, store)
