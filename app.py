"""MLP Explorer: the entry point. It only routes; each page lives in `pages/`."""

import streamlit as st

from core.access import hosted
from ui.nav import HOME, built_pages

if hosted():
    # A shared demo shows visitors no traceback (it names server paths): the log has it.
    st.set_option("client.showErrorDetails", "none")
st.set_page_config(page_title="MLP Explorer", page_icon=":material/hub:", layout="wide")

sections: dict[str, list] = {"": [st.Page(HOME.path, title=HOME.title, icon=HOME.icon, default=True)]}
for entry in built_pages():
    sections.setdefault(entry.section, []).append(st.Page(entry.path, title=entry.title, icon=entry.icon))

st.navigation(sections).run()
