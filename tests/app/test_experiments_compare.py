"""AppTest drives the Experiments page's "Compare runs" section: the table of stored runs,
filters, a selection of runs (curves, what differs, parallel coordinates) and deleting.

AppTest cannot tick a table row, so runs are selected through the page's form (its
`selected` run keys), which the table's ticks write to in a browser.
"""

import json

import pytest

from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.store import RunStore
from tests.app.helpers import open_page, texts
from ui.experiments import compare as ui

PAGE = "pages/experiments.py"
FORM = "experiments.form"


def digits_run(learning_rate: float, units: int = 8) -> RunConfig:
    training = TrainingConfig(epochs=2, batch_size=64, learning_rate=learning_rate)
    return RunConfig(DataConfig("digits"), MLPConfig(((units, "relu"),)), training)


SLOW, FAST = digits_run(1e-3), digits_run(3e-3)


@pytest.fixture(scope="module")
def keys():
    """Two stored digits runs that differ only in their learning rate (the session's store)."""
    from core.data import load_dataset
    from core.runs import load_or_train

    data = load_dataset("digits")
    store = RunStore()
    for config in (SLOW, FAST):
        load_or_train(config, data, store=store)
    return {"slow": store.key_for(SLOW.to_json()), "fast": store.key_for(FAST.to_json())}


def table(at):
    return at.dataframe[0].value


def select(at, *keys: str):
    """Selects these runs (as ticking their rows would) and reruns."""
    at.session_state[FORM] = at.session_state[FORM].replace(selected=keys)
    return at.run()


def test_without_runs_the_section_says_where_to_train_one(monkeypatch, tmp_path):
    monkeypatch.setenv("MLP_EXPLORER_CACHE", str(tmp_path / "empty"))
    at = open_page(PAGE)
    assert "No runs yet: train one on the Classification page" in texts(at.info)
    assert "Classification MLP" in [link.proto.label for link in at.get("page_link")]
    assert not at.dataframe and not at.exception


def test_the_table_shows_every_run_with_its_configuration(keys):
    at = open_page(PAGE)
    shown = table(at).set_index("Key")
    for column in ("Kind", "Data set", "Architecture", "Parameters", "Optimizer", "Learning rate", "Batch size"):
        assert column in shown.columns
    assert {"Epochs", "Epochs run", "Loss", "Validation", "Seed", "Trained", "Test accuracy"} <= set(shown.columns)
    fast = shown.loc[keys["fast"]]
    assert (fast["Kind"], fast["Optimizer"], fast["Learning rate"]) == ("Classification MLP", "Adam", 0.003)
    assert (fast["Epochs"], fast["Epochs run"], fast["Batch size"]) == (2, 2, 64)
    assert fast["Loss"] == "Sparse categorical cross-entropy"
    assert shown.loc[keys["slow"], "Learning rate"] == 0.001
    assert "Select two or more runs to compare" in texts(at.info)
    assert not at.exception


def test_selected_runs_show_curves_the_diff_and_parallel_coordinates(keys):
    at = select(open_page(PAGE), keys["slow"], keys["fast"])
    assert not at.exception
    assert "Select two or more" not in texts(at.info)
    diff = at.dataframe[1].value
    assert list(diff.index) == ["Learning rate"]  # nothing else differs
    assert sorted(diff.loc["Learning rate"]) == ["0.001", "0.003"]
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # the curves and the parallel coordinates
    curves, parallel = (json.loads(chart.proto.spec) for chart in charts)
    stars = [trace for trace in curves["data"] if trace.get("marker", {}).get("symbol") == "star"]
    assert len(stars) == 2 and all(star["x"] == [2] for star in stars)  # no early stopping: the last epoch
    assert parallel["data"][0]["type"] == "parcoords"
    at.selectbox(key="experiments.curve_metric").set_value("accuracy").run()
    curves = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert curves["layout"]["yaxis"]["title"]["text"] == "Accuracy"
    at.radio(key="experiments.chart_scope").set_value("selected").run()
    labels = [dim["label"] for dim in json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]["dimensions"]]
    assert labels == ["Learning rate (log)", "Test accuracy"]  # only what varies among the two
    assert not at.exception


def test_filters_keep_matching_runs(keys):
    at = open_page(PAGE)
    at.text_input(key="experiments.search").input("0.003").run()
    assert keys["fast"] in set(table(at)["Key"]) and keys["slow"] not in set(table(at)["Key"])
    at.text_input(key="experiments.search").input("no such run").run()
    assert "No run matches these filters" in texts(at.info) and not at.dataframe
    at.text_input(key="experiments.search").input("").run()
    at.multiselect(key="experiments.kinds").set_value(["classification"]).run()
    at.multiselect(key="experiments.datasets").set_value(["digits"]).run()
    assert {keys["fast"], keys["slow"]} <= set(table(at)["Key"])
    assert set(table(at)["Kind"]) == {"Classification MLP"}
    assert not at.exception


def test_deleting_selected_runs_removes_them_from_the_store(keys):
    from core.data import load_dataset
    from core.runs import load_or_train

    doomed = digits_run(1e-2, units=4)
    load_or_train(doomed, load_dataset("digits"))
    key = RunStore().key_for(doomed.to_json())
    at = select(open_page(PAGE), key)
    assert "Select two or more" in texts(at.info)  # one run: its curves, no diff
    assert len(at.get("plotly_chart")) >= 1
    at.button(key=ui.DELETE_KEY).click().run()
    assert not (RunStore().root / key).exists()
    assert key not in set(table(at)["Key"])
    assert keys["fast"] in set(table(at)["Key"])
    assert not at.exception


def test_parallel_coordinates_encode_text_and_spread_learning_rates_over_decades():
    import pandas as pd

    from ui.experiments.figures import parallel_coordinates

    rows = pd.DataFrame(
        {
            "Optimizer": ["Adam", "SGD", "Adam"],
            "Learning rate": [1e-3, 1e-1, 1e-2],
            "Seed": [42, 42, 42],  # the same everywhere: left out
            "Test RMSE": [0.6, None, 0.5],  # a run without the metric: left out
        }
    )
    dimensions = parallel_coordinates(rows, "Test RMSE").data[0].dimensions
    assert [dim.label for dim in dimensions] == ["Learning rate (log)", "Test RMSE"]  # one optimizer left
    assert list(dimensions[0].values) == pytest.approx([-3, -2])
    assert list(dimensions[0].ticktext) == ["1e-3", "1e-2"]
    dimensions = parallel_coordinates(rows.fillna(0.7), "Test RMSE").data[0].dimensions
    assert dimensions[0].label == "Optimizer" and list(dimensions[0].ticktext) == ["Adam", "SGD"]
    assert list(dimensions[0].values) == [0, 1, 0]
    with pytest.raises(ValueError, match="Received: metric='Test accuracy'"):
        parallel_coordinates(rows, "Test accuracy")
