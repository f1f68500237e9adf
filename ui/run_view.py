"""Trainings on a page: start a background job, follow it live, show how it ended.

Pressing Train submits a job to `core.jobs` and the page script ends at once; a
fragment polls the job every second and redraws its progress bar and learning
curves. The job belongs to the server, not to the script: changing a widget, visiting
another page and coming back, or reloading the tab finds it again (by this session's
list of jobs, or by the run key kept in the URL as `?run=`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import streamlit as st

from core import jobs, runs
from core.limits import duration
from core.store import RunStore
from ui import charts
from ui.cache import stored_result

SESSION_ID = "mlp.session_id"
QUERY_KEY = "run"
OWNER_KEY = "by"  # the session that started it: a reloaded tab takes its place
TRAINED_HERE = "mlp.trained_here"  # keys of the runs this session started or took over
# How often a page looks at its jobs. Each look redraws the progress; the curves are
# rebuilt only when an epoch has ended.
POLL_SECONDS = 1.0


def session_id() -> str:
    """This browser session's id: who owns the jobs it starts."""
    if SESSION_ID not in st.session_state:
        st.session_state[SESSION_ID] = uuid.uuid4().hex
    return st.session_state[SESSION_ID]


def trained_here() -> set[str]:
    """The store keys of the runs this browser session started (or took over after a
    reload): in hosted mode, the only runs a visitor may delete."""
    return st.session_state.setdefault(TRAINED_HERE, set())


def _keys(prefix: str) -> list[str]:
    return st.session_state.setdefault(f"{prefix}.jobs", [])


def _finished_key(prefix: str) -> str:
    return f"{prefix}.finished"


def start(config, data, *, prefix: str) -> jobs.Job | None:
    """Submits `config` for training in the background; returns its job, or `None`
    with an error shown when the run may not train here."""
    try:
        job = jobs.pool().submit(config, data, owner=session_id())
    except ValueError as error:
        st.error(str(error), icon=":material/error:")
        return None
    keys = _keys(prefix)
    if job.key not in keys:
        keys.append(job.key)
    trained_here().add(job.key)
    _name_in_url(job.key)
    return job


def _name_in_url(key: str) -> None:
    st.query_params[QUERY_KEY] = key
    st.query_params[OWNER_KEY] = session_id()


def _adopt_from_url(prefix: str) -> None:
    # After a reload the session is new; the URL still names the run it followed. A
    # stored run needs nothing here: the page's form holds its configuration
    # (`ui.state.bind`), whose result comes from the store.
    key = st.query_params.get(QUERY_KEY)
    if not key or key in _keys(prefix) or st.session_state.get(f"{prefix}.adopted") == key:
        return
    st.session_state[f"{prefix}.adopted"] = key
    job = jobs.pool().get(key)
    if job is not None:
        previous = st.query_params.get(OWNER_KEY)
        # Only the tab that started the run (its session id is in its own URL) gets it
        # as its own; anyone may follow a run by its key, which the runs table shows.
        if previous and previous == job.submitter:
            trained_here().add(key)
        job.hand_over(previous, session_id())
        _keys(prefix).append(key)
        _name_in_url(key)
        return
    status = jobs.read_status(RunStore().root, key) if key.isalnum() else None
    if status is not None and status.active:
        _keys(prefix).append(key)  # trained by another server process: follow its file
    elif status is not None and status.state not in ("done", "diverged"):
        st.session_state[_finished_key(prefix)] = (status, None)  # stopped, failed, interrupted: say so


def _status(key: str) -> tuple[jobs.JobStatus | None, jobs.Job | None]:
    job = jobs.pool().get(key)
    if job is not None:
        job.watch(session_id())
        return job.status(), job
    return jobs.read_status(RunStore().root, key), None


def _progress_text(status: jobs.JobStatus, progress_text: Callable[[dict, jobs.JobStatus], str]) -> str:
    if status.state == "starting":
        return "Preparing the model and the data pipeline…"
    if status.state == "waiting":
        where = f": epoch {status.epoch}/{status.epochs}" if status.epoch else ""
        return f"Another visitor is training this same configuration{where}. You get it as soon as it is stored."
    if status.state == "queued":
        if status.place is None:
            return "Waiting for a free training slot…"
        wait = f", about {duration(status.wait)} to go" if status.wait else ""
        return (
            f"Waiting for a free training slot: place {status.place} in the queue{wait}. Other visitors are "
            "training; yours starts as soon as one finishes."
        )
    if status.epoch == 0:
        unit = runs.kind_named(status.kind).progress_unit if status.kind else "epoch"
        return f"Training: the progress shows at the end of the first {unit}…"
    logs = {name: values[-1] for name, values in status.history.items() if values}
    return progress_text(logs, status)


