"""The Playground page's session-state glue and its live view.

State: every session-state key starts with "playground."; the widgets' keys hold
the experiment, `read_config` turns them into a `PlaygroundConfig`, and the URL's
query parameters mirror that config both ways.

`live_view` is the part of the page that moves: it trains and redraws the one view
of `ui.playground.figures` (a picture a frame while playing; the same picture with
hover and click targets when paused, where a click opens a link's weight or a
neuron's bias in `ui.playground.editor`). A change of learning rate, regularization,
batch size, optimizer or loss goes to the running model; any other change starts a
new run. On a hosted server `core.playground.limits` caps what a visitor can ask.
"""

from __future__ import annotations

import math
import re
import time
from concurrent.futures import ThreadPoolExecutor

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
from core.playground.limits import PlaygroundLimits
from core.playground.upload import UploadedPoints, parse_points_csv
from ui.playground import editor
from ui.playground.figures import WIDTH, draw_view, encode, hover_layout, hover_values, snapshot, view_figure
from ui.playground.hover import VIEW_KEY, hover_preview, show_values, values_slot

UPDATE_INTERVAL = 0.2  # seconds before a finished live run starts the next, while playing
LIVE_SECONDS = 30.0  # one live run redraws in a loop this long, then hands back to Streamlit
FRAME_SECONDS = 1 / 30  # at most 30 frames a second: more only floods the browser
EPOCHS_PER_UPDATE = (1, 2, 5, 10, 25)
DROPOUT_RATES = (0.0, 0.1, 0.2, 0.3, 0.5)
# Draws and encodes a frame while the script thread trains the next chunk: TensorFlow
# and Pillow both release the GIL, so on two cores the two overlap.
_PAINTER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="playground-frame")

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
SHOW_TEST = PREFIX + "show_test"
DISCRETIZE = PREFIX + "discretize"
FOCUS = PREFIX + "focus"  # (column, row) of the neuron shown large, or None
CHART = PREFIX + "chart"  # the paused chart's selection
# Set by a click that changed what lies outside the chart (the editor): the fragment
# that holds the chart then reruns the whole page, see `on_chart_click`.
RERUN_PAGE = PREFIX + "rerun_page"
STEP_ERROR = PREFIX + "step_error"  # a hosted limit that stopped the run
# Copies of view widgets' values, which Streamlit drops while another page shows.
SPEED_KEPT, SHOW_TEST_KEPT, DISCRETIZE_KEPT = SPEED + ".kept", SHOW_TEST + ".kept", DISCRETIZE + ".kept"
# The view's settings in the URL, beside the config's fields, and their defaults.
SPEED_PARAM, SHOW_TEST_PARAM, DISCRETIZE_PARAM = "epochs_per_update", "show_test_data", "discretize"
DEFAULT_SPEED, DEFAULT_SHOW_TEST, DEFAULT_DISCRETIZE = 5, True, False
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


def dropout_key(index: int) -> str:
    return PREFIX + f"dropout_{index}"


def limits() -> PlaygroundLimits:
    """This server's Playground caps (hosted or not), read from the environment."""
    return PlaygroundLimits.from_env()


def speeds() -> tuple[int, ...]:
    """The epochs-per-update choices this server allows."""
    return tuple(n for n in EPOCHS_PER_UPDATE if n <= limits().max_epochs_per_update)


# ---- state -------------------------------------------------------------------------


def _write_widgets(config: PlaygroundConfig) -> None:
    state = st.session_state
    for name in FIELD_WIDGETS:
        state[key(name)] = getattr(config, name)
    for name in FEATURES:
        state[feature_key(name)] = name in config.features
    state[LAYERS] = list(config.hidden_layers)
    for index, rate in enumerate(config.dropout_rates):  # the menu's nearest rate
        state[dropout_key(index)] = min(DROPOUT_RATES, key=lambda choice: abs(choice - rate))
    state[SEED] = config.seed


