"""The heap trimmer gives memory that threads freed back to the system."""

import subprocess
import sys
import textwrap
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
