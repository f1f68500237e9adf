"""MLP Explorer: the entry point. It only routes; each page lives in `pages/`.

Once the first page a fresh server shows has drawn, it also starts importing TensorFlow
in the background (`ui.warmup`), so the pages that need it find it loaded, and the
thread that gives freed memory back to the system (`core.heap`).
"""

import streamlit as st

from core import heap
from core.access import hosted
from ui import warmup
from ui.nav import HOME, built_pages

if hosted():
    # A shared demo shows visitors no traceback (it names server paths): the log has it.
    st.set_option("client.showErrorDetails", "none")
st.set_page_config(page_title="MLP Explorer", page_icon=":material/hub:", layout="wide")

sections: dict[str, list] = {"": [st.Page(HOME.path, title=HOME.title, icon=HOME.icon, default=True)]}
for entry in built_pages():
    sections.setdefault(entry.section, []).append(st.Page(entry.path, title=entry.title, icon=entry.icon))

try:
    st.navigation(sections).run()
finally:
    # After the page, so the import does not slow the first page down (it holds the GIL).
    warmup.start()
    try:
        heap.start_trimmer()
    except ValueError as error:  # a bad MLP_EXPLORER_TRIM_SECONDS: the operator's to fix
        st.warning(str(error), icon=":material/memory:")
