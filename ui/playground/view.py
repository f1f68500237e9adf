"""The Playground page's session-state glue and its live view.

State: every session-state key starts with "playground."; the widgets' keys hold
the experiment, `read_config` turns them into a `PlaygroundConfig`, and the URL's
query parameters mirror that config both ways.

`live_view` is the part of the page that moves: it trains and redraws with the
figures of `ui.playground.figures` (interactive charts when paused, one picture a
frame while playing).
"""

from __future__ import annotations

import math
import time

import numpy as np
import streamlit as st

from core.playground.config import PlaygroundConfig
from core.playground.data import (
    CLASSIFICATION_DATASETS,
    REGRESSION_DATASETS,
    UPLOAD,
    make_dataset,
    split_dataset,
)
from core.playground.features import FEATURES
from core.playground.upload import UploadedPoints, parse_points_csv
from ui.playground.figures import dashboard_figure, live_frame_png

UPDATE_INTERVAL = 0.2  # seconds before a finished live run starts the next, while playing
LIVE_SECONDS = 30.0  # one live run redraws in a loop this long, then hands back to Streamlit
FRAME_SECONDS = 1 / 15  # at most 15 frames a second: more only floods the browser
EPOCHS_PER_UPDATE = (1, 2, 5, 10, 25)

# Session-state keys.
PREFIX = "playground."
INITIALIZED = PREFIX + "initialized"
LINK_WARNINGS = PREFIX + "link_warnings"
LAYERS = PREFIX + "layers"
PLAYING = PREFIX + "playing"
TRAINER = PREFIX + "trainer"
SEED = PREFIX + "seed"
UPLOADED = PREFIX + "uploaded"
UPLOAD_ERROR = PREFIX + "upload_error"
UPLOAD_WIDGET = PREFIX + "upload_file"
SPEED = PREFIX + "epochs_per_update"
CONFIG = PREFIX + "config"  # the last valid config, kept while another page shows
TRAINER_UPLOAD = PREFIX + "trainer_upload"  # the upload the trainer learned from
IN_FULL_RUN = PREFIX + "in_full_run"  # set while the whole page (not just the fragment) runs
# Widgets whose value is a config field of the same name.
FIELD_WIDGETS = (
    "problem",
    "dataset",
    "noise",
    "train_ratio",
    "activation",
    "regularization",
    "regularization_rate",
    "learning_rate",
    "batch_size",
    "optimizer",
    "loss",
)


def key(name: str) -> str:
    """The session-state key of a widget or value of this page."""
    return PREFIX + name


def feature_key(name: str) -> str:
    return PREFIX + "feature." + name


# ---- state -------------------------------------------------------------------------


def _write_widgets(config: PlaygroundConfig) -> None:
    state = st.session_state
    for name in FIELD_WIDGETS:
        state[key(name)] = getattr(config, name)
    for name in FEATURES:
        state[feature_key(name)] = name in config.features
    state[LAYERS] = list(config.hidden_layers)
    state[SEED] = config.seed


def init_state() -> None:
    """On a session's first visit, loads the experiment from the URL (or the defaults)."""
    state = st.session_state
    if state.get(INITIALIZED):
        # Streamlit drops a widget's value while its page is not shown; coming back,
        # restore the experiment from the last config instead of the defaults.
        if CONFIG in state and any(key(name) not in state for name in FIELD_WIDGETS):
            _write_widgets(state[CONFIG])
        return
    config, warnings = PlaygroundConfig.from_query_params(st.query_params.to_dict())
    if config.dataset == UPLOAD and state.get(UPLOADED) is None:
        warnings.append("The link names uploaded points, which links cannot carry; upload the CSV again.")
        config = config.replace(dataset=_datasets(config.problem)[0])
    _write_widgets(config)
    state[PLAYING] = False
    state[SPEED] = 5
    state[LINK_WARNINGS] = warnings
    state[INITIALIZED] = True


def read_config() -> PlaygroundConfig:
    """The experiment the widgets describe. Raises `ValueError` for a bad combination."""
    state = st.session_state
    values = {name: state[key(name)] for name in FIELD_WIDGETS}
    features = tuple(name for name in FEATURES if state[feature_key(name)])
    return PlaygroundConfig(**values, features=features, hidden_layers=tuple(state[LAYERS]), seed=state[SEED])


def sync_query_params(config: PlaygroundConfig) -> None:
    """Writes the config into the URL, so a copied link reopens this experiment, and
    remembers it for when the learner comes back from another page."""
    st.session_state[CONFIG] = config
    params = config.to_query_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def _datasets(problem: str) -> tuple[str, ...]:
    return CLASSIFICATION_DATASETS if problem == "classification" else REGRESSION_DATASETS


def dataset_options(problem: str) -> list[str]:
    """The data sets the radio offers: the problem's own, plus a fitting upload."""
    uploaded = st.session_state.get(UPLOADED)
    extra = [UPLOAD] if uploaded is not None and uploaded.problem == problem else []
    return list(_datasets(problem)) + extra


def on_problem_change() -> None:
    """A new problem type needs a data set of that type."""
    state = st.session_state
    if state[key("dataset")] not in dataset_options(state[key("problem")]):
        state[key("dataset")] = _datasets(state[key("problem")])[0]


