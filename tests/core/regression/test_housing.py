"""California housing: the real loader, the book's split, subsets, and the offline fallback."""

import numpy as np
import pytest

from core.data import DatasetUnavailableError
from core.regression import housing
from core.regression.housing import load_or_fallback, load_regression_data


@pytest.fixture(scope="module")
def california():
    return load_regression_data("california_housing")


def test_split_sizes_are_the_books(california):
    assert california.x_train.shape == (11610, 8)
    assert (len(california.x_valid), len(california.x_test)) == (3870, 5160)
    assert california.x_train.dtype == np.float32 and california.y_train.dtype == np.float32
    assert california.feature_names[-2:] == ("Latitude", "Longitude")
    assert california.target_name == "MedHouseVal"
    assert 0.1 < california.y_train.min() and california.y_train.max() <= 5.00001  # $100,000 units, capped


def test_split_matches_train_test_split_twice_with_seed_42(california):
    from sklearn.datasets import fetch_california_housing
    from sklearn.model_selection import train_test_split

    raw = fetch_california_housing()
    x_full, x_test, y_full, y_test = train_test_split(raw.data, raw.target, random_state=42)
    x_train, x_valid, _, _ = train_test_split(x_full, y_full, random_state=42)
    np.testing.assert_allclose(california.x_test, x_test.astype(np.float32))
    np.testing.assert_allclose(california.x_valid[:5], x_valid[:5].astype(np.float32))
    np.testing.assert_allclose(california.y_test, y_test.astype(np.float32))


def test_subset_keeps_validation_and_test_whole(california):
    small = california.subset(500)
    assert len(small.x_train) == 500 and len(small.x_valid) == 3870 and len(small.x_test) == 5160
    assert california.subset(None) is california and california.subset(10**6) is california


def test_coordinates_for_maps(california):
    lon, lat = california.coordinates(california.x_test)
    assert california.has_coordinates
    assert -125 < lon.min() and lon.max() < -114 and 32 < lat.min() and lat.max() < 42


def test_fallback_to_diabetes_when_the_download_fails(monkeypatch):
    def offline(name):
        if name == "california_housing":
            raise DatasetUnavailableError("Could not load California housing: no network")
        return original(name)

    original = housing._fetch
    monkeypatch.setattr(housing, "_fetch", offline)
    data, problem = load_or_fallback("california_housing")
    assert data.name == "diabetes" and "no network" in problem
    assert (len(data.x_train), len(data.x_valid), len(data.x_test)) == (248, 83, 111)
    assert not data.has_coordinates


def test_unknown_data_set_is_a_clear_error():
    with pytest.raises(ValueError, match="Received: name='boston'"):
        load_regression_data("boston")
