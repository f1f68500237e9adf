"""MLP Explorer: the entry point. It only routes; each page lives in `pages/`.

`streamlit run app.py` uses this file in two ways:

- The server imports it once, when it starts, and serves the `app` it defines
  (Streamlit's ASGI mode finds `app = st.App(...)`). That import runs before the first
  request, so it is where the C allocator's heaps are capped (`core.heap.cap_arenas`):
  glibc fixes its cap once the server's threads have made more than eight.
- Streamlit runs it as `__main__` for every page a visitor opens, where it routes.

Once the first page a fresh server shows has drawn, it also starts importing TensorFlow
in the background (`ui.warmup`), so the pages that need it find it loaded, and the
thread that gives freed memory back to the system (`core.heap`).
"""

import streamlit as st

from core import heap


def main() -> None:
    """Draws the page a visitor asked for, with the navigation."""
    # Imported here, not when the server imports this file: the first import of `ui`
    # must come from a visitor's first page (`ui.streamlit_compat`, deep links).
    from core.access import hosted
    from ui import memory, warmup
    from ui.nav import HOME, built_pages

    if hosted():
        # A shared demo shows visitors no traceback (it names server paths): the log has it.
        st.set_option("client.showErrorDetails", "none")
    st.set_page_config(page_title="MLP Explorer", page_icon=":material/hub:", layout="wide")
    memory.watch_session_end()

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


if __name__ == "__main__":
    main()
else:
    # The server's import, before it starts its threads and takes its first request.
    heap.cap_arenas()
    app = st.App(__file__)
