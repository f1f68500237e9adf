"""The sections of the Predictions page: pick a model, predict, download, manage, upload.

A "run" here is either a `core.store.StoredRun` (trained on another page, shared by
every session) or a `core.predictions.predict.UploadedModel` (uploaded by this user, kept in this
session only). Both have `key`, `config`, `meta`, `history`, `arrays` and
`load_model()`, so every section below takes either.

What the user sets is the page's `core.forms.predictions.PredictionsForm` (`form`, bound
by the page with `ui.state.bind`): the run shown is its key there, never a row number.
"""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from core import access, forms, runs, workers
from core.data import DatasetUnavailableError
from core.experiments.compare import METRIC_TITLES
from core.experiments.tensorboard import tensorboard_zip
from core.forms.predictions import MAX_MORE_EPOCHS, PEN_WIDTHS
from core.predictions import images, predict
from core.regression.housing import round_to_error
from core.store import RunStore
from ui import cache, charts, run_view, widgets
from ui.predictions.figures import DATASET_TITLES, runs_table
from ui.regression.figures import learning_curves as regression_curves
from ui.state import PageForm, plain_markdown

PREFIX = "predictions"
UPLOADS_KEY = f"{PREFIX}.uploads"  # {key: UploadedModel}, this session only
PENDING_KEY = f"{PREFIX}.pending"  # an uploaded file loaded but not yet evaluated
SAMPLE_RESULT_KEY = f"{PREFIX}.sample_result"  # (run key, features, prediction) of the last sample
TAB_TITLES = {"predict": "Predict", "take_away": "Take it away", "details": "Details & delete"}
# Material icons rather than emoji: they render without an emoji font.
RIGHT = ":green[:material/check_circle: right]"
WRONG = ":red[:material/cancel: wrong]"
MAX_UPLOADS = 3  # models kept per session: each holds its weights in memory
NUM_IMAGES = 6
OPERATOR_KEY = f"{PREFIX}.operator_key"
OPERATOR_SECRET = "operator_key"  # in .streamlit/secrets.toml
_log = logging.getLogger(__name__)


def guarded(what: str):
    """Shows a bug in a section as a message rather than a traceback (which names
    server paths): the details go to the server's log, and the rest of the page renders.
    Streamlit's own reruns and stops are not exceptions, so they pass."""

    def decorate(section):
        @functools.wraps(section)
        def run(*args, **kwargs):
            try:
                return section(*args, **kwargs)
            except Exception as error:  # a bug: logged with its traceback, not shown
                _log.exception("%s failed", what)
                st.error(
                    f"Something went wrong while {what} ({type(error).__name__}); the details are in the "
                    "server's log. The rest of the page still works: try another file or another run.",
                    icon=":material/error:",
                )
                return None

        return run

    return decorate


def show_problems(problems: list[str]) -> None:
    """The store's warnings; on a hosted server, without the server's paths (logged whole)."""
    for problem in problems:
        _log.warning("store: %s", problem)
        st.warning(access.redact_paths(problem) if access.hosted() else problem, icon=":material/warning:")


def _detail(error: Exception) -> str:
    """`Type: message` of an error, for a message; on a hosted server without paths."""
    _log.warning("predictions: %s: %s", type(error).__name__, error)
    text = f"{type(error).__name__}: {error}"
    return access.redact_paths(text) if access.hosted() else text


def _operator_key_expected() -> str:
    try:
        secret = st.secrets.get(OPERATOR_SECRET)
    except Exception:  # no secrets file: Streamlit raises rather than returning None
        secret = None
    return str(secret or access.operator_key_from_env() or "")


def may_delete(key: str) -> bool:
    """Whether this visitor may delete the stored run `key` (see `core.access.may_delete`)."""
    return access.may_delete(
        key,
        hosted=access.hosted(),
        trained_here=run_view.trained_here(),
        operator_key_given=st.session_state.get(OPERATOR_KEY),
        operator_key_expected=_operator_key_expected(),
    )


