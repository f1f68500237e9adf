"""How much memory the server needs for 1, 4 or 8 visitors training at once, and whether
it gives the memory back when they leave.

Starts one `streamlit run app.py` with an empty store, then sends waves of visitors, one
wave per count in `--sessions`, each visitor a headless Chromium session of its own. In a
wave every visitor, all at the same time: opens the Neuron, Activations and
Classification pages, trains a small digits MLP there (a different width per visitor, so
no two share a stored run), then opens the Playground and lets it train for a few
seconds. Then the visitors close their tabs and the server gets `--settle` seconds to
let their sessions go.

Measured from /proc/<pid>/status of the server and its children, sampled every 0.25 s:
the peak resident memory during the wave (VmRSS; the kernel's own high-water mark VmHWM
is shown too) and the settled memory after it. The targets: 4 visitors training at once
under 2.5 GB at the peak; after they leave, within 10% of the level after one visitor.

Run: .venv/bin/python benchmarks/memory.py --sessions 1,4,8 [--quick] [--write]
     --quick: only the model pages (Classification, Playground), 1 epoch and 3 s of
              Playground per visitor, shorter settling
     --max-jobs N: the server's MLP_EXPLORER_MAX_JOBS (default: the server's own default)
     --env NAME=VALUE: more environment for the server (repeatable), e.g. MALLOC_ARENA_MAX=16
              (glibc's default on 2 CPUs, instead of the two heaps app.py caps it at)
"""

from __future__ import annotations

import argparse
import datetime
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.served import hwm_mb, launch, machine, rss_mb, serve, write_section  # noqa: E402
from tests.e2e.conftest import wait_until_idle  # noqa: E402

HEADING = "Server memory with many visitors"
PEAK_TARGET_MB = 2500
SETTLED_TOLERANCE = 0.10
# Streamlit keeps a closed tab's session this long (default 120 s) in case it reconnects;
# shorter here, so a wave's sessions are gone before the next wave is measured.
SESSION_TTL_S = 5


