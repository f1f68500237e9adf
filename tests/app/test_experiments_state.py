"""The Experiments page owns its form: the runs compared are kept by key while runs come
and go, a page switch or a link never changes what the user set, a bad link value costs
only its own field, and a lesson link shows only the controls it names."""

import random

import pytest

from core import forms
from core.config import ACTIVATIONS, OPTIMIZERS
from core.config import DATASETS as IMAGE_DATASETS
from core.experiments.tuning import TUNERS, UNITS_SAMPLINGS
from core.forms.experiments import (
    BATCH_SIZES,
    CHART_METRICS,
    DATASETS,
    FINDER_TASKS,
    KINDS,
    OBJECTIVES,
    SCOPES,
    TABS,
    ExperimentsForm,
)
from core.store import RunStore
from tests.app.helpers import button, open_page, texts
from tests.app.test_experiments_compare import digits_run, keys, table  # noqa: F401 (a fixture)

PAGE = "experiments"
FORM = f"{PAGE}.form"
PATH = "pages/experiments.py"


def store_run(units: int) -> str:
    """A tiny digits run stored now, so it lands at the top of the table."""
    from core.data import load_dataset
    from core.runs import load_or_train

    config = digits_run(2e-3, units=units)
    load_or_train(config, load_dataset("digits"))
    return RunStore().key_for(config.to_json())


def open_with(at, params: dict):
    """Opens the page as a link with these query parameters would."""
    at.query_params.clear()
    at.query_params.update(params)
    return at.run()


def ticked_keys(at) -> list[str]:
    rows = at.session_state[f"{PAGE}.selected"]["selection"]["rows"]
    return sorted(table(at)["Key"][row] for row in rows)


def compared(at) -> list[str]:
    """The runs the "What differs" table compares (its columns end with the key's start)."""
    diff = at.dataframe[1].value
    return sorted(column.split(" · ")[-1] for column in diff.columns)


def test_the_compared_runs_stay_selected_when_runs_come_and_go(keys):  # noqa: F811
    at = open_page(PATH)
    at.session_state[FORM] = at.session_state[FORM].replace(selected=(keys["slow"], keys["fast"]))
    at.run()
    before = compared(at)
    assert ticked_keys(at) == sorted((keys["slow"], keys["fast"]))
    newer = store_run(units=5)  # lands at the top, where a row number would now point
    at.run()
    assert not at.exception and table(at)["Key"][0] == newer
    assert ticked_keys(at) == sorted((keys["slow"], keys["fast"])) and compared(at) == before
    RunStore().delete(newer)  # deleted by someone else while selected: dropped, said once
    at.session_state[FORM] = at.session_state[FORM].replace(selected=(keys["slow"], newer, keys["fast"]))
    at.run()
    assert not at.exception
    assert "1 selected run(s) are not in the store any more" in texts(at.warning).replace("\\", "")
    assert at.session_state[FORM].selected == (keys["slow"], keys["fast"])
    assert compared(at) == before
    at.run()
    assert "not in the store any more" not in texts(at.warning)


def test_a_filter_keeps_the_selection_it_hides(keys):  # noqa: F811
    at = open_page(PATH)
    at.session_state[FORM] = at.session_state[FORM].replace(selected=(keys["slow"], keys["fast"]))
    at.run()
    at.text_input(key=f"{PAGE}.search").input(keys["fast"]).run()  # its key: no other run of the store matches
    assert list(table(at)["Key"]) == [keys["fast"]] and ticked_keys(at) == [keys["fast"]]
    assert "1 more selected run(s) are hidden by the filters" in texts(at.caption)
    at.text_input(key=f"{PAGE}.search").input("").run()
    assert ticked_keys(at) == sorted((keys["slow"], keys["fast"])) and not at.exception


