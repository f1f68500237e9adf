"""Tests for the Playground engine: data, features, config, model, trainer, code export, CSV."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.playground.codegen import generate_code
from core.playground.config import PlaygroundConfig
from core.playground.data import (
    CLASSIFICATION_DATASETS,
    GENERATORS,
    MULTICLASS_DATASETS,
    REGRESSION_DATASETS,
    make_dataset,
    split_dataset,
)
from core.playground.features import _COMPUTE, FEATURES, transform
from core.playground.upload import parse_points_csv

ROOT = Path(__file__).resolve().parents[2]


# ---- data ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [name for name in CLASSIFICATION_DATASETS if name not in MULTICLASS_DATASETS])
def test_classification_sets_have_two_balanced_classes(name):
    points, labels = make_dataset(name, 400, noise=0.0, seed=3)
    assert points.shape == (400, 2) and labels.shape == (400,)
    assert set(np.unique(labels)) == {0.0, 1.0}
    assert 0.25 < labels.mean() < 0.75
    assert np.abs(points).max() <= 6.5


@pytest.mark.parametrize("name", REGRESSION_DATASETS)
def test_regression_sets_have_labels_in_minus_one_one(name):
    points, labels = make_dataset(name, 300, noise=0.2, seed=1)
    assert points.shape == (300, 2) and labels.shape == (300,)
    assert labels.min() >= -1 and labels.max() <= 1 and labels.std() > 0.1


def test_same_seed_same_points_new_seed_new_points():
    a = make_dataset("spiral", seed=5, noise=0.1)
    b = make_dataset("spiral", seed=5, noise=0.1)
    c = make_dataset("spiral", seed=6, noise=0.1)
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])


def _circle_rule_errors(noise):
    points, labels = make_dataset("circle", 1000, noise=noise, seed=0)
    return np.mean((np.linalg.norm(points, axis=1) < 2.5) != labels.astype(bool))


def test_circle_noise_flips_labels_near_the_boundary():
    assert _circle_rule_errors(0.0) == 0
    assert _circle_rule_errors(0.5) > 0.05


def test_xor_noise_flips_labels():
    points, labels = make_dataset("xor", 1000, noise=0.0, seed=0)
    assert np.all((points[:, 0] * points[:, 1] >= 0) == labels.astype(bool))
    points, labels = make_dataset("xor", 1000, noise=0.5, seed=0)
    assert np.mean((points[:, 0] * points[:, 1] >= 0) != labels.astype(bool)) > 0.05


def test_gaussian_noise_widens_the_blobs():
    narrow, _ = make_dataset("gaussian", 1000, noise=0.0, seed=0)
    wide, _ = make_dataset("gaussian", 1000, noise=0.5, seed=0)
    assert wide.std() > narrow.std() * 1.2


def test_spiral_and_regression_noise_moves_points_or_labels():
    clean, _ = make_dataset("spiral", 500, noise=0.0, seed=0)
    noisy, _ = make_dataset("spiral", 500, noise=0.5, seed=0)
    assert 0.05 < np.abs(noisy - clean).mean() < 0.5
    _, plane_clean = make_dataset("plane", 500, noise=0.0, seed=0)
    _, plane_noisy = make_dataset("plane", 500, noise=0.5, seed=0)
    assert np.abs(plane_clean - plane_noisy).mean() > 0.05


def test_bad_dataset_arguments_raise_keras_style_errors():
    with pytest.raises(ValueError, match="Received: name='moons'"):
        make_dataset("moons")
    with pytest.raises(ValueError, match="Received: noise=0.8"):
        make_dataset("circle", noise=0.8)


def test_split_keeps_every_point_once_in_the_chosen_ratio():
    points, labels = make_dataset("circle", 500, seed=0)
    data = split_dataset(points, labels, 0.3, seed=0)
    assert len(data.x_train) == 150 and len(data.x_test) == 350
    together = np.concatenate([data.x_train, data.x_test])
    assert sorted(map(tuple, together.tolist())) == sorted(map(tuple, points.tolist()))
    assert data.extent == 6.0


# ---- features --------------------------------------------------------------------


def test_feature_transforms_compute_each_column():
    points = np.array([[2.0, 3.0], [-1.0, 0.5]], dtype="float32")
    columns = transform(points, tuple(FEATURES))
    expected = np.array([[2, 3, 4, 9, 6, np.sin(2), np.sin(3)], [-1, 0.5, 1, 0.25, -0.5, np.sin(-1), np.sin(0.5)]])
    np.testing.assert_allclose(columns, expected, rtol=1e-6)


def test_feature_code_strings_match_the_functions():
    # The generated script uses the code strings; the page uses the functions.
    x1, x2 = np.linspace(-6, 6, 7), np.linspace(5, -5, 7)
    for name, (_, code) in FEATURES.items():
        np.testing.assert_allclose(eval(code, {"np": np}, {"x1": x1, "x2": x2}), _COMPUTE[name](x1, x2))


def test_feature_transform_rejects_empty_and_unknown():
    with pytest.raises(ValueError, match="at least one feature"):
        transform(np.zeros((2, 2)), ())
    with pytest.raises(ValueError, match="Received: features=\\('x3',\\)"):
        transform(np.zeros((2, 2)), ("x3",))


# ---- config ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(noise=80), "expected an integer in [0, 50] (percent). Received: noise=80"),
        (dict(train_ratio=5), "Received: train_ratio=5"),
        (dict(hidden_layers=(4,) * 7), "at most 6"),
        (dict(hidden_layers=(9,)), "Received: units=9"),
        (dict(features=()), "non-empty"),
        (dict(activation="softmax"), "Received: activation='softmax'"),
        (dict(learning_rate=0.0), "Received: learning_rate=0.0"),
        (dict(batch_size=0), "Received: batch_size=0"),
        (dict(optimizer="rmsprop"), "Received: optimizer='rmsprop'"),
        (dict(dataset="plane"), "Received: dataset='plane'"),
    ],
)
def test_bad_configs_raise_keras_style_errors(changes, message):
    with pytest.raises(ValueError, match="Received an invalid value") as error:
        PlaygroundConfig(**changes)
    assert message in str(error.value)


def test_features_are_kept_in_canonical_order():
    assert PlaygroundConfig(features=("x2", "x1")) == PlaygroundConfig(features=("x1", "x2"))


# ---- model and trainer -----------------------------------------------------------


def _circle(config):
    points, labels = make_dataset(config.dataset, noise=config.noise / 100, seed=config.seed)
    return split_dataset(points, labels, config.train_ratio / 100, config.seed)


def test_built_model_matches_layers_and_regularization():
    import keras

    from core.playground.model import build_model

    config = PlaygroundConfig(
        features=("x1", "x2", "x1_squared"),
        hidden_layers=(5, 3),
        activation="relu",
        regularization="l1",
        regularization_rate=0.01,
    )
    model = build_model(config)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [5, 3, 1]
    assert [layer.activation.__name__ for layer in dense] == ["relu", "relu", "sigmoid"]
    assert all(isinstance(layer.kernel_regularizer, keras.regularizers.L1) for layer in dense)
    assert all(np.isclose(layer.kernel_regularizer.l1, 0.01) for layer in dense)
    assert model.count_params() == (3 + 1) * 5 + (5 + 1) * 3 + (3 + 1) * 1
    regression = build_model(PlaygroundConfig(problem="regression", dataset="plane", hidden_layers=()))
    assert regression.layers[-1].activation.__name__ == "linear"
    assert regression.layers[-1].kernel_regularizer is None


def test_same_seed_builds_the_same_initial_weights():
    from core.playground.model import build_model

    a, b = build_model(PlaygroundConfig(seed=7)), build_model(PlaygroundConfig(seed=7))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_tanh_network_learns_the_circle():
    """300 epochs of the default 2-4-2-1 tanh network bring the test loss under 0.1.

    The untrained loss is about 0.7 (log 2); a good fit is below 0.05.
    """
    from core.playground.model import Trainer

    config = PlaygroundConfig(dataset="circle", hidden_layers=(4, 2), activation="tanh", learning_rate=0.03)
    trainer = Trainer(config, _circle(config))
    trainer.step(150)
    trainer.step(150)
    assert trainer.epoch == 300 and len(trainer.history["test_loss"]) == 301
    assert trainer.history["test_loss"][0] > 0.5
    assert trainer.history["test_loss"][-1] < 0.1
    accuracy = np.mean((trainer.predict(trainer.data.x_test) > 0.5) == trainer.data.y_test.astype(bool))
    assert accuracy > 0.95


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_other_optimizers_and_squared_error_train(optimizer):
    from core.playground.model import Trainer

    config = PlaygroundConfig(
        dataset="gaussian",
        optimizer=optimizer,
        loss="squared_error",
        learning_rate=0.01,
        regularization="l2",
        regularization_rate=0.001,
        batch_size=25,
    )
    trainer = Trainer(config, _circle(config))
    trainer.step(20)
    assert trainer.history["loss"][-1] < trainer.history["loss"][0]


def test_grids_hold_every_layer_in_one_call():
    from core.playground.model import Trainer

    config = PlaygroundConfig(features=("x1", "x2", "x1x2"), hidden_layers=(3, 5, 2))
    trainer = Trainer(config, _circle(config), resolution=20)
    grids = trainer.grids()
    assert [grid.shape for grid in grids] == [(20, 20, 3), (20, 20, 5), (20, 20, 2), (20, 20, 1)]
    # The grid's output equals the model's prediction at the same points.
    corner = np.array([[trainer.grid_axis[0], trainer.grid_axis[-1]]])  # x1 low, x2 high
    np.testing.assert_allclose(grids[-1][-1, 0, 0], trainer.predict(corner)[0], rtol=1e-5)
    assert [kernel.shape for kernel, _ in trainer.weights()] == [(3, 3), (3, 5), (5, 2), (2, 1)]


# ---- generated code --------------------------------------------------------------


def _run_script(code, tmp_path):
    script = tmp_path / "playground_experiment.py"
    script.write_text(code)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    return subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )


@pytest.mark.slow
def test_generated_code_runs_and_trains(tmp_path):
    config = PlaygroundConfig(
        dataset="xor",
        noise=10,
        features=("x1", "x2", "x1x2"),
        hidden_layers=(4,),
        regularization="l2",
        regularization_rate=0.001,
        optimizer="adam",
        learning_rate=0.03,
        batch_size=20,
    )
    code = generate_code(config, epochs=5)
    compile(code, "playground_experiment.py", "exec")
    result = _run_script(code, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Epoch 5/5" in result.stdout
    last = [line for line in result.stdout.splitlines() if line.startswith("train loss")][-1]
    train_loss = float(last.split()[2].rstrip(","))
    assert train_loss < 0.69  # below chance level (log 2) after five epochs of Adam


def test_generated_code_uses_the_same_data_and_split(tmp_path):
    config = PlaygroundConfig(dataset="spiral", noise=20, seed=42, train_ratio=30)
    code = generate_code(config, epochs=1)
    # Run only the data part of the script, and compare with the page's data.
    data_part = code[: code.index("model = keras.Sequential")]
    namespace: dict = {}
    exec(compile(data_part, "generated", "exec"), namespace)
    expected = _circle(config)
    np.testing.assert_array_equal(namespace["x_train"][:, :2], expected.x_train)
    np.testing.assert_array_equal(namespace["y_test"], expected.y_test)


def test_generated_code_embeds_uploaded_points():
    rows = "\n".join(f"{i / 10},{-i / 10},{i % 2}" for i in range(12))
    upload = parse_points_csv("x1,x2,label\n" + rows)
    config = PlaygroundConfig(dataset="upload")
    code = generate_code(config, epochs=1, upload=upload)
    assert "points = np.array([[0.0, 0.0], [0.1, -0.1], [0.2, -0.2]" in code
    with pytest.raises(ValueError, match="Received: upload=None"):
        generate_code(config)


# ---- CSV upload ------------------------------------------------------------------


def test_csv_with_zero_one_labels_is_classification():
    rows = "\n".join(f"{i},{-i},{i % 2}" for i in range(20))
    uploaded = parse_points_csv(("x1,x2,label\n" + rows).encode(), "mine.csv")
    assert uploaded.problem == "classification" and uploaded.name == "mine.csv"
    assert uploaded.points.shape == (20, 2) and set(uploaded.labels) == {0.0, 1.0}


def test_csv_with_minus_one_labels_maps_to_zero_one_and_other_numbers_regress():
    rows = "\n".join(f"{i},{i},{1 if i % 2 else -1}" for i in range(20))
    assert set(parse_points_csv(" X1 , x2 ,Label\n" + rows).labels) == {0.0, 1.0}
    rows = "\n".join(f"{i},{i},{i / 7}" for i in range(20))
    assert parse_points_csv("x1,x2,label\n" + rows).problem == "regression"


GOOD_ROWS = "".join(f"{i},{i},{i % 2}\n" for i in range(12))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "Received: an empty file"),
        ("   \n", "Received: an empty file"),
        ("x1,x2\n1,2\n", "(missing label)"),
        ("x1,x2,label,z\n1,2,0,4\n", "(extra z)"),
        ("a,b,c\n1,2,0\n", "missing x1, x2, label; extra a, b, c"),
        ("x1,x2,label\n" + GOOD_ROWS + "one,2,1\n", "'one' in row 14"),
        ("x1,x2,label\n" + GOOD_ROWS + "1,,1\n", "an empty cell in row 14"),
        ("x1,x2,label\n" + GOOD_ROWS + "1,NaN,1\n", "'NaN' in row 14"),
        ("x1,x2,label\n" + GOOD_ROWS + "1,inf,1\n", "'inf' in row 14"),
        # Past float32's range, as unusable as inf (and their squares overflow).
        ("x1,x2,label\n" + GOOD_ROWS + "1e39,2,1\n", "'1e39' in row 14"),
        ("x1,x2,label\n" + GOOD_ROWS + "1,-1e308,1\n", "'-1e308' in row 14"),
        ("x1,x2,label\n" + GOOD_ROWS + "1,2,1e300\n", "'1e300' in row 14"),
        ("x1,x2,label\n1,2,0\n", "at least 10 rows"),
        ("x1,x2,label\n" + "1,2,0\n" * 2001, "at most 2,000 rows of points. Received: more than 2,000 rows"),
        ("x1,x2,label\n" + "1,2,0\n" * 200_000, "at most 1,000,000 bytes"),
    ],
)
def test_bad_csv_files_are_explained(content, message):
    with pytest.raises(ValueError, match="Received an invalid CSV file") as error:
        parse_points_csv(content)
    assert message in str(error.value)


def test_every_generator_is_self_contained_for_code_export():
    # The exported script copies a generator's source; it may only use numpy and its arguments.
    import inspect

    for generator in GENERATORS.values():
        names = set(generator.__code__.co_names)
        assert names <= {
            "np",
            "concatenate",
            "uniform",
            "pi",
            "stack",
            "sin",
            "cos",
            "linalg",
            "norm",
            "astype",
            "where",
            "normal",
            "sqrt",
            "ones",
            "zeros",
            "clip",
            "sum",
            "array",
            "abs",
            "argmax",
            "arange",
            "append",
            "float32",
        } | set(dir(np)), (generator.__name__, names)
        assert "self" not in inspect.signature(generator).parameters


# ---- zero hidden layers, mid-run changes, editing weights --------------------------


def _trainer(config, resolution=20):
    from core.playground.model import Trainer

    return Trainer(config, _circle(config), resolution=resolution)


@pytest.mark.slow
def test_no_hidden_layer_trains_the_circle_on_squared_features():
    # Playground's classic: x1² and x2² make the circle linearly separable.
    config = PlaygroundConfig(hidden_layers=(), features=("x1_squared", "x2_squared"), learning_rate=0.03)
    trainer = _trainer(config)
    trainer.step(40)
    grids = trainer.grids()
    assert [grid.shape for grid in grids] == [(20, 20, 1)]
    assert [kernel.shape for kernel, _ in trainer.weights()] == [(2, 1)]
    assert trainer.history["test_loss"][-1] < 0.3 < trainer.history["test_loss"][0]


def _weight_change(trainer, epochs=1):
    before = np.concatenate([kernel.ravel() for kernel, _ in trainer.weights()])
    trainer.step(epochs)
    after = np.concatenate([kernel.ravel() for kernel, _ in trainer.weights()])
    return float(np.linalg.norm(after - before))


@pytest.mark.slow
def test_a_lower_learning_rate_mid_run_keeps_the_epochs_and_takes_smaller_steps():
    config = PlaygroundConfig(learning_rate=0.03)
    trainer = _trainer(config)
    trainer.step(5)
    fast = _weight_change(trainer)
    weights = trainer.weights()
    trainer.update(config.replace(learning_rate=0.003))
    assert trainer.epoch == 6 and len(trainer.history["loss"]) == 7  # nothing reset
    np.testing.assert_array_equal(trainer.weights()[0][0], weights[0][0])
    slow = _weight_change(trainer)
    assert trainer.epoch == 7
    assert slow < fast / 3  # a tenth of the rate: a step about a tenth as long


@pytest.mark.slow
def test_batch_size_regularization_and_optimizer_change_on_the_running_model():
    config = PlaygroundConfig(optimizer="adam", learning_rate=0.01)
    trainer = _trainer(config)
    trainer.step(3)
    moments = [v.numpy().copy() for v in trainer.optimizer.variables]
    trainer.update(config.replace(batch_size=50, regularization="l2", regularization_rate=0.1))
    # Adam's moments survive a change that is not of the optimizer itself.
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(moments, trainer.optimizer.variables))
    assert float(trainer._l2.numpy()) == pytest.approx(0.1) and int(trainer._batch_size.numpy()) == 50
    trainer.step(2)
    trainer.update(trainer.config.replace(optimizer="sgd"))
    trainer.step(2)
    assert trainer.epoch == 7 and all(np.isfinite(trainer.history["loss"]))


@pytest.mark.slow
def test_strong_l1_mid_run_shrinks_the_weights():
    config = PlaygroundConfig(learning_rate=0.1)
    trainer = _trainer(config)
    trainer.step(3)
    before = sum(np.abs(kernel).sum() for kernel, _ in trainer.weights())
    trainer.update(config.replace(regularization="l1", regularization_rate=0.3))
    trainer.step(5)
    assert sum(np.abs(kernel).sum() for kernel, _ in trainer.weights()) < before / 2


def test_a_structural_change_is_refused_by_update():
    trainer = _trainer(PlaygroundConfig())
    with pytest.raises(ValueError, match="need a new Trainer"):
        trainer.update(PlaygroundConfig(activation="relu"))
    assert PlaygroundConfig().same_structure(PlaygroundConfig(learning_rate=1.0, batch_size=3, loss="squared_error"))
    assert not PlaygroundConfig().same_structure(PlaygroundConfig(hidden_layers=(4,)))


def test_set_weight_changes_one_link_and_the_output():
    trainer = _trainer(PlaygroundConfig(hidden_layers=(3,)))
    before = trainer.grids()[-1].copy()
    trainer.set_weight(1, 2, 0, 4.0)
    assert trainer.weights()[1][0][2, 0] == 4.0
    assert np.abs(trainer.grids()[-1] - before).max() > 0.01
    with pytest.raises(ValueError, match="Received: target=1"):
        trainer.set_weight(1, 0, 1, 1.0)
    with pytest.raises(ValueError, match="Received: value=nan"):
        trainer.set_weight(0, 0, 0, float("nan"))
    with pytest.raises(ValueError, match="Received: value=1e"):  # inf in float32
        trainer.set_weight(0, 0, 0, 1e39)


def _losses_now(trainer) -> tuple[float, float]:
    """The trainer's losses computed afresh, with Keras's own evaluation."""
    import keras

    data, features = trainer.data, trainer.config.features
    model = keras.models.clone_model(trainer.model)
    model.set_weights(trainer.model.get_weights())
    model.compile(loss=trainer.loss_fn)
    return tuple(
        model.evaluate(transform(x, features), y.reshape(-1, 1), batch_size=len(x), verbose=0)
        for x, y in ((data.x_train, data.y_train), (data.x_test, data.y_test))
    )


def test_set_bias_changes_one_bias_and_the_output():
    trainer = _trainer(PlaygroundConfig(hidden_layers=(3,)))
    trainer.step(2)
    kernels_before = [kernel.copy() for kernel, _ in trainer.weights()]
    biases_before = [bias.copy() for _, bias in trainer.weights()]
    grids_before = [grid.copy() for grid in trainer.grids()]
    trainer.set_bias(0, 1, -2.0)
    biases = [bias for _, bias in trainer.weights()]
    assert biases[0][1] == -2.0
    biases[0][1] = biases_before[0][1]
    assert all(np.array_equal(a, b) for a, b in zip(biases, biases_before))  # that one bias only
    assert all(np.array_equal(kernel, before) for (kernel, _), before in zip(trainer.weights(), kernels_before))
    grids = trainer.grids()
    assert np.abs(grids[0][..., 1] - grids_before[0][..., 1]).max() > 0.1  # its neuron's map moves
    assert np.array_equal(grids[0][..., 0], grids_before[0][..., 0])  # its neighbours' do not
    assert np.abs(grids[-1] - grids_before[-1]).max() > 0.01  # and so does the output
    trainer.set_bias(1, 0, 0.25)  # the output's
    assert trainer.weights()[1][1][0] == 0.25
    with pytest.raises(ValueError, match="Received: unit=3"):
        trainer.set_bias(0, 3, 1.0)
    with pytest.raises(ValueError, match="Received: layer=2"):
        trainer.set_bias(2, 0, 1.0)
    with pytest.raises(ValueError, match="Received: value=inf"):
        trainer.set_bias(0, 0, float("inf"))
    with pytest.raises(ValueError, match="Received: value=True"):
        trainer.set_bias(0, 0, True)


@pytest.mark.parametrize("edit", ["weight", "bias"])
def test_an_edit_records_the_edited_networks_losses_at_the_same_epoch(edit):
    trainer = _trainer(PlaygroundConfig(hidden_layers=(3,)))
    trainer.step(3)
    before = trainer.history["loss"][-1], trainer.history["test_loss"][-1]
    if edit == "weight":
        trainer.set_weight(1, 0, 0, 5.0)
    else:
        trainer.set_bias(1, 0, 3.0)
    assert trainer.epoch == 3 and trainer.history["epoch"] == [0, 1, 2, 3, 3]
    after = trainer.history["loss"][-1], trainer.history["test_loss"][-1]
    assert after == pytest.approx(_losses_now(trainer), rel=1e-4)
    assert abs(after[0] - before[0]) > 0.01 and abs(after[1] - before[1]) > 0.01
    trainer.step(1)  # training goes on from the edited network
    assert trainer.history["epoch"] == [0, 1, 2, 3, 3, 4]


# ---- multiclass, activations, dropout ---------------------------------------------


@pytest.mark.slow
def test_three_gaussians_train_a_softmax_output():
    config = PlaygroundConfig(dataset="three_gaussians", hidden_layers=(4,), learning_rate=0.1)
    trainer = _trainer(config)
    assert trainer.num_classes == 3 and trainer.model.output_shape == (None, 3)
    assert trainer.dense[-1].activation.__name__ == "softmax"
    trainer.step(30)
    predicted = trainer.predict(trainer.data.x_test).argmax(axis=1)
    assert np.mean(predicted == trainer.data.y_test) > 0.9
    assert trainer.grids()[-1].shape == (20, 20, 3)


def test_csv_with_labels_zero_one_two_is_multiclass():
    rows = "".join(f"{i % 5},{i % 7},{i % 3}\n" for i in range(30))
    uploaded = parse_points_csv("x1,x2,label\n" + rows)
    assert uploaded.problem == "classification" and uploaded.num_classes == 3
    assert set(uploaded.labels.tolist()) == {0.0, 1.0, 2.0}
    rows = "".join(f"{i},{i},{i % 3 + 1}\n" for i in range(30))  # 1, 2, 3 become 0, 1, 2
    assert set(parse_points_csv("x1,x2,label\n" + rows).labels.tolist()) == {0.0, 1.0, 2.0}


def test_csv_with_one_class_only_says_so():
    rows = "".join(f"{i},{i},1\n" for i in range(30))
    with pytest.raises(ValueError, match="at least two classes.*Received: label=1 in every row"):
        parse_points_csv("x1,x2,label\n" + rows)


def test_csv_far_outside_the_plane_is_standardized_and_says_so():
    rows = "".join(f"{i * 1000},{-i * 500},{i % 2}\n" for i in range(30))
    uploaded = parse_points_csv("x1,x2,label\n" + rows)
    assert np.abs(uploaded.points).max() < 6.5
    assert "standardized" in uploaded.note and "2.9e+04" in uploaded.note
    assert parse_points_csv("x1,x2,label\n" + GOOD_ROWS).note == ""


@pytest.mark.parametrize("activation", ["sine", "mish", "hard_sigmoid"])
def test_new_activations_build_and_train(activation):
    config = PlaygroundConfig(activation=activation, hidden_layers=(3,))
    trainer = _trainer(config)
    trainer.step(3)
    assert all(np.isfinite(trainer.history["loss"]))
    assert activation.replace("sine", "sin") in trainer.dense[0].activation.__name__
    assert f"activation={activation!r}" in generate_code(config) or "keras.ops.sin" in generate_code(config)


def test_dropout_per_layer_builds_dropout_layers():
    import keras

    from core.playground.model import build_model

    config = PlaygroundConfig(hidden_layers=(4, 3), dropout=(0.0, 0.3))
    model = build_model(config)
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == [0.3]
    assert PlaygroundConfig(hidden_layers=(4,), dropout=(0.0,)).dropout == ()  # none anywhere
    with pytest.raises(ValueError, match="one rate per hidden layer"):
        PlaygroundConfig(hidden_layers=(4, 3), dropout=(0.5,))


# ---- CSV bombs --------------------------------------------------------------------


def test_a_header_of_500000_names_is_refused_at_once():
    import time

    text = "a," * 499_990 + "a\n1,2,3\n"
    assert len(text) < 1_000_000  # under the byte limit: the column count must catch it
    start = time.perf_counter()
    with pytest.raises(ValueError, match="at most 16 columns. Received: 499,991 columns"):
        parse_points_csv(text)
    assert time.perf_counter() - start < 0.5


def test_huge_quoted_fields_are_refused():
    with pytest.raises(ValueError, match="at most 1,000,000 bytes"):
        parse_points_csv(b'x1,x2,label\n"' + b"1" * 15_000_000 + b'",1,0\n')
    with pytest.raises(ValueError, match="at most 100 characters in one field. Received: 900,000"):
        parse_points_csv('x1,x2,label\n"' + "1" * 900_000 + '",1,0\n' + GOOD_ROWS)


# ---- hosted limits ----------------------------------------------------------------


@pytest.fixture
def hosted(monkeypatch):
    from core.playground.limits import HOSTED, PlaygroundLimits

    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    assert PlaygroundLimits.from_env() == HOSTED
    return HOSTED


def test_limits_are_off_unless_hosted(monkeypatch):
    from core.playground.limits import PlaygroundLimits

    monkeypatch.delenv("MLP_EXPLORER_HOSTED", raising=False)
    limits = PlaygroundLimits.from_env()
    limits.check_network((8,) * 6)
    limits.check_step(10**6, 25)
    limits.check_points(2000)


def test_hosted_caps_uploaded_points(hosted):
    with pytest.raises(ValueError, match="Received a CSV of 1,001 points; this server takes at most 1,000"):
        hosted.check_points(1001)
    rows = "".join(f"{i},{i},{i % 2}\n" for i in range(1001))
    with pytest.raises(ValueError, match="at most 1,000 rows of points"):
        parse_points_csv("x1,x2,label\n" + rows, max_rows=hosted.max_points)


def test_hosted_caps_grid_resolution(hosted):
    hosted.check_resolution(40)
    with pytest.raises(ValueError, match="Received: resolution=50; this server draws heatmaps of at most 40×40"):
        hosted.check_resolution(50)


def test_hosted_caps_layers_and_units(hosted):
    hosted.check_network((6, 6, 6, 6))
    with pytest.raises(ValueError, match="Received: hidden_layers=\\(6, 6, 6, 6, 6\\); this server"):
        hosted.check_network((6,) * 5)
    with pytest.raises(ValueError, match="at most 6 neurons"):
        hosted.check_network((7,))


def test_hosted_caps_epochs_per_update(hosted):
    with pytest.raises(ValueError, match="Received: epochs per update=25; this server trains at most 10"):
        hosted.check_step(0, 25)


def test_hosted_caps_the_epochs_of_a_run(hosted):
    hosted.check_step(2990, 10)
    with pytest.raises(ValueError, match="trained 2,995 epochs; this server stops a Playground run at 3,000"):
        hosted.check_step(2995, 10)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_dropped_trainer_leaves_no_traced_graph_behind(optimizer):
    # Its train function used to stay in TensorFlow's process-wide gradient registry
    # (see `core.training.without_single_replica_all_reduce`): a server grew per visitor.
    import gc

    from tensorflow.python.framework import ops

    from core.playground.model import Trainer

    config = PlaygroundConfig(dataset="circle", optimizer=optimizer)
    Trainer(config, _circle(config)).step(2)
    gc.collect()
    before = set(ops._gradient_registry.list())
    for _ in range(2):
        Trainer(config, _circle(config)).step(2)
    gc.collect()
    assert set(ops._gradient_registry.list()) == before
