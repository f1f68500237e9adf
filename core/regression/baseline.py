"""The scikit-learn baseline, kept on disk beside the store's runs.

`train_baseline` fits a scikit-learn pipeline, not a Keras model, so it has no place in
`core.store.RunStore`'s entries; its few numbers live in a small cache folder of its
own inside the store, `<store>/.baselines/<key>.json`. The key hashes what the result
depends on: the data set, the training subset, the seed, the layers and the versions
of scikit-learn and NumPy. Files are written to a temporary name and moved into place
with `os.replace`, so a killed process never leaves half a file; an unreadable file
counts as a miss and is fitted again.

Example:

>>> import tempfile
>>> from core.regression.housing import load_regression_data
>>> data = load_regression_data("diabetes")
>>> root = tempfile.mkdtemp()
>>> first = load_or_train_baseline(data, num_train=100, root=root)
>>> again = load_or_train_baseline(data, num_train=100, root=root)
>>> first.from_cache, again.from_cache, again.test_rmse == first.test_rmse
(False, True, True)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from importlib import metadata
from pathlib import Path

from core.regression.housing import RegressionData
from core.regression.sequential import BASELINE_LAYERS, BaselineResult, train_baseline

FOLDER = ".baselines"
SCHEMA = 1


def baseline_key(name: str, num_train: int | None, seed: int = 42) -> str:
    """The cache key of a baseline: its settings and the libraries that fit it.

    Example:

    >>> baseline_key("diabetes", None) == baseline_key("diabetes", None)
    True
    >>> baseline_key("diabetes", None) == baseline_key("diabetes", 100)
    False
    """
    described = {
        "dataset": name,
        "num_train": num_train,
        "seed": seed,
        "hidden_layer_sizes": list(BASELINE_LAYERS),
        "versions": {package: _version(package) for package in ("scikit-learn", "numpy")},
        "schema": SCHEMA,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def _path(root: Path, key: str) -> Path:
    return root / FOLDER / f"{key}.json"


def _read(path: Path) -> BaselineResult | None:
    started = time.perf_counter()
    try:
        stored = json.loads(path.read_text())
        result = BaselineResult(**{field.name: stored[field.name] for field in _stored_fields()})
    except (OSError, ValueError, KeyError, TypeError):  # missing, truncated or from another schema
        return None
    return dataclasses.replace(result, from_cache=True, load_time=time.perf_counter() - started)


def _stored_fields():
    return [field for field in dataclasses.fields(BaselineResult) if field.name not in ("from_cache", "load_time")]


def _write(path: Path, result: BaselineResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({field.name: getattr(result, field.name) for field in _stored_fields()})
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_or_train_baseline(
    data: RegressionData, *, num_train: int | None = None, seed: int = 42, root: str | os.PathLike | None = None
) -> BaselineResult:
    """The stored baseline for these settings, or fits it (`train_baseline`) and stores it.

    Args:
        data: the loaded data.
        num_train: train on the first `num_train` training samples. Defaults to `None`.
        seed: `random_state` of the MLPRegressor. Defaults to `42`.
        root: the store's folder. Defaults to `RunStore().root`.

    Returns:
        A `BaselineResult`; `from_cache` says whether it was read back (and `load_time`
        how long that took) instead of fitted.
    """
    if root is None:
        from core.store import RunStore

        root = RunStore().root
    path = _path(Path(root), baseline_key(data.name, num_train, seed))
    cached = _read(path)
    if cached is not None:
        return cached
    result = train_baseline(data, num_train=num_train, seed=seed)
    try:
        _write(path, result)
    except OSError:
        pass  # a read-only store still shows the result, it is fitted again next time
    return result
