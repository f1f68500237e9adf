"""Trainings as background jobs: they outlive the page script that started them.

A page submits a run and returns at once; a thread of this server process runs
`core.runs.load_or_train` for it, and the training itself runs in one of the server's
`MLP_EXPLORER_MAX_JOBS` worker processes (`core.workers`), in turn: a crash or a memory
blow-up there fails that job alone. A widget click, a page switch, a browser reload or
another visitor changes nothing for the job: pages only read its status.

While it holds its configuration's lock, a job writes its status and its per-epoch
history to `<store>/.jobs/<key>.json`, so any session or server process can show the
progress of any run (`read_status`). A job whose process died leaves that file behind
with no lock held: `read_status` reports it as `"interrupted"`; the store never got a
half entry, because the finished run is written atomically.

States: `"starting"`; `"waiting"` (someone else trains this configuration: its
progress is shown); `"queued"` (for a worker, with a place); `"running"`; then
`"done"`, `"stopped"`, `"diverged"`, `"failed"` or `"interrupted"`.

Example:

>>> import tempfile
>>> from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
>>> from core.data import load_dataset
>>> run = RunConfig(DataConfig("digits"), MLPConfig(((8, "relu"),)), TrainingConfig(epochs=2))
>>> job = pool().submit(run, load_dataset("digits"), store=RunStore(tempfile.mkdtemp()))
>>> job.status().state in ACTIVE  # submit returned at once
True
>>> job.wait(120), job.status().state, job.status().epoch
(True, 'done', 2)
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from core import access, heap, locks, runs, workers
from core.limits import Limits, duration
from core.store import RunStore

ACTIVE = ("starting", "waiting", "queued", "running")
FINISHED = ("done", "stopped", "diverged", "failed", "interrupted")
JOBS_DIR = ".jobs"
# A finished job stays findable (by a reloaded page) this long before the pool drops it.
KEEP_FINISHED_SECONDS = 15 * 60
# Its result (model, predictions) is let go sooner, by a timer: the pages following it
# take it within a second, and later ones read it from the store. A server that kept
# every result for 15 minutes grew by 17 MB per run; one that let results go only when
# a page next asked the pool kept the last wave's models (and their traced graphs) for
# as long as nobody trained: 15 MB each, eight visitors' worth after eight visitors.
KEEP_RESULT_SECONDS = 30
# An active status file not updated for this long, with its lock free, was left by a
# process that died (the owner writes its final state within milliseconds of the end).
STALE_SECONDS = 3.0
# A session that has not looked at a job for this long no longer follows it (its tab
# was closed or reloaded), so it does not keep the job alive against a Stop.
WATCH_SECONDS = 5.0

log = logging.getLogger(__name__)


@dataclass
class JobStatus:
    """What a job reports: the same in memory and in its status file."""

    key: str
    kind: str
    label: str  # the architecture, e.g. "300-100 relu"
    dataset: str  # as the pages name it, e.g. "Fashion-MNIST"
    state: str = "starting"
    epoch: int = 0
    epochs: int = 0
    place: int | None = None  # in the queue for a worker; 1 = next
    wait: float | None = None  # estimated seconds until a worker frees, while queued
    history: dict[str, list[float]] = field(default_factory=dict)
    elapsed: float = 0.0  # seconds of training so far
    message: str = ""  # why it failed, diverged or stopped
    started: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    pid: int = field(default_factory=os.getpid)
    config: dict | None = None  # the run's configuration (its kind's `to_dict`)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> JobStatus:
        return runs.from_known_fields(cls, data)


def status_path(root: str | os.PathLike, key: str) -> Path:
    return Path(root) / JOBS_DIR / f"{key}.json"


def _write_status(root: Path, status: JobStatus) -> None:
    folder = root / JOBS_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with os.fdopen(handle, "w") as file:
            json.dump(status.to_dict(), file)
        os.replace(tmp, status_path(root, status.key))
    except OSError as error:  # a full or read-only disk: progress shows in this process only
        log.warning("Could not write the status of job %s: %s", status.key, error)


def read_status(root: str | os.PathLike, key: str) -> JobStatus | None:
    """The last status a job of any process wrote for run `key`, or `None`.

    An active state whose writer no longer holds the run's lock is reported as
    `"interrupted"`: its server process was killed mid-training.
    """
    path = status_path(root, key)
    try:
        status = JobStatus.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if status.active and time.time() - status.updated > STALE_SECONDS:
        if not locks.is_held(locks.run_lock_path(root, key)):
            status.state = "interrupted"
            status.message = (
                f"The server stopped while this run trained (epoch {status.epoch} of {status.epochs}); "
                "nothing was saved."
            )
    return status


def config_of_key(key: str, store: RunStore | None = None):
    """The configuration of run `key`: its store entry's, else its job's (queued,
    training, stopped, failed or interrupted, in any process sharing the store), else
    `None` (an unknown key, or one of any shape a link may carry)."""
    store = store or RunStore()
    if not (isinstance(key, str) and key.isalnum() and len(key) <= 64):
        return None
    try:
        stored = store.load_key(key)
        if stored is not None:
            return runs.kind_named(stored.meta["kind"]).config_from_dict(stored.config)
        status = read_status(store.root, key)
        if status is not None and status.config is not None:
            return runs.kind_named(status.kind).config_from_dict(status.config)
    except (KeyError, ValueError, TypeError, AttributeError):  # a file of another shape: not a run we know
        return None
    return None


def estimated_wait(root: str | os.PathLike, place: int, key: str | None = None) -> float | None:
    """Roughly how long a job at `place` in the queue waits for a worker, in seconds,
    from the status files of the trainings on the store;
    `None` until a running training has finished an epoch (nothing to go on yet).

    A running training's remaining time is its time per epoch so far times the epochs
    left; a job queued ahead counts as long as the running ones take on average.
    """
    folder = Path(root) / JOBS_DIR
    remaining, totals, queued_ahead = [], [], 0
    for path in folder.glob("*.json") if folder.is_dir() else ():
        status = read_status(root, path.stem)
        if status is None or not status.active or status.key == key:
            continue
        if status.state == "running" and status.epoch > 0:
            per_epoch = status.elapsed / status.epoch
            remaining.append(per_epoch * max(0, status.epochs - status.epoch))
            totals.append(per_epoch * status.epochs)
        elif status.state == "queued" and status.place is not None and status.place < place:
            queued_ahead += 1
    if not totals:
        return None
    slots = max(1, Limits.from_env().max_jobs)
    ahead = max(queued_ahead, place - 1)
    return (sum(remaining) + ahead * sum(totals) / len(totals)) / slots


class Job:
    """One training in the background. Read it with `status()`; stop it with `stop()`."""

    def __init__(self, config, data, store: RunStore, owner: str | None, pool=None):
        kind = runs.kind_of(config)
        self._workers = pool  # None: the server's (`core.workers.pool()`)
        self.config = config
        self.key = store.key_for(config.to_json())
        self.store = store
        # Who follows the job, and when each last looked at it (a page polls it).
        self.owners: dict[str, float] = {owner: time.time()} if owner else {}
        self.result: runs.RunResult | None = None
        self.finished_at: float | None = None
        self._data = data
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._writes_file = False
        self.submitter = owner  # the session it counts against (see `JobPool.submit`)
        self.max_seconds = Limits.from_env().max_job_seconds
        self._training_since: float | None = None
        self.timed_out = False
        self._status = JobStatus(
            key=self.key,
            kind=kind.name,
            label=kind.describe(config),
            dataset=kind.dataset_title(config),
            epochs=config.training.epochs,
            config=config.to_dict(),
        )
        self._thread = threading.Thread(target=self._run, name=f"job-{self.key}", daemon=True)

    def start(self) -> Job:
        self._thread.start()
        return self

    def status(self) -> JobStatus:
        """A copy of the job's status. While another session or process trains the same
        configuration, its progress (from the status file) is shown."""
        with self._guard:
            status = dataclasses.replace(self._status, history={k: list(v) for k, v in self._status.history.items()})
        if status.state == "waiting":
            other = read_status(self.store.root, self.key)
            if other is not None and other.active:
                status.epoch, status.history, status.elapsed = other.epoch, other.history, other.elapsed
        return status

    @property
    def active(self) -> bool:
        return self.finished_at is None

    def watch(self, owner: str) -> None:
        """Records that `owner` (a session) follows the job right now."""
        with self._guard:
            self.owners[owner] = time.time()

    def hand_over(self, previous: str | None, owner: str) -> None:
        """`owner` follows the job in place of `previous` (the same browser tab, reloaded)."""
        with self._guard:
            if previous:
                self.owners.pop(previous, None)
            if previous == self.submitter:
                self.submitter = owner
            self.owners[owner] = time.time()

    def stop(self, owner: str | None = None) -> None:
        """Stops the job; nothing half-trained is stored. When another session asked for
        the same run and still follows it (looked within `WATCH_SECONDS`), only
        `owner`'s interest is dropped and the job goes on for the other one."""
        with self._guard:
            self.owners.pop(owner, None)
            now = time.time()
            followed = any(now - seen < WATCH_SECONDS for seen in self.owners.values())
            if owner is None or not followed:
                self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Waits for the job to finish; returns whether it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _update(self, **changes) -> None:
        with self._guard:
            for name, value in changes.items():
                setattr(self._status, name, value)
            self._status.updated = time.time()
            snapshot = dataclasses.replace(self._status)
        if self._writes_file:
            _write_status(self.store.root, snapshot)

    def _on_locked(self) -> None:
        self._writes_file = True
        self._update(state="queued", place=None)

    def _should_stop(self) -> bool:
        if self._stop.is_set():
            return True
        if self.max_seconds is not None and self._training_since is not None:
            if time.time() - self._training_since > self.max_seconds:
                self.timed_out = True
                return True
        return False

    def _on_start(self) -> None:
        self._training_since = time.time()
        self._update(state="running", place=None, wait=None, started=time.time())

    def _on_queue(self, place: int) -> None:
        self._update(state="queued", place=place, wait=estimated_wait(self.store.root, place, self.key))

    def _on_epoch(self, update: dict) -> None:
        history = {name: list(values) for name, values in update["history"].items()}
        self._update(
            state="running", epoch=update["epoch"], epochs=update["epochs"], history=history, elapsed=update["elapsed"]
        )

    def _train_in_worker(self) -> runs.RunResult:
        payload = {
            "kind": runs.kind_of(self.config).name,
            "config": self.config.to_json(),
            "store": str(self.store.root),
        }
        result = (self._workers or workers.pool()).run(
            "core.jobs:train_in_worker",
            payload,
            on_progress=self._on_epoch,
            should_stop=self._should_stop,
            on_wait=self._on_queue,
            on_start=self._on_start,
        )
        if result.model is not None:
            return result  # diverged, stopped, or the store could not keep it
        stored = runs.load_cached(self.config, self.store)
        if stored is None:
            raise RuntimeError("the worker stored the run, but it cannot be read back")
        return dataclasses.replace(result, model=stored.model)

    def _run(self) -> None:
        try:
            result = runs.load_or_train(
                self.config,
                self._data,
                store=self.store,
                should_stop=self._should_stop,
                on_busy=lambda: self._status.state == "waiting" or self._update(state="waiting"),
                on_locked=self._on_locked,
                trainer=self._train_in_worker,
            )
        except locks.Cancelled:
            self._finish("stopped", "Stopped before training started.")
        except ValueError as error:  # the run may not train here (limits, a too large batch)
            self._finish("failed", str(error))
        except workers.WorkerDied as error:  # the worker is replaced; nothing else is affected
            log.warning("Job %s: %s", self.key, error)
            self._finish("failed", str(error))
        except Exception as error:  # a real bug: keep the server up, tell the user, log it
            log.exception("Job %s failed", self.key)
            self._finish("failed", f"Training failed ({type(error).__name__}: {error}).")
        else:
            self.result = result
            if result.stop_reason == "stopped" and self.timed_out:
                self._finish(
                    "stopped",
                    f"Stopped at this server's limit of {duration(self.max_seconds)} per training, at epoch "
                    f"{result.epochs_run} of {result.config.training.epochs}; nothing was saved. Use fewer "
                    "epochs, a larger batch size or a smaller model.",
                )
            elif result.stop_reason == "stopped":
                self._finish(
                    "stopped",
                    f"Stopped at epoch {result.epochs_run} of {result.config.training.epochs}; nothing was saved.",
                )
            elif result.diverged:
                self._finish("diverged", result.divergence)
            else:
                self._finish("done", "")
        finally:
            self._data = None  # the job no longer needs the data set

    def _finish(self, state: str, message: str) -> None:
        self._update(state=state, message=message, place=None, wait=None)
        self.finished_at = time.time()
        if self._writes_file and state == "done":
            try:
                status_path(self.store.root, self.key).unlink(missing_ok=True)  # the store has it all now
            except OSError:
                pass  # an unwritable store never had the file
        if self.result is not None:
            forget = threading.Timer(KEEP_RESULT_SECONDS, self._let_result_go)
            forget.name, forget.daemon = f"job-{self.key}-forget", True
            forget.start()

    def _let_result_go(self) -> None:
        self.result = None  # stored: whoever asks later reads it from the store
        heap.trim_soon()  # the model's memory goes back to the system now, not at the next tick


