"""Compare stored runs: one table row per run, what differs between a few, and the
epoch whose weights each model holds.

A run here is anything shaped like a `core.store.StoredRun`: `key`, `config` (the
configuration dict), `meta` (the store's `core.runs.RunMeta` form) and `history`.
Runs of every registered kind are flattened into the same readable columns
(`"Optimizer"`, `"Learning rate"`, ...); runs of a kind this module does not know, and
models a user uploaded, still get a row, with the cells they cannot fill left empty.
Nothing here imports streamlit, so a notebook can compare runs as the page does.

Example:

>>> from types import SimpleNamespace
>>> def stored(key, learning_rate):
...     training = {"optimizer": "adam", "learning_rate": learning_rate, "epochs": 2}
...     config = {"kind": "classification", "data": {"name": "digits"}, "training": training}
...     meta = {"kind": "classification", "dataset": "digits", "architecture": "8 relu",
...             "test_metrics": {"accuracy": 0.9}, "config": config}
...     return SimpleNamespace(key=key, config=config, meta=meta, history={"loss": [1.0, 0.5]})
>>> runs = [stored("aaaaaa01", 1e-3), stored("bbbbbb02", 3e-3)]
>>> table = run_table(runs)
>>> table[["Kind", "Optimizer", "Learning rate", "Test accuracy"]].to_dict("records")[0]
{'Kind': 'Classification MLP', 'Optimizer': 'Adam', 'Learning rate': 0.001, 'Test accuracy': 0.9}
>>> config_diff(runs).to_dict("index")
{'Learning rate': {'8 relu · aaaaaa': '0.001', '8 relu · bbbbbb': '0.003'}}
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from core.config import MOMENTUM_OPTIMIZERS, OPTIMIZER_TITLES
from core.data import TITLES as IMAGE_TITLES
from core.regression.housing import TITLES as TABULAR_TITLES
from core.regression.sequential import LOSS_LABELS
from core.regression.wide_deep import NUM_HIDDEN, VARIANT_TITLES
from core.runs import title_of
from core.training import restored_epoch

DATASET_TITLES = {**IMAGE_TITLES, **TABULAR_TITLES}
UPLOADED = "Uploaded (you)"  # the "Kind" of a model a user uploaded (kept in their session only)
KNOWN_KINDS = ("classification", "regression", "wide_and_deep")
CLASSIFICATION_LOSS = "Sparse categorical cross-entropy"
METRIC_TITLES = {"accuracy": "Test accuracy", "loss": "Test loss", "rmse": "Test RMSE", "mae": "Test MAE"}
STOP_TITLES = {
    "completed": "completed",
    "early_stopping": "early stopping",
    "diverged": "diverged",
    "stopped": "stopped by the user",
}

KEY = "Key"
KIND = "Kind"
DATASET = "Data set"
TRAINED = "Trained"
KEY_METRIC = "Key metric"
KEY_METRIC_VALUE = "Key metric value"
# The columns every table has, in this order; the others follow.
LEADING_COLUMNS = (
    KIND,
    DATASET,
    "Training subset",
    "Architecture",
    "Parameters",
    "Optimizer",
    "Learning rate",
    "Schedule",
    "Batch size",
    "Epochs",
    "Epochs run",
    "Loss",
    "Validation",
    "Seed",
    "Device",
    "Training time (s)",
    TRAINED,
    KEY_METRIC,
    KEY_METRIC_VALUE,
    *METRIC_TITLES.values(),
)
# The configuration fields after the leading ones, in this order.
MORE_CONFIG_COLUMNS = (
    "Hidden layers",
    "Output activation",
    "Normalization layer",
    "Wide & deep variant",
    "Wide features",
    "Deep features",
    "Loss weights",
    "Momentum",
    "Nesterov",
    "Early stopping",
    "Mixed precision",
    "Continues run",
)
OUTCOME_COLUMNS = ("Stopped by", "Restored epoch")
INTEGER_COLUMNS = ("Parameters", "Batch size", "Epochs", "Epochs run", "Seed", "Restored epoch")

_MISSING = object()
# Configuration paths the readable columns account for; any other leaf under these
# sections gets a column named by its path, so a new field is never hidden.
_SECTIONS = ("data.", "model.", "training.")
_READ = {
    "kind",
    "dataset",
    "num_train",
    "data.name",
    "data.num_train",
    "data.validation",
    "model.hidden_layers",
    "model.output_activation",
    "model.mlp.hidden_layers",
    "model.mlp.output_activation",
    "model.normalize",
    "model.loss",
    "model.huber_delta",
    "model.variant",
    "model.wide_features",
    "model.deep_features",
    "model.units",
    "model.activation",
    "model.loss_weights",
    *(
        f"training.{name}"
        for name in (
            "optimizer",
            "learning_rate",
            "momentum",
            "nesterov",
            "lr_schedule",
            "batch_size",
            "epochs",
            "validation_split",
            "early_stopping_patience",
            "seed",
            "mixed_precision",
            "parent",
        )
    ),
}


def _leaves(node: dict, prefix: str = "") -> dict[str, Any]:
    """`{"training.seed": 42, ...}`: the dict's leaves by dotted path (lists are leaves)."""
    found = {}
    for name, value in node.items():
        if isinstance(value, dict):
            found.update(_leaves(value, f"{prefix}{name}."))
        else:
            found[f"{prefix}{name}"] = value
    return found


