"""The classification kind of run: an MLP on Fashion-MNIST, MNIST or 8x8 digits.

It tells `core.runs` how to check, train and describe a `core.config.RunConfig`;
training itself is `core.training.train`.

Example:

>>> from core.config import RunConfig
>>> CLASSIFICATION.describe(RunConfig())
'300-100 relu'
>>> CLASSIFICATION.dataset_title(RunConfig())
'Fashion-MNIST'
"""

from __future__ import annotations

from core.config import RunConfig
from core.data import TITLES, for_run
from core.models import count_params, output_units
from core.runs import RunKind, check_limits, register
from core.training import check_batch_size, split_train_valid


class ClassificationKind(RunKind):
    name = "classification"
    title = "Classification MLP"
    config_type = RunConfig
    predictions_array = "test_proba"
    inputs = "images"
    key_metric = ("test accuracy", "accuracy")

    def dataset(self, config: RunConfig) -> str:
        return config.data.name

    def dataset_title(self, config: RunConfig) -> str:
        return TITLES.get(config.data.name, config.data.name)

    def check(self, config: RunConfig, data) -> None:
        if config.data.name != data.name:
            raise ValueError(
                f"Received data set {data.name!r} for a run configured on {config.data.name!r}. "
                "Load the data set the config names."
            )
        samples = len(split_train_valid(data, config)[0])
        check_batch_size(config.training, samples)
        num_classes = for_run(data, config.data).num_classes
        params = count_params(config.model, data.image_shape, output_units(config.model, num_classes))
        check_limits(params, config.training.epochs, samples=samples, batch_size=config.training.batch_size)

    def train(self, config: RunConfig, data, *, on_epoch=None, should_stop=None, start=None):
        from core.training import train

        return train(
            config, data, on_epoch=on_epoch, should_stop=should_stop, start=start, callbacks=self.callbacks(config)
        )

    def callbacks(self, config: RunConfig) -> list:
        """More Keras callbacks for a run's `model.fit`; none yet."""
        return []

    def describe(self, config: RunConfig) -> str:
        return config.model.describe()


CLASSIFICATION = register(ClassificationKind())
