"""The look-inside recorder: shapes, dead and saturated units, gradients, storage."""

import numpy as np
import pytest

from core import inside

RNG = np.random.default_rng(0)
X = RNG.random((8, 4, 4), dtype=np.float32)  # 8 images of 4x4 in [0, 1]
Y = np.arange(8) % 3


def tiny_model(hidden=(("relu", 5), ("tanh", 4)), *, compile=True, dtype=None):
    import keras

    layers = [keras.Input((4, 4)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(units, activation=activation, dtype=dtype) for activation, units in hidden]
    layers.append(keras.layers.Dense(3, activation="softmax"))
    model = keras.Sequential(layers)
    if compile:
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", steps_per_execution=2)
    return model


@pytest.fixture(scope="module")
def trained():
    """A tiny model trained for 2 epochs with the recorder: (model, recorder)."""
    model = tiny_model()
    recorder = inside.InsideRecorder(X, Y, bins=6)
    model.fit(X, Y, batch_size=2, epochs=2, verbose=0, callbacks=[recorder.callback()])
    return model, recorder


def test_callback_records_a_snapshot_before_training_and_after_each_epoch(trained):
    model, recorder = trained
    summary = recorder.summary()
    layers = inside.dense_layers(model)
    assert summary.layers == tuple(layer.name for layer in layers)
    assert summary.activations == ("relu", "tanh", "softmax")
    assert summary.epochs.tolist() == [0, 1, 2]
    assert summary.weight_counts.shape == summary.activation_counts.shape == (3, 3, 6)
    assert summary.weight_edges.shape == summary.activation_edges.shape == (3, 3, 7)
    assert summary.dead.shape == summary.saturated.shape == summary.gradient_norms.shape == (3, 3)
    assert summary.probe_size == 8
    # Every weight and every probe output falls in some bin.
    kernels = [16 * 5, 5 * 4, 4 * 3]
    assert summary.weight_counts.sum(axis=2).tolist() == [kernels] * 3
    assert summary.activation_counts.sum(axis=2).tolist() == [[8 * 5, 8 * 4, 8 * 3]] * 3
    # Dead only for the ReLU layer, saturation only for the tanh layer.
    assert np.isfinite(summary.dead[:, 0]).all() and np.isnan(summary.dead[:, 1:]).all()
    assert np.isfinite(summary.saturated[:, 1]).all() and np.isnan(summary.saturated[:, [0, 2]]).all()


def test_weights_histogram_changes_with_training(trained):
    summary = trained[1].summary()
    assert not np.array_equal(summary.weight_edges[0], summary.weight_edges[-1])


def test_gradient_norms_are_positive_and_finite(trained):
    norms = trained[1].summary().gradient_norms
    assert np.isfinite(norms).all() and (norms > 0).all()


def test_relu_layer_with_very_negative_biases_is_all_dead():
    model = tiny_model((("relu", 5),))
    layer = inside.dense_layers(model)[0]
    layer.bias.assign(np.full(5, -1000.0, dtype=np.float32))
    recorder = inside.InsideRecorder(X, Y)
    recorder.snapshot(model, 0)
    assert recorder.summary().dead[0, 0] == 1.0
    layer.bias.assign(np.full(5, 1000.0, dtype=np.float32))
    recorder.snapshot(model, 1)
    assert recorder.summary().dead[1, 0] == 0.0


def test_tanh_layer_with_huge_weights_is_saturated():
    model = tiny_model((("tanh", 6),))
    layer = inside.dense_layers(model)[0]
    recorder = inside.InsideRecorder(X, Y)
    recorder.snapshot(model, 0)
    assert recorder.summary().saturated[0, 0] < 0.5  # Glorot's initial weights keep tanh in its slope
    kernel = np.asarray(layer.kernel)
    layer.kernel.assign(np.sign(kernel) * 1000.0)
    recorder.snapshot(model, 1)
    assert recorder.summary().saturated[1, 0] == 1.0


def test_sigmoid_saturates_towards_both_bounds():
    outputs = np.array([[0.001, 0.5, 0.999], [0.01, 0.6, 0.995], [0.3, 0.4, 0.999]])
    # Column 0: 2 of 3 samples near 0; column 1: none; column 2: all near 1.
    assert inside.saturated_share(outputs, inside.BOUNDS["sigmoid"]) == pytest.approx(2 / 3)


def test_uncompiled_model_records_everything_but_gradients():
    model = tiny_model(compile=False)  # as the store loads models: compile=False
    recorder = inside.InsideRecorder(X, Y)
    recorder.snapshot(model, 0)
    summary = recorder.summary()
    assert np.isnan(summary.gradient_norms).all()
    assert summary.weight_counts.sum() > 0


def test_mixed_precision_layers_are_recorded_in_float32():
    model = tiny_model(dtype="mixed_float16")
    recorder = inside.InsideRecorder(X, Y)
    recorder.snapshot(model, 0)
    summary = recorder.summary()
    assert np.isfinite(summary.gradient_norms).all()
    assert summary.activation_edges.dtype == np.float32


def test_round_trip_through_npz_without_pickle(trained, tmp_path):
    summary = trained[1].summary()
    arrays = summary.to_arrays()
    assert all(name.startswith(inside.PREFIX) for name in arrays)
    np.savez(tmp_path / "arrays.npz", test_proba=np.zeros((2, 3)), **arrays)
    with np.load(tmp_path / "arrays.npz", allow_pickle=False) as stored:
        loaded = inside.from_arrays({name: stored[name] for name in stored.files})
    assert loaded.layers == summary.layers and loaded.activations == summary.activations
    assert loaded.probe_size == summary.probe_size
    for name in inside.FIELDS:
        value = getattr(summary, name)
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(loaded, name), value)


