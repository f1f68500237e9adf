"""Worker processes: Keras work runs in them, not in the web server's process.

A worker is a process of its own (started fresh, never forked from the server), which
imports Keras once and then runs one task at a time. The server sends it a task (a
function named by `"module:function"` and a picklable payload) and gets back progress
messages and the function's return value. What goes wrong in a worker stays there:

- the task raises: the caller gets the same `ValueError` (a message for the user), or a
  `TaskFailed` naming the error;
- the worker dies (killed, out of memory, a native crash): the caller gets a
  `WorkerDied` that says how, and a fresh worker takes its place;
- the worker grows past its memory limit while it runs a task: it is stopped and the
  caller gets a `WorkerDied`; after a task, a worker whose memory did not come back
  (above `RECYCLE_FRACTION` of its limit) is replaced.

Every other task, on the other workers, goes on. The pool holds `size` workers (the
trainings this server runs at once, `core.limits.Limits.max_jobs`); callers beyond them
wait their turn in order.

A task function takes `(payload, report, should_stop)`: `report(message)` sends a
picklable message to the caller's `on_progress`, and `should_stop()` turns true when
the caller asked to stop.

With a Ray cluster named (`MLP_EXPLORER_RAY_ADDRESS`, or Ray's own `RAY_ADDRESS`),
tasks run as Ray actors on it instead (`RayPool`), each asking for a CPU, and a GPU
when the cluster has one.

Settings (read from the environment):

    MLP_EXPLORER_RAY_ADDRESS       a Ray cluster to run on (default: `RAY_ADDRESS`, else none)
    MLP_EXPLORER_WORKER_MEMORY_MB  the memory one worker may use (default: the
                                   machine's or container's memory, less 1 GB for the
                                   server, shared among the workers)
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from core.locks import Cancelled

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
RECYCLE_FRACTION = 0.6  # a worker above this share of its limit after a task is replaced
SERVER_RESERVE_BYTES = 1 << 30
# Environment the server's settings live in: each task carries the server's values, so
# a worker started before a setting changed runs the task with the server's setting.
SETTINGS_PREFIXES = ("MLP_EXPLORER_", "KERAS_HOME", "SCIKIT_LEARN_DATA")
WARM_MODULES = ("keras",)
STOP_SIGNAL = signal.SIGUSR1  # the server asks the running task to stop


class TaskFailed(Exception):
    """The task raised something other than `ValueError`; the message names it."""


class WorkerDied(Exception):
    """The worker running the task died or was stopped for its memory; the message
    says which, for the user."""


def memory_budget(cgroup_root: str | os.PathLike = "/sys/fs/cgroup") -> int:
    """Bytes of memory this machine or container has (cgroup v2 or v1 limit, else
    the machine's total)."""
    root = Path(cgroup_root)
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:
            return int(text)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 8 << 30


def worker_memory_limit(size: int) -> int:
    """The bytes one of `size` workers may use (`MLP_EXPLORER_WORKER_MEMORY_MB`)."""
    text = os.environ.get("MLP_EXPLORER_WORKER_MEMORY_MB", "").strip()
    if text:
        try:
            megabytes = float(text)
        except ValueError:
            megabytes = -1
        if not megabytes > 0:
            raise ValueError(
                "Received an invalid value for `MLP_EXPLORER_WORKER_MEMORY_MB`, expected a positive number "
                f"of megabytes such as 1500. Received: MLP_EXPLORER_WORKER_MEMORY_MB={text[:40]!r}"
            )
        return int(megabytes * (1 << 20))
    return max(256 << 20, (memory_budget() - SERVER_RESERVE_BYTES) // max(1, size))


def resident_bytes(pid: int) -> int | None:
    """The resident memory of process `pid`, or `None` when it cannot be read."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def settings() -> dict[str, str]:
    """The server's settings a task runs with."""
    return {name: value for name, value in os.environ.items() if name.startswith(SETTINGS_PREFIXES)}


# --- the worker's side --------------------------------------------------------------

_stop_asked = threading.Event()


def _worker_main(fd: int, warm: tuple[str, ...]) -> None:
    """A worker process's loop (`python -m core.workers <fd> <modules>`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    signal.signal(STOP_SIGNAL, lambda *_: _stop_asked.set())
    connection = Connection(fd)
    for name in warm:
        try:
            importlib.import_module(name)
        except Exception:  # the task that needs it will say what is wrong
            log.exception("Worker could not import %s", name)
    connection.send(("ready", os.getpid()))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return  # the server is gone
        if message is None:
            return
        task_id, function, payload, environment = message
        _stop_asked.clear()
        connection.send(("started", task_id))  # from now on, a stop signal is this task's
        _apply(environment)
        connection.send(_run_task(connection, task_id, function, payload))


def _run_task(connection, task_id: int, function: str, payload) -> tuple:
    def report(progress) -> None:
        connection.send(("progress", task_id, progress))

    kind, *rest = _call(function, payload, report, _stop_asked.is_set)
    return (kind, task_id, *rest)


def _call(function: str, payload, report, should_stop) -> tuple:
    """`("result", value)`, `("value_error", message)` or `("error", message, traceback)`."""
    try:
        module, name = function.split(":")
        return ("result", getattr(importlib.import_module(module), name)(payload, report, should_stop))
    except ValueError as error:
        return ("value_error", str(error))
    except Exception as error:
        log.exception("Task %s failed", function)
        return ("error", f"{type(error).__name__}: {error}", traceback.format_exc())


def _apply(environment: dict[str, str]) -> None:
    """Makes the server's settings this process's for the next task."""
    os.environ.update(environment)
    for name in [name for name in os.environ if name.startswith(SETTINGS_PREFIXES) and name not in environment]:
        del os.environ[name]


# --- the server's side --------------------------------------------------------------


class Worker:
    """One worker process and its connection. It is a fresh Python (not a fork of the
    server, whose threads and imports it must not inherit), started with the server's
    import path."""

    def __init__(self, warm: tuple[str, ...]):
        ours, theirs = socket.socketpair()
        path = [os.path.abspath(entry or os.curdir) for entry in sys.path]
        # Workers share a GPU: each takes GPU memory as it needs it, not all of it at once.
        environment = {"TF_FORCE_GPU_ALLOW_GROWTH": "true", **os.environ, "PYTHONPATH": os.pathsep.join(path)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "core.workers", str(theirs.fileno()), ",".join(warm)],
            pass_fds=(theirs.fileno(),),
            env=environment,
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.connection = Connection(ours.detach())
        self.tasks = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask_to_stop(self) -> None:
        try:
            os.kill(self.pid, STOP_SIGNAL)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)

    def how_it_died(self) -> str:
        try:
            code = self.process.wait(1)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            if -code == signal.SIGKILL:
                return f"it was killed ({name}; the system may have run out of memory)"
            return f"it crashed ({name})"
        return f"it exited with code {code}"

    def close(self, timeout: float = 2.0) -> None:
        try:
            self.connection.send(None)
        except (OSError, ValueError):
            pass
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self.connection.close()


class WorkerPool:
    """`size` worker processes, started on first use, and the callers waiting for one.

    Args:
        size: how many tasks run at once.
        memory_limit: bytes one worker may use. Defaults to `worker_memory_limit(size)`.
        warm: modules each worker imports when it starts, before its first task.
    """

    def __init__(self, size: int, *, memory_limit: int | None = None, warm: tuple[str, ...] = WARM_MODULES):
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"Received an invalid pool size, expected a positive integer. Received: size={size!r}")
        self.size = size
        self.memory_limit = memory_limit if memory_limit is not None else worker_memory_limit(size)
        self.warm = warm
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._waiting: list[object] = []  # callers in order
        self._guard = threading.Condition()
        self._next_task = 0
        self.replaced = 0  # workers replaced after a death or for their memory

    # --- pool size --------------------------------------------------------------------

    def workers(self) -> list[Worker]:
        with self._guard:
            return [*self._idle, *self._busy]

    def busy_pids(self) -> list[int]:
        """The process ids of the workers running a task now."""
        with self._guard:
            return [worker.pid for worker in self._busy]

    def start(self) -> WorkerPool:
        """Starts the missing workers now (they also start on first use)."""
        with self._guard:
            while len(self._idle) + len(self._busy) < self.size:
                self._idle.append(Worker(self.warm))
        return self

    def close(self) -> None:
        with self._guard:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.close()

    # --- running a task ---------------------------------------------------------------

    def run(
        self,
        function: str,
        payload: Any = None,
        *,
        on_progress: Callable[[Any], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_wait: Callable[[int], None] | None = None,
        on_start: Callable[[], None] | None = None,
    ) -> Any:
        """Runs `function(payload, report, should_stop)` in a worker and returns its
        value; blocks the calling thread meanwhile.

        Args:
            function: `"module:function"`, importable in a fresh process.
            payload: its first argument (pickled to the worker).
            on_progress: called in this thread with each message the task reports.
            should_stop: polled while the task runs; once true, the task's own
                `should_stop()` is true too (the task decides how to end).
            on_wait: called with the caller's place (1 = next) while all workers are
                busy, each time it changes.
            on_start: called once a worker has begun the task.

        Raises:
            ValueError: the task raised it (a message for the user).
            core.locks.Cancelled: `should_stop` said so before a worker was free.
            TaskFailed: the task raised anything else.
            WorkerDied: the worker died, or was stopped past its memory limit.
        """
        worker = self._take(on_wait, should_stop)
        try:
            return self._run_on(worker, function, payload, on_progress, should_stop, on_start)
        except WorkerDied:
            self._replace(worker)
            worker = None
            raise
        finally:
            if worker is not None:
                self._give_back(worker)

    def _take(self, on_wait, should_stop) -> Worker:
        ticket, last_place = object(), None
        with self._guard:
            self._waiting.append(ticket)
            try:
                while True:
                    if self._waiting[0] is ticket:
                        if not self._idle and len(self._busy) < self.size:
                            self._idle.append(Worker(self.warm))
                        if self._idle:
                            worker = self._idle.pop(0)
                            self._busy.add(worker)
                            return worker
                    place = self._waiting.index(ticket) + 1
                    if on_wait is not None and place != last_place:
                        on_wait(place)
                        last_place = place
                    if should_stop is not None and should_stop():
                        raise Cancelled("Stopped while waiting for a worker.")
                    self._guard.wait(POLL_SECONDS * 5)
            finally:
                self._waiting.remove(ticket)
                self._guard.notify_all()

    def _give_back(self, worker: Worker) -> None:
        used = resident_bytes(worker.pid)
        if used is not None and used > RECYCLE_FRACTION * self.memory_limit:
            log.info("Worker %s holds %d MB after its task: replaced", worker.pid, used >> 20)
            self._replace(worker)
            return
        with self._guard:
            self._busy.discard(worker)
            self._idle.append(worker)
            self._guard.notify_all()

    def _replace(self, worker: Worker) -> None:
        worker.close(timeout=0.5)
        with self._guard:
            self._busy.discard(worker)
            self.replaced += 1
            if len(self._idle) + len(self._busy) < self.size:
                self._idle.append(Worker(self.warm))
            self._guard.notify_all()

    def _run_on(self, worker: Worker, function: str, payload, on_progress, should_stop, on_start) -> Any:
        with self._guard:
            self._next_task += 1
            task_id = self._next_task
        started = stop_asked = False
        try:
            worker.connection.send((task_id, function, payload, settings()))
        except (OSError, ValueError) as error:
            raise WorkerDied(f"The worker could not take the task ({worker.how_it_died()}).") from error
        while True:
            if started and should_stop is not None and not stop_asked and should_stop():
                worker.ask_to_stop()
                stop_asked = True
            try:
                ready = worker.connection.poll(POLL_SECONDS)
                message = worker.connection.recv() if ready else None
            except (EOFError, OSError):
                message, ready = None, False
                if worker.alive():
                    worker.kill()
            if message is None:
                if not worker.alive():
                    raise WorkerDied(
                        f"The worker process running it ended unexpectedly: {worker.how_it_died()}. "
                        "Nothing was saved; the server and other visitors' work were not affected. Try again, "
                        "perhaps with a smaller model or batch."
                    )
                used = resident_bytes(worker.pid)
                if used is not None and used > self.memory_limit:
                    worker.kill()
                    raise WorkerDied(
                        f"This used more memory than a worker may ({used >> 20:,} MB of "
                        f"{self.memory_limit >> 20:,} MB) and was stopped. Nothing was saved; other visitors' "
                        "work was not affected. Use a smaller model, batch or data subset."
                    )
                continue
            kind = message[0]
            if kind == "started" and message[1] == task_id:
                started = True
                if on_start is not None:
                    on_start()
            elif kind == "progress" and message[1] == task_id:
                if on_progress is not None:
                    on_progress(message[2])
            elif kind == "result" and message[1] == task_id:
                worker.tasks += 1
                return message[2]
            elif kind == "value_error" and message[1] == task_id:
                worker.tasks += 1
                raise ValueError(message[2])
            elif kind == "error" and message[1] == task_id:
                worker.tasks += 1
                log.error("Task %s failed in worker %s:\n%s", function, worker.pid, message[3])
                raise TaskFailed(message[2])


# --- Ray ----------------------------------------------------------------------------


class _RayRunner:
    """Runs one task on a Ray worker; a second thread of the actor answers `drain`
    (the progress so far) and `stop` while `run` runs."""

    def __init__(self):
        self._messages: list = []
        self._guard = threading.Lock()
        self._stop = threading.Event()

    def run(self, function: str, payload, environment: dict[str, str]) -> tuple:
        _apply(environment)
        return _call(function, payload, self._report, self._stop.is_set)

    def _report(self, message) -> None:
        with self._guard:
            self._messages.append(message)

    def drain(self) -> list:
        with self._guard:
            messages, self._messages = self._messages, []
        return messages

    def stop(self) -> None:
        self._stop.set()


def ray_resources(cluster: dict[str, float]) -> dict[str, float]:
    """What one task asks of a Ray cluster with resources `cluster`: a CPU, and a GPU
    when the cluster has any (Keras then trains on it)."""
    return {"num_cpus": 1, "num_gpus": 1 if cluster.get("GPU", 0) >= 1 else 0}


class RayPool:
    """Runs tasks as Ray actors on the cluster at `address`: the same `run` as
    `WorkerPool`, with Ray placing each task on a node with a free CPU (and GPU). The
    store must be at the same path on every node (a shared volume).

    Args:
        address: the cluster's address (`ray://…` or `host:port`), as `ray.init` takes it.
    """

    def __init__(self, address: str):
        import ray

        root = Path(__file__).resolve().parent
        ray.init(
            address=address,
            namespace="mlp-explorer",
            ignore_reinit_error=True,
            log_to_driver=False,
            runtime_env={"py_modules": [str(root)]},
        )
        self.address = address
        self.size = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._actor = ray.remote(max_concurrency=2)(_RayRunner)

    def run(
        self, function: str, payload: Any = None, *, on_progress=None, should_stop=None, on_wait=None, on_start=None
    ) -> Any:
        """As `WorkerPool.run`; Ray queues tasks beyond the cluster's CPUs itself, so
        `on_wait` is not called, and `on_start` is called once the task is handed to Ray."""
        import ray
        from ray.exceptions import RayActorError, RayTaskError

        runner = self._actor.options(**ray_resources(ray.cluster_resources())).remote()
        try:
            done = runner.run.remote(function, payload, settings())
            if on_start is not None:
                on_start()
            stop_asked = False
            while True:
                ready, _ = ray.wait([done], timeout=POLL_SECONDS * 5)
                for message in ray.get(runner.drain.remote()):
                    if on_progress is not None:
                        on_progress(message)
                if ready:
                    break
                if should_stop is not None and not stop_asked and should_stop():
                    runner.stop.remote()
                    stop_asked = True
            kind, *rest = ray.get(done)
        except (RayActorError, RayTaskError) as error:
            raise WorkerDied(
                f"The Ray worker running it ended unexpectedly ({type(error).__name__}). Nothing was "
                "saved; other visitors' work was not affected. Try again."
            ) from error
        finally:
            ray.kill(runner)
        if kind == "value_error":
            raise ValueError(rest[0])
        if kind == "error":
            log.error("Task %s failed on Ray:\n%s", function, rest[1])
            raise TaskFailed(rest[0])
        return rest[0]

    def close(self) -> None:
        import ray

        ray.shutdown()


def ray_address() -> str | None:
    """The Ray cluster to run on: `MLP_EXPLORER_RAY_ADDRESS`, else `RAY_ADDRESS`, else none."""
    return os.environ.get("MLP_EXPLORER_RAY_ADDRESS") or os.environ.get("RAY_ADDRESS") or None


_POOL: WorkerPool | RayPool | None = None
_POOL_GUARD = threading.Lock()


def pool() -> WorkerPool | RayPool:
    """This server's pool: the Ray cluster when one is named (`ray_address`), else
    local worker processes, as many as `core.limits.Limits.max_jobs` trainings."""
    global _POOL
    from core.limits import Limits

    with _POOL_GUARD:
        if _POOL is None:
            address = ray_address()
            _POOL = RayPool(address) if address else WorkerPool(Limits.from_env().max_jobs)
        return _POOL


def reset() -> None:
    """Closes this server's pool; the next `pool()` starts a new one (tests, settings)."""
    global _POOL
    with _POOL_GUARD:
        if _POOL is not None:
            _POOL.close()
        _POOL = None


if __name__ == "__main__":
    _worker_main(int(sys.argv[1]), tuple(name for name in sys.argv[2].split(",") if name))