def operator_key_field() -> None:
    """The operator key, asked for on a hosted server only (in a delete popover)."""
    if access.hosted():
        st.text_input(
            "Operator key (to delete runs others trained)",
            type="password",
            key=OPERATOR_KEY,
            help="Set by whoever runs this server (MLP_EXPLORER_OPERATOR_KEY or the operator_key secret).",
        )


@st.cache_resource(show_spinner="Loading the model…", max_entries=4)
def _stored_model(path: str, created: float):
    # `created` is part of the key: a run deleted and trained again is a new model.
    import keras

    return keras.saving.load_model(Path(path) / "model.keras", compile=False)


@st.cache_resource(show_spinner="Loading the data set…", max_entries=2)
def _regression_data(name: str):
    from core.regression.housing import load_regression_data

    return load_regression_data(name)


def load_model(run):
    """The run's Keras model (cached for stored runs); `None` after an error message."""
    if isinstance(run, predict.UploadedModel):
        return run.model
    try:
        return _stored_model(str(run.path), run.meta.get("created", 0.0))
    except (OSError, ValueError) as error:
        st.error(
            f"The model of run {run.key} could not be loaded ({_detail(error)}); it may "
            "have been removed from the store meanwhile. Pick another run or train it again.",
            icon=":material/error:",
        )
        return None


def _uploads() -> dict:
    return st.session_state.setdefault(UPLOADS_KEY, {})


def _no_model_message() -> None:
    st.info(
        "No trained model yet. Train one on a page below (each trained run is kept and "
        "appears here), or bring your own `.keras` file further down.",
        icon=":material/info:",
    )
    widgets.training_page_links()


def _selection(rows: list[int]) -> dict:
    return {"selection": {"rows": rows, "columns": [], "cells": []}}


def _table(data, *, key: str, on_change, args, value: dict, **kwargs) -> None:
    # `st.dataframe` names its callback `on_select` and passes it no arguments; the
    # form's selection is its default, what a table mounted afresh shows.
    st.dataframe(data, key=key, on_select=lambda: on_change(*args), selection_default=value, **kwargs)


def pick_model(form: PageForm, store: RunStore):
    """The table of runs (stored and uploaded) with one row selectable; returns the run
    shown, or `None` (with links to the training pages) when there is none.

    The selection is the form's run key: the row follows its run when newer runs push
    it down, and a run deleted meanwhile (by another visitor, or gone from a link) is
    dropped with a message rather than another run taking its row."""
    runs = store.list_runs() + list(_uploads().values())
    show_problems(store.problems)
    if not runs:
        _no_model_message()
        return None
    runs.sort(key=lambda run: run.meta.get("created", 0), reverse=True)
    keys = [run.key for run in runs]
    if form.value.selected and form.value.selected not in keys:
        st.warning(
            plain_markdown(
                f"Run {forms.echo(form.value.selected)} is not in the store any more (deleted meanwhile, or "
                "never trained here): showing the newest model instead."
            ),
            icon=":material/link_off:",
        )
        form.set(selected="")
    form.widget(
        "selected",
        _table,
        runs_table(runs),
        # Rows are positions in this table; `keys` is the table the user clicks on.
        to_widget=lambda key: _selection([keys.index(key)] if key in keys else []),
        from_widget=lambda state: {
            "selected": next((keys[row] for row in state["selection"]["rows"] if row < len(keys)), "")
        },
        selection_mode="single-row",
        hide_index=True,
        column_config={
            "Architecture": st.column_config.TextColumn(width="medium"),
            "Parameters": st.column_config.NumberColumn(format="localized"),
            "Value": st.column_config.NumberColumn(format="%.4f"),
            **{title: st.column_config.NumberColumn(format="%.4f") for title in METRIC_TITLES.values()},
            "Training time (s)": st.column_config.NumberColumn(format="%.1f"),
            "Trained": st.column_config.DatetimeColumn("Trained (UTC)", format="YYYY-MM-DD HH:mm"),
        },
    )
    selected = form.value.selected
    bound = f" of at most {store.max_bytes / 2**20:,.0f} MB" if store.max_bytes else ""
    note = (
        f"{len(runs)} model(s); the store takes {store.size_bytes() / 2**20:,.1f} MB{bound} "
        "(the least recently used runs make room for new ones). Click a column to sort."
    )
    if selected not in keys:
        selected = keys[0]
        note = "Showing the newest model: select a row to pick another. " + note
    st.caption(note)
    return runs[keys.index(selected)]


