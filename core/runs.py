"""Runs, of every kind: one result class, one stored form, one load-or-train flow.

A *run* is a frozen config (what to train) plus what training it produced. Each kind
of run (classification, regression, wide & deep, ...) is a `RunKind`: it knows how to
check, train and describe its configs. Everything else is shared and lives here:

- `RunResult`: a trained (or reloaded) run, whatever its kind;
- `RunMeta`: what the store keeps beside the model, the full configuration included;
- `load_or_train`: the store first; else, under the configuration's cross-process lock
  (`core.locks`), train once and store.

Pages never call this directly while a user waits: `core.jobs` runs it in the
background, with the training itself (`train_and_store`) in a worker process
(`core.workers`). It never imports streamlit.

Example:

>>> from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
>>> run = RunConfig(DataConfig("digits"), MLPConfig(((8, "relu"),)), TrainingConfig(epochs=1))
>>> kind_of(run).name
'classification'
>>> kind_named("regression").title
'Regression MLP'
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from core import locks
from core.limits import Limits
from core.store import RunStore, StoredRun
from core.training import EpochUpdate, Start, restored_epoch


@dataclass
class RunResult:
    """A trained (or reloaded) run of any kind."""

    config: Any  # the kind's frozen config
    model: Any  # keras.Model
    history: dict[str, list[float]]
    test_metrics: dict[str, float]
    # Classification: (num_test, num_classes) probabilities; regression: (num_test,)
    # predictions of the main output.
    predictions: np.ndarray
    wall_time: float  # seconds spent training
    device: str
    stop_reason: str  # "completed", "early_stopping", "diverged" or "stopped"
    from_cache: bool = False
    notes: list[str] = field(default_factory=list)  # things the user should know
    load_time: float | None = None  # seconds to read it back from the store
    divergence: str = ""  # why the run counts as diverged, for the user
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # more stored arrays (core.inside's summaries)

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))

    @property
    def diverged(self) -> bool:
        return self.stop_reason == "diverged"

    @property
    def restored_epoch(self) -> int:
        """The epoch whose weights the model holds (and every figure of it comes from)."""
        patience = getattr(self.config.training, "early_stopping_patience", None)
        return restored_epoch(self.history, patience is not None)

    @property
    def kind(self) -> RunKind:
        return kind_of(self.config)


@dataclass(frozen=True)
class RunMeta:
    """What the store keeps beside a run's model: enough to list, compare and reuse it
    without loading the model. `config` is the run's full configuration."""

    kind: str
    dataset: str
    architecture: str
    params: int
    config: dict
    test_metrics: dict[str, float]
    key_metric: dict  # {"name": "test accuracy", "value": 0.88}
    wall_time: float
    device: str
    stop_reason: str
    epochs_run: int
    notes: list[str] = field(default_factory=list)
    # Tabular runs: the columns the model reads and what it predicts.
    feature_names: list[str] | None = None
    model_inputs: list[list[int]] | None = None
    target_name: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RunMeta:
        """Reads the stored form; keys the store added (`key`, `created`, ...) are ignored."""
        return from_known_fields(cls, data)


def from_known_fields(cls, data: dict):
    """`cls(**data)` for a dataclass, leaving out the keys it has no field for (a
    newer writer's, or a store's own), so stored files stay readable."""
    names = {item.name for item in dataclasses.fields(cls)}
    return cls(**{name: value for name, value in data.items() if name in names})


