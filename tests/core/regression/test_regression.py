"""Regression MLP: configs, the model (Normalization adapted on the training set only),
parameter counts, training, the store round trip and the scikit-learn baseline."""

import json

import numpy as np
import pytest

from core.config import MLPConfig, TrainingConfig
from core.regression.housing import load_regression_data
from core.regression.sequential import (
    RegressionConfig,
    RegressionRun,
    build_regression_mlp,
    check_fits,
    regression_metrics,
    summarize_regression,
    train_baseline,
    train_regression,
)
from core.runs import load_or_train as get_or_train
from core.store import RunStore

FAST = TrainingConfig(batch_size=64, epochs=2, learning_rate=0.003)


@pytest.fixture(scope="module")
def california():
    return load_regression_data("california_housing")


def test_configs_validate_in_keras_style():
    with pytest.raises(ValueError, match="Received: loss='hinge'"):
        RegressionConfig(loss="hinge")
    with pytest.raises(ValueError, match="Received: output_activation='softmax'"):
        RegressionConfig(MLPConfig(((10, "relu"),), "softmax"))
    with pytest.raises(ValueError, match="Received: huber_delta=0"):
        RegressionConfig(loss="huber", huber_delta=0)
    with pytest.raises(ValueError, match="Received: num_train=3"):
        RegressionRun(num_train=3)


def test_run_json_round_trip_and_key():
    run = RegressionRun(num_train=500, model=RegressionConfig(loss="huber", huber_delta=2), training=FAST)
    again = RegressionRun(**json.loads(run.to_json()))
    assert again == run and again.key() == run.key()
    assert json.loads(run.to_json())["kind"] == "regression"
    assert RegressionRun(training=FAST).key() != run.key()


def test_normalization_is_adapted_on_the_training_set_only(california):
    train = california.subset(1000)
    model = build_regression_mlp(RegressionConfig(), train.x_train, seed=1)
    norm = model.layers[0]
    assert type(norm).__name__ == "Normalization"
    np.testing.assert_allclose(np.ravel(norm.mean), train.x_train.mean(axis=0), rtol=1e-4)
    everything = np.concatenate([california.x_train, california.x_valid, california.x_test])
    assert not np.allclose(np.ravel(norm.mean), everything.mean(axis=0), rtol=1e-3)
    scaled = norm(train.x_train).numpy()
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-3)
    np.testing.assert_allclose(scaled.std(axis=0), 1, atol=1e-2)


@pytest.mark.parametrize("normalize", [True, False])
def test_parameter_count_matches_the_formula_and_the_summary(california, normalize):
    config = RegressionConfig(MLPConfig(((30, "relu"), (20, "relu")), "softplus"), normalize=normalize)
    model = build_regression_mlp(config, california.x_train[:100])
    dense = (8 + 1) * 30 + (30 + 1) * 20 + (20 + 1) * 1
    assert model.count_params() == dense + (2 * 8 + 1 if normalize else 0)
    assert sum(row.params for row in summarize_regression(config, 8)) == model.count_params()
    assert model.output_shape == (None, 1)
    assert model.layers[-1].activation.__name__ == "softplus"


def test_training_learns_and_reports_rmse(california):
    updates = []
    run = RegressionRun(num_train=2000, training=FAST)
    result = train_regression(run, california, on_epoch=updates.append)
    assert [update.epoch for update in updates] == [1, 2]
    assert set(result.history) == {"loss", "root_mean_squared_error", "val_loss", "val_root_mean_squared_error"}
    assert result.predictions.shape == (5160,)
    assert result.test_metrics["rmse"] < 1.0  # predicting the mean gives about 1.15
    shown = {name: result.test_metrics[name] for name in ("rmse", "mae")}
    assert shown == pytest.approx(regression_metrics(california.y_test, result.predictions))


@pytest.mark.slow
def test_second_request_loads_from_the_store_with_the_meta_contract(california, tmp_path):
    store = RunStore(tmp_path)
    run = RegressionRun(num_train=500, model=RegressionConfig(loss="mae"), training=FAST)
    first = get_or_train(run, california, store=store)
    second = get_or_train(run, california, store=store)
    assert not first.from_cache and second.from_cache
    np.testing.assert_allclose(second.predictions, first.predictions)
    meta = store.load(run.to_json()).meta
    assert meta["kind"] == "regression" and meta["dataset"] == "california_housing"
    assert meta["model_inputs"] == [list(range(8))] and meta["feature_names"][0] == "MedInc"
    assert meta["key_metric"] == {"name": "test RMSE", "value": first.test_metrics["rmse"]}
    assert meta["params"] == first.model.count_params() and meta["target_name"] == "MedHouseVal"
    import keras

    loaded = keras.saving.load_model(store.path_for(run.to_json()) / "model.keras", safe_mode=True)
    raw = california.x_test[:5]
    np.testing.assert_allclose(loaded.predict(raw, verbose=0).ravel(), first.predictions[:5], rtol=1e-4)


def test_batch_larger_than_the_subset_is_a_clear_error(california):
    run = RegressionRun(num_train=100, training=TrainingConfig(batch_size=256))
    with pytest.raises(ValueError, match="Received: batch_size=256"):
        check_fits(run, california)


@pytest.mark.slow
def test_baseline_runs_on_the_same_split(california):
    import warnings

    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    baseline = train_baseline(california, num_train=1000)
    # The course's pipeline by hand on the first 1,000 training districts, scored on the
    # shared validation and test sets, gives the same numbers.
    reference = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=[50, 50, 50], random_state=42))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(california.x_train[:1000], california.y_train[:1000])
    valid = regression_metrics(california.y_valid, reference.predict(california.x_valid))
    test = regression_metrics(california.y_test, reference.predict(california.x_test))
    assert baseline.valid_rmse == pytest.approx(valid["rmse"], rel=1e-6)
    assert baseline.test_rmse == pytest.approx(test["rmse"], rel=1e-6)
    assert baseline.wall_time > 0 and baseline.n_iter > 0
    assert np.isfinite(baseline.valid_rmse) and 0.3 < baseline.test_rmse < 1.5
