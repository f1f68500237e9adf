"""The Playground page, driven through Streamlit's AppTest, and its figure builders."""

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from core.playground.config import PlaygroundConfig
from core.playground.data import make_dataset, split_dataset

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/playground.py"


def open_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def param(at: AppTest, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value  # AppTest keeps lists


def epoch_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Epoch"))


@pytest.fixture
def short_live_runs(monkeypatch):
    """While playing, the page redraws in a loop for LIVE_SECONDS; keep tests short."""
    from ui.playground import view as playground

    monkeypatch.setattr(playground, "LIVE_SECONDS", 0.3)


def test_page_opens_with_the_defaults_and_writes_them_into_the_url():
    at = open_page()
    assert epoch_line(at).startswith("**Epoch 0**")
    assert param(at, "dataset") == "circle" and param(at, "hidden_layers") == "4,2"
    assert len(at.get("plotly_chart")) == 1  # the paused page shows the interactive chart
    assert any("model.fit(" in code.value for code in at.code)


@pytest.mark.slow
def test_step_trains_one_epoch_and_reset_starts_over():
    at = open_page()
    at.button(key="playground.step").click().run()
    assert not at.exception
    assert epoch_line(at).startswith("**Epoch 1**")
    at.button(key="playground.step").click().run()
    assert epoch_line(at).startswith("**Epoch 2**")
    at.button(key="playground.reset").click().run()
    assert epoch_line(at).startswith("**Epoch 0**")


@pytest.mark.slow
def test_play_trains_and_draws_live_frames_then_pause_stops(short_live_runs):
    at = open_page()
    at.button(key="playground.play").click().run()
    assert not at.exception
    epoch = int(epoch_line(at).split("**")[1].split()[1].replace(",", ""))
    assert epoch >= 5  # at least one update of 5 epochs
    assert len(at.get("image")) == 1  # live frames are pictures
    at.button(key="playground.play").click().run()  # now "Pause"
    assert not at.exception
    assert at.button(key="playground.play").label == "Play"
    assert len(at.get("plotly_chart")) == 1


@pytest.mark.slow
def test_changing_widgets_changes_the_network_and_the_url():
    at = open_page()
    at.button(key="playground.add_layer").click().run()
    at.button(key="playground.units_plus_0").click().run()
    at.selectbox(key="playground.activation").select("relu").run()
    at.checkbox(key="playground.feature.x1_squared").check().run()
    at.radio(key="playground.dataset").set_value("spiral").run()
    assert not at.exception
    assert param(at, "hidden_layers") == "5,2,2"
    assert param(at, "activation") == "relu"
    assert param(at, "features") == "x1,x2,x1_squared"
    assert param(at, "dataset") == "spiral"
    assert "**3 hidden layers**" in [m.value for m in at.markdown]


@pytest.mark.slow
def test_the_experiment_survives_a_visit_to_another_page():
    at = open_page()
    at.selectbox(key="playground.activation").select("relu").run()
    at.checkbox(key="playground.feature.x1x2").check().run()
    at.button(key="playground.step").click().run()
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="playground.activation").value == "relu"
    assert at.checkbox(key="playground.feature.x1x2").value
    assert epoch_line(at).startswith("**Epoch 1**")  # the same trainer, kept


@pytest.mark.slow
def test_a_diverging_network_says_so(short_live_runs):
    config = PlaygroundConfig(
        problem="regression",
        dataset="plane",
        activation="relu",
        learning_rate=10.0,
        features=("x1", "x2", "x1_squared", "x2_squared"),
        hidden_layers=(8, 8),
    )
    at = open_page(config.to_query_params())
    at.button(key="playground.play").click().run()
    assert not at.exception
    assert any("training diverged" in error.value for error in at.error)
    assert at.button(key="playground.play").label == "Play"  # stopped by itself


def test_switching_to_regression_picks_a_regression_data_set():
    at = open_page()
    at.selectbox(key="playground.problem").select("regression").run()
    assert not at.exception
    assert at.radio(key="playground.dataset").value == "plane"
    assert at.selectbox(key="playground.loss").disabled


def test_no_features_is_an_error_not_a_crash():
    at = open_page()
    at.checkbox(key="playground.feature.x1").uncheck().run()
    at.checkbox(key="playground.feature.x2").uncheck().run()
    assert not at.exception
    assert any("Received: features=()" in error.value for error in at.error)


def test_a_link_reopens_the_same_experiment():
    config = PlaygroundConfig(dataset="xor", noise=20, hidden_layers=(3,), activation="sigmoid", seed=99)
    at = open_page(config.to_query_params())
    assert at.radio(key="playground.dataset").value == "xor"
    assert at.slider(key="playground.noise").value == 20
    assert at.selectbox(key="playground.activation").value == "sigmoid"
    assert "**1 hidden layer**" in [m.value for m in at.markdown]
    assert not at.warning


def test_a_bad_link_warns_and_falls_back():
    at = open_page({"noise": "80", "hidden_layers": "4,x"})
    assert not at.exception
    assert len(at.warning) == 2
    assert at.slider(key="playground.noise").value == 0


# ---- figures ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained():
    from core.playground.model import Trainer

    config = PlaygroundConfig(features=("x1", "x2", "sin_x1"), hidden_layers=(4, 3))
    points, labels = make_dataset("circle", noise=0.1, seed=0)
    trainer = Trainer(config, split_dataset(points, labels, 0.5, 0), resolution=20)
    trainer.step(3)
    return config, trainer


def test_figures_are_valid_plotly(trained):
    from ui.playground import figures

    config, trainer = trained
    grids = trainer.grids()
    figure = figures.dashboard_figure(config, trainer, grids)
    go.Figure(figure.to_dict())  # validates every property the fast path skipped
    hover = [t for t in figure.data if t.text is not None and any("weight" in s for s in t.text)]
    assert len(hover[0].text) == 3 * 4 + 4 * 3 + 3 * 1  # one hover point per connection
    assert len(figure.layout.images) == 3 + 4 + 3 + 1  # one heatmap per node


def test_live_frame_is_a_picture_of_network_surface_and_loss(trained):
    from ui.playground import figures

    config, trainer = trained
    frame = np.asarray(figures.live_frame(config, trainer, trainer.grids()))
    assert frame.ndim == 3 and frame.shape[2] == 3
    assert frame.shape[0] >= 320 and frame.shape[1] > 600
    orange = (np.abs(frame.astype(int) - figures.ORANGE).sum(axis=2) < 30).mean()
    assert orange > 0.01  # heatmaps drawn, not a blank canvas
