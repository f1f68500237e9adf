"""The regression kinds of run: the Sequential MLP and the wide & deep models.

They tell `core.runs` how to check, train and describe a `RegressionRun` or a
`WideDeepRun`; both store their test predictions and the columns they read, so the
Predictions page can use them on new rows.

Example:

>>> from core.regression.sequential import RegressionRun
>>> REGRESSION.describe(RegressionRun())
'Sequential 50-50-50 relu'
"""

from __future__ import annotations

from core.regression.housing import TITLES, RegressionData
from core.regression.sequential import RegressionRun, check_fits, summarize_regression, train_regression
from core.regression.wide_deep import (
    WideDeepRun,
    check_features,
    count_params,
    model_inputs,
    subclassed_model_class,
    train_wide_deep,
)
from core.runs import RunKind, check_limits, register


class _TabularKind(RunKind):
    predictions_array = "test_pred"
    inputs = "rows"
    key_metric = ("test RMSE", "rmse")

    def dataset(self, config) -> str:
        return config.dataset

    def dataset_title(self, config) -> str:
        return TITLES.get(config.dataset, config.dataset)

    def describe(self, config) -> str:
        return config.describe()

    def config_from_dict(self, data: dict):
        return self.config_type(**data)

    def column_groups(self, config, num_features: int) -> list[list[int]]:
        return [list(range(num_features))]

    def meta_extras(self, config, data: RegressionData) -> dict:
        return {
            "feature_names": list(data.feature_names),
            "model_inputs": self.column_groups(config, data.num_features),
            "target_name": data.target_name,
        }


class RegressionKind(_TabularKind):
    name = "regression"
    title = "Regression MLP"
    config_type = RegressionRun

    def check(self, config: RegressionRun, data: RegressionData) -> None:
        check_fits(config, data)
        params = sum(row.params for row in summarize_regression(config.model, data.num_features))
        check_limits(params, config.training.epochs, **_cost(config, data))

    def train(self, config: RegressionRun, data: RegressionData, *, on_epoch=None, should_stop=None, start=None):
        return train_regression(config, data, on_epoch=on_epoch, should_stop=should_stop, start=start)


def _cost(config, data: RegressionData) -> dict:
    """What a tabular run's training time depends on, besides its parameters."""
    return {"samples": len(data.x_train), "batch_size": config.training.batch_size}


class WideDeepKind(_TabularKind):
    name = "wide_and_deep"
    title = "Wide & deep"
    config_type = WideDeepRun

    @property
    def predictions_array(self) -> str:
        # `core.runs` reads this first when it rebuilds a stored run, before it loads the
        # model: a stored subclassed model loads only once its class is registered with
        # Keras. Registering here keeps Keras out of the imports of pages that never load
        # a model (the class needs Keras to be defined).
        subclassed_model_class()
        return "test_pred"

    def check(self, config: WideDeepRun, data: RegressionData) -> None:
        subclassed_model_class()  # a continued run loads its parent's model next
        check_fits(config, data)
        check_features(config.model, data.num_features)
        check_limits(count_params(config.model, data.num_features), config.training.epochs, **_cost(config, data))

    def train(self, config: WideDeepRun, data: RegressionData, *, on_epoch=None, should_stop=None, start=None):
        return train_wide_deep(config, data, on_epoch=on_epoch, should_stop=should_stop, start=start)

    def column_groups(self, config: WideDeepRun, num_features: int) -> list[list[int]]:
        return model_inputs(config.model, num_features)


REGRESSION = register(RegressionKind())
WIDE_AND_DEEP = register(WideDeepKind())
