"""Streamlit glue shared by the pages: navigation, caching, session state, widgets.

This is the only code besides `pages/` that touches `st.cache_*` or `st.session_state`.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def _route_through_app() -> None:
    # A fresh server sees the `pages/` folder and, until some session has run app.py's
    # `st.navigation`, sends a deep link such as /classification straight to
    # pages/classification.py with Streamlit's old folder-based sidebar. Every page
    # imports this package, so the first such run turns that mode off and reruns,
    # and app.py routes the link as it routes every other.
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_route_through_app()
