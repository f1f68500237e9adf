"""Get a trained regression run (Sequential or wide & deep) from the store, or train it.

The regression twin of `core.runs`: one call a page makes to train. A run is trained
once (even when several sessions ask at the same time), stored with the meta data the
Predictions page reads, and read back instantly afterwards.

Example:

>>> result = get_or_train(RegressionRun(), load_regression_data())
>>> get_or_train(RegressionRun(), load_regression_data()).from_cache
True
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from core.regression.housing import RegressionData
from core.limits import Limits
from core.regression.sequential import RegressionResult, RegressionRun, summarize_regression, train_regression
from core.runs import load_or_train
from core.store import RunStore, StoredRun
from core.training import EpochUpdate


def run_from_dict(data: dict):
    """A `RegressionRun` or `WideDeepRun` from its dict form (dispatched on `kind`)."""
    from core.regression.wide_deep import WideDeepRun

    kinds = {"regression": RegressionRun, "wide_and_deep": WideDeepRun}
    return kinds[data["kind"]](**data)


def run_from_json(text: str):
    return run_from_dict(json.loads(text))


def _model_inputs(run, data: RegressionData) -> list[list[int]]:
    if run.kind == "wide_and_deep":
        from core.regression.wide_deep import model_inputs

        return model_inputs(run.model, data.num_features)
    return [list(range(data.num_features))]


def _train(run, data: RegressionData, on_epoch, should_stop) -> RegressionResult:
    if run.kind == "wide_and_deep":
        from core.regression.wide_deep import train_wide_deep

        return train_wide_deep(run, data, on_epoch=on_epoch, should_stop=should_stop)
    return train_regression(run, data, on_epoch=on_epoch, should_stop=should_stop)


def result_from_stored(stored: StoredRun) -> RegressionResult:
    """Rebuilds a `RegressionResult` (model included) from a store entry."""
    started = time.perf_counter()
    model = stored.load_model()
    meta = stored.meta
    return RegressionResult(
        config=run_from_dict(stored.config),
        model=model,
        history=stored.history,
        test_metrics=meta["test_metrics"],
        test_pred=stored.arrays["test_pred"],
        wall_time=meta["wall_time"],
        device=meta["device"],
        stop_reason=meta["stop_reason"],
        from_cache=True,
        load_time=time.perf_counter() - started,
    )


def load_cached(run, store: RunStore | None = None) -> RegressionResult | None:
    """The stored result for `run`, or `None` when it has not been trained."""
    store = store or RunStore()
    stored = store.load(run.to_json())
    if stored is None or "test_pred" not in stored.arrays:
        return None
    return result_from_stored(stored)


def save_result(result: RegressionResult, data: RegressionData, store: RunStore):
    """Stores a finished run with the meta data other pages read; runs that diverged
    or were stopped are not kept."""
    if result.stop_reason in ("diverged", "stopped"):
        return None
    run = result.config
    meta = {
        "page": run.kind,  # "regression" or "wide_and_deep", the page that trains it
        "dataset": data.name,
        "architecture": run.describe(),
        "params": int(result.model.count_params()),
        "test_metrics": result.test_metrics,
        "key_metric": {"name": "test RMSE", "value": result.test_metrics["rmse"]},
        "wall_time": result.wall_time,
        "device": result.device,
        "stop_reason": result.stop_reason,
        "epochs_run": result.epochs_run,
        "feature_names": list(data.feature_names),
        "model_inputs": _model_inputs(run, data),
        "target_name": data.target_name,
    }
    return store.save(
        run.to_json(), model=result.model, history=result.history, meta=meta, arrays={"test_pred": result.test_pred}
    )


def get_or_train(
    run,
    data: RegressionData,
    *,
    store: RunStore | None = None,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_queue: Callable[[int], None] | None = None,
) -> RegressionResult:
    """Returns the stored result for `run`, or trains, stores and returns it.

    Args:
        run: a `RegressionRun` or a `core.regression.wide_deep.WideDeepRun`.
        data: the loaded data set named by `run.dataset`.
        store: where runs are kept. Defaults to `RunStore()`.
        on_epoch: progress hook, see `core.training.fit`.
        should_stop: stop hook, see `core.training.fit`.
        on_queue: called with the place in the queue (1 = next) while waiting for a
            free training slot (`core.limits.job_queue()`). Defaults to `None`.

    Returns:
        A `RegressionResult`, with `from_cache=True` when nothing was trained.

    Raises:
        ValueError: when the run is larger than this server allows (see `core.limits`).
    """
    return load_or_train(
        run,
        store or RunStore(),
        load=load_cached,
        check=lambda: check_limits(run, data),
        train=lambda: _train(run, data, on_epoch, should_stop),
        save=lambda result, store: save_result(result, data, store),
        on_queue=on_queue,
    )


def check_limits(run, data: RegressionData) -> None:
    """Raises `ValueError` when `run` is too big for this server (hosted mode)."""
    if run.kind == "wide_and_deep":
        from core.regression.wide_deep import count_params

        params = count_params(run.model, data.num_features)
    else:
        params = sum(row.params for row in summarize_regression(run.model, data.num_features))
    Limits.from_env().check(params=params, epochs=run.training.epochs)
