"""A configuration trains once; later requests come back from the store, whole or not
at all; store problems are reported, never raised. The flow is one for every kind of
run, so the store's failure cases run for each kind."""

import errno
import os
import threading

import numpy as np
import pytest

from core import runs
from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.regression.housing import load_regression_data
from core.regression.sequential import RegressionConfig, RegressionRun
from core.regression.wide_deep import WideDeepConfig, WideDeepRun
from core.store import RunStore, StoreWarning
from core.training import train

KINDS = ("classification", "regression", "wide_and_deep")


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def diabetes():
    return load_regression_data("diabetes")


def kind_config(kind: str, seed: int = 0):
    """A tiny run of `kind` that trains in a second or two."""
    training = TrainingConfig(epochs=2, batch_size=32, seed=seed)
    if kind == "classification":
        return RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), training)
    if kind == "regression":
        return RegressionRun("diabetes", model=RegressionConfig(MLPConfig(((8, "relu"),), "linear")), training=training)
    return WideDeepRun("diabetes", model=WideDeepConfig("aux_output", (0, 1, 2), (2, 3, 4, 5), 8), training=training)


# The fast loop (-m "not slow") checks the classification kind; CI checks every kind.
@pytest.fixture(params=[KINDS[0], *(pytest.param(kind, marks=pytest.mark.slow) for kind in KINDS[1:])])
def any_kind(request, digits, diabetes):
    """`(config factory, data)` for each kind of run."""
    data = digits if request.param == "classification" else diabetes
    return (lambda seed=0: kind_config(request.param, seed)), data


@pytest.fixture
def counting_train(monkeypatch):
    calls = []
    for kind in (runs.kind_named(name) for name in KINDS):
        real = type(kind).train

        def counted(self, config, *args, _real=real, **kwargs):
            calls.append(config)
            return _real(self, config, *args, **kwargs)

        monkeypatch.setattr(type(kind), "train", counted)
    return calls


def entries(root) -> list[str]:
    """The store's entries and leftover temporary folders (its lock folders aside)."""
    return sorted(path.name for path in root.iterdir() if path.name not in (".locks", ".jobs"))


def config(seed=0, **training):
    return RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), TrainingConfig(epochs=2, seed=seed, **training))


def test_a_second_identical_request_loads_instead_of_training(tmp_path, digits, counting_train):
    store = RunStore(tmp_path)
    first = runs.load_or_train(config(), digits, store=store)
    second = runs.load_or_train(config(), digits, store=store)
    assert len(counting_train) == 1
    assert not first.from_cache and second.from_cache
    assert second.history == first.history
    assert second.test_metrics == first.test_metrics
    np.testing.assert_allclose(second.predictions, first.predictions)
    np.testing.assert_allclose(
        second.model.predict(digits.x_test[:5], verbose=0), first.model.predict(digits.x_test[:5], verbose=0), atol=1e-6
    )
    assert runs.is_cached(config(), store)


def test_store_survives_a_new_process_view(tmp_path, digits):
    runs.load_or_train(config(seed=1), digits, store=RunStore(tmp_path))
    reloaded = runs.load_cached(config(seed=1), RunStore(tmp_path))
    assert reloaded is not None and reloaded.from_cache
    assert reloaded.config == config(seed=1)


def test_an_interrupted_write_leaves_no_entry(tmp_path, digits, monkeypatch):
    store = RunStore(tmp_path)
    result = train(config(seed=2), digits)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process died while writing the model

    monkeypatch.setattr(type(result.model), "save", killed)
    with pytest.raises(KeyboardInterrupt):
        runs.save_result(result, digits, store)
    assert entries(tmp_path) == []  # no entry, and no temporary folder left
    assert runs.load_cached(config(seed=2), store) is None


def _bad_json(entry):
    (entry / "meta.json").write_text("{not json")


def _truncated_model(entry):
    model = entry / "model.keras"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])


def _missing_history(entry):
    (entry / "history.json").unlink()


def _missing_predictions(entry):
    (entry / "arrays.npz").unlink()


def _foreign_meta(entry):
    (entry / "meta.json").write_text('{"kind": "no-such-kind"}')


@pytest.mark.parametrize("damage", [_bad_json, _truncated_model, _missing_history, _missing_predictions, _foreign_meta])
def test_a_corrupt_entry_is_a_miss_with_a_warning_and_is_retrained(tmp_path, any_kind, counting_train, damage):
    make, data = any_kind
    store = RunStore(tmp_path)
    runs.load_or_train(make(3), data, store=store)
    damage(store.path_for(make(3).to_json()))
    fresh = RunStore(tmp_path)
    with pytest.warns(StoreWarning, match="could not be read"):
        result = runs.load_or_train(make(3), data, store=fresh)
    assert not result.from_cache
    assert len(counting_train) == 2
    assert fresh.problems and "trained again" in fresh.problems[0]
    repaired = runs.load_cached(make(3), RunStore(tmp_path))
    assert repaired is not None and repaired.config == make(3)


