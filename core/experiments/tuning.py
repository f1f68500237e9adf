"""Hyperparameter search with KerasTuner, as a kind of run.

A `SearchConfig` names a search: the data set, the tuner (`"random"`, `"hyperband"` or
`"bayesian"`), the objective, the budget and the `SearchSpace` (how many hidden
layers, how many units, which activations, optimizers and batch sizes, which learning
rates). It is a frozen dataclass like every config, so its JSON form keys the store,
and the search is a *run*: `core.jobs` trains it in the background with Stop, a queue
place and a cross-process lock, and the store keeps its result, the best trial's model
trained again, which the Predictions page shows like any other run.

`SearchConfig(dataset="diabetes")` is a `RegressionSearchConfig` (a subclass): the
kind of a run is read from its config's type, and a regression search stores
regression predictions.

Example:

>>> search = SearchConfig(dataset="digits", max_trials=4, epochs=1)
>>> search.space.num_layers, type(SearchConfig(dataset="diabetes")).__name__
((1, 3), 'RegressionSearchConfig')
>>> SearchSpace(units=(256, 16))
Traceback (most recent call last):
...
ValueError: Received an invalid value for `units`, expected a (min, max) range with min <= max. Received: units=(256, 16). Swap the two bounds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from core.classification import CLASSIFICATION
from core.config import (
    ACTIVATIONS,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_HIDDEN_LAYERS,
    MAX_SEED,
    MAX_UNITS,
    OPTIMIZERS,
    DataConfig,
    Keyed,
    MLPConfig,
    RunConfig,
    TrainingConfig,
)
from core.config import DATASETS as IMAGE_DATASETS
from core.regression.housing import REGRESSION_DATASETS
from core.regression.kinds import REGRESSION
from core.runs import RunKind, RunResult, register
from core.validation import as_tuple, check_choice, check_float, check_int, invalid

TUNERS = ("random", "hyperband", "bayesian")
TUNER_TITLES = {"random": "Random search", "hyperband": "Hyperband", "bayesian": "Bayesian optimization"}
CLASSIFICATION_OBJECTIVES = ("val_accuracy", "val_loss")
REGRESSION_OBJECTIVES = ("val_loss", "val_rmse")
# What Keras logs for each objective, and whether higher is better.
OBJECTIVE_METRICS = {"val_accuracy": "val_accuracy", "val_loss": "val_loss", "val_rmse": "val_root_mean_squared_error"}
MAXIMIZED = ("val_accuracy",)
UNITS_SAMPLINGS = ("linear", "log")
MAX_TRIALS = 200
MAX_FACTOR = 10


def _check_range(name: str, value, low: float, high: float, *, integer: bool, hint: str = ""):
    """Checks a (min, max) pair of numbers in [low, high]; returns it as a tuple."""
    pair = as_tuple(name, value, "a (min, max) pair")
    if len(pair) != 2:
        raise invalid(name, "a (min, max) pair", value)
    for bound in pair:
        if integer:
            check_int(name, bound, low, high, expected=f"bounds that are integers between {low} and {high}", hint=hint)
        else:
            check_float(name, bound, low, high, open_low=True, expected=f"bounds in ({low:g}, {high:g}]", hint=hint)
    if pair[0] > pair[1]:
        raise invalid(name, "a (min, max) range with min <= max", pair, "Swap the two bounds.")
    return pair if integer else (float(pair[0]), float(pair[1]))


def _check_choices(name: str, value, allowed) -> tuple:
    choices = as_tuple(name, value, "a tuple of choices")
    if not choices:
        raise invalid(name, "at least one choice", choices, "Pick one or more.")
    if len(set(choices)) != len(choices):
        raise invalid(name, "choices without repeats", choices, "Remove the repeated ones.")
    for choice in choices:
        check_choice(name, choice, allowed)
    return choices


@dataclass(frozen=True)
class SearchSpace:
    """Which models a search may try: the `hp.Int`, `hp.Float` and `hp.Choice` ranges.

    Every hidden layer of a trial has the same number of units and the same
    activation, as in the course's `build_model(hp)`.

    Args:
        num_layers: (min, max) hidden layers. Defaults to `(1, 3)`.
        units: (min, max) units per hidden layer. Defaults to `(16, 256)`.
        units_step: the step between tried unit counts with `"linear"` sampling.
            Defaults to `16`.
        units_sampling: `"linear"` (every `units_step`) or `"log"` (as many small
            layers as big ones; the step is ignored). Defaults to `"linear"`.
        activations: the hidden activations to try. Defaults to `("relu", "tanh")`.
        learning_rate: (min, max) learning rate, sampled on a log scale. Defaults to
            `(1e-4, 1e-2)`.
        optimizers: the optimizers to try. Defaults to `("adam", "sgd")`.
        batch_sizes: the batch sizes to try. Defaults to `(32, 128)`.
    """

    num_layers: tuple[int, int] = (1, 3)
    units: tuple[int, int] = (16, 256)
    units_step: int = 16
    units_sampling: str = "linear"
    activations: tuple[str, ...] = ("relu", "tanh")
    learning_rate: tuple[float, float] = (1e-4, 1e-2)
    optimizers: tuple[str, ...] = ("adam", "sgd")
    batch_sizes: tuple[int, ...] = (32, 128)

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        set_("num_layers", _check_range("num_layers", self.num_layers, 1, MAX_HIDDEN_LAYERS, integer=True))
        set_("units", _check_range("units", self.units, 1, MAX_UNITS, integer=True))
        check_int("units_step", self.units_step, 1, MAX_UNITS)
        check_choice("units_sampling", self.units_sampling, UNITS_SAMPLINGS)
        set_("activations", _check_choices("activations", self.activations, ACTIVATIONS))
        set_("learning_rate", _check_range("learning_rate", self.learning_rate, 0.0, 10.0, integer=False))
        set_("optimizers", _check_choices("optimizers", self.optimizers, OPTIMIZERS))
        sizes = as_tuple("batch_sizes", self.batch_sizes, "a tuple of batch sizes")
        if not sizes:
            raise invalid("batch_sizes", "at least one batch size", sizes, "Pick one or more.")
        for size in sizes:
            check_int("batch_sizes", size, 1, MAX_BATCH_SIZE, expected=f"integers between 1 and {MAX_BATCH_SIZE}")
        set_("batch_sizes", tuple(sorted(set(sizes))))

    def largest_params(self, num_inputs: int, num_outputs: int) -> int:
        """Parameters of the biggest model in the space, sum((inputs + 1) * units)."""
        layers, units = self.num_layers[1], self.units[1]
        return (num_inputs + 1) * units + (layers - 1) * (units + 1) * units + (units + 1) * num_outputs


class _SearchBudget:
    """What `core.jobs` reads as a run's length (`config.training.epochs`): a search
    counts trials, so that is its progress."""

    def __init__(self, trials: int):
        self.epochs = trials


@dataclass(frozen=True)
class SearchConfig(Keyed):
    """One hyperparameter search. Its `key()` names it in the store.

    Args:
        dataset: a classification data set of `core.config.DATASETS`, or a regression
            one of `core.regression.housing.REGRESSION_DATASETS` (which makes the
            config a `RegressionSearchConfig`). Defaults to `"digits"`.
        num_train: each trial trains on the first `num_train` training samples; `None`
            uses all of them. Defaults to `None`.
        tuner: `"random"` (`kt.RandomSearch`), `"hyperband"` (`kt.Hyperband`: many
            short trials, the best ones continued) or `"bayesian"`
            (`kt.BayesianOptimization`). Defaults to `"random"`.
        objective: what the tuner optimizes: `"val_accuracy"` or `"val_loss"`; for
            regression `"val_loss"` (MSE) or `"val_rmse"`. Defaults to `"val_accuracy"`.
        max_trials: the most trials (models) to try; Hyperband stops there too, or
            when its brackets are done. Defaults to `10`.
        epochs: epochs per trial (random and Bayesian search). Defaults to `5`.
        max_epochs: Hyperband's most epochs for one model. Defaults to `9`.
        factor: Hyperband's reduction factor: each round keeps 1/factor of the models
            and trains them `factor` times longer. Defaults to `3`.
        seed: seeds the tuner's choices and every model's weights. Defaults to `42`.
        space: the `SearchSpace`.
    """

    dataset: str = "digits"
    num_train: int | None = None
    tuner: str = "random"
    objective: str = "val_accuracy"
    max_trials: int = 10
    epochs: int = 5
    max_epochs: int = 9
    factor: int = 3
    seed: int = 42
    space: SearchSpace = field(default_factory=SearchSpace)
    kind: str = "tuning"

    def __new__(cls, *args, **kwargs):
        dataset = kwargs.get("dataset", args[0] if args else "digits")
        regression = dataset in REGRESSION_DATASETS
        if cls is SearchConfig and regression:
            cls = RegressionSearchConfig
        elif cls is RegressionSearchConfig and not regression:
            raise invalid("dataset", f"one of {', '.join(REGRESSION_DATASETS)}", dataset, "Use SearchConfig(...).")
        return object.__new__(cls)

    objectives = CLASSIFICATION_OBJECTIVES  # the ones this class takes

    def __post_init__(self):
        check_choice("dataset", self.dataset, (*IMAGE_DATASETS, *REGRESSION_DATASETS))
        if self.num_train is not None:
            check_int("num_train", self.num_train, 10)
        check_choice("tuner", self.tuner, TUNERS)
        check_choice("objective", self.objective, self.objectives)
        check_int("max_trials", self.max_trials, 1, MAX_TRIALS)
        check_int("epochs", self.epochs, 1, MAX_EPOCHS)
        check_int("max_epochs", self.max_epochs, 1, MAX_EPOCHS)
        check_int("factor", self.factor, 2, MAX_FACTOR)
        check_int("seed", self.seed, 0, MAX_SEED)
        if isinstance(self.space, dict):
            space = {name: tuple(value) if isinstance(value, list) else value for name, value in self.space.items()}
            object.__setattr__(self, "space", SearchSpace(**space))
        if not isinstance(self.space, SearchSpace):
            raise invalid("space", "a SearchSpace", self.space)
        object.__setattr__(self, "kind", "tuning_regression" if self.regression else "tuning")

    @property
    def regression(self) -> bool:
        return self.dataset in REGRESSION_DATASETS

    @property
    def training(self) -> _SearchBudget:
        return _SearchBudget(self.max_trials)

    @property
    def trial_epochs(self) -> int:
        """The most epochs one trial trains."""
        return self.max_epochs if self.tuner == "hyperband" else self.epochs

    @property
    def objective_metric(self) -> str:
        """The objective's name in Keras logs, e.g. `"val_root_mean_squared_error"`."""
        return OBJECTIVE_METRICS[self.objective]

    @property
    def direction(self) -> str:
        return "max" if self.objective in MAXIMIZED else "min"

    def describe(self) -> str:
        """e.g. `"Random search, 10 trials"`."""
        return f"{TUNER_TITLES[self.tuner]}, {self.max_trials} trials"

    @classmethod
    def from_dict(cls, data: dict) -> SearchConfig:
        return SearchConfig(**data)

    @classmethod
    def from_json(cls, text: str) -> SearchConfig:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class RegressionSearchConfig(SearchConfig):
    """A `SearchConfig` on a regression data set; build it with `SearchConfig(...)`."""

    dataset: str = "diabetes"
    objective: str = "val_loss"
    kind: str = "tuning_regression"

    objectives = REGRESSION_OBJECTIVES