def on_upload() -> None:
    """Parses an uploaded CSV; a good one becomes the data set, a bad one an error."""
    state = st.session_state
    file = state.get(UPLOAD_WIDGET)
    state[UPLOAD_ERROR] = None
    if file is None:
        state[UPLOADED] = None
        if state[key("dataset")] == UPLOAD:
            state[key("dataset")] = _datasets(state[key("problem")])[0]
        return
    try:
        uploaded = parse_points_csv(file.getvalue(), file.name)
    except ValueError as error:
        state[UPLOAD_ERROR] = str(error)
        return
    state[UPLOADED] = uploaded
    state[key("problem")] = uploaded.problem
    state[key("dataset")] = UPLOAD
    state[PLAYING] = False


def regenerate() -> None:
    """New points and new initial weights: a fresh seed."""
    st.session_state[SEED] = int(np.random.default_rng().integers(0, 2**31 - 1))


def change_layers(delta: int) -> None:
    """Adds (delta=+1) or removes (delta=-1) the last hidden layer."""
    layers = st.session_state[LAYERS]
    if delta > 0 and len(layers) < 6:
        layers.append(layers[-1] if layers else 4)
    elif delta < 0 and layers:
        layers.pop()


def change_units(index: int, delta: int) -> None:
    """Adds or removes one neuron of hidden layer `index`, keeping 1 to 8."""
    layers = st.session_state[LAYERS]
    layers[index] = min(8, max(1, layers[index] + delta))


def load_data(config: PlaygroundConfig):
    """The experiment's points, split: generated, or the uploaded ones."""
    if config.dataset == UPLOAD:
        uploaded: UploadedPoints = st.session_state[UPLOADED]
        points, labels = uploaded.points, uploaded.labels
    else:
        points, labels = make_dataset(config.dataset, noise=config.noise / 100, seed=config.seed)
    return split_dataset(points, labels, config.train_ratio / 100, config.seed)


def current_trainer(config: PlaygroundConfig, *, reset: bool = False):
    """The session's trainer for `config`; a changed config (or reset) starts afresh."""
    from core.playground.model import Trainer

    state = st.session_state
    trainer = state.get(TRAINER)
    uploaded = state.get(UPLOADED) if config.dataset == UPLOAD else None
    stale = trainer is None or trainer.config != config or state.get(TRAINER_UPLOAD) is not uploaded
    if reset or stale:
        trainer = Trainer(config, load_data(config))
        state[TRAINER] = trainer
        state[TRAINER_UPLOAD] = uploaded  # a new file with the same config must retrain
        if stale:
            state[PLAYING] = False
    return trainer


def toggle_play() -> None:
    st.session_state[PLAYING] = not st.session_state[PLAYING]


def step_once() -> None:
    st.session_state[PLAYING] = False
    trainer = st.session_state.get(TRAINER)
    if trainer is not None:
        trainer.step(1)


def reset() -> None:
    st.session_state[PLAYING] = False
    st.session_state.pop(TRAINER, None)


# ---- live view ---------------------------------------------------------------------


def live_view(config: PlaygroundConfig, trainer) -> None:
    """The part of the page that moves: epoch and losses, network, surface, loss curves.

    While playing it is a fragment that reruns every `UPDATE_INTERVAL` seconds, and each
    run trains and redraws into the same placeholders in a loop for `LIVE_SECONDS`, at
    most one frame per `FRAME_SECONDS`: a fragment rerun per frame waits on a round
    trip to the browser, a redraw in place does not. Pressing Pause (or any widget)
    interrupts the loop, as any rerun does. Frames while playing are pictures
    (`live_frame`); paused, the page shows the interactive Plotly charts.
    """
    playing = st.session_state[PLAYING]
    st.session_state[IN_FULL_RUN] = True

    @st.fragment(run_every=UPDATE_INTERVAL if playing else None)
    def _live():
        header, chart = st.empty(), st.empty()
        # In a run of the whole page draw one frame and let the rest of the page
        # render; the fragment's own reruns do the looping.
        full_run = st.session_state.pop(IN_FULL_RUN, False)
        deadline = time.monotonic() + (0.0 if full_run else LIVE_SECONDS)
        while True:
            frame_start = time.monotonic()
            if st.session_state[PLAYING]:
                trainer.step(st.session_state[SPEED])
            history = trainer.history
            diverged = not math.isfinite(history["loss"][-1])
            header.markdown(
                f"**Epoch {trainer.epoch:,}** · training loss {history['loss'][-1]:.4f} · "
                f"test loss {history['test_loss'][-1]:.4f}"
            )
            grids = trainer.grids()
            if st.session_state[PLAYING]:
                chart.image(live_frame_png(config, trainer, grids))
            else:
                chart.plotly_chart(dashboard_figure(config, trainer, grids), config={"displayModeBar": False})
            if diverged or not st.session_state[PLAYING] or time.monotonic() > deadline:
                break
            time.sleep(max(0.0, FRAME_SECONDS - (time.monotonic() - frame_start)))
        if diverged:
            st.error("The loss is no longer a number: training diverged. Lower the learning rate and press Reset.")
            if st.session_state[PLAYING]:
                st.session_state[PLAYING] = False
                st.rerun()

    _live()
