"""Training with live progress, and the results of a classification run.

`train_live` runs `core.runs.get_or_train` while a progress bar and the learning curves
update every epoch. Any click during training (the Stop button, or a changed setting)
makes Streamlit rerun the page, which interrupts training: nothing half-trained is kept,
and the page says at which epoch it stopped.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from core.evaluation import confusion_matrix, most_confident_wrong
from core.store import RunStore
from ui import charts
from ui.cache import show_problems


def _progress_text(update) -> str:
    logs = update.logs
    parts = [f"Epoch {update.epoch}/{update.epochs}"]
    if "loss" in logs:
        parts.append(f"loss {logs['loss']:.4f}")
    if "val_accuracy" in logs:
        parts.append(f"validation accuracy {logs['val_accuracy']:.2%}")
    parts.append(f"{update.elapsed:.0f} s")
    return " · ".join(parts)


def train_live(
    config,
    data,
    *,
    prefix: str,
    get_or_train=None,
    curves=charts.learning_curves,
    progress_text=_progress_text,
    label: str = "",
):
    """Trains `config` on `data` (or loads it), showing progress; returns the result.

    Args:
        config: the run; anything with `key()` and `training.epochs`.
        data: its loaded data set (with a `title`).
        prefix: the page's session-state namespace.
        get_or_train: the core function that loads or trains this kind of run.
            Defaults to `core.runs.get_or_train` (classification).
        curves: history -> plotly figure, redrawn after each epoch.
        progress_text: `EpochUpdate` -> the progress bar's text.
        label: what is being trained, for the status line. Defaults to the data set.

    An interrupted training leaves `{prefix}.in_progress` behind, so the next run of
    the page can say where it stopped (`interrupted_notice`).
    """
    if get_or_train is None:
        from core.runs import get_or_train

    progress_key = f"{prefix}.in_progress"
    key = config.key()
    st.session_state[progress_key] = {"key": key, "epoch": 0, "epochs": config.training.epochs}
    status = st.status(f"Training {label + ' ' if label else ''}on {data.title}…", expanded=True)
    with status:
        progress = st.progress(0.0, text="Preparing the model and the data pipeline…")
        chart = st.empty()
        st.button("Stop training", icon=":material/stop:", key=f"{prefix}.stop.{key}")

    def on_queue(position):
        progress.progress(
            0.0, text=f"Waiting for a free training slot: place {position} in the queue. "
            "Other visitors are training; yours starts as soon as one finishes."
        )

    def on_epoch(update):
        st.session_state[progress_key]["epoch"] = update.epoch
        progress.progress(update.epoch / update.epochs, text=progress_text(update))
        chart.plotly_chart(curves(update.history, update.epochs), key=f"{prefix}.live_{key}_{update.epoch}")

    store = RunStore()
    result = get_or_train(config, data, store=store, on_epoch=on_epoch, on_queue=on_queue)
    del st.session_state[progress_key]
    if result.diverged:
        status.update(label="Training diverged", state="error", expanded=False)
    else:
        status.update(label=f"{label or 'Trained'}: {result.wall_time:.1f} s", state="complete", expanded=False)
    show_problems(store.problems)
    return result


def interrupted_notice(prefix: str) -> None:
    """Says that the previous run of the page stopped a training midway, if it did."""
    partial = st.session_state.pop(f"{prefix}.in_progress", None)
    if partial is not None:
        st.info(
            f"Training stopped at epoch {partial['epoch']} of {partial['epochs']}; nothing was "
            "saved. Press **Train** to start again.",
            icon=":material/stop_circle:",
        )


def diverged_message(result) -> None:
    lr = result.config.training.learning_rate
    last = next((i for i, v in enumerate(result.history.get("loss", [])) if not np.isfinite(v)), None)
    where = f"at epoch {last + 1}" if last is not None else "in the first epoch"
    st.error(
        f"Training diverged: the loss became NaN or infinite {where} with "
        f"learning_rate={lr:g}. Lower the learning rate (try {lr / 10:g}) and train again. "
        "Diverged runs are not saved.",
        icon=":material/error:",
    )


def cache_marker(result) -> None:
    """Says that a result came from the store, how fast, and what training it saved."""
    if result.from_cache:
        st.success(
            f"**Loaded from cache** in {result.load_time:.2f} s: "
            f"this configuration was trained before in {result.wall_time:.1f} s on {result.device}.",
            icon=":material/bolt:",
        )


def result_header(result) -> None:
    """The cache marker and the headline metrics."""
    params = result.model.count_params()
    cache_marker(result)
    columns = st.columns(5)
    columns[0].metric("Test accuracy", f"{result.test_metrics['accuracy']:.2%}")
    columns[1].metric("Test loss", f"{result.test_metrics['loss']:.4f}")
    columns[2].metric("Epochs", f"{result.epochs_run}", help=f"stopped: {result.stop_reason.replace('_', ' ')}")
    columns[3].metric("Training time", f"{result.wall_time:.1f} s", help=result.device)
    columns[4].metric("Parameters", f"{params:,}")
    notes = [f"Trained on {result.device}."]
    if result.stop_reason == "early_stopping":
        notes.append("Early stopping ended training and restored the weights of the best epoch.")
    notes += result.notes
    st.caption(" ".join(notes))


def _image_card(column, data, proba: np.ndarray, index: int, *, key: str) -> None:
    true_label = int(data.y_test[index])
    predicted = int(np.argmax(proba))
    # Material icons, not emoji: a machine without an emoji font shows emoji as boxes.
    mark = ":green[:material/check_circle:]" if predicted == true_label else ":red[:material/cancel:]"
    with column.container(border=True):
        st.image(charts.upscale(data.x_test[index]), width=96)
        st.markdown(
            f"{mark} **{data.class_names[predicted]}** ({proba[predicted]:.0%})  \n"
            f"true: {data.class_names[true_label]} · test #{index}"
        )
        st.plotly_chart(
            charts.probability_bars(proba, data.class_names, true_label),
            key=key,
            config={"displayModeBar": False},
        )


def result_details(result, data, *, prefix: str) -> None:
    """Learning curves, confusion matrix and predicted probabilities for test images."""
    proba = result.test_proba
    predicted = np.argmax(proba, axis=1)
    curves, matrix, samples, wrong = st.tabs(
        ["Learning curves", "Confusion matrix", "Test predictions", "Most confidently wrong"]
    )
    with curves:
        st.plotly_chart(charts.learning_curves(result.history), key=f"{prefix}.curves")
        best = int(np.argmax(result.history["val_accuracy"])) + 1 if "val_accuracy" in result.history else None
        if best:
            st.caption(
                f"Best validation accuracy {max(result.history['val_accuracy']):.2%} at epoch {best}. "
                "A validation loss that rises while the training loss keeps falling is overfitting."
            )
    with matrix:
        cm = confusion_matrix(data.y_test, predicted, data.num_classes, normalize=True)
        st.plotly_chart(charts.confusion_matrix(cm, data.class_names), key=f"{prefix}.cm")
        worst = np.argsort(np.diag(cm))[:2]
        st.caption(
            "Each row is a true class and sums to 100%. Hardest classes here: "
            + ", ".join(f"{data.class_names[i]} ({cm[i, i]:.0%} right)" for i in worst)
            + "."
        )
    with samples:
        if st.button("Show other images", icon=":material/shuffle:", key=f"{prefix}.reshuffle"):
            st.session_state[f"{prefix}.sample_seed"] = int(time.time())
        rng = np.random.default_rng(st.session_state.get(f"{prefix}.sample_seed", 0))
        picks = rng.choice(len(data.y_test), size=6, replace=False)
        columns = st.columns(6)
        for column, index in zip(columns, picks):
            _image_card(column, data, proba[index], int(index), key=f"{prefix}.sample_{index}")
    with wrong:
        worst = most_confident_wrong(proba, data.y_test, k=6)
        if len(worst) == 0:
            st.info("Every test image is classified correctly.")
        else:
            st.caption("The mistakes the model was surest about: often ambiguous or mislabeled images.")
            columns = st.columns(6)
            for column, index in zip(columns, worst):
                _image_card(column, data, proba[index], int(index), key=f"{prefix}.wrong_{index}")