def _config_of(run) -> dict:
    config = getattr(run, "config", None)
    if isinstance(config, dict) and config:
        return config
    stored = (getattr(run, "meta", None) or {}).get("config")
    return stored if isinstance(stored, dict) else {}


def _layers(layers) -> str | None:
    try:
        return ", ".join(f"{int(units)} {activation}" for units, activation in layers)
    except (TypeError, ValueError):
        return None


def _features(indices, names) -> str | None:
    if indices is None or indices is _MISSING:
        return None
    if not indices:
        return "all"
    names = list(names or [])
    return ", ".join(names[i] if isinstance(i, int) and 0 <= i < len(names) else str(i) for i in indices)


def _validation(kind: str, leaves: dict) -> str | None:
    if kind != "classification":
        return "held-out validation set"
    split = leaves.get("training.validation_split")
    if isinstance(split, (int, float)) and not isinstance(split, bool):
        return f"last {split:.0%} of the training subset"
    end = leaves.get("data.validation", "last")
    return f"held-out images ({'end' if end == 'last' else 'start'} of the training set)"


def _loss(kind: str, leaves: dict) -> str | None:
    if kind == "classification":
        return CLASSIFICATION_LOSS
    if kind == "wide_and_deep":
        return LOSS_LABELS["mse"]
    loss = leaves.get("model.loss")
    if loss == "huber":
        return f"Huber (delta {leaves.get('model.huber_delta', 1.0):g})"
    return LOSS_LABELS.get(loss, loss)


def _get(leaves: dict, *paths: str):
    for path in paths:
        if path in leaves:
            return leaves[path]
    return _MISSING


def configuration(run) -> dict[str, Any]:
    """The run's configuration as readable fields: `{"Optimizer": "Adam", ...}`.

    Fields a run has no value for are left out; models a user uploaded have only their
    kind and data set, and runs of unknown kinds only what their meta data says.

    Args:
        run: a `core.store.StoredRun` or anything with `config` and `meta`.

    Returns:
        A dict from column name to value (str, number, bool or `None`).

    Example:

    >>> from types import SimpleNamespace
    >>> config = {"kind": "regression", "dataset": "diabetes", "num_train": None,
    ...           "model": {"loss": "huber", "huber_delta": 2.0}, "training": {"optimizer": "sgd"}}
    >>> fields = configuration(SimpleNamespace(config=config, meta={"kind": "regression"}))
    >>> fields["Data set"], fields["Training subset"], fields["Loss"], fields["Optimizer"]
    ('Diabetes (offline)', 'all', 'Huber (delta 2)', 'SGD')
    """
    meta = getattr(run, "meta", None) or {}
    config = _config_of(run)
    dataset = meta.get("dataset") or config.get("dataset") or (config.get("data") or {}).get("name")
    fields: dict[str, Any] = {DATASET: DATASET_TITLES.get(dataset, dataset)}
    if meta.get("source") == "upload":
        return {KIND: UPLOADED, **fields, "Architecture": meta.get("architecture")}
    kind = meta.get("kind") or config.get("kind")
    fields = {KIND: title_of(kind) if kind else None, **fields, "Architecture": meta.get("architecture")}
    if kind not in KNOWN_KINDS:
        return fields
    leaves = _leaves(config)
    subset = _get(leaves, "data.num_train", "num_train")
    if subset is not _MISSING:
        fields["Training subset"] = "all" if subset is None else str(subset)
    training = {path.removeprefix("training."): value for path, value in leaves.items() if path.startswith("training.")}
    optimizer = training.get("optimizer")
    if "optimizer" in training:
        fields["Optimizer"] = OPTIMIZER_TITLES.get(optimizer, optimizer)
    for name, label in (("learning_rate", "Learning rate"), ("batch_size", "Batch size"), ("epochs", "Epochs")):
        if name in training:
            fields[label] = training[name]
    if "lr_schedule" in training:
        fields["Schedule"] = "cosine decay" if training["lr_schedule"] == "cosine" else training["lr_schedule"]
    fields["Loss"] = _loss(kind, leaves)
    fields["Validation"] = _validation(kind, leaves)
    if "seed" in training:
        fields["Seed"] = training["seed"]

    if kind == "wide_and_deep":
        units, activation = leaves.get("model.units"), leaves.get("model.activation")
        if units is not None:
            fields["Hidden layers"] = _layers([(units, activation)] * NUM_HIDDEN)
        fields["Normalization layer"] = True  # every input has its own
        variant = leaves.get("model.variant")
        fields["Wide & deep variant"] = VARIANT_TITLES.get(variant, variant).split(" · ")[-1]
        names = meta.get("feature_names")
        fields["Wide features"] = _features(leaves.get("model.wide_features", _MISSING), names)
        fields["Deep features"] = _features(leaves.get("model.deep_features", _MISSING), names)
        weights = leaves.get("model.loss_weights")
        if weights and variant == "aux_output":
            fields["Loss weights"] = " / ".join(f"{weight:g}" for weight in weights)
    else:
        layers = _get(leaves, "model.hidden_layers", "model.mlp.hidden_layers")
        if layers is not _MISSING:
            fields["Hidden layers"] = _layers(layers)
        output = _get(leaves, "model.output_activation", "model.mlp.output_activation")
        if output is not _MISSING:
            fields["Output activation"] = output
        if "model.normalize" in leaves:
            fields["Normalization layer"] = bool(leaves["model.normalize"])
    if optimizer in MOMENTUM_OPTIMIZERS:
        fields["Momentum"] = training.get("momentum")
    if optimizer == "sgd":
        fields["Nesterov"] = training.get("nesterov")
    if "early_stopping_patience" in training:
        patience = training["early_stopping_patience"]
        fields["Early stopping"] = "off" if patience is None else f"patience {patience}"
    if "mixed_precision" in training:
        fields["Mixed precision"] = training["mixed_precision"]
    if training.get("parent"):
        fields["Continues run"] = training["parent"]
    for path, value in leaves.items():
        if path not in _READ and path.startswith(_SECTIONS):
            fields[path] = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value
    return fields


