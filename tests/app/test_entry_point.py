"""app.py as `streamlit run` uses it: the server imports it and serves its `app`
(Streamlit's ASGI mode), which caps the allocator's heaps before any request; run as
`__main__` it routes (every AppTest of the pages runs it that way)."""

import subprocess
import sys
from pathlib import Path

from streamlit.web.server.app_discovery import discover_asgi_app

from tests.core.test_heap import ROOT, arenas_after_twelve_threads, glibc_only

APP = ROOT / "app.py"


def test_streamlit_run_serves_the_app_it_defines():
    found = discover_asgi_app(Path(APP))
    assert found.is_asgi_app, "`streamlit run app.py` would not serve the st.App in app.py"
    assert found.import_string == "app:app"


def test_the_server_import_defines_the_streamlit_app_for_this_file():
    # ...and leaves `ui` for a visitor's first page to import (ui.streamlit_compat's deep links).
    source = (
        "import app, streamlit, sys; print(type(app.app) is streamlit.App, 'ui' in sys.modules, app.app.script_path)"
    )
    output = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=120, check=True, cwd=ROOT
    )
    is_app, ui_imported, script = output.stdout.split()[-3:]
    assert is_app == "True"
    assert ui_imported == "False"
    assert Path(script).resolve() == APP.resolve()


@glibc_only
def test_the_server_import_caps_the_heaps_before_its_threads():
    assert arenas_after_twelve_threads("import app") == 2
    # The operator's MALLOC_ARENA_MAX wins over the app's cap.
    assert arenas_after_twelve_threads("import app", MALLOC_ARENA_MAX="4") == 4
