"""The Predictions page offers a run's TensorBoard logs beside its other downloads.

The downloads section is driven on its own (`ui.predictions.view.downloads`), so this
test does not depend on how the page lists and picks runs.
"""

from streamlit.testing.v1 import AppTest

from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
from core.data import load_dataset
from core.runs import load_or_train
from core.store import RunStore


def test_the_tensorboard_download_sits_with_the_others():
    config = RunConfig(DataConfig("digits"), MLPConfig(((8, "relu"),)), TrainingConfig(epochs=2, batch_size=64))
    load_or_train(config, load_dataset("digits"))
    key = RunStore().key_for(config.to_json())

    def script(key: str):
        from core.store import RunStore
        from ui.predictions import view

        view.downloads(RunStore().load_key(key))

    at = AppTest.from_function(script, args=(key,), default_timeout=120).run()
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels[-1] == "TensorBoard logs (zip)"
    assert labels.index("TensorBoard logs (zip)") == labels.index("Configuration (JSON)") + 1
