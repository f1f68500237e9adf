"""Locks that hold across threads *and* processes: lock files in the store folder.

Several server processes (replicas of a hosted demo) may share one store. They agree
through files under `<store>/.locks/`, locked with `filelock` (an OS-level `flock`,
released by the kernel when a process dies, so a killed server never leaves a lock
held):

    .locks/run-<key>.lock      one trainer per configuration; the others wait, then read
    .locks/slot-<i>.lock       `max_jobs` training slots shared by every process
    .locks/queue/<t>-<id>.lock a ticket per waiting job: first come, first served
    .locks/evict.lock          one eviction at a time

Every wait polls, so a caller can give up (`should_cancel`) and see its place in the
queue while it waits.

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
import uuid
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


class _Ticket:
    """A place in the cross-process queue: a lock file its owner holds while waiting.

    Tickets sort by creation time; one whose file is no longer locked belongs to a
    process that died, and is swept away by whoever sees it.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.lock"
        self.lock = _lock(self.path)
        self.lock.acquire(timeout=0)

    def position(self) -> int:
        """1 = first in line."""
        ahead = 0
        for other in sorted(self.folder.glob("*.lock")):
            if other.name >= self.path.name:
                break
            if is_held(other):
                ahead += 1
            elif time.time_ns() - int(other.name.split("-")[0]) > 2e9:
                other.unlink(missing_ok=True)  # its owner died (a new one may not hold it yet)
        return ahead + 1

    def close(self) -> None:
        self.lock.release()
        self.path.unlink(missing_ok=True)


@contextmanager
def job_slot(
    root: str | os.PathLike,
    slots: int,
    *,
    on_wait: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Iterator[int]:
    """Holds one of `slots` training slots shared by every process using `root`.

    Waiters are served first come, first served across processes: a job takes a free
    slot only when there are more free slots than older tickets waiting for one.

    Args:
        root: the store folder.
        slots: how many trainings may run at once (`core.limits.Limits.max_jobs`).
        on_wait: called with the place in the queue (1 = next) while waiting, each
            time it changes. Defaults to `None`.
        should_cancel: polled while waiting; True raises `Cancelled`. Defaults to `None`.

    Yields:
        The slot's number.
    """
    folder = locks_dir(root)
    queue = folder / "queue"
    queue.mkdir(exist_ok=True)
    ticket = _Ticket(queue)
    held = None
    last_position = None
    try:
        while held is None:
            position = ticket.position()
            # Each older waiter takes a free slot before this one does: with one slot
            # free, only the first in line may take it, even when there are two slots.
            if position <= slots and position <= slots - running_slots(root, slots):
                for index in range(slots):
                    candidate = _lock(folder / f"slot-{index}.lock")
                    try:
                        candidate.acquire(timeout=0)
                    except Timeout:
                        continue
                    held = (index, candidate)
                    break
            if held is not None:
                break
            if should_cancel is not None and should_cancel():
                raise Cancelled
            if on_wait is not None and position != last_position:
                on_wait(position)
                last_position = position
            time.sleep(POLL_SECONDS)
    finally:
        ticket.close()
    try:
        yield held[0]
    finally:
        held[1].release()


def running_slots(root: str | os.PathLike, slots: int) -> int:
    """How many of the `slots` training slots are held right now, by any process."""
    folder = locks_dir(root)
    return sum(is_held(folder / f"slot-{index}.lock") for index in range(slots))


def queued(root: str | os.PathLike) -> int:
    """How many jobs, in any process, wait for a training slot right now."""
    queue = locks_dir(root) / "queue"
    return sum(is_held(path) for path in queue.glob("*.lock")) if queue.is_dir() else 0
