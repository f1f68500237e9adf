"""Configs validate themselves with Keras-style messages and have a stable JSON form."""

import pytest

from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: MLPConfig(hidden_layers=((0, "relu"),)), "Received: units=0"),
        (lambda: MLPConfig(hidden_layers=((10**6, "relu"),)), "Received: units=1000000"),
        (lambda: MLPConfig(hidden_layers=()), "Received: hidden_layers=()"),
        (lambda: MLPConfig(hidden_layers=((10, "nope"),)), "Received: activation='nope'"),
        (lambda: MLPConfig(output_activation="tanh"), "Received: output_activation='tanh'"),
        (lambda: TrainingConfig(learning_rate=-0.1), "Received: learning_rate=-0.1"),
        (lambda: TrainingConfig(learning_rate=float("nan")), "Received: learning_rate=nan"),
        (lambda: TrainingConfig(batch_size=0), "Received: batch_size=0"),
        (lambda: TrainingConfig(epochs=0), "Received: epochs=0"),
        (lambda: TrainingConfig(optimizer="lbfgs"), "Received: optimizer='lbfgs'"),
        (lambda: TrainingConfig(momentum=1.5, optimizer="sgd"), "Received: momentum=1.5"),
        (lambda: TrainingConfig(optimizer="adam", nesterov=True), "Received: nesterov=True"),
        (lambda: TrainingConfig(validation_split=0.9), "Received: validation_split=0.9"),
        (lambda: TrainingConfig(early_stopping_patience=0), "Received: early_stopping_patience=0"),
        (lambda: DataConfig("cifar10"), "Received: name='cifar10'"),
        (lambda: DataConfig(num_train=3), "Received: num_train=3"),
    ],
)
def test_invalid_values_raise_with_what_was_received(make, fragment):
    with pytest.raises(ValueError, match="Received an invalid value") as error:
        make()
    assert fragment in str(error.value)


def test_error_names_the_layer_to_fix():
    with pytest.raises(ValueError, match="hidden layer 2"):
        MLPConfig(hidden_layers=((10, "relu"), (0, "relu")))


def test_lists_become_tuples_so_configs_stay_hashable():
    config = MLPConfig(hidden_layers=[[300, "relu"], [100, "relu"]])
    assert config == MLPConfig()
    assert hash(config) == hash(MLPConfig())


def test_json_round_trip_and_stable_key():
    run = RunConfig(
        DataConfig("mnist", num_train=1000),
        MLPConfig(((64, "tanh"),)),
        TrainingConfig(optimizer="sgd", learning_rate=0.05, momentum=0.9, nesterov=True),
    )
    assert RunConfig.from_json(run.to_json()) == run
    assert RunConfig.from_json(run.to_json()).key() == run.key()
    # The key depends on the content only: ints and floats that are equal give one key.
    assert (
        RunConfig(training=TrainingConfig(learning_rate=1)).key()
        == RunConfig(training=TrainingConfig(learning_rate=1.0)).key()
    )
    assert RunConfig(training=TrainingConfig(epochs=2)).key() != RunConfig().key()


def test_describe_is_short_and_readable():
    assert MLPConfig().describe() == "300-100 relu"
    assert MLPConfig(((8, "tanh"), (4, "relu"))).describe() == "8-4 relu/tanh"


def test_other_pages_derive_their_activation_lists_from_the_models_one():
    from core.config import ACTIVATIONS
    from core.fundamentals import activations, neuron
    from core.playground import config as playground

    # The Playground offers the same set, its own four first, as TensorFlow Playground does,
    # then a few its users ask for.
    assert sorted(playground.ACTIVATIONS) == sorted(ACTIVATIONS + playground.EXTRA_ACTIVATIONS)
    assert playground.ACTIVATIONS[:4] == ("tanh", "relu", "sigmoid", "linear")
    # The activations page draws every one a model page offers, plus a few for comparison.
    assert activations.ACTIVATIONS[:2] == ("sigmoid", "tanh")  # as history had them
    assert sorted(activations.ACTIVATIONS) == sorted(ACTIVATIONS + activations.DRAWN_ONLY)
    assert not set(activations.DRAWN_ONLY) & set(ACTIVATIONS)
    assert set(neuron.XOR_ACTIVATIONS) <= set(ACTIVATIONS)


