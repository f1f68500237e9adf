"""Hyperparameter search as a kind of run: configs, a real search stored as a run,
Hyperband, Stop between trials, the trials file, and a distributed search."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core import jobs, runs
from core.data import load_dataset
from core.experiments.trials import read_trials, trials_path
from core.experiments.tuning import RegressionSearchConfig, SearchConfig, SearchSpace
from core.store import RunStore
from ui.experiments.tuning_figures import parallel_coordinates, trials_table

ROOT = Path(__file__).resolve().parents[3]
SMALL = SearchSpace(num_layers=(1, 2), units=(8, 32), units_step=8, optimizers=("adam",), batch_sizes=(32, 64))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SearchSpace(num_layers=(3, 1)), "Received: num_layers=(3, 1). Swap the two bounds."),
        (lambda: SearchSpace(units=(0, 10)), "Received: units=0"),
        (lambda: SearchSpace(learning_rate=(0.1, 0.001)), "Received: learning_rate=(0.1, 0.001)"),
        (lambda: SearchSpace(activations=()), "Received: activations=()"),
        (lambda: SearchSpace(optimizers=("adam", "lion")), "Received: optimizers='lion'"),
        (lambda: SearchSpace(batch_sizes=(32, 0)), "Received: batch_sizes=0"),
        (lambda: SearchSpace(units_sampling="exp"), "Received: units_sampling='exp'"),
        (lambda: SearchConfig(tuner="grid"), "Received: tuner='grid'"),
        (lambda: SearchConfig(max_trials=0), "Received: max_trials=0"),
        (lambda: SearchConfig(dataset="cifar"), "Received: dataset='cifar'"),
        (lambda: SearchConfig(objective="val_rmse"), "Received: objective='val_rmse'"),
        (lambda: SearchConfig(dataset="diabetes", objective="val_accuracy"), "Received: objective='val_accuracy'"),
        (lambda: SearchConfig(tuner="hyperband", factor=1), "Received: factor=1"),
    ],
)
def test_bad_configs_say_what_they_received(make, message):
    with pytest.raises(ValueError, match="Received an invalid value") as error:
        make()
    assert message in str(error.value)


def test_configs_round_trip_and_pick_their_kind():
    search = SearchConfig(dataset="diabetes", objective="val_rmse", space=SMALL)
    assert isinstance(search, RegressionSearchConfig)
    assert SearchConfig.from_json(search.to_json()) == search
    assert runs.kind_of(search).name == "tuning_regression"
    assert runs.kind_of(SearchConfig()).name == "tuning"
    assert runs.kind_named("tuning").config_from_dict(json.loads(SearchConfig().to_json())) == SearchConfig()
    assert len(SearchConfig().key()) == 16


def test_a_batch_size_larger_than_the_subset_is_refused():
    search = SearchConfig(num_train=50, space=SearchSpace(batch_sizes=(32, 64)))
    with pytest.raises(ValueError, match="Received: batch_sizes=\\(32, 64\\)"):
        runs.check(search, load_dataset("digits"))


@pytest.mark.slow
def test_a_random_search_is_stored_as_a_run_with_its_trials():
    search = SearchConfig(dataset="digits", num_train=400, max_trials=8, epochs=1, space=SMALL, seed=1)
    data = load_dataset("digits")
    job = jobs.pool().submit(search, data)
    assert job.wait(300)
    assert job.status().state == "done", job.status().message

    result = runs.load_key(job.key)
    assert result is not None and result.config == search
    assert result.predictions.shape == (len(data.y_test), 10)
    assert 0.0 <= result.test_metrics["accuracy"] <= 1.0
    stored = RunStore().load_key(job.key)
    assert stored.meta["kind"] == "tuning" and "best of a random search" in stored.meta["architecture"]
    assert stored.meta["key_metric"]["name"] == "test accuracy" and "test_proba" in stored.arrays

    table = read_trials(trials_path(job.key))
    assert table["state"] == "done"
    assert [row["status"] for row in table["trials"]] == ["COMPLETED"] * 8
    scores = [row["score"] for row in table["trials"]]
    assert table["best"]["score"] == max(scores)
    best_run = runs.kind_named("classification").config_from_dict(table["best"]["run"])
    assert best_run.data.num_train == 400 and best_run.training.epochs == 1
    frame = trials_table(table)
    assert len(frame) == 8 and set(frame["Status"]) == {"completed"}
    assert len(parallel_coordinates(table).data[0].dimensions) >= 4
    # The job's history had one point per trial, so the page could follow it.
    assert not (RunStore().root / ".tuning" / job.key / "project").exists()  # checkpoints are gone


@pytest.mark.slow
def test_hyperband_runs_its_brackets_within_max_trials(tmp_path):
    search = SearchConfig(
        dataset="diabetes", num_train=200, tuner="hyperband", max_epochs=2, factor=2, max_trials=5, space=SMALL
    )
    from core.experiments.search import run_search
    from core.regression.housing import load_regression_data

    outcome = run_search(search, load_regression_data("diabetes"), tmp_path)
    assert 1 <= outcome.completed <= 5
    assert outcome.best_values is not None and outcome.best_epochs in (1, 2)
    epochs = {row["epochs"] for row in outcome.table["trials"]}
    assert epochs <= {1, 2}


@pytest.mark.slow
def test_stop_between_trials_keeps_nothing():
    search = SearchConfig(dataset="digits", num_train=200, max_trials=6, epochs=1, space=SMALL, seed=3)
    seen = []
    result = runs.kind_of(search).train(
        search, load_dataset("digits"), on_epoch=seen.append, should_stop=lambda: len(seen) >= 2
    )
    assert result.stop_reason == "stopped"
    assert [update.epoch for update in seen] == [1, 2] and seen[-1].epochs == 6
    assert set(seen[-1].history) == {"loss", "score", "best"}
    table = read_trials(trials_path(runs.store_key(search)))
    assert table["state"] == "stopped" and len(table["trials"]) <= 3
    assert runs.load_cached(search) is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_a_chief_and_two_workers_run_every_trial(tmp_path):
    search = SearchConfig(dataset="digits", num_train=300, max_trials=5, epochs=1, space=SMALL, seed=5)
    port, store = str(_free_port()), tmp_path / "store"
    command = [sys.executable, "-m", "core.experiments.tune_worker"]
    common = ["--config", search.to_json(), "--store", str(store), "--ip", "127.0.0.1", "--port", port]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    logs = [open(tmp_path / f"{name}.log", "w") for name in ("chief", "tuner0", "tuner1")]
    chief = subprocess.Popen([*command, "chief", *common], cwd=ROOT, env=env, stdout=logs[0], stderr=subprocess.STDOUT)
    time.sleep(1.0)
    workers = [
        subprocess.Popen(
            [*command, "worker", *common, "--id", name], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        for name, log in zip(("tuner0", "tuner1"), logs[1:])
    ]
    try:
        assert chief.wait(240) == 0, (tmp_path / "chief.log").read_text()[-3000:]
        for worker in workers:
            assert worker.wait(60) == 0, (tmp_path / "tuner0.log").read_text()[-3000:]
    finally:
        for process in (chief, *workers):
            if process.poll() is None:
                process.kill()
    key = RunStore(store).key_for(search.to_json())
    table = read_trials(trials_path(key, store))
    frame = trials_table(table)
    assert len(frame) == 5 and set(frame["Status"]) == {"completed"}, frame
    assert frame["Score"].notna().all()
    result = runs.load_key(key, RunStore(store))
    assert result is not None and result.predictions.shape[1] == 10
    assert np.isclose(result.predictions.sum(axis=1), 1.0, atol=1e-3).all()
