"""The Playground's editor: one weight or bias at a time, picked in the menu or by a
click on the paused chart, shown with its live value and set by hand.

The number box shows the picked item's value in the model as it is now, on every run
of the page (after a training step, Play, Pause, Reset), unless the learner has typed
a value and not set it yet. "Set" writes only a typed value, so pressing it without
typing never changes the model, not even by the box's rounding. While playing the
model changes many times a second under a box that cannot follow it, so the box is
empty and the editor waits for Pause; the picture shows every live value on hover
(`ui.playground.hover`).
"""

from __future__ import annotations

import math

import streamlit as st

from core.playground.config import PlaygroundConfig
from core.playground.features import FEATURES

# Session-state keys.
ITEM = "playground.edit_item"  # ("weight", layer, source, target) or ("bias", layer, unit)
VALUE = "playground.edit_value"  # the number box
SHOWN = "playground.edit_shown"  # the value the page last put into the box
ERROR = "playground.edit_error"  # why the last "Set" was refused
SET = "playground.edit_set"

CAPTION = (
    "Click a link or a neuron on the paused chart to edit its weight or bias; a clicked neuron "
    "also stays large (click it again for the output). Hover to read any value, playing too."
)


def items(trainer) -> list[tuple]:
    """Everything the editor can change, layer by layer: the links into a layer, then
    its neurons' biases. A link is `("weight", layer, source, target)`, a bias
    `("bias", layer, unit)`, with `layer` the Dense layer (0 takes the inputs)."""
    found = []
    for layer, (kernel, bias) in enumerate(trainer.weights()):
        found += [("weight", layer, i, j) for i in range(kernel.shape[0]) for j in range(kernel.shape[1])]
        found += [("bias", layer, unit) for unit in range(bias.shape[0])]
    return found


def _neuron(trainer, layer: int, unit: int) -> str:
    """Neuron `unit` of Dense layer `layer`, as the picture names it."""
    if layer < len(trainer.dense) - 1:
        return f"layer {layer + 1}, neuron {unit + 1}"
    return "output" if trainer.dense[-1].units == 1 else f"output, class {unit}"


def item_title(config: PlaygroundConfig, trainer, item: tuple) -> str:
    """An item's name in the menu: "x₁ → layer 1, neuron 2" for a link, "Bias of
    neuron 2 in layer 1" (or "Bias of the output") for a bias."""
    if item[0] == "bias":
        _, layer, unit = item
        if layer < len(trainer.dense) - 1:
            return f"Bias of neuron {unit + 1} in layer {layer + 1}"
        return "Bias of the output" if trainer.dense[-1].units == 1 else f"Bias of the output, class {unit}"
    _, layer, source, target = item
    start = FEATURES[config.features[source]][0] if layer == 0 else _neuron(trainer, layer - 1, source)
    return f"{start} → {_neuron(trainer, layer, target)}"


def live_value(trainer, item: tuple) -> float | None:
    """The item's value in the model now; `None` once training has diverged."""
    kernel, bias = trainer.weights()[item[1]]
    value = float(bias[item[2]] if item[0] == "bias" else kernel[item[2], item[3]])
    return value if math.isfinite(value) else None


def item_of_click(kind: str, where: tuple[int, ...]) -> tuple | None:
    """The item a click on the chart picks: a link's weight, a neuron's bias (an input
    has none: `None`). `kind` and `where` are a target's key in
    `ui.playground.figures.Target`: ("link", layer, source, target), ("node", column, row)."""
    if kind == "link":
        return ("weight", *where)
    column, row = where
    return ("bias", column - 1, row) if column > 0 else None


def pick(item: tuple) -> None:
    """Opens `item` in the editor (a click on the chart), with its live value."""
    st.session_state[ITEM] = item
    forget_typed()


def forget_typed() -> None:
    """Drops a typed value that was not set: the box shows the live value again. For a
    step, Play, Pause, Reset and a new run, after which a typed value is stale."""
    st.session_state.pop(SHOWN, None)
    st.session_state[ERROR] = None


def _typed() -> bool:
    """Whether the box holds a value the learner typed and has not set. (Streamlit
    drops the box's value while another page shows: nothing typed then.)"""
    state = st.session_state
    return SHOWN in state and VALUE in state and state[VALUE] != state[SHOWN]


def _set(trainer) -> None:
    """The Set button: writes the typed value into the picked item, if one was typed."""
    state = st.session_state
    if not _typed() or state.get(ITEM) not in items(trainer):
        return
    item, value = state[ITEM], state[VALUE]
    try:
        if item[0] == "bias":
            trainer.set_bias(item[1], item[2], float(value))
        else:
            trainer.set_weight(*item[1:], float(value))
    except ValueError as error:
        state[ERROR] = str(error)
        return
    forget_typed()  # the box now shows the value as the model holds it


def show(config: PlaygroundConfig, trainer, *, playing: bool, caption: bool = True) -> None:
    """The editor's row: the menu of items, the value box, "Set" and what a click does.

    Args:
        config: the experiment (the inputs' names).
        trainer: the running `core.playground.model.Trainer`.
        playing: whether the model is training; the box is empty and disabled then.
        caption: whether to say what a click does (a lesson link hides such text).
            Defaults to `True`.
    """
    state = st.session_state
    options = items(trainer)
    if state.get(ITEM) not in options:
        state[ITEM] = options[0]
        forget_typed()
    if playing:
        state[VALUE] = state[SHOWN] = None
    elif not _typed():
        state[VALUE] = state[SHOWN] = live_value(trainer, state[ITEM])
    noun = "Bias" if state[ITEM][0] == "bias" else "Weight"
    row = st.columns([3, 1.7, 1.1, 2.7], vertical_alignment="bottom")
    row[0].selectbox(
        "Weight or bias (or click one on the chart)",
        options,
        key=ITEM,
        format_func=lambda item: item_title(config, trainer, item),
        on_change=forget_typed,
    )
    row[1].number_input(
        noun, step=0.1, format="%.3f", key=VALUE, disabled=playing, placeholder="Pause to edit" if playing else None
    )
    row[2].button(f"Set {noun.lower()}", key=SET, on_click=_set, args=(trainer,), disabled=playing, width="stretch")
    if caption:
        st.caption(CAPTION)
    if state.get(ERROR):
        st.error(state[ERROR])
