"""The Experiments page's form: the open tab, the runs compared and how, the search the
Tune tab describes, and the learning-rate finder tab's model.

Runs are named by their keys, never by their rows: the table's rows move as runs are
trained, deleted or filtered, a key stays the run's. A kind of run and a data set are
named by their names (`"classification"`, `"digits"`), not by the titles the table
shows, so a link survives a title's rewording.

Example:

>>> form = ExperimentsForm(tab="tune", tuner="hyperband", max_trials=4)
>>> search_config(form).tuner, search_config(form).max_trials
('hyperband', 4)
>>> search_config(form.replace(units_min=256, units_max=16))
Traceback (most recent call last):
...
ValueError: Received an invalid value for `units`, expected a (min, max) range with min <= max. Received: units=(256, 16). Swap the two bounds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.config import ACTIVATIONS, MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_SEED, MAX_UNITS, OPTIMIZERS
from core.config import DATASETS as IMAGE_DATASETS
from core.experiments.tuning import (
    CLASSIFICATION_OBJECTIVES,
    MAX_FACTOR,
    MAX_TRIALS,
    REGRESSION_OBJECTIVES,
    TUNERS,
    UNITS_SAMPLINGS,
    SearchConfig,
    SearchSpace,
)
from core.forms import Form, choice, choices
from core.forms.predictions import is_run_key
from core.regression.housing import REGRESSION_DATASETS
from core.validation import check_float, check_int, invalid

TABS = ("compare", "tune", "lr_finder")
KINDS = ("classification", "regression", "wide_and_deep", "tuning", "tuning_regression")  # core.runs' kinds
DATASETS = (*IMAGE_DATASETS, *REGRESSION_DATASETS)
SCOPES = ("all", "selected")  # the parallel coordinates' runs: the table's, or the selected ones
# The parallel coordinates' colour: "key" is the first run's key metric, "key_value" each run's own.
CHART_METRICS = ("key", "accuracy", "loss", "rmse", "mae", "key_value")
BATCH_SIZES = (16, 32, 64, 128, 256, 512)
OBJECTIVES = tuple(dict.fromkeys((*CLASSIFICATION_OBJECTIVES, *REGRESSION_OBJECTIVES)))
FINDER_TASKS = ("classification", "regression")
# The finder tab's bounds (its number fields refuse anything else).
FINDER_LAYERS, FINDER_UNITS, FINDER_BATCH_SIZES = (1, 5), (1, 1024), (1, 4096)
MAX_SELECTED = 50  # more runs than a chart can tell apart
# The metrics a history logs (`loss`, `accuracy`, `root_mean_squared_error`, ...).
METRIC_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class ExperimentsForm(Form):
    """What the Experiments page's controls are set to."""

    tab: str = choice("compare", TABS)
    # Compare runs
    kinds: tuple[str, ...] = choices((), KINDS)  # (): every kind
    datasets: tuple[str, ...] = choices((), DATASETS)  # (): every data set
    search: str = ""
    selected: tuple[str, ...] = ()  # the runs compared, by key
    curve_metric: str = "loss"  # one the selected runs logged, else their first
    training_curves: bool = False
    chart_scope: str = choice("all", SCOPES)
    chart_metric: str = choice("key", CHART_METRICS)
    # Tune hyperparameters (`core.experiments.tuning.SearchConfig`)
    tune_dataset: str = choice("digits", DATASETS)
    tuner: str = choice("random", TUNERS)
    objective: str = choice("val_accuracy", OBJECTIVES)  # one of the data set's, else its first
    max_trials: int = 8
    epochs: int = 3  # per trial (random, Bayesian)
    max_epochs: int = 4  # Hyperband
    factor: int = 3  # Hyperband
    num_train: int = 1000  # training samples per trial; 0: all of them
    layers_min: int = 1
    layers_max: int = 3
    units_min: int = 16
    units_max: int = 128
    units_sampling: str = choice("linear", UNITS_SAMPLINGS)
    units_step: int = 16
    learning_rate_min: float = 1e-4
    learning_rate_max: float = 1e-2
    activations: tuple[str, ...] = choices(("relu", "tanh"), ACTIVATIONS)
    optimizers: tuple[str, ...] = choices(("adam", "sgd"), OPTIMIZERS)
    batch_sizes: tuple[int, ...] = choices((32, 128), BATCH_SIZES)
    seed: int = 42
    # Learning-rate finder
    finder_task: str = choice("classification", FINDER_TASKS)
    finder_dataset: str = choice(IMAGE_DATASETS[0], IMAGE_DATASETS)
    finder_layers: int = 2
    finder_units: int = 100
    finder_optimizer: str = choice(OPTIMIZERS[0], OPTIMIZERS)
    finder_batch_size: int = 32


