"""Running a KerasTuner search: the hypermodel, the tuners, local, chief or worker.

`run_search` runs one `SearchConfig` in a folder of its own and reports each trial;
how it runs depends on KerasTuner's environment variables, as KerasTuner itself reads
them:

- none set: in this process, one trial after another;
- `KERASTUNER_TUNER_ID=chief` with `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`:
  this process is the *chief*: it serves the oracle (which trial to try next) to
  workers over gRPC and trains nothing itself;
- any other `KERASTUNER_TUNER_ID` (e.g. `tuner0`) with the same two: a *worker*
  (`work`) asks the chief for trials, trains them and reports their scores.

The chief's server loop is KerasTuner's own (`oracle_chief.start_server`) with two
changes: it polls every `POLL_SECONDS` instead of sleeping 20 s once the last trial was
handed out, and it ends when asked to stop. It uses KerasTuner's internal servicer,
hence the `keras-tuner>=1.4.7,<1.5` pin.

Example (a real search; about 10 s on two cores):

>>> import tempfile
>>> from core.data import load_dataset
>>> from core.experiments.tuning import SearchConfig
>>> search = SearchConfig(dataset="digits", num_train=200, max_trials=2, epochs=1)
>>> outcome = run_search(search, load_dataset("digits"), Path(tempfile.mkdtemp()))  # doctest: +SKIP
>>> outcome.completed, sorted(outcome.best_values)  # doctest: +SKIP
(2, ['activation', 'batch_size', 'learning_rate', 'num_layers', 'optimizer', 'units'])
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.experiments import trials as trials_file
from core.experiments.tuning import SearchConfig, trial_run
from core.training import STEPS_PER_EXECUTION, EpochUpdate, make_optimizer

POLL_SECONDS = 0.25
PROJECT = "project"  # KerasTuner's project folder inside the search folder


class _Stopped(Exception):
    """Raised between trials when the user pressed Stop."""


def role() -> str:
    """`"local"`, `"chief"` or `"worker"`, from KerasTuner's environment variables."""
    from keras_tuner.src.distribute import utils

    if not utils.has_chief_oracle():
        return "local"
    return "chief" if utils.is_chief_oracle() else "worker"


def arrays(search: SearchConfig, data):
    """`(x_train, y_train, x_valid, y_valid)` the trials train and validate on."""
    train = data.subset(search.num_train)
    return train.x_train, train.y_train, data.x_valid, data.y_valid


def _hypermodel(search: SearchConfig, data):
    import keras
    import keras_tuner as kt

    space = search.space
    x_train = arrays(search, data)[0]

    class MLPHyperModel(kt.HyperModel):
        def build(self, hp):
            step = space.units_step if space.units_sampling == "linear" else None
            values = {
                "num_layers": hp.Int("num_layers", *space.num_layers),
                "units": hp.Int("units", *space.units, step=step, sampling=space.units_sampling),
                "activation": hp.Choice("activation", list(space.activations)),
                "learning_rate": hp.Float("learning_rate", *space.learning_rate, sampling="log"),
                "optimizer": hp.Choice("optimizer", list(space.optimizers)),
                "batch_size": hp.Choice("batch_size", list(space.batch_sizes)),
            }
            run = trial_run(search, values)
            steps = max(1, min(STEPS_PER_EXECUTION, math.ceil(len(x_train) / run.training.batch_size)))
            if search.regression:
                from core.regression.sequential import RMSE, build_regression_mlp, make_loss

                model = build_regression_mlp(run.model, x_train, seed=search.seed)
                loss, metrics = make_loss(run.model.loss), [keras.metrics.RootMeanSquaredError(name=RMSE)]
            else:
                from core.models import build_mlp

                model = build_mlp(run.model, data.image_shape, data.num_classes, seed=search.seed)
                loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
            model.compile(loss=loss, optimizer=make_optimizer(run.training), metrics=metrics, steps_per_execution=steps)
            return model

        def fit(self, hp, model, *args, **kwargs):
            kwargs.setdefault("verbose", 0)
            return model.fit(*args, batch_size=hp.get("batch_size"), shuffle=True, **kwargs)

    return MLPHyperModel()


def _stop_callback(should_stop: Callable[[], bool]):
    import keras

    class StopTrial(keras.callbacks.Callback):
        # KerasTuner deep-copies callbacks: it holds a plain function, copied as is.
        def __init__(self, stop):
            super().__init__()
            self.stop = stop

        def on_train_batch_end(self, batch, logs=None):
            if self.stop():
                self.model.stop_training = True

    return StopTrial(should_stop)


