"""Get a trained run: from the store when this configuration was trained before, else
by training it (once, even when several sessions ask at the same time) and storing it.

This is the one call a page makes to train. It never imports streamlit: progress goes
through the `on_epoch` hook and problems with the store arrive as `StoreWarning`s.

Example:

>>> result = get_or_train(run, load_dataset(run.data))
>>> result.from_cache  # the second time
True
"""

from __future__ import annotations

import time
from collections.abc import Callable

from core.config import RunConfig
from core.data import ImageDataset
from core.limits import Limits, job_queue
from core.models import count_params
from core.store import RunStore, StoredRun
from core.training import EpochUpdate, TrainResult, train


def result_from_stored(stored: StoredRun) -> TrainResult:
    """Rebuilds a `TrainResult` (model included) from a store entry."""
    started = time.perf_counter()
    model = stored.load_model()
    meta = stored.meta
    return TrainResult(
        config=RunConfig.from_dict(stored.config),
        model=model,
        history=stored.history,
        test_metrics=meta["test_metrics"],
        test_proba=stored.arrays["test_proba"],
        wall_time=meta["wall_time"],
        device=meta["device"],
        stop_reason=meta["stop_reason"],
        from_cache=True,
        notes=meta.get("notes", []),
        load_time=time.perf_counter() - started,
    )


def load_cached(config: RunConfig, store: RunStore | None = None) -> TrainResult | None:
    """The stored result for `config`, or `None` when it has not been trained."""
    store = store or RunStore()
    stored = store.load(config.to_json())
    if stored is None:
        return None
    try:
        if "test_proba" not in stored.arrays:
            raise KeyError("test_proba")
        return result_from_stored(stored)
    except Exception as error:  # a truncated or foreign model file: whatever Keras raises
        store.report(
            f"The stored run {stored.key} could not be read ({type(error).__name__}: {error}); "
            "it will be trained again."
        )
        return None


def is_cached(config: RunConfig, store: RunStore | None = None) -> bool:
    """Whether `config` has a store entry (cheap: no file is read)."""
    store = store or RunStore()
    return store.path_for(config.to_json()).is_dir()


def save_result(result: TrainResult, store: RunStore, *, page: str = "classification"):
    """Stores a finished run; runs that diverged or were stopped are not kept."""
    if result.stop_reason in ("diverged", "stopped"):
        return None
    data = result.config.data
    meta = {
        "page": page,
        "dataset": data.name,
        "architecture": result.config.model.describe(),
        "params": int(result.model.count_params()),
        "test_metrics": result.test_metrics,
        "key_metric": {"name": "test accuracy", "value": result.test_metrics["accuracy"]},
        "wall_time": result.wall_time,
        "device": result.device,
        "stop_reason": result.stop_reason,
        "epochs_run": result.epochs_run,
        "notes": result.notes,
    }
    return store.save(
        result.config.to_json(),
        model=result.model,
        history=result.history,
        meta=meta,
        arrays={"test_proba": result.test_proba},
    )


def get_or_train(
    config: RunConfig,
    data: ImageDataset,
    *,
    store: RunStore | None = None,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_queue: Callable[[int], None] | None = None,
) -> TrainResult:
    """Returns the stored run for `config`, or trains, stores and returns it.

    Two callers asking for the same config at once train it once: the second waits on
    a per-configuration lock and then reads the first one's entry. Trainings beyond the
    server's `max_jobs` wait their turn in `core.limits.job_queue()`.

    Args:
        config: the run.
        data: the loaded data set named by `config.data`.
        store: where runs are kept. Defaults to `RunStore()`.
        on_epoch: progress hook, see `core.training.train`.
        should_stop: stop hook, see `core.training.train`.
        on_queue: called with the place in the queue (1 = next) while waiting for a
            free training slot. Defaults to `None`.

    Returns:
        A `TrainResult`, with `from_cache=True` when nothing was trained.

    Raises:
        ValueError: when the run is larger than this server allows (see `core.limits`).
    """
    return load_or_train(
        config,
        store or RunStore(),
        load=load_cached,
        check=lambda: check_limits(config, data),
        train=lambda: train(config, data, on_epoch=on_epoch, should_stop=should_stop),
        save=save_result,
        on_queue=on_queue,
    )


def load_or_train(config, store: RunStore, *, load, check, train, save, on_queue=None):
    """The flow every kind of run shares: the store first; else, under the config's
    lock (so a second caller waits, then finds the first one's entry) and in a slot of
    the job queue, train and save.

    Args:
        config: the run; anything with `to_json()`.
        store: where runs are kept.
        load: `(config, store) -> result or None`.
        check: raises `ValueError` when the run may not be trained here.
        train: `() -> result`.
        save: `(result, store) -> None`.
        on_queue: called with the place in the queue while waiting. Defaults to `None`.
    """
    cached = load(config, store)
    if cached is not None:
        return cached
    check()
    with store.lock(config.to_json()):
        cached = load(config, store)
        if cached is not None:
            return cached
        with job_queue().slot(on_wait=on_queue):
            result = train()
        save(result, store)
    return result


def check_limits(config: RunConfig, data: ImageDataset) -> None:
    """Raises `ValueError` when `config` is too big for this server (hosted mode)."""
    params = count_params(config.model, data.image_shape, data.num_classes)
    Limits.from_env().check(params=params, epochs=config.training.epochs)
