"""Comparing stored runs: real tiny runs of every kind in a private store, and hand-written
meta data for the odd cases (unknown kinds, uploads, broken fields)."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.experiments.compare import (
    LEADING_COLUMNS,
    UPLOADED,
    best_epoch,
    config_diff,
    curve_metrics,
    run_labels,
    run_table,
)
from core.store import RunStore

QUICK = TrainingConfig(epochs=2, batch_size=64, learning_rate=1e-3)
# 50 images, a big step and many epochs: the validation loss falls, then rises.
OVERFIT = dict(learning_rate=0.03, batch_size=10)


def digits_run(training: TrainingConfig, *, num_train=None, units=8) -> RunConfig:
    return RunConfig(DataConfig("digits", num_train=num_train), MLPConfig(((units, "relu"),)), training)


CONFIGS = {
    "base": digits_run(QUICK),
    "faster": digits_run(TrainingConfig(epochs=2, batch_size=64, learning_rate=3e-3)),
}
OVERFITTING = {
    # Patience longer than the run: it completes, and Keras still restores the best epoch.
    "patient": digits_run(TrainingConfig(epochs=12, early_stopping_patience=20, **OVERFIT), num_train=50, units=64),
    "stopped": digits_run(TrainingConfig(epochs=30, early_stopping_patience=2, **OVERFIT), num_train=50, units=64),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Quick runs of every kind: two digits classifiers, a regression and a wide & deep."""
    from core.data import load_dataset
    from core.regression.housing import load_regression_data
    from core.regression.sequential import RegressionRun
    from core.regression.wide_deep import WideDeepConfig, WideDeepRun
    from core.runs import load_or_train

    store = RunStore(tmp_path_factory.mktemp("compare-store"))
    digits = load_dataset("digits")
    for config in CONFIGS.values():
        load_or_train(config, digits, store=store)
    diabetes = load_regression_data("diabetes")
    regression = RegressionRun(dataset="diabetes", num_train=64, training=TrainingConfig(epochs=2, batch_size=16))
    load_or_train(regression, diabetes, store=store)
    wide_deep = WideDeepRun(
        dataset="diabetes",
        model=WideDeepConfig("aux_output", wide_features=(0, 1), deep_features=(2, 3, 4), units=4),
        training=TrainingConfig(epochs=1, batch_size=32),
    )
    load_or_train(wide_deep, diabetes, store=store)
    return store


@pytest.fixture(scope="module")
def overfit_store(tmp_path_factory):
    """Two digits runs with early stopping whose validation loss rises after its best."""
    from core.data import load_dataset
    from core.runs import load_or_train

    store = RunStore(tmp_path_factory.mktemp("overfit-store"))
    digits = load_dataset("digits")
    for config in OVERFITTING.values():
        load_or_train(config, digits, store=store)
    return store


def by_key(store: RunStore) -> dict:
    return {run.key: run for run in store.list_runs()}


def key_of(store: RunStore, name: str) -> str:
    return store.key_for({**CONFIGS, **OVERFITTING}[name].to_json())


def test_one_row_per_run_with_its_configuration_and_metrics(store):
    stored = store.list_runs()
    table = run_table(stored).set_index("Key")
    assert len(table) == len(stored) == 4
    assert set(LEADING_COLUMNS) <= set(table.columns)
    base = table.loc[key_of(store, "base")]
    assert base["Kind"] == "Classification MLP"
    assert base["Data set"] == "Digits (8×8, offline)"
    assert base["Training subset"] == "all"
    assert base["Architecture"] == "8 relu"
    assert base["Parameters"] == (64 + 1) * 8 + (8 + 1) * 10  # digits: 8x8 pixels, 10 classes
    assert (base["Optimizer"], base["Learning rate"], base["Schedule"]) == ("Adam", 1e-3, "constant")
    assert (base["Batch size"], base["Epochs"], base["Epochs run"], base["Seed"]) == (64, 2, 2, 42)
    assert base["Loss"] == "Sparse categorical cross-entropy"
    assert base["Validation"].startswith("held-out images")
    assert base["Early stopping"] == "off" and base["Stopped by"] == "completed"
    meta = by_key(store)[key_of(store, "base")].meta
    assert base["Test accuracy"] == pytest.approx(meta["test_metrics"]["accuracy"])
    assert base["Test loss"] == pytest.approx(meta["test_metrics"]["loss"])
    assert base["Key metric"] == "test accuracy" and base["Device"] == meta["device"]
    assert base["Training time (s)"] == pytest.approx(meta["wall_time"])
    assert base["Trained"] == pd.to_datetime(meta["created"], unit="s")
    assert pd.isna(base["Test RMSE"]) and pd.isna(base["Momentum"])  # not a regression, no momentum

    regression = table[table["Kind"] == "Regression MLP"].iloc[0]
    assert regression["Data set"] == "Diabetes (offline)" and regression["Training subset"] == "64"
    assert regression["Loss"] == "Mean squared error" and regression["Normalization layer"]
    assert regression["Test RMSE"] > 0 and regression["Test MAE"] > 0 and pd.isna(regression["Test accuracy"])
    wide = table[table["Kind"] == "Wide & deep"].iloc[0]
    assert wide["Wide & deep variant"] == "Auxiliary output"
    assert wide["Wide features"] == "age, sex" and wide["Deep features"] == "bmi, bp, s1"
    assert wide["Loss weights"] == "0.9 / 0.1" and wide["Hidden layers"] == "4 relu, 4 relu"


