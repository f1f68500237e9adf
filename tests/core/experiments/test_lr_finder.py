"""The learning-rate finder: its curve, its suggestion, and its checks."""

import math

import numpy as np
import pytest

from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.experiments.lr_finder import (
    MIN_STEPS,
    find_learning_rate,
    learning_rates,
    suggest_learning_rate,
)
from core.regression.housing import load_regression_data
from core.regression.sequential import RegressionRun
from core.training import train


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def digits_run(optimizer="adam", **training):
    return RunConfig(
        DataConfig("digits"),
        MLPConfig(((32, "relu"),)),
        TrainingConfig(optimizer=optimizer, batch_size=16, **training),
    )


@pytest.fixture(scope="module")
def adam_result(digits):
    return find_learning_rate(digits_run("adam"), digits)


def test_the_rate_grows_exponentially_from_min_lr(adam_result):
    rates = np.array(adam_result.learning_rates)
    assert rates[0] == pytest.approx(1e-5)
    ratios = rates[1:] / rates[:-1]
    # One factor per batch, the one that reaches max_lr at the last planned batch.
    assert np.allclose(ratios, (10.0 / 1e-5) ** (1 / (adam_result.num_steps - 1)))
    # Digits has 1,077 training images: 68 batches of 16, so the epoch is cycled.
    assert adam_result.num_steps == MIN_STEPS


def test_on_digits_the_loss_falls_then_climbs(adam_result):
    smoothed = np.array(adam_result.smoothed_losses)
    lowest = int(np.argmin(smoothed))
    assert smoothed[0] == pytest.approx(math.log(10), rel=0.15)  # chance level at 1e-5
    assert smoothed[lowest] < 0.5 * smoothed[0]  # it falls...
    assert smoothed[-1] > 2 * smoothed[lowest]  # ...then climbs
    assert adam_result.stop_reason == "exploded"
    assert len(adam_result.losses) < adam_result.num_steps  # stopped before 10
    assert adam_result.climb_learning_rate in adam_result.learning_rates
    assert smoothed[adam_result.learning_rates.index(adam_result.climb_learning_rate)] == smoothed[lowest]
    assert adam_result.suggestion == pytest.approx(adam_result.climb_learning_rate / 10, rel=0.05)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_the_suggestion_is_a_sensible_rate(digits, optimizer):
    result = find_learning_rate(digits_run(optimizer), digits)
    assert 1e-4 <= result.suggestion <= 1
    assert result.config == digits_run(optimizer)


@pytest.mark.slow
def test_training_with_the_suggestion_beats_training_at_max_lr(digits, adam_result):
    suggested = adam_result.suggested_config()
    assert suggested.training.learning_rate == adam_result.suggestion
    epochs = dict(epochs=3)
    good = train(digits_run("adam", learning_rate=adam_result.suggestion, **epochs), digits)
    bad = train(digits_run("adam", learning_rate=10.0, **epochs), digits)
    assert good.test_metrics["accuracy"] > 0.85
    assert good.test_metrics["accuracy"] > bad.test_metrics["accuracy"] + 0.3


def test_a_regression_run_works():
    data = load_regression_data("diabetes")
    run = RegressionRun("diabetes", training=TrainingConfig(batch_size=32))
    result = find_learning_rate(run, data)
    smoothed = np.array(result.smoothed_losses)
    assert min(smoothed) < 0.2 * smoothed[0]  # MSE of raw targets falls a long way
    assert 1e-5 <= result.suggestion <= 1
    assert result.suggested_config().training.learning_rate == result.suggestion


def test_max_samples_and_num_steps(digits):
    result = find_learning_rate(digits_run(), digits, num_steps=20, max_samples=100, max_lr=1e-3)
    assert result.num_samples == 100
    assert len(result.losses) == result.num_steps == 20
    assert result.learning_rates[-1] == pytest.approx(1e-3)
    assert result.stop_reason == "completed"


def test_should_stop_keeps_the_curve_so_far(digits):
    polls = []
    result = find_learning_rate(digits_run(), digits, should_stop=lambda: polls.append(1) or len(polls) >= 3)
    assert result.stop_reason == "stopped"
    assert len(result.losses) == 3
    assert result.suggestion is None and result.notes
    with pytest.raises(ValueError, match="Received: suggestion=None"):
        result.suggested_config()


@pytest.mark.parametrize(
    "kwargs, received",
    [
        ({"min_lr": 0.0}, "Received: min_lr=0.0"),
        ({"min_lr": -1e-3}, "Received: min_lr=-0.001"),
        ({"min_lr": 1.0, "max_lr": 0.1}, "Received: max_lr=0.1"),
        ({"min_lr": 0.1, "max_lr": 0.1}, "Received: max_lr=0.1"),
        ({"max_lr": float("inf")}, "Received: max_lr=inf"),
        ({"num_steps": 3}, "Received: num_steps=3"),
        ({"max_samples": 0}, "Received: max_samples=0"),
    ],
)
def test_bad_ranges_raise_in_keras_style(digits, kwargs, received):
    with pytest.raises(ValueError, match=received):
        find_learning_rate(digits_run(), digits, **kwargs)


def test_a_config_of_another_kind_is_refused(digits):
    with pytest.raises(ValueError, match="Received: config=TrainingConfig"):
        find_learning_rate(TrainingConfig(), digits)


def test_a_config_for_other_data_is_refused(digits):
    run = RunConfig(DataConfig("mnist"), MLPConfig(((8, "relu"),)))
    with pytest.raises(ValueError, match="Received data set 'digits'"):
        find_learning_rate(run, digits)


@pytest.mark.parametrize("seed", range(5))
def test_the_rule_is_robust_to_noise(seed):
    """A U-shaped curve lowest at 1e-2, with noise and a few wild batches: the
    suggestion stays within a factor of 2 of 1e-3."""
    rng = np.random.default_rng(seed)
    rates = learning_rates(1e-5, 10.0, 300)
    clean = 0.3 + 0.25 * (np.log10(rates) + 2) ** 2
    noisy = clean * rng.lognormal(0.0, 0.2, len(rates))
    noisy[rng.choice(len(rates), 6, replace=False)] *= 5  # single bad batches
    _, climb, suggestion = suggest_learning_rate(rates, noisy)
    assert 5e-3 <= climb <= 2e-2
    assert 5e-4 <= suggestion <= 2e-3
