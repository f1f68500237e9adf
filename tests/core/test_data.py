"""Data: the real Keras loader from the seeded cache, the course's split, the fallback."""

import numpy as np
import pytest

from core.config import DataConfig
from core.data import FASHION_MNIST_CLASSES, DatasetUnavailableError, load_dataset
from tests.conftest import in_ci


def _real(name):
    try:
        return load_dataset(name)
    except DatasetUnavailableError as error:
        if in_ci():
            raise  # CI seeds the Keras cache; a missing data set there is a failure
        pytest.skip(f"{name} is not in the Keras cache and cannot be downloaded here: {error}")


def test_real_fashion_mnist_has_the_course_shapes_and_split():
    import keras

    (x_full, y_full), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    assert x_full.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    data = _real("fashion_mnist")
    assert data.x_train.shape == (55000, 28, 28)
    assert data.x_valid.shape == (5000, 28, 28)
    assert data.x_test.shape == (10000, 28, 28)
    assert data.x_train.dtype == np.float32 and 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0
    # The last 5,000 training images are the validation set, as in the course.
    np.testing.assert_array_equal(data.y_valid, y_full[-5000:])
    assert data.class_names[int(data.y_train[0])] == "Ankle boot"
    assert data.class_names == FASHION_MNIST_CLASSES


@pytest.mark.slow
def test_first_images_can_be_the_validation_set_instead():
    data = load_dataset(DataConfig("fashion_mnist", validation="first")) if _real("fashion_mnist") else None
    import keras

    (_, y_full), _ = keras.datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(data.y_valid, y_full[:5000])


def test_mnist_loads_too():
    data = _real("mnist")
    assert data.x_train.shape == (55000, 28, 28) and data.num_classes == 10


def test_digits_ship_with_scikit_learn_and_are_split_three_ways():
    data = load_dataset("digits")
    assert data.image_shape == (8, 8)
    assert len(data.x_train) + len(data.x_valid) + len(data.x_test) == 1797
    assert data.x_train.max() <= 1.0
    for split in (data.y_train, data.y_valid, data.y_test):
        assert set(split) == set(range(10))


def test_a_failed_download_raises_a_clear_error(monkeypatch):
    import keras

    def offline():
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(DatasetUnavailableError, match="offline 'digits' data set"):
        load_dataset("fashion_mnist")


def test_subset_keeps_validation_and_test():
    data = load_dataset("digits")
    small = data.subset(100)
    assert len(small.x_train) == 100
    assert small.x_valid is data.x_valid and small.x_test is data.x_test
    assert data.subset(None) is data


def test_for_run_gives_all_images_a_subset_of_classes_or_one_against_the_rest():
    from core.data import for_run

    digits = load_dataset("digits")
    everything = for_run(digits, DataConfig("digits", validation="none"))
    assert len(everything.x_train) == len(digits.x_train) + len(digits.x_valid) and len(everything.x_valid) == 0
    np.testing.assert_array_equal(everything.x_train[: len(digits.x_train)], digits.x_train)  # order kept
    first = for_run(digits, DataConfig("digits", validation="first"))
    np.testing.assert_array_equal(first.x_valid, everything.x_train[:360])
    pair = for_run(digits, DataConfig("digits", classes=(7, 1)))
    assert pair.class_names == ("7", "1") and set(pair.y_test.tolist()) == {0, 1}
    assert len(pair.y_test) == int(np.isin(digits.y_test, (7, 1)).sum())
    rest = for_run(digits, DataConfig("digits", classes=(3,)))
    assert rest.class_names == ("not 3", "3") and len(rest.y_test) == len(digits.y_test)
    assert rest.y_test.mean() < 0.2  # unbalanced: one image in ten is a 3