def test_every_configuration_field_of_every_kind_has_a_readable_column(store):
    table = run_table(store.list_runs())
    unread = [column for column in table.columns if column.startswith(("data.", "model.", "training."))]
    assert not unread, f"configuration fields without a readable column: {unread}"
    # A field this code does not know yet (a newer config) still shows, under its path.
    config = {"kind": "classification", "data": {"name": "digits"}, "training": {"label_smoothing": 0.1}}
    row = run_table([SimpleNamespace(key="k", config=config, meta={"kind": "classification"}, history={})])
    assert row.loc[0, "training.label_smoothing"] == 0.1


def test_the_diff_lists_only_the_fields_that_differ(store):
    runs = by_key(store)
    pair = [runs[key_of(store, "base")], runs[key_of(store, "faster")]]
    diff = config_diff(pair)
    assert list(diff.index) == ["Learning rate"]
    assert list(diff.columns) == run_labels(pair)
    assert list(diff.loc["Learning rate"]) == ["0.001", "0.003"]

    wider = SimpleNamespace(**{**vars(runs[key_of(store, "base")]), "key": "wider"})
    wider.config = json.loads(OVERFITTING["patient"].to_json())
    wider.meta = {**wider.meta, "architecture": "64 relu"}
    fields = set(config_diff([runs[key_of(store, "base")], wider]).index)
    assert {"Training subset", "Architecture", "Hidden layers", "Learning rate", "Batch size", "Epochs"} <= fields
    assert "Early stopping" in fields
    assert not fields & {"Kind", "Data set", "Optimizer", "Seed", "Loss", "Test accuracy", "Parameters"}

    regression = next(run for run in runs.values() if run.meta["kind"] == "regression")
    across = config_diff([runs[key_of(store, "base")], regression])
    assert {"Kind", "Data set", "Loss", "Validation", "Normalization layer"} <= set(across.index)
    assert across.loc["Normalization layer"].tolist() == [None, "yes"]


def test_the_diff_of_identical_configurations_is_empty_and_one_run_is_refused(store):
    run = by_key(store)[key_of(store, "base")]
    assert config_diff([run, run]).empty
    with pytest.raises(ValueError, match=r"at least 2\. Received: 1 run\(s\)"):
        config_diff([run])


