"""Full-data benchmark of the regression pages: the Keras MLP against the scikit-learn
baseline it is compared with, in one process, and the ratio of their training times.

Each repeat fits the baseline (`MLPRegressor(50, 50, 50)`, nothing read from its cache)
and the page's default Keras model (Sequential 50-50-50 with a `Normalization` layer)
with the recommended recipe (`FAST_REGRESSION_TRAINING`), back to back, so both see the
same load on a shared machine. Then, once: the course's recipe and the patient one
(`--recipes`), and the three wide & deep variants (`--wide-deep`). Nothing is read from
or written to the store. The goal: the Keras model trains in at most half the
baseline's time, at the same or a better test RMSE.

Usage: python -m benchmarks.regression [--repeats 3] [--recipes] [--wide-deep]
(with SCIKIT_LEARN_DATA pointing at the data)
"""

import argparse

from core.config import RECOMMENDED_REGRESSION_TRAINING
from core.regression.housing import load_regression_data
from core.regression.sequential import (
    COURSE_REGRESSION_TRAINING,
    FAST_REGRESSION_TRAINING,
    RegressionRun,
    train_baseline,
    train_regression,
)
from core.regression.wide_deep import VARIANT_TITLES, VARIANTS, WideDeepConfig, WideDeepRun, train_wide_deep
from core.training import device_name


def row(name: str, rmse: float, seconds: float, epochs: int) -> str:
    return f"{name:<48} {rmse:>9.4f} {seconds:>9.2f} {epochs:>7}"


def head() -> None:
    print(f"{'model':<48} {'test RMSE':>9} {'time (s)':>9} {'epochs':>7}")


def compare(data, repeats: int) -> None:
    print(f"Recommended recipe: {FAST_REGRESSION_TRAINING}")
    for repeat in range(1, repeats + 1):
        sklearn = train_baseline(data)
        keras = train_regression(RegressionRun(training=FAST_REGRESSION_TRAINING), data)
        print(f"-- repeat {repeat}")
        head()
        print(row("scikit-learn MLPRegressor(50, 50, 50)", sklearn.test_rmse, sklearn.wall_time, sklearn.n_iter))
        print(row("Keras 50-50-50, recommended recipe", keras.test_metrics["rmse"], keras.wall_time, keras.epochs_run))
        ratio = keras.wall_time / sklearn.wall_time
        better = keras.test_metrics["rmse"] <= sklearn.test_rmse
        print(f"time ratio Keras / scikit-learn: {ratio:.2f}; RMSE {'same or better' if better else 'WORSE'}")


def recipes(data) -> None:
    head()
    for name, training in (
        ("course's recipe", COURSE_REGRESSION_TRAINING),
        ("patient", RECOMMENDED_REGRESSION_TRAINING),
    ):
        result = train_regression(RegressionRun(training=training), data)
        print(row(f"Keras 50-50-50, {name}", result.test_metrics["rmse"], result.wall_time, result.epochs_run))


def wide_deep(data) -> None:
    head()
    for variant in VARIANTS:
        run = WideDeepRun(model=WideDeepConfig(variant), training=FAST_REGRESSION_TRAINING)
        result = train_wide_deep(run, data)
        print(
            row(
                f"Wide & deep {VARIANT_TITLES[variant]}",
                result.test_metrics["rmse"],
                result.wall_time,
                result.epochs_run,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--recipes", action="store_true", help="also the course's and the patient recipe")
    parser.add_argument("--wide-deep", action="store_true", help="also the three wide & deep variants")
    args = parser.parse_args()
    data = load_regression_data("california_housing")
    print(f"California housing, {len(data.x_train):,} training samples, {device_name()}")
    compare(data, args.repeats)
    if args.recipes:
        recipes(data)
    if args.wide_deep:
        wide_deep(data)


if __name__ == "__main__":
    main()