def default_progress_text(logs: dict, status: jobs.JobStatus) -> str:
    parts = [f"Epoch {status.epoch}/{status.epochs}"]
    if "loss" in logs:
        parts.append(f"loss {logs['loss']:.4f}")
    if "val_accuracy" in logs:
        parts.append(f"validation accuracy {logs['val_accuracy']:.2%}")
    parts.append(f"{status.elapsed:.0f} s")
    return " · ".join(parts)


def _live_figure(prefix: str, key: str, status: jobs.JobStatus, curves: Callable):
    # One figure per job and epoch: a poll that finds no new epoch reuses it.
    cached = st.session_state.get(f"{prefix}.live_figure")
    if cached is None or cached[:2] != (key, status.epoch):
        cached = (key, status.epoch, curves(status.history, status.epochs))
        st.session_state[f"{prefix}.live_figure"] = cached
    return cached[2]


def follow(
    prefix: str,
    *,
    curves: Callable = charts.learning_curves,
    progress_text: Callable[[dict, jobs.JobStatus], str] = default_progress_text,
) -> None:
    """Shows this session's trainings on the page, live, while they run.

    Args:
        prefix: the page's session-state namespace.
        curves: `(history, epochs) -> figure`, redrawn as epochs finish.
        progress_text: `(last epoch's logs, status) -> str` for the progress bar.
    """
    _adopt_from_url(prefix)
    keys = _keys(prefix)
    if not keys:
        return
    if st.query_params.get(QUERY_KEY) not in keys:
        _name_in_url(keys[-1])  # back from another page: the URL names it again

    @st.fragment(run_every=POLL_SECONDS)
    def live():
        ended = []
        for key in list(keys):
            status, job = _status(key)
            if status is None or not status.active:
                ended.append((key, status, job))
                continue
            # A status box: its header spins while the job is on, whatever the job is doing.
            # Written to through its methods: leaving a `with st.status(...)` block would
            # mark it complete (a check mark) while the job still trains.
            box = st.status(f"**Training {status.label} on {status.dataset}**", state="running", expanded=True)
            fraction = status.epoch / status.epochs if status.epochs else 0.0
            box.progress(min(1.0, fraction), text=_progress_text(status, progress_text))
            if status.history.get("loss"):
                box.plotly_chart(_live_figure(prefix, key, status, curves), key=f"{prefix}.live.{key}")
            if job is not None:
                box.button(
                    "Stop training",
                    icon=":material/stop:",
                    key=f"{prefix}.stop.{key}",
                    on_click=job.stop,
                    args=(session_id(),),
                )
        if ended:
            for key, status, job in ended:
                keys.remove(key)
                kept = job is not None and status is not None and status.state in ("done", "diverged")
                st.session_state[_finished_key(prefix)] = (status, job.result if kept else None)
            st.rerun(scope="app")  # the page shows the results, or says how it ended

    live()


def finished(prefix: str) -> tuple[jobs.JobStatus | None, runs.RunResult | None]:
    """How this session's latest training on the page ended: `(status, result)`.

    The result is `None` unless the job produced one (done, or diverged); the status is
    `None` when only the stored result is known (after a reload)."""
    return st.session_state.get(_finished_key(prefix), (None, None))


def _train_again(prefix: str, form, config) -> None:
    form.replace(form.from_run(config))
    st.session_state[f"{prefix}.train_again"] = True


def ended_notice(prefix: str, form=None) -> None:
    """Says once how a training that did not finish ended (stopped, failed,
    interrupted), which configuration it was, and offers to train exactly that again."""
    status, _ = finished(prefix)
    if (
        status is None
        or status.state in ("done", "diverged")
        or st.session_state.get(f"{prefix}.noticed") == status.updated
    ):
        return
    st.session_state[f"{prefix}.noticed"] = status.updated
    icons = {"stopped": ":material/stop_circle:", "failed": ":material/error:", "interrupted": ":material/cloud_off:"}
    text = f"{status.message or f'Training ended: {status.state}.'} It was {status.label} on {status.dataset}."
    (st.error if status.state == "failed" else st.info)(text, icon=icons.get(status.state))
    config = _config_of(status)
    if form is not None and form.from_run is not None and config is not None:
        st.button(
            "Train this configuration again",
            key=f"{prefix}.train_again.{status.key}",
            on_click=_train_again,
            args=(prefix, form, config),
            icon=":material/replay:",
            help="Puts its settings back in the form and trains it from the start.",
        )