def test_seeds_share_one_bound():
    from core.config import MAX_SEED
    from core.playground.config import PlaygroundConfig

    assert TrainingConfig(seed=MAX_SEED).seed == PlaygroundConfig(seed=MAX_SEED).seed == 2**31 - 1
    for make in (lambda: TrainingConfig(seed=MAX_SEED + 1), lambda: PlaygroundConfig(seed=MAX_SEED + 1)):
        with pytest.raises(ValueError, match=f"Received: seed={MAX_SEED + 1}"):
            make()


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: TrainingConfig(batch_size=True), "Received: batch_size=True"),
        (lambda: TrainingConfig(learning_rate=float("inf")), "Received: learning_rate=inf"),
        (lambda: TrainingConfig(nesterov=1), "expected True or False. Received: nesterov=1"),
        (lambda: TrainingConfig(mixed_precision="yes"), "Received: mixed_precision='yes'"),
        (lambda: MLPConfig(hidden_layers=300), "expected a tuple of (units, activation) pairs"),
        (lambda: MLPConfig(hidden_layers=((True, "relu"),)), "Received: units=True. Check hidden layer 1."),
        (lambda: DataConfig(validation="middle"), "expected one of last, first, none. Received: validation='middle'"),
    ],
)
def test_configs_refuse_bools_infinity_and_other_types(make, fragment):
    with pytest.raises(ValueError, match="Received an invalid value") as error:
        make()
    assert fragment in str(error.value)


def test_new_fields_at_their_defaults_keep_the_stored_form_and_key():
    # The JSON form (and so the store key) of runs stored before these fields existed.
    old = (
        '{"data":{"name":"fashion_mnist","num_train":null,"validation":"last"},"kind":"classification",'
        '"model":{"hidden_layers":[[300,"relu"],[100,"relu"]],"output_activation":"softmax"},'
        '"training":{"batch_size":32,"early_stopping_patience":null,"epochs":10,"learning_rate":0.001,'
        '"lr_schedule":"constant","mixed_precision":false,"momentum":0.0,"nesterov":false,"optimizer":"adam",'
        '"parent":null,"seed":42,"validation_split":null}}'
    )
    assert RunConfig().to_json() == old
    assert RunConfig.from_json(old) == RunConfig()
    used = RunConfig(
        data=DataConfig(scaling="standard", classes=(3, 5)),
        training=TrainingConfig(lr_schedule="inverse_time", decay_rate=1e-6, class_weight="balanced"),
    )
    assert '"scaling":"standard"' in used.to_json() and '"decay_rate":1e-06' in used.to_json()
    assert used.key() != RunConfig().key()
    assert RunConfig.from_json(used.to_json()) == used


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: TrainingConfig(lr_schedule="inverse_time"), "Received: decay_rate=0.0"),
        (lambda: TrainingConfig(lr_schedule="exponential", decay_rate=1.5), "Received: decay_rate=1.5"),
        (lambda: TrainingConfig(decay_rate=0.1), "expected 0 for lr_schedule='constant'"),
        (lambda: TrainingConfig(class_weight="even"), "Received: class_weight='even'"),
        (lambda: DataConfig(scaling="minmax"), "Received: scaling='minmax'"),
        (lambda: DataConfig(classes=(3, 3)), "Received: classes=(3, 3)"),
        (lambda: DataConfig(classes=(10,)), "Received: classes=10"),
        (
            lambda: RunConfig(DataConfig(validation="none"), training=TrainingConfig(early_stopping_patience=5)),
            "Received: early_stopping_patience=5",
        ),
    ],
)
def test_recipe_fields_refuse_what_does_not_fit(make, fragment):
    with pytest.raises(ValueError, match="Received") as error:
        make()
    assert fragment in str(error.value)