def model_header(run) -> None:
    """What the run is and how good it is."""
    meta = run.meta
    source = f"uploaded as {meta.get('file_name')}" if meta.get("source") == "upload" else "from the store"
    kind = "Uploaded" if meta.get("source") == "upload" else runs.title_of(meta.get("kind"))
    st.subheader(f"{kind} model on {DATASET_TITLES.get(meta.get('dataset'), meta.get('dataset'))}")
    st.caption(f"{meta.get('architecture', '?')} · run {run.key}, {source}.")
    metrics = meta.get("test_metrics", {})
    labels = {"accuracy": "Test accuracy", "loss": "Test loss", "rmse": "Test RMSE", "mae": "Test MAE"}
    columns = st.columns(4)
    for column, (name, value) in zip(columns, [(n, v) for n, v in metrics.items() if n in labels]):
        column.metric(labels[name], f"{value:.2%}" if name == "accuracy" else f"{value:.4f}")
    columns[2].metric("Parameters", f"{meta.get('params', 0):,}")
    wall = meta.get("wall_time")
    columns[3].metric("Training time", f"{wall:.1f} s" if wall is not None else "–", help=meta.get("device"))


def predict_section(form: PageForm, run) -> None:
    """The "Predict" tab: test images, your own and a drawing for an image model; one
    sample and a CSV of them for a regression model."""
    if runs.takes_images(run.meta.get("kind")):
        st.markdown("##### Test images")
        test_images(form, run)
        st.markdown("##### Your own image")
        your_image(run)
        st.markdown("##### Draw one")
        draw_image(form, run)
    else:
        st.markdown("##### One sample")
        regression_form(form, run)
        st.markdown("##### Many samples from a CSV file")
        batch_predictions(run)


def manage_section(form: PageForm, run, store: RunStore) -> None:
    """The "Details & delete" tab."""
    continue_training(form, run)
    details(form, run, store)


def _image_card(column, data, proba: np.ndarray, index: int, *, key: str) -> None:
    true_label = int(data.y_test[index])
    predicted = int(np.argmax(proba))
    mark = RIGHT if predicted == true_label else WRONG
    with column.container(border=True):
        st.image(charts.upscale(data.x_test[index]), width=96)
        st.markdown(
            f"**{data.class_names[predicted]}** ({proba[predicted]:.0%}) {mark}  \n"
            f"true: {data.class_names[true_label]} · test #{index}"
        )
        st.plotly_chart(
            charts.probability_bars(proba, data.class_names, true_label), key=key, config={"displayModeBar": False}
        )


def _image_data(run):
    try:
        return cache.image_dataset(run.meta["dataset"])
    except DatasetUnavailableError as error:
        st.error(str(error), icon=":material/cloud_off:")
        return None