def _tuner(search: SearchConfig, data, folder: Path, *, overwrite: bool):
    import keras_tuner as kt

    bases = {"random": kt.RandomSearch, "hyperband": kt.Hyperband, "bayesian": kt.BayesianOptimization}

    class Reporting(bases[search.tuner]):
        """Reports every trial, and stops between trials when asked to."""

        report: Callable[[], None] = staticmethod(lambda: None)
        should_stop: Callable[[], bool] = staticmethod(lambda: False)

        def pre_create_trial(self):
            if self.should_stop():
                raise _Stopped
            super().pre_create_trial()

        def on_trial_begin(self, trial):
            super().on_trial_begin(trial)
            self.report()

        def on_trial_end(self, trial):
            super().on_trial_end(trial)
            self.report()

    common = dict(
        hypermodel=_hypermodel(search, data),
        objective=kt.Objective(search.objective_metric, search.direction),
        seed=search.seed,
        directory=str(folder),
        project_name=PROJECT,
        overwrite=overwrite,
    )
    if search.tuner == "hyperband":
        tuner = Reporting(max_epochs=search.max_epochs, factor=search.factor, **common)
        if hasattr(tuner.oracle, "max_trials"):  # a worker's oracle is the chief's, over gRPC
            tuner.oracle.max_trials = search.max_trials  # Hyperband has no budget of its own
    else:
        tuner = Reporting(max_trials=search.max_trials, **common)
    return tuner


@dataclass
class _Progress:
    """Turns the oracle's trials into the trials file and one `EpochUpdate` per
    finished trial (epoch = trials done, epochs = max_trials)."""

    search: SearchConfig
    path: Path
    on_epoch: Callable[[EpochUpdate], None] | None
    started: float = field(default_factory=time.perf_counter)
    ended: dict = field(default_factory=dict)
    history: dict = field(default_factory=lambda: {"loss": [], "score": [], "best": []})

    def update(self, oracle, state: str = "running") -> dict:
        rows = []
        for trial in sorted(list(oracle.trials.values()), key=lambda trial: trial.trial_id):
            if trial.status != "RUNNING" and trial.trial_id not in self.ended:
                self.ended[trial.trial_id] = round(time.perf_counter() - self.started, 2)
                self._finished(trial)
            rows.append(
                trials_file.trial_row(
                    trial, self.search.objective_metric, self.search.trial_epochs, self.ended.get(trial.trial_id)
                )
            )
        table = {
            "tuner": self.search.tuner,
            "objective": self.search.objective,
            "direction": self.search.direction,
            "max_trials": self.search.max_trials,
            "state": state,
            "elapsed": round(time.perf_counter() - self.started, 2),
            "trials": rows,
        }
        trials_file.write_trials(self.path, table)
        return table

    def _finished(self, trial) -> None:
        if trial.status != "COMPLETED" or trial.score is None or not math.isfinite(trial.score):
            return
        pick = max if self.search.direction == "max" else min
        scores = self.history["score"] + [float(trial.score)]
        loss = trial.metrics.get_last_value("loss") if trial.metrics.exists("loss") else math.nan
        self.history["loss"].append(float(loss))
        self.history["score"] = scores
        self.history["best"].append(pick(scores))
        if self.on_epoch is not None:
            logs = {name: values[-1] for name, values in self.history.items()}
            history = {name: list(values) for name, values in self.history.items()}
            done = len(scores)
            self.on_epoch(EpochUpdate(done, self.search.max_trials, logs, time.perf_counter() - self.started, history))


@dataclass(frozen=True)
class SearchOutcome:
    """What `run_search` returns."""

    table: dict  # the trials file's content
    history: dict[str, list[float]]  # per finished trial: loss, score, best so far
    stopped: bool
    best_values: dict | None  # the best trial's hyperparameters, None when none completed
    best_trial_id: str | None
    best_epochs: int | None
    wall_time: float

    @property
    def completed(self) -> int:
        return sum(row["status"] == "COMPLETED" for row in self.table.get("trials", []))


