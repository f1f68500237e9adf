"""TensorBoard logs of a stored run, read back with TensorBoard's own readers."""

import io
import zipfile

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator, plugin_event_multiplexer
from tensorboard.util import tensor_util

from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.experiments.tensorboard import run_name, tensorboard_zip
from core.runs import load_or_train
from core.store import RunStore


@pytest.fixture(scope="module")
def stored_run():
    config = RunConfig(DataConfig("digits"), MLPConfig(((8, "relu"),)), TrainingConfig(epochs=3, batch_size=64))
    load_or_train(config, load_dataset("digits"))
    stored = RunStore().load(config.to_json())
    assert stored is not None
    return stored


@pytest.fixture(scope="module")
def logdir(stored_run, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tensorboard")
    with zipfile.ZipFile(io.BytesIO(tensorboard_zip(stored_run))) as archive:
        archive.extractall(folder)
    return folder


def accumulator(path):
    # 0: keep every event (the default keeps a sample of the tensors).
    accumulated = event_accumulator.EventAccumulator(str(path), size_guidance={event_accumulator.TENSORS: 0})
    return accumulated.Reload()


def scalars(accumulated, tag):
    events = accumulated.Tensors(tag)
    return [event.step for event in events], [float(tensor_util.make_ndarray(event.tensor_proto)) for event in events]


def test_tensorboard_finds_a_train_and_a_validation_run(stored_run, logdir):
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(logdir))
    name = run_name(stored_run)
    assert sorted(multiplexer.Runs()) == [f"{name}/train", f"{name}/validation"]


@pytest.mark.parametrize("subdir, prefix", [("train", ""), ("validation", "val_")])
def test_the_scalars_are_the_history(stored_run, logdir, subdir, prefix):
    accumulated = accumulator(logdir / run_name(stored_run) / subdir)
    for metric in ("loss", "accuracy"):
        steps, values = scalars(accumulated, f"epoch_{metric}")
        expected = stored_run.history[prefix + metric]
        assert len(expected) == 3
        assert steps == [0, 1, 2]
        assert values == pytest.approx(expected, rel=1e-6)


def test_the_final_weights_are_histograms(stored_run, logdir):
    accumulated = accumulator(logdir / run_name(stored_run) / "train")
    model = stored_run.load_model()
    tags = accumulated.Tags()["tensors"]
    for layer in model.layers:
        for weight in layer.weights:
            tag = f"{layer.name}/{weight.name}/histogram"
            assert tag in tags
            (event,) = accumulated.Tensors(tag)
            buckets = tensor_util.make_ndarray(event.tensor_proto)  # (bins, 3): left, right, count
            assert event.step == 2
            assert buckets[:, 2].sum() == np.asarray(weight.numpy()).size
    assert "run_config" in tags


def test_a_regression_history_keeps_its_rmse_names(tmp_path):
    import types

    import keras

    run = types.SimpleNamespace(
        key="fedcba9876543210",
        meta={"kind": "regression", "dataset": "diabetes"},
        config={"dataset": "diabetes"},
        history={
            "loss": [3.0, 2.0],
            "root_mean_squared_error": [1.7, 1.4],
            "val_loss": [3.5, 2.5],
            "val_root_mean_squared_error": [1.9, 1.6],
        },
        load_model=lambda: keras.Sequential([keras.Input((10,)), keras.layers.Dense(1)]),
    )
    with zipfile.ZipFile(io.BytesIO(tensorboard_zip(run))) as archive:
        archive.extractall(tmp_path)
    validation = accumulator(tmp_path / "regression-diabetes-fedcba98" / "validation")
    assert scalars(validation, "epoch_root_mean_squared_error") == ([0, 1], pytest.approx([1.9, 1.6]))
