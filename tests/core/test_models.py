"""Models match the parameter-count formula, the course's 266,610, and Keras's summary."""

import pytest

from core.config import MLPConfig
from core.models import build_mlp, count_params, summarize_mlp


def test_the_course_model_has_266610_parameters():
    config = MLPConfig(((300, "relu"), (100, "relu")))
    assert count_params(config, (28, 28), 10) == 266_610
    assert build_mlp(config, (28, 28), 10).count_params() == 266_610


@pytest.mark.parametrize(
    "layers, input_shape, outputs",
    [
        (((300, "relu"), (100, "relu")), (28, 28), 10),
        (((16, "tanh"),), (8, 8), 10),
        (((5, "elu"), (7, "selu"), (3, "swish")), (4,), 2),
    ],
)
def test_counts_follow_the_formula_and_keras(layers, input_shape, outputs):
    config = MLPConfig(layers)
    sizes = [input_shape[0] * (input_shape[1] if len(input_shape) > 1 else 1)]
    sizes += [units for units, _ in layers] + [outputs]
    formula = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))
    model = build_mlp(config, input_shape, outputs)
    assert count_params(config, input_shape, outputs) == formula == model.count_params()


def test_summary_rows_match_the_built_model():
    config = MLPConfig(((32, "relu"), (16, "tanh")))
    model = build_mlp(config, (28, 28), 10)
    rows = summarize_mlp(config, (28, 28), 10)
    assert [row.kind for row in rows] == [type(layer).__name__ for layer in model.layers]
    assert [row.output_shape for row in rows] == [tuple(layer.output.shape) for layer in model.layers]
    assert [row.params for row in rows] == [layer.count_params() for layer in model.layers]
    assert [row.activation for row in rows[1:]] == [layer.activation.__name__ for layer in model.layers[1:]]


def test_a_seed_gives_the_same_initial_weights():
    config = MLPConfig(((8, "relu"),))
    first = build_mlp(config, (4,), 3, seed=7).get_weights()
    second = build_mlp(config, (4,), 3, seed=7).get_weights()
    other = build_mlp(config, (4,), 3, seed=8).get_weights()
    assert all((a == b).all() for a, b in zip(first, second))
    assert not (first[0] == other[0]).all()


def test_a_standardizing_layer_adds_no_parameters_and_one_sigmoid_unit_for_two_classes():
    import numpy as np

    from core.models import output_units

    config = MLPConfig(((64, "tanh"), (32, "tanh")), output_activation="sigmoid")
    assert output_units(config, 2) == 1 and output_units(config, 10) == 10
    rows = summarize_mlp(config, (28, 28), 1, standardize=True)
    assert [row.kind for row in rows] == ["Flatten", "Normalization", "Dense", "Dense", "Dense"]
    model = build_mlp(config, (28, 28), 1, standardize=(np.zeros(784), np.ones(784)))
    assert model.count_params() == sum(row.params for row in rows) == 785 * 64 + 65 * 32 + 33