def trial_run(search: SearchConfig, values: dict, *, epochs: int | None = None):
    """The ordinary run (a `RunConfig`, or a `RegressionRun`) of one trial's values.

    Train it with its own kind to get the trial's model again; it is also what "train
    it again" means on the pages.

    Args:
        search: the search the trial belongs to.
        values: the trial's hyperparameters (`num_layers`, `units`, `activation`,
            `learning_rate`, `optimizer`, `batch_size`).
        epochs: epochs to train. Defaults to `None`: the epochs of one trial.

    Example:

    >>> values = {"num_layers": 2, "units": 64, "activation": "relu", "learning_rate": 0.001,
    ...           "optimizer": "adam", "batch_size": 32}
    >>> trial_run(SearchConfig(epochs=3), values).model.describe()
    '64-64 relu'
    """
    layers = ((int(values["units"]), values["activation"]),) * int(values["num_layers"])
    training = TrainingConfig(
        optimizer=values["optimizer"],
        learning_rate=float(values["learning_rate"]),
        batch_size=int(values["batch_size"]),
        epochs=int(epochs or search.trial_epochs),
        seed=search.seed,
    )
    if search.regression:
        from core.regression.sequential import RegressionConfig, RegressionRun

        model = RegressionConfig(mlp=MLPConfig(layers, output_activation="linear"))
        return RegressionRun(dataset=search.dataset, num_train=search.num_train, model=model, training=training)
    return RunConfig(DataConfig(search.dataset, num_train=search.num_train), MLPConfig(layers), training)


