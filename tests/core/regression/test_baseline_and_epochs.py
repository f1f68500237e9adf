"""The scikit-learn baseline kept on disk, figures from the weights the model holds,
predictions rounded to what the model's error supports, and the recipes' presets."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.config import TrainingConfig
from core.regression import baseline
from core.regression.housing import load_regression_data, round_to_error
from core.regression.sequential import (
    COURSE_REGRESSION_TRAINING,
    FAST_REGRESSION_TRAINING,
    RMSE,
    RegressionRun,
    train_regression,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def diabetes():
    return load_regression_data("diabetes")


def refuse_to_fit(*args, **kwargs):
    raise AssertionError("the baseline was fitted again instead of read from the store")


def test_baseline_is_kept_in_the_store_and_read_back_without_fitting(diabetes, tmp_path, monkeypatch):
    first = baseline.load_or_train_baseline(diabetes, num_train=120, root=tmp_path)
    assert not first.from_cache
    files = list((tmp_path / ".baselines").iterdir())
    assert [path.suffix for path in files] == [".json"]  # written whole, no temporary file left
    monkeypatch.setattr(baseline, "train_baseline", refuse_to_fit)
    again = baseline.load_or_train_baseline(diabetes, num_train=120, root=tmp_path)
    assert again.from_cache and again.load_time is not None and again.load_time < 1.0
    assert (again.valid_rmse, again.test_rmse, again.n_iter) == (first.valid_rmse, first.test_rmse, first.n_iter)
    with pytest.raises(AssertionError, match="fitted again"):  # other settings: another entry
        baseline.load_or_train_baseline(diabetes, num_train=100, root=tmp_path)


@pytest.mark.slow
def test_a_second_process_reads_the_stored_baseline(diabetes, tmp_path):
    first = baseline.load_or_train_baseline(diabetes, num_train=120, root=tmp_path)
    script = (
        "import json, sys\n"
        "from core.regression import baseline\n"
        "from core.regression.housing import load_regression_data\n"
        "baseline.train_baseline = None  # fitting would raise\n"
        "result = baseline.load_or_train_baseline(load_regression_data('diabetes'), num_train=120, root=sys.argv[1])\n"
        "print(json.dumps([result.from_cache, result.test_rmse]))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(output.stdout.strip().splitlines()[-1]) == [True, first.test_rmse]


def test_an_unreadable_baseline_file_is_fitted_again(diabetes, tmp_path):
    first = baseline.load_or_train_baseline(diabetes, num_train=120, root=tmp_path)
    (path,) = (tmp_path / ".baselines").iterdir()
    path.write_text('{"valid_rmse": 0.5')  # truncated
    again = baseline.load_or_train_baseline(diabetes, num_train=120, root=tmp_path)
    assert not again.from_cache and again.test_rmse == pytest.approx(first.test_rmse)
    assert json.loads(path.read_text())["test_rmse"] == pytest.approx(first.test_rmse)


def test_validation_figures_come_from_the_weights_the_model_holds(diabetes):
    # Early stopping restores the best epoch: the validation RMSE shown is that epoch's,
    # as Keras's evaluate of the final model gives it, not the last epoch's.
    training = TrainingConfig(batch_size=16, epochs=12, learning_rate=0.05, early_stopping_patience=2)
    result = train_regression(RegressionRun(dataset="diabetes", training=training), diabetes)
    logs = result.model.evaluate(diabetes.x_valid, diabetes.y_valid, verbose=0, return_dict=True)
    assert result.test_metrics["valid_rmse"] == pytest.approx(logs[RMSE], abs=1e-4)
    epoch = result.restored_epoch
    assert result.test_metrics["valid_rmse"] == pytest.approx(result.history["val_" + RMSE][epoch - 1], rel=1e-4)


def test_predictions_are_rounded_to_what_the_error_supports():
    assert f"≈ ${round_to_error(2.10095, 0.53) * 100_000:,.0f}" == "≈ $210,000"
    assert round_to_error(2.10095, 0.005) == pytest.approx(2.101)
    assert round_to_error(2.10095, float("inf")) == 2.10095  # a diverged model: nothing to round to


def test_recommended_and_course_recipes_are_both_offered():
    from ui.regression.view import REGRESSION_PRESETS

    recipes = list(REGRESSION_PRESETS.values())
    assert recipes[0] == FAST_REGRESSION_TRAINING  # the page's default
    assert COURSE_REGRESSION_TRAINING in recipes
    assert (COURSE_REGRESSION_TRAINING.optimizer, COURSE_REGRESSION_TRAINING.learning_rate) == ("adam", 1e-3)
    assert COURSE_REGRESSION_TRAINING.epochs == 20 and COURSE_REGRESSION_TRAINING.batch_size == 32


def test_figures_fit_the_data_and_say_when_there_is_nothing_to_draw():
    from ui.regression.figures import has_finite_curves, predicted_vs_actual

    y_true = np.array([0.5, 1.0, 5.0])
    y_pred = np.array([0.7, 1.2, 4.0])
    figure = predicted_vs_actual(y_true, y_pred, "$100,000")
    for axis in (figure.layout.xaxis, figure.layout.yaxis):
        low, high = axis.range
        assert 0.3 < low < 0.5 and 5.0 < high < 5.2
    assert predicted_vs_actual(y_true, np.full(3, np.nan), "$100,000").layout.xaxis.range[1] < 5.2
    assert not has_finite_curves({"loss": [float("nan")]}) and not has_finite_curves({})
    assert has_finite_curves({"loss": [1e30, float("nan")]})
