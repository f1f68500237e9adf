"""A fresh server opens fast: the pages send their text before their heavy imports, and
the app imports TensorFlow in the background from its first run (`ui.warmup`).

Each test runs in a fresh interpreter, since what it checks is what a new server
process imports, and when.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.app.helpers import APP
from tests.conftest import ROOT

# Imports that take a second or more on a small box and that streamlit itself does not load
HEAVY = ("pandas", "sklearn", "keras", "tensorflow")


def run_python(code: str, timeout: float = 240, **env: str) -> dict:
    """Runs `code` in a fresh interpreter at the project root; returns the JSON it prints last."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "title"),
    [("pages/neuron.py", "Neuron & logic gates"), ("pages/activations.py", "Activations & gradient descent")],
)
def test_page_shows_its_title_and_text_before_its_heavy_imports(path, title):
    # Without the warm-up, so the page's script alone decides what is imported when.
    code = f"""
        import json, sys, time
        import streamlit as st
        from streamlit.testing.v1 import AppTest

        HEAVY = {HEAVY!r}
        first_import, first_call = {{}}, {{}}

        class Recorder:  # notes when each heavy module starts to load
            def find_spec(self, name, path=None, target=None):
                if name in HEAVY and name not in sys.modules:
                    first_import.setdefault(name, time.perf_counter())
                return None

        def recording(name):
            original = getattr(st, name)
            def call(*args, **kwargs):
                first_call.setdefault(name, time.perf_counter())
                return original(*args, **kwargs)
            return call

        already = [name for name in HEAVY if name in sys.modules]
        sys.meta_path.insert(0, Recorder())
        st.title, st.caption = recording("title"), recording("caption")
        # Straight to the page, as a visitor's link to it does: the home page would load
        # what the page needs first.
        at = AppTest.from_file({APP!r}, default_timeout=180)
        at.switch_page({path!r}).run()
        print(json.dumps({{
            "already": already,
            "imports": first_import,
            "calls": first_call,
            "title": at.title[0].value if at.title else None,
            "exceptions": [e.value for e in at.exception],
        }}))
    """
    seen = run_python(code, MLP_EXPLORER_WARMUP="0")
    assert seen["already"] == [], f"streamlit already imported {seen['already']}; pick other markers"
    assert seen["exceptions"] == []
    assert seen["title"] == title
    assert seen["imports"], "the page imported none of the heavy modules; the test would prove nothing"
    heavy_first = min(seen["imports"], key=seen["imports"].get)
    for call in ("title", "caption"):
        assert seen["calls"][call] < seen["imports"][heavy_first], (
            f"st.{call} came after the import of {heavy_first}: a fresh server shows a blank page meanwhile"
        )


@pytest.mark.slow
def test_first_run_imports_tensorflow_in_the_background_once():
    code = f"""
        import builtins, json, sys, time
        from streamlit.testing.v1 import AppTest
        original_import = builtins.__import__

        at = AppTest.from_file({APP!r}, default_timeout=180).run()
        from ui import warmup
        began = time.perf_counter()
        home_done = {{"started": warmup.started(), "done": warmup.done(), "title": at.title[0].value}}
        at.run()  # a second run starts nothing more
        second_start = warmup.start()
        finished = warmup.wait(180)
        print(json.dumps({{
            **home_done,
            "second_start": second_start,
            "finished": finished,
            "errors": warmup.errors,
            "loaded": [name for name in ("keras", "tensorflow", "sklearn") if name in sys.modules],
            "import_restored": builtins.__import__ is original_import,
            "exceptions": [e.value for e in at.exception],
        }}))
    """
    seen = run_python(code)
    assert seen["title"] == "MLP Explorer" and seen["exceptions"] == []
    assert seen["started"] and not seen["done"], "the home page waited for TensorFlow"
    assert seen["second_start"] is False
    assert seen["finished"] and seen["errors"] == {}
    assert seen["loaded"] == ["keras", "tensorflow", "sklearn"]
    assert seen["import_restored"]


def test_other_threads_wait_for_the_warm_up_before_importing_a_guarded_module(tmp_path):
    # A stand-in for TensorFlow: a module whose import takes a second.
    (tmp_path / "slow_module.py").write_text("import time\ntime.sleep(1.0)\nVALUE = 42\n")
    code = f"""
        import json, sys, threading, time
        sys.path.insert(0, {str(tmp_path)!r})
        from ui import warmup

        warmup.GUARDED = frozenset({{"slow_module"}})
        assert warmup.start(("slow_module",))
        time.sleep(0.2)  # the warm-up thread is inside the import now
        began = time.perf_counter()
        import slow_module
        print(json.dumps({{
            "value": slow_module.VALUE,
            "done_when_imported": warmup.done(),
            "waited": time.perf_counter() - began,
            "timings": warmup.timings,
        }}))
    """
    seen = run_python(code, timeout=60)
    assert seen["value"] == 42
    assert seen["done_when_imported"], "the import went ahead while the warm-up was still running"
    assert seen["waited"] > 0.3
    assert seen["timings"]["slow_module"] >= 1.0


def test_warm_up_can_be_turned_off():
    code = """
        import json
        from ui import warmup
        print(json.dumps({"started": warmup.start(), "wait": warmup.wait(0), "enabled": warmup.enabled()}))
    """
    assert run_python(code, timeout=60, MLP_EXPLORER_WARMUP="0") == {"started": False, "wait": True, "enabled": False}


def test_a_stuck_warm_up_holds_an_import_only_until_its_timeout_then_never_again(tmp_path):
    (tmp_path / "stuck_module.py").write_text("import time\ntime.sleep(30)\n")
    (tmp_path / "other_module.py").write_text("VALUE = 7\n")
    code = f"""
        import builtins, json, sys, time
        sys.path.insert(0, {str(tmp_path)!r})
        from ui import warmup

        warmup.GUARDED = frozenset({{"stuck_module", "other_module"}})
        warmup.WAIT_TIMEOUT = 0.5
        assert warmup.start(("stuck_module",))
        began = time.perf_counter()
        import other_module
        first = time.perf_counter() - began
        print(json.dumps({{
            "value": other_module.VALUE,
            "first_wait": first,
            "guard_removed": builtins.__import__ is warmup._original_import,
            "warm_up_done": warmup.done(),
        }}))
    """
    seen = run_python(code, timeout=60)
    assert seen["value"] == 7 and not seen["warm_up_done"]
    assert 0.4 < seen["first_wait"] < 10
    assert seen["guard_removed"]
