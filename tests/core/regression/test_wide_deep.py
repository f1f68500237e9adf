"""Wide & deep: each variant's inputs, outputs and parameters, bad feature sets, loss
weights, multi-input training, the graph walk, and the subclassed twin of variant 3."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.config import TrainingConfig
from core.regression.housing import load_regression_data
from core.regression.wide_deep import (
    WideDeepConfig,
    WideDeepRun,
    build_wide_deep,
    check_features,
    comparison_runs,
    count_params,
    describe_graph,
    make_subclassed_model,
    model_inputs,
    split_inputs,
    targets,
    train_wide_deep,
)

FAST = TrainingConfig(batch_size=64, epochs=2, learning_rate=0.003)
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def california():
    return load_regression_data("california_housing")


def dense(inputs, units):
    return (inputs + 1) * units


@pytest.mark.parametrize(
    "variant, inputs, outputs, trainable, normalization",
    [
        ("one_input", ["input"], ["main_output"], dense(8, 30) + dense(30, 30) + dense(8 + 30, 1), 17),
        (
            "two_inputs",
            ["wide_input", "deep_input"],
            ["main_output"],
            dense(6, 30) + dense(30, 30) + dense(5 + 30, 1),
            11 + 13,
        ),
        (
            "aux_output",
            ["wide_input", "deep_input"],
            ["main_output", "aux_output"],
            dense(6, 30) + dense(30, 30) + dense(5 + 30, 1) + dense(30, 1),
            11 + 13,
        ),
    ],
)
def test_variant_structure_and_parameter_count(california, variant, inputs, outputs, trainable, normalization):
    model = build_wide_deep(WideDeepConfig(variant), california.x_train[:200], seed=0)
    assert [tensor.name for tensor in model.inputs] == inputs
    assert model.output_names == outputs
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == trainable
    assert model.count_params() == trainable + normalization
    assert count_params(WideDeepConfig(variant), 8) == trainable


def test_the_book_feature_sets_and_input_split(california):
    config = WideDeepConfig("two_inputs")
    assert model_inputs(config, 8) == [[0, 1, 2, 3, 4], [2, 3, 4, 5, 6, 7]]
    wide, deep = split_inputs(config, california.x_test)
    np.testing.assert_array_equal(wide, california.x_test[:, :5])
    np.testing.assert_array_equal(deep, california.x_test[:, 2:])
    assert model_inputs(WideDeepConfig("one_input"), 8) == [list(range(8))]
    y = california.y_test
    assert targets(WideDeepConfig("aux_output"), y) == (y, y)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"wide_features": ()}, "expected at least one feature. Received: wide_features=()"),
        ({"deep_features": []}, "expected at least one feature. Received: deep_features=()"),
        ({"wide_features": (0, -1)}, "Received: wide_features=(0, -1)"),
        ({"variant": "three_inputs"}, "Received: variant='three_inputs'"),
        ({"variant": "aux_output", "loss_weights": (0.0, 1.0)}, "positive weight for the main output"),
    ],
)
def test_bad_settings_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        WideDeepConfig(**{"variant": "two_inputs", **kwargs})


def test_feature_out_of_range_names_the_data_set_size():
    config = WideDeepConfig("two_inputs", deep_features=(2, 9))
    with pytest.raises(ValueError, match=r"between 0 and 7. Received: deep_features=\(2, 9\). This data set has 8"):
        check_features(config, 8)


def test_unused_fields_do_not_change_the_key():
    assert WideDeepConfig("one_input", wide_features=(1,)) == WideDeepConfig("one_input")
    assert WideDeepConfig("two_inputs", loss_weights=(0.5, 0.5)) == WideDeepConfig("two_inputs")
    assert WideDeepConfig("two_inputs", wide_features=(4, 0, 0)).wide_features == (0, 4)


@pytest.mark.slow
def test_multi_input_training_on_a_subset_reports_per_output_losses(california):
    run = WideDeepRun(num_train=1000, model=WideDeepConfig("aux_output"), training=FAST)
    updates = []
    result = train_wide_deep(run, california, on_epoch=updates.append)
    assert {"main_output_loss", "aux_output_loss", "val_main_output_loss", "val_aux_output_loss"} <= set(
        updates[-1].logs
    )
    assert result.epochs_run == 2 and result.predictions.shape == (5160,)
    assert np.isfinite(result.test_metrics["rmse"]) and np.isfinite(result.test_metrics["aux_rmse"])


@pytest.mark.parametrize("weights", [(0.9, 0.1), (0.5, 0.5)])
def test_loss_weights_make_the_total_loss(california, weights):
    import keras

    config = WideDeepConfig("aux_output", loss_weights=weights)
    model = build_wide_deep(config, california.x_train[:500], seed=3)
    model.compile(loss=["mse", "mse"], loss_weights=list(weights), optimizer="adam")
    x, y = split_inputs(config, california.x_valid[:256]), targets(config, california.y_valid[:256])
    # One batch, so the reported losses are that batch's, not averages of batches.
    logs = model.evaluate(x, y, batch_size=256, verbose=0, return_dict=True)
    main, aux = logs["main_output_loss"], logs["aux_output_loss"]
    assert main != pytest.approx(aux)
    assert logs["loss"] == pytest.approx(weights[0] * main + weights[1] * aux, rel=1e-5)
    predicted = model.predict(x, verbose=0)
    assert main == pytest.approx(float(keras.losses.MeanSquaredError()(y[0], predicted[0])), rel=1e-5)


def test_graph_is_read_from_the_keras_model(california):
    nodes, edges = describe_graph(build_wide_deep(WideDeepConfig("aux_output"), california.x_train[:100]))
    assert {node.name for node in nodes} >= {"wide_input", "deep_input", "concat", "main_output", "aux_output"}
    assert ("wide_normalization", "concat") in edges and ("hidden2", "concat") in edges
    assert ("hidden2", "aux_output") in edges and ("concat", "main_output") in edges
    assert {node.name: node.kind for node in nodes}["concat"] == "Concatenate"


@pytest.mark.slow
def test_subclassed_model_gives_the_same_results_as_the_functional_one(california):
    config = WideDeepConfig("aux_output")
    run = WideDeepRun(num_train=500, model=config, training=FAST)
    x_train = california.subset(500).x_train
    functional = train_wide_deep(run, california)
    subclassed = train_wide_deep(run, california, model=make_subclassed_model(config, x_train, seed=FAST.seed))
    np.testing.assert_allclose(subclassed.history["loss"], functional.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(subclassed.predictions, functional.predictions, rtol=1e-3, atol=1e-4)
    # Keras sees no graph in the subclassed model: nothing to draw.
    assert describe_graph(subclassed.model)[1] == []


def test_comparison_shares_the_budget():
    run = WideDeepRun(num_train=500, model=WideDeepConfig("two_inputs", wide_features=(0, 1)), training=FAST)
    runs = comparison_runs(run)
    assert [label for label, _ in runs][0] == "Sequential MLP" and len(runs) == 4
    assert all(other.training == FAST and other.num_train == 500 for _, other in runs)
    assert runs[0][1].model.mlp.hidden_layers == ((30, "relu"), (30, "relu"))
    assert runs[2][1].model.wide_features == (0, 1)


@pytest.mark.slow
def test_per_output_losses_are_keras_evaluate_of_the_weights_kept(california):
    run = WideDeepRun(num_train=1000, model=WideDeepConfig("aux_output"), training=FAST)
    result = train_wide_deep(run, california)
    config = run.model
    for split, x, y in (
        ("valid", california.x_valid, california.y_valid),
        ("test", california.x_test, california.y_test),
    ):
        logs = result.model.evaluate(
            split_inputs(config, x), targets(config, y), batch_size=len(y), verbose=0, return_dict=True
        )
        assert result.test_metrics[f"{split}_main_loss"] == pytest.approx(logs["main_output_loss"], abs=1e-4)
        assert result.test_metrics[f"{split}_aux_loss"] == pytest.approx(logs["aux_output_loss"], abs=1e-4)
        assert result.test_metrics[f"{split}_loss"] == pytest.approx(logs["loss"], abs=1e-4)
    # Keras's total is the weighted sum of the outputs' losses, and the main loss is the
    # square of the main RMSE the page shows.
    main, aux = config.loss_weights
    metrics = result.test_metrics
    assert metrics["test_loss"] == pytest.approx(
        main * metrics["test_main_loss"] + aux * metrics["test_aux_loss"], rel=1e-4
    )
    assert metrics["test_main_loss"] == pytest.approx(metrics["rmse"] ** 2, rel=1e-4)


def test_the_subclassing_api_is_variant_three_only_and_keeps_the_functional_keys():
    with pytest.raises(ValueError, match="Received: api='subclassing'"):
        WideDeepConfig("two_inputs", api="subclassing")
    with pytest.raises(ValueError, match="Received: api='sequential'"):
        WideDeepConfig("aux_output", api="sequential")
    functional = WideDeepRun(model=WideDeepConfig("aux_output"))
    assert '"api"' not in functional.to_json()  # the keys of runs stored before the field
    subclassed = WideDeepRun(model=WideDeepConfig("aux_output", api="subclassing"))
    assert subclassed.key() != functional.key()
    assert WideDeepRun(**json.loads(subclassed.to_json())) == subclassed
    assert subclassed.describe().endswith("subclassed")


@pytest.mark.slow
def test_subclassed_run_matches_the_functional_one_and_round_trips_through_the_store(california, tmp_path):
    from core import runs
    from core.store import RunStore

    functional = train_wide_deep(
        WideDeepRun(num_train=500, model=WideDeepConfig("aux_output"), training=FAST), california
    )
    config = WideDeepRun(num_train=500, model=WideDeepConfig("aux_output", api="subclassing"), training=FAST)
    store = RunStore(tmp_path)
    subclassed = runs.load_or_train(config, california, store=store)
    assert type(subclassed.model).__name__ == "WideAndDeepModel"
    np.testing.assert_allclose(subclassed.predictions, functional.predictions, rtol=1e-3, atol=1e-4)
    assert subclassed.test_metrics["valid_main_loss"] == pytest.approx(
        functional.test_metrics["valid_main_loss"], rel=1e-4
    )
    # A fresh process reads it back from model.keras: the class registers itself on load.
    script = (
        "import sys, numpy as np\n"
        "from core import runs\n"
        "from core.store import RunStore\n"
        "from core.regression.housing import load_regression_data\n"
        "from core.regression.wide_deep import split_inputs\n"
        "result = runs.load_key(sys.argv[2], RunStore(sys.argv[1]))\n"
        "data = load_regression_data('california_housing')\n"
        "main = result.model.predict(split_inputs(result.config.model, data.x_test), verbose=0)[0].reshape(-1)\n"
        "print(type(result.model).__name__, result.from_cache, float(np.abs(main - result.predictions).max()))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), runs.store_key(config, store)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    name, cached, gap = output.stdout.strip().splitlines()[-1].split()
    assert (name, cached) == ("WideAndDeepModel", "True") and float(gap) < 1e-5, output.stderr[-2000:]
