"""Widgets shared by the model pages: the architecture builder, the training form,
the model summary.

The builder and the training form draw the fields of the page's bound form
(`ui.state.PageForm`), which keeps their values across page switches and in the URL.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.config import (
    ACTIVATIONS,
    DECAY_SCHEDULES,
    LR_SCHEDULES,
    MAX_HIDDEN_LAYERS,
    MOMENTUM_OPTIMIZERS,
    OPTIMIZER_TITLES,
    OPTIMIZERS,
    TrainingConfig,
)
from core.forms.training import PRESETS, matching_preset, training_fields
from core.models import LayerRow
from ui.state import PageForm

OPTIMIZER_LABELS = OPTIMIZER_TITLES
SCHEDULE_LABELS = {
    "constant": "constant",
    "cosine": "cosine decay to 0",
    "inverse_time": "inverse time (the old `decay`)",
    "exponential": "exponential, per epoch",
}


def training_page_links() -> None:
    """Links to the built pages that train runs, for pages with nothing to show yet."""
    from ui.nav import PAGES, TRAINING_PAGES

    for entry in PAGES:
        if entry.path in TRAINING_PAGES and entry.exists:
            st.page_link(entry.path, label=entry.title, icon=entry.icon)


def _at(values: tuple, index: int, value) -> tuple:
    return values[:index] + (value,) + values[index + 1 :]


def architecture_builder(form: PageForm) -> tuple[tuple[int, str], ...]:
    """Number of hidden layers, then units and activation for each, drawn from the
    form's `units` and `activations`; returns the `(units, activation)` pairs.

    A layer removed comes back as it was when added again; a new one copies the last.
    The units take any number: the page's config
    says what is out of range (and refuses to train) instead of a field that quietly
    keeps its last valid value.
    """

    removed = f"{form.page}.removed_layers"  # what a layer removed had, until it is added back

    def resize(count) -> dict:
        # Any count is taken as typed, so the config can say what is wrong with it; past
        # twice the most layers, no more rows are made.
        layers, count = (
            list(zip(form.value.units, form.value.activations)),
            min(max(0, int(count)), 2 * MAX_HIDDEN_LAYERS),
        )
        kept = st.session_state.get(removed, [])
        if count < len(layers):
            st.session_state[removed] = layers[count:] + kept[: MAX_HIDDEN_LAYERS - len(layers)]
            layers = layers[:count]
        while len(layers) < count:
            layers.append(kept.pop(0) if kept else (layers or [(form.default.units[0], "relu")])[-1])
        return {"units": tuple(units for units, _ in layers), "activations": tuple(name for _, name in layers)}

    form.widget(
        "units",
        st.number_input,
        "Hidden layers",
        step=1,
        key="num_layers",
        to_widget=len,
        from_widget=resize,
        control="layers",
        help="Dense layers between the input and the output layer.",
    )
    if form.hidden("layers"):
        return tuple(zip(form.value.units, form.value.activations))
    for index in range(len(form.value.units)):
        units_column, activation_column = st.columns(2)
        form.widget(
            "units",
            units_column.number_input,
            f"Layer {index + 1}: units",
            step=10,
            key=f"units_{index}",
            to_widget=lambda units, index=index: units[index],
            from_widget=lambda value, index=index: {"units": _at(form.value.units, index, int(value))},
            control="layers",
        )
        form.widget(
            "activations",
            activation_column.selectbox,
            f"Layer {index + 1}: activation",
            ACTIVATIONS,
            key=f"activation_{index}",
            to_widget=lambda names, index=index: names[index],
            from_widget=lambda value, index=index: {"activations": _at(form.value.activations, index, value)},
            control="layers",
        )
    return tuple(zip(form.value.units, form.value.activations))


def summary_table(rows: list[LayerRow]) -> None:
    """The model summary as Keras prints it: layer, output shape, parameters, total."""
    table = pd.DataFrame(
        {
            "Layer (type)": [f"{row.name} ({row.kind})" for row in rows],
            "Output shape": [str(row.output_shape) for row in rows],
            "Activation": [row.activation or "—" for row in rows],
            # Text, so every browser shows the thousands separators (as Keras prints them).
            "Param #": [f"{row.params:,}" for row in rows],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"Param #": st.column_config.TextColumn(alignment="right")},
    )
    total = sum(row.params for row in rows)
    st.markdown(f"**Total params: {total:,}** · all trainable")


def rate_format(value) -> str:
    """A printf format that shows `value` as a learning rate: `%.4f` down to 0.001,
    scientific notation below (1e-6 reads "1.0e-06", not "0.00000")."""
    return "%.1e" if isinstance(value, (int, float)) and 0 < abs(value) < 1e-3 else "%.4f"


PRESET_SHOWN_ICON = ":material/check_circle:"  # on the preset the training fields match


def _apply_preset(form: PageForm, preset: TrainingConfig) -> None:
    fields = training_fields(preset)
    fields.pop("seed"), fields.pop("mixed_precision")  # not a recipe's: the user's own
    form.set(**fields)


def training_form(
    form: PageForm, *, presets: dict[str, TrainingConfig] = PRESETS, extra=None, problem: Exception | None = None
) -> bool:
    """The training controls of a `TrainingForm` and a Train button; returns whether
    Train was pressed in this run.

    Every control applies at once (there is no form to submit, so Enter in a field
    never starts a training): the fields an optimizer or schedule does not use are
    disabled, and the preset buttons show which preset the values match (none once
    they differ from every preset); a preset's button applies it.

    Args:
        form: the page's bound form (its class extends `TrainingForm`).
        presets: named starting points. Defaults to `PRESETS` (tuned on Fashion-MNIST).
        extra: optional function called before the button, for page-specific fields.
        problem: why the form's run cannot train, if it cannot: shown under the
            button, which is then disabled. Defaults to none.
    """
    values = form.value
    if not form.hidden("preset"):
        # Buttons, not a radio: a radio the page sets to "Custom" after each edit takes
        # the old choice the browser may still send with the next click for the user's,
        # and applies that preset over the edit. A button only acts on its own click.
        shown = matching_preset(values, presets)
        st.markdown("Start from" + ("" if shown else " (now: your own settings)"))
        for column, (name, preset) in zip(st.columns(len(presets)), presets.items()):
            column.button(
                name,
                key=f"{form.widget_key('preset')}.{name}",
                icon=PRESET_SHOWN_ICON if name == shown else None,
                on_click=_apply_preset,
                args=(form, preset),
                width="stretch",
            )
    left, right = st.columns(2)
    form.widget("optimizer", left.selectbox, "Optimizer", OPTIMIZERS, format_func=OPTIMIZER_LABELS.get)
    form.widget("lr_schedule", right.selectbox, "Learning-rate schedule", LR_SCHEDULES, format_func=SCHEDULE_LABELS.get)
    values = form.value
    with st.container(border=True):
        left, middle, right = st.columns(3)
        form.widget(
            "learning_rate", left.number_input, "Learning rate", format=rate_format(values.learning_rate), step=0.001
        )
        form.widget(
            "decay_rate",
            middle.number_input,
            "Decay rate",
            format=rate_format(values.decay_rate),
            step=0.01,
            disabled=values.lr_schedule not in DECAY_SCHEDULES,
            help="Inverse time: lr / (1 + decay_rate × step), what `SGD(decay=...)` did in Keras 2 "
            "(the notebook's 1e-6). Exponential: the factor per epoch, e.g. 0.9.",
        )
        form.widget("seed", right.number_input, "Seed", step=1)
        left, middle, right = st.columns(3)
        # No bounds: the config refuses a value out of range and says so, where a bounded
        # field would keep its last valid value under a red border.
        form.widget("batch_size", left.number_input, "Batch size", step=16)
        form.widget("epochs", middle.number_input, "Epochs", step=1)
        form.widget(
            "mixed_precision",
            right.checkbox,
            "Mixed precision (GPU only)",
            help="float16 hidden layers on a GPU: faster, same accuracy. Ignored on a CPU.",
        )
        left, middle, right = st.columns(3)
        form.widget(
            "momentum",
            left.number_input,
            "Momentum (SGD, RMSprop)",
            step=0.05,
            format="%.2f",
            disabled=values.optimizer not in MOMENTUM_OPTIMIZERS,
        )
        form.widget("nesterov", middle.checkbox, "Nesterov momentum (SGD)", disabled=values.optimizer != "sgd")
        left, middle, right = st.columns(3)
        form.widget("early_stopping", left.checkbox, "Early stopping (restores the best weights)")
        form.widget("patience", middle.number_input, "Patience (epochs)", step=1, disabled=not values.early_stopping)
        if extra is not None:
            extra()
        pressed = st.button(
            "Train", type="primary", icon=":material/play_arrow:", key=form.widget_key("train"), disabled=bool(problem)
        )
        if problem:
            st.error(f"{problem} Training is off until this is fixed.", icon=":material/error:")
        return pressed
