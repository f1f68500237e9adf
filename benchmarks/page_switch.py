"""How long a page switch takes in the browser, once the pages have their results cached.

Starts `streamlit run app.py` with an empty store, opens it in headless Chromium, trains
one small digits run on the Classification page (so that page shows a stored result,
"Loaded from cache"), visits every page once (first visits load their libraries and data
sets, and are not counted), then switches through all pages in the sidebar for
`--rounds` rounds. A switch is timed from the click to the moment the new page's title
is shown (`title`) and to the moment its script has finished and the page is complete
(`done`), both seen inside the page. The target: under 1 s on a quiet 2-core machine.

Run: .venv/bin/python benchmarks/page_switch.py [--rounds 3] [--write]
     (--write puts the table into benchmarks/RESULTS.md)
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.served import launch, machine, serve, write_section  # noqa: E402
from tests.e2e.conftest import wait_until_idle  # noqa: E402
from ui.nav import HOME, built_pages  # noqa: E402

HEADING = "Page switches with cached results"
TARGET_S = 1.0
# True once the page shows heading `title` and its script run has ended.
DONE = """([title, wanted]) => {
    const shown = [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title);
    if (!shown || wanted === 'title') return shown;
    const app = document.querySelector('[data-testid=stApp]');
    return app && app.dataset.testScriptState === 'notRunning' && !document.querySelector('[data-testid=stSkeleton]');
}"""


def train_cached_digits(page, url: str) -> None:
    """One small digits run, so the Classification page has a result from the store."""
    from tests.e2e.test_browser import configure_digits

    page.goto(f"{url}/classification")
    page.get_by_role("heading", name="Classification MLP").wait_for(timeout=120_000)
    wait_until_idle(page)
    configure_digits(page, units=16, epochs=2)
    page.get_by_role("button", name="Train", exact=True).click()
    page.locator("[data-testid='stMetric']").filter(has_text="Test accuracy").wait_for(timeout=300_000)
    wait_until_idle(page)


def heading(entry) -> str:
    """The title the page shows (the home page shows the app's name)."""
    return "MLP Explorer" if entry is HOME else entry.title


def switch(page, entry) -> tuple[float, float]:
    """Clicks `entry` in the sidebar; seconds until its title shows and until it is done."""
    link = page.locator("[data-testid='stSidebarNav']").get_by_text(entry.title, exact=True)
    began = time.perf_counter()
    link.click()
    page.wait_for_function(DONE, arg=[heading(entry), "title"], polling=20, timeout=120_000)
    title = time.perf_counter() - began
    # The title comes from the new page's run, so "not running" from now on means done.
    page.wait_for_function(DONE, arg=[heading(entry), "done"], polling=20, timeout=120_000)
    return title, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    where = machine()
    entries = (HOME, *built_pages())
    times: dict[str, list[tuple[float, float]]] = {entry.title: [] for entry in entries}
    with serve() as server, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        train_cached_digits(page, server.url)
        for entry in entries:  # first visits: not counted
            switch(page, entry)
            wait_until_idle(page)
        for _ in range(args.rounds):
            for entry in entries:
                wait_until_idle(page, timeout=180)
                times[entry.title].append(switch(page, entry))
                print(f"{entry.title}: title {times[entry.title][-1][0]:.2f} s, done {times[entry.title][-1][1]:.2f} s")
        browser.close()

    rows = ["| page | title shown, median | done, median | done, max |", "|---|---:|---:|---:|"]
    for title, measured in times.items():
        shown, done = [t for t, _ in measured], [d for _, d in measured]
        rows.append(
            f"| {title} | {statistics.median(shown):.2f} s | {statistics.median(done):.2f} s | {max(done):.2f} s |"
        )
    every_shown = [t for measured in times.values() for t, _ in measured]
    every_done = [d for measured in times.values() for _, d in measured]
    summary = (
        f"All {len(every_done)} switches: title shown after {statistics.median(every_shown):.2f} s median "
        f"({max(every_shown):.2f} s max); page done after **{statistics.median(every_done):.2f} s median, "
        f"{max(every_done):.2f} s max** (target: under {TARGET_S:g} s on a quiet 2-core machine; "
        f"{sum(d < TARGET_S for d in every_done)} of {len(every_done)} under it)."
    )
    body = "\n".join(
        [
            f"{datetime.date.today()}, `benchmarks/page_switch.py --rounds {args.rounds}`: {where}.",
            "",
            "Headless Chromium, one session; the Classification page shows a stored digits run. Each page "
            "was visited once before (not counted), then clicked in the sidebar "
            f"{args.rounds} times. Timed inside the page from the click.",
            "",
            *rows,
            "",
            summary,
        ]
    )
    body += f"\n\nLoad average when it ended: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}."
    print()
    print(body)
    if args.write:
        write_section(HEADING, body)


if __name__ == "__main__":
    main()
