"""Server limits: a first-come queue of training slots, and size limits in hosted mode."""

import threading
import time

import pytest

from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.limits import JobQueue, Limits, job_queue
from core.runs import get_or_train


def test_defaults_come_from_the_core_count(monkeypatch):
    for name in ("MLP_EXPLORER_MAX_JOBS", "MLP_EXPLORER_HOSTED", "MLP_EXPLORER_MAX_PARAMS", "MLP_EXPLORER_MAX_EPOCHS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    limits = Limits.from_env()
    assert limits == Limits(max_jobs=4, max_params=None, max_epochs=None)
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert Limits.from_env().max_jobs == 1


def test_hosted_mode_turns_on_configurable_size_limits(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_EPOCHS", "5")
    limits = Limits.from_env()
    assert limits.max_params == 1_000_000 and limits.max_epochs == 5
    limits.check(params=266_610, epochs=5)
    with pytest.raises(ValueError, match="at most 1,000,000"):
        limits.check(params=2_000_000, epochs=1)
    with pytest.raises(ValueError, match="Received: epochs=6; this server trains at most 5"):
        limits.check(params=10, epochs=6)


@pytest.mark.parametrize("raw", ["zero", "0", "-3"])
def test_a_bad_environment_value_is_named(monkeypatch, raw):
    monkeypatch.setenv("MLP_EXPLORER_MAX_JOBS", raw)
    with pytest.raises(ValueError, match=f"Received: MLP_EXPLORER_MAX_JOBS='{raw}'"):
        Limits.from_env()


def test_the_queue_runs_at_most_its_slots_first_come_first_served():
    queue = JobQueue(slots=2)
    running, peak, order, positions = [0], [0], [], {}
    guard = threading.Lock()

    def job(name, delay):
        time.sleep(delay)  # arrive in order
        with queue.slot(on_wait=lambda p: positions.setdefault(name, []).append(p), poll=0.01):
            with guard:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
                order.append(name)
            time.sleep(0.2)
            with guard:
                running[0] -= 1

    threads = [threading.Thread(target=job, args=(n, 0.02 * i)) for i, n in enumerate("abcde")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 2
    assert order == list("abcde")
    assert positions["c"][0] == 1 and positions["e"][0] == 3  # e waited behind c and d
    assert positions["e"][-1] == 1  # and moved up as they started
    assert queue.running == 0 and queue.queued == 0


def test_a_waiter_that_gives_up_leaves_the_queue():
    queue = JobQueue(slots=1)

    def impatient(position):
        raise KeyboardInterrupt  # as when the user stops while queued

    with queue.slot():
        with pytest.raises(KeyboardInterrupt):
            with queue.slot(on_wait=impatient):
                pass
        assert queue.queued == 0
    with queue.slot():  # the slot is free again
        assert queue.running == 1


def test_hosted_limits_refuse_before_training(monkeypatch, tmp_path):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_PARAMS", "1000")
    config = RunConfig(DataConfig("digits"), MLPConfig(((64, "relu"),)), TrainingConfig(epochs=1))
    from core.store import RunStore

    with pytest.raises(ValueError, match="has 4,810 parameters; this server trains models of at most 1,000"):
        get_or_train(config, load_dataset("digits"), store=RunStore(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_the_process_queue_follows_the_environment(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_MAX_JOBS", "3")
    assert job_queue().slots == 3
    monkeypatch.setenv("MLP_EXPLORER_MAX_JOBS", "1")
    assert job_queue().slots == 1