def init_state() -> None:
    """On a session's first visit, loads the experiment from the URL (or the defaults)."""
    state = st.session_state
    if state.get(INITIALIZED):
        # Streamlit drops a widget's value while its page is not shown; coming back,
        # restore the experiment from the last config instead of the defaults.
        if CONFIG in state and any(key(name) not in state for name in FIELD_WIDGETS):
            _write_widgets(state[CONFIG])
        state.setdefault(SPEED, state.get(SPEED_KEPT, DEFAULT_SPEED))
        state.setdefault(SHOW_TEST, state.get(SHOW_TEST_KEPT, DEFAULT_SHOW_TEST))
        state.setdefault(DISCRETIZE, state.get(DISCRETIZE_KEPT, DEFAULT_DISCRETIZE))
        return
    config, warnings = PlaygroundConfig.from_query_params(st.query_params.to_dict())
    if config.dataset == UPLOAD and state.get(UPLOADED) is None:
        warnings.append("The link names uploaded points, which links cannot carry; upload the CSV again.")
        config = config.replace(dataset=_datasets(config.problem)[0])
    try:
        limits().check_network(config.hidden_layers)
    except ValueError as error:
        warnings.append(f"{error} The link's network was replaced by the default one.")
        config = config.replace(hidden_layers=PlaygroundConfig().hidden_layers, dropout=())
    _write_widgets(config)
    state[PLAYING] = False
    state[SPEED], state[SHOW_TEST], state[DISCRETIZE] = _read_view_params(st.query_params.to_dict(), warnings)
    state[FOCUS] = None
    state[LINK_WARNINGS] = warnings
    state[INITIALIZED] = True


def _read_view_params(params: dict[str, str], warnings: list[str]) -> tuple[int, bool, bool]:
    """The view's settings a link carries (epochs per update, test points shown,
    output discretized); a bad one falls back to its default, with a warning."""
    speed = params.get(SPEED_PARAM, str(DEFAULT_SPEED))
    if speed not in [str(n) for n in speeds()]:
        warnings.append(
            f"Ignored `{SPEED_PARAM}={speed}` from the link, expected one of {', '.join(str(n) for n in speeds())}."
        )
        speed = str(DEFAULT_SPEED)
    toggles = []
    for name, default in ((SHOW_TEST_PARAM, DEFAULT_SHOW_TEST), (DISCRETIZE_PARAM, DEFAULT_DISCRETIZE)):
        text = params.get(name, _flag(default))
        if text.lower() not in ("true", "false"):
            warnings.append(f"Ignored `{name}={text}` from the link, expected true or false; using {_flag(default)}.")
            text = _flag(default)
        toggles.append(text.lower() == "true")
    return int(speed), *toggles


def _flag(value: bool) -> str:
    return "true" if value else "false"


def view_query_params(speed: int, show_test: bool, discretize: bool) -> dict[str, str]:
    """The view's settings as query parameters, written (like the config's fields)
    whether or not they are the defaults."""
    return {SPEED_PARAM: str(speed), SHOW_TEST_PARAM: _flag(show_test), DISCRETIZE_PARAM: _flag(discretize)}


WORD_JOINER = "\u2060"  # invisible, and no line break at it


def plain_markdown(text: str) -> str:
    """`text` escaped so that `st.warning` and the like show it as it is: a link's
    values are the visitor's (or whoever sent the link), so none of them may turn into
    a link, an image, a heading or coloured text. Every ASCII punctuation mark gets a
    backslash and line breaks become spaces. Escapes do not stop the browser's
    markdown from making a link of a bare address (`http://…`, `www.…`, `name@host`),
    so an invisible word joiner goes after each `:` and `@` and into each `www`: the
    text reads the same and is no address any more."""
    escaped = re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", " ".join(text.split()))
    escaped = re.sub(r"(?i)w(?=ww)", lambda match: match.group(0) + WORD_JOINER, escaped)
    return escaped.replace(":", ":" + WORD_JOINER).replace("@", "@" + WORD_JOINER)


def read_config() -> PlaygroundConfig:
    """The experiment the widgets describe. Raises `ValueError` for a bad combination."""
    state = st.session_state
    values = {name: state[key(name)] for name in FIELD_WIDGETS}
    features = tuple(name for name in FEATURES if state[feature_key(name)])
    layers = tuple(state[LAYERS])
    dropout = tuple(float(state.get(dropout_key(index), 0.0)) for index in range(len(layers)))
    return PlaygroundConfig(**values, features=features, hidden_layers=layers, dropout=dropout, seed=state[SEED])


