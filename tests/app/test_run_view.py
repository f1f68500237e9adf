"""The training flow every model page shares (`ui.run_view`): a job keeps running across
reruns, Stop keeps nothing, a finished run stays on screen after the form changes, and
a page reopened on the URL of a run killed with its server says it was interrupted."""

import json
import time

from core import jobs
from core.store import RunStore
from tests.app.helpers import button, finish_jobs, open_page, texts
from tests.app.test_classification_page import configure, metric

PAGE = "pages/classification.py"


def test_a_job_keeps_running_across_reruns_and_stop_keeps_nothing():
    at = open_page(PAGE)
    at.button_group(key="classification.dataset").set_value("digits").run()
    at.number_input(key="classification.num_layers").set_value(1)
    at.number_input(key="classification.units_0").set_value(256).run()
    at.number_input(key="classification.epochs").set_value(300)
    at.number_input(key="classification.batch_size").set_value(8)
    button(at, "Train").click().run()
    assert "Training in the background" in texts(at.info)
    key = at.query_params["run"][0] if isinstance(at.query_params["run"], list) else at.query_params["run"]
    job = jobs.pool().get(key)
    assert job is not None and job.active

    at.number_input(key="classification.units_0").set_value(128).run()  # a widget change: a rerun
    assert job.active and not at.exception
    assert "Training in the background" in texts(at.info)

    deadline = time.time() + 60
    while job.status().epoch < 1 and time.time() < deadline:
        time.sleep(0.2)
    at.run()
    button(at, "Stop training").click().run()
    finish_jobs(at)
    assert job.status().state == "stopped"
    assert "nothing was saved" in texts(at.info)
    assert "Not trained yet" in texts(at.info)
    assert not RunStore().path_for(job.config.to_json()).exists()


def test_the_run_just_trained_stays_on_screen_when_the_form_moves_on():
    at = configure(open_page(PAGE), dataset="digits", units=12, num_train=1000, epochs=2)
    assert metric(at, "Parameters") == f"{(64 + 1) * 12 + (12 + 1) * 10:,}"
    at.number_input(key="classification.units_0").set_value(14).run()  # not trained
    assert metric(at, "Parameters") == f"{(64 + 1) * 12 + (12 + 1) * 10:,}"
    assert "Results of the run you trained last (12 relu)" in texts(at.caption)


def test_a_run_killed_with_its_server_reads_as_interrupted_after_a_reload(private_store):
    status = jobs.JobStatus(
        key="0123456789abcdef0000",
        kind="classification",
        label="300-100 relu",
        dataset="Fashion-MNIST",
        state="running",
        epoch=7,
        epochs=30,
        updated=time.time() - 60,
    )
    (private_store / jobs.JOBS_DIR).mkdir(exist_ok=True)
    jobs.status_path(private_store, status.key).write_text(json.dumps(status.to_dict()))
    at = open_page(PAGE)
    at.query_params["run"] = status.key  # the URL the reloaded tab still has
    at.run()
    assert not at.exception
    assert "The server stopped while this run trained (epoch 7 of 30); nothing was saved." in texts(at.info)


def test_a_run_named_in_someone_elses_url_is_followed_but_not_made_ones_own(private_store):
    from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
    from core.data import load_dataset
    from ui.run_view import TRAINED_HERE

    config = RunConfig(DataConfig("digits"), MLPConfig(((8, "relu"),)), TrainingConfig(epochs=1, seed=11))
    job = jobs.pool().submit(config, load_dataset("digits"), owner="alice")
    assert job.wait(120)
    for visitor, owns in (("mallory", False), ("alice", True)):
        at = open_page(PAGE)
        at.query_params["run"], at.query_params["by"] = job.key, visitor  # a copied link, or alice's reload
        at.run()
        assert not at.exception
        own = at.session_state[TRAINED_HERE] if TRAINED_HERE in at.session_state else set()
        assert (job.key in own) is owns, visitor


def test_an_interrupted_runs_link_fills_the_form_with_its_settings_and_trains_exactly_them_again(private_store):
    from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
    from core.forms.classification import from_run

    config = RunConfig(DataConfig("digits", num_train=500), MLPConfig(((9, "tanh"),)), TrainingConfig(epochs=1, seed=3))
    key = RunStore().key_for(config.to_json())
    status = jobs.JobStatus(
        key=key,
        kind="classification",
        label="9 tanh",
        dataset="Digits",
        state="running",
        epoch=1,
        epochs=1,
        updated=time.time() - 60,
        config=config.to_dict(),
    )
    (private_store / jobs.JOBS_DIR).mkdir(exist_ok=True)
    jobs.status_path(private_store, key).write_text(json.dumps(status.to_dict()))
    at = open_page(PAGE)
    at.query_params.clear()
    at.query_params["run"] = key  # a reload after the server was restarted
    at.run()
    assert not at.exception
    assert at.session_state["classification.form"] == from_run(config)  # not the defaults
    assert "It was 9 tanh on Digits." in texts(at.info)
    at.button(key=f"classification.train_again.{key}").click().run()
    job = jobs.pool().get(key)
    assert job is not None and job.config == config
    finish_jobs(at)
    assert metric(at, "Parameters") == f"{(64 + 1) * 9 + (9 + 1) * 10:,}"
