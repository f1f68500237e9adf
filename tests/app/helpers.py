"""Helpers for driving pages with Streamlit's AppTest."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(path: str, timeout: float = 180) -> AppTest:
    """An AppTest of the whole app (so navigation and page config apply) on `path`."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    at.switch_page(path).run()
    return at


def finish_jobs(at: AppTest, timeout: float = 300) -> AppTest:
    """Waits for every background training of this process, then reruns the page, as
    its polling fragment would once the job ended."""
    from core import jobs

    for job in jobs.pool().jobs():
        assert job.wait(timeout), f"job {job.key} still running after {timeout} s"
    return at.run()


def button(at: AppTest, label: str):
    """The button (or form submit button) with this label."""
    matches = [widget for widget in at.button if widget.label == label]
    assert matches, f"no button {label!r}; buttons: {[widget.label for widget in at.button]}"
    return matches[0]


def texts(elements) -> str:
    return "\n".join(str(element.value) for element in elements)


def preset_shown(at: AppTest) -> str | None:
    """The preset the training form's "Start from" buttons mark as matching, if any."""
    from ui.widgets import PRESET_SHOWN_ICON

    marked = [
        widget.label
        for widget in at.button
        if ".preset." in (widget.key or "") and widget.proto.icon == PRESET_SHOWN_ICON
    ]
    return marked[0] if marked else None
