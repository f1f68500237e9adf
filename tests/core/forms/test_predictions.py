"""The Predictions page's form: its run key, its tabs, and what a link may set."""

import pytest

from core import forms
from core.forms.predictions import PredictionsForm, check, is_run_key
from core.store import RunStore

KEY = "0123456789abcdef0123"


def test_a_store_key_and_an_upload_key_are_run_keys(tmp_path):
    assert is_run_key(RunStore(tmp_path).key_for('{"kind": "classification"}'))
    assert is_run_key(KEY) and is_run_key("upload-0123456789ab")
    for text in ("", "../etc", "ABCDEF0123", KEY + "\x00", "x" * 2000, "0123 4567 89ab", "upload-"):
        assert not is_run_key(text), text


def test_the_form_round_trips_through_its_params():
    form = PredictionsForm(
        selected=KEY, tab="details", images="by_class", image_class=3, pen=30, features=(1.5, -2.0), continue_epochs=7
    )
    assert forms.from_params(PredictionsForm, forms.to_params(form), check=check) == (form, [])
    assert forms.to_params(form)["selected"] == KEY


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("selected", "../../etc/passwd", "expected a run's key"),
        ("selected", "%00", "expected a run's key"),
        ("selected", "\x00", "expected a run's key"),
        ("selected", "a" * 2000, "expected a run's key"),
        ("tab", "secret", "expected one of predict, take_away, details"),
        ("image_class", "10", "expected an integer between 0 and 9"),
        ("image_seed", "-1", "expected an integer between 0"),
        ("pen", "400", "expected an integer between 6 and 40"),
        ("continue_epochs", "0", "expected an integer between 1 and 200"),
        ("features", "1,nan", "expected a number"),
    ],
)
def test_a_bad_link_value_costs_only_its_field(name, text, reason):
    others = {"tab": "details", "pen": "12", "images": "misclassified"}
    others.pop(name, None)
    form, warnings = forms.from_params(PredictionsForm, {name: text, **others}, check=check)
    assert len(warnings) == 1 and reason in warnings[0], warnings
    assert len(warnings[0]) < 300  # a 2,000-character value is cut
    assert getattr(form, name) == getattr(PredictionsForm(), name)
    assert all(forms.to_params(form)[other] == value for other, value in others.items())
