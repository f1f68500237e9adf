"""TensorBoard logs of a stored run, written after the fact and zipped for download.

Runs here train without the `keras.callbacks.TensorBoard` callback (the store keeps a
history instead), so `write_logs` writes what that callback would have: one scalar per
epoch for every metric of the history, named `epoch_<metric>`, the training ones under
`train/` and the `val_` ones under `validation/`; histograms of the final model's
weights; and the run's configuration as text. `tensorboard_zip` zips them inside one
folder named after the run, so several downloads unzipped into one folder show up as
runs side by side in `tensorboard --logdir <folder>`.

Example:

>>> import io, types, zipfile, keras
>>> run = types.SimpleNamespace(
...     key="0123456789abcdef", meta={"kind": "regression", "dataset": "diabetes"}, config={},
...     history={"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]},
...     load_model=lambda: keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]),
... )
>>> names = zipfile.ZipFile(io.BytesIO(tensorboard_zip(run))).namelist()
>>> sorted({name.split("/")[0] for name in names}), sorted({name.split("/")[1] for name in names})
(['regression-diabetes-01234567'], ['train', 'validation'])
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

VALIDATION_PREFIX = "val_"


def run_name(stored_run) -> str:
    """The folder of a run's logs: kind, data set and the start of its store key."""
    meta = stored_run.meta or {}
    return f"{meta.get('kind', 'run')}-{meta.get('dataset', 'data')}-{stored_run.key[:8]}"


def _split_history(history: dict[str, list[float]]) -> dict[str, dict[str, list[float]]]:
    """`{"train": {"epoch_loss": [...]}, "validation": {...}}` as the Keras callback names them."""
    logs: dict[str, dict[str, list[float]]] = {"train": {}, "validation": {}}
    for name, values in history.items():
        if name.startswith(VALIDATION_PREFIX):
            logs["validation"][f"epoch_{name[len(VALIDATION_PREFIX) :]}"] = values
        else:
            logs["train"][f"epoch_{name}"] = values
    return logs


def write_logs(stored_run, logdir) -> Path:
    """Writes the TensorBoard event files of `stored_run` under `logdir/<run_name>/`.

    Args:
        stored_run: a `core.store.StoredRun` (or anything with `key`, `meta`, `config`,
            `history` and `load_model()`, such as an uploaded model).
        logdir: the folder to write into; created if needed.

    Returns:
        The run's folder, holding `train/` (and `validation/` when the history has
        validation metrics).
    """
    import tensorflow as tf

    root = Path(logdir) / run_name(stored_run)
    history = stored_run.history or {}
    num_epochs = max((len(values) for values in history.values()), default=0)
    for subdir, scalars in _split_history(history).items():
        if not scalars and subdir == "validation":
            continue
        writer = tf.summary.create_file_writer(str(root / subdir))
        with writer.as_default():
            for tag, values in scalars.items():
                for epoch, value in enumerate(values):
                    tf.summary.scalar(tag, float(value), step=epoch)
            if subdir == "train":
                # The final weights, at the last epoch, as the callback's histograms are.
                model = stored_run.load_model()
                for layer in model.layers:
                    for weight in layer.weights:
                        name = f"{layer.name}/{weight.name.replace(':', '_')}/histogram"
                        tf.summary.histogram(name, weight.numpy(), step=max(0, num_epochs - 1))
                config = json.dumps(stored_run.config, indent=2, sort_keys=True)
                tf.summary.text("run_config", f"```json\n{config}\n```", step=0)
        writer.close()
    return root


def tensorboard_zip(stored_run) -> bytes:
    """The TensorBoard logs of `stored_run` (see `write_logs`) as a zip file's bytes.

    Unzip it into a folder and run `tensorboard --logdir <folder>`.
    """
    with tempfile.TemporaryDirectory(prefix="mlp-tensorboard-") as tmp:
        write_logs(stored_run, tmp)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(tmp).as_posix())
        return buffer.getvalue()
