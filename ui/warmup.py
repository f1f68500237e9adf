"""Imports TensorFlow, Keras and scikit-learn in a background thread, once per process.

Importing Keras starts TensorFlow: 5 to 15 s of one core on a small box. Done by the first
page that needs it, the visitor looks at a blank page all that time. `app.py` calls
`start()` once its first page has drawn (an import holds the GIL, so it would slow that
page down), so the import happens while the visitor reads, and the pages that need
TensorFlow find it loaded.

Two threads importing TensorFlow and Keras at once can deadlock: `tensorflow` imports
`keras` and `keras` imports `tensorflow`, and each thread would hold one of the two
module locks while it waits for the other. So while the warm-up runs, an import of
either from another thread (a page's script, a training job) first waits for the
warm-up to finish; the guard is removed as soon as it has.

Once the libraries are in, their objects (some 400,000 with TensorFlow) live as long as
the process, and Streamlit runs a full garbage collection after every script run
(`runner.postScriptGC`): walking them all took 0.15 to 0.4 s with the GIL held, after
every page run and every fragment rerun, so no message went out to any browser
meanwhile. The warm-up ends with `gc.freeze()`, which moves the objects that exist by
then out of the collector's view: the collection after each run only walks what the
runs themselves made.

Set `MLP_EXPLORER_WARMUP=0` to turn it off (the pages then import what they need
themselves, as before).
"""

from __future__ import annotations

import builtins
import gc
import importlib
import os
import threading
import time

# In this order: pandas, plotly and scikit-learn are quick and the foundations pages
# need them first; `keras` before `tensorflow`, since importing Keras is what the pages do.
MODULES = ("pandas", "plotly.graph_objects", "sklearn.datasets", "sklearn.linear_model", "keras", "tensorflow")
# Imports that wait for the warm-up (top-level package names).
GUARDED = frozenset({"keras", "tensorflow"})
# A page never waits longer than this for the warm-up; past it, it imports on its own.
WAIT_TIMEOUT = 300.0

_lock = threading.Lock()
_done = threading.Event()
_thread: threading.Thread | None = None
_original_import = builtins.__import__
timings: dict[str, float] = {}  # seconds each module took, once imported
errors: dict[str, str] = {}  # modules that failed to import, with the error


def enabled() -> bool:
    """Whether the warm-up is on (`MLP_EXPLORER_WARMUP`, default on)."""
    return os.environ.get("MLP_EXPLORER_WARMUP", "1").strip().lower() not in ("0", "false", "no", "off")


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if (
        level == 0
        and not _done.is_set()
        and name.partition(".")[0] in GUARDED
        and threading.current_thread() is not _thread
        and not _done.wait(WAIT_TIMEOUT)
    ):
        _remove_guard()  # a stuck warm-up must not make every later import wait too
    return _original_import(name, globals, locals, fromlist, level)


def _remove_guard() -> None:
    if builtins.__import__ is _guarded_import:
        builtins.__import__ = _original_import


def _run(modules: tuple[str, ...]) -> None:
    try:
        for name in modules:
            began = time.perf_counter()
            try:
                importlib.import_module(name)
            except Exception as error:  # a missing optional library must not stop the app
                errors[name] = f"{type(error).__name__}: {error}"
            timings[name] = time.perf_counter() - began
        gc.collect()  # what the imports left as garbage is not kept forever
        gc.freeze()
    finally:
        _remove_guard()
        _done.set()


def start(modules: tuple[str, ...] = MODULES) -> bool:
    """Starts the background import, unless it has started before in this process or
    is turned off.

    Args:
        modules: what to import, in order. Defaults to `MODULES`.

    Returns:
        True when this call started it.
    """
    global _thread
    with _lock:
        if _thread is not None or not enabled():
            return False
        _thread = threading.Thread(target=_run, args=(modules,), name="mlp-explorer-warmup", daemon=True)
        builtins.__import__ = _guarded_import
        _thread.start()
        return True


def started() -> bool:
    """Whether the warm-up has started in this process."""
    return _thread is not None


def done() -> bool:
    """Whether the warm-up has finished (False when it never started)."""
    return _done.is_set()


def wait(timeout: float | None = WAIT_TIMEOUT) -> bool:
    """Waits for the warm-up to finish; returns at once when it never started.

    Returns:
        True when it has finished (or never started), False on timeout.
    """
    if _thread is None:
        return True
    return _done.wait(timeout)
