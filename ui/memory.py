"""Giving a closed session's memory back to the system soon after Streamlit drops it.

A visitor's session holds their charts, data frames, Playground and predictions. When
the visitor leaves, Streamlit keeps the session for `server.disconnectedSessionTTL`,
then drops it, and the memory goes back to the allocator, which keeps it until
`core.heap`'s next trim (up to 30 s). `watch_session_end()` gives each session a small
marker whose finalizer calls `core.heap.trim_soon()`, so the trim comes within a second
of the session going away.
"""

from __future__ import annotations

import weakref

import streamlit as st

from core import heap

_KEY = "_memory.session_end"


class _SessionEnd:
    """Lives as long as its session's state; its finalizer asks for a trim."""


def watch_session_end() -> None:
    """Puts the marker in this session's state, once per session."""
    if _KEY not in st.session_state:
        marker = _SessionEnd()
        weakref.finalize(marker, heap.trim_soon)
        st.session_state[_KEY] = marker