def check_ready(search: SearchConfig, num_train: int, num_inputs: int, num_outputs: int) -> None:
    """Raises `ValueError` when `search` cannot or may not run here: a batch size
    larger than the training set, or models too big for this server.

    Example:

    >>> check_ready(SearchConfig(num_train=64, space=SearchSpace(batch_sizes=(32, 128))), 64, 64, 10)
    Traceback (most recent call last):
    ...
    ValueError: Received an invalid value for `batch_sizes`, expected batch sizes of at most the number of training samples (64). Received: batch_sizes=(32, 128). Remove the larger ones or use more training samples.
    """
    from core.runs import check_limits

    if max(search.space.batch_sizes) > num_train:
        raise invalid(
            "batch_sizes",
            f"batch sizes of at most the number of training samples ({num_train})",
            search.space.batch_sizes,
            "Remove the larger ones or use more training samples.",
        )
    check_limits(search.space.largest_params(num_inputs, num_outputs), search.trial_epochs)


def is_finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


# The kinds of run: a search is trained, stored and shown like any run. Its stored
# model is the best trial's, trained again with the kind's own `train`.


def _search_folder(config: SearchConfig):
    from core.experiments.trials import search_folder
    from core.store import RunStore

    store = RunStore()  # `RunKind.train` gets no store: searches use the default one
    return search_folder(store.key_for(config.to_json()), store.root)


