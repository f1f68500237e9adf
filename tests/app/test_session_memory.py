"""ui.memory: a session that goes away asks for a trim, so its memory goes back to the
system within a second instead of at the trimmer's next tick."""

import gc
import threading

from streamlit.testing.v1 import AppTest

from core import heap
from tests.app.helpers import APP


def watching_script():
    from ui import memory

    memory.watch_session_end()
    memory.watch_session_end()  # every rerun calls it: one marker per session


def test_a_dropped_session_asks_for_a_trim_once(monkeypatch):
    # Only this thread's calls count: other tests' finished jobs ask from their timers.
    here = threading.current_thread()
    calls = []
    monkeypatch.setattr(heap, "trim_soon", lambda: calls.append(threading.current_thread() is here))
    session = AppTest.from_function(watching_script).run()
    marker = session.session_state["_memory.session_end"]
    session.run()
    assert session.session_state["_memory.session_end"] is marker  # kept across reruns
    del marker
    gc.collect()
    assert True not in calls  # the session is alive

    del session
    gc.collect()
    assert calls.count(True) == 1


def test_every_session_of_the_app_is_watched():
    session = AppTest.from_file(APP, default_timeout=60).run()
    assert "_memory.session_end" in session.session_state