def objectives_for(dataset: str) -> tuple[str, ...]:
    """The objectives a search on `dataset` can have."""
    return REGRESSION_OBJECTIVES if dataset in REGRESSION_DATASETS else CLASSIFICATION_OBJECTIVES


def objective_of(form: ExperimentsForm) -> str:
    """The form's objective, or its data set's first when it is another task's."""
    objectives = objectives_for(form.tune_dataset)
    return form.objective if form.objective in objectives else objectives[0]


def search_config(form: ExperimentsForm) -> SearchConfig:
    """The search the Tune tab describes. Raises `ValueError` (Keras's style) for a
    range, a budget or a choice the search cannot take."""
    hyperband = form.tuner == "hyperband"
    space = SearchSpace(
        num_layers=(form.layers_min, form.layers_max),
        units=(form.units_min, form.units_max),
        units_step=form.units_step,
        units_sampling=form.units_sampling,
        activations=form.activations,
        learning_rate=(form.learning_rate_min, form.learning_rate_max),
        optimizers=form.optimizers,
        batch_sizes=form.batch_sizes,
    )
    return SearchConfig(
        dataset=form.tune_dataset,
        num_train=form.num_train or None,
        tuner=form.tuner,
        objective=objective_of(form),
        max_trials=form.max_trials,
        epochs=1 if hyperband else form.epochs,
        max_epochs=form.max_epochs if hyperband else 9,
        factor=form.factor if hyperband else 3,
        seed=form.seed,
        space=space,
    )


def check(form: ExperimentsForm) -> None:
    """Raises `ValueError` for a value the page cannot use (a link's), field by field.

    Each number is held to its own bounds only: a link may set a range's two ends in
    either order, so a range whose minimum exceeds its maximum is left to the Tune tab,
    which says what is wrong with a search as it does for what the user types. Whether
    a key names a stored run is the page's question."""
    if len(form.selected) > MAX_SELECTED:
        raise invalid("selected", f"at most {MAX_SELECTED} runs", f"{len(form.selected)} runs")
    for key in form.selected:
        if not is_run_key(key):
            raise invalid("selected", "run keys (hex digits, as the table's Key column shows)", key)
    if len(set(form.selected)) != len(form.selected):
        raise invalid("selected", "each run once", form.selected)
    if not METRIC_NAME.fullmatch(form.curve_metric):
        raise invalid("curve_metric", "a metric's name such as loss or accuracy", form.curve_metric)
    check_int("finder_layers", form.finder_layers, *FINDER_LAYERS)
    check_int("finder_units", form.finder_units, *FINDER_UNITS)
    check_int("finder_batch_size", form.finder_batch_size, *FINDER_BATCH_SIZES)
    for name, low, high in (
        ("max_trials", 1, MAX_TRIALS),
        ("epochs", 1, MAX_EPOCHS),
        ("max_epochs", 1, MAX_EPOCHS),
        ("factor", 2, MAX_FACTOR),
        ("layers_min", 1, MAX_HIDDEN_LAYERS),
        ("layers_max", 1, MAX_HIDDEN_LAYERS),
        ("units_min", 1, MAX_UNITS),
        ("units_max", 1, MAX_UNITS),
        ("units_step", 1, MAX_UNITS),
        ("seed", 0, MAX_SEED),
    ):
        check_int(name, getattr(form, name), low, high)
    if form.num_train != 0:
        check_int("num_train", form.num_train, 10, expected="0 (all of them) or at least 10 samples")
    for name in ("learning_rate_min", "learning_rate_max"):
        check_float(name, getattr(form, name), 0.0, 10.0, open_low=True)
    for name in ("activations", "optimizers", "batch_sizes"):
        values = getattr(form, name)
        if not values or len(set(values)) != len(values):
            raise invalid(name, "one or more choices, each once", values)
