"""The heap trimmer gives memory that threads freed back to the system."""

import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from core import heap

ROOT = Path(__file__).resolve().parents[2]

# Four threads fill 360 MB with small objects (from their own malloc arenas), then drop
# them, all but one small object each at the top of its heap: the allocator keeps the
# heaps, the trim gives their free pages back.
FILL_AND_FREE = textwrap.dedent(
    """
    import gc, sys, threading
    sys.path.insert(0, sys.argv[1])
    from core import heap

    def rss():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024

    held, pins = [], []

    def fill():
        held.append([bytes(600) for _ in range(150_000)])
        pins.append(bytes(600))  # kept, at the top of the thread's heap: a free alone cannot shrink it

    threads = [threading.Thread(target=fill) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    full = rss()
    held.clear()
    gc.collect()
    freed = rss()
    heap.trim()
    trimmed = rss()
    print(full, freed, trimmed)
    """
)


@pytest.mark.skipif(heap._malloc_trim is None, reason="the C library has no malloc_trim (not glibc)")
def test_a_trim_returns_what_threads_freed_and_the_allocator_kept():
    output = subprocess.run(
        [sys.executable, "-c", FILL_AND_FREE, str(ROOT)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    full, freed, trimmed = (float(value) for value in output.split())
    assert full > 300  # the objects were there
    assert freed > trimmed + 50, f"RSS {full:.0f} MB full, {freed:.0f} MB freed, {trimmed:.0f} MB trimmed"
    assert trimmed < 100


def test_the_interval_comes_from_the_environment_and_bad_values_say_so(monkeypatch):
    monkeypatch.delenv("MLP_EXPLORER_TRIM_SECONDS", raising=False)
    assert heap.interval() == heap.INTERVAL_SECONDS
    monkeypatch.setenv("MLP_EXPLORER_TRIM_SECONDS", "0")
    assert heap.interval() == 0
    for bad in ("soon", "-5", "inf", "nan"):
        monkeypatch.setenv("MLP_EXPLORER_TRIM_SECONDS", bad)
        with pytest.raises(ValueError, match=rf"Received: '{bad}'"):
            heap.interval()


def test_the_trimmer_starts_once_per_process_and_not_when_turned_off(monkeypatch):
    monkeypatch.setattr(heap, "_thread", None)
    monkeypatch.setenv("MLP_EXPLORER_TRIM_SECONDS", "0")
    assert heap.start_trimmer() is False and not heap.running()
    if heap._malloc_trim is None:
        return
    monkeypatch.setenv("MLP_EXPLORER_TRIM_SECONDS", "3600")
    assert heap.start_trimmer() is True and heap.running()
    assert heap.start_trimmer() is False  # already running


# Twelve threads allocate at once, as a server's request and page threads do; prints how
# many heaps glibc's allocator has then (`malloc_info` writes one <heap> per arena).
COUNT_ARENAS = textwrap.dedent(
    """
    import ctypes, os, sys, tempfile, threading
    sys.path.insert(0, sys.argv[1])
    exec(sys.argv[2])  # what runs before the threads

    barrier, kept = threading.Barrier(12), []

    def allocate():
        barrier.wait()
        kept.append(bytearray(200_000))
        barrier.wait()

    threads = [threading.Thread(target=allocate) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc = ctypes.CDLL("libc.so.6")
    libc.fopen.restype = ctypes.c_void_p
    path = os.path.join(tempfile.mkdtemp(), "malloc_info.xml")
    stream = ctypes.c_void_p(libc.fopen(path.encode(), b"w"))
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(open(path).read().count("<heap nr="))
    """
)


def arenas_after_twelve_threads(before: str, cwd: Path = ROOT, **env: str) -> int:
    environment = {name: value for name, value in os.environ.items() if name != "MALLOC_ARENA_MAX"}
    output = subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS, str(ROOT), before],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=cwd,
        env={**environment, **env},
    ).stdout
    return int(output.split()[-1])


glibc_only = pytest.mark.skipif(heap._mallopt is None, reason="the C library is not glibc (no arena cap to set)")


@glibc_only
def test_the_cap_keeps_twelve_threads_to_two_heaps():
    uncapped = arenas_after_twelve_threads("from core import heap")
    capped = arenas_after_twelve_threads("from core import heap; assert heap.cap_arenas()")
    assert capped == heap.ARENAS
    assert uncapped > capped + 2, f"{uncapped} arenas without the cap, {capped} with it"


@glibc_only
def test_malloc_arena_max_from_the_environment_wins():
    arenas = arenas_after_twelve_threads("from core import heap; assert not heap.cap_arenas()", MALLOC_ARENA_MAX="3")
    assert arenas == 3


def test_cap_arenas_calls_mallopt_unless_the_environment_chose(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "_mallopt", lambda option, value: calls.append((option, value)) or 1)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert heap.cap_arenas() is True
    assert heap.cap_arenas(4) is True
    assert calls == [(-8, heap.ARENAS), (-8, 4)]  # M_ARENA_MAX

    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert heap.cap_arenas() is False
    monkeypatch.setattr(heap, "_mallopt", None)  # not glibc
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert heap.cap_arenas() is False
    assert len(calls) == 2


@pytest.mark.parametrize("count", [0, -2, 1.5, True, "2"])
def test_cap_arenas_refuses_what_is_no_count(count):
    with pytest.raises(ValueError, match=rf"count of 1 or more arenas\. Received: {re.escape(repr(count))}\."):
        heap.cap_arenas(count)


def test_trim_soon_brings_the_next_trim_forward_and_the_ticks_go_on(monkeypatch):
    trims = []
    monkeypatch.setattr(heap, "trim", lambda: trims.append(time.monotonic()) or True)
    monkeypatch.setattr(heap, "_asked", False)

    def wait_for_trims(count: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while len(trims) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    stop = threading.Event()
    loop = threading.Thread(target=heap._loop, args=(3600.0, stop), daemon=True)
    loop.start()
    try:
        time.sleep(1.5)
        assert trims == []  # an hour to the next tick
        asked = time.monotonic()
        heap.trim_soon()
        wait_for_trims(1, 5.0)
        assert trims, "no trim within 5 s of trim_soon()"
        assert trims[0] - asked < heap.SOON_SECONDS + 0.5
        assert heap._asked is False
    finally:
        stop.set()
        loop.join(5)
    assert not loop.is_alive()

    trims.clear()
    ticking = threading.Thread(target=heap._loop, args=(0.2, stop := threading.Event()), daemon=True)
    ticking.start()
    wait_for_trims(3, 5.0)
    stop.set()
    ticking.join(5)
    assert len(trims) >= 3, "a 0.2 s interval trims every 0.2 s"
