"""The trials table of a search, as a JSON file any process can read while it runs.

A search writes `<store>/.tuning/<key>/trials.json` after every trial starts or ends
(the chief of a distributed search does it for all its workers): the tuner, the
objective, one row per trial (id, status, score, epochs, hyperparameters, seconds
since the search started) and, once known, the best trial. The file is replaced
atomically, so a reader never sees half of it. It stays after the search: it is the
stored run's trials table.

Example:

>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "trials.json"
>>> write_trials(path, {"trials": [{"trial_id": "0", "status": "COMPLETED", "score": 0.9}]})
>>> read_trials(path)["trials"][0]["score"]
0.9
>>> read_trials(path.parent / "missing.json")
{}
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

TUNING_DIR = ".tuning"
TRIALS_FILE = "trials.json"
# The hyperparameters every search tunes, in the order the tables show them.
HYPERPARAMETERS = ("num_layers", "units", "activation", "learning_rate", "optimizer", "batch_size")


def search_folder(key: str, root: str | os.PathLike | None = None) -> Path:
    """The private folder of search `key` under the store (default: `RunStore()`'s)."""
    if root is None:
        from core.store import default_root

        root = default_root()
    return Path(root) / TUNING_DIR / key


def trials_path(key: str, root: str | os.PathLike | None = None) -> Path:
    return search_folder(key, root) / TRIALS_FILE


def _clean(value):
    # JSON has no NaN: a failed trial's score is null.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_trials(path: Path, table: dict) -> None:
    """Writes the trials table atomically (temporary file, then `os.replace`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(table, file, default=_clean, allow_nan=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_trials(path: str | os.PathLike) -> dict:
    """The trials table at `path`, or `{}` when there is none (yet)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


def trial_row(trial, objective_metric: str, default_epochs: int, elapsed: float | None) -> dict:
    """One row of the table from a KerasTuner `Trial`."""
    values = dict(trial.hyperparameters.values)
    score = trial.score
    metrics = trial.metrics
    epochs = values.get("tuner/epochs", default_epochs)
    if score is None and metrics.exists(objective_metric):
        score = metrics.get_last_value(objective_metric)  # a trial still running
    loss = metrics.get_last_value("loss") if metrics.exists("loss") else None
    return {
        "trial_id": trial.trial_id,
        "status": str(trial.status),
        "score": _clean(float(score)) if score is not None else None,
        "loss": _clean(float(loss)) if loss is not None else None,
        "epochs": int(epochs),
        "hyperparameters": {name: values[name] for name in HYPERPARAMETERS if name in values},
        "ended": elapsed,
        "message": trial.message or "",
    }
