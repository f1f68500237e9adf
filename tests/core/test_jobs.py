"""Trainings as background jobs: submit returns at once, progress is readable from
memory and from the status file, Stop stops, jobs queue for slots, one configuration
trains once, and a job killed with its process reads as interrupted."""

import json
import os
import threading
import time

import pytest

from core import jobs, locks, runs, workers
from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.store import RunStore


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def config(seed=0, epochs=3, units=16, **training):
    return RunConfig(
        DataConfig("digits"), MLPConfig(((units, "relu"),)), TrainingConfig(epochs=epochs, seed=seed, **training)
    )


def wait_for(condition, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_submit_returns_at_once_and_the_job_trains_and_stores(tmp_path, digits):
    store = RunStore(tmp_path)
    started = time.perf_counter()
    job = jobs.JobPool().submit(config(epochs=4), digits, store=store, owner="a")
    assert time.perf_counter() - started < 1.0  # training happens in the background
    assert job.status().active
    assert job.wait(120)
    status = job.status()
    assert status.state == "done" and status.epoch == 4 and len(status.history["loss"]) == 4
    assert job.result.epochs_run == 4 and not job.result.from_cache
    assert runs.load_cached(config(epochs=4), store) is not None
    assert not jobs.status_path(tmp_path, job.key).exists()  # the store holds it all now


@pytest.mark.slow
def test_progress_is_written_per_epoch_for_other_processes_to_read(tmp_path, digits):
    store = RunStore(tmp_path)
    seen = []

    job = jobs.JobPool().submit(config(seed=1, epochs=40, units=64, batch_size=16), digits, store=store)
    assert wait_for(
        lambda: (s := jobs.read_status(tmp_path, job.key)) is not None and s.epoch >= 2 and seen.append(s) is None
    )
    on_disk = seen[0]
    assert on_disk.state == "running" and on_disk.kind == "classification" and on_disk.label == "64 relu"
    assert len(on_disk.history["loss"]) == on_disk.epoch and on_disk.epochs == 40
    job.stop()
    assert job.wait(60)
    assert job.status().state == "stopped" and "nothing was saved" in job.status().message
    assert jobs.read_status(tmp_path, job.key).state == "stopped"
    assert not runs.is_cached(config(seed=1, epochs=40, units=64, batch_size=16), store)


@pytest.mark.slow
def test_one_sessions_stop_does_not_stop_a_job_another_session_waits_for(tmp_path, digits):
    pool = jobs.JobPool()
    store = RunStore(tmp_path)
    slow = config(seed=2, epochs=30, units=64, batch_size=16)
    first = pool.submit(slow, digits, store=store, owner="alice")
    second = pool.submit(slow, digits, store=store, owner="bob")
    assert first is second  # one configuration, one job
    first.stop("alice")
    time.sleep(0.5)
    assert first.active and first.status().state in ("starting", "queued", "running")
    first.stop("bob")
    assert first.wait(60) and first.status().state == "stopped"


@pytest.fixture
def one_worker():
    pool = workers.WorkerPool(1)
    yield pool
    pool.close()


@pytest.mark.slow
def test_jobs_beyond_the_workers_queue_and_see_their_place(tmp_path, digits, one_worker):
    pool = jobs.JobPool(one_worker)
    store = RunStore(tmp_path)
    first = pool.submit(config(seed=3, epochs=30, units=64, batch_size=16), digits, store=store)
    assert wait_for(lambda: first.status().state == "running")
    second = pool.submit(config(seed=4, epochs=2), digits, store=store)
    assert wait_for(lambda: second.status().state == "queued" and second.status().place == 1)
    assert jobs.read_status(tmp_path, second.key).place == 1  # other sessions see the place too
    first.stop()
    assert second.wait(120) and second.status().state == "done"
    assert first.status().state == "stopped"


def test_a_queued_job_can_be_stopped_before_it_starts(tmp_path, digits, one_worker):
    pool = jobs.JobPool(one_worker)
    store = RunStore(tmp_path)
    first = pool.submit(config(seed=5, epochs=300, units=64, batch_size=8), digits, store=store)
    assert wait_for(lambda: first.status().state == "running", 120)
    job = pool.submit(config(seed=50), digits, store=store)
    assert wait_for(lambda: job.status().state == "queued" and job.status().place == 1)
    job.stop()
    assert job.wait(30)
    assert job.status().state == "stopped" and job.status().message == "Stopped before training started."
    assert first.active  # the running one goes on
    first.stop()
    assert first.wait(60)


def test_a_job_that_may_not_train_fails_with_the_reason_before_starting(tmp_path, digits, monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_EPOCHS", "2")
    with pytest.raises(ValueError, match="Received: epochs=5; this server trains at most 2"):
        jobs.JobPool().submit(config(epochs=5), digits, store=RunStore(tmp_path))


def test_a_diverged_job_says_why_and_stores_nothing(tmp_path, digits):
    bad = RunConfig(
        DataConfig("digits"),
        MLPConfig(((64, "linear"), (64, "linear"))),
        TrainingConfig(optimizer="sgd", learning_rate=5.0, epochs=3),
    )
    job = jobs.JobPool().submit(bad, digits, store=RunStore(tmp_path))
    assert job.wait(60)
    assert job.status().state == "diverged" and job.status().message
    assert job.result.diverged and not runs.is_cached(bad, RunStore(tmp_path))
    # It comes back from the worker with its curves, for the page to show.
    assert job.result.divergence and job.result.history["loss"]


def test_a_status_left_by_a_killed_process_reads_as_interrupted(tmp_path):
    status = jobs.JobStatus(
        key="abc",
        kind="classification",
        label="300-100 relu",
        dataset="fashion_mnist",
        state="running",
        epoch=3,
        epochs=10,
        updated=time.time() - 60,
    )
    (tmp_path / jobs.JOBS_DIR).mkdir()
    jobs.status_path(tmp_path, "abc").write_text(json.dumps(status.to_dict()))
    read = jobs.read_status(tmp_path, "abc")
    assert read.state == "interrupted" and "epoch 3 of 10" in read.message
    with locks.run_lock(tmp_path, "abc"):  # its trainer is alive: still running
        assert jobs.read_status(tmp_path, "abc").state == "running"


def test_a_second_submission_after_the_run_is_stored_loads_it(tmp_path, digits):
    pool = jobs.JobPool()
    store = RunStore(tmp_path)
    pool.submit(config(seed=6, epochs=2), digits, store=store).wait(120)
    again = pool.submit(config(seed=6, epochs=2), digits, store=store)
    assert again.wait(30) and again.status().state == "done" and again.result.from_cache


@pytest.mark.slow
def test_two_processes_on_one_store_train_a_configuration_once(tmp_path):
    """Two server processes (replicas of a hosted demo) share a store and ask for the
    same configuration at the same moment: exactly one trains, both get the run."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    go = tmp_path / "go"
    code = f"""
import os, sys, time, json
sys.path.insert(0, {str(ROOT)!r})
from core import runs
from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.store import RunStore
data = load_dataset("digits")
run = RunConfig(DataConfig("digits"), MLPConfig(((32, "relu"),)), TrainingConfig(epochs=8, seed=11))
kind = runs.kind_of(run)
trained = []
real = type(kind).train
def counted(self, *args, **kwargs):
    trained.append(os.getpid())
    return real(self, *args, **kwargs)
type(kind).train = counted
print("ready", flush=True)
while not os.path.exists({str(go)!r}):
    time.sleep(0.01)
result = runs.load_or_train(run, data, store=RunStore({str(tmp_path / "store")!r}))
print(json.dumps({{"trained": len(trained), "from_cache": result.from_cache, "accuracy": result.test_metrics["accuracy"]}}))
"""
    env = {**os.environ, "MLP_EXPLORER_MAX_JOBS": "2"}
    processes = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready"
        go.write_text("")  # both ask at the same moment
        outputs = [json.loads(process.communicate(timeout=240)[0].strip().splitlines()[-1]) for process in processes]
    finally:
        for process in processes:
            process.kill()
    assert sorted(output["trained"] for output in outputs) == [0, 1]
    assert sorted(output["from_cache"] for output in outputs) == [False, True]
    assert outputs[0]["accuracy"] == outputs[1]["accuracy"]
    store = RunStore(tmp_path / "store")
    assert len(store.list_runs()) == 1 and store.problems == []


def test_a_reloaded_tab_takes_over_its_jobs_so_its_stop_stops_at_once(tmp_path, digits):
    pool = jobs.JobPool()
    job = pool.submit(
        config(seed=21, epochs=30, units=64, batch_size=16), digits, store=RunStore(tmp_path), owner="tab"
    )
    job.watch("tab")  # the tab polled a moment ago, then reloaded as a new session
    job.hand_over("tab", "tab-reloaded")
    job.stop("tab-reloaded")
    assert job.wait(60) and job.status().state == "stopped"


def test_a_hosted_visitor_has_one_training_at_a_time(tmp_path, digits, monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    pool = jobs.JobPool()
    store = RunStore(tmp_path)
    slow = config(seed=6, epochs=40, units=64, batch_size=16)
    first = pool.submit(slow, digits, store=store, owner="alice")
    with pytest.raises(ValueError, match=r"You already have 1 training going .*64 relu on .*Wait for it to finish"):
        pool.submit(config(seed=7), digits, store=store, owner="alice")
    assert pool.submit(slow, digits, store=store, owner="alice") is first  # asking again joins it
    other = pool.submit(config(seed=7), digits, store=store, owner="bob")  # another visitor may
    first.stop("alice")
    assert first.wait(60) and other.wait(120)
    pool.submit(config(seed=8), digits, store=store, owner="alice").wait(120)  # once it ended, alice may again


def test_a_hosted_training_is_stopped_at_the_time_limit_and_not_stored(tmp_path, digits, monkeypatch):
    # The estimate lets the run start (it is off here); the clock stops it after 1 s.
    class OneSecond(jobs.Limits):
        @classmethod
        def from_env(cls):
            return cls(max_jobs=1, max_params=None, max_epochs=None, max_job_seconds=1.0)

    monkeypatch.setattr(jobs, "Limits", OneSecond)
    job = jobs.JobPool().submit(config(seed=9, epochs=200, units=64, batch_size=8), digits, store=RunStore(tmp_path))
    assert job.wait(120)
    status = job.status()
    assert status.state == "stopped" and "limit of 1 s per training" in status.message
    assert 0 < status.epoch < 200 and "nothing was saved" in status.message
    assert RunStore(tmp_path).entries() == []


def let_results_go(finished: list, seconds: float = 10) -> bool:
    """Waits for the finished jobs' timers to let their results go; whether they did."""
    deadline = time.time() + seconds
    while any(job.result is not None for job in finished) and time.time() < deadline:
        time.sleep(0.05)
    return all(job.result is None for job in finished)


def test_a_finished_jobs_model_is_let_go_once_stored(tmp_path, digits, monkeypatch):
    # A timer lets it go, not the next call to the pool: after a busy wave of visitors
    # nobody may ask again, and the wave's models would stay.
    import gc
    import weakref

    pool = jobs.JobPool()
    job = pool.submit(config(seed=10, epochs=1), digits, store=RunStore(tmp_path), owner="a")
    assert job.wait(120) and job.result is not None  # kept for the pages following it
    models = []
    let_go = jobs.Job._let_result_go

    def watched(self):
        models.append(weakref.ref(self.result.model))
        let_go(self)

    monkeypatch.setattr(jobs.Job, "_let_result_go", watched)
    monkeypatch.setattr(jobs, "KEEP_RESULT_SECONDS", 0.05)
    trims_asked = []
    monkeypatch.setattr(jobs.heap, "trim_soon", lambda: trims_asked.append(threading.current_thread().name))
    again = pool.submit(config(seed=11, epochs=1), digits, store=RunStore(tmp_path), owner="a")
    assert again.wait(120)
    assert let_results_go([again])  # with no call to the pool in between
    deadline = time.time() + 5  # the timer asks right after it let the result go
    while f"job-{again.key}-forget" not in trims_asked and time.time() < deadline:
        time.sleep(0.02)
    assert f"job-{again.key}-forget" in trims_asked  # and the model's memory goes back soon
    gc.collect()
    assert len(models) == 1 and models[0]() is None
    assert pool.get(again.key, RunStore(tmp_path)) is again  # still findable, for a reloaded page
    assert job.result is not None  # the first one's timer has not fired yet


def test_a_queued_job_sees_an_estimated_wait_from_the_running_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_MAX_JOBS", "1")
    assert jobs.estimated_wait(tmp_path, 1) is None  # nothing to go on
    with locks.run_lock(tmp_path, "a" * 20):  # its trainer is alive
        running = jobs.JobStatus(key="a" * 20, kind="classification", label="x", dataset="d", state="running")
        running.epoch, running.epochs, running.elapsed = 2, 10, 20.0  # 10 s per epoch, 8 to go
        jobs._write_status(tmp_path, running)
        assert jobs.estimated_wait(tmp_path, 1) == pytest.approx(80.0)
        # One more in the queue ahead: as long as the running one takes in all (100 s).
        assert jobs.estimated_wait(tmp_path, 2) == pytest.approx(180.0)


def test_finished_jobs_leave_nothing_traced_behind_in_the_process(tmp_path, digits, monkeypatch):
    # Every training used to leave its traced train graph (with all its functions and
    # constants, 5 to 7 MB) in TensorFlow's process-wide gradient registry, so a server
    # grew by that much per run, even once the model was let go.
    import gc

    from tensorflow.python.eager import context
    from tensorflow.python.framework import ops

    def traced():
        gc.collect()
        return set(context.context().list_function_names()), set(ops._gradient_registry.list())

    pool, store = jobs.JobPool(), RunStore(tmp_path)
    monkeypatch.setattr(jobs, "KEEP_RESULT_SECONDS", 0)
    first = pool.submit(config(seed=20, epochs=2), digits, store=store)  # one-time set-up
    assert first.wait(120) and let_results_go([first])
    functions, gradients = traced()
    # Two at once, as two visitors' trainings: neither may keep the other's alive.
    both = [
        pool.submit(config(seed=seed, epochs=2, units=units), digits, store=store)
        for seed, units in ((21, 24), (22, 40))
    ]
    assert all(job.wait(120) for job in both) and [job.status().state for job in both] == ["done", "done"]
    assert let_results_go(both)
    del both
    after_functions, after_gradients = traced()
    assert after_gradients == gradients, f"gradients registered and kept: {sorted(after_gradients - gradients)}"
    assert after_functions <= functions, f"functions kept: {sorted(after_functions - functions)[:10]}"


def test_a_worker_killed_mid_training_fails_that_job_alone_and_the_next_one_trains(tmp_path, digits):
    store = RunStore(tmp_path)
    pool = jobs.JobPool()
    victim = pool.submit(config(seed=30, epochs=300, units=64, batch_size=8), digits, store=store)
    assert wait_for(lambda: victim.status().epoch >= 1, 120)
    (pid,) = workers.pool().busy_pids()
    assert pid != os.getpid()  # the training runs in a worker process
    os.kill(pid, 9)
    assert victim.wait(60)
    status = victim.status()
    assert status.state == "failed"
    assert "ended unexpectedly" in status.message and "SIGKILL" in status.message
    assert not store.path_for(victim.config.to_json()).exists()  # nothing half-trained was stored
    after = pool.submit(config(seed=31, epochs=2), digits, store=store)
    assert after.wait(120) and after.status().state == "done", after.status().message
    assert len(workers.pool().workers()) == workers.pool().size
    assert pid not in [worker.pid for worker in workers.pool().workers()]


def test_a_run_the_store_cannot_keep_comes_back_from_the_worker_with_its_model_and_a_note(tmp_path, digits):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store folder should be")
    job = jobs.JobPool().submit(config(seed=32, epochs=2), digits, store=RunStore(blocker))
    assert job.wait(120) and job.status().state == "done", job.status().message
    assert job.result.model.count_params() == (64 + 1) * 16 + (16 + 1) * 10
    assert any("will not be remembered" in note for note in job.result.notes)
