"""Widgets shared by the model pages: the architecture builder and the training form.

Each returns plain values (or a validated core config); session-state keys are
namespaced with the page's `prefix`, so two pages keep their own settings.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.config import (
    ACTIVATIONS,
    COURSE_TRAINING,
    DECAY_SCHEDULES,
    LR_SCHEDULES,
    MOMENTUM_OPTIMIZERS,
    OPTIMIZER_TITLES,
    OPTIMIZERS,
    RECOMMENDED_REGRESSION_TRAINING,
    RECOMMENDED_TRAINING,
    TrainingConfig,
)
from core.models import LayerRow

OPTIMIZER_LABELS = OPTIMIZER_TITLES
SCHEDULE_LABELS = {
    "constant": "constant",
    "cosine": "cosine decay to 0",
    "inverse_time": "inverse time (the old `decay`)",
    "exponential": "exponential, per epoch",
}
CUSTOM = "Custom"  # the preset radio's choice once the form differs from every preset


def training_page_links() -> None:
    """Links to the built pages that train runs, for pages with nothing to show yet."""
    from ui.nav import PAGES, TRAINING_PAGES

    for entry in PAGES:
        if entry.path in TRAINING_PAGES and entry.exists:
            st.page_link(entry.path, label=entry.title, icon=entry.icon)


def _remembered(prefix: str, key: str, default):
    """The value a layer's widget starts from: what it last showed, else `default`.

    Streamlit forgets a widget's value when it is not drawn in a run; this copy under
    another key brings it back when the widget returns (a layer removed, then added).
    It is passed as the widget's `value`, never written to the widget's own key, which
    would clash with `value`."""
    return st.session_state.get(f"{prefix}.saved.{key}", default)


def architecture_builder(prefix: str, default_layers: tuple[tuple[int, str], ...]) -> tuple:
    """Number of hidden layers, then units and activation for each; returns the layers.

    The widgets keep their values when the number of layers changes, so removing a layer
    and adding it back restores it. The fields take any number: the page's config says
    what is out of range (and refuses to train) instead of a field that quietly keeps
    its last valid value.
    """
    num_layers = st.number_input(
        "Hidden layers",
        value=len(default_layers),
        step=1,
        key=f"{prefix}.num_layers",
        help="Dense layers between the input and the output layer.",
    )
    layers = []
    for index in range(max(0, int(num_layers))):
        default_units, default_activation = default_layers[index] if index < len(default_layers) else default_layers[-1]
        units_key, activation_key = f"{prefix}.units_{index}", f"{prefix}.activation_{index}"
        units_column, activation_column = st.columns(2)
        units = units_column.number_input(
            f"Layer {index + 1}: units", value=_remembered(prefix, units_key, default_units), step=10, key=units_key
        )
        activation = activation_column.selectbox(
            f"Layer {index + 1}: activation",
            ACTIVATIONS,
            index=ACTIVATIONS.index(_remembered(prefix, activation_key, default_activation)),
            key=activation_key,
        )
        st.session_state[f"{prefix}.saved.{units_key}"] = units
        st.session_state[f"{prefix}.saved.{activation_key}"] = activation
        layers.append((int(units), activation))
    return tuple(layers)


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


# The Fashion-MNIST notebook's `SGD(learning_rate=0.01, decay=1e-6, momentum=0.9,
# nesterov=True)`, batch 16, 10 epochs (its StandardScaler and validation_split=0.1
# are data choices, on the page).
NOTEBOOK_TRAINING = TrainingConfig(
    optimizer="sgd",
    learning_rate=0.01,
    momentum=0.9,
    nesterov=True,
    lr_schedule="inverse_time",
    decay_rate=1e-6,
    batch_size=16,
    epochs=10,
)
PRESETS: dict[str, TrainingConfig] = {
    "Recommended: Adam with cosine decay, fast": RECOMMENDED_TRAINING,
    "The course's recipe: SGD 0.01, batch 32": COURSE_TRAINING,
    "The notebook's: SGD with Nesterov and decay, batch 16": NOTEBOOK_TRAINING,
}
REGRESSION_PRESETS: dict[str, TrainingConfig] = {
    "Recommended: Adam 0.001, batch 32": RECOMMENDED_REGRESSION_TRAINING,
    "Fast: Adam with cosine decay, batch 512": RECOMMENDED_TRAINING,
}


PRESET_FIELDS = (
    "optimizer",
    "learning_rate",
    "lr_schedule",
    "decay_rate",
    "momentum",
    "nesterov",
    "batch_size",
    "epochs",
)


FORM_FIELDS = (*PRESET_FIELDS, "early_stopping", "patience", "seed", "mixed_precision")
FORM_DEFAULTS = {"early_stopping": False, "patience": 5, "seed": 42, "mixed_precision": False}


def _saved(prefix: str, name: str) -> str:
    return f"{prefix}.saved.{name}"


def _set_field(prefix: str, name: str, value, *, widget: bool = True) -> None:
    """Sets a form field: its value is kept under its own key, and given to its widget.

    With `widget` (from a callback: a preset chosen, a suggested rate taken), the
    widget's state is set too, so a field already in the browser shows the new value:
    a keyed widget keeps what it shows when only its `value` argument changes. Without
    it (the form's first draw), the widget's state is dropped and the widget starts
    from the kept value as its `value`.
    """
    st.session_state[_saved(prefix, name)] = value
    if widget:
        st.session_state[f"{prefix}.{name}"] = value
    else:
        st.session_state.pop(f"{prefix}.{name}", None)


def _field(prefix: str, name: str):
    """The field's value as the user left it: the widget's (just submitted), else the kept one."""
    return st.session_state.get(f"{prefix}.{name}", st.session_state[_saved(prefix, name)])


def _apply_preset(
    prefix: str, presets: dict[str, TrainingConfig], label: str | None = None, *, widget: bool = True
) -> None:
    preset = presets.get(label or st.session_state[f"{prefix}.preset"])
    if preset is None:  # "Custom": keep the form as it is
        return
    for name in PRESET_FIELDS:
        _set_field(prefix, name, getattr(preset, name), widget=widget)
    _set_field(prefix, "early_stopping", preset.early_stopping_patience is not None, widget=widget)
    _set_field(prefix, "patience", preset.early_stopping_patience or 5, widget=widget)


def _ensure_fields(prefix: str, presets: dict[str, TrainingConfig]) -> None:
    if _saved(prefix, "epochs") not in st.session_state:
        _apply_preset(prefix, presets, next(iter(presets)), widget=False)
    for name, value in FORM_DEFAULTS.items():
        st.session_state.setdefault(_saved(prefix, name), value)


def _matching_preset(prefix: str, presets: dict[str, TrainingConfig]) -> str:
    """The preset the form's values are, or `CUSTOM` once they differ from every one."""
    for label, preset in presets.items():
        same = all(_field(prefix, name) == getattr(preset, name) for name in PRESET_FIELDS)
        stopping = bool(_field(prefix, "early_stopping")) == (preset.early_stopping_patience is not None)
        patience = (
            preset.early_stopping_patience is None or _field(prefix, "patience") == preset.early_stopping_patience
        )
        if same and stopping and patience:
            return label
    return CUSTOM


def rate_format(value) -> str:
    """A printf format that shows `value` as a learning rate: `%.4f` down to 0.001,
    scientific notation below (1e-6 reads "1.0e-06", not "0.00000")."""
    return "%.1e" if isinstance(value, (int, float)) and 0 < abs(value) < 1e-3 else "%.4f"


def training_form(prefix: str, *, extra=None, presets: dict[str, TrainingConfig] = PRESETS) -> tuple[dict, bool]:
    """The training options in a form with a Train button.

    The preset radio, the optimizer and the learning-rate schedule sit above the form:
    they apply at once, so the fields they do not use (momentum, Nesterov, decay rate)
    are disabled. The radio says `CUSTOM` once the form differs from every preset;
    choosing a preset again applies it.

    Args:
        prefix: session-state namespace of the page.
        extra: optional function called inside the form (before the button) to add
            page-specific fields; whatever it returns is put under `"extra"`.
        presets: named starting points; the first is the default. Defaults to
            `PRESETS` (tuned on Fashion-MNIST).

    Returns:
        `(values, submitted)`: the raw values (see `training_config`) and whether Train
        was pressed in this run.
    """
    _ensure_fields(prefix, presets)
    st.session_state[f"{prefix}.preset"] = _matching_preset(prefix, presets)
    st.radio(
        "Start from",
        [*presets, CUSTOM],
        key=f"{prefix}.preset",
        on_change=_apply_preset,
        args=(prefix, presets),
        horizontal=True,
    )

    def field(name, **initial):
        # The widget's own state, once it has one, is what it shows: passing `value`
        # (or `index`) as well would make Streamlit warn that both were set.
        key = f"{prefix}.{name}"
        return {"key": key} if key in st.session_state else {"key": key, **initial}

    left, right = st.columns(2)
    optimizer = left.selectbox(
        "Optimizer",
        OPTIMIZERS,
        format_func=OPTIMIZER_LABELS.get,
        **field("optimizer", index=OPTIMIZERS.index(_field(prefix, "optimizer"))),
    )
    lr_schedule = right.selectbox(
        "Learning-rate schedule",
        LR_SCHEDULES,
        format_func=SCHEDULE_LABELS.get,
        **field("lr_schedule", index=LR_SCHEDULES.index(_field(prefix, "lr_schedule"))),
    )
    with st.form(f"{prefix}.training_form", border=True):
        left, middle, right = st.columns(3)
        rate = float(_field(prefix, "learning_rate"))
        learning_rate = left.number_input(
            "Learning rate", format=rate_format(rate), step=0.001, **field("learning_rate", value=rate)
        )
        decay = float(_field(prefix, "decay_rate"))
        decay_rate = middle.number_input(
            "Decay rate",
            format=rate_format(decay),
            step=0.01,
            disabled=lr_schedule not in DECAY_SCHEDULES,
            help="Inverse time: lr / (1 + decay_rate × step), what `SGD(decay=...)` did in Keras 2 "
            "(the notebook's 1e-6). Exponential: the factor per epoch, e.g. 0.9.",
            **field("decay_rate", value=decay),
        )
        seed = right.number_input("Seed", step=1, **field("seed", value=int(_field(prefix, "seed"))))
        left, middle, right = st.columns(3)
        # No bounds: the config refuses a value out of range and says so, where a bounded
        # field would keep its last valid value under a red border.
        batch_size = left.number_input(
            "Batch size", step=16, **field("batch_size", value=int(_field(prefix, "batch_size")))
        )
        epochs = middle.number_input("Epochs", step=1, **field("epochs", value=int(_field(prefix, "epochs"))))
        mixed_precision = right.checkbox(
            "Mixed precision (GPU only)",
            help="float16 hidden layers on a GPU: faster, same accuracy. Ignored on a CPU.",
            **field("mixed_precision", value=bool(_field(prefix, "mixed_precision"))),
        )
        left, middle, right = st.columns(3)
        momentum = left.slider(
            "Momentum (SGD, RMSprop)",
            0.0,
            0.99,
            step=0.01,
            disabled=optimizer not in MOMENTUM_OPTIMIZERS,
            **field("momentum", value=float(_field(prefix, "momentum"))),
        )
        nesterov = middle.checkbox(
            "Nesterov momentum (SGD)",
            disabled=optimizer != "sgd",
            **field("nesterov", value=bool(_field(prefix, "nesterov"))),
        )
        left, middle, right = st.columns(3)
        early_stopping = left.checkbox(
            "Early stopping (restores the best weights)",
            **field("early_stopping", value=bool(_field(prefix, "early_stopping"))),
        )
        patience = middle.number_input(
            "Patience (epochs)", step=1, **field("patience", value=int(_field(prefix, "patience")))
        )
        extra_values = extra() if extra is not None else None
        submitted = st.form_submit_button("Train", type="primary", icon=":material/play_arrow:")
    shown = {
        "optimizer": optimizer,
        "learning_rate": learning_rate,
        "lr_schedule": lr_schedule,
        "decay_rate": decay_rate,
        "momentum": momentum,
        "nesterov": nesterov,
        "batch_size": batch_size,
        "epochs": epochs,
        "early_stopping": early_stopping,
        "patience": patience,
        "seed": seed,
        "mixed_precision": mixed_precision,
    }
    for name, value in shown.items():
        st.session_state[_saved(prefix, name)] = value
    values = {
        "optimizer": optimizer,
        "learning_rate": float(learning_rate),
        "momentum": float(momentum) if optimizer in MOMENTUM_OPTIMIZERS else 0.0,
        "nesterov": bool(nesterov) and optimizer == "sgd" and momentum > 0,
        "lr_schedule": lr_schedule,
        "decay_rate": float(decay_rate) if lr_schedule in DECAY_SCHEDULES else 0.0,
        "batch_size": int(batch_size),
        "epochs": int(epochs),
        "early_stopping_patience": int(patience) if early_stopping else None,
        "seed": int(seed),
        "mixed_precision": bool(mixed_precision),
        "extra": extra_values,
    }
    return values, submitted


def training_config(values: dict) -> TrainingConfig:
    """The `TrainingConfig` for the values of `training_form`; may raise `ValueError`."""
    return TrainingConfig(**{name: value for name, value in values.items() if name != "extra"})


def prefill_training_form(prefix: str, presets: dict[str, TrainingConfig] = PRESETS, **values) -> None:
    """Sets fields of a page's training form before that page draws it (from another
    page, or from a callback), e.g. `learning_rate=3e-3`.

    A form drawn without its preset chosen starts from its first preset, overwriting
    every field; choosing it here first keeps `values`.
    """
    _ensure_fields(prefix, presets)
    for name, value in values.items():
        _set_field(prefix, name, value)
