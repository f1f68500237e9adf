"""Workarounds for Streamlit behaviour that no public API controls, kept in one place.

`route_deep_links_through_app`: this project keeps its pages in a top-level `pages/`
folder next to `app.py`, and `app.py` routes them with `st.navigation`. Streamlit
still treats a `pages/` folder next to the entry file as the legacy (v1) multipage
layout until some session has called `st.navigation`: the first `PagesManager` of a
server sets the process-wide flag `PagesManager.uses_pages_directory` to True, and
while it is True the script runner never executes `app.py` for a deep link. It runs
`_mpa_v1`, which builds its own navigation from the folder, so a fresh server sends
/classification straight to pages/classification.py, without `app.py`'s page config,
sections, titles and icons. `st.navigation` sets the flag to False ("your app will
ignore the pages/ directory (across all sessions)", as its documentation says), but
only once it has run, which for such a link it never does.

No public mechanism avoids this (checked against Streamlit 1.67.0, the version
installed, by reading its source: `runtime/pages_manager.py`,
`runtime/scriptrunner/script_runner.py` (`_mpa_v1`), `commands/navigation.py`;
and its documentation and issues, e.g. streamlit/streamlit#10276):
`client.showSidebarNavigation = false` only hides the legacy sidebar, the page
still runs without `app.py`; and there is no option to turn off the folder's
discovery. Renaming `pages/` would avoid it, but the product layout keeps it.

So the first page script that runs in legacy mode turns the flag off, as
`st.navigation` would have, and reruns: the rerun executes `app.py`, which routes
the link like any other. tests/app/test_streamlit_compat.py fails when a Streamlit
upgrade changes the private API this relies on, and when Streamlit stops needing it.

`keep_keras_state_between_runs`: after *every* script run, Streamlit's script runner
calls `keras.backend.clear_session()` (`script_runner._clean_problem_modules`), which
replaces Keras's per-thread state for every thread, resets TensorFlow's default graph,
empties its kernel cache and runs a full garbage collection. Trainings here run in
background jobs while pages poll them every second, so that call landed in the middle
of other threads' tracing and training: four sessions following four jobs slowed a
4-epoch digits run from seconds to minutes. No option turns it off (checked in 1.67.0),
so the cleanup keeps everything but the Keras part. Models here are built in the job
threads, whose Keras state goes with them.
"""

from __future__ import annotations

import sys
import warnings

import streamlit as st

try:
    from streamlit.runtime.pages_manager import PagesManager
except ImportError:  # a Streamlit without the module: nothing left to work around
    PagesManager = None

CHECKED_STREAMLIT_VERSIONS = ("1.67.0",)


def keep_keras_state_between_runs() -> None:
    """Stops Streamlit from clearing Keras's session after every script run, keeping
    its other cleanups (matplotlib). Idempotent; warns if the private hook is gone."""
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:
        script_runner = None
    original = getattr(script_runner, "_clean_problem_modules", None)
    if original is None:
        warnings.warn(
            f"Streamlit {st.__version__} has no `script_runner._clean_problem_modules` (checked: "
            f"{', '.join(CHECKED_STREAMLIT_VERSIONS)}); check whether it still clears Keras's "
            "session after every run, and update or remove ui.streamlit_compat.keep_keras_state_between_runs.",
            stacklevel=2,
        )
        return
    if getattr(original, "keeps_keras", False):
        return

    def clean_problem_modules_but_keras() -> None:
        # What the original does for its other stateful module; the app draws with
        # plotly, so this is only for code a user may add.
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close("all")

    clean_problem_modules_but_keras.keeps_keras = True
    clean_problem_modules_but_keras.original = original  # for the test that it is still needed
    script_runner._clean_problem_modules = clean_problem_modules_but_keras


def route_deep_links_through_app() -> None:
    """Turns Streamlit's legacy `pages/` mode off and reruns, so `app.py` routes every link.

    A no-op once any session has run `st.navigation`, and outside a Streamlit server.
    Warns and does nothing if Streamlit no longer has the private flag it changes.
    """
    if PagesManager is None or not isinstance(
        PagesManager.__dict__.get("uses_pages_directory", "missing"), (bool, type(None))
    ):
        warnings.warn(
            "Streamlit "
            f"{st.__version__} has no `PagesManager.uses_pages_directory` flag (checked: "
            f"{', '.join(CHECKED_STREAMLIT_VERSIONS)}), so ui.streamlit_compat cannot make a deep "
            "link such as /classification go through app.py. Check whether this Streamlit still "
            "runs pages/ scripts directly on a fresh server, and update or remove the workaround.",
            stacklevel=2,
        )
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
