"""Worker processes: tasks run in another process, and what goes wrong there (an
error, a kill, a native crash, too much memory) fails that task alone, with a message;
the pool is back to full size and the next task runs."""

import os
import signal
import threading
import time

import pytest

from core import locks, workers

TASKS = "tests.core.worker_tasks"


@pytest.fixture
def pool():
    pool = workers.WorkerPool(1, memory_limit=4 << 30, warm=())
    yield pool
    pool.close()


def test_a_task_runs_in_another_process_with_its_progress_and_the_servers_settings(pool, monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_TEST_SETTING", "before")
    pool.start()
    monkeypatch.setenv("MLP_EXPLORER_TEST_SETTING", "after")  # set after the worker started
    steps = []
    value = pool.run(f"{TASKS}:echo", {"steps": 3}, on_progress=steps.append)
    assert value["pid"] != os.getpid()
    assert value["payload"] == {"steps": 3} and steps == [0, 1, 2]
    assert value["setting"] == "after"
    assert pool.run(f"{TASKS}:echo", {"steps": 0})["pid"] == value["pid"]  # the worker is kept


def test_a_value_error_comes_back_as_it_is_and_other_errors_name_themselves(pool):
    with pytest.raises(ValueError, match="Received: payload=7"):
        pool.run(f"{TASKS}:refuse", 7)
    with pytest.raises(workers.TaskFailed, match="KeyError: 'a bug'"):
        pool.run(f"{TASKS}:break_down")
    assert pool.replaced == 0  # errors do not cost the worker
    assert pool.run(f"{TASKS}:echo", {"steps": 0})["payload"] == {"steps": 0}


def test_stop_reaches_the_task(pool):
    asked = threading.Event()
    threading.Timer(0.5, asked.set).start()
    assert pool.run(f"{TASKS}:wait_to_be_stopped", {}, should_stop=asked.is_set) == "stopped"
    assert pool.run(f"{TASKS}:wait_to_be_stopped", {"seconds": 0.2}) == "not stopped"  # the flag was reset


@pytest.mark.parametrize(
    "how, message",
    [
        ("kill", r"killed \(SIGKILL"),
        ("exit", "exited with code 3"),
        ("abort", r"crashed \(SIGABRT\)"),
    ],
)
def test_a_worker_that_dies_fails_its_task_alone_and_is_replaced(pool, how, message):
    first = pool.run(f"{TASKS}:echo", {"steps": 0})["pid"]
    with pytest.raises(workers.WorkerDied, match=message) as died:
        if how == "kill":
            threading.Timer(1.0, os.kill, (first, signal.SIGKILL)).start()
            pool.run(f"{TASKS}:wait_to_be_stopped", {})
        else:
            pool.run(f"{TASKS}:{'exit_at_once' if how == 'exit' else 'abort'}")
    assert "other visitors' work" in str(died.value)
    assert pool.replaced == 1 and len(pool.workers()) == pool.size
    after = pool.run(f"{TASKS}:echo", {"steps": 1})
    assert after["pid"] != first


def test_a_task_past_the_memory_limit_is_stopped_and_says_so():
    pool = workers.WorkerPool(1, memory_limit=400 << 20, warm=())
    try:
        with pytest.raises(workers.WorkerDied, match="more memory than a worker may"):
            pool.run(f"{TASKS}:allocate", {"megabytes": 2000})
        assert len(pool.workers()) == 1
        assert pool.run(f"{TASKS}:allocate", {"megabytes": 32}) == 2
    finally:
        pool.close()


def test_callers_beyond_the_workers_wait_in_order_and_see_their_place(pool):
    pool.start()
    places, order = [], []
    stop_first = threading.Event()

    def first():
        order.append(pool.run(f"{TASKS}:wait_to_be_stopped", {}, should_stop=stop_first.is_set))

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(0.5)
    threading.Timer(1.0, stop_first.set).start()
    order.append(pool.run(f"{TASKS}:echo", {"steps": 0}, on_wait=places.append)["payload"])
    thread.join(10)
    assert order == ["stopped", {"steps": 0}]
    assert places and set(places) == {1}


def test_a_caller_that_stops_while_waiting_never_runs(pool):
    blocker = threading.Event()
    thread = threading.Thread(
        target=pool.run, args=(f"{TASKS}:wait_to_be_stopped", {}), kwargs={"should_stop": blocker.is_set}
    )
    thread.start()
    time.sleep(0.5)
    with pytest.raises(locks.Cancelled):
        pool.run(f"{TASKS}:echo", {"steps": 0}, should_stop=lambda: True)
    blocker.set()
    thread.join(10)


def test_the_memory_setting_is_checked_and_explained(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_WORKER_MEMORY_MB", "lots")
    with pytest.raises(ValueError, match="MLP_EXPLORER_WORKER_MEMORY_MB='lots'"):
        workers.worker_memory_limit(2)
    monkeypatch.setenv("MLP_EXPLORER_WORKER_MEMORY_MB", "1500")
    assert workers.worker_memory_limit(2) == 1500 << 20
    monkeypatch.delenv("MLP_EXPLORER_WORKER_MEMORY_MB")
    assert workers.worker_memory_limit(2) == (workers.memory_budget() - workers.SERVER_RESERVE_BYTES) // 2


def test_the_memory_budget_reads_the_containers_limit(tmp_path):
    (tmp_path / "memory.max").write_text("3221225472\n")
    assert workers.memory_budget(tmp_path) == 3 << 30
    (tmp_path / "memory.max").write_text("max\n")
    assert workers.memory_budget(tmp_path) > 0  # no limit: the machine's memory
