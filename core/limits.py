"""Limits for a shared server: how many trainings run at once, and how big they may be.

A hosted demo has a small CPU and many visitors. A server trains `max_jobs` runs at
once, one per worker process (`core.workers`); the others wait in its first-come queue
and see their place in it and an estimated wait; in hosted mode, models above
`max_params` parameters, runs above `max_epochs` epochs and runs whose estimated
training time (`estimate_seconds`) is above `max_job_seconds` are refused with a message
saying what is allowed, a job still training at `max_job_seconds` is stopped, and one
visitor has at most `max_jobs_per_session` trainings running or queued at a time.
Everything is read from the environment:

    MLP_EXPLORER_MAX_JOBS     trainings at once (default: half the CPUs this process may
                              really use, cgroup quota included; at least 1)
    MLP_EXPLORER_HOSTED       1 turns the size limits on (default: off)
    MLP_EXPLORER_MAX_PARAMS   largest model in hosted mode (default 1,000,000)
    MLP_EXPLORER_MAX_EPOCHS   most epochs in hosted mode (default 50)
    MLP_EXPLORER_MAX_JOB_MINUTES       longest training in hosted mode (default 10)
    MLP_EXPLORER_MAX_JOBS_PER_SESSION  trainings one visitor may run or queue at a
                              time in hosted mode (default 1)

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


# What a training costs on a small CPU box (2 cores): a fixed cost per optimizer step
# (dispatch, the small matrices' overhead), and a cost per sample and parameter (the
# matrix products, forward and backward). From this machine's figures: 300-100-10 on
# Fashion-MNIST trains 3 epochs at batch 32 in 6 s and an epoch at batch 2048 in 0.5 s
# (benchmarks/RESULTS.md), and 50 epochs at batch 1 held a slot for 1 to 2 hours.
STEP_SECONDS = 1.5e-3
SAMPLE_PARAM_SECONDS = 3.5e-11


def estimate_seconds(*, samples: int, epochs: int, batch_size: int, params: int) -> float:
    """Roughly how long a training takes on a 2-core CPU, in seconds.

    Args:
        samples: training samples per epoch.
        epochs: epochs to train.
        batch_size: samples per optimizer step.
        params: the model's parameters.

    Example:

    >>> round(estimate_seconds(samples=55_000, epochs=30, batch_size=32, params=266_610))
    93
    """
    steps = math.ceil(samples / batch_size) * epochs
    return steps * STEP_SECONDS + samples * epochs * params * SAMPLE_PARAM_SECONDS


def duration(seconds: float) -> str:
    """`seconds` as a person says it: "40 s", "1 min 20 s", "12 min", "2 h 10 min".

    >>> duration(42), duration(81), duration(719), duration(7_800)
    ('42 s', '1 min 20 s', '12 min', '2 h 10 min')
    """
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 600:
        minutes, rest = divmod(round(seconds / 10) * 10, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def hosted() -> bool:
    """Whether this server runs as a shared demo (`MLP_EXPLORER_HOSTED`)."""
    return os.environ.get("MLP_EXPLORER_HOSTED", "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Limits:
    """What one server allows; `None` means no limit."""

    max_jobs: int
    max_params: int | None
    max_epochs: int | None
    max_job_seconds: float | None = None
    max_jobs_per_session: int | None = None

    @classmethod
    def from_env(cls) -> Limits:
        on = hosted()
        return cls(
            max_jobs=_env_int("MLP_EXPLORER_MAX_JOBS", max(1, available_cpus() // 2)),
            max_params=_env_int("MLP_EXPLORER_MAX_PARAMS", 1_000_000) if on else None,
            max_epochs=_env_int("MLP_EXPLORER_MAX_EPOCHS", 50) if on else None,
            max_job_seconds=60.0 * _env_int("MLP_EXPLORER_MAX_JOB_MINUTES", 10) if on else None,
            max_jobs_per_session=_env_int("MLP_EXPLORER_MAX_JOBS_PER_SESSION", 1) if on else None,
        )

    def check(self, *, params: int, epochs: int, samples: int | None = None, batch_size: int | None = None) -> None:
        """Raises `ValueError` when a run is too big for this server: too many
        parameters or epochs, or (given `samples` and `batch_size`) an estimated
        training time above `max_job_seconds`.

        Example:

        >>> Limits(1, None, None, max_job_seconds=600).check(params=266_610, epochs=50, samples=55_000, batch_size=1)
        Traceback (most recent call last):
        ...
        ValueError: This run would train for about 1 h 9 min here (2,750,000 steps of 1 sample over 50 epochs); this server trains runs of at most 10 min. Use a larger batch size (32 or more), fewer epochs or a smaller model.
        """
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
        if self.max_job_seconds is None or samples is None or batch_size is None:
            return
        seconds = estimate_seconds(samples=samples, epochs=epochs, batch_size=batch_size, params=params)
        if seconds > self.max_job_seconds:
            steps = math.ceil(samples / batch_size) * epochs
            raise ValueError(
                f"This run would train for about {duration(seconds)} here ({steps:,} steps of {batch_size:,} "
                f"sample{'s' if batch_size > 1 else ''} over {epochs} epochs); this server trains runs of at most "
                f"{duration(self.max_job_seconds)}. Use a larger batch size (32 or more), fewer epochs or a "
                "smaller model."
            )
