"""The Playground's hover preview: a hovered neuron's heatmap drawn large over the
output surface, in the browser.

Plotly's hover events never reach Python in Streamlit, and a rerun per hover would be
far too slow anyway, so a small script (`hover.js`, a Streamlit custom component that
draws nothing of its own) watches the pointer over the view and paints a canvas over
the surface: the hovered tile's pixels of the picture already shown, scaled up, paled
like the surface and with the points on top. It works the same on the paused chart
and on the playing picture, and a click still goes to the chart.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

KEY = "playground.hover"
# The view's container: the script looks for the picture inside it.
VIEW_KEY = "playground.view"
_JS = (Path(__file__).with_name("hover.js")).read_text(encoding="utf-8")
# The component shows nothing itself; hidden, it takes no room (no gap) in the page.
_CSS = ".st-key-playground-hover { display: none; }"
_COMPONENT = st.components.v2.component("mlp_explorer.playground_hover", js=_JS, css=_CSS, isolate_styles=False)


def hover_preview(layout: dict) -> None:
    """Mounts the hover preview for the view `layout` describes
    (`ui.playground.figures.hover_layout`)."""
    _COMPONENT(key=KEY, data=layout)