def test_images(form: PageForm, run) -> None:
    """Test images chosen by the user, each with its probabilities and the verdict."""
    data = _image_data(run)
    proba = run.arrays.get("test_proba")
    if data is None or proba is None or len(proba) != len(data.y_test):
        st.warning("This run has no test-set probabilities to show.", icon=":material/warning:")
        return
    mode = form.widget(
        "images",
        st.segmented_control,
        "Show",
        images.PICK_MODES,
        format_func=images.PICK_TITLES.get,
    )
    right, middle, _ = st.columns([1, 2, 3], vertical_alignment="bottom")
    true_class = None
    if mode == "by_class":
        true_class = form.widget(
            "image_class",
            middle.selectbox,
            "True class",
            range(data.num_classes),
            format_func=data.class_names.__getitem__,
        )
    if mode != "confidently_wrong" and not form.hidden("image_seed"):
        right.button(
            "Other images",
            icon=":material/shuffle:",
            key=f"{PREFIX}.shuffle",
            on_click=lambda: form.set(image_seed=int(time.time())),
        )
    picks = images.pick_test_images(
        proba, data.y_test, mode, k=NUM_IMAGES, true_class=true_class, seed=form.value.image_seed
    )
    wrong = int(np.sum(np.argmax(proba, axis=1) != data.y_test))
    st.caption(
        f"{wrong:,} of {len(data.y_test):,} test images are misclassified. The predicted class is "
        "`np.argmax(model.predict(X_new), axis=1)`; the bars are `model.predict(X_new)`."
    )
    if len(picks) == 0:
        st.info("No test image fits this choice: the model gets every one of them right.", icon=":material/check:")
        return
    for column, index in zip(st.columns(NUM_IMAGES), picks):
        _image_card(column, data, proba[index], int(index), key=f"{PREFIX}.card_{mode}_{index}")


@guarded("reading your image")
def _classify(run, data, image: bytes, refuse):
    """`(converted image, probabilities)` of one image for the run's model, or `None`
    when the image is refused (`refuse(message)` shows why) or the model cannot load."""
    try:
        converted = images.image_to_input(image, data.image_shape, dataset=data.name)
    except ValueError as error:
        refuse(str(error))
        return None
    model = load_model(run)
    if model is None:
        return None
    return converted, predict.predict_proba(model, converted.pixels[None])[0]


def your_image(run) -> None:
    """Upload a PNG or JPEG; see it converted to the model's input and classified."""
    data = _image_data(run)
    if data is None:
        return
    height, width = data.image_shape
    file = st.file_uploader(
        f"Your image (PNG or JPEG). It becomes a {height}×{width} grayscale image, light on dark like the "
        "training images.",
        type=["png", "jpg", "jpeg"],
        key=f"{PREFIX}.image",
        max_upload_size=images.MAX_IMAGE_BYTES // (1024 * 1024),
    )
    if file is None:
        return
    classified = _classify(
        run, data, file.getvalue(), lambda text: st.error(text, icon=":material/image_not_supported:")
    )
    if classified is None:
        return
    converted, proba = classified
    predicted = int(np.argmax(proba))
    original, small, verdict = st.columns([2, 2, 3])
    # The converted preview, not the file: a 16-bit PNG or a 1×5000 strip cannot be sent as is.
    original.image(converted.preview, caption=f"Uploaded, {converted.original_size[0]}×{converted.original_size[1]}")
    how = "inverted (it was dark on light), " if converted.inverted else ""
    small.image(charts.upscale(converted.pixels, 168), caption=f"What the model sees: {how}{height}×{width}")
    with verdict:
        truth = st.selectbox(
            "What is it really? (optional)",
            [None, *range(data.num_classes)],
            format_func=lambda i: "not saying" if i is None else data.class_names[i],
            key=f"{PREFIX}.image_truth",
        )
        mark = "" if truth is None else (f" {RIGHT}" if truth == predicted else f" {WRONG}")
        st.markdown(f"Prediction: **{data.class_names[predicted]}** ({proba[predicted]:.0%}){mark}")
        # Without a true class, the predicted bar is drawn in the accent colour.
        figure = charts.probability_bars(proba, data.class_names, truth)
        st.plotly_chart(figure, key=f"{PREFIX}.your_image_bars", config={"displayModeBar": False})


CANVAS_SIDE = 280  # 10 screen pixels per 28×28 input pixel


