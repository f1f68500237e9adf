"""Figures of a run mark the epoch whose weights the model holds."""

from ui import charts
from ui.regression import figures

HISTORY = {"loss": [1.0, 0.6, 0.5, 0.55], "val_loss": [0.9, 0.5, 0.7, 0.8], "accuracy": [0.5, 0.7, 0.8, 0.8]}


def _marked_epochs(figure) -> list[float]:
    return [shape.x0 for shape in figure.layout.shapes]


def test_an_early_stopped_run_marks_its_restored_epoch_on_every_panel():
    figure = charts.learning_curves(HISTORY, restored=2)
    assert set(_marked_epochs(figure)) == {2} and len(_marked_epochs(figure)) == 2  # both panels
    assert any("weights of epoch 2" in note.text for note in figure.layout.annotations)


def test_a_run_that_kept_its_last_epoch_marks_nothing():
    assert _marked_epochs(charts.learning_curves(HISTORY, restored=4)) == []
    assert _marked_epochs(charts.learning_curves(HISTORY)) == []


def test_regression_curves_mark_it_too_with_an_auxiliary_output():
    history = {
        "loss": [1.0, 0.8, 0.9],
        "val_loss": [1.1, 0.7, 0.9],
        "main_output_loss": [0.9, 0.7, 0.8],
        "aux_output_loss": [1.2, 1.0, 1.1],
        "main_output_root_mean_squared_error": [0.9, 0.8, 0.85],
    }
    assert set(_marked_epochs(figures.learning_curves(history, restored=2))) == {2}


def test_each_curve_is_in_the_legend_once_even_when_a_panel_lacks_it():
    history = {"loss": [1.0, 0.6], "accuracy": [0.5, 0.7], "val_accuracy": [0.4, 0.6]}  # no val_loss
    names = [trace.name for trace in charts.learning_curves(history).data if trace.showlegend is not False]
    assert sorted(names) == ["training", "validation"]


def test_the_kept_epoch_is_marked_even_when_it_is_the_last_if_asked():
    assert _marked_epochs(charts.learning_curves(HISTORY, restored=4, mark_last=True)) == [4, 4]


def test_probability_bars_leave_room_for_the_last_tick_and_cells_are_clickable():
    import numpy as np

    assert charts.probability_bars(np.array([0.2, 0.8]), ("a", "b")).layout.margin.r >= 24
    figure = charts.confusion_matrix(np.eye(2), ("a", "b"))
    assert [list(cell) for cell in figure.data[1].customdata] == [[0, 0], [0, 1], [1, 0], [1, 1]]
