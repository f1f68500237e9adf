"""Every page in the navigation opens without an exception, and home links to each."""

import pytest

from tests.app.helpers import APP, open_page
from ui.nav import HOME, built_pages


@pytest.mark.parametrize("entry", (HOME, *built_pages()), ids=lambda entry: entry.path)
def test_page_opens_without_exception(entry):
    at = open_page(entry.path)
    assert not at.exception, at.exception
    assert at.title and at.title[0].value


def test_home_links_every_built_page_and_does_not_start_tensorflow():
    import os
    import subprocess
    import sys

    # A fresh interpreter: the home page must not import TensorFlow (it makes start slow).
    # Without the background warm-up (ui.warmup), which imports it on purpose.
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "print('tensorflow' in sys.modules)\n"
    )
    env = {**os.environ, "MLP_EXPLORER_WARMUP": "0"}
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert output.stdout.strip().splitlines()[-1] == "False"

    at = open_page(HOME.path)
    links = sorted(link.proto.label for link in at.get("page_link"))
    assert links == sorted(entry.title for entry in built_pages())
