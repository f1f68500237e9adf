"""Image data sets for classification: the real Keras loaders, split as in the course.

Fashion-MNIST and MNIST come from `keras.datasets.*.load_data()`, which downloads them
once into the Keras cache (`KERAS_HOME`). The last (or first) 5,000 training images are
held out for validation and pixels are scaled to [0, 1], as the course does. When a
download is impossible, `load_dataset` raises `DatasetUnavailableError`, and scikit-learn's
8x8 digits (shipped inside scikit-learn) are always there as `"digits"`.

Example:

>>> data = load_dataset(DataConfig("digits"))
>>> data.x_train.shape, data.x_valid.shape, data.x_test.shape
((1077, 8, 8), (360, 8, 8), (360, 8, 8))

`load_dataset(DataConfig("fashion_mnist"))` splits the same way: 55,000, 5,000 and
10,000 images of 28x28.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.config import DataConfig

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
DIGIT_CLASSES = tuple(str(digit) for digit in range(10))
NUM_VALID = 5000

TITLES = {
    "fashion_mnist": "Fashion-MNIST",
    "mnist": "MNIST",
    "digits": "Digits (8×8, offline)",
}


class DatasetUnavailableError(RuntimeError):
    """A data set could not be loaded (usually: no network for the first download)."""


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Train / validation / test splits of an image data set, pixels in [0, 1].

    Images are float32 of shape (n, height, width); labels are int arrays.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    @property
    def title(self) -> str:
        return TITLES[self.name]

    @property
    def image_shape(self) -> tuple[int, int]:
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def subset(self, num_train: int | None) -> ImageDataset:
        """The same splits with only the first `num_train` training images."""
        if num_train is None or num_train >= len(self.x_train):
            return self
        return ImageDataset(
            self.name,
            self.x_train[:num_train],
            self.y_train[:num_train],
            self.x_valid,
            self.y_valid,
            self.x_test,
            self.y_test,
            self.class_names,
        )


def _split(x_full, y_full, x_test, y_test, *, num_valid: int, validation: str):
    if validation == "last":
        train, valid = slice(None, -num_valid), slice(-num_valid, None)
    else:
        train, valid = slice(num_valid, None), slice(None, num_valid)
    return x_full[train], y_full[train], x_full[valid], y_full[valid], x_test, y_test


def _load_keras(name: str):
    import keras  # deferred: importing Keras starts TensorFlow

    loader = {"fashion_mnist": keras.datasets.fashion_mnist, "mnist": keras.datasets.mnist}[name]
    try:
        return loader.load_data()
    except Exception as error:  # network, DNS, truncated download: all mean "not here"
        raise DatasetUnavailableError(
            f"Could not load {TITLES[name]} through `keras.datasets.{name}.load_data()`: "
            f"{type(error).__name__}: {error}. The first load downloads it, so this machine "
            "needs internet access once (or a copy in the Keras cache, see KERAS_HOME). "
            "Until then, choose the offline 'digits' data set, which ships with scikit-learn."
        ) from error


def _load_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)  # (1797, 8, 8), values 0..16
    y = digits.target.astype(np.int64)
    # A fixed shuffle so the three splits all hold every digit.
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    return (x[:-360], y[:-360]), (x[-360:], y[-360:])


def load_dataset(config: DataConfig | str = "fashion_mnist") -> ImageDataset:
    """Loads a data set and splits it into train / validation / test.

    Args:
        config: a `DataConfig`, or just a data set name. `num_train` is not applied
            here (see `ImageDataset.subset`), so one loaded copy serves every subset.

    Returns:
        An `ImageDataset` with float32 pixels in [0, 1].

    Raises:
        DatasetUnavailableError: when the Keras loader cannot get the files.
    """
    if isinstance(config, str):
        config = DataConfig(config)
    if config.name == "digits":
        (x_full, y_full), (x_test, y_test) = _load_digits()
        num_valid, classes = 360, DIGIT_CLASSES
    else:
        (x_full, y_full), (x_test, y_test) = _load_keras(config.name)
        x_full = x_full.astype(np.float32) / 255.0
        x_test = x_test.astype(np.float32) / 255.0
        num_valid = NUM_VALID
        classes = FASHION_MNIST_CLASSES if config.name == "fashion_mnist" else DIGIT_CLASSES
    splits = _split(
        x_full,
        y_full.astype(np.int64),
        x_test,
        y_test.astype(np.int64),
        num_valid=num_valid,
        validation=config.validation,
    )
    return ImageDataset(config.name, *splits, class_names=classes)