class Sampler:
    """The server's resident memory every `interval` seconds, in a thread."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval = pid, interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def heading_shown(page, name: str, timeout: float = 180_000) -> None:
    page.get_by_role("heading", name=name).first.wait_for(timeout=timeout)


def visit(pages, url: str, path: str, title: str) -> None:
    for page in pages:
        page.goto(f"{url}/{path}")
    for page in pages:
        heading_shown(page, title)
        wait_until_idle(page, timeout=300)


def step(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", flush=True)


def wave(browser, url: str, count: int, first_units: int, epochs: int, play_seconds: float, quick: bool) -> None:
    """`count` visitors at once, each doing the round described in the module docstring."""
    from tests.e2e.test_browser import configure_digits

    contexts = [browser.new_context(viewport={"width": 1400, "height": 1200}) for _ in range(count)]
    pages = [context.new_page() for context in contexts]
    try:
        if not quick:
            step("Neuron, Activations")
            visit(pages, url, "neuron", "Neuron & logic gates")
            visit(pages, url, "activations", "Activations & gradient descent")
        step("Classification")
        visit(pages, url, "classification", "Classification MLP")
        for offset, page in enumerate(pages):
            configure_digits(page, units=first_units + offset, epochs=epochs)
        step("Train")
        for page in pages:
            page.get_by_role("button", name="Train", exact=True).click()
        for page in pages:
            page.locator("[data-testid='stMetric']").filter(has_text="Test accuracy").wait_for(timeout=900_000)
        step("Playground")
        visit(pages, url, "playground", "Playground")
        for page in pages:
            page.get_by_role("button", name="Play", exact=True).click()
        time.sleep(play_seconds)
        for page in pages:
            pause = page.get_by_role("button", name="Pause", exact=True)
            if pause.count():
                pause.first.click()
        for page in pages:
            wait_until_idle(page, timeout=300)
    finally:
        for context in contexts:
            context.close()


def settle(browser, url: str, pid: int, seconds: float) -> float:
    """Waits `seconds` after the visitors left; the lowest memory of the last few samples.

    Streamlit forgets a closed session only when its session storage is next used after
    the session's time to live, so one more visitor opens and closes the home page first.
    """
    time.sleep(max(SESSION_TTL_S + 1.0, seconds - 6))
    probe = browser.new_context()
    page = probe.new_page()
    page.goto(url)
    heading_shown(page, "MLP Explorer")
    probe.close()
    time.sleep(3)
    samples = []
    for _ in range(6):
        samples.append(rss_mb(pid))
        time.sleep(0.5)
    return min(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,4,8", help="visitors per wave, comma separated (default 1,4,8)")
    parser.add_argument(
        "--quick", action="store_true", help="model pages only, 1 epoch, 3 s of Playground, 20 s to settle"
    )
    parser.add_argument("--settle", type=float, default=None, help="seconds to wait after each wave")
    parser.add_argument("--max-jobs", type=int, default=None, help="the server's MLP_EXPLORER_MAX_JOBS")
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=VALUE for the server, e.g. MALLOC_ARENA_MAX=16"
    )
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env if "=" in item)
    if len(extra_env) != len(args.env):
        parser.error(f"--env takes NAME=VALUE. Received: --env={args.env}")
    counts = [int(part) for part in args.sessions.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        parser.error(f"--sessions takes positive counts such as 1,4,8. Received: --sessions={args.sessions}")
    epochs, play_seconds = (1, 3.0) if args.quick else (3, 8.0)
    settle_seconds = args.settle if args.settle is not None else (20.0 if args.quick else 45.0)

    from playwright.sync_api import sync_playwright

    where = machine()
    env = {"MLP_EXPLORER_HOSTED": "1", **extra_env}
    if args.max_jobs is not None:
        env["MLP_EXPLORER_MAX_JOBS"] = str(args.max_jobs)
    rows = []
    options = ("--server.disconnectedSessionTTL", str(SESSION_TTL_S))
    with serve(env, options=options) as server, sync_playwright() as playwright:
        browser = launch(playwright)
        idle = rss_mb(server.pid)
        units = 8
        for count in counts:
            began = time.perf_counter()
            with Sampler(server.pid) as sampler:
                wave(browser, server.url, count, units, epochs, play_seconds, args.quick)
            took = time.perf_counter() - began
            settled = settle(browser, server.url, server.pid, settle_seconds)
            rows.append((count, sampler.peak, hwm_mb(server.pid), settled, took))
            print(f"{count} visitor(s): peak {sampler.peak:.0f} MB, settled {settled:.0f} MB, wave {took:.0f} s")
            units += count
        browser.close()

    baseline = next((settled for count, _, _, settled, _ in rows if count == 1), rows[0][3])
    table = [
        "| visitors at once | peak RSS | VmHWM so far | settled RSS | vs the 1-visitor level | wave took |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for count, peak, hwm, settled, took in rows:
        table.append(
            f"| {count} | {peak:,.0f} MB | {hwm:,.0f} MB | {settled:,.0f} MB | {settled / baseline - 1:+.0%} | {took:.0f} s |"
        )
    verdicts = []
    for count, peak, _, settled, _ in rows:
        if count == 4:
            verdicts.append(
                f"4 visitors: peak {peak:,.0f} MB, {'under' if peak < PEAK_TARGET_MB else '**over**'} the "
                f"{PEAK_TARGET_MB:,} MB target."
            )
        if count > 1:
            within = abs(settled / baseline - 1) <= SETTLED_TOLERANCE
            verdicts.append(
                f"After {count} visitors left: {settled:,.0f} MB, "
                f"{'within' if within else '**not within**'} 10% of the 1-visitor level ({baseline:,.0f} MB)."
            )
    options = " ".join(arg for arg in sys.argv[1:] if arg != "--write")
    body = "\n".join(
        [
            f"{datetime.date.today()}, `benchmarks/memory.py {options}`: {where}.",
            "",
            f"One server (hosted mode, MLP_EXPLORER_MAX_JOBS={args.max_jobs or 'default'}), {idle:,.0f} MB "
            "before any visitor. Each visitor opens "
            f"{'Classification' if args.quick else 'Neuron, Activations and Classification'}, trains a digits MLP "
            f"({epochs} epoch(s), its own width), then lets the Playground train for {play_seconds:g} s; the "
            f"waves come one after another and the server gets {settle_seconds:g} s after each (closed "
            f"sessions are dropped after {SESSION_TTL_S} s here, `server.disconnectedSessionTTL`; Streamlit's "
            "default is 120 s).",
            "",
            *table,
            "",
            *[f"- {verdict}" for verdict in verdicts],
        ]
    )
    body += f"\n\nLoad average when it ended: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}."
    print()
    print(body)
    if args.write:
        write_section(HEADING, body)


if __name__ == "__main__":
    main()