@guarded("reading your drawing")
def draw_image(form: PageForm, run) -> None:
    """Draw a digit or a garment with the mouse: each stroke is converted like an
    uploaded image (`core.predictions.images.image_to_input`, with all its limits, as
    the drawing comes from the browser) and the probabilities follow."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except ImportError:
        st.caption("Drawing needs the `streamlit-drawable-canvas` package: `pip install -r requirements.txt`.")
        return
    data = _image_data(run)
    if data is None:
        return
    canvas, result_column = st.columns([2, 3])
    with canvas:
        stroke = form.widget(
            "pen", st.slider, "Pen width", *PEN_WIDTHS, help="Thicker strokes look more like the data."
        )
        drawing = st_canvas(
            stroke_width=stroke,
            stroke_color="#000000",
            background_color="#ffffff",
            width=CANVAS_SIDE,
            height=CANVAS_SIDE,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"{PREFIX}.canvas",
        )
    objects = (drawing.json_data or {}).get("objects") or []
    png = drawing.image_bytes if objects else None
    if not png:
        result_column.caption("Draw one item or one digit, dark on white; the model's probabilities appear here.")
        return
    classified = _classify(run, data, png, lambda text: result_column.info(text, icon=":material/draw:"))
    if classified is None:
        return
    converted, proba = classified
    predicted = int(np.argmax(proba))
    with result_column:
        small, bars = st.columns([1, 2])
        height, width = data.image_shape
        small.image(charts.upscale(converted.pixels, 140), caption=f"What the model sees: {height}×{width}")
        bars.markdown(f"Prediction: **{data.class_names[predicted]}** ({proba[predicted]:.0%})")
        figure = charts.probability_bars(proba, data.class_names, None)
        bars.plotly_chart(figure, key=f"{PREFIX}.drawing_bars", config={"displayModeBar": False})


def _tabular_data(run):
    try:
        return _regression_data(run.meta["dataset"])
    except (DatasetUnavailableError, ImportError) as error:
        st.error(f"The data set {run.meta['dataset']} is not available: {error}", icon=":material/cloud_off:")
        return None


def _step(low: float, high: float) -> float:
    span = max(high - low, 1e-6)
    return float(10 ** np.floor(np.log10(span / 100)))


def _sample(features: tuple[float, ...], ranges: dict) -> tuple[float, ...]:
    """The sample the fields show: the form's, each value within the training range,
    or the median one when the form's does not fit these features (another data set's)."""
    if len(features) != len(ranges):
        # Four significant digits: readable, and still the median district.
        return tuple(float(np.clip(float(f"{median:.4g}"), low, high)) for low, median, high in ranges.values())
    return tuple(float(np.clip(value, low, high)) for value, (low, _, high) in zip(features, ranges.values()))


def _with(values: tuple[float, ...], index: int, value: float) -> tuple[float, ...]:
    return values[:index] + (value,) + values[index + 1 :]


def regression_form(form: PageForm, run) -> None:
    """One field per feature (the median district by default) → the predicted value,
    which follows the fields as they change."""
    data = _tabular_data(run)
    if data is None:
        return
    meta = run.meta
    names = meta.get("feature_names", list(data.feature_names))
    inputs = meta.get("model_inputs")
    if inputs and len(inputs) > 1:
        st.caption(
            "This model has several inputs; each gets its own features: "
            + "; ".join(f"input {i + 1}: {', '.join(names[j] for j in cols)}" for i, cols in enumerate(inputs))
            + "."
        )
    ranges = predict.feature_ranges(data.x_train, names)
    sample = _sample(form.value.features, ranges)
    if form.value.features and sample != form.value.features:  # out of range, or another data set's
        form.set(features=sample if len(form.value.features) == len(ranges) else ())
    form.markdown("Defaults are the median training sample; each field accepts the range seen in training.")
    columns = st.columns(4)
    for index, (name, (low, median, high)) in enumerate(ranges.items()):
        form.widget(
            "features",
            columns[index % 4].number_input,
            name,
            min_value=low,
            max_value=high,
            step=_step(low, high),
            format="%g",
            key=f"feature_{index}",
            to_widget=lambda features, index=index: _sample(features, ranges)[index],
            from_widget=lambda value, index=index: {
                "features": _with(_sample(form.value.features, ranges), index, float(value))
            },
            help=f"From {low:g} to {high:g} in the training data; median {median:g}.",
        )
    sample = _sample(form.value.features, ranges)
    result = st.session_state.get(SAMPLE_RESULT_KEY)
    if result is None or result[:2] != (run.key, sample):
        model = load_model(run)
        if model is None:
            return
        result = (run.key, sample, predict.predict_one(model, dict(zip(ranges, sample)), names, inputs))
        st.session_state[SAMPLE_RESULT_KEY] = result
    target = meta.get("target_name", "value")
    value = result[2]
    unit = f" × {data.target_unit}" if getattr(data, "target_unit", "").startswith("$") else ""
    rmse = meta.get("test_metrics", {}).get("rmse", 0.0)  # round to what the model's error supports
    dollars = f" (≈ ${round_to_error(value, rmse) * 100_000:,.0f})" if data.name == "california_housing" else ""
    st.metric(f"Predicted {target}{unit}", f"{value:.3f}{dollars}")


@guarded("reading your CSV file")
def batch_predictions(run) -> None:
    """Upload a CSV of feature rows; get a table and a CSV of predictions."""
    data = _tabular_data(run)
    if data is None:
        return
    names = run.meta.get("feature_names", list(data.feature_names))
    target = run.meta.get("target_name", "value")
    template = pd.DataFrame(data.x_test[:5], columns=names).to_csv(index=False)
    st.download_button(
        "Example CSV (5 test districts)" if data.name == "california_housing" else "Example CSV (5 test rows)",
        template,
        file_name=f"{data.name}-example.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"{PREFIX}.template",
    )
    file = st.file_uploader(
        f"A CSV with exactly these columns, in any order: {', '.join(names)}",
        type=["csv"],
        key=f"{PREFIX}.csv",
        max_upload_size=predict.MAX_CSV_BYTES // (1024 * 1024),
    )
    if file is None:
        return
    try:
        rows = predict.read_feature_csv(file.getvalue(), names)
    except ValueError as error:
        st.error(str(error), icon=":material/table:")
        return
    model = load_model(run)
    if model is None:
        return
    table = pd.DataFrame(rows, columns=names)
    table[f"predicted {target}"] = predict.predict_rows(model, rows, run.meta.get("model_inputs"))
    st.dataframe(table, hide_index=True, key=f"{PREFIX}.batch_table")
    st.download_button(
        f"Download the {len(table):,} predictions (CSV)",
        table.to_csv(index=False),
        file_name=f"predictions-{run.key[:8]}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        type="primary",
        key=f"{PREFIX}.batch_download",
    )


def _model_bytes(run) -> bytes:
    if isinstance(run, predict.UploadedModel):
        return run.file_bytes
    return (run.path / "model.keras").read_bytes()


def downloads(run) -> None:
    """The model, its history and its configuration, as files."""
    name = f"mlp-{run.meta.get('dataset', 'model')}-{run.key[:8]}"
    try:
        model_bytes = _model_bytes(run)
    except OSError as error:
        st.error(
            f"The model file is gone ({_detail(error)}); the run was probably removed from the store.",
            icon=":material/error:",
        )
        return
    columns = st.columns(4)
    columns[0].download_button(
        f"Model (.keras, {len(model_bytes) / 1e6:.1f} MB)",
        model_bytes,
        file_name=f"{name}.keras",
        mime="application/zip",
        icon=":material/download:",
        on_click="ignore",
        key=f"{PREFIX}.dl_model",
    )
    columns[1].download_button(
        "Training history (CSV)",
        predict.history_csv(run.history),
        file_name=f"{name}-history.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"{PREFIX}.dl_history",
        disabled=not run.history,
        help=None if run.history else "An uploaded model has no training history.",
    )
    columns[2].download_button(
        "Configuration (JSON)",
        predict.run_json(run.config, run.meta),
        file_name=f"{name}.json",
        mime="application/json",
        icon=":material/download:",
        on_click="ignore",
        key=f"{PREFIX}.dl_config",
    )
    columns[3].download_button(
        "TensorBoard logs (zip)",
        lambda: tensorboard_zip(run),  # written on click, in its own thread: the page never waits
        file_name=f"{name}-tensorboard.zip",
        mime="application/zip",
        icon=":material/download:",
        on_click="ignore",
        key=f"{PREFIX}.dl_tensorboard",
        help="Unzip it into a folder and run `tensorboard --logdir <folder>`: the learning curves "
        "(train/ and validation/) and the final weights' histograms.",
    )
    if runs.takes_images(run.meta.get("kind")):
        use = "proba = model.predict(X_new)  # X_new: (n, height, width), pixels in [0, 1]\nclasses = proba.argmax(axis=1)"
    else:
        use = "y_pred = model.predict(X_new)  # raw features: the model scales them itself"
        if len(run.meta.get("model_inputs") or []) > 1:
            use = "y_pred = model.predict([X_new[:, cols] for cols in model_inputs])  # see the JSON"
    st.code(f'import keras\n\nmodel = keras.saving.load_model("{name}.keras")\n{use}', language="python")


def _forget(form: PageForm, run, store: RunStore) -> bool:
    if isinstance(run, predict.UploadedModel):
        _uploads().pop(run.key, None)
    else:
        if not may_delete(run.key):
            st.error(access.REFUSED, icon=":material/lock:")
            return False
        store.delete(run.key)
        _stored_model.clear()
        # The training pages cache stored results in memory too: drop them, so a deleted
        # run is not shown there as "loaded from cache".
        cache.forget_stored_runs()
    form.set(selected="")
    st.toast(f"Removed {run.meta.get('architecture', 'the model')} ({run.key}).", icon=":material/delete:")
    return True


def details(form: PageForm, run, store: RunStore) -> None:
    """The run's configuration and meta data, and a button to delete it."""
    left, right = st.columns(2)
    with left:
        st.markdown("**Configuration**")
        st.json(run.config, expanded=1)
    with right:
        st.markdown("**Results and provenance**")
        st.json(run.meta, expanded=1)
    uploaded = isinstance(run, predict.UploadedModel)
    label = "Remove from this session" if uploaded else "Delete this run from the store"
    with st.popover(label, icon=":material/delete:"):
        st.markdown(
            "It leaves your session only."
            if uploaded
            else "Everyone using this app loses it; a training page trains it again when asked."
        )
        if not uploaded and access.hosted():
            st.caption(
                "On this shared demo you can delete the runs you trained in this session; any other "
                "run needs the operator key."
            )
            operator_key_field()
        if st.button("Yes, delete it", type="primary", key=f"{PREFIX}.delete") and _forget(form, run, store):
            st.rerun()