def _restores_best(meta: dict) -> bool:
    if meta.get("stop_reason") == "early_stopping":
        return True
    # Keras 3's EarlyStopping(restore_best_weights=True) also restores the best weights
    # when training runs all its epochs without stopping early.
    training = (meta.get("config") or {}).get("training") or {}
    return training.get("early_stopping_patience") is not None


def best_epoch(history: dict[str, list[float]], meta: dict) -> int | None:
    """The epoch (1-based) whose weights the stored model holds.

    With early stopping, Keras restores the weights of the epoch with the lowest
    validation loss (`restore_best_weights=True`); otherwise the model is the last
    epoch's.

    Args:
        history: the run's per-epoch metrics (`loss`, `val_loss`, ...).
        meta: the run's stored meta data (`stop_reason`, `config`, `epochs_run`).

    Returns:
        The epoch, or `None` when the run has no history.

    Example:

    >>> history = {"loss": [0.9, 0.5, 0.4, 0.3], "val_loss": [0.8, 0.6, 0.7, 0.9]}
    >>> best_epoch(history, {"stop_reason": "early_stopping"})
    2
    >>> best_epoch(history, {"stop_reason": "completed"})
    4
    """
    history = history or {}
    epochs = len(history.get("loss") or []) or int(meta.get("epochs_run") or 0)
    if not epochs:
        return None
    if not history.get("loss"):
        return epochs
    return restored_epoch(history, _restores_best(meta))


def _created(meta: dict):
    created = meta.get("created")
    if isinstance(created, (int, float)) and not isinstance(created, bool) and created > 0:
        return pd.to_datetime(created, unit="s")
    return pd.NaT


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def run_row(run) -> dict[str, Any]:
    """One row of `run_table`: the run's configuration, how it trained and its test
    metrics. Never raises on odd meta data: what cannot be read is left out."""
    meta = getattr(run, "meta", None) or {}
    history = getattr(run, "history", None) or {}
    row = configuration(run)
    row["Parameters"] = _number(meta.get("params"))
    row["Epochs run"] = _number(meta.get("epochs_run")) or (len(history.get("loss") or []) or None)
    row["Device"] = meta.get("device")
    row["Training time (s)"] = _number(meta.get("wall_time"))
    row[TRAINED] = _created(meta)
    key_metric = meta.get("key_metric") if isinstance(meta.get("key_metric"), dict) else {}
    row[KEY_METRIC] = key_metric.get("name")
    row[KEY_METRIC_VALUE] = _number(key_metric.get("value"))
    metrics = meta.get("test_metrics") if isinstance(meta.get("test_metrics"), dict) else {}
    for name, value in metrics.items():
        row[METRIC_TITLES.get(name, f"Test {name}")] = _number(value)
    if meta.get("stop_reason"):
        row["Stopped by"] = STOP_TITLES.get(meta["stop_reason"], meta["stop_reason"])
    if meta.get("source") != "upload":
        row["Restored epoch"] = best_epoch(history, {**meta, "config": _config_of(run)})
    row[KEY] = getattr(run, "key", None) or meta.get("key")
    return row


