"""MLP Explorer: the entry point. It only routes; each page lives in `pages/`.

The first run of a fresh server also starts importing TensorFlow in the background
(`ui.warmup`), so the pages that need it find it loaded.
"""

import streamlit as st

from ui import warmup
from ui.nav import HOME, built_pages

warmup.start()

st.set_page_config(page_title="MLP Explorer", page_icon=":material/hub:", layout="wide")

sections: dict[str, list] = {"": [st.Page(HOME.path, title=HOME.title, icon=HOME.icon, default=True)]}
for entry in built_pages():
    sections.setdefault(entry.section, []).append(st.Page(entry.path, title=entry.title, icon=entry.icon))

st.navigation(sections).run()
