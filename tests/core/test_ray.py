"""Jobs on a Ray cluster: with `MLP_EXPLORER_RAY_ADDRESS` set, a training and a
search run as Ray actors on a two-node cluster (both nodes on this machine) and land
in the store, with their progress; a GPU in the cluster is asked for."""

import pytest
import ray
from ray.cluster_utils import Cluster

from core import jobs, workers
from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.experiments.tuning import SearchConfig, SearchSpace
from core.store import RunStore


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    yield cluster
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture
def on_ray(cluster, monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_RAY_ADDRESS", cluster.address)
    workers.reset()
    yield workers.pool()
    workers.reset()


@pytest.mark.slow
def test_a_training_and_a_search_run_on_a_two_node_cluster_and_land_in_the_store(on_ray, tmp_path):
    assert isinstance(on_ray, workers.RayPool)
    assert len([node for node in ray.nodes() if node["Alive"]]) == 2 and on_ray.size == 2
    store = RunStore(tmp_path)
    digits = load_dataset("digits")
    run = RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), TrainingConfig(epochs=3, seed=1))
    search = SearchConfig(
        dataset="digits",
        num_train=400,
        max_trials=2,
        epochs=1,
        seed=1,
        space=SearchSpace(num_layers=(1, 1), units=(8, 16), units_step=8, optimizers=("adam",), batch_sizes=(32,)),
    )
    pool = jobs.JobPool()
    training, searching = pool.submit(run, digits, store=store), pool.submit(search, digits, store=store)
    for job in (training, searching):
        assert job.wait(600), job.status()
        status = job.status()
        assert status.state == "done", status.message
        assert store.load_key(job.key) is not None  # stored by the Ray worker, read here
    assert len(training.status().history["loss"]) == 3  # the progress came back epoch by epoch
    assert training.result.model.count_params() == (64 + 1) * 16 + (16 + 1) * 10


@pytest.mark.slow
def test_a_ray_task_that_refuses_its_input_says_why(on_ray):
    with pytest.raises(ValueError, match="Received an unknown kind of run"):
        on_ray.run("core.jobs:train_in_worker", {"kind": "no such kind", "config": "{}", "store": "/nonexistent"})


def test_a_task_asks_for_a_gpu_when_the_cluster_has_one():
    assert workers.ray_resources({"CPU": 8, "GPU": 2}) == {"num_cpus": 1, "num_gpus": 1}
    assert workers.ray_resources({"CPU": 8}) == {"num_cpus": 1, "num_gpus": 0}
    assert workers.ray_resources({"CPU": 8, "GPU": 0.5}) == {"num_cpus": 1, "num_gpus": 0}


def test_the_cluster_is_named_by_our_setting_or_rays(monkeypatch):
    monkeypatch.delenv("MLP_EXPLORER_RAY_ADDRESS", raising=False)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert workers.ray_address() is None
    monkeypatch.setenv("RAY_ADDRESS", "head:6379")
    assert workers.ray_address() == "head:6379"
    monkeypatch.setenv("MLP_EXPLORER_RAY_ADDRESS", "ray://other:10001")
    assert workers.ray_address() == "ray://other:10001"
