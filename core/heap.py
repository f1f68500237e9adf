"""Giving the memory that finished trainings and closed sessions freed back to the system.

When a visitor's training or Playground ends, Python and TensorFlow free their memory,
but the C allocator (glibc's malloc) keeps the freed pages in its heaps for reuse and
does not return them to the system. A server that served eight visitors at once then
stays at that peak for good, although nothing uses the memory any more: measured with
eight Playground trainers in eight threads, freeing them left the process at 774 MB
against 704 MB before; `malloc_trim(0)` brought it back to 714 MB.

`start_trimmer()` starts one daemon thread per process that, every `INTERVAL_SECONDS`,
collects Python's cyclic garbage and calls `malloc_trim(0)`, which releases the free
pages of every heap. Both are cheap next to a training (a few milliseconds), and
glibc's trim is safe while other threads allocate. Where the C library has no
`malloc_trim` (musl, macOS) the thread is not started.

Code that has just let much memory go (a job's model, a closed session) calls
`trim_soon()`: the thread then trims within `SOON_SECONDS` instead of at its next tick,
so the memory is back with the system while the server is still quiet. Measured after
eight visitors left: 20 to 30 MB of their memory was still waiting for the next tick
three seconds after Streamlit dropped their sessions.

Set `MLP_EXPLORER_TRIM_SECONDS=0` to turn it off.

A trim gives back only whole free pages, and glibc gives each thread that allocates its
own heap (an "arena"), up to 8 per CPU, each left with holes at its busiest size. Fewer
arenas leave fewer holes: `cap_arenas()` caps them at `ARENAS` (two) for the process.
Measured with eight visitors at once (`benchmarks/memory.py`): the server settled 7 to
9% above its one-visitor memory with the cap, 13% without, and trained no slower.
glibc fixes its cap for good once a ninth arena exists, so the cap must come before the
server's threads: `app.py` sets it when the server imports it, before the first request
(by the time a visitor's first page runs, the requests have made eleven arenas).
`MALLOC_ARENA_MAX` in the environment (glibc's own setting) wins over it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import threading

INTERVAL_SECONDS = 30.0
SOON_SECONDS = 1.0
ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h

_lock = threading.Lock()
_thread: threading.Thread | None = None
# Set by `trim_soon()`, read by the thread. A plain flag, not an Event: a finalizer may
# call `trim_soon()` from a garbage collection inside any code, even code that holds the
# Event's own lock, and a flag takes no lock.
_asked = False


def _c_library():
    """The process's C library, or `None` where it cannot be loaded."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_libc = _c_library()


def _libc_trim():
    """glibc's `malloc_trim`, or `None` where the C library has none."""
    function = getattr(_libc, "malloc_trim", None)
    if function is None:
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function


_malloc_trim = _libc_trim()


def _glibc_mallopt():
    """glibc's `mallopt`, or `None` where the C library is not glibc (musl's takes no
    arena cap, macOS has none)."""
    if not hasattr(_libc, "gnu_get_libc_version"):  # only glibc has it
        return None
    function = _libc.mallopt
    function.argtypes = [ctypes.c_int, ctypes.c_int]
    function.restype = ctypes.c_int
    return function


_mallopt = _glibc_mallopt()


def cap_arenas(count: int = ARENAS) -> bool:
    """Caps glibc's allocator at `count` heaps (arenas) for this process, unless the
    environment sets `MALLOC_ARENA_MAX`, which glibc reads itself at start and which then
    wins. Call it before the process starts its threads: glibc fixes its cap for good
    once a ninth arena exists. Returns whether this call set the cap (False with
    `MALLOC_ARENA_MAX` set or where the C library is not glibc). Raises `ValueError`
    for a count under 1.

    Example:

    >>> cap_arenas(0)
    Traceback (most recent call last):
    ...
    ValueError: cap_arenas takes a count of 1 or more arenas. Received: 0.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"cap_arenas takes a count of 1 or more arenas. Received: {count!r}.")
    if os.environ.get("MALLOC_ARENA_MAX", "").strip() or _mallopt is None:
        return False
    return _mallopt(_M_ARENA_MAX, count) == 1


def trim() -> bool:
    """Collects Python's cyclic garbage, then gives the allocator's free pages back to
    the system. Returns whether the C library could (False without `malloc_trim`).

    Example:

    >>> trim() in (True, False)
    True
    """
    gc.collect()
    if _malloc_trim is None:
        return False
    _malloc_trim(0)
    return True


def interval() -> float:
    """Seconds between two trims (`MLP_EXPLORER_TRIM_SECONDS`, default
    `INTERVAL_SECONDS`); 0 turns the trimmer off. Raises `ValueError` for a value
    that is not a number of seconds.

    Example:

    >>> os.environ["MLP_EXPLORER_TRIM_SECONDS"] = "10"
    >>> interval()
    10.0
    >>> del os.environ["MLP_EXPLORER_TRIM_SECONDS"]
    """
    text = os.environ.get("MLP_EXPLORER_TRIM_SECONDS", "").strip()
    if not text:
        return INTERVAL_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(
            f"MLP_EXPLORER_TRIM_SECONDS must be a number of seconds, 0 to turn the trimmer off. Received: {text!r}."
        )
    return seconds


def start_trimmer() -> bool:
    """Starts the trimming thread, unless it runs already in this process, is turned
    off, or the C library cannot trim. Returns True when this call started it."""
    global _thread
    seconds = interval()
    with _lock:
        if _thread is not None or seconds == 0 or _malloc_trim is None:
            return False
        _thread = threading.Thread(target=_loop, args=(seconds,), name="mlp-explorer-heap-trim", daemon=True)
        _thread.start()
        return True


def trim_soon() -> None:
    """Asks the trimming thread to trim within about `SOON_SECONDS`, instead of at its
    next tick. Cheap and lock-free, so a finalizer may call it; does nothing where the
    thread does not run."""
    global _asked
    _asked = True


def running() -> bool:
    """Whether the trimming thread runs in this process."""
    return _thread is not None and _thread.is_alive()


def _loop(seconds: float, stop: threading.Event | None = None) -> None:
    """Trims every `seconds`, or within `SOON_SECONDS` of a `trim_soon()`, until `stop`."""
    global _asked
    stop = stop or threading.Event()
    step = min(SOON_SECONDS, seconds)
    waited = 0.0
    while not stop.wait(step):
        waited += step
        if _asked or waited >= seconds:
            _asked, waited = False, 0.0
            trim()