def test_every_kind_round_trips_through_the_store_with_its_full_configuration(tmp_path, any_kind):
    make, data = any_kind
    trained = runs.load_or_train(make(7), data, store=RunStore(tmp_path))
    stored = RunStore(tmp_path).load(make(7).to_json())
    meta = runs.RunMeta.from_dict(stored.meta)
    assert meta.kind == runs.kind_of(make(7)).name
    assert runs.kind_named(meta.kind).config_from_dict(meta.config) == make(7)
    assert meta.epochs_run == 2 and meta.params == trained.model.count_params()
    again = runs.load_key(stored.key, RunStore(tmp_path))
    assert again.from_cache and again.config == make(7)
    np.testing.assert_allclose(again.predictions, trained.predictions, rtol=1e-6)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_disk_still_returns_the_result(tmp_path, digits, monkeypatch, code):
    def no_room(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(np, "savez", no_room)
    store = RunStore(tmp_path)
    with pytest.warns(StoreWarning, match="could not be saved"):
        result = runs.load_or_train(config(seed=4), digits, store=store)
    assert result.test_metrics["accuracy"] > 0
    assert os.strerror(code) in store.problems[0]
    assert entries(tmp_path) == []  # the temporary folder is gone


def test_an_unwritable_store_still_returns_the_result(tmp_path, digits):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store folder should be")
    store = RunStore(blocker)
    with pytest.warns(StoreWarning, match="could not be saved"):
        result = runs.load_or_train(config(seed=5), digits, store=store)
    assert result.test_metrics["accuracy"] > 0 and not result.from_cache
    assert "will not be remembered" in store.problems[0]


def test_diverged_runs_are_not_stored(tmp_path, digits):
    store = RunStore(tmp_path)
    bad = RunConfig(
        DataConfig("digits"),
        MLPConfig(((64, "linear"), (64, "linear"))),
        TrainingConfig(optimizer="sgd", learning_rate=5.0, epochs=3),
    )
    result = runs.load_or_train(bad, digits, store=store)
    assert result.diverged and result.divergence
    assert not runs.is_cached(bad, store)


@pytest.mark.slow
def test_a_collapse_to_chance_after_an_exploding_loss_is_divergence_not_a_result(tmp_path):
    """SGD with a learning rate of 5 on 5,000 Fashion-MNIST images: the first loss is
    astronomically large but finite, then the network sits at 10% accuracy. That is a
    diverged run, not a result of 10.00%."""
    data = load_dataset("fashion_mnist")
    bad = RunConfig(
        DataConfig("fashion_mnist", num_train=5000),
        MLPConfig(),
        TrainingConfig(optimizer="sgd", learning_rate=5.0, epochs=3, batch_size=32, lr_schedule="constant"),
    )
    store = RunStore(tmp_path)
    result = runs.load_or_train(bad, data, store=store)
    assert result.diverged, result.history
    assert "chance" in result.divergence or "grew" in result.divergence
    assert not runs.is_cached(bad, store) and store.list_runs() == []


def test_two_sessions_asking_at_once_train_once(tmp_path, digits, counting_train):
    store_root = tmp_path
    results = []

    def ask():
        results.append(runs.load_or_train(config(seed=6), digits, store=RunStore(store_root)))

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
from core.training import train
data = load_dataset("digits")
result = train(RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), TrainingConfig(epochs=2, seed=9)), data)
real_save = type(result.model).save
def slow_save(self, path, *args, **kwargs):
    open(path, "wb").write(b"PK half a zip")
    print("writing", flush=True)
    time.sleep(60)
type(result.model).save = slow_save
runs.save_result(result, data, RunStore({str(tmp_path)!r}))
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
    result = runs.load_or_train(killed_config, digits, store=store)
    assert not result.from_cache and runs.load_cached(killed_config, RunStore(tmp_path)) is not None


@pytest.mark.slow
def test_a_continued_run_starts_from_its_parent_and_goes_on_with_its_history(tmp_path, digits):
    store = RunStore(tmp_path)
    parent = runs.load_or_train(config(seed=12), digits, store=store)
    longer = runs.continued(config(seed=12), 3)
    child = runs.load_or_train(longer, digits, store=store)
    assert child.epochs_run == 5 and not child.from_cache
    assert child.history["loss"][:2] == parent.history["loss"]  # the parent's curves, then more
    assert child.history["loss"][2] < parent.history["loss"][0]  # it starts from trained weights
    assert longer.training.parent == store.key_for(config(seed=12).to_json())
    assert any("Continues run" in note for note in child.notes)
    assert len(store.list_runs()) == 2  # a new run; the parent is kept as it was
    np.testing.assert_allclose(runs.load_cached(config(seed=12), store).predictions, parent.predictions, rtol=1e-6)


def test_continuing_needs_more_epochs_and_a_stored_parent(tmp_path, digits):
    with pytest.raises(ValueError, match="Received: more_epochs=0"):
        runs.continued(config(), 0)
    orphan = runs.continued(config(seed=13), 2)  # its parent was never trained
    with pytest.raises(ValueError, match="no longer stored"):
        runs.load_or_train(orphan, digits, store=RunStore(tmp_path))
