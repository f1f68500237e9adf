"""A configuration trains once; later requests come back from the store, whole or not
at all; store problems are reported, never raised."""

import errno
import os
import threading

import numpy as np
import pytest

from core import runs
from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.store import RunStore, StoreWarning


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture
def counting_train(monkeypatch):
    calls = []
    real_train = runs.train

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real_train(*args, **kwargs)

    monkeypatch.setattr(runs, "train", counted)
    return calls


def config(seed=0, **training):
    return RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), TrainingConfig(epochs=2, seed=seed, **training))


def test_a_second_identical_request_loads_instead_of_training(tmp_path, digits, counting_train):
    store = RunStore(tmp_path)
    first = runs.get_or_train(config(), digits, store=store)
    second = runs.get_or_train(config(), digits, store=store)
    assert len(counting_train) == 1
    assert not first.from_cache and second.from_cache
    assert second.history == first.history
    assert second.test_metrics == first.test_metrics
    np.testing.assert_allclose(second.test_proba, first.test_proba)
    np.testing.assert_allclose(
        second.model.predict(digits.x_test[:5], verbose=0), first.model.predict(digits.x_test[:5], verbose=0), atol=1e-6
    )
    assert runs.is_cached(config(), store)


def test_store_survives_a_new_process_view(tmp_path, digits):
    runs.get_or_train(config(seed=1), digits, store=RunStore(tmp_path))
    reloaded = runs.load_cached(config(seed=1), RunStore(tmp_path))
    assert reloaded is not None and reloaded.from_cache
    assert reloaded.config == config(seed=1)


def test_an_interrupted_write_leaves_no_entry(tmp_path, digits, monkeypatch):
    store = RunStore(tmp_path)
    result = runs.train(config(seed=2), digits)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process died while writing the model

    monkeypatch.setattr(type(result.model), "save", killed)
    with pytest.raises(KeyboardInterrupt):
        runs.save_result(result, store)
    assert list(tmp_path.iterdir()) == []  # no entry, and no temporary folder left
    assert runs.load_cached(config(seed=2), store) is None


def _bad_json(entry):
    (entry / "meta.json").write_text("{not json")


def _truncated_model(entry):
    model = entry / "model.keras"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])


def _missing_history(entry):
    (entry / "history.json").unlink()


@pytest.mark.parametrize("damage", [_bad_json, _truncated_model, _missing_history])
def test_a_corrupt_entry_is_a_miss_with_a_warning_and_is_retrained(tmp_path, digits, counting_train, damage):
    store = RunStore(tmp_path)
    runs.get_or_train(config(seed=3), digits, store=store)
    damage(store.path_for(config(seed=3).to_json()))
    fresh = RunStore(tmp_path)
    with pytest.warns(StoreWarning, match="could not be read"):
        result = runs.get_or_train(config(seed=3), digits, store=fresh)
    assert not result.from_cache
    assert len(counting_train) == 2
    assert fresh.problems and "trained again" in fresh.problems[0]
    assert runs.load_cached(config(seed=3), RunStore(tmp_path)) is not None  # repaired


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_disk_still_returns_the_result(tmp_path, digits, monkeypatch, code):
    def no_room(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(np, "savez", no_room)
    store = RunStore(tmp_path)
    with pytest.warns(StoreWarning, match="could not be saved"):
        result = runs.get_or_train(config(seed=4), digits, store=store)
    assert result.test_metrics["accuracy"] > 0
    assert os.strerror(code) in store.problems[0]
    assert [path.name for path in tmp_path.iterdir()] == []  # the temporary folder is gone


def test_an_unwritable_store_still_returns_the_result(tmp_path, digits):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store folder should be")
    store = RunStore(blocker)
    with pytest.warns(StoreWarning, match="could not be saved"):
        result = runs.get_or_train(config(seed=5), digits, store=store)
    assert result.test_metrics["accuracy"] > 0 and not result.from_cache
    assert "will not be remembered" in store.problems[0]


def test_diverged_runs_are_not_stored(tmp_path, digits):
    store = RunStore(tmp_path)
    bad = RunConfig(DataConfig("digits"), MLPConfig(((64, "linear"), (64, "linear"))),
                    TrainingConfig(optimizer="sgd", learning_rate=5.0, epochs=3))
    result = runs.get_or_train(bad, digits, store=store)
    assert result.diverged
    assert not runs.is_cached(bad, store)


def test_two_sessions_asking_at_once_train_once(tmp_path, digits, counting_train):
    store_root = tmp_path
    results = []

    def ask():
        results.append(runs.get_or_train(config(seed=6), digits, store=RunStore(store_root)))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(counting_train) == 1
    assert sorted(result.from_cache for result in results) == [False, True]


@pytest.mark.slow
def test_a_process_killed_while_saving_leaves_no_entry(tmp_path, digits):
    """A real SIGKILL in the middle of writing a run: no entry, and the next process
    trains and stores it normally."""
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from core import runs
from core.config import *
from core.data import load_dataset
from core.store import RunStore
result = runs.train(RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), TrainingConfig(epochs=2, seed=9)),
                    load_dataset("digits"))
real_save = type(result.model).save
def slow_save(self, path, *args, **kwargs):
    open(path, "wb").write(b"PK half a zip")
    print("writing", flush=True)
    time.sleep(60)
type(result.model).save = slow_save
runs.save_result(result, RunStore({str(tmp_path)!r}))
"""
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "writing"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        process.kill()
    store = RunStore(tmp_path)
    assert store.list_runs() == []
    killed_config = RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), TrainingConfig(epochs=2, seed=9))
    assert runs.load_cached(killed_config, store) is None
    assert store.problems == []  # a half-written temporary folder is not an entry
    result = runs.get_or_train(killed_config, digits, store=store)
    assert not result.from_cache and runs.load_cached(killed_config, RunStore(tmp_path)) is not None
