"""Streamlit glue shared by the pages: navigation, caching, session state, widgets.

This is the only code besides `pages/` that touches `st.cache_*` or `st.session_state`.
"""