def _ordered(columns: list[str]) -> list[str]:
    known = [*LEADING_COLUMNS, *MORE_CONFIG_COLUMNS, *OUTCOME_COLUMNS]
    extra = [column for column in dict.fromkeys(columns) if column not in known and column != KEY]
    return [*known, *extra, KEY]


def run_table(stored_runs: Sequence) -> pd.DataFrame:
    """One row per run, of every kind, with its full configuration in readable columns.

    Columns: kind, data set, training subset, architecture, parameters, optimizer,
    learning rate, schedule, batch size, epochs (asked) and epochs run, loss,
    validation, seed, device, training time, when trained, the key metric and every
    test metric; then the rest of the configuration (hidden layers, momentum, early
    stopping, ...), how training ended, the epoch whose weights the model holds, and
    the run's store key last. Every table has `LEADING_COLUMNS`, empty or not.

    Args:
        stored_runs: `core.store.StoredRun`s (or uploaded models shaped like them).

    Returns:
        A `pandas.DataFrame`, one row per run in the order given.

    Example:

    >>> list(run_table([]).columns[:4])
    ['Kind', 'Data set', 'Training subset', 'Architecture']
    """
    rows = [run_row(run) for run in stored_runs]
    columns = _ordered([column for row in rows for column in row])
    table = pd.DataFrame(rows, columns=columns)
    for column in INTEGER_COLUMNS:
        table[column] = pd.array(
            [None if value is None or pd.isna(value) else int(value) for value in table[column]], dtype="Int64"
        )
    for column in ("Training time (s)", KEY_METRIC_VALUE, *METRIC_TITLES.values()):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    table[TRAINED] = pd.to_datetime(table[TRAINED])
    return table


def _display(value) -> str | None:
    """A field's value as the diff shows it: `0.001`, `yes`, or `None` when missing."""
    if value is None or value is _MISSING or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def run_labels(stored_runs: Sequence) -> list[str]:
    """Short unique names of the runs, `"<architecture> · <key prefix>"`, for the
    columns of `config_diff` and the legends of charts."""
    labels = []
    for index, run in enumerate(stored_runs):
        meta = getattr(run, "meta", None) or {}
        key = str(getattr(run, "key", None) or meta.get("key") or index)
        label = f"{meta.get('architecture') or 'run'} · {key[:6]}"
        while label in labels:
            label = f"{label} ({index + 1})"
        labels.append(label)
    return labels


def config_diff(stored_runs: Sequence) -> pd.DataFrame:
    """The configuration fields whose values differ between runs.

    Args:
        stored_runs: two or more runs (see `run_table`).

    Returns:
        A `pandas.DataFrame` with one row per differing field (index named `"Field"`,
        in `run_table`'s column order) and one column per run (named by `run_labels`);
        values are text, missing ones `None`. No rows when the configurations agree.

    Raises:
        ValueError: when fewer than two runs are given.
    """
    if len(stored_runs) < 2:
        raise ValueError(
            "Received too few runs to compare, expected at least 2. "
            f"Received: {len(stored_runs)} run(s). Select two or more runs."
        )
    fields = [configuration(run) for run in stored_runs]
    names = [name for name in _ordered([name for field in fields for name in field]) if name != KEY]
    differing = {}
    for name in names:
        values = [_display(field.get(name)) for field in fields]
        if len(set(values)) > 1:
            differing[name] = values
    table = pd.DataFrame.from_dict(differing, orient="index", columns=run_labels(stored_runs), dtype=object)
    table.index.name = "Field"
    return table


def curve_metrics(histories: Sequence[dict[str, list[float]]]) -> list[str]:
    """The metrics that can be drawn per epoch for these histories, `"loss"` first:
    names `m` with `m` or `val_m` in at least one history.

    Example:

    >>> curve_metrics([{"loss": [1.0], "val_accuracy": [0.5]}, {"root_mean_squared_error": [2.0]}])
    ['loss', 'accuracy', 'root_mean_squared_error']
    """
    names: list[str] = []
    for history in histories:
        for name in history or {}:
            base = name.removeprefix("val_")
            if not base.startswith("_") and base not in names:
                names.append(base)
    return sorted(names, key=lambda name: name != "loss")
