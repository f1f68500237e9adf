"""The Experiments page's "Compare runs" section: every stored run in one table; pick a
few to overlay their learning curves, see what differs in their configurations, and
delete them; hyperparameters against a metric as parallel coordinates.

The table and the diff are `core.experiments.compare`; the charts
`ui.experiments.figures`. What the user sets (the filters, the runs selected, by key,
and the charts' options) is the page's `core.forms.experiments.ExperimentsForm`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import forms, runs
from core.access import REFUSED
from core.experiments import compare
from core.forms.experiments import DATASETS, KINDS
from core.store import RunStore
from ui import cache, widgets
from ui.experiments import figures
from ui.state import PageForm, plain_markdown

PREFIX = "experiments.compare"
DELETE_KEY = f"{PREFIX}.delete"
SCOPE_TITLES = {"all": "All runs in the table", "selected": "The selected runs"}
COLUMN_CONFIG = {
    "Architecture": st.column_config.TextColumn(width="medium"),
    "Parameters": st.column_config.NumberColumn(format="localized"),
    "Training time (s)": st.column_config.NumberColumn(format="%.1f"),
    compare.KEY_METRIC_VALUE: st.column_config.NumberColumn(format="%.4f"),
    **{title: st.column_config.NumberColumn(format="%.4f") for title in compare.METRIC_TITLES.values()},
    compare.TRAINED: st.column_config.DatetimeColumn("Trained (UTC)", format="YYYY-MM-DD HH:mm"),
    compare.KEY: st.column_config.TextColumn(help="The run's folder in the store"),
}


def _no_runs() -> None:
    st.info(
        "No runs yet: train one on the Classification page (or the Regression and Wide & deep "
        "pages). Every trained run is kept and appears here, ready to compare.",
        icon=":material/info:",
    )
    widgets.training_page_links()


def _filters(form: PageForm, stored) -> None:
    """Kind, data set and free-text filters (the form's `kinds`, `datasets`, `search`)."""
    kinds = [name for name in KINDS if name in {run.meta.get("kind") for run in stored}]
    datasets = [name for name in DATASETS if name in {run.meta.get("dataset") for run in stored}]
    kind_column, dataset_column, search_column = st.columns([1, 1, 2])
    # Only the kinds and data sets some run has are offered; a link's others stay in the form, unused.
    form.widget(
        "kinds",
        kind_column.multiselect,
        "Kind",
        kinds,
        format_func=runs.title_of,
        to_widget=lambda value: [name for name in value if name in kinds],
        from_widget=lambda value: {"kinds": tuple(value)},
        placeholder="All",
    )
    form.widget(
        "datasets",
        dataset_column.multiselect,
        "Data set",
        datasets,
        format_func=lambda name: compare.DATASET_TITLES.get(name, name),
        to_widget=lambda value: [name for name in value if name in datasets],
        from_widget=lambda value: {"datasets": tuple(value)},
        placeholder="All",
    )
    form.widget(
        "search",
        search_column.text_input,
        "Search",
        placeholder="e.g. adam, 300-100, cosine",
        help="Keeps the runs with this text in any column (any case).",
    )


def _mask(form: PageForm, table: pd.DataFrame) -> pd.Series:
    """Which rows the form's filters keep."""
    values = form.value
    mask = pd.Series(True, index=table.index)
    if values.kinds:
        mask &= table[compare.KIND].isin([runs.title_of(name) for name in values.kinds])
    if values.datasets:
        mask &= table[compare.DATASET].isin([compare.DATASET_TITLES.get(name, name) for name in values.datasets])
    if values.search.strip():
        words = table.apply(lambda row: " ".join(str(value) for value in row if pd.notna(value)), axis=1)
        mask &= words.str.lower().str.contains(values.search.strip().lower(), regex=False)
    return mask


def _curves(form: PageForm, selected) -> None:
    histories = {label: run.history for label, run in zip(compare.run_labels(selected), selected)}
    metrics = compare.curve_metrics(list(histories.values()))
    if not metrics:
        st.caption("The selected runs have no training history to draw.")
        return
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    metric = form.widget(
        "curve_metric",
        left.selectbox,
        "Metric",
        metrics,
        format_func=figures.metric_title,
        to_widget=lambda name: name if name in metrics else metrics[0],
    )
    metric = metric if metric in metrics else metrics[0]
    training = form.widget("training_curves", right.toggle, "Training curves too (dotted)")
    best = {label: compare.best_epoch(run.history, run.meta) for label, run in zip(histories, selected)}
    st.plotly_chart(figures.overlaid_curves(histories, metric, best, training=training), key=f"{PREFIX}.curves_chart")
    form.caption(
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


def _parallel(form: PageForm, shown, selected_rows) -> None:
    scopes = ["all"] + (["selected"] if len(selected_rows) >= 2 else [])
    scope = form.widget(
        "chart_scope",
        st.radio,
        "Runs",
        scopes,
        format_func=SCOPE_TITLES.get,
        horizontal=True,
        to_widget=lambda value: value if value in scopes else "all",
    )
    rows = shown.iloc[selected_rows] if scope == "selected" and len(selected_rows) >= 2 else shown
    metrics = [
        column
        for column in (*compare.METRIC_TITLES.values(), compare.KEY_METRIC_VALUE)
        if column in rows.columns and rows[column].notna().any()
    ]
    if len(rows) < 2 or not metrics:
        st.caption("Two or more runs with a test metric are needed for this chart.")
        return
    # The form names a metric; "key" is the first run's key metric, the default.
    columns = {**compare.METRIC_TITLES, "key_value": compare.KEY_METRIC_VALUE}
    offered = [name for name, column in columns.items() if column in metrics]
    key_metric = rows[compare.KEY_METRIC].dropna()
    key_column = key_metric.iloc[0][:1].upper() + key_metric.iloc[0][1:] if len(key_metric) else None
    first = next((name for name in offered if columns[name] == key_column), offered[0])
    metric = form.widget(
        "chart_metric",
        st.selectbox,
        "Colour by",
        offered,
        format_func=columns.get,
        to_widget=lambda name: name if name in offered else first,
    )
    metric = metric if metric in offered else first
    st.plotly_chart(figures.parallel_coordinates(rows, columns[metric]), key=f"{PREFIX}.parallel_chart")
    form.caption(
        "One line per run, through its hyperparameters to its score; drag along an axis to keep a "
        "range. Hyperparameters that are the same for every run are left out."
    )


def _delete(form: PageForm, selected, store: RunStore) -> None:
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
            gone = {run.key for run in allowed}
            form.set(selected=tuple(key for key in form.value.selected if key not in gone))
            st.toast(f"Deleted {removed} run(s).", icon=":material/delete:")
            if len(allowed) == len(selected):
                st.rerun()


def _drop_gone(form: PageForm, stored) -> None:
    """Drops from the selection the runs that are no longer stored, saying so once."""
    keys = {run.key for run in stored}
    gone = [key for key in form.value.selected if key not in keys]
    if gone:
        st.warning(
            plain_markdown(
                f"{len(gone)} selected run(s) are not in the store any more (deleted meanwhile, or never "
                f"trained here): {', '.join(forms.echo(key) for key in gone[:3])}{'…' if len(gone) > 3 else ''}. "
                "They are no longer selected."
            ),
            icon=":material/link_off:",
        )
        form.set(selected=tuple(key for key in form.value.selected if key in keys))


def _selection(rows: list[int]) -> dict:
    return {"selection": {"rows": rows, "columns": [], "cells": []}}


def _table(data, *, key: str, on_change, args, value: dict, **kwargs) -> None:
    # `st.dataframe` names its callback `on_select` and passes it no arguments; the
    # form's selection is its default, what a table mounted afresh shows.
    st.dataframe(data, key=key, on_select=lambda: on_change(*args), selection_default=value, **kwargs)


def _runs_table(form: PageForm, shown: pd.DataFrame, keys: list[str]) -> None:
    """The table with the form's runs ticked; a tick or an untick changes the form.
    Selected runs the filters hide stay selected, for when the filters change back."""

    def picked(state) -> dict:
        hidden = tuple(key for key in form.value.selected if key not in keys)
        rows = [row for row in state["selection"]["rows"] if row < len(keys)]
        return {"selected": hidden + tuple(dict.fromkeys(keys[row] for row in rows))}

    form.widget(
        "selected",
        _table,
        shown,
        # Rows are positions in this table; `keys` is the table the user clicks on.
        to_widget=lambda selected: _selection([keys.index(key) for key in selected if key in keys]),
        from_widget=picked,
        selection_mode="multi-row",
        hide_index=True,
        column_config=COLUMN_CONFIG,
    )


def section(form: PageForm) -> None:
    """The whole section; reads the store on every run (the table is cheap: no model is loaded)."""
    store = RunStore()
    stored = store.list_runs()
    cache.show_problems(store.problems)
    _drop_gone(form, stored)
    if not stored:
        _no_runs()
        return
    table = compare.run_table(stored)
    _filters(form, stored)
    mask = _mask(form, table)
    shown_runs = [run for run, keep in zip(stored, mask) if keep]
    shown = table[mask.to_numpy()].reset_index(drop=True)
    if shown.empty:
        st.info("No run matches these filters: clear one to see more.", icon=":material/filter_alt_off:")
        return
    # Columns no shown run fills (e.g. test RMSE among classifiers) only take room.
    shown = shown[[column for column in shown.columns if column == compare.KEY or shown[column].notna().any()]]
    keys = [run.key for run in shown_runs]
    _runs_table(form, shown, keys)
    rows = [keys.index(key) for key in form.value.selected if key in keys]
    selected = [shown_runs[row] for row in rows]
    hidden = len(form.value.selected) - len(selected)
    st.caption(
        f"{len(shown)} of {len(table)} run(s). Click a column header to sort; tick rows (the left "
        "edge) to compare them." + (f" {hidden} more selected run(s) are hidden by the filters." if hidden else "")
    )
    if len(selected) < 2:
        st.info("Select two or more runs to compare their learning curves and configurations.", icon=":material/info:")
    if selected:
        st.markdown("##### Learning curves")
        _curves(form, selected)
    if len(selected) >= 2:
        st.markdown("##### What differs")
        _diff(selected)
    st.markdown("##### Hyperparameters against a metric")
    _parallel(form, shown, rows)
    if selected:
        _delete(form, selected, store)
