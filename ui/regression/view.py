"""Streamlit glue shared by the Regression MLP and Wide & deep pages.

It caches data and stored runs, trains in the background with live progress (through
`ui.run_view`) and shows results, drawing them with the figures of
`ui.regression.figures`. Session-state keys are namespaced by each page's prefix.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

from core.config import RECOMMENDED_REGRESSION_TRAINING, TrainingConfig
from core.forms.regression import SUBSETS
from core.models import LayerRow
from core.regression.housing import RegressionData
from core.regression.sequential import COURSE_REGRESSION_TRAINING, FAST_REGRESSION_TRAINING
from core.store import RunStore
from ui import cache, charts, run_view
from ui.classification.form import subset_label
from ui.lazy import lazy_expander, lazy_tabs
from ui.regression.figures import (
    comparison_figure,
    has_finite_curves,
    histogram,
    learning_curves,
    map_figure,
    predicted_vs_actual,
    rmse_key,
)

REGRESSION_PRESETS: dict[str, TrainingConfig] = {
    "Recommended: Adam 0.01 with cosine decay, batch 128, 20 epochs": FAST_REGRESSION_TRAINING,
    "Course's recipe: Adam 0.001, batch 32, 20 epochs": COURSE_REGRESSION_TRAINING,
    "Patient: Adam 0.001, batch 32, early stopping": RECOMMENDED_REGRESSION_TRAINING,
}


# --- Data ---------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the data set…")
def regression_data(name: str = "california_housing"):
    """`(data, problem)`: the data set, or the offline fallback and why (see
    `core.regression.housing.load_or_fallback`). Shared by every session, never modified."""
    from core.regression.housing import load_or_fallback

    return load_or_fallback(name)


def load_data_or_warn() -> RegressionData:
    data, problem = regression_data()
    if problem:
        st.warning(problem, icon=":material/cloud_off:")
    return data


def subset_field(form, data: RegressionData) -> None:
    """The training-subset selectbox, for a training form's `extra`."""
    subsets = SUBSETS if form.value.num_train in SUBSETS else (*SUBSETS, form.value.num_train)
    form.widget(
        "num_train",
        st.selectbox,
        "Training samples",
        subsets,
        format_func=lambda n: subset_label(n, len(data.x_train)),
        help="A subset trains faster, for quick experiments. Validation and test sets stay whole.",
    )


def data_overview(data: RegressionData) -> None:
    """Feature table, target histogram and (for California) a map of the districts."""
    overview = lazy_expander(
        f"{data.title}: {data.num_features} features, {len(data.x_train):,} training, "
        f"{len(data.x_valid):,} validation and {len(data.x_test):,} test samples",
        key="regression.overview",
    )
    if not overview.open:  # drawn once expanded: its map of the districts is the page's heaviest chart
        return
    with overview:
        table = pd.DataFrame(data.x_train, columns=data.feature_names).describe().T
        table.insert(0, "index", range(data.num_features))
        st.dataframe(table[["index", "mean", "std", "min", "max"]], width="stretch")
        st.caption(
            "Raw training features: their scales differ by orders of magnitude (compare "
            "`Population` with `AveBedrms`), which is why the model starts with a `Normalization` layer."
            if data.name == "california_housing"
            else "Raw training features."
        )
        left, right = st.columns(2)
        target = f"{data.target_name} ({data.target_unit})"
        left.plotly_chart(histogram(data.y_train, title=target), key="regression.overview.hist")
        if data.has_coordinates:
            lon, lat = data.coordinates(data.x_train)
            right.plotly_chart(
                map_figure(lon, lat, data.y_train, title=data.target_name, height=300), key="regression.overview.map"
            )
            left.caption("The spike at 5 is a cap: every district worth more than $500,000 is recorded as 5.")


# --- Summaries and diagrams ---------------------------------------------------------