def _serve(oracle, should_stop: Callable[[], bool], on_poll: Callable[[], None]) -> bool:
    """Serves the oracle to the workers until every trial ended; returns whether it
    was stopped instead."""
    from concurrent import futures

    import grpc
    from keras_tuner.src import protos
    from keras_tuner.src.distribute import oracle_chief

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = oracle_chief.OracleServicer(oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    server.add_insecure_port(f"{os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']}")
    server.start()
    try:
        while True:
            time.sleep(POLL_SECONDS)
            on_poll()
            if should_stop():
                return True
            if servicer.stop_triggered and oracle_chief.exit_chief(oracle):
                return False
    finally:
        server.stop(grace=1.0)


def run_search(
    search: SearchConfig,
    data,
    folder: Path,
    *,
    on_epoch: Callable[[EpochUpdate], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SearchOutcome:
    """Runs the search in `folder` (emptied first), here or as the chief (see `role`).

    Args:
        search: the search.
        data: its loaded data set (an `ImageDataset` or a `RegressionData`).
        folder: the search's private folder; the trials file is `folder/trials.json`.
        on_epoch: called with an `EpochUpdate` after every completed trial.
            Defaults to `None`.
        should_stop: polled between trials and during them; True stops the search.
            Defaults to `None`.

    Returns:
        A `SearchOutcome`.

    Raises:
        ValueError: when this process is a worker (see `work`).
    """
    where = role()
    if where == "worker":
        raise ValueError(
            f"This process is a KerasTuner worker (KERASTUNER_TUNER_ID={os.environ['KERASTUNER_TUNER_ID']!r}); "
            "workers run `core.experiments.search.work`, the chief runs the search."
        )
    stop = lambda: bool(should_stop is not None and should_stop())  # noqa: E731  (deep-copyable)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    progress = _Progress(search, folder / trials_file.TRIALS_FILE, on_epoch)
    tuner = _tuner(search, data, folder, overwrite=True)
    tuner.report = lambda: progress.update(tuner.oracle)
    tuner.should_stop = stop
    x_train, y_train, x_valid, y_valid = arrays(search, data)
    stopped = False
    if where == "chief":
        tuner.save()
        stopped = _serve(tuner.oracle, stop, tuner.report)
    else:
        try:
            tuner.search(
                x_train,
                y_train,
                validation_data=(x_valid, y_valid),
                epochs=search.epochs,
                callbacks=[_stop_callback(stop)],
                verbose=0,
            )
        except _Stopped:
            stopped = True
        stopped = stopped or stop()
    best = [] if stopped else tuner.oracle.get_best_trials(1)
    best = [trial for trial in best if trial.score is not None and math.isfinite(trial.score)]
    table = progress.update(tuner.oracle, state="stopped" if stopped else "done")
    values = dict(best[0].hyperparameters.values) if best else None
    if best:
        table["best"] = {
            "trial_id": best[0].trial_id,
            "score": float(best[0].score),
            "hyperparameters": {name: values[name] for name in trials_file.HYPERPARAMETERS},
            "epochs": int(values.get("tuner/epochs", search.trial_epochs)),
        }
        # The winner as an ordinary run: `RunConfig.from_dict` (or `RegressionRun(**...)`) trains it again.
        run = trial_run(search, table["best"]["hyperparameters"], epochs=table["best"]["epochs"])
        table["best"]["run"] = json.loads(run.to_json())
        trials_file.write_trials(progress.path, table)
    shutil.rmtree(folder / PROJECT, ignore_errors=True)  # checkpoints: the best model is trained again
    return SearchOutcome(
        table=table,
        history=progress.history,
        stopped=stopped,
        best_values={name: values[name] for name in trials_file.HYPERPARAMETERS} if values else None,
        best_trial_id=best[0].trial_id if best else None,
        best_epochs=table["best"]["epochs"] if best else None,
        wall_time=time.perf_counter() - progress.started,
    )


def work(search: SearchConfig, data, folder: Path) -> None:
    """Runs trials for the chief until it has no more (this process is a worker)."""
    if role() != "worker":
        raise ValueError(
            "A worker needs KERASTUNER_TUNER_ID (not 'chief'), KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT. "
            f"Received: KERASTUNER_TUNER_ID={os.environ.get('KERASTUNER_TUNER_ID')!r}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    tuner = _tuner(search, data, folder, overwrite=False)
    x_train, y_train, x_valid, y_valid = arrays(search, data)
    tuner.search(x_train, y_train, validation_data=(x_valid, y_valid), epochs=search.epochs, verbose=0)