def best_of(config: SearchConfig) -> dict:
    """The best trial of the stored or running search `config` (`{}` if none yet):
    its `trial_id`, `score`, `hyperparameters`, `epochs` and `run` (an ordinary run's
    JSON form)."""
    from core.experiments.trials import TRIALS_FILE, read_trials

    return read_trials(_search_folder(config) / TRIALS_FILE).get("best", {})


def _train(kind: RunKind, config: SearchConfig, data, on_epoch, should_stop) -> RunResult:
    from core.experiments.search import run_search
    from core.training import device_name

    try:
        outcome = run_search(config, data, _search_folder(config), on_epoch=on_epoch, should_stop=should_stop)
    except RuntimeError as error:  # KerasTuner gives up after 3 failed trials in a row
        raise ValueError(f"The search stopped: trials kept failing ({error}). Check the search space.") from error
    if outcome.stopped:
        return RunResult(
            config=config,
            model=None,
            history={"loss": outcome.history["loss"]},  # one per trial: the job says "N of max_trials"
            test_metrics={},
            predictions=np.zeros(0, dtype=np.float32),
            wall_time=outcome.wall_time,
            device=device_name(),
            stop_reason="stopped",
        )
    if outcome.best_values is None:
        raise ValueError(
            f"No trial of the search completed ({len(outcome.table.get('trials', []))} tried). "
            "Check the search space: lower the largest learning rate or pick another optimizer."
        )
    run = trial_run(config, outcome.best_values, epochs=outcome.best_epochs)
    best = (REGRESSION if config.regression else CLASSIFICATION).train(run, data, should_stop=should_stop)
    score = outcome.table["best"]["score"]
    return RunResult(
        config=config,
        model=best.model,
        history=best.history,
        test_metrics=best.test_metrics,
        predictions=best.predictions,
        wall_time=outcome.wall_time + best.wall_time,
        device=best.device,
        stop_reason=best.stop_reason,
        notes=[
            f"Best of {outcome.completed} trials ({config.objective} {score:.4g}, trial {outcome.best_trial_id}), "
            f"trained again for {run.training.epochs} epoch{'s' if run.training.epochs != 1 else ''}: "
            f"{run.model.describe()}, "
            f"{run.training.optimizer} learning rate {run.training.learning_rate:.2g}, batch {run.training.batch_size}."
        ],
        divergence=best.divergence,
    )