def continue_training(form: PageForm, run) -> None:
    """Train a stored run for more epochs from its weights (the book's "call fit()
    again"), as a new run linked to it, in the background like any training."""
    prefix = f"{PREFIX}.continue"
    kind_name = run.meta.get("kind")
    if isinstance(run, predict.UploadedModel) or not runs.can_continue(kind_name):
        return
    kind = runs.kind_named(kind_name)
    st.markdown("**Train it for more epochs**")
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    more = form.widget("continue_epochs", left.number_input, "More epochs", min_value=1, max_value=MAX_MORE_EPOCHS)
    if right.button("Continue training", icon=":material/replay:", key=f"{prefix}.go"):
        # The new run lands at the top of the table; this one stays shown, to say when it is done.
        form.set(selected=run.key)
        try:
            config = runs.continued(kind.config_from_dict(run.config), int(more))
            data = _image_data(run) if runs.takes_images(kind_name) else _tabular_data(run)
            if data is not None:
                run_view.start(config, data, prefix=prefix)
        except ValueError as error:
            st.error(str(error), icon=":material/error:")
    st.caption(
        "A new run starts from this one's weights and goes on with its curves; this run stays "
        "as it is. The optimizer starts afresh: the store keeps weights, not optimizer state."
    )
    run_view.follow(prefix, curves=charts.learning_curves if runs.takes_images(kind_name) else regression_curves)
    run_view.ended_notice(prefix)
    status, result = run_view.finished(prefix)
    if (
        status is not None
        and status.state == "done"
        and result is not None
        and result.config.training.parent == run.key
    ):
        st.success(
            # Not "the newest": a search or another visitor's run may land after it.
            f"Trained to epoch {result.epochs_run}: the new run is in the table above, as run "
            f"{runs.store_key(result.config)}.",
            icon=":material/check_circle:",
        )