def sync_query_params(config: PlaygroundConfig) -> None:
    """Writes the config into the URL, so a copied link reopens this experiment, and
    remembers it for when the learner comes back from another page."""
    state = st.session_state
    state[CONFIG] = config
    state[SPEED_KEPT], state[SHOW_TEST_KEPT], state[DISCRETIZE_KEPT] = state[SPEED], state[SHOW_TEST], state[DISCRETIZE]
    params = {**config.to_query_params(), **view_query_params(state[SPEED], state[SHOW_TEST], state[DISCRETIZE])}
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
        uploaded = parse_points_csv(file.getvalue(), file.name, max_rows=limits().max_points)
    except ValueError as error:
        # The error is shown; the points of an earlier good file stay in use.
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
    cap = limits()
    if delta > 0 and len(layers) < cap.max_hidden_layers:
        layers.append(min(layers[-1] if layers else 4, cap.max_units))
    elif delta < 0 and layers:
        layers.pop()


def change_units(index: int, delta: int) -> None:
    """Adds or removes one neuron of hidden layer `index`, keeping 1 to 8."""
    layers = st.session_state[LAYERS]
    layers[index] = min(limits().max_units, max(1, layers[index] + delta))


def load_data(config: PlaygroundConfig):
    """The experiment's points, split: generated, or the uploaded ones."""
    if config.dataset == UPLOAD:
        uploaded: UploadedPoints = st.session_state[UPLOADED]
        points, labels = uploaded.points, uploaded.labels
    else:
        points, labels = make_dataset(config.dataset, noise=config.noise / 100, seed=config.seed)
    return split_dataset(points, labels, config.train_ratio / 100, config.seed)


def current_trainer(config: PlaygroundConfig, *, reset: bool = False):
    """The session's trainer for `config`. A change of the training recipe alone
    (learning rate, regularization, batch size, optimizer, loss) goes to the running
    trainer; any other change (or reset) starts afresh.

    Raises:
        ValueError: for a network bigger than this server's limits allow.
    """
    from core.playground.model import Trainer

    state = st.session_state
    cap = limits()
    cap.check_network(config.hidden_layers)
    trainer = state.get(TRAINER)
    uploaded = state.get(UPLOADED) if config.dataset == UPLOAD else None
    stale = trainer is None or not trainer.config.same_structure(config) or state.get(TRAINER_UPLOAD) is not uploaded
    if not (reset or stale) and trainer.config != config:
        trainer.update(config)  # the same run goes on with the new recipe
    if reset or stale:
        cap.check_resolution(cap.resolution)
        trainer = Trainer(config, load_data(config), resolution=cap.resolution)
        state[FOCUS] = None
        state[STEP_ERROR] = None
        editor.forget_typed()  # a value typed for the old model
        state[TRAINER] = trainer
        state[TRAINER_UPLOAD] = uploaded  # a new file with the same config must retrain
        if stale:
            state[PLAYING] = False
    return trainer


def toggle_play() -> None:
    st.session_state[PLAYING] = not st.session_state[PLAYING]
    editor.forget_typed()


def train(trainer, epochs: int) -> bool:
    """Trains `epochs` more epochs if this server allows it; else pauses and keeps the
    reason in `STEP_ERROR` for the page to show. Returns whether it trained."""
    try:
        limits().check_step(trainer.epoch, epochs)
    except ValueError as error:
        st.session_state[STEP_ERROR] = str(error)
        st.session_state[PLAYING] = False
        return False
    trainer.step(epochs)
    return True


def step_once() -> None:
    st.session_state[PLAYING] = False
    editor.forget_typed()
    trainer = st.session_state.get(TRAINER)
    if trainer is not None:
        train(trainer, 1)


def reset() -> None:
    st.session_state[PLAYING] = False
    editor.forget_typed()
    st.session_state[STEP_ERROR] = None
    st.session_state.pop(TRAINER, None)