class TuningKind(RunKind):
    """A hyperparameter search on an image data set; its model is the best trial's."""

    name = "tuning"
    title = "Hyperparameter search"
    progress_unit = "trial"
    can_continue = False  # its best model trains on as an ordinary run instead
    config_type = SearchConfig
    predictions_array = "test_proba"
    inputs = "images"
    key_metric = ("test accuracy", "accuracy")

    def dataset(self, config: SearchConfig) -> str:
        return config.dataset

    def dataset_title(self, config: SearchConfig) -> str:
        from core.data import TITLES

        return TITLES.get(config.dataset, config.dataset)

    def _check_data(self, config: SearchConfig, data) -> None:
        if config.dataset != data.name:
            raise ValueError(
                f"Received data set {data.name!r} for a search configured on {config.dataset!r}. "
                "Load the data set the search names."
            )

    def check(self, config: SearchConfig, data) -> None:
        self._check_data(config, data)
        num_inputs = int(np.prod(data.image_shape))
        check_ready(config, len(data.subset(config.num_train).x_train), num_inputs, data.num_classes)

    def train(self, config: SearchConfig, data, *, on_epoch=None, should_stop=None, start=None) -> RunResult:
        return _train(self, config, data, on_epoch, should_stop)

    def describe(self, config: SearchConfig) -> str:
        best = best_of(config)
        if not best.get("hyperparameters"):
            return config.describe()
        model = trial_run(config, best["hyperparameters"]).model
        layers = model.mlp if config.regression else model
        return f"{layers.describe()} (best of a {TUNER_TITLES[config.tuner].lower()})"


class RegressionTuningKind(TuningKind):
    """A hyperparameter search on a regression data set."""

    name = "tuning_regression"
    title = "Hyperparameter search (regression)"
    config_type = RegressionSearchConfig
    predictions_array = "test_pred"
    inputs = "rows"
    key_metric = ("test RMSE", "rmse")

    def dataset_title(self, config: SearchConfig) -> str:
        from core.regression.housing import TITLES

        return TITLES.get(config.dataset, config.dataset)

    def check(self, config: SearchConfig, data) -> None:
        self._check_data(config, data)
        check_ready(config, len(data.subset(config.num_train).x_train), data.num_features, 1)

    def meta_extras(self, config: SearchConfig, data) -> dict:
        return {
            "feature_names": list(data.feature_names),
            "model_inputs": [list(range(data.num_features))],
            "target_name": data.target_name,
        }


TUNING = register(TuningKind())
REGRESSION_TUNING = register(RegressionTuningKind())
