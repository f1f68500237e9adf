"""A fresh server opens fast: the first visit to a foundations page shows its title and
text before the server has even loaded TensorFlow, which then loads in the background."""

import json
import threading
import time

import pytest

from tests.e2e.conftest import exceptions, screenshot, serve, wait_until_idle

# A loose bound on the time to the title: the real check is that the title comes before
# TensorFlow loads, which holds however busy the machine is.
TITLE_WITHIN_S = 30.0


# Notes in window.__titleShownAt the moment (epoch ms) a heading with the given text shows.
TITLE_CLOCK = """
(() => {
    const title = %s;
    const check = () => {
        if (window.__titleShownAt) return;
        if ([...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title)) {
            window.__titleShownAt = performance.timeOrigin + performance.now();
        }
    };
    new MutationObserver(check).observe(document, {childList: true, subtree: true, characterData: true});
})();
"""


def tensorflow_loaded(pid: int) -> bool:
    """Whether the process has TensorFlow's library mapped, i.e. has begun importing it."""
    with open(f"/proc/{pid}/maps") as maps:
        return "libtensorflow" in maps.read()


@pytest.fixture
def fresh_server(tmp_path):
    """A server that has run no script yet, so its first visitor meets a cold start."""
    with serve(tmp_path / "store", tmp_path / "streamlit.log", drop_env=("MLP_EXPLORER_WARMUP",)) as (url, process):
        yield url, process.pid


@pytest.mark.parametrize(
    ("path", "title", "text", "heavy"),
    [
        # The first tab of each page: the neuron's diagram and truth table, the activations' chart.
        ("neuron", "Neuron & logic gates", "A neuron weighs its inputs", "[data-testid='stGraphVizChart'] svg"),
        (
            "activations",
            "Activations & gradient descent",
            "A smooth activation gives every neuron a slope",
            ".js-plotly-plot",
        ),
    ],
)
def test_first_visit_shows_the_title_and_text_before_tensorflow_loads(fresh_server, page, path, title, text, heavy):
    url, pid = fresh_server
    assert not tensorflow_loaded(pid)
    # The page draws its title and then, at the end of its run, starts the warm-up: the
    # two are milliseconds apart, so compare when each happened, not what is true once
    # the test looks. The browser notes when the title appeared (epoch ms, same clock).
    page.add_init_script(TITLE_CLOCK % json.dumps(title))
    loaded_at = []
    watching = threading.Event()

    def watch():
        while not watching.is_set() and not loaded_at:
            if tensorflow_loaded(pid):
                loaded_at.append(time.time() * 1000)
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    began = time.perf_counter()
    page.goto(f"{url}/{path}")
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    shown_at = page.wait_for_function("window.__titleShownAt").json_value()
    shown_after = time.perf_counter() - began
    assert 0 <= time.time() * 1000 - shown_at < 120_000  # both clocks are the machine's epoch time
    time.sleep(0.05)
    watching.set()
    watcher.join()
    loaded_when_shown = bool(loaded_at) and loaded_at[0] <= shown_at
    assert page.get_by_text(text).first.is_visible()
    screenshot(page, f"first-visit-{path}")
    assert not loaded_when_shown, "the page showed its title only once TensorFlow had started loading"
    assert shown_after < TITLE_WITHIN_S, f"the title took {shown_after:.1f} s on a fresh server"
    # The app's own navigation, not Streamlit's listing of the pages/ folder.
    assert "Classification MLP" in page.locator("[data-testid='stSidebarNav']").inner_text()
    wait_until_idle(page, timeout=180)
    assert exceptions(page) == []
    assert page.locator(heavy).count() >= 1  # the heavy part came too
    # And the warm-up (or the page) has loaded TensorFlow by itself.
    deadline = time.time() + 180
    while not tensorflow_loaded(pid):
        assert time.time() < deadline, "TensorFlow never loaded in the background"
        time.sleep(0.5)
