"""The run store: round trip, atomic writes, unreadable entries, and the size bound."""

import json
import os
import shutil
import sys
import time

import numpy as np
import pytest

from core.store import MAX_MB_ENV_VAR, RunStore, StoreWarning, default_max_bytes

CONFIG = json.dumps({"run": 1})


class FakeModel:
    """Writes `size` bytes as its model file: enough for the store, no Keras needed."""

    def __init__(self, size=1000, fail=None):
        self.size, self.fail = size, fail

    def save(self, path):
        with open(path, "wb") as file:
            file.write(b"x" * (self.size // 2))
            if self.fail is not None:  # dies halfway through writing the model
                raise self.fail
            file.write(b"x" * (self.size - self.size // 2))


def config(i):
    return json.dumps({"run": i})


def save(store, i, size=1000, **kwargs):
    return store.save(config(i), model=FakeModel(size, **kwargs), history={"loss": [1.0, 0.5]}, meta={"kind": "t"})


def test_round_trip_with_a_real_model(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    store = RunStore(tmp_path)
    arrays = {"test_proba": np.full((4, 2), 0.5, dtype=np.float32)}
    path = store.save(CONFIG, model=model, history={"loss": [0.3]}, meta={"wall_time": 1.5}, arrays=arrays)
    assert path == store.path_for(CONFIG)
    run = store.load(CONFIG)
    assert run.config == {"run": 1} and run.history == {"loss": [0.3]}
    assert run.meta["wall_time"] == 1.5 and run.meta["key"] == run.key
    np.testing.assert_array_equal(run.arrays["test_proba"], arrays["test_proba"])
    x = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_allclose(run.load_model().predict(x, verbose=0), model.predict(x, verbose=0))
    assert [r.key for r in store.list_runs()] == [run.key]
    assert run.size_bytes > 0 and store.size_bytes() >= run.size_bytes


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_an_interrupted_write_leaves_no_entry(tmp_path, failure):
    store = RunStore(tmp_path)
    if isinstance(failure, OSError):
        with pytest.warns(StoreWarning, match="could not be saved"):
            assert save(store, 1, fail=failure) is None
        assert "disk full" in store.problems[0]
    else:  # a kill: nothing is caught, but the half-written folder is gone
        with pytest.raises(KeyboardInterrupt):
            save(store, 1, fail=failure)
    assert store.load(config(1)) is None
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_entry_is_a_miss_with_a_problem(tmp_path):
    store = RunStore(tmp_path)
    path = save(store, 1)
    (path / "meta.json").write_text("{not json")
    with pytest.warns(StoreWarning, match="could not be read"):
        assert store.load(config(1)) is None
    assert path.name in store.problems[0] and "trained again" in store.problems[0]
    with pytest.warns(StoreWarning):
        assert store.list_runs() == []


def test_delete(tmp_path):
    store = RunStore(tmp_path)
    key = save(store, 1).name
    assert store.delete(key) and not store.delete(key)
    assert not store.delete("../outside")
    assert store.list_runs() == []


def test_eviction_keeps_the_store_under_its_bound_least_recently_used_first(tmp_path):
    size = 100_000
    store = RunStore(tmp_path, max_bytes=None)
    paths = [save(store, i, size) for i in range(4)]
    for age, path in zip((40, 30, 20, 10), paths):  # run 0 is the oldest
        os.utime(path, (time.time() - age,) * 2)
    store.load(config(0))  # a load counts as a use: run 0 is now the newest
    bounded = RunStore(tmp_path, max_bytes=int(3.5 * size))
    save(bounded, 4, size)
    kept = {key for key, _, _ in bounded.entries()}
    # Five entries of a bit over `size` bytes, room for three: runs 1 and 2 go.
    assert kept == {paths[0].name, paths[3].name, bounded.key_for(config(4))}
    assert bounded.size_bytes() <= 3.5 * size
    assert bounded.evict(size // 2) and bounded.size_bytes() <= size // 2


def test_the_newest_entry_survives_a_bound_smaller_than_itself(tmp_path):
    store = RunStore(tmp_path, max_bytes=10)
    save(store, 1, 5000)
    save(store, 2, 5000)
    assert [key for key, _, _ in store.entries()] == [store.key_for(config(2))]


def test_stale_temporary_folders_are_cleaned(tmp_path):
    stale, fresh = tmp_path / ".tmp-stale", tmp_path / ".tmp-fresh"
    stale.mkdir(), fresh.mkdir()
    os.utime(stale, (time.time() - 7200,) * 2)
    RunStore(tmp_path).evict(10**9)
    assert not stale.exists() and fresh.exists()  # fresh: maybe a save in progress


def test_size_bound_from_the_environment(monkeypatch):
    monkeypatch.setenv(MAX_MB_ENV_VAR, "1.5")
    assert RunStore().max_bytes == default_max_bytes() == int(1.5 * 1024 * 1024)
    monkeypatch.setenv(MAX_MB_ENV_VAR, "0")
    assert default_max_bytes() is None
    monkeypatch.setenv(MAX_MB_ENV_VAR, "lots")
    with pytest.warns(StoreWarning, match="Received: MLP_EXPLORER_CACHE_MAX_MB='lots'"):
        assert default_max_bytes() == 2048 * 1024 * 1024
    monkeypatch.delenv(MAX_MB_ENV_VAR)
    assert default_max_bytes() == 2048 * 1024 * 1024


def _save_loop(root, times, failures):
    import warnings

    store = RunStore(root, max_bytes=None)
    for _ in range(times):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StoreWarning)
            if store.save(CONFIG, model=FakeModel(20_000), history={"loss": [1.0]}, meta={"kind": "t"}) is None:
                failures.value += 1


def _read_loop(root, done, reads, misses):
    store = RunStore(root, max_bytes=None)
    while not done.value:
        reads.value += 1
        if store.load(CONFIG) is None:
            misses.value += 1


def test_saving_one_key_from_several_processes_never_fails_nor_leaves_a_gap(tmp_path, monkeypatch):
    import multiprocessing
    import types

    # A spawned process first runs the parent's `__main__` again. After an AppTest of a
    # function in the same worker, that is the AppTest's generated script (it stays
    # `__main__`), which cannot run on its own, and every child died on it. A blank
    # `__main__` has nothing to run again.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    RunStore(tmp_path).save(CONFIG, model=FakeModel(), history={"loss": [1.0]}, meta={"kind": "t"})  # before the race
    context = multiprocessing.get_context("spawn")
    failures, reads, misses, done = (context.Value("i", 0) for _ in range(4))
    readers = [context.Process(target=_read_loop, args=(tmp_path, done, reads, misses)) for _ in range(2)]
    for process in readers:
        process.start()
    deadline = time.time() + 60
    while reads.value < 10 and time.time() < deadline:  # the readers are reading: start the race
        time.sleep(0.05)
    savers = [context.Process(target=_save_loop, args=(tmp_path, 30, failures)) for _ in range(3)]
    for process in savers:
        process.start()
    reads_at_start = reads.value
    for process in savers:
        process.join(120)
    before_end = reads.value
    time.sleep(0.2)
    done.value = 1
    for process in savers + readers:
        process.join(60)
        assert process.exitcode == 0, f"a {'saver' if process in savers else 'reader'} ended with {process.exitcode}"
    assert (failures.value, misses.value) == (0, 0), f"{failures.value} failed saves, {misses.value} misses"
    # The readers really read while the savers saved.
    assert before_end > reads_at_start, f"reads: {reads_at_start} when the savers started, {before_end} when they ended"
    store = RunStore(tmp_path)
    assert store.load(CONFIG) is not None and not store.problems
    # Each replaced version was removed: one folder is left for the key.
    assert len(list((tmp_path / ".versions").iterdir())) == 1


def test_an_entry_saved_as_a_plain_folder_still_reads_and_is_replaced(tmp_path):
    store = RunStore(tmp_path)
    path = save(store, 1)
    plain = tmp_path / "plain"
    shutil.copytree(path, plain)
    path.unlink()
    shutil.rmtree(tmp_path / ".versions")
    plain.rename(path)  # an entry as the store wrote them before entries were links
    assert store.load(config(1)) is not None
    save(store, 1)
    assert path.is_symlink() and store.load(config(1)) is not None
    assert store.delete(path.name) and not any((tmp_path / ".versions").iterdir())


def test_a_version_no_entry_names_is_cleaned_when_stale(tmp_path):
    store = RunStore(tmp_path)
    save(store, 1)
    orphan = tmp_path / ".versions" / "deadbeef.orphan"
    orphan.mkdir()
    os.utime(orphan, (time.time() - 7200,) * 2)
    store.evict(10**9)
    assert not orphan.exists() and store.load(config(1)) is not None
