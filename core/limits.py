"""Limits for a shared server: how many trainings run at once, and how big they may be.

A hosted demo has a small CPU and many visitors. Trainings beyond `max_jobs` wait in a
first-come queue (callers see their place in it); in hosted mode, models above
`max_params` parameters or runs above `max_epochs` epochs are refused with a message
saying what is allowed. Everything is read from the environment:

    MLP_EXPLORER_MAX_JOBS     trainings at once (default: half the CPU cores, at least 1)
    MLP_EXPLORER_HOSTED       1 turns the size limits on (default: off)
    MLP_EXPLORER_MAX_PARAMS   largest model in hosted mode (default 1,000,000)
    MLP_EXPLORER_MAX_EPOCHS   most epochs in hosted mode (default 50)

Example:

>>> with training_slot(on_wait=lambda position: print("waiting, place", position)):
...     train(...)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(
            f"Received an invalid value for the environment variable {name}, expected a "
            f"positive integer. Received: {name}={raw!r}"
        ) from None
    if value < 1:
        raise ValueError(
            f"Received an invalid value for the environment variable {name}, expected a "
            f"positive integer. Received: {name}={raw!r}"
        )
    return value


@dataclass(frozen=True)
class Limits:
    """What one server allows; `None` means no limit."""

    max_jobs: int
    max_params: int | None
    max_epochs: int | None

    @classmethod
    def from_env(cls) -> Limits:
        hosted = os.environ.get("MLP_EXPLORER_HOSTED", "").strip().lower() in ("1", "true", "yes", "on")
        return cls(
            max_jobs=_env_int("MLP_EXPLORER_MAX_JOBS", max(1, (os.cpu_count() or 2) // 2)),
            max_params=_env_int("MLP_EXPLORER_MAX_PARAMS", 1_000_000) if hosted else None,
            max_epochs=_env_int("MLP_EXPLORER_MAX_EPOCHS", 50) if hosted else None,
        )

    def check(self, *, params: int, epochs: int) -> None:
        """Raises `ValueError` when a run is too big for this server."""
        if self.max_params is not None and params > self.max_params:
            raise ValueError(
                f"This model has {params:,} parameters; this server trains models of at most "
                f"{self.max_params:,}. Use fewer or smaller hidden layers."
            )
        if self.max_epochs is not None and epochs > self.max_epochs:
            raise ValueError(
                f"Received: epochs={epochs}; this server trains at most {self.max_epochs} epochs "
                "per run. Lower the number of epochs (early stopping often needs far fewer)."
            )


class JobQueue:
    """At most `slots` holders at once; the others wait first come, first served."""

    def __init__(self, slots: int):
        self.slots = slots
        self._condition = threading.Condition()
        self._running = 0
        self._waiting: list[object] = []

    @contextmanager
    def slot(self, on_wait: Callable[[int], None] | None = None, poll: float = 0.5):
        """Holds a slot for the `with` block. While queued, calls `on_wait(position)`
        (1 = next) whenever the position changes, and at least every `poll` seconds."""
        ticket = object()
        with self._condition:
            self._waiting.append(ticket)
            try:
                last = None
                while self._running >= self.slots or self._waiting[0] is not ticket:
                    position = self._waiting.index(ticket) + 1
                    if on_wait is not None and position != last:
                        on_wait(position)
                        last = position
                    self._condition.wait(timeout=poll)
            finally:
                self._waiting.remove(ticket)
            self._running += 1
        try:
            yield
        finally:
            with self._condition:
                self._running -= 1
                self._condition.notify_all()

    @property
    def queued(self) -> int:
        return len(self._waiting)

    @property
    def running(self) -> int:
        return self._running


_queue_guard = threading.Lock()
_queue: JobQueue | None = None


def job_queue() -> JobQueue:
    """The process-wide queue of trainings, sized by `Limits.from_env().max_jobs`."""
    global _queue
    with _queue_guard:
        slots = Limits.from_env().max_jobs
        if _queue is None or _queue.slots != slots:
            _queue = JobQueue(slots)
        return _queue
