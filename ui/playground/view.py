"""The Playground page's state, its controls' callbacks and its live view.

State: the experiment and the view's settings are the page's `PlaygroundForm`
(`core.forms.playground`), bound by `ui.state` like every page's form: kept for the
session, mirrored into the URL, read back from a link (with `check`, this server's
limits), hidden control by control by a lesson link. The other session-state keys,
the running model's, start with "playground.".

`live_view` is the part of the page that moves: it trains and redraws the one view
of `ui.playground.figures` (a picture a frame while playing; the same picture with
hover and click targets when paused, where a click opens a link's weight or a
neuron's bias in `ui.playground.editor`). A change of learning rate, regularization,
batch size, optimizer or loss goes to the running model; any other change starts a
new run. On a hosted server `core.playground.limits` caps what a visitor can ask.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import streamlit as st

from core.forms.playground import EPOCHS_PER_UPDATE, PlaygroundForm, to_config
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
from ui import state as page_state
from ui.playground import editor
from ui.playground.figures import WIDTH, draw_view, encode, hover_layout, hover_values, snapshot, view_figure
from ui.playground.hover import VIEW_KEY, hover_preview, show_values, values_slot
from ui.state import PageForm

UPDATE_INTERVAL = 0.2  # seconds before a finished live run starts the next, while playing
LIVE_SECONDS = 30.0  # one live run redraws in a loop this long, then hands back to Streamlit
FRAME_SECONDS = 1 / 30  # at most 30 frames a second: more only floods the browser
DROPOUT_RATES = (0.0, 0.1, 0.2, 0.3, 0.5)
# Draws and encodes a frame while the script thread trains the next chunk: TensorFlow
# and Pillow both release the GIL, so on two cores the two overlap.
_PAINTER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="playground-frame")

PAGE = "playground"  # the form's name: "playground.form" in the session, widgets "playground.<field>"
# Controls a lesson link may hide beside the form's fields (`dataset`, `features`,
# `hidden_layers`, `seed` for Regenerate, ...): the CSV upload, the weight editor and
# the generated code.
CONTROLS = ("upload", "editor", "code")

# Session-state keys.
PREFIX = PAGE + "."
PLAYING = PREFIX + "playing"
TRAINER = PREFIX + "trainer"
UPLOADED = PREFIX + "uploaded"
UPLOAD_ERROR = PREFIX + "upload_error"
UPLOAD_WIDGET = PREFIX + "upload_file"
TRAINER_UPLOAD = PREFIX + "trainer_upload"  # the upload the trainer learned from
IN_FULL_RUN = PREFIX + "in_full_run"  # set while the whole page (not just the fragment) runs
FOCUS = PREFIX + "focus"  # (column, row) of the neuron shown large, or None
CHART = PREFIX + "chart"  # the paused chart's selection
# Set by a click that changed what lies outside the chart (the editor): the fragment
# that holds the chart then reruns the whole page, see `on_chart_click`.
RERUN_PAGE = PREFIX + "rerun_page"
STEP_ERROR = PREFIX + "step_error"  # a hosted limit that stopped the run


def key(name: str) -> str:
    """The session-state key of a widget or value of this page."""
    return PREFIX + name


def limits() -> PlaygroundLimits:
    """This server's Playground caps (hosted or not), read from the environment."""
    return PlaygroundLimits.from_env()


def speeds() -> tuple[int, ...]:
    """The epochs-per-update choices this server allows."""
    return tuple(n for n in EPOCHS_PER_UPDATE if n <= limits().max_epochs_per_update)


# ---- state -------------------------------------------------------------------------


def check(form: PlaygroundForm) -> None:
    """Raises `ValueError` for a link's form this page cannot open here: an experiment
    that does not validate, or a network or a speed past this server's limits."""
    cap = limits()
    cap.check_network(to_config(form).hidden_layers)
    cap.check_step(0, form.epochs_per_update)


def bind() -> PageForm:
    """The page's form for this run (`ui.state.bind`), and the running model's state."""
    st.session_state.setdefault(PLAYING, False)
    st.session_state.setdefault(FOCUS, None)
    form = page_state.bind(PAGE, PlaygroundForm, check=check, controls=CONTROLS)
    if form.value.dataset == UPLOAD and UPLOAD not in dataset_options(form.value.problem):
        # Only a link gets here: it names the points of a file it cannot carry. The
        # problem type stays, with its first data set.
        form.set(dataset=_datasets(form.value.problem)[0])
        form.warn("The link names uploaded points, which links cannot carry; upload the CSV file again.")
    return form


def _datasets(problem: str) -> tuple[str, ...]:
    return CLASSIFICATION_DATASETS if problem == "classification" else REGRESSION_DATASETS


def dataset_options(problem: str) -> list[str]:
    """The data sets the radio offers: the problem's own, plus a fitting upload."""
    uploaded = st.session_state.get(UPLOADED)
    extra = [UPLOAD] if uploaded is not None and uploaded.problem == problem else []
    return list(_datasets(problem)) + extra


def problem_changes(form: PageForm, problem: str) -> dict:
    """A new problem type, with a data set of that type."""
    dataset = form.value.dataset
    return {"problem": problem, "dataset": dataset if dataset in dataset_options(problem) else _datasets(problem)[0]}


def feature_changes(form: PageForm, name: str, on: bool) -> dict:
    """Feature `name` switched on or off."""
    features = set(form.value.features) - {name} | ({name} if on else set())
    return {"features": tuple(feature for feature in FEATURES if feature in features)}


