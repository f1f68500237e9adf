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
10,000 images of 28x28. `for_run` gives the images a run's `DataConfig` asks for:
another validation end, a subset of the classes, the first `num_train` images:

>>> pair = for_run(data, DataConfig("digits", validation="none", classes=(3, 8)))
>>> pair.class_names, len(pair.x_valid), sorted(set(pair.y_train.tolist()))
(('3', '8'), 0, [0, 1])
"""

from __future__ import annotations

import dataclasses
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
    validation: str = "last"  # the end of the full training set held out (`DataConfig`)

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
        return dataclasses.replace(self, x_train=self.x_train[:num_train], y_train=self.y_train[:num_train])


def for_run(data: ImageDataset, config: DataConfig) -> ImageDataset:
    """The splits a run's `config` asks for, from a loaded data set.

    Args:
        data: the data set as `load_dataset` gives it.
        config: the run's data choices: `validation` (which end is held out, or none),
            `classes` (a subset, or one class against the rest) and `num_train`.

    Returns:
        An `ImageDataset` whose labels are 0, 1, ... in the order of its `class_names`.
        With `validation="none"` its validation set is empty.
    """
    if config.validation != data.validation:
        full_x, full_y = _full_train(data)
        num_valid = 0 if config.validation == "none" else _num_valid(data.name)
        x_train, y_train, x_valid, y_valid, _, _ = _split(
            full_x, full_y, None, None, num_valid=num_valid, validation=config.validation
        )
        data = dataclasses.replace(
            data, x_train=x_train, y_train=y_train, x_valid=x_valid, y_valid=y_valid, validation=config.validation
        )
    if config.classes is not None:
        data = _select_classes(data, config.classes)
    return data.subset(config.num_train)


def _num_valid(name: str) -> int:
    return 360 if name == "digits" else NUM_VALID


def _full_train(data: ImageDataset):
    if data.validation == "first":
        return np.concatenate([data.x_valid, data.x_train]), np.concatenate([data.y_valid, data.y_train])
    return np.concatenate([data.x_train, data.x_valid]), np.concatenate([data.y_train, data.y_valid])


def _select_classes(data: ImageDataset, classes: tuple[int, ...]) -> ImageDataset:
    def relabel(y):
        if len(classes) == 1:  # class k against the rest: 1 for k, 0 for the others
            return np.ones(len(y), dtype=bool), (y == classes[0]).astype(np.int64)
        keep = np.isin(y, classes)
        lookup = np.zeros(max(len(data.class_names), max(classes) + 1), dtype=np.int64)
        lookup[list(classes)] = np.arange(len(classes))
        return keep, lookup[y[keep]]

    splits = {}
    for part in ("train", "valid", "test"):
        x, y = getattr(data, f"x_{part}"), getattr(data, f"y_{part}")
        keep, labels = relabel(y)
        splits[f"x_{part}"], splits[f"y_{part}"] = x[keep], labels
    if len(classes) == 1:
        name = data.class_names[classes[0]]
        names = (f"not {name}", name)
    else:
        names = tuple(data.class_names[index] for index in classes)
    return dataclasses.replace(data, class_names=names, **splits)


def _split(x_full, y_full, x_test, y_test, *, num_valid: int, validation: str):
    if validation == "none":
        train, valid = slice(None), slice(0, 0)
    elif validation == "last":
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
    return ImageDataset(config.name, *splits, class_names=classes, validation=config.validation)
