"""The README's lesson links open their pages as they say: no warning, no error, and
only the controls they name."""

import re
import urllib.parse
from pathlib import Path

import pytest

from core import forms
from tests.app.helpers import open_page

README = Path(__file__).resolve().parents[2] / "README.md"


def lesson_links() -> list[str]:
    section = README.read_text().split("**Lesson links**", 1)[1]
    return re.findall(r"^\| [^|]+ \| `(/[^`]+)`", section, flags=re.MULTILINE)


def test_the_readme_has_a_lesson_link_for_every_page_with_a_form():
    pages = {urllib.parse.urlparse(link).path.strip("/") for link in lesson_links()}
    assert pages == {"neuron", "activations", "classification", "regression", "wide_and_deep", "playground"} | (
        pages & {"predictions", "experiments"}
    )


@pytest.mark.parametrize("link", lesson_links())
def test_a_lesson_link_opens_its_page_without_a_warning(link):
    url = urllib.parse.urlparse(link)
    name = url.path.strip("/")
    at = open_page(f"pages/{name}.py")
    at.query_params.clear()
    at.query_params.update({key: values[-1] for key, values in urllib.parse.parse_qs(url.query).items()})
    at.run()
    assert not at.exception, at.exception
    assert not [warning.value for warning in at.warning if "link" in warning.value]
    form = at.session_state[f"{ {'wide_and_deep': 'wide_deep'}.get(name, name) }.form"]
    for field, values in urllib.parse.parse_qs(url.query).items():
        if field in forms.field_names(type(form)):
            assert getattr(form, field) == forms.parse(type(form), field, values[-1]), field
