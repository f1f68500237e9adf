"""ui.streamlit_compat: the private Streamlit API it relies on, and what it achieves.

The first tests fail when a Streamlit upgrade renames, removes or retypes
`PagesManager.uses_pages_directory` or stops consulting it; the last ones drive a tiny
app with a `pages/` folder (the project's layout) through AppTest.
"""

import inspect
import textwrap
import warnings

import pytest
from streamlit.testing.v1 import AppTest

from ui import streamlit_compat

APP = """
import streamlit as st

st.session_state["entry_runs"] = st.session_state.get("entry_runs", 0) + 1
st.navigation([st.Page("home.py", default=True), st.Page("pages/deep.py")]).run()
"""
DEEP_PAGE = """
import streamlit as st
{workaround}
st.title("Deep page")
"""
WORKAROUND = "from ui.streamlit_compat import route_deep_links_through_app\nroute_deep_links_through_app()"


@pytest.fixture
def restore_flag():
    from streamlit.runtime.pages_manager import PagesManager

    saved = PagesManager.uses_pages_directory
    yield PagesManager
    PagesManager.uses_pages_directory = saved


def test_pages_manager_still_has_the_class_flag_of_the_pages_folder_mode():
    from streamlit.runtime.pages_manager import PagesManager

    assert inspect.isclass(PagesManager)
    assert streamlit_compat.PagesManager is PagesManager
    assert "uses_pages_directory" in vars(PagesManager), "PagesManager.uses_pages_directory is gone"
    assert isinstance(PagesManager.uses_pages_directory, (bool, type(None)))


def test_a_pages_folder_next_to_the_entry_file_turns_the_flag_on(tmp_path, restore_flag):
    PagesManager = restore_flag
    (tmp_path / "app.py").write_text("")
    PagesManager.uses_pages_directory = None
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is False  # no pages/ yet
    (tmp_path / "pages").mkdir()
    PagesManager.uses_pages_directory = None
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is True


def test_the_script_runner_and_st_navigation_still_use_the_flag():
    from streamlit.commands import navigation
    from streamlit.runtime.scriptrunner import script_runner

    assert "PagesManager.uses_pages_directory" in inspect.getsource(script_runner.ScriptRunner)
    assert callable(getattr(script_runner, "_mpa_v1", None)), "Streamlit's legacy pages/ runner is gone"
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)


def test_the_workaround_warns_and_does_nothing_without_the_flag(monkeypatch):
    monkeypatch.setattr(streamlit_compat, "PagesManager", type("PagesManager", (), {}))
    with pytest.warns(UserWarning, match="no `PagesManager.uses_pages_directory` flag"):
        streamlit_compat.route_deep_links_through_app()


def test_the_workaround_does_nothing_outside_a_server(restore_flag):
    restore_flag.uses_pages_directory = None  # no PagesManager made yet
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        streamlit_compat.route_deep_links_through_app()
    assert restore_flag.uses_pages_directory is None


def deep_link(tmp_path, workaround: str) -> AppTest:
    """A fresh app with a pages/ folder, opened straight on pages/deep.py."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "home.py").write_text('import streamlit as st\nst.title("Home")\n')
    (tmp_path / "pages" / "deep.py").write_text(DEEP_PAGE.format(workaround=textwrap.dedent(workaround)))
    # AppTest sets the flag afresh for each run, as a fresh server would.
    at = AppTest.from_file(str(tmp_path / "app.py"), default_timeout=30)
    return at.switch_page("pages/deep.py").run()


def test_without_the_workaround_streamlit_runs_a_deep_link_without_the_entry_file(tmp_path):
    at = deep_link(tmp_path, "")
    assert not at.exception
    assert [title.value for title in at.title] == ["Deep page"]
    assert "entry_runs" not in at.session_state, (
        "Streamlit now runs app.py for a deep link on a fresh server: ui.streamlit_compat "
        "may no longer be needed (check in a browser, then remove it)."
    )


def test_with_the_workaround_a_deep_link_goes_through_the_entry_file(tmp_path):
    at = deep_link(tmp_path, WORKAROUND)
    assert not at.exception
    assert [title.value for title in at.title] == ["Deep page"]
    assert at.session_state["entry_runs"] == 1  # app.py routed it, once


def test_streamlit_still_has_its_per_run_cleanup_hook():
    from streamlit.runtime.scriptrunner import script_runner

    assert callable(getattr(script_runner, "_clean_problem_modules", None)), (
        "Streamlit no longer has script_runner._clean_problem_modules: check whether it still "
        "clears Keras's session after every run (ui.streamlit_compat.keep_keras_state_between_runs)."
    )


def test_a_script_run_no_longer_clears_keras_state_and_the_workaround_is_still_needed(monkeypatch):
    import keras
    from streamlit.runtime.scriptrunner import script_runner

    from tests.app.helpers import open_page

    cleared = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *args, **kwargs: cleared.append(1))
    at = open_page("pages/home.py")  # importing ui applies the workaround
    at.run()
    assert not at.exception
    assert getattr(script_runner._clean_problem_modules, "keeps_keras", False)
    assert cleared == []  # background trainings keep their Keras state across page runs
    script_runner._clean_problem_modules.original()  # what Streamlit does without it
    assert cleared == [1], "Streamlit stopped clearing Keras's session: the workaround can go"
