"""The look-inside section: its figures, and the section rendered by Streamlit."""

import json
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from core import inside
from ui.classification import inside_figures

RNG = np.random.default_rng(0)
X = RNG.random((8, 4, 4), dtype=np.float32)
Y = np.arange(8) % 3


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny ReLU-tanh model trained 2 epochs with the recorder, saved as a `.keras`
    file: (model, summary, path of the model, path of the arrays)."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((4, 4)),
            keras.layers.Flatten(),
            keras.layers.Dense(20, activation="relu"),
            keras.layers.Dense(4, activation="tanh"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    recorder = inside.InsideRecorder(X, Y, bins=5)
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0, callbacks=[recorder.callback()])
    folder = tmp_path_factory.mktemp("inside")
    model.save(folder / "model.keras")
    summary = recorder.summary()
    np.savez(folder / "arrays.npz", test_proba=np.zeros((2, 3)), **summary.to_arrays())
    return model, summary, str(folder / "model.keras"), str(folder / "arrays.npz")


def test_unit_images_tile_every_unit_on_a_scale_centred_on_zero():
    images = RNG.normal(size=(5, 4, 3)).astype(np.float32)
    figure = inside_figures.unit_images(images, layer="dense")
    (heatmap,) = figure.data
    assert isinstance(heatmap, go.Heatmap)
    z = np.array(heatmap.z, dtype=float)
    assert np.isfinite(z).sum() == images.size  # every weight, and NaN gaps between tiles
    assert heatmap.zmid == 0 and heatmap.zmin == -heatmap.zmax
    units = np.array(heatmap.customdata)
    assert set(np.unique(units)) == {-1, 0, 1, 2, 3, 4}
    grid, _ = inside_figures.tile(images, columns=3)
    np.testing.assert_array_equal(grid[:4, 4:7], images[1])  # second tile, after a one-pixel gap


def test_unit_images_of_all_zero_weights_still_have_a_scale():
    figure = inside_figures.unit_images(np.zeros((2, 3, 3), dtype=np.float32))
    assert figure.data[0].zmax == 1.0


@pytest.mark.parametrize("kind", ["weights", "activations"])
def test_histograms_have_a_bar_per_layer_and_a_frame_per_epoch(trained, kind):
    summary = trained[1]
    figure = inside_figures.histograms(summary, kind)
    assert len(figure.data) == 3 and all(isinstance(trace, go.Bar) for trace in figure.data)
    assert [frame.name for frame in figure.frames] == ["0", "1", "2"]
    assert [step.label for step in figure.layout.sliders[0].steps] == ["0", "1", "2"]
    assert figure.layout.sliders[0].active == 2  # the last epoch first
    counts = summary.weight_counts if kind == "weights" else summary.activation_counts
    np.testing.assert_allclose(figure.frames[0].data[1].y, counts[0, 1] / counts[0, 1].sum())
    assert sum(figure.data[0].y) == pytest.approx(1.0)


def test_histograms_start_at_the_restored_epoch_and_take_a_log_scale(trained):
    figure = inside_figures.histograms(trained[1], "activations", restored=1, log_y=True)
    assert figure.layout.sliders[0].active == 1
    assert figure.layout.yaxis.type == "log"
    with pytest.raises(ValueError, match="Received: kind='biases'"):
        inside_figures.histograms(trained[1], "biases")


def test_unit_health_has_a_line_per_relu_and_tanh_layer(trained):
    figure = inside_figures.unit_health(trained[1], restored=1)
    names = [trace.name for trace in figure.data]
    assert len(names) == 2 and names[0].endswith("(relu): dead") and names[1].endswith("(tanh): saturated")
    assert list(figure.data[0].x) == [0, 1, 2]
    assert any(shape.type == "line" for shape in figure.layout.shapes)  # the restored epoch is marked


def test_gradient_norms_has_a_line_per_layer_on_a_log_scale(trained):
    figure = inside_figures.gradient_norms(trained[1])
    assert len(figure.data) == 3 and figure.layout.yaxis.type == "log"
    np.testing.assert_allclose(figure.data[2].y, trained[1].gradient_norms[:, 2])