def test_from_arrays_without_a_summary_is_none_and_a_partial_one_is_refused(trained):
    assert inside.from_arrays({"test_proba": np.zeros((2, 3))}) is None
    arrays = trained[1].summary().to_arrays()
    del arrays["inside.dead"]
    with pytest.raises(ValueError, match="missing inside.dead"):
        inside.from_arrays(arrays)


def test_summary_refuses_arrays_of_the_wrong_shape(trained):
    arrays = trained[1].summary().to_arrays()
    arrays["inside.dead"] = arrays["inside.dead"][:1]
    with pytest.raises(ValueError, match=r"`dead`, expected an array of shape \(3, 3\). Received: dead=\(1, 3\)"):
        inside.from_arrays(arrays)


def test_continued_run_counts_epochs_from_its_offset_and_follows_its_parent(trained):
    model, parent = trained
    recorder = inside.InsideRecorder(X, Y, bins=6, previous=parent.summary().to_arrays())
    model.fit(X, Y, batch_size=4, epochs=4, initial_epoch=2, verbose=0, callbacks=[recorder.callback()])
    assert recorder._epochs == [2, 3, 4]  # this run's own snapshots
    summary = recorder.summary()
    assert summary.epochs.tolist() == [0, 1, 2, 3, 4]
    # Epoch 2 comes from the continued run (the same weights, its own probe).
    np.testing.assert_array_equal(summary.weight_counts[:2], parent.summary().weight_counts[:2])
    assert summary.index_of(3) == 3 and summary.index_of(99) == 4


def test_parent_with_other_layers_is_left_out(trained):
    other = inside.InsideRecorder(X, Y, bins=6)
    other.snapshot(tiny_model((("relu", 2),)), 0)
    recorder = inside.InsideRecorder(X, Y, bins=6, previous=other.summary())
    recorder.snapshot(trained[0], 5)
    assert recorder.summary().epochs.tolist() == [5]


def test_nothing_recorded_gives_none_and_no_arrays():
    recorder = inside.InsideRecorder(X, Y)
    assert recorder.summary() is None and recorder.arrays() == {}


def test_arrays_are_the_summary_flattened(trained):
    assert sorted(trained[1].arrays()) == sorted(inside.PREFIX + name for name in inside.FIELDS)


@pytest.mark.slow
def test_works_with_xla_steps_per_execution_and_early_stopping():
    """The way `core.training` fits: a tf.data pipeline, several steps per execution
    (here compiled with XLA too), early stopping with the best weights restored."""
    import keras

    from core.training import make_batches

    x = RNG.random((64, 4, 4), dtype=np.float32)
    y = np.arange(64) % 3
    model = tiny_model()
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(5.0),  # jumps about, so validation loss rises and patience runs out
        steps_per_execution=4,
        jit_compile=True,
    )
    recorder = inside.InsideRecorder(x, y)
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    model.fit(
        make_batches(x, y, 8, shuffle=True, seed=0),
        validation_data=make_batches(x, y, 64, shuffle=False, seed=0),
        epochs=30,
        shuffle=False,
        verbose=0,
        callbacks=[recorder.callback(), stopper],
    )
    summary = recorder.summary()
    assert stopper.stopped_epoch > 0
    assert summary.epochs.tolist() == list(range(stopper.stopped_epoch + 2))
    assert recorder.seconds > 0


def test_first_layer_images_take_the_input_shape():
    model = tiny_model()
    images = inside.first_layer_images(model)
    assert images.shape == (5, 4, 4)
    np.testing.assert_allclose(images[2], np.asarray(inside.dense_layers(model)[0].kernel)[:, 2].reshape(4, 4))
    assert inside.first_layer_images(model, num_units=2).shape == (2, 4, 4)


def test_first_layer_images_of_flat_inputs():
    import keras

    square = keras.Sequential([keras.Input((64,)), keras.layers.Dense(3)])
    assert inside.first_layer_images(square).shape == (3, 8, 8)  # the 8x8 digits, flattened
    strip = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3)])
    assert inside.first_layer_images(strip).shape == (3, 1, 10)


def test_first_layer_images_need_a_dense_layer_and_a_positive_count():
    import keras

    with pytest.raises(ValueError, match="Received: num_units=0"):
        inside.first_layer_images(tiny_model(), num_units=0)
    with pytest.raises(ValueError, match="a model with a Dense layer"):
        inside.first_layer_images(keras.Sequential([keras.Input((4, 4)), keras.layers.Flatten()]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bins": 1}, "Received: bins=1"),
        ({"probe_size": 0}, "Received: probe_size=0"),
        ({"probe_y": Y[:3]}, "Received: probe_x='8 images'"),
    ],
)
def test_recorder_refuses_bad_arguments(kwargs, message):
    arguments = {"probe_x": X, "probe_y": Y, **kwargs}
    with pytest.raises(ValueError, match=message):
        inside.InsideRecorder(**arguments)


def test_probe_keeps_the_first_probe_size_images():
    recorder = inside.InsideRecorder(np.zeros((300, 4, 4)), np.zeros(300, dtype=int), probe_size=256)
    assert recorder.probe_x.shape == (256, 4, 4) and recorder.probe_x.dtype == np.float32