def random_form(rng: random.Random, stored: list[str]) -> ExperimentsForm:
    def some(options, low=0):
        return tuple(rng.sample(list(options), rng.randint(low, min(3, len(options)))))

    layers = sorted(rng.randint(1, 5) for _ in range(2))
    units = sorted(rng.randint(1, 512) for _ in range(2))
    rates = sorted(float(f"{10 ** rng.uniform(-5, 0):.2g}") for _ in range(2))
    return ExperimentsForm(
        tab=rng.choice(TABS),
        kinds=some(KINDS),
        datasets=some(DATASETS),
        search=rng.choice(("", "adam", "8 relu", "0.003")),
        selected=some(stored),
        curve_metric=rng.choice(("loss", "accuracy")),
        training_curves=rng.random() < 0.5,
        chart_scope=rng.choice(SCOPES),
        chart_metric=rng.choice(CHART_METRICS),
        tune_dataset=rng.choice(DATASETS),
        tuner=rng.choice(TUNERS),
        objective=rng.choice(OBJECTIVES),
        max_trials=rng.randint(1, 200),
        epochs=rng.randint(1, 50),
        max_epochs=rng.randint(1, 50),
        factor=rng.randint(2, 10),
        num_train=rng.choice((0, 10, 500, 1000, 60000)),
        layers_min=layers[0],
        layers_max=layers[1],
        units_min=units[0],
        units_max=units[1],
        units_sampling=rng.choice(UNITS_SAMPLINGS),
        units_step=rng.randint(1, 64),
        learning_rate_min=rates[0],
        learning_rate_max=rates[1],
        activations=some(ACTIVATIONS, 1),
        optimizers=some(OPTIMIZERS, 1),
        batch_sizes=some(BATCH_SIZES, 1),
        seed=rng.randint(0, 10**6),
        finder_task=rng.choice(FINDER_TASKS),
        finder_dataset=rng.choice(IMAGE_DATASETS),
        finder_layers=rng.randint(1, 5),
        finder_units=rng.randint(1, 1024),
        finder_optimizer=rng.choice(OPTIMIZERS),
        finder_batch_size=rng.randint(1, 4096),
    )


@pytest.mark.slow
def test_random_valid_forms_survive_a_page_switch_unchanged(keys):  # noqa: F811
    at = open_page(PATH)
    rng = random.Random(17)
    for _ in range(20):
        form = random_form(rng, list(keys.values()))
        open_with(at, forms.to_params(form))
        assert not at.exception, (form, at.exception)
        assert at.session_state[FORM] == form
        assert "link" not in texts(at.warning), texts(at.warning)
        at.switch_page("pages/home.py").run()
        at.switch_page(PATH).run()
        assert not at.exception, (form, at.exception)
        assert at.session_state[FORM] == form
        # What the fields show is the form.
        assert (
            at.session_state[f"{PAGE}.tab"]
            == {
                "compare": "Compare runs",
                "tune": "Tune hyperparameters",
                "lr_finder": "Learning-rate finder",
            }[form.tab]
        )
        assert at.number_input(key=f"{PAGE}.max_trials").value == form.max_trials
        assert at.multiselect(key=f"{PAGE}.optimizers").value == list(form.optimizers)
        assert at.text_input(key=f"{PAGE}.search").value == form.search


def test_bad_link_values_warn_once_each_and_fall_back(keys):  # noqa: F811
    at = open_page(PATH)
    open_with(
        at,
        {
            "tab": "tune",
            "selected": f"{keys['fast']},{'f' * 2000}",
            "kinds": "%00",
            "chart_metric": "\x00",
            "max_trials": "-3",
            "tuner": "hyperband",
            "units_min": "64",
            "units_max": "32",  # a range upside down is the Tune tab's to report, not the link's
        },
    )
    assert not at.exception
    form = at.session_state[FORM]
    assert (form.tab, form.selected, form.kinds, form.chart_metric, form.max_trials, form.tuner) == (
        "tune",
        (),
        (),
        "key",
        8,
        "hyperband",
    )
    warnings = [warning.value for warning in at.warning]
    assert len(warnings) == 4, warnings
    assert all(len(warning) < 400 for warning in warnings)
    assert "Received: units=(64, 32). Swap the two bounds." in texts(at.error)
    at.run()  # the next interaction
    assert not [warning for warning in at.warning if "link" in warning.value]
    open_with(at, {"selected": f"{keys['fast']},fedcba9876543210fedc"})  # a run deleted since
    assert len(at.warning) == 1 and at.session_state[FORM].selected == (keys["fast"],)


def test_a_lesson_link_shows_only_the_controls_it_names():
    at = open_page(PATH)
    open_with(at, {"tab": "tune", "only": "max_trials,epochs", "hide_text": "true", "max_trials": "2"})
    assert not at.exception
    assert not at.tabs and not at.dataframe  # the Tune tab alone
    assert {box.key for box in at.number_input} == {f"{PAGE}.max_trials", f"{PAGE}.epochs"}
    assert not at.selectbox and not at.multiselect and not at.radio
    assert not button(at, "Search").disabled  # the hidden fields keep values that search
    at.number_input(key=f"{PAGE}.epochs").set_value(1).run()
    assert at.session_state[FORM].epochs == 1 and at.session_state[FORM].max_trials == 2