@pytest.mark.slow
def test_the_restored_epoch_is_the_one_whose_weights_the_stored_model_holds(overfit_store, store):
    from core.data import load_dataset
    from core.training import evaluate_proba, split_train_valid

    runs = {**by_key(store), **by_key(overfit_store)}
    digits = load_dataset("digits")
    patient = runs[key_of(store, "patient")]
    assert patient.meta["stop_reason"] == "completed"  # patience never ran out ...
    losses = patient.history["val_loss"]
    best = best_epoch(patient.history, patient.meta)
    assert best == int(np.argmin(losses)) + 1 < len(losses)  # ... and the loss rose after its best
    # A trusted reference: the stored model's own validation loss is the best epoch's.
    _, _, x_valid, y_valid = split_train_valid(digits, OVERFITTING["patient"])
    loss = evaluate_proba(patient.load_model().predict(x_valid, verbose=0), y_valid)["loss"]
    assert loss == pytest.approx(losses[best - 1], rel=1e-3)
    assert abs(loss - losses[-1]) > 0.01

    stopped = runs[key_of(store, "stopped")]
    assert stopped.meta["stop_reason"] == "early_stopping"
    assert best_epoch(stopped.history, stopped.meta) == int(np.argmin(stopped.history["val_loss"])) + 1
    assert best_epoch(stopped.history, stopped.meta) < stopped.meta["epochs_run"]
    base = runs[key_of(store, "base")]
    assert best_epoch(base.history, base.meta) == 2  # no early stopping: the last epoch
    table = run_table([patient, stopped, base])
    assert table["Restored epoch"].tolist() == [best, best_epoch(stopped.history, stopped.meta), 2]
    assert table["Training subset"].tolist() == ["50", "50", "all"]
    assert table["Early stopping"].tolist() == ["patience 20", "patience 2", "off"]
    assert table["Stopped by"].tolist() == ["completed", "early stopping", "completed"]


def test_best_epoch_without_history_or_validation_loss():
    assert best_epoch({}, {}) is None
    assert best_epoch({}, {"epochs_run": 3}) == 3
    assert best_epoch({"loss": [1.0, 0.5]}, {"stop_reason": "early_stopping"}) == 2
    nan = float("nan")
    assert best_epoch({"loss": [1, 1, 1], "val_loss": [nan, 0.4, 0.5]}, {"stop_reason": "early_stopping"}) == 2


ODD_RUNS = [
    # A kind registered by a newer version of the app.
    SimpleNamespace(
        key="future",
        config={"kind": "transformer", "layers": 12},
        meta={"kind": "transformer", "dataset": "imdb", "architecture": "BERT-ish", "params": 100, "created": 1.7e9},
        history={"loss": [1.0]},
    ),
    # A model uploaded into the session (shaped like a StoredRun, config is Keras's).
    SimpleNamespace(
        key="upload-1",
        config={"name": "sequential", "layers": [{"class_name": "Dense"}]},
        meta={
            "kind": "classification",
            "source": "upload",
            "dataset": "digits",
            "architecture": "Dense 10",
            "params": 650,
            "wall_time": None,
            "test_metrics": {"accuracy": 0.5, "loss": 1.2},
            "key_metric": {"name": "test accuracy", "value": 0.5},
        },
        history={},
    ),
    # Nothing readable at all.
    SimpleNamespace(key="empty", config={}, meta={}, history={}),
    # Fields of the wrong type, and a known kind whose config is not one.
    SimpleNamespace(
        key="broken",
        config={"kind": "regression", "test": "hand-written"},
        meta={"kind": "regression", "params": "many", "key_metric": "rmse", "test_metrics": None, "created": "today"},
        history=None,
    ),
]


def test_odd_runs_still_get_a_row_with_empty_cells():
    table = run_table(ODD_RUNS).set_index("Key")
    assert list(table.index) == ["future", "upload-1", "empty", "broken"]
    future = table.loc["future"]
    assert (future["Kind"], future["Data set"], future["Parameters"]) == ("transformer", "imdb", 100)
    assert pd.isna(future["Optimizer"]) and pd.isna(future["Learning rate"]) and not pd.isna(future["Trained"])
    upload = table.loc["upload-1"]
    assert upload["Kind"] == UPLOADED and upload["Data set"] == "Digits (8×8, offline)"
    assert upload["Test accuracy"] == 0.5 and pd.isna(upload["Training time (s)"]) and pd.isna(upload["Optimizer"])
    assert table.loc["empty"].isna().all()
    broken = table.loc["broken"]
    assert broken["Kind"] == "Regression MLP"
    assert pd.isna(broken["Parameters"]) and pd.isna(broken["Key metric"]) and pd.isna(broken["Trained"])
    assert "test" not in table.columns  # a stray top-level key is not a configuration field
    assert config_diff(ODD_RUNS).loc["Kind"].tolist() == ["transformer", UPLOADED, None, "Regression MLP"]


def test_curve_metrics_of_every_kind(store):
    histories = [run.history for run in store.list_runs()]
    metrics = curve_metrics(histories)
    assert metrics[0] == "loss"
    assert {"accuracy", "root_mean_squared_error"} <= set(metrics)
    assert not [name for name in metrics if name.startswith(("val_", "_"))]
