"""Locks that hold across threads *and* processes: lock files in the store folder.

Several server processes (replicas of a hosted demo) may share one store. They agree
through files under `<store>/.locks/`, locked with `filelock` (an OS-level `flock`,
released by the kernel when a process dies, so a killed server never leaves a lock
held):

    .locks/run-<key>.lock      one trainer per configuration; the others wait, then read
    .locks/entry-<key>.lock    one writer of a store entry at a time
    .locks/evict.lock          one eviction at a time

Every wait polls, so a caller can give up (`should_cancel`) while it waits.

Example:

>>> import tempfile
>>> root = tempfile.mkdtemp()
>>> with run_lock(root, "abc"):
...     is_held(run_lock_path(root, "abc"))
True
>>> is_held(run_lock_path(root, "abc"))
False
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCKS_DIR = ".locks"
POLL_SECONDS = 0.2


class Cancelled(Exception):
    """A wait for a lock or a slot was given up because `should_cancel()` said so."""


def locks_dir(root: str | os.PathLike) -> Path:
    """`<root>/.locks`; where the store cannot be written (read-only, or a file in its
    place), a folder in the system's temporary directory named after the store, so
    that runs still train, once, and report the store's problem themselves."""
    path = Path(root) / LOCKS_DIR
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:
        digest = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
        fallback = Path(tempfile.gettempdir()) / f"mlp-explorer-locks-{digest}"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def _lock(path: Path) -> FileLock:
    # thread_local=False: two threads of one process must exclude each other too;
    # a fresh object per use, because flock excludes per open file, not per process.
    return FileLock(path, thread_local=False)


def is_held(path: str | os.PathLike) -> bool:
    """Whether some thread or process holds the lock file `path` right now."""
    if not Path(path).exists():
        return False
    probe = _lock(Path(path))
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    probe.release()
    return False


def _acquire(lock: FileLock, should_cancel: Callable[[], bool] | None, on_poll: Callable[[], None] | None) -> None:
    while True:
        try:
            lock.acquire(timeout=0)
            return
        except Timeout:
            pass
        if should_cancel is not None and should_cancel():
            raise Cancelled
        if on_poll is not None:
            on_poll()
        time.sleep(POLL_SECONDS)


def run_lock_path(root: str | os.PathLike, key: str) -> Path:
    return locks_dir(root) / f"run-{key}.lock"


@contextmanager
def run_lock(
    root: str | os.PathLike,
    key: str,
    *,
    should_cancel: Callable[[], bool] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Holds the lock of one configuration: whoever holds it trains, others wait.

    Args:
        root: the store folder.
        key: the run's store key.
        should_cancel: polled while waiting; True raises `Cancelled`. Defaults to `None`.
        on_wait: called on each poll while another holder has it. Defaults to `None`.
    """
    lock = _lock(run_lock_path(root, key))
    _acquire(lock, should_cancel, on_wait)
    try:
        yield
    finally:
        lock.release()


@contextmanager
def entry_lock(root: str | os.PathLike, key: str) -> Iterator[None]:
    """Holds the lock for swapping or removing one store entry: held for a rename or
    two, never while training (that is `run_lock`'s), so it nests inside it."""
    lock = _lock(locks_dir(root) / f"entry-{key}.lock")
    _acquire(lock, None, None)
    try:
        yield
    finally:
        lock.release()


@contextmanager
def evict_lock(root: str | os.PathLike) -> Iterator[None]:
    """Holds the store's eviction lock (one eviction at a time across processes)."""
    lock = _lock(locks_dir(root) / "evict.lock")
    _acquire(lock, None, None)
    try:
        yield
    finally:
        lock.release()