def _config_of(status: jobs.JobStatus):
    try:
        return runs.kind_named(status.kind).config_from_dict(status.config) if status.config else None
    except (KeyError, ValueError, TypeError):
        return None


def _name_shown_run(prefix: str, result) -> None:
    # The URL names the run the page follows or shows, and nothing else: once the form
    # moves on, a reload opens the form (from its own parameters), not an older run.
    if _keys(prefix):
        return  # `follow` names the job
    shown = runs.store_key(result.config) if result is not None and not result.diverged else None
    if st.query_params.get(QUERY_KEY) == shown:
        return
    if shown is None:
        for name in (QUERY_KEY, OWNER_KEY):
            st.query_params.pop(name, None)
    else:
        st.query_params[QUERY_KEY] = shown
        st.session_state[f"{prefix}.adopted"] = shown  # named here: nothing to take over from a link


def result_for(config, prefix: str):
    """The result for `config`: this session's latest run if it is that config, else
    the store's, else `None`."""
    result = st.session_state.get(f"{prefix}.result")
    if result is not None and result.config == config:
        return result
    return stored_result(config)


def run_section(
    config,
    data,
    *,
    prefix: str,
    submitted: bool,
    form=None,
    curves: Callable = charts.learning_curves,
    progress_text: Callable[[dict, jobs.JobStatus], str] = default_progress_text,
):
    """The page's whole training flow: start on Train, follow live, keep the outcome.

    Args:
        config: the run the form describes now.
        data: its loaded data set.
        prefix: the page's session-state namespace.
        submitted: whether Train was pressed in this run of the script.
        form: the page's bound form (`ui.state.PageForm`), to offer training a run
            that did not finish again. Defaults to none.
        curves: `(history, epochs) -> figure` for the live curves.
        progress_text: `(last epoch's logs, status) -> str` for the progress bar.

    Returns:
        The result to show: the form's configuration's (from this session or the
        store), else the run this session trained last (whose config may differ: see
        `other_config_caption`), else `None`.
    """
    result = result_for(config, prefix)
    submitted = st.session_state.pop(f"{prefix}.train_again", False) or submitted
    if submitted and (result is None or result.diverged):
        start(config, data, prefix=prefix)
    follow(prefix, curves=curves, progress_text=progress_text)
    ended_notice(prefix, form)
    _, latest = finished(prefix)
    if latest is not None:
        st.session_state[f"{prefix}.result"] = latest
    result = result_for(config, prefix)
    if result is None and latest is not None and not latest.diverged:
        result = latest  # the run just trained, though the form has moved on
    _name_shown_run(prefix, result)
    return result


def running(prefix: str) -> bool:
    """Whether this session has a training in progress on the page."""
    return bool(_keys(prefix))


def not_trained_notice(prefix: str) -> None:
    if running(prefix):
        st.info(
            "Training in the background: the progress is shown above. You can change "
            "settings or visit other pages meanwhile.",
            icon=":material/hourglass_top:",
        )
    else:
        st.info("Not trained yet. Press **Train** to train this configuration.", icon=":material/info:")


def diverged_message(result) -> None:
    lr = result.config.training.learning_rate
    why = result.divergence or "the loss became NaN or infinite"
    st.error(
        f"Training diverged: {why}, with learning_rate={lr:g}. Lower the learning rate "
        f"(try {lr / 10:g}) and train again. Diverged runs are not saved.",
        icon=":material/error:",
    )


def cache_marker(result) -> None:
    """Says that a result came from the store, how fast, and what training it saved."""
    if result.from_cache:
        st.success(
            f"**Loaded from cache** in {result.load_time:.2f} s: "
            f"this configuration was trained before in {result.wall_time:.1f} s on {result.device}.",
            icon=":material/bolt:",
        )


def metric_row(result, first: tuple[str, str], second: tuple[str, str]) -> None:
    """The cache marker, then five headline metrics: two of the kind's own (label,
    formatted value), then epochs, training time and parameters, as every model page
    shows them."""
    cache_marker(result)
    columns = st.columns(5)
    columns[0].metric(*first)
    columns[1].metric(*second)
    columns[2].metric("Epochs", f"{result.epochs_run}", help=f"stopped: {result.stop_reason.replace('_', ' ')}")
    columns[3].metric("Training time", f"{result.wall_time:.1f} s", help=result.device)
    columns[4].metric("Parameters", f"{result.model.count_params():,}")


def other_config_caption(result, config) -> None:
    """Says when the results shown are of the run just trained, not of the form."""
    if result.config != config:
        kind = runs.kind_of(result.config)
        st.caption(
            f"Results of the run you trained last ({kind.describe(result.config)}); the form now "
            "describes another configuration. Press **Train** to train that one."
        )
