"""Training: learns, reproduces with a seed, reports progress, stops on NaN or request,
and the engine's fast pipeline gives the same results as plain `model.fit`."""

import numpy as np
import pytest

from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import ImageDataset, load_dataset
from core.training import check_batch_size, make_batches, make_optimizer, train


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def run_config(layers=((32, "relu"),), **training):
    return RunConfig(DataConfig("digits"), MLPConfig(layers), TrainingConfig(**training))


@pytest.mark.slow
def test_a_tiny_model_overfits_eight_samples(digits):
    eight = ImageDataset(
        "digits",
        digits.x_train[:8],
        digits.y_train[:8],
        digits.x_train[:8],
        digits.y_train[:8],
        digits.x_test,
        digits.y_test,
        digits.class_names,
    )
    result = train(run_config(((64, "relu"),), learning_rate=0.02, batch_size=8, epochs=80), eight)
    assert result.history["accuracy"][-1] == 1.0
    assert result.history["loss"][-1] < 0.05


def test_training_learns_digits_and_reports_every_epoch(digits):
    updates = []
    result = train(run_config(epochs=4, batch_size=16, learning_rate=0.005), digits, on_epoch=updates.append)
    assert [update.epoch for update in updates] == [1, 2, 3, 4]
    assert all(update.epochs == 4 for update in updates)
    assert set(updates[-1].logs) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert result.stop_reason == "completed"
    assert result.epochs_run == 4
    assert result.test_metrics["accuracy"] > 0.85  # chance is 0.1
    assert result.predictions.shape == (len(digits.y_test), 10)
    np.testing.assert_allclose(result.predictions.sum(axis=1), 1.0, atol=1e-5)
    assert result.device.startswith(("CPU", "GPU"))


@pytest.mark.slow
def test_same_seed_same_result(digits):
    first = train(run_config(epochs=2, seed=3), digits)
    second = train(run_config(epochs=2, seed=3), digits)
    np.testing.assert_allclose(first.history["loss"], second.history["loss"], rtol=1e-5)


def test_divergence_stops_with_a_reason(digits):
    result = train(run_config(((64, "linear"), (64, "linear")), optimizer="sgd", learning_rate=5.0, epochs=5), digits)
    assert result.diverged
    assert result.epochs_run <= 1


def test_should_stop_ends_training_within_the_first_epoch(digits):
    result = train(run_config(epochs=50), digits, should_stop=lambda: True)
    assert result.stop_reason == "stopped"
    assert result.epochs_run == 1


def test_early_stopping_restores_the_best_epoch(digits):
    # A huge learning rate makes the validation loss bounce, so patience 1 triggers.
    result = train(run_config(epochs=40, early_stopping_patience=1, learning_rate=0.05), digits)
    assert result.stop_reason == "early_stopping"
    assert result.epochs_run < 40
    # The model holds the epoch of lowest validation loss, and its figures come from it.
    best = int(np.argmin(result.history["val_loss"])) + 1
    assert result.restored_epoch == best < result.epochs_run
    model = result.model
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    valid_loss = model.evaluate(digits.x_valid, digits.y_valid, verbose=0)[0]
    assert valid_loss == pytest.approx(result.history["val_loss"][best - 1], rel=1e-3)


@pytest.mark.slow
def test_validation_split_takes_the_end_of_the_training_set(digits):
    # The reported validation loss is the trained model's loss on the last 20% of the
    # training images, not on the data set's own validation split.
    result = train(run_config(epochs=1, validation_split=0.2), digits)
    num_valid = round(len(digits.x_train) * 0.2)
    held_out = result.model.evaluate(digits.x_train[-num_valid:], digits.y_train[-num_valid:], verbose=0)
    assert result.history["val_loss"][-1] == pytest.approx(held_out[0], rel=1e-4)
    assert result.history["val_accuracy"][-1] == pytest.approx(held_out[1], abs=1e-6)


def test_batch_larger_than_the_data_is_refused():
    with pytest.raises(ValueError, match="Received: batch_size=512"):
        check_batch_size(TrainingConfig(batch_size=512), 100)


def test_batches_cover_every_sample_once_per_epoch():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10)
    seen = np.concatenate([yb.numpy() for _, yb in make_batches(x, y, 3, shuffle=True, seed=1)])
    assert sorted(seen) == list(range(10))
    assert list(seen) != list(range(10))  # shuffled


@pytest.mark.slow
def test_the_engine_matches_plain_fit(digits):
    """Same model, same initial weights, same recipe: plain `fit` on NumPy arrays and the
    engine's pipeline reach the same accuracy (the batches are shuffled differently)."""
    import keras

    from core.models import build_mlp

    config = run_config(((64, "relu"),), optimizer="sgd", learning_rate=0.05, batch_size=32, epochs=8, seed=5)
    engine = train(config, digits)
    model = build_mlp(config.model, (8, 8), 10, seed=5)
    model.compile(
        loss="sparse_categorical_crossentropy", optimizer=make_optimizer(config.training), metrics=["accuracy"]
    )
    keras.utils.set_random_seed(5)
    plain = model.fit(
        digits.x_train,
        digits.y_train,
        epochs=8,
        batch_size=32,
        validation_data=(digits.x_valid, digits.y_valid),
        verbose=0,
    )
    assert abs(engine.history["val_accuracy"][-1] - plain.history["val_accuracy"][-1]) < 0.04
    assert abs(engine.history["loss"][-1] - plain.history["loss"][-1]) < 0.1


