"""The "Tune hyperparameters" tab: its form, bad ranges, and a tiny search through the page."""

import pytest

from tests.app.helpers import button, finish_jobs, open_page, texts

PAGE = "pages/experiments.py"


def _widget(elements, key):
    return next(element for element in elements if element.key == key)


def test_the_form_shows_and_a_bad_range_says_so():
    from core import jobs

    before = set(jobs.pool().jobs())  # earlier tests' jobs stay findable for a while
    at = open_page(PAGE)
    assert not at.exception
    assert button(at, "Search")
    _widget(at.number_input, "experiments.units_min").set_value(256)
    _widget(at.number_input, "experiments.units_max").set_value(16)
    at.run()  # every field applies at once: Search is off while the ranges cannot search
    assert "Received: units=(256, 16). Swap the two bounds." in texts(at.error)
    assert button(at, "Search").disabled
    assert not at.exception
    assert set(jobs.pool().jobs()) == before  # nothing was started


@pytest.mark.slow
def test_a_tiny_search_through_the_page():
    at = open_page(PAGE)
    _widget(at.number_input, "experiments.max_trials").set_value(2)
    _widget(at.number_input, "experiments.epochs").set_value(1)
    _widget(at.number_input, "experiments.num_train").set_value(300)
    _widget(at.number_input, "experiments.layers_max").set_value(1)
    _widget(at.number_input, "experiments.units_max").set_value(32)
    button(at, "Search").click().run()
    assert not at.exception and not at.error, texts(at.error)
    finish_jobs(at)
    at.run()  # the fragment saw the job end and reran the page
    assert not at.exception, at.exception
    assert "Best trial" in texts(at.subheader)
    assert any(metric.label == "Test accuracy" for metric in at.metric)
    assert any(button.label.startswith("Train it again") for button in at.button)
