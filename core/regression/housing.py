"""Tabular regression data: California housing, split as in the course, with a fallback.

`load_regression_data("california_housing")` reads scikit-learn's
`fetch_california_housing()` (20,640 districts, 8 numeric features, the median house
value in units of $100,000) and splits it with `train_test_split` twice, seed 42, as the
book does: 11,610 training, 3,870 validation and 5,160 test districts. The features are
left raw: the models scale them themselves with a `Normalization` layer adapted on the
training set, so a saved model takes raw features.

The first load downloads the data. When that is impossible, `load_or_fallback` returns
scikit-learn's diabetes data (442 patients, shipped inside scikit-learn) and a message
saying why.

Example:

>>> data = load_regression_data("diabetes")
>>> len(data.x_train), len(data.x_valid), len(data.x_test)
(248, 83, 111)

`load_regression_data("california_housing")` gives 11,610, 3,870 and 5,160.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.data import DatasetUnavailableError
from core.validation import check_choice

SPLIT_SEED = 42
REGRESSION_DATASETS = ("california_housing", "diabetes")
TITLES = {"california_housing": "California housing", "diabetes": "Diabetes (offline)"}
TARGET_UNITS = {"california_housing": "$100,000", "diabetes": "disease progression score"}


@dataclass(frozen=True, eq=False)
class RegressionData:
    """Train / validation / test splits of a tabular regression data set.

    Features are float32 of shape (n, num_features), raw (not scaled); targets are
    float32 of shape (n,).
    """

    name: str
    feature_names: tuple[str, ...]
    target_name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def title(self) -> str:
        return TITLES[self.name]

    @property
    def target_unit(self) -> str:
        return TARGET_UNITS[self.name]

    @property
    def num_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def has_coordinates(self) -> bool:
        """Whether the samples have a place (latitude and longitude) to draw on a map."""
        return {"Latitude", "Longitude"} <= set(self.feature_names)

    def coordinates(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`(longitude, latitude)` columns of `x`, for maps."""
        names = list(self.feature_names)
        return x[:, names.index("Longitude")], x[:, names.index("Latitude")]

    def subset(self, num_train: int | None) -> RegressionData:
        """The same splits with only the first `num_train` training samples.

        Validation and test sets stay whole, so scores remain comparable.
        """
        if num_train is None or num_train >= len(self.x_train):
            return self
        return RegressionData(
            self.name,
            self.feature_names,
            self.target_name,
            self.x_train[:num_train],
            self.y_train[:num_train],
            self.x_valid,
            self.y_valid,
            self.x_test,
            self.y_test,
        )


def split_like_the_book(x: np.ndarray, y: np.ndarray, seed: int = SPLIT_SEED):
    """Train / validation / test with two calls of `train_test_split` (25% each time).

    Returns:
        `(x_train, y_train, x_valid, y_valid, x_test, y_test)`.
    """
    from sklearn.model_selection import train_test_split

    x_train_full, x_test, y_train_full, y_test = train_test_split(x, y, random_state=seed)
    x_train, x_valid, y_train, y_valid = train_test_split(x_train_full, y_train_full, random_state=seed)
    return x_train, y_train, x_valid, y_valid, x_test, y_test


def _fetch(name: str):
    from sklearn import datasets

    if name == "diabetes":
        return datasets.load_diabetes()
    try:
        return datasets.fetch_california_housing()
    except Exception as error:  # no network, DNS, a truncated download: all mean "not here"
        raise DatasetUnavailableError(
            "Could not load California housing through "
            f"`sklearn.datasets.fetch_california_housing()`: {type(error).__name__}: {error}. "
            "The first load downloads it, so this machine needs internet access once (or a "
            "copy in scikit-learn's data folder, see SCIKIT_LEARN_DATA). Until then the "
            "diabetes data set, which ships with scikit-learn, is used instead."
        ) from error


def load_regression_data(name: str = "california_housing") -> RegressionData:
    """Loads a regression data set and splits it as the book does.

    Args:
        name: `"california_housing"` or `"diabetes"`. Defaults to `"california_housing"`.

    Returns:
        A `RegressionData` with raw float32 features.

    Raises:
        ValueError: for an unknown name.
        DatasetUnavailableError: when California housing cannot be downloaded.
    """
    check_choice("name", name, REGRESSION_DATASETS)
    bunch = _fetch(name)
    x = np.asarray(bunch.data, dtype=np.float32)
    y = np.asarray(bunch.target, dtype=np.float32)
    target_name = bunch.target_names[0] if "target_names" in bunch else "progression"
    return RegressionData(name, tuple(bunch.feature_names), str(target_name), *split_like_the_book(x, y))


def load_or_fallback(name: str = "california_housing") -> tuple[RegressionData, str | None]:
    """`load_regression_data(name)`, or the diabetes data when it cannot be downloaded.

    Returns:
        `(data, problem)`: `problem` is `None`, or the message explaining the fallback.
    """
    try:
        return load_regression_data(name), None
    except DatasetUnavailableError as error:
        return load_regression_data("diabetes"), str(error)


def round_to_error(value: float, error: float) -> float:
    """`value` rounded to the power of ten below `error`: the digits a prediction with
    that typical error (e.g. the model's test RMSE) can vouch for.

    Example:

    >>> round_to_error(210_095.0, 53_000.0)
    210000.0
    >>> round_to_error(2.10095, 0.053)
    2.1
    """
    import math

    if not (math.isfinite(error) and error > 0 and math.isfinite(value)):
        return value
    step = 10.0 ** math.floor(math.log10(error))
    return round(round(value / step) * step, max(0, -math.floor(math.log10(error))))