def dropout_changes(form: PageForm, index: int, rate: float) -> dict:
    """Hidden layer `index`'s dropout rate set to `rate`."""
    rates = list(form.value.dropout or (0.0,) * len(form.value.hidden_layers))
    rates[index] = rate
    return {"dropout": tuple(rates)}


def menu(options: tuple[float, ...], value: float) -> list[float]:
    """A menu's choices, with the form's value among them even when a link brought
    one the menu lacks (any value in range makes a valid experiment)."""
    return sorted(set(options) | {value})


def on_upload(form: PageForm) -> None:
    """Parses an uploaded CSV; a good one becomes the data set, a bad one an error."""
    state = st.session_state
    file = state.get(UPLOAD_WIDGET)
    state[UPLOAD_ERROR] = None
    if file is None:
        state[UPLOADED] = None
        if form.value.dataset == UPLOAD:
            form.set(dataset=_datasets(form.value.problem)[0])
        return
    try:
        uploaded = parse_points_csv(file.getvalue(), file.name, max_rows=limits().max_points)
    except ValueError as error:
        # The error is shown; the points of an earlier good file stay in use.
        state[UPLOAD_ERROR] = str(error)
        return
    state[UPLOADED] = uploaded
    form.set(problem=uploaded.problem, dataset=UPLOAD)
    state[PLAYING] = False


def regenerate(form: PageForm) -> None:
    """New points and new initial weights: a fresh seed."""
    form.set(seed=int(np.random.default_rng().integers(0, 2**31 - 1)))


def change_layers(form: PageForm, delta: int) -> None:
    """Adds (delta=+1) or removes (delta=-1) the last hidden layer."""
    layers = form.value.hidden_layers
    cap = limits()
    if delta > 0 and len(layers) < cap.max_hidden_layers:
        form.set(hidden_layers=layers + (min(layers[-1] if layers else 4, cap.max_units),))
    elif delta < 0 and layers:
        form.set(hidden_layers=layers[:-1])


def change_units(form: PageForm, index: int, delta: int) -> None:
    """Adds or removes one neuron of hidden layer `index`, keeping 1 to 8."""
    layers = list(form.value.hidden_layers)
    layers[index] = min(limits().max_units, max(1, layers[index] + delta))
    form.set(hidden_layers=tuple(layers))


def network_controls(form: PageForm) -> None:
    """The hidden layers: a layer more or fewer, a neuron more or fewer in each (the
    `hidden_layers` control), and each layer's dropout rate (`dropout`)."""
    layers = form.value.hidden_layers
    rates = form.value.dropout or (0.0,) * len(layers)
    cap = limits()
    with st.columns([2.5, 7])[0]:
        minus, label, plus = st.columns([1, 3, 1], vertical_alignment="center")
        label.markdown(f"**{len(layers)} hidden layer{'s' * (len(layers) != 1)}**")
        if form.shown("hidden_layers"):
            minus.button(
                "",
                icon=":material/remove:",
                key=key("remove_layer"),
                on_click=change_layers,
                args=(form, -1),
                disabled=not layers,
                help="Remove the last hidden layer",
            )
            plus.button(
                "",
                icon=":material/add:",
                key=key("add_layer"),
                on_click=change_layers,
                args=(form, 1),
                disabled=len(layers) >= cap.max_hidden_layers,
                help="Add a hidden layer",
            )
    for index, column in enumerate(st.columns(6)[: len(layers)] if layers else []):
        minus, label, plus = column.columns([1, 2, 1], vertical_alignment="center")
        label.caption(f"Layer {index + 1}: {layers[index]} neuron{'s' * (layers[index] != 1)}")
        if form.shown("hidden_layers"):
            minus.button(
                "",
                icon=":material/remove:",
                key=key(f"units_minus_{index}"),
                on_click=change_units,
                args=(form, index, -1),
                disabled=layers[index] <= 1,
                help=f"One neuron fewer in layer {index + 1}",
            )
            plus.button(
                "",
                icon=":material/add:",
                key=key(f"units_plus_{index}"),
                on_click=change_units,
                args=(form, index, 1),
                disabled=layers[index] >= cap.max_units,
                help=f"One neuron more in layer {index + 1}",
            )
        form.widget(
            "dropout",
            column.selectbox,
            f"Dropout, layer {index + 1}",
            menu(DROPOUT_RATES, rates[index]),
            key=f"dropout_{index}",
            to_widget=lambda rates, index=index: (rates or (0.0,) * len(layers))[index],
            from_widget=lambda rate, index=index: dropout_changes(form, index, rate),
            format_func=lambda rate: f"dropout {rate:.0%}" if rate else "no dropout",
            label_visibility="collapsed",
        )


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


def live_view(config: PlaygroundConfig, trainer, form: PlaygroundForm) -> None:
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
    The page's `form` gives the view's settings: epochs per update, test points, discretize.
    """
    playing = st.session_state[PLAYING]
    st.session_state[IN_FULL_RUN] = True
    hover_preview(hover_layout(config, trainer, show_test=form.show_test_data))

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
        options = dict(show_test=form.show_test_data, discretize=form.discretize, focus=state.get(FOCUS))

        def paint(shot):
            return shot, encode(draw_view(config, shot, shot.grids, **options).image)

        while True:
            frame_start = time.monotonic()
            if state[PLAYING] and full_run:  # one frame only: train, then show the result
                train(trainer, form.epochs_per_update)
                shot = snapshot(trainer)
                picture = paint(shot)[1]
            elif state[PLAYING]:
                # This frame shows the state before the chunk that trains meanwhile.
                frame = _PAINTER.submit(paint, snapshot(trainer))
                train(trainer, form.epochs_per_update)
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