def _evaluate(model, file, match, dataset: str):
    # An upload is evaluated in a worker process, in turn with the trainings: whatever
    # the file does there cannot take the server down.
    waiting = st.empty()

    def on_wait(position: int) -> None:
        waiting.info(
            f"Waiting for a free worker to evaluate it: place {position} in the queue.", icon=":material/hourglass:"
        )

    payload = {"data": file.getvalue(), "name": file.name, "match": match, "dataset": dataset}
    with st.spinner("Evaluating on the test split…"):
        uploaded = workers.pool().run(
            "core.predictions.predict:evaluate_in_worker", payload, on_wait=on_wait, on_start=waiting.empty
        )
    waiting.empty()
    uploaded.model = model
    return uploaded


@guarded("checking your model")
def bring_your_own(form: PageForm) -> None:
    """Upload a `.keras` file: checked, loaded in safe mode, matched to a data set,
    evaluated on its test split, then usable like a trained run (this session only)."""
    file = st.file_uploader(
        f"A Keras model (`.keras`, up to {predict.MAX_MODEL_BYTES // (1024 * 1024)} MB), saved with "
        "`model.save('name.keras')`",
        type=["keras"],
        key=f"{PREFIX}.model_file",
        max_upload_size=predict.MAX_MODEL_BYTES // (1024 * 1024),
    )
    if file is None:
        st.session_state.pop(PENDING_KEY, None)
        return
    pending = st.session_state.get(PENDING_KEY)
    if pending is None or pending["file_id"] != file.file_id:
        try:
            with st.spinner("Checking and loading the model in safe mode…"):
                model = predict.load_uploaded_model(file.getvalue())
                match = predict.match_dataset(model)
        except ValueError as error:
            st.error(str(error), icon=":material/gpp_bad:")
            return
        pending = {"file_id": file.file_id, "model": model, "match": match}
        st.session_state[PENDING_KEY] = pending
    model, match = pending["model"], pending["match"]
    shapes = ", ".join(str((None, *tensor.shape[1:])) for tensor in model.inputs)
    st.success(
        f"Loaded **{file.name}** safely: {predict.describe_model(model)}, {model.count_params():,} "
        f"parameters, input {shapes}.",
        icon=":material/verified_user:",
    )
    dataset = st.radio(
        "Data set it was trained on",
        match.datasets,
        format_func=DATASET_TITLES.get,
        horizontal=True,
        key=f"{PREFIX}.upload_dataset",
    )
    if pending.get("used") in _uploads():
        st.caption("It is in the table above, evaluated; pick another data set to evaluate it again.")
    if not st.button("Evaluate it on the test split and use it", type="primary", key=f"{PREFIX}.evaluate"):
        return
    try:
        uploaded = _evaluate(model, file, match, dataset)
    except ValueError as error:  # the data set is unavailable, or the model does not fit it
        st.error(str(error), icon=":material/gpp_bad:")
        return
    except (workers.WorkerDied, workers.TaskFailed) as error:
        st.error(f"Evaluating it failed: {error}", icon=":material/error:")
        return
    uploads = _uploads()
    uploads[uploaded.key] = uploaded
    while len(uploads) > MAX_UPLOADS:
        uploads.pop(next(iter(uploads)))
    form.set(selected=uploaded.key)
    pending["used"] = uploaded.key
    st.rerun()
