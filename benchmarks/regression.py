"""Full-data benchmark of the regression pages: test RMSE and training time of the
default regression MLP, the scikit-learn baseline and the three wide & deep variants.

All use the book's California housing split and the regression pages' recommended
recipe (`core.config.RECOMMENDED_REGRESSION_TRAINING`: Adam 1e-3, batches of 32, up to
30 epochs with early stopping, patience 10). Nothing is read from or written to the store.

Usage: python -m benchmarks.regression   (with SCIKIT_LEARN_DATA pointing at the data)
"""

from core.config import RECOMMENDED_REGRESSION_TRAINING
from core.regression.housing import load_regression_data
from core.regression.sequential import RegressionRun, train_baseline, train_regression
from core.regression.wide_deep import VARIANT_TITLES, VARIANTS, WideDeepConfig, WideDeepRun, train_wide_deep
from core.training import device_name


def benchmark(data, training) -> None:
    rows = []
    result = train_regression(RegressionRun(training=training), data)
    rows.append(
        ("Keras Sequential 50-50-50 (page default)", result.test_metrics["rmse"], result.wall_time, result.epochs_run)
    )
    baseline = train_baseline(data)
    rows.append(("scikit-learn MLPRegressor(50, 50, 50)", baseline.test_rmse, baseline.wall_time, baseline.n_iter))
    for variant in VARIANTS:
        result = train_wide_deep(WideDeepRun(model=WideDeepConfig(variant), training=training), data)
        rows.append(
            (f"Wide & deep {VARIANT_TITLES[variant]}", result.test_metrics["rmse"], result.wall_time, result.epochs_run)
        )
    print(f"California housing, {len(data.x_train):,} training samples, {device_name()}; training: {training}")
    print(f"{'model':<45} {'test RMSE':>9} {'time (s)':>9} {'epochs':>7}")
    for name, rmse, seconds, epochs in rows:
        print(f"{name:<45} {rmse:>9.4f} {seconds:>9.1f} {epochs:>7}")


def main() -> None:
    data = load_regression_data("california_housing")
    benchmark(data, RECOMMENDED_REGRESSION_TRAINING)


if __name__ == "__main__":
    main()
