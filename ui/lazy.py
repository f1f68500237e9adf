"""Tabs and expanders whose content runs only while open.

By default Streamlit runs every tab's code and sends all of it to the browser, which
draws every chart of every tab, shown or not: on a page with a dozen Plotly charts
behind tabs that is most of a page switch. `lazy_tabs` makes the tabs stateful
(`on_change="rerun"`), so a page draws only the open tab (`tab.open`) and a click on
another tab reruns the page to draw that one.

Streamlit forgets a widget's value at the end of a run that did not draw it, so the
settings in a closed tab would be lost on the way to another tab and back. The keys
named in `keep` for a tab that is closed are written back into the session state
(Streamlit's documented way to keep a widget's value), which makes them survive until
the tab opens again. Only a closed tab's keys are written back: a widget drawn in the
same run with a value set through the Session State API would warn about it.

`lazy_expander` does the same for an expander: its content runs only once it is
expanded (`expander.open`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st


def lazy_tabs(labels: Sequence[str], *, key: str, keep: Mapping[str, Sequence[str]] | None = None):
    """`st.tabs(labels)` whose tabs say whether they are open (`tab.open`); draw a tab's
    content only `if tab.open`. `keep` maps a tab's label to the widget keys drawn in
    it, whose values must outlive the tab being closed; a name ending in `*` stands
    for every key that starts with what comes before it."""
    unknown = set(keep or {}) - set(labels)
    if unknown:
        raise ValueError(f"`keep` names tabs {sorted(unknown)} that are not among the labels {list(labels)}.")
    tabs = st.tabs(list(labels), key=key, on_change="rerun")
    state = st.session_state
    closed = [name for label, tab in zip(labels, tabs) if not tab.open for name in (keep or {}).get(label, ())]
    if closed:
        for name in [name for name in state if _kept(name, closed)]:
            state[name] = state[name]
    return tabs


def _kept(key, names: Sequence[str]) -> bool:
    return isinstance(key, str) and any(
        key.startswith(name[:-1]) if name.endswith("*") else key == name for name in names
    )


def lazy_expander(label: str, *, key: str, expanded: bool = False, **kwargs):
    """`st.expander(label)` that says whether it is expanded (`expander.open`); draw its
    content only `if expander.open`, and a click on it reruns the page to draw it."""
    return st.expander(label, expanded=expanded, key=key, on_change="rerun", **kwargs)