def section_script(model_path, arrays_path, mode):
    """An app that shows the section for a model and its stored arrays."""
    from types import SimpleNamespace

    import keras
    import numpy as np

    from ui.classification.inside import show_inside

    model = keras.saving.load_model(model_path, compile=False)
    with np.load(arrays_path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    if mode == "arrays":
        show_inside(arrays, model, prefix="test")
    elif mode == "result":
        result = SimpleNamespace(model=model, arrays=arrays, restored_epoch=1, epochs_run=2)
        show_inside(result, prefix="test")
    elif mode == "older":
        show_inside({"test_proba": arrays["test_proba"]}, model, prefix="test")
    elif mode == "broken":
        del arrays["inside.dead"]
        show_inside(arrays, model, prefix="test")


def run_section(trained, mode) -> AppTest:
    at = AppTest.from_function(section_script, args=(trained[2], trained[3], mode), default_timeout=60)
    return at.run()


def charts(at):
    return at.get("plotly_chart")


LABELS = ["What the first layer looks for", "Weights and activations", "Dead and saturated units", "Gradient norms"]


def open_tab(at: AppTest, label: str) -> AppTest:
    """Opens a tab of the section, as a click would: only the open tab runs."""
    at.session_state["test.inside.tab"] = label
    at.run()
    assert not at.exception
    return at


@pytest.mark.slow
def test_section_shows_every_view_of_a_recorded_run(trained):
    at = run_section(trained, "arrays")
    assert not at.exception
    assert [tab.label for tab in at.tabs] == [
        "What the first layer looks for",
        "Weights and activations",
        "Dead and saturated units",
        "Gradient norms",
    ]
    # Only the open tab draws: unit images, 2 histograms, dead/saturated, gradient norms.
    assert [len(charts(open_tab(at, label))) for label in LABELS] == [1, 2, 1, 1]
    captions = "\n".join(caption.value for caption in open_tab(at, "Dead and saturated units").caption)
    assert "After epoch 2:" in captions
    open_tab(at, "Weights and activations").toggle[0].set_value(True).run()
    assert not at.exception
    open_tab(at, LABELS[0])
    assert at.select_slider[0].label == "Units shown"
    at.select_slider[0].set_value(20).run()
    assert not at.exception and "The first 20 of the 20 units" in at.caption[0].value
    # Each tab keeps its setting while another is open.
    assert open_tab(at, "Weights and activations").toggle[0].value is True
    assert open_tab(at, LABELS[0]).select_slider[0].value == 20


def test_section_reads_a_result(trained):
    at = run_section(trained, "result")
    assert not at.exception and len(at.tabs) == 4 and len(charts(at)) == 1
    # Early stopping kept epoch 1's weights: the histograms open there.
    weights_histogram = json.loads(charts(open_tab(at, "Weights and activations"))[0].proto.spec)
    assert weights_histogram["layout"]["sliders"][0]["active"] == 1
    captions = "\n".join(caption.value for caption in open_tab(at, "Dead and saturated units").caption)
    assert "After epoch 1 (the weights the model kept):" in captions


def test_older_run_shows_the_weights_images_and_says_why_nothing_else(trained):
    at = run_section(trained, "older")
    assert not at.exception
    assert len(at.tabs) == 0 and len(charts(at)) == 1
    assert any(
        caption.value
        == "Histograms, dead and saturated units and gradient norms are recorded while a run trains: runs trained from now on have them."
        for caption in at.caption
    )


def test_unreadable_summary_warns_and_shows_the_weights_images(trained):
    at = run_section(trained, "broken")
    assert not at.exception
    assert "missing inside.dead" in at.warning[0].value
    assert len(charts(at)) == 1


def test_summary_of_reads_every_kind_of_source(trained):
    from ui.classification.inside import summary_of

    summary = trained[1]
    assert summary_of(None) is None and summary_of(summary) is summary
    assert summary_of(summary.to_arrays()).layers == summary.layers
    assert summary_of(SimpleNamespace(arrays=summary.to_arrays())).layers == summary.layers
    assert summary_of(SimpleNamespace(predictions=np.zeros(2))) is None