class RunKind:
    """What one kind of run knows; `core.runs` does the rest.

    Subclasses set the class attributes and implement the four methods. Register an
    instance with `register` so stored runs of the kind can be read back.
    """

    name: ClassVar[str]  # stored in RunMeta.kind
    title: ClassVar[str]  # what the user calls it (the page that trains it)
    config_type: ClassVar[type]
    predictions_array: ClassVar[str]  # the name of `RunResult.predictions` in the store
    inputs: ClassVar[str]  # what a model of the kind reads: "images" or "rows" (of features)
    key_metric: ClassVar[tuple[str, str]]  # (label, test_metrics key)
    progress_unit: ClassVar[str] = "epoch"  # what a job of the kind counts as it goes
    can_continue: ClassVar[bool] = True  # whether a stored run trains on for more epochs

    def dataset(self, config) -> str:
        """The name of the data set `config` trains on."""
        raise NotImplementedError

    def dataset_title(self, config) -> str:
        """The data set's name as the pages show it, e.g. "Fashion-MNIST"."""
        return self.dataset(config)

    def check(self, config, data) -> None:
        """Raises `ValueError` when `config` cannot or may not train on `data` here."""
        raise NotImplementedError

    def train(
        self,
        config,
        data,
        *,
        on_epoch: Callable[[EpochUpdate], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        start: Start | None = None,
    ) -> RunResult:
        """Trains `config` on `data`, from `start` (a parent run's model and history)
        when the run continues another (`TrainingConfig.parent`)."""
        raise NotImplementedError

    def describe(self, config) -> str:
        """A short name of the architecture, e.g. "300-100 relu"."""
        raise NotImplementedError

    def meta_extras(self, config, data) -> dict:
        """More `RunMeta` fields this kind stores (e.g. feature names)."""
        return {}

    def config_from_dict(self, data: dict):
        return self.config_type.from_dict(data)


def load_named_data(inputs: str, name: str):
    """The data set `name` of a kind whose models read `inputs` ("images" or "rows")."""
    if inputs == "images":
        from core.data import load_dataset

        return load_dataset(name)
    from core.regression.housing import load_regression_data

    return load_regression_data(name)


_KINDS: dict[str, RunKind] = {}


def register(kind: RunKind) -> RunKind:
    """Makes `kind` known, so its configs and stored runs can be read back."""
    _KINDS[kind.name] = kind
    return kind


def _builtin() -> dict[str, RunKind]:
    # Always imported (a cached import is free): a module that registered its own kind
    # first must not hide the others.
    import core.classification  # noqa: F401  (each module registers its kinds)
    import core.experiments.tuning  # noqa: F401
    import core.regression.kinds  # noqa: F401

    return _KINDS


def kind_named(name: str) -> RunKind:
    """The registered kind called `name`; `ValueError` if there is none."""
    kinds = _builtin()
    if name not in kinds:
        raise ValueError(
            f"Received an unknown kind of run, expected one of {', '.join(sorted(kinds))}. Received: kind={name!r}"
        )
    return kinds[name]


def kind_of(config) -> RunKind:
    """The kind whose configs are of `config`'s type."""
    for kind in _builtin().values():
        if type(config) is kind.config_type:
            return kind
    raise ValueError(f"Received a config of unknown type {type(config).__name__}; register its RunKind first.")


def title_of(name: str) -> str:
    """What the user calls the kind of run `name` (e.g. in a table of runs)."""
    try:
        return kind_named(name).title
    except ValueError:
        return str(name)


def can_continue(name: str | None) -> bool:
    """Whether stored runs of the kind `name` can be trained for more epochs."""
    try:
        return kind_named(name).can_continue
    except ValueError:
        return False


def takes_images(name: str) -> bool:
    """Whether models of the kind `name` read images (else rows of features)."""
    return kind_named(name).inputs == "images"


def check(config, data) -> None:
    """Raises `ValueError` when `config` cannot or may not train on `data` here."""
    kind_of(config).check(config, data)


def check_limits(params: int, epochs: int, *, samples: int | None = None, batch_size: int | None = None) -> None:
    """Raises `ValueError` when a run is too big for this server (hosted mode): too
    many parameters or epochs, or, given `samples` per epoch and `batch_size`, an
    estimated training time above the server's limit per training."""
    Limits.from_env().check(params=params, epochs=epochs, samples=samples, batch_size=batch_size)


def store_key(config, store: RunStore | None = None) -> str:
    """The store key of `config` (also the key of its job)."""
    return (store or RunStore()).key_for(config.to_json())


def result_from_stored(stored: StoredRun) -> RunResult:
    """Rebuilds a `RunResult` (model included) from a store entry.

    Raises whatever reading the entry raises (`KeyError`, `ValueError`, Keras's errors
    for a truncated model); `load_cached` turns that into a miss.
    """
    started = time.perf_counter()
    meta = RunMeta.from_dict(stored.meta)
    kind = kind_named(meta.kind)
    predictions = stored.arrays[kind.predictions_array]
    model = stored.load_model()
    return RunResult(
        config=kind.config_from_dict(stored.config),
        model=model,
        history=stored.history,
        test_metrics=meta.test_metrics,
        predictions=predictions,
        wall_time=meta.wall_time,
        device=meta.device,
        stop_reason=meta.stop_reason,
        from_cache=True,
        notes=list(meta.notes),
        load_time=time.perf_counter() - started,
        arrays={name: value for name, value in stored.arrays.items() if name != kind.predictions_array},
    )


def _read(stored: StoredRun | None, store: RunStore) -> RunResult | None:
    if stored is None:
        return None
    try:
        return result_from_stored(stored)
    except Exception as error:  # bad meta, a missing array, a truncated model: whatever Keras raises
        store.report(
            f"The stored run {stored.key} could not be read ({type(error).__name__}: {error}); "
            "it will be trained again."
        )
        return None


def load_cached(config, store: RunStore | None = None) -> RunResult | None:
    """The stored result for `config`, or `None` (never trained, or unreadable)."""
    store = store or RunStore()
    return _read(store.load(config.to_json()), store)


def load_key(key: str, store: RunStore | None = None) -> RunResult | None:
    """The stored result with store key `key`, or `None`."""
    store = store or RunStore()
    return _read(store.load_key(key), store)


def is_cached(config, store: RunStore | None = None) -> bool:
    """Whether `config` has a store entry (cheap: no file is read)."""
    store = store or RunStore()
    return store.path_for(config.to_json()).is_dir()


def continued(config, more_epochs: int):
    """The config of a run that trains the stored run `config` for `more_epochs` more
    epochs, from its weights ("call fit() again"): a new run, linked to its parent.

    Example:

    >>> from core.config import RunConfig, TrainingConfig
    >>> longer = continued(RunConfig(training=TrainingConfig(epochs=10)), 5)
    >>> longer.training.epochs, len(longer.training.parent)
    (15, 20)
    """
    if not isinstance(more_epochs, int) or isinstance(more_epochs, bool) or more_epochs < 1:
        raise ValueError(
            "Received an invalid value for `more_epochs`, expected a positive integer. "
            f"Received: more_epochs={more_epochs!r}"
        )
    training = dataclasses.replace(
        config.training, epochs=config.training.epochs + more_epochs, parent=store_key(config)
    )
    return dataclasses.replace(config, training=training)


def start_of(config, store: RunStore) -> Start | None:
    """Where a continued run starts: its parent's model (loaded afresh, so training it
    leaves the stored one alone) and history; `None` for a run from scratch.

    Raises:
        ValueError: when the parent run is no longer in the store.
    """
    parent = getattr(config.training, "parent", None)  # a search has no parent
    if parent is None:
        return None
    stored = store.load_key(parent)
    if stored is None:
        raise ValueError(
            f"The run this one continues ({parent}) is no longer stored; train it again first. "
            f"Received: parent={parent!r}"
        )
    return Start(model=stored.load_model(), history=stored.history, arrays=stored.arrays)


def meta_for(result: RunResult, data) -> RunMeta:
    """The stored form of `result`'s meta data."""
    kind = kind_of(result.config)
    label, metric = kind.key_metric
    return RunMeta(
        kind=kind.name,
        dataset=kind.dataset(result.config),
        architecture=kind.describe(result.config),
        params=int(result.model.count_params()),
        config=json.loads(result.config.to_json()),
        test_metrics=result.test_metrics,
        key_metric={"name": label, "value": result.test_metrics[metric]},
        wall_time=result.wall_time,
        device=result.device,
        stop_reason=result.stop_reason,
        epochs_run=result.epochs_run,
        notes=list(result.notes),
        **kind.meta_extras(result.config, data),
    )


def save_result(result: RunResult, data, store: RunStore):
    """Stores a finished run; runs that diverged or were stopped are not kept.

    Returns the entry's folder, or `None` when nothing was stored."""
    if result.stop_reason in ("diverged", "stopped"):
        return None
    kind = kind_of(result.config)
    return store.save(
        result.config.to_json(),
        model=result.model,
        history=result.history,
        meta=meta_for(result, data).to_dict(),
        arrays={kind.predictions_array: result.predictions, **result.arrays},
    )


def load_or_train(
    config,
    data,
    *,
    store: RunStore | None = None,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_busy: Callable[[], None] | None = None,
    on_locked: Callable[[], None] | None = None,
    trainer: Callable[[], RunResult] | None = None,
) -> RunResult:
    """Returns the stored run for `config`, or trains, stores and returns it.

    Two callers asking for one configuration at once, in one process or in several
    sharing the store, train it once: the second waits on the configuration's lock
    file and then reads the first one's entry. How many train at once is the
    caller's to bound (`core.jobs` does, with its worker pool).

    Args:
        config: the run, of any registered kind.
        data: the loaded data set `config` names.
        store: where runs are kept. Defaults to `RunStore()`.
        on_epoch: progress hook, see `core.training.fit`. Defaults to `None`.
        should_stop: polled while waiting and after every epoch; True stops (a wait
            raises `core.locks.Cancelled`). Defaults to `None`.
        on_busy: called on each poll while someone else (another session or server
            process) trains this configuration. Defaults to `None`.
        on_locked: called once this caller holds the configuration's lock (it is
            the one that trains unless the entry appeared meanwhile). Defaults to `None`.
        trainer: trains and stores the run, lock held (`core.jobs` runs
            `train_and_store` in a worker process). Defaults to `train_and_store`
            here, with `on_epoch` and `should_stop`.

    Returns:
        A `RunResult`, with `from_cache=True` when nothing was trained.

    Raises:
        ValueError: when the run cannot train on `data` or is too big for this server.
        core.locks.Cancelled: when `should_stop` said so while waiting.
    """
    store = store or RunStore()
    cached = load_cached(config, store)
    if cached is not None:
        return cached
    kind = kind_of(config)
    kind.check(config, data)
    key = store.key_for(config.to_json())
    with locks.run_lock(store.root, key, should_cancel=should_stop, on_wait=on_busy):
        cached = load_cached(config, store)
        if cached is not None:
            return cached
        if on_locked is not None:
            on_locked()
        if trainer is not None:
            return trainer()
        return train_and_store(config, data, store, on_epoch=on_epoch, should_stop=should_stop)


def train_and_store(
    config,
    data,
    store: RunStore,
    *,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunResult:
    """Trains `config` on `data` (from its parent run, when it continues one) and
    stores the result unless it diverged or was stopped. No lock is taken: the
    caller holds the configuration's (`load_or_train`)."""
    kind = kind_of(config)
    kind.check(config, data)
    start = start_of(config, store)
    result = kind.train(config, data, on_epoch=on_epoch, should_stop=should_stop, start=start)
    if start is not None:
        result.notes.append(
            f"Continues run {config.training.parent} from its epoch {start.epochs}, with a fresh "
            "optimizer (the stored model keeps its weights, not its optimizer state)."
        )
    save_result(result, data, store)
    return result