def test_mixed_precision_on_a_cpu_trains_in_float32_and_says_so(digits):
    result = train(run_config(epochs=1, mixed_precision=True), digits)
    if result.device.startswith("CPU"):
        assert any("needs a GPU" in note for note in result.notes)
        assert all(weight.dtype == "float32" for weight in result.model.get_weights())
        assert result.model.layers[1].compute_dtype == "float32"
    else:  # on a GPU the hidden layers compute in float16, the output in float32
        assert result.model.layers[1].compute_dtype == "float16"
        assert result.model.layers[-1].compute_dtype == "float32"
    assert result.test_metrics["accuracy"] > 0.3


def test_inverse_time_is_the_old_decay_and_exponential_decays_per_epoch():
    old_decay = TrainingConfig(optimizer="sgd", learning_rate=0.01, lr_schedule="inverse_time", decay_rate=1e-2)
    optimizer = make_optimizer(old_decay)
    for step in (0, 1, 100):
        optimizer.iterations.assign(step)
        assert float(optimizer.learning_rate) == pytest.approx(0.01 / (1 + 1e-2 * step))
    exponential = make_optimizer(TrainingConfig(lr_schedule="exponential", decay_rate=0.5), steps_per_epoch=10)
    exponential.iterations.assign(20)  # two epochs
    assert float(exponential.learning_rate) == pytest.approx(1e-3 * 0.25)


@pytest.mark.slow
def test_standard_scaling_is_scikit_learns_and_survives_the_store(digits):
    from sklearn.preprocessing import StandardScaler

    from core import runs

    config = RunConfig(
        DataConfig("digits", validation="none", scaling="standard"),
        MLPConfig(((16, "tanh"),)),
        TrainingConfig(optimizer="sgd", batch_size=16, epochs=1, validation_split=0.1),
    )
    result = runs.load_or_train(config, digits)
    normalization = result.model.get_layer("normalization")
    flat = np.concatenate([digits.x_train, digits.x_valid]).reshape(-1, 64)  # every image trains
    expected = StandardScaler().fit(flat).transform(flat[:5])
    np.testing.assert_allclose(np.asarray(normalization(flat[:5])), expected, rtol=1e-4, atol=1e-4)
    assert len(result.history["val_loss"]) == 1  # validation_split validated
    again = runs.load_or_train(config, digits)
    assert again.from_cache
    np.testing.assert_allclose(again.predictions, result.predictions, atol=1e-6)


@pytest.mark.slow
def test_one_class_against_the_rest_trains_a_sigmoid_with_class_weights(digits):
    config = RunConfig(
        DataConfig("digits", validation="none", classes=(3,)),
        MLPConfig(((16, "relu"),), output_activation="sigmoid"),
        TrainingConfig(epochs=3, batch_size=1, class_weight="balanced"),
    )
    result = train(config, digits)
    assert result.model.output_shape == (None, 1) and result.predictions.shape == (len(digits.y_test), 2)
    np.testing.assert_allclose(result.predictions.sum(axis=1), 1.0, atol=1e-5)
    assert "val_loss" not in result.history  # nothing held out
    assert result.test_metrics["accuracy"] > 0.9


def test_balanced_class_weights_are_scikit_learns():
    from sklearn.utils.class_weight import compute_class_weight

    from core.training import balanced_class_weight

    labels = np.array([0] * 9 + [1])
    expected = compute_class_weight("balanced", classes=np.array([0, 1]), y=labels)
    assert list(balanced_class_weight(labels, 2).values()) == pytest.approx(list(expected))


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_the_engines_optimizers_train_exactly_as_keras_own(digits, name):
    # `make_optimizer` skips the all-reduce of one replica's gradients (an identity that
    # registered a traced graph for good per training): the weights must not change.
    import keras

    from core.training import without_single_replica_all_reduce

    x = digits.x_train[:256].reshape(256, -1).astype(np.float32)
    y = digits.y_train[:256]
    weights = []
    for wrap in (False, True):
        keras.utils.set_random_seed(3)
        model = keras.Sequential(
            [keras.Input((64,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(10)]
        )
        optimizer = keras.optimizers.get(name)
        model.compile(
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            optimizer=without_single_replica_all_reduce(optimizer) if wrap else optimizer,
        )
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        weights.append([np.asarray(w) for w in model.get_weights()])
    for stock, engine in zip(*weights):
        np.testing.assert_array_equal(stock, engine)
    assert not np.array_equal(weights[0][0], np.zeros_like(weights[0][0]))
