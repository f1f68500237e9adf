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
    LR_SCHEDULES,
    MAX_HIDDEN_LAYERS,
    MAX_UNITS,
    MOMENTUM_OPTIMIZERS,
    OPTIMIZER_TITLES,
    OPTIMIZERS,
    RECOMMENDED_REGRESSION_TRAINING,
    RECOMMENDED_TRAINING,
    TrainingConfig,
)
from core.models import LayerRow

OPTIMIZER_LABELS = OPTIMIZER_TITLES


def training_page_links() -> None:
    """Links to the built pages that train runs, for pages with nothing to show yet."""
    from ui.nav import PAGES, TRAINING_PAGES

    for entry in PAGES:
        if entry.path in TRAINING_PAGES and entry.exists:
            st.page_link(entry.path, label=entry.title, icon=entry.icon)


def architecture_builder(prefix: str, default_layers: tuple[tuple[int, str], ...]) -> tuple:
    """Number of hidden layers, then units and activation for each; returns the layers.

    The widgets keep their values when the number of layers changes, so removing a layer
    and adding it back restores it.
    """
    num_layers = st.number_input(
        "Hidden layers",
        min_value=1,
        max_value=MAX_HIDDEN_LAYERS,
        value=len(default_layers),
        key=f"{prefix}.num_layers",
        help="Dense layers between the input and the output layer.",
    )
    layers = []
    for index in range(int(num_layers)):
        default_units, default_activation = default_layers[index] if index < len(default_layers) else default_layers[-1]
        units_column, activation_column = st.columns(2)
        units = units_column.number_input(
            f"Layer {index + 1}: units",
            min_value=1,
            max_value=MAX_UNITS,
            value=default_units,
            step=10,
            key=f"{prefix}.units_{index}",
        )
        activation = activation_column.selectbox(
            f"Layer {index + 1}: activation",
            ACTIVATIONS,
            index=ACTIVATIONS.index(default_activation),
            key=f"{prefix}.activation_{index}",
        )
        layers.append((int(units), activation))
    return tuple(layers)


def summary_table(rows: list[LayerRow]) -> None:
    """The model summary as Keras prints it: layer, output shape, parameters, total."""
    table = pd.DataFrame(
        {
            "Layer (type)": [f"{row.name} ({row.kind})" for row in rows],
            "Output shape": [str(row.output_shape) for row in rows],
            "Activation": [row.activation or "—" for row in rows],
            "Param #": [row.params for row in rows],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"Param #": st.column_config.NumberColumn(format="localized")},
    )
    total = sum(row.params for row in rows)
    st.markdown(f"**Total params: {total:,}** · all trainable")


PRESETS: dict[str, TrainingConfig] = {
    "Recommended: Adam with cosine decay, fast": RECOMMENDED_TRAINING,
    "The course's recipe: SGD 0.01, batch 32": COURSE_TRAINING,
}
REGRESSION_PRESETS: dict[str, TrainingConfig] = {
    "Recommended: Adam 0.001, batch 32": RECOMMENDED_REGRESSION_TRAINING,
    "Fast: Adam with cosine decay, batch 512": RECOMMENDED_TRAINING,
}


def _apply_preset(prefix: str, presets: dict[str, TrainingConfig]) -> None:
    preset = presets[st.session_state[f"{prefix}.preset"]]
    for name in ("optimizer", "learning_rate", "lr_schedule", "momentum", "nesterov", "batch_size", "epochs"):
        st.session_state[f"{prefix}.{name}"] = getattr(preset, name)
    st.session_state[f"{prefix}.early_stopping"] = preset.early_stopping_patience is not None
    st.session_state[f"{prefix}.patience"] = preset.early_stopping_patience or 5


def training_form(prefix: str, *, extra=None, presets: dict[str, TrainingConfig] = PRESETS) -> tuple[dict, bool]:
    """The training options in a form with a Train button.

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
    preset_key = f"{prefix}.preset"
    if preset_key not in st.session_state:
        st.session_state[preset_key] = next(iter(presets))
        _apply_preset(prefix, presets)
    st.radio(
        "Start from", list(presets), key=preset_key, on_change=_apply_preset, args=(prefix, presets), horizontal=True
    )

    with st.form(f"{prefix}.training_form", border=True):
        left, middle, right = st.columns(3)
        optimizer = left.selectbox("Optimizer", OPTIMIZERS, format_func=OPTIMIZER_LABELS.get, key=f"{prefix}.optimizer")
        learning_rate = middle.number_input("Learning rate", format="%.5f", step=0.001, key=f"{prefix}.learning_rate")
        lr_schedule = right.selectbox(
            "Learning-rate schedule",
            LR_SCHEDULES,
            format_func={"constant": "constant", "cosine": "cosine decay to 0"}.get,
            key=f"{prefix}.lr_schedule",
        )
        left, middle, right = st.columns(3)
        batch_size = left.number_input("Batch size", min_value=1, step=16, key=f"{prefix}.batch_size")
        epochs = middle.number_input("Epochs", min_value=1, step=1, key=f"{prefix}.epochs")
        seed = right.number_input("Seed", min_value=0, value=42, step=1, key=f"{prefix}.seed")
        left, middle, right = st.columns(3)
        momentum = left.slider("Momentum (SGD, RMSprop)", 0.0, 0.99, step=0.01, key=f"{prefix}.momentum")
        nesterov = middle.checkbox("Nesterov momentum (SGD)", key=f"{prefix}.nesterov")
        mixed_precision = right.checkbox(
            "Mixed precision (GPU only)",
            key=f"{prefix}.mixed_precision",
            help="float16 hidden layers on a GPU: faster, same accuracy. Ignored on a CPU.",
        )
        left, middle, right = st.columns(3)
        early_stopping = left.checkbox("Early stopping (restores the best weights)", key=f"{prefix}.early_stopping")
        patience = middle.number_input("Patience (epochs)", min_value=1, key=f"{prefix}.patience")
        extra_values = extra() if extra is not None else None
        submitted = st.form_submit_button("Train", type="primary", icon=":material/play_arrow:")
    values = {
        "optimizer": optimizer,
        "learning_rate": float(learning_rate),
        "momentum": float(momentum) if optimizer in MOMENTUM_OPTIMIZERS else 0.0,
        "nesterov": bool(nesterov) and optimizer == "sgd" and momentum > 0,
        "lr_schedule": lr_schedule,
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
    if f"{prefix}.preset" not in st.session_state or f"{prefix}.epochs" not in st.session_state:
        st.session_state.setdefault(f"{prefix}.preset", next(iter(presets)))
        _apply_preset(prefix, presets)
    for name, value in values.items():
        st.session_state[f"{prefix}.{name}"] = value