def on_chart_click() -> None:
    """A click on the paused chart: a link opens in the editor; a neuron shows large
    (a second click on it shows the output again) and its bias opens in the editor.

    The chart lives in the live view's fragment, so a click reruns that fragment
    alone, and the editor below it would keep showing the old item (and send it back
    on the next run, undoing the click). A click that opens an item therefore asks
    the fragment to rerun the whole page instead (`RERUN_PAGE`).
    """
    state = st.session_state
    points = state[CHART].selection.get("points", []) if state.get(CHART) else []
    if not points or "customdata" not in points[0]:
        return
    kind, *where = points[0]["customdata"]
    where = tuple(int(v) for v in where)
    if kind == "node":
        state[FOCUS] = None if state.get(FOCUS) == where else where
    item = editor.item_of_click(kind, where)
    if item is not None:
        editor.pick(item)
        state[RERUN_PAGE] = True


# ---- live view ---------------------------------------------------------------------


def _header(placeholder, shot) -> None:
    history = shot.history
    placeholder.markdown(
        f"**Epoch {shot.epoch:,}** · training loss {history['loss'][-1]:.4f} · test loss {history['test_loss'][-1]:.4f}"
    )


def live_view(config: PlaygroundConfig, trainer) -> None:
    """The part of the page that moves: epoch and losses, then the one view (network,
    surface, loss curves).

    While playing it is a fragment that reruns every `UPDATE_INTERVAL` seconds, and each
    run trains and redraws into the same placeholder in a loop for `LIVE_SECONDS`, at
    most one frame per `FRAME_SECONDS`: a fragment rerun per frame waits on a round
    trip to the browser, a redraw in place does not. Pressing Pause (or any widget)
    interrupts the loop, as any rerun does. Playing, each frame is the view's picture;
    paused, the same picture carries hover and click targets (`view_figure`), so the
    page looks the same in both states. In both, hovering a neuron shows its heatmap
    large over the surface (`ui.playground.hover`), in the browser alone; playing, the
    same script labels a hovered link or neuron with its weight or bias in the frame.
    """
    playing = st.session_state[PLAYING]
    st.session_state[IN_FULL_RUN] = True
    hover_preview(hover_layout(config, trainer, show_test=st.session_state[SHOW_TEST]))

    @st.fragment(run_every=UPDATE_INTERVAL if playing else None)
    def _live():
        state = st.session_state
        # In a run of the whole page draw one frame and let the rest of the page
        # render; the fragment's own reruns do the looping.
        full_run = state.pop(IN_FULL_RUN, False)
        if state.pop(RERUN_PAGE, False) and not full_run:
            st.rerun()  # a click opened an item in the editor, outside this fragment
        view = st.container(key=VIEW_KEY)  # where the hover preview finds the picture
        header, chart = view.empty(), view.empty()
        values = values_slot(view)  # each frame's weights and biases, for the hover labels
        deadline = time.monotonic() + (0.0 if full_run else LIVE_SECONDS)
        options = dict(show_test=state[SHOW_TEST], discretize=state[DISCRETIZE], focus=state.get(FOCUS))

        def paint(shot):
            return shot, encode(draw_view(config, shot, shot.grids, **options).image)

        while True:
            frame_start = time.monotonic()
            if state[PLAYING] and full_run:  # one frame only: train, then show the result
                train(trainer, state[SPEED])
                shot = snapshot(trainer)
                picture = paint(shot)[1]
            elif state[PLAYING]:
                # This frame shows the state before the chunk that trains meanwhile.
                frame = _PAINTER.submit(paint, snapshot(trainer))
                train(trainer, state[SPEED])
                shot, picture = frame.result()
            else:
                shot = snapshot(trainer)
            _header(header, shot)
            show_values(values, hover_values(shot))
            if state[PLAYING]:
                chart.image(picture, width=WIDTH)
            else:
                chart.plotly_chart(
                    view_figure(draw_view(config, shot, shot.grids, **options)),
                    key=CHART,
                    on_select=on_chart_click,
                    selection_mode="points",
                    width="content",
                    config={"displayModeBar": False},
                )
            diverged = not math.isfinite(trainer.history["loss"][-1])
            if diverged or not state[PLAYING] or time.monotonic() > deadline:
                break
            time.sleep(max(0.0, FRAME_SECONDS - (time.monotonic() - frame_start)))
        if state.get(STEP_ERROR):
            st.error(state[STEP_ERROR])
        if diverged:
            st.error("The loss is no longer a number: training diverged. Lower the learning rate and press Reset.")
        if (diverged or state.get(STEP_ERROR)) and playing:
            state[PLAYING] = False
            st.rerun()

    _live()
