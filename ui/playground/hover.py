"""The Playground's hover preview: a hovered neuron's heatmap drawn large over the
output surface, in the browser; and, while playing, a label with a hovered link's
weight or neuron's bias.

Plotly's hover events never reach Python in Streamlit, and a rerun per hover would be
far too slow anyway, so a small script (`hover.js`, a Streamlit custom component that
draws nothing of its own) watches the pointer over the view and paints a canvas over
the surface: the hovered tile's pixels of the picture already shown, scaled up, paled
like the surface and with the points on top. It works the same on the paused chart
and on the playing picture, and a click still goes to the chart.

Paused, the chart's own hover labels show every weight and bias. The playing picture
has none, so each frame also writes its weights and biases into a hidden element of
the view (`show_values`), and the script shows them in a label like the chart's:
the values of the frame on screen, whatever the pointer rests on.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import streamlit as st

KEY = "playground.hover"
# The view's container: the script looks for the picture inside it.
VIEW_KEY = "playground.view"
# The hidden container, inside the view, of the frame's weights and biases.
VALUES_KEY = "playground.values"
VALUES_CLASS = "playground-values"
_JS = (Path(__file__).with_name("hover.js")).read_text(encoding="utf-8")
# The component and the values show nothing; hidden, they take no room (no gap) in the page.
_CSS = ".st-key-playground-hover, .st-key-playground-values { display: none; }"
_COMPONENT = st.components.v2.component("mlp_explorer.playground_hover", js=_JS, css=_CSS, isolate_styles=False)


def hover_preview(layout: dict) -> None:
    """Mounts the hover preview for the view `layout` describes
    (`ui.playground.figures.hover_layout`)."""
    _COMPONENT(key=KEY, data=layout)


def values_slot(parent):
    """A hidden place in `parent` (the view) for each frame's values (`show_values`)."""
    return parent.container(key=VALUES_KEY).empty()


def show_values(slot, values: dict) -> None:
    """Writes a frame's weights and biases (`ui.playground.figures.hover_values`) into
    `slot`, as JSON text for the script."""
    slot.html(f'<div class="{VALUES_CLASS}">{html.escape(json.dumps(values))}</div>')