class JobPool:
    """The jobs of this server process, by run key. One job per configuration: a
    second submission of a configuration in training joins the running job.

    Args:
        workers: the `core.workers` pool the trainings run in. Defaults to the
            server's (`core.workers.pool()`).
    """

    def __init__(self, workers=None):
        self._jobs: dict[tuple[str, str], Job] = {}
        self._guard = threading.Lock()
        self._workers = workers

    def submit(self, config, data, *, store: RunStore | None = None, owner: str | None = None) -> Job:
        """Starts training `config` on `data` in the background (or joins the job that
        already does) and returns the job at once.

        Args:
            config: the run, of any kind `core.runs` knows.
            data: its loaded data set.
            store: where runs are kept. Defaults to `RunStore()`.
            owner: who asked (a session id), so one session's Stop does not stop a
                job another session also waits for. Defaults to `None`.

        Raises:
            ValueError: when the run cannot or may not train here (checked at once), or
                when `owner` already has as many trainings going as a hosted server
                allows one visitor.
        """
        store = store or RunStore()
        runs.check(config, data)
        key = store.key_for(config.to_json())
        per_session = Limits.from_env().max_jobs_per_session
        with self._guard:
            self._prune()
            existing = self._jobs.get((str(store.root), key))
            if existing is not None and existing.active and not existing._stop.is_set():
                if owner:
                    existing.watch(owner)
                return existing
            if owner and per_session is not None:
                mine = [job for job in self._jobs.values() if job.active and job.submitter == owner]
                if len(mine) >= per_session:
                    status = mine[0].status()
                    raise ValueError(
                        f"You already have {len(mine)} training{'s' if len(mine) > 1 else ''} going on this "
                        f"shared server ({status.label} on {status.dataset}, {status.state}); it trains "
                        f"{per_session} per visitor at a time. Wait for it to finish, or stop it, then train this one."
                    )
            job = Job(config, data, store, owner, self._workers)
            self._jobs[(str(store.root), key)] = job
        return job.start()

    def get(self, key: str, store: RunStore | None = None) -> Job | None:
        """This process's job for run `key` (active, or finished not long ago)."""
        root = str((store or RunStore()).root)
        with self._guard:
            self._prune()
            return self._jobs.get((root, key))

    def jobs(self) -> list[Job]:
        with self._guard:
            return list(self._jobs.values())

    def _prune(self) -> None:
        now = time.time()
        for name, job in list(self._jobs.items()):
            if job.finished_at is not None and now - job.finished_at > KEEP_FINISHED_SECONDS:
                del self._jobs[name]


