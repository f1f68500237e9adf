"""Browser tests: `streamlit run app.py` on 127.0.0.1, driven by Debian's Chromium.

Screenshots go to `screenshots/` (or $MLP_EXPLORER_SCREENSHOTS). Without Chromium the
tests skip on a developer's machine and fail in CI, which installs it.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import pytest

from core import forms
from tests.conftest import ROOT, in_ci

CHROMIUM = os.environ.get("MLP_EXPLORER_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("MLP_EXPLORER_SCREENSHOTS", ROOT / "screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Several sessions at once live in background tabs, whose timers Chromium would
    # throttle; the pages poll their trainings with timers, as a visible tab does.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server(str):
    """The server's base URL (a `str`), with the folder of its store as `.store`."""

    store: Path


def wait_healthy(url: str, process: subprocess.Popen, seconds: float, hint: str = "") -> None:
    """Waits until the server at `url` answers its health check; raises `RuntimeError`
    (with `hint`) if `process` ends or `seconds` pass first."""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            return
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not start{'; ' + hint if hint else ''}") from None
            time.sleep(0.3)


@contextmanager
def serve(store: Path, log_path: Path, *, drop_env: tuple[str, ...] = ()):
    """Runs `streamlit run app.py` on 127.0.0.1 with `store` as its store, logging to
    `log_path`, without the environment variables in `drop_env`; yields
    `(base URL, process)` once the server answers its health check."""
    port = _free_port()
    env = {**os.environ, "MLP_EXPLORER_CACHE": str(store), "TF_CPP_MIN_LOG_LEVEL": "2"}
    for name in drop_env:
        env.pop(name, None)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
            + ["--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process, 60, f"see {log.name}")
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A Streamlit server of the app with its own empty store; yields its base URL."""
    store = tmp_path_factory.mktemp("e2e-store")
    with serve(store, tmp_path_factory.mktemp("e2e-log") / "streamlit.log") as (url, _):
        running = Server(url)
        running.store = store
        yield running


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    yield page
    context.close()


def wait_until_idle(page, timeout: float = 120.0) -> None:
    """Waits until the script has stopped running and the page has stopped changing."""
    deadline = time.time() + timeout
    last, same = None, 0
    while time.time() < deadline:
        time.sleep(0.4)
        state = page.get_attribute("[data-testid='stApp']", "data-test-script-state")
        html = page.content()
        idle = state == "notRunning" and "stSkeleton" not in html and "stSpinner" not in html
        same = same + 1 if (idle and len(html) == last) else 0
        last = len(html)
        if same >= 4:
            return
    raise TimeoutError("the page kept running or changing")


def screenshot(page, name: str) -> Path:
    """A screenshot of the whole page. Streamlit scrolls inside its main container, so
    the viewport is stretched to the content's height first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], section.main, "
        "[data-testid=stAppViewContainer]')].map(e => e.scrollHeight), 800)"
    )
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 12000)})
    time.sleep(0.5)
    page.screenshot(path=str(path), full_page=True)
    return path


def exceptions(page) -> list[str]:
    return page.locator("[data-testid='stException']").all_inner_texts()


def form_in_url(page, cls, check=None):
    """The form the page's URL carries: what a copied link reopens. A value the form
    (or `check`) refuses fails the test."""
    params = dict(parse_qsl(urlparse(page.url).query, keep_blank_values=True))
    form, warnings = forms.from_params(cls, params, check=check)
    assert warnings == [], warnings
    return form


def choose_option(page, box, choice) -> None:
    """Opens the select box `box` and clicks `choice` (a locator of its option) in it."""
    for _ in range(3):  # a click that lands while the page redraws may not open the list
        box.scroll_into_view_if_needed()
        box.click()
        try:
            choice.wait_for(timeout=5_000)
            break
        except Exception:
            page.keyboard.press("Escape")
    choice.click()
    wait_until_idle(page)
