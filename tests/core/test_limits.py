"""Server limits: a first-come queue of training slots shared across processes, the\nCPU quota it is sized by, and size limits in hosted mode."""

import pytest

from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.limits import Limits, available_cpus
from core.runs import load_or_train as get_or_train


def test_defaults_come_from_the_core_count(monkeypatch):
    for name in ("MLP_EXPLORER_MAX_JOBS", "MLP_EXPLORER_HOSTED", "MLP_EXPLORER_MAX_PARAMS", "MLP_EXPLORER_MAX_EPOCHS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("core.limits.available_cpus", lambda: 8)
    limits = Limits.from_env()
    assert limits == Limits(max_jobs=4, max_params=None, max_epochs=None)
    monkeypatch.setattr("core.limits.available_cpus", lambda: 1)
    assert Limits.from_env().max_jobs == 1


def test_hosted_mode_turns_on_configurable_size_limits(monkeypatch):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_EPOCHS", "5")
    limits = Limits.from_env()
    assert limits.max_params == 1_000_000 and limits.max_epochs == 5
    limits.check(params=266_610, epochs=5)
    with pytest.raises(ValueError, match="at most 1,000,000"):
        limits.check(params=2_000_000, epochs=1)
    with pytest.raises(ValueError, match="Received: epochs=6; this server trains at most 5"):
        limits.check(params=10, epochs=6)


@pytest.mark.parametrize("raw", ["zero", "0", "-3"])
def test_a_bad_environment_value_is_named(monkeypatch, raw):
    monkeypatch.setenv("MLP_EXPLORER_MAX_JOBS", raw)
    with pytest.raises(ValueError, match=f"Received: MLP_EXPLORER_MAX_JOBS='{raw}'"):
        Limits.from_env()


@pytest.mark.slow
def test_hosted_limits_refuse_before_training(monkeypatch, tmp_path):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_PARAMS", "1000")
    config = RunConfig(DataConfig("digits"), MLPConfig(((64, "relu"),)), TrainingConfig(epochs=1))
    from core.store import RunStore

    with pytest.raises(ValueError, match="has 4,810 parameters; this server trains models of at most 1,000"):
        get_or_train(config, load_dataset("digits"), store=RunStore(tmp_path))
    assert RunStore(tmp_path).entries() == []


@pytest.mark.parametrize(
    ("cpu_max", "expected"), [("max 100000\n", 8), ("200000 100000\n", 2), ("50000 100000\n", 1), ("150000 100000", 2)]
)
def test_the_default_slots_follow_the_cgroup_quota_not_the_host(tmp_path, monkeypatch, cpu_max, expected):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(8)))
    (tmp_path / "cpu.max").write_text(cpu_max)
    assert available_cpus(tmp_path) == expected


def test_cgroup_v1_quota_and_no_cgroup_at_all(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(16)))
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("400000")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000")
    assert available_cpus(tmp_path) == 4
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1")  # no quota
    assert available_cpus(tmp_path) == 16
    assert available_cpus(tmp_path / "missing") == 16


def test_hosted_mode_refuses_a_run_whose_estimated_time_is_over_the_limit(monkeypatch, tmp_path):
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    monkeypatch.setenv("MLP_EXPLORER_MAX_JOB_MINUTES", "1")
    from core.runs import check
    from core.store import RunStore

    digits = load_dataset("digits")
    # 1,077 training images one at a time for 50 epochs: 53,850 steps, over a minute here.
    slow = RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), TrainingConfig(epochs=50, batch_size=1))
    with pytest.raises(
        ValueError, match=r"about 1 min 20 s here \(53,850 steps of 1 sample over 50 epochs\).*at most 1 min\."
    ):
        check(slow, digits)
    with pytest.raises(ValueError, match="Use a larger batch size"):
        get_or_train(slow, digits, store=RunStore(tmp_path))
    assert RunStore(tmp_path).entries() == []
    check(RunConfig(DataConfig("digits"), MLPConfig(((16, "relu"),)), TrainingConfig(epochs=50, batch_size=32)), digits)


def test_the_time_estimate_grows_with_steps_samples_and_parameters():
    from core.limits import estimate_seconds

    base = estimate_seconds(samples=10_000, epochs=10, batch_size=32, params=100_000)
    assert estimate_seconds(samples=10_000, epochs=10, batch_size=1, params=100_000) > 20 * base
    assert estimate_seconds(samples=10_000, epochs=20, batch_size=32, params=100_000) == pytest.approx(2 * base)
    assert estimate_seconds(samples=10_000, epochs=10, batch_size=32, params=1_000_000) > base


def test_hosted_mode_caps_time_and_jobs_per_visitor_off_by_default(monkeypatch):
    monkeypatch.delenv("MLP_EXPLORER_HOSTED", raising=False)
    assert Limits.from_env().max_job_seconds is None and Limits.from_env().max_jobs_per_session is None
    monkeypatch.setenv("MLP_EXPLORER_HOSTED", "1")
    assert Limits.from_env().max_job_seconds == 600 and Limits.from_env().max_jobs_per_session == 1
    monkeypatch.setenv("MLP_EXPLORER_MAX_JOB_MINUTES", "3")
    monkeypatch.setenv("MLP_EXPLORER_MAX_JOBS_PER_SESSION", "2")
    assert Limits.from_env().max_job_seconds == 180 and Limits.from_env().max_jobs_per_session == 2