def summary_table(rows: list[LayerRow]) -> None:
    """The model summary with trainable and non-trainable totals.

    Unlike `ui.widgets.summary_table`, a `Normalization` row counts as non-trainable:
    its mean, variance and count come from `adapt()`, not from gradient descent.
    """
    st.dataframe(
        pd.DataFrame(
            {
                # The activation goes in the type column: four columns do not fit a narrow column.
                "Layer (type)": [
                    f"{row.name} ({row.kind}{', ' + row.activation if row.activation else ''})" for row in rows
                ],
                "Output shape": [str(row.output_shape) for row in rows],
                "Param #": [row.params for row in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    frozen = sum(row.params for row in rows if row.kind in ("Normalization", "InputLayer"))
    total = sum(row.params for row in rows)
    st.markdown(f"**Total params: {total:,}** · trainable {total - frozen:,} · non-trainable {frozen:,}")


# --- Curves and results -------------------------------------------------------------


def _progress_text(logs: dict, status) -> str:
    parts = [f"Epoch {status.epoch}/{status.epochs}", f"loss {logs.get('loss', float('nan')):.4f}"]
    val_rmse = logs.get("val_" + rmse_key(logs))
    if val_rmse is not None:
        parts.append(f"validation RMSE {val_rmse:.4f}")
    if "aux_output_loss" in logs:
        parts.append(f"main loss {logs['main_output_loss']:.4f} · aux loss {logs['aux_output_loss']:.4f}")
    return " · ".join(parts + [f"{status.elapsed:.0f} s"])


def run_section(run, data: RegressionData, *, prefix: str, submitted: bool, form=None):
    """Trains `run` in the background on Train and follows it live; returns the
    result to show (see `ui.run_view.run_section`)."""
    return run_view.run_section(
        run, data, prefix=prefix, submitted=submitted, form=form, curves=learning_curves, progress_text=_progress_text
    )


@st.cache_data(show_spinner="Training the scikit-learn baseline (MLPRegressor 50-50-50)…", max_entries=8)
def _baseline(name: str, num_train: int | None, store_root: str):
    from core.regression.baseline import load_or_train_baseline

    data, _ = regression_data(name)
    return load_or_train_baseline(data, num_train=num_train, root=store_root)


def baseline(name: str, num_train: int | None):
    """The scikit-learn baseline on the same split: from the store's baseline cache
    (`core.regression.baseline`), else fitted once and kept there."""
    return _baseline(name, num_train, str(RunStore().root))


def valid_rmse(result) -> float:
    """The validation RMSE of the weights the model holds: Keras's `evaluate` of the
    final (or restored) model, or for runs stored before it was kept, the history's
    value at the epoch those weights come from."""
    if "valid_rmse" in result.test_metrics:
        return result.test_metrics["valid_rmse"]
    history = result.history.get("val_" + rmse_key(result.history), [float("nan")])
    return history[min(result.restored_epoch, len(history)) - 1]


def kept_epoch_text(result) -> str:
    """Which epoch's weights the model holds, in words."""
    epoch = result.restored_epoch
    if epoch < result.epochs_run:
        return f"epoch {epoch} of {result.epochs_run}, the best on validation, restored by early stopping"
    return f"epoch {epoch}, the last"


def result_metrics(result, baseline_result=None) -> None:
    """Cache marker, test RMSE and MAE, time and parameters, with the baseline beside."""
    metrics = result.test_metrics
    run_view.metric_row(result, ("Test RMSE", f"{metrics['rmse']:.4f}"), ("Test MAE", f"{metrics['mae']:.4f}"))
    if baseline_result is None:
        st.caption(f"Every figure here comes from the weights the model holds: {kept_epoch_text(result)}.")
        return
    table = pd.DataFrame(
        {
            "Model": [f"Keras: {result.config.describe()}", "scikit-learn: MLPRegressor(50, 50, 50)"],
            "Validation RMSE": [valid_rmse(result), baseline_result.valid_rmse],
            "Test RMSE": [result.test_metrics["rmse"], baseline_result.test_rmse],
            "Training time (s)": [result.wall_time, baseline_result.wall_time],
            "Epochs": [result.epochs_run, baseline_result.n_iter],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Validation RMSE": st.column_config.NumberColumn(format="%.4f"),
            "Test RMSE": st.column_config.NumberColumn(format="%.4f"),
            "Training time (s)": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    stored = (
        f" The baseline was fitted before and read back from the store in {baseline_result.load_time:.2f} s."
        if baseline_result.from_cache
        else ""
    )
    st.caption(
        f"Both RMSEs of the Keras model come from the weights it holds ({kept_epoch_text(result)}). "
        "The baseline scales with StandardScaler and trains with Adam until its loss stops improving"
        + ("" if baseline_result.converged else " (it hit its 200-epoch limit)")
        + "."
        + stored
    )


def diverged_section(result, *, prefix: str) -> None:
    """Why the run diverged, and its learning curves when it has finite losses to draw
    (never an empty chart)."""
    run_view.diverged_message(result)
    if has_finite_curves(result.history):
        st.plotly_chart(learning_curves(result.history), key=f"{prefix}.diverged_curves")
        st.caption("Only finite losses are drawn: the curve stops where the loss became NaN or infinite.")
    else:
        st.info(
            "No learning curves to draw: the loss was NaN or infinite from the first epoch on.",
            icon=":material/show_chart:",
        )


def result_figures(result, data: RegressionData, *, prefix: str) -> None:
    """Learning curves, predicted vs actual, residuals and the map of errors; only the
    open tab runs and draws."""
    residuals = result.predictions - data.y_test
    curves, scatter, spread, where = lazy_tabs(
        ["Learning curves", "Predicted vs actual", "Residuals", "Map of errors"], key=f"{prefix}.result_tab"
    )
    if curves.open:
        with curves:
            st.plotly_chart(learning_curves(result.history, restored=result.restored_epoch), key=f"{prefix}.curves")
    if scatter.open:
        with scatter:
            st.plotly_chart(
                predicted_vs_actual(data.y_test, result.predictions, data.target_unit), key=f"{prefix}.scatter"
            )
            st.caption("Each dot is a test sample; on the dashed line the prediction is exact.")
    if spread.open:
        with spread:
            st.plotly_chart(
                histogram(residuals, title="prediction − actual", color=charts.VALID_COLOR), key=f"{prefix}.residuals"
            )
            st.caption(f"Mean residual {residuals.mean():+.3f}: a value far from 0 means a systematic bias.")
    if where.open:
        with where:
            _error_map(data, residuals, prefix)


def _error_map(data: RegressionData, residuals: np.ndarray, prefix: str) -> None:
    if not data.has_coordinates:
        st.info("This data set has no coordinates to draw a map with.")
        return
    lon, lat = data.coordinates(data.x_test)
    st.plotly_chart(
        map_figure(lon, lat, residuals, title="error", colorscale="RdBu_r", zmid=0), key=f"{prefix}.error_map"
    )
    st.caption("Red: predicted too high, blue: too low. Coastal and city districts are the hardest.")


# --- Wide & deep --------------------------------------------------------------------


@st.cache_resource(show_spinner="Building the model…", max_entries=16)
def model_graph(config_json: str):
    """`(nodes, edges)` of the untrained model of a run, read from the Keras model itself."""
    from core.regression.wide_deep import WideDeepRun, build_wide_deep, describe_graph, make_subclassed_model

    run = WideDeepRun(**json.loads(config_json))
    data, _ = regression_data(run.dataset)
    build = make_subclassed_model if run.model.api == "subclassing" else build_wide_deep
    return describe_graph(build(run.model, data.subset(run.num_train).x_train, seed=run.training.seed))


def graph_summary(nodes, edges) -> None:
    """`model.summary()` of a functional model: layers, shapes, parameters, connections."""
    sources = {node.name: [source for source, target in edges if target == node.name] for node in nodes}
    rows = [LayerRow(node.name, node.kind, node.output_shape, node.params, node.activation) for node in nodes]
    summary_table(rows)
    if edges:
        st.caption(
            "Connected to: " + "; ".join(f"{name} ← {', '.join(inputs)}" for name, inputs in sources.items() if inputs)
        )
    else:
        st.caption("Connected to: unknown to Keras (the connections are in `call()`); output shapes too.")


def output_losses(result) -> None:
    """Each output's loss and the weighted total on the validation and test sets, as
    Keras's `model.evaluate` gives them for the weights the model holds, and the test
    RMSE of each output."""
    metrics = result.test_metrics
    if result.config.model.num_outputs != 2:
        return
    main_weight, aux_weight = result.config.model.loss_weights
    if "valid_main_loss" not in metrics:  # stored before these were kept: train again to see them
        st.caption(
            f"Test RMSE: main output {metrics['rmse']:.4f}, auxiliary output {metrics['aux_rmse']:.4f}. "
            "Train this configuration again to see each output's loss from `model.evaluate`."
        )
        return
    rows = [
        {
            "Set": title,
            "main loss": metrics[f"{split}_main_loss"],
            "aux loss": metrics[f"{split}_aux_loss"],
            f"{main_weight:g}·main + {aux_weight:g}·aux": main_weight * metrics[f"{split}_main_loss"]
            + aux_weight * metrics[f"{split}_aux_loss"],
            "Keras total loss": metrics[f"{split}_loss"],
        }
        for split, title in (("valid", "validation"), ("test", "test"))
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={name: st.column_config.NumberColumn(format="%.4f") for name in rows[0] if name != "Set"},
    )
    st.caption(
        f"From `model.evaluate(..., return_dict=True)` on each whole set, with the weights the model holds "
        f"({kept_epoch_text(result)}); the weighted sum of the two losses is Keras's total. "
        f"Test RMSE: main output {metrics['rmse']:.4f}, auxiliary output {metrics['aux_rmse']:.4f}. "
        "The auxiliary output sees only the deep path; its loss pushes the hidden layers to be "
        "useful on their own (a regularizer). The learning curves show each epoch's averages "
        "over its batches, taken while the weights changed, so they differ a little from these."
    )


def is_training(config) -> bool:
    """Whether `config` is training now, in this process or another sharing the store."""
    from core import jobs, runs

    key = runs.store_key(config)
    job = jobs.pool().get(key)
    if job is not None:
        return job.active
    status = jobs.read_status(RunStore().root, key)
    return status is not None and status.active


def comparison(run, data: RegressionData, *, prefix: str) -> None:
    """Sequential MLP vs the three variants, same split and budget: table and chart.

    Shows the runs already in the store; the button trains the missing ones.
    """
    from core.regression.wide_deep import comparison_runs

    runs = comparison_runs(run)
    results = {label: cache.stored_result(other) for label, other in runs}
    training = {label for label, other in runs if results[label] is None and is_training(other)}
    # A model training now (from the form above, another tab or another server) is not
    # missing: the button counts only what it would start.
    missing = [label for label, result in results.items() if result is None and label not in training]
    compare = f"{prefix}.compare"
    if (
        missing
        and not run_view.running(compare)
        and st.button(
            f"Train the {len(missing)} missing model(s) and compare", icon=":material/compare_arrows:", key=compare
        )
    ):
        for label, other in runs:
            if label in missing:
                run_view.start(other, data, prefix=compare)
        st.rerun()  # redraw without the button, which was drawn before these started
    run_view.follow(compare, curves=learning_curves, progress_text=_progress_text)
    run_view.ended_notice(compare)
    done = {label: result for label, result in results.items() if result is not None and not result.diverged}
    if training:
        st.caption("Training now: " + ", ".join(label for label in results if label in training) + ".")
    if not done:
        st.info("None of these models is trained yet with these settings.", icon=":material/info:")
        return
    table = pd.DataFrame(
        {
            "Model": list(done),
            "Test RMSE": [result.test_metrics["rmse"] for result in done.values()],
            "Parameters": [int(result.model.count_params()) for result in done.values()],
            "Epochs": [result.epochs_run for result in done.values()],
            "Training time (s)": [result.wall_time for result in done.values()],
        }
    )
    left, right = st.columns(2)  # the table needs half the width for its five columns
    left.plotly_chart(comparison_figure(table), key=f"{prefix}.compare_chart")
    right.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Test RMSE": st.column_config.NumberColumn(format="%.4f"),
            "Training time (s)": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    if missing:
        right.caption("Not trained yet: " + ", ".join(missing) + ".")
