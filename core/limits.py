"""Limits for a shared server: how many trainings run at once, and how big they may be.

A hosted demo has a small CPU and many visitors. Trainings beyond `max_jobs` wait in a
first-come queue shared by every server process on the store (`core.locks.job_slot`;
callers see their place in it); in hosted mode, models above
`max_params` parameters or runs above `max_epochs` epochs are refused with a message
saying what is allowed. Everything is read from the environment:

    MLP_EXPLORER_MAX_JOBS     trainings at once (default: half the CPUs this process may
                              really use, cgroup quota included; at least 1)
    MLP_EXPLORER_HOSTED       1 turns the size limits on (default: off)
    MLP_EXPLORER_MAX_PARAMS   largest model in hosted mode (default 1,000,000)
    MLP_EXPLORER_MAX_EPOCHS   most epochs in hosted mode (default 50)

Example:

>>> Limits(max_jobs=1, max_params=1000, max_epochs=None).check(params=5000, epochs=3)
Traceback (most recent call last):
...
ValueError: This model has 5,000 parameters; this server trains models of at most 1,000. Use fewer or smaller hidden layers.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path


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


def _cgroup_quota(root: Path) -> float | None:
    """CPUs allowed by the cgroup CPU quota, or `None` when there is none."""
    try:  # cgroup v2: "<quota> <period>" or "max <period>"
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:  # cgroup v1
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return None if quota <= 0 else quota / period
    except (OSError, ValueError):
        return None


def available_cpus(cgroup_root: str | os.PathLike = "/sys/fs/cgroup") -> int:
    """The CPUs this process can really use: its affinity mask, capped by the cgroup
    CPU quota where a container has one (a 2-CPU box on a 64-core host is 2, not 64).

    Example:

    >>> available_cpus() >= 1
    True
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = _cgroup_quota(Path(cgroup_root))
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


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
            max_jobs=_env_int("MLP_EXPLORER_MAX_JOBS", max(1, available_cpus() // 2)),
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
