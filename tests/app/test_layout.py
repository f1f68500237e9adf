"""The project's layout rules: figure builders and core never import Streamlit.

`ui/charts.py` and every `ui/<page>/figures.py` are plain functions from data to
figures, so they can be tested, timed and reused without a running app; `core/` is
the engine, usable from a notebook. Checked on the source (any `import streamlit`,
even inside a function) and, for the figures, on what importing them really loads.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURE_MODULES = sorted([ROOT / "ui" / "charts.py", *(ROOT / "ui").glob("**/figures.py")])
CORE_MODULES = sorted((ROOT / "core").glob("**/*.py"))


def streamlit_imports(source: str) -> list[str]:
    """The `import streamlit...` / `from streamlit... import` statements, anywhere in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "streamlit"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "streamlit":
            found.append(node.module)
    return found


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_checker_finds_streamlit_imports_anywhere():
    source = "import numpy\nimport streamlit as st\ndef f():\n    from streamlit.runtime import x\n"
    assert streamlit_imports(source) == ["streamlit", "streamlit.runtime"]
    assert streamlit_imports("import streamlit_extras\nfrom .streamlit import x\n") == []


def test_every_page_with_figures_has_its_figures_module():
    names = {relative(path) for path in FIGURE_MODULES}
    assert {
        "ui/charts.py",
        "ui/fundamentals/figures.py",
        "ui/playground/figures.py",
        "ui/predictions/figures.py",
        "ui/regression/figures.py",
    } <= names
    assert len(CORE_MODULES) > 10


@pytest.mark.parametrize("path", FIGURE_MODULES, ids=relative)
def test_figure_modules_never_import_streamlit(path):
    assert not streamlit_imports(path.read_text()), (
        f"{relative(path)} imports Streamlit; figure builders must not. Move the Streamlit "
        "calls into the page's view.py and keep only data-to-figure code here."
    )


@pytest.mark.parametrize("path", CORE_MODULES, ids=relative)
def test_core_never_imports_streamlit(path):
    assert not streamlit_imports(path.read_text()), (
        f"{relative(path)} imports Streamlit; core/ is the engine and must run without it. "
        "Move the Streamlit part into ui/ or pages/."
    )


def test_importing_the_figures_loads_no_streamlit():
    modules = [relative(path)[:-3].replace("/", ".") for path in FIGURE_MODULES]
    code = f"import sys\nfor name in {modules!r}:\n    __import__(name)\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"importing {modules} loaded Streamlit: {result.stdout}"
