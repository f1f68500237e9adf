"""Streamlit glue shared by the pages: navigation, caching, session state, widgets.

This is the only code besides `pages/` that touches `st.cache_*` or `st.session_state`.
The figure builders (`ui/charts.py`, `ui/<page>/figures.py`) never import Streamlit.
"""

import sys

# Every page imports this package, so the first page script a fresh server runs goes
# through app.py's navigation (see ui.streamlit_compat). Only inside Streamlit:
# importing a figures module from a notebook or a benchmark loads no Streamlit.
if "streamlit" in sys.modules:
    from ui.streamlit_compat import keep_keras_state_between_runs, route_deep_links_through_app

    keep_keras_state_between_runs()
    route_deep_links_through_app()
