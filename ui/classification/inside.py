"""A look inside a trained classification network: what the first layer's units look
for, how weights and activations spread epoch by epoch, dead and saturated units,
gradient norms.

`show_inside` renders the section for a result (or its stored arrays) and its model.
A run trained before the summaries were recorded still shows the first layer's
weights, which come from the model itself.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import inside
from ui.classification import inside_figures
from ui.lazy import lazy_tabs

UNIT_CHOICES = (16, 36, 64, 100)
NOT_RECORDED = (
    "Histograms, dead and saturated units and gradient norms are recorded while a run trains: "
    "runs trained from now on have them."
)


def summary_of(source) -> inside.InsideSummary | None:
    """The recorded summary of `source`: an `InsideSummary`, a dict of stored arrays,
    or a result with an `arrays` dict; `None` when there is none."""
    if source is None or isinstance(source, inside.InsideSummary):
        return source
    arrays = source if isinstance(source, dict) else getattr(source, "arrays", None)
    if not arrays:
        return None
    return inside.from_arrays(arrays)


def _restored_of(source) -> int | None:
    """The epoch whose weights a result's model holds, when early stopping restored an
    earlier one than the last."""
    try:
        kept, run = source.restored_epoch, source.epochs_run
    except AttributeError:
        return None
    return kept if kept < run else None


def show_inside(
    source,
    model=None,
    *,
    prefix: str,
    restored: int | None = None,
    title: str | None = "Inside the network",
) -> None:
    """Renders the look inside a trained network.

    Args:
        source: a `core.runs.RunResult` (its `arrays`, `model` and restored epoch are
            used), a dict of stored arrays, an `InsideSummary`, or `None` (then only
            the first layer's weights, from `model`).
        model: the trained Keras model. Defaults to `source.model`.
        prefix: namespaces the widget keys (the page's prefix).
        restored: the epoch whose weights the model holds, marked on the charts.
            Defaults to the result's restored epoch when early stopping restored one.
        title: a subheader above the section; `None` for none. Defaults to
            `"Inside the network"`.
    """
    key = f"{prefix}.inside"
    model = model if model is not None else getattr(source, "model", None)
    restored = restored if restored is not None else _restored_of(source)
    if title:
        st.subheader(title)
    try:
        summary = summary_of(source)
    except ValueError as error:
        st.warning(f"The recorded look inside could not be read: {error}", icon=":material/warning:")
        summary = None
    if summary is None:
        if model is not None:
            _first_layer(model, key)
        st.caption(NOT_RECORDED)
        return
    sections = {
        "What the first layer looks for": lambda: _first_layer_tab(model, key),
        "Weights and activations": lambda: _histograms(summary, key, restored),
        "Dead and saturated units": lambda: _unit_health(summary, key, restored),
        "Gradient norms": lambda: _gradients(summary, key, restored),
    }
    # Only the open tab runs and draws; the closed ones keep their settings.
    tabs = lazy_tabs(
        list(sections),
        key=f"{key}.tab",
        keep={"What the first layer looks for": [f"{key}.units"], "Weights and activations": [f"{key}.log_y"]},
    )
    for tab, draw in zip(tabs, sections.values()):
        if tab.open:
            with tab:
                draw()


def _first_layer_tab(model, key: str) -> None:
    if model is None:
        st.info("The first layer's weights come from the model, which is not loaded here.")
    else:
        _first_layer(model, key)


def _gradients(summary: inside.InsideSummary, key: str, restored: int | None) -> None:
    st.plotly_chart(inside_figures.gradient_norms(summary, restored=restored), key=f"{key}.gradients")
    st.caption(
        f"The size (L2 norm) of each layer's gradient of the loss, on the same {summary.probe_size} validation "
        "images after every epoch. Norms that shrink layer after layer towards the input are vanishing "
        "gradients; norms that grow by orders of magnitude are exploding ones."
    )


def _first_layer(model, key: str) -> None:
    try:
        images = inside.first_layer_images(model)
    except ValueError as error:
        st.info(str(error))
        return
    layer = inside.dense_layers(model)[0]
    total, height, width = images.shape
    choices = [count for count in UNIT_CHOICES if count < total] + [total]
    shown = total
    if len(choices) > 1:
        shown = st.select_slider(
            "Units shown", choices, value=min(choices, key=lambda n: abs(n - 36)), key=f"{key}.units"
        )
    st.plotly_chart(inside_figures.unit_images(images[:shown], layer=layer.name), key=f"{key}.images", width="content")
    st.caption(
        f"The first {shown} of the {total} units of `{layer.name}`, the first hidden layer: each square holds a "
        f"unit's {height * width} weights, one per pixel, laid out as the {height}×{width} input image. A unit "
        "responds most to images bright where its weights are red and dark where they are blue; white is a "
        "weight near 0 (a pixel it ignores). After a few epochs the random initial weights still show as noise; "
        "shapes of the classes emerge with longer training."
    )


def _histograms(summary: inside.InsideSummary, key: str, restored: int | None) -> None:
    log_y = st.toggle(
        "Log scale", key=f"{key}.log_y", help="Shows the thin tails next to a tall bar (such as ReLU's zeros)."
    )
    st.markdown("**Weights** (each layer's kernel)")
    st.plotly_chart(
        inside_figures.histograms(summary, "weights", restored=restored, log_y=log_y), key=f"{key}.weights_hist"
    )
    st.markdown(f"**Activations** (each layer's outputs on {summary.probe_size} validation images)")
    st.plotly_chart(
        inside_figures.histograms(summary, "activations", restored=restored, log_y=log_y),
        key=f"{key}.activations_hist",
    )
    st.caption(
        "Drag the slider to see the distributions epoch by epoch (epoch 0: the initial weights), or press ▶. "
        "A ReLU layer's tall bar at 0 is the units that are off for an image."
    )


def _unit_health(summary: inside.InsideSummary, key: str, restored: int | None) -> None:
    if not (summary.has_dead or summary.has_saturated):
        st.info(
            "No layer of this model uses ReLU, sigmoid or tanh, so none has dead or saturated units to count.",
            icon=":material/info:",
        )
        return
    st.plotly_chart(inside_figures.unit_health(summary, restored=restored), key=f"{key}.units_chart")
    shown = summary.index_of(restored) if restored else len(summary.epochs) - 1
    shares = []
    for index, name in enumerate(summary.layers):
        for values, label in ((summary.dead, "dead"), (summary.saturated, "saturated")):
            if np.isfinite(values[shown, index]):
                shares.append(f"{name} {values[shown, index]:.0%} {label}")
    st.caption(
        f"A ReLU unit is dead when it outputs 0 for all {summary.probe_size} validation images: it passes no "
        f"gradient, so it cannot learn its way back. A sigmoid or tanh unit is saturated when its output is within "
        f"{inside.SATURATION_MARGIN} of a bound for more than {inside.SATURATED_SHARE:.0%} of them: its slope is "
        f"nearly flat there, so it learns slowly. After epoch {int(summary.epochs[shown])}"
        + (" (the weights the model kept)" if restored else "")
        + ": "
        + ", ".join(shares)
        + "."
    )