def train_in_worker(payload: dict, report, should_stop) -> runs.RunResult:
    """The worker's half of a job (`core.workers` task): trains and stores the run
    and returns its result without the model, which the server reads from the store.
    Progress goes back as one dict per epoch."""
    kind = runs.kind_named(payload["kind"])
    config = kind.config_from_dict(json.loads(payload["config"]))

    def on_epoch(update) -> None:
        report(
            {
                "epoch": update.epoch,
                "epochs": update.epochs,
                "elapsed": update.elapsed,
                "history": {name: list(values) for name, values in update.history.items()},
            }
        )

    data = _worker_data(kind.inputs, kind.dataset(config))
    store = RunStore(payload["store"])
    result = runs.train_and_store(config, data, store, on_epoch=on_epoch, should_stop=should_stop)
    # A store that could not keep the run (full, read-only) says so with the results.
    result.notes.extend(access.redact_paths(problem) if access.hosted() else problem for problem in store.problems)
    if result.stop_reason in ("diverged", "stopped") or not runs.is_cached(config, store):
        return result  # not stored: the model travels back (a Keras model pickles)
    return dataclasses.replace(result, model=None)


# A worker keeps the last two data sets it trained on: the next job on one starts at once.
_worker_data = functools.lru_cache(maxsize=2)(runs.load_named_data)


_POOL = JobPool()


def pool() -> JobPool:
    """The job pool of this server process."""
    return _POOL
