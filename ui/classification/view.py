"""The results of a classification run: headline metrics, learning curves, confusion
matrix, predicted probabilities for test images, the most confidently wrong."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from core.evaluation import cell_samples, confusion_matrix, most_confident_wrong
from ui import charts, run_view
from ui.lazy import lazy_tabs


def result_header(result) -> None:
    """The cache marker and the headline metrics."""
    metrics = result.test_metrics
    run_view.metric_row(
        result, ("Test accuracy", f"{metrics['accuracy']:.2%}"), ("Test loss", f"{metrics['loss']:.4f}")
    )
    notes = [f"Trained on {result.device}."]
    kept = result.restored_epoch
    if result.history.get("val_accuracy"):
        notes.append(f"Validation accuracy {result.history['val_accuracy'][kept - 1]:.2%} (epoch {kept}).")
    else:
        notes.append("No validation set: every training image trained the model.")
    if result.stop_reason == "early_stopping":
        notes.append(f"Early stopping ended training and restored the weights of epoch {kept}, the best.")
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
    """Learning curves, confusion matrix and predicted probabilities for test images;
    only the open tab runs and draws."""
    proba = result.predictions
    sections = {
        "Learning curves": _curves_tab,
        "Confusion matrix": _matrix_tab,
        "Test predictions": _samples_tab,
        "Most confidently wrong": _wrong_tab,
    }
    for tab, draw in zip(lazy_tabs(list(sections), key=f"{prefix}.result_tab"), sections.values()):
        if tab.open:
            with tab:
                draw(result, data, proba, prefix)


def _curves_tab(result, data, proba: np.ndarray, prefix: str) -> None:
    kept = result.restored_epoch
    st.plotly_chart(charts.learning_curves(result.history, restored=kept, mark_last=True), key=f"{prefix}.curves")
    if result.history.get("val_accuracy"):
        why = "the last" if kept == result.epochs_run else "restored by early stopping"
        st.caption(
            f"The model holds the weights of epoch {kept} ({why}): validation accuracy "
            f"{result.history['val_accuracy'][kept - 1]:.2%}, and every test figure here comes from "
            "them. A validation loss that rises while the training loss keeps falling is overfitting."
        )


def _matrix_tab(result, data, proba: np.ndarray, prefix: str) -> None:
    cm = confusion_matrix(data.y_test, np.argmax(proba, axis=1), data.num_classes, normalize=True)
    event = st.plotly_chart(
        charts.confusion_matrix(cm, data.class_names),
        key=f"{prefix}.cm",
        on_select="rerun",
        selection_mode="points",
    )
    worst = np.argsort(np.diag(cm))[:2]
    st.caption(
        "Each row is a true class and sums to 100%. Hardest classes here: "
        + ", ".join(f"{data.class_names[i]} ({cm[i, i]:.0%} right)" for i in worst)
        + ". Click a cell to see its test images."
    )
    _cell_images(event, data, proba, prefix=prefix)


def _samples_tab(result, data, proba: np.ndarray, prefix: str) -> None:
    if st.button("Show other images", icon=":material/shuffle:", key=f"{prefix}.reshuffle"):
        st.session_state[f"{prefix}.sample_seed"] = int(time.time())
    rng = np.random.default_rng(st.session_state.get(f"{prefix}.sample_seed", 0))
    picks = rng.choice(len(data.y_test), size=6, replace=False)
    for row in (picks[:3], picks[3:]):  # three a row: room for the probability bars
        for column, index in zip(st.columns(3), row):
            _image_card(column, data, proba[index], int(index), key=f"{prefix}.sample_{index}")


def _wrong_tab(result, data, proba: np.ndarray, prefix: str) -> None:
    worst = most_confident_wrong(proba, data.y_test, k=6)
    if len(worst) == 0:
        st.info("Every test image is classified correctly.")
        return
    st.caption("The mistakes the model was surest about: often ambiguous or mislabeled images.")
    for row in (worst[:3], worst[3:]):
        for column, index in zip(st.columns(3), row):
            _image_card(column, data, proba[index], int(index), key=f"{prefix}.wrong_{index}")


def selected_cell(event) -> tuple[int, int] | None:
    """`(true, predicted)` of the confusion-matrix cell clicked, from the chart's
    selection event, or `None`."""
    points = (event or {}).get("selection", {}).get("points", []) if hasattr(event, "get") else []
    for point in points:
        cell = point.get("customdata")
        if cell is not None and len(cell) == 2:
            return int(cell[0]), int(cell[1])
    return None


def _cell_images(event, data, proba: np.ndarray, *, prefix: str) -> None:
    cell = selected_cell(event)
    if cell is None:
        return
    true, predicted = cell
    hits = cell_samples(proba, data.y_test, true, predicted, k=12)
    title = f"True **{data.class_names[true]}**, predicted **{data.class_names[predicted]}**"
    if len(hits) == 0:
        st.info(f"{title}: no test image.", icon=":material/info:")
        return
    total = int(np.sum((data.y_test == true) & (np.argmax(proba, axis=1) == predicted)))
    st.markdown(f"{title}: {total:,} test images, the {len(hits)} most confident shown.")
    st.image(
        [charts.upscale(data.x_test[index], 84) for index in hits],
        caption=[f"#{index} · {proba[index, predicted]:.0%}" for index in hits],
        width=84,
    )
