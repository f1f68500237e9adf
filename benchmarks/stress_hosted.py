"""Every hostile input of docs/BAD_INPUTS.md, fed through the browser to one hosted-mode
server under a 3 GB memory limit.

Starts `streamlit run app.py` with `MLP_EXPLORER_HOSTED=1` (no operator key) and an
empty store, inside a memory cgroup (v1, `memory.limit_in_bytes` = 3 GB) that the server
enters before Python starts, so TensorFlow and every upload count against it; the
kernel's OOM killer ends it past the limit. Where no memory cgroup can be made (or the
limit is not enforced: a 4 GB allocation inside it survives), a watchdog thread samples
the server tree's RSS every 0.1 s and kills it past 3 GB instead. The output says which.

In headless Chromium it first trains a small regression run (Regression page, 1 epoch)
and a small digits run (Classification page, 1 epoch), runs that must not be lost, then
gives the pages each hostile input: images on Predictions ("Your own image"), `.keras`
files (Bring your own model), CSVs on the Playground and on Predictions (a regression
run), a Playground link with markdown in `noise=`, a training too costly for the hosted
limits (Fashion-MNIST 300-100, batch size 1, 50 epochs) and a delete of a run trained in
another session. After each: is the server alive and healthy (a death is counted and the
server restarted on the same store), does the page show a traceback (an exception box,
"Traceback", "/site-packages/" or the store's path), and what message it shows.

It prints a table (input, page, message, alive, traceback) and a summary: inputs tried,
server deaths, tracebacks shown, runs lost (store entries missing at the end), the peak
RSS of the server tree (sampled every 0.1 s) and the memory limit used.

Run: eval "$(sh /work/shared/datasets/seed-caches.sh "$(mktemp -d)" 2>/dev/null)"
     .venv/bin/python benchmarks/stress_hosted.py [--log streamlit.log]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.served import hwm_mb, launch, machine, rss_mb, tree  # noqa: E402
from tests.e2e.conftest import wait_until_idle  # noqa: E402

LIMIT_BYTES = 3 * 2**30
CGROUP = Path("/sys/fs/cgroup/memory/mlp-stress")
VIEWPORT = {"width": 1400, "height": 1600}
ALERTS = "[data-testid='stAlert'], [data-testid='stToast']"
# innerText of each element without its Material icon (whose name is its text).
STRIPPED_TEXTS = """elements => elements.map(element => {
    const copy = element.cloneNode(true);
    copy.querySelectorAll('[data-testid=stIconMaterial], [data-testid=stAlertDynamicIcon], [data-testid=stToastDynamicIcon]').forEach(icon => icon.remove());
    document.body.appendChild(copy);
    const text = copy.innerText;
    copy.remove();
    return text;
})"""


# The memory limit


def _cgroup_file(name: str) -> Path:
    return CGROUP / name


def cgroup_enforced() -> bool:
    """Makes the cgroup with a 3 GB limit; True when a 4 GB allocation inside it is killed."""
    try:
        CGROUP.mkdir(exist_ok=True)
        _cgroup_file("memory.limit_in_bytes").write_text(str(LIMIT_BYTES))
        if int(_cgroup_file("memory.limit_in_bytes").read_text()) != LIMIT_BYTES:
            return False
    except OSError:
        return False
    hog = (
        "b = [bytearray(2**28) for _ in range(16)]\nfor a in b:\n    a[::4096] = b'x' * len(a[::4096])\nprint('alive')"
    )
    done = subprocess.run(
        ["sh", "-c", f'echo $$ > {CGROUP}/cgroup.procs && exec "$0" -c "$1"', sys.executable, hog],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return "alive" not in done.stdout and done.returncode != 0


def oom_killed() -> int | None:
    """Processes the kernel's OOM killer has ended in the cgroup, where it says."""
    try:
        found = re.search(r"^oom_kill (\d+)", _cgroup_file("memory.oom_control").read_text(), re.M)
    except OSError:
        return None
    return int(found.group(1)) if found else None


class Watchdog(threading.Thread):
    """Samples the server tree's RSS every 0.1 s; records the peak, and when `kill_at`
    bytes is given, kills the tree past it (the OOM killer's part where no cgroup works)."""

    def __init__(self, kill_at: int | None):
        super().__init__(daemon=True)
        self.kill_at = kill_at
        self.pid: int | None = None
        self.peak_mb = 0.0
        self.kills = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            pid = self.pid
            if pid is None:
                continue
            used = rss_mb(pid)
            self.peak_mb = max(self.peak_mb, used)
            if self.kill_at is not None and used * 2**20 > self.kill_at:
                for member in tree(pid):
                    try:
                        os.kill(member, signal.SIGKILL)
                    except OSError:
                        pass
                self.kills += 1


# The server


@dataclass
class Server:
    store: Path
    log: Path
    cgroup: bool
    environment: dict[str, str]
    process: subprocess.Popen | None = None
    url: str = ""
    starts: int = 0

    def start(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
        command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
        if self.cgroup:  # enter the cgroup before Python starts: TensorFlow loads inside the limit
            command = ["sh", "-c", f'echo $$ > {CGROUP}/cgroup.procs && exec "$@"', "sh", *command]
        output = open(self.log, "a")  # noqa: SIM115  (the child holds it)
        output.write(f"\n--- start {self.starts + 1} ---\n")
        output.flush()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.environment, stdout=output, stderr=subprocess.STDOUT
        )
        output.close()
        self.url = f"http://127.0.0.1:{port}"
        self.starts += 1
        deadline = time.time() + 180
        while not self.healthy():
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not start; see {self.log}")
            time.sleep(0.3)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=10) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def entries(store: Path) -> set[str]:
    """The runs in the store (its lock and job folders aside)."""
    return {path.name for path in store.iterdir() if not path.name.startswith(".")}


# The hostile inputs


def keras_files(folder: Path) -> dict[str, tuple[str, bytes]]:
    """`case: (file name, bytes)` of every hostile `.keras` upload."""
    import keras

    from tests.core.predictions import bad_files

    small = bad_files.keras_bytes(bad_files.small_classifier(), folder)
    bad_files.config_bomb(folder / "bomb.keras", unpacked_mb=190)
    upsampling = bad_files.upsampling_classifier()
    leaky = keras.Sequential(
        [
            keras.Input((8, 8)),
            keras.layers.Flatten(),
            keras.layers.Dense(16, activation=keras.layers.LeakyReLU()),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    unbuilt = keras.Sequential([keras.layers.Dense(16), keras.layers.Dense(10)])
    return {
        "config.json bomb (190 MB unpacked)": ("bomb.keras", (folder / "bomb.keras").read_bytes()),
        "UpSampling2D(8) + Conv2D model": ("upsampling.keras", bad_files.keras_bytes(upsampling, folder, "up.keras")),
        "bad CRC": ("crc.keras", bad_files.bad_crc(small)),
        "deflate64 member": ("deflate64.keras", bad_files.deflate64(small)),
        "encrypted flag": ("encrypted.keras", bad_files.encrypted(small)),
        "JSON nested 100,000 deep": ("deep.keras", bad_files.deep_json(small)),
        '"module": 123': ("module123.keras", bad_files.module_named(small, 123)),
        '"module": ["os"]': ("moduleos.keras", bad_files.module_named(small, ["os"])),
        "Sequential without input shape": ("unbuilt.keras", bad_files.keras_bytes(unbuilt, folder, "unbuilt.keras")),
        "LeakyReLU model (legitimate, then evaluated)": (
            "leaky.keras",
            bad_files.keras_bytes(leaky, folder, "lk.keras"),
        ),
    }


def images() -> dict[str, tuple[str, bytes]]:
    from tests.core.predictions import bad_files

    return {
        "PNG 60000x1 (141 bytes)": ("line.png", bad_files.strip_png(60_000, 1)),
        "PNG 1000000x1": ("longline.png", bad_files.strip_png(1_000_000, 1)),
        "PNG 6300x6300 (40 MP)": ("big.png", bad_files.big_png(6300)),
        "16-bit grey PNG": ("grey16.png", bad_files.grey_16_bit_png()),
        "PNG 1x5000 strip": ("strip.png", bad_files.strip_png(1, 5000)),
    }


def playground_csvs() -> dict[str, bytes]:
    rows = "".join(f"{i / 10},{(i * 7 % 10) / 10},{i % 2}\n" for i in range(40))
    return {
        "500k duplicate header names": (",".join(["x1"] * 500_000) + "\n1\n").encode(),
        "15 MB quoted field": ('x1,x2,label\n"' + "9" * 15_000_000 + '",1,0\n' + rows).encode(),
        "values 1e39 (float32 overflow)": (
            "x1,x2,label\n" + "".join(f"1e39,{i},{i % 2}\n" for i in range(40))
        ).encode(),
        "values 1e308": ("x1,x2,label\n" + "".join(f"1e308,-1e308,{i % 2}\n" for i in range(40))).encode(),
        "one class only": ("x1,x2,label\n" + "".join(f"{i / 10},{i / 20},0\n" for i in range(40))).encode(),
    }


# The browser side


@dataclass
class Outcome:
    name: str
    page: str
    message: str = ""
    alive: bool = True
    traceback: str = ""
    note: str = ""
    seconds: float = 0.0


@dataclass
class Stress:
    server: Server
    browser: object
    outcomes: list[Outcome] = field(default_factory=list)
    deaths: int = 0
    context: object = None
    page: object = None

    def fresh_page(self):
        if self.context is not None:
            try:
                self.context.close()
            except Exception:  # noqa: BLE001  (a dead page is replaced anyway)
                pass
        self.context = self.browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()
        return self.page

    def goto(self, path: str, heading: str | None = None):
        page = self.page
        page.goto(f"{self.server.url}/{path}", timeout=120_000)
        page.locator("[data-testid='stApp']").wait_for(timeout=120_000)
        if heading:
            page.get_by_role("heading", name=heading).first.wait_for(timeout=180_000)
        idle(page, 180)
        return page

    def alerts(self) -> list[str]:
        """The texts of the alerts and toasts shown, without their icons' names."""
        try:
            texts = self.page.locator(ALERTS).evaluate_all(STRIPPED_TEXTS)
        except Exception:  # noqa: BLE001
            return []
        # An icon left in is its name ("gpp_bad"): messages begin with a capital.
        return [re.sub(r"^[a-z][a-z0-9_]* ", "", " ".join(text.split())) for text in texts]

    def result_shown(self) -> str:
        """A prediction shown on the page, where there is no alert to report."""
        try:
            texts = self.page.locator("[data-testid='stMarkdown']").all_inner_texts()
        except Exception:  # noqa: BLE001
            return ""
        found = [" ".join(text.split()) for text in texts if text.strip().startswith("Prediction:")]
        return f"(no alert) {found[0]}" if found else ""

    def shown_traceback(self) -> str:
        page = self.page
        try:
            if page.locator("[data-testid='stException']").count():
                return (
                    "exception box: "
                    + " ".join(page.locator("[data-testid='stException']").first.inner_text().split())[:100]
                )
            text = page.locator("[data-testid='stApp']").inner_text(timeout=30_000)
        except Exception as error:  # noqa: BLE001
            return f"(page unreadable: {type(error).__name__})"
        for needle in ("Traceback", "/site-packages/", str(self.server.store), str(ROOT) + "/"):
            if needle in text:
                at = text.index(needle)
                return f"{needle!r} shown: " + " ".join(text[max(0, at - 40) : at + 60].split())
        return ""

    def attempt(self, name: str, page_name: str, action, *, timeout_s: float = 240) -> Outcome:
        """Runs `action()` (which returns a note), then checks the server and the page."""
        outcome = Outcome(name, page_name)
        before = set(self.alerts())
        started = time.perf_counter()
        result: dict = {}

        def body():
            try:
                result["note"] = action() or ""
            except Exception as error:  # noqa: BLE001  (recorded, the stress goes on)
                result["note"] = f"driver: {type(error).__name__}: {str(error).splitlines()[0][:120]}"

        body()  # Playwright's sync API stays on this thread; each step has its own timeout
        outcome.seconds = time.perf_counter() - started
        if outcome.seconds > timeout_s:
            result["note"] = (result.get("note", "") + f" took {outcome.seconds:.0f} s").strip()
        outcome.note = result.get("note", "")
        outcome.alive = self.server.alive() and self.server.healthy()
        if outcome.alive:
            new = [text for text in self.alerts() if text not in before] or self.alerts()
            outcome.message = " | ".join(text[:100] for text in new) or self.result_shown()
            outcome.traceback = self.shown_traceback()
        else:
            self.deaths += 1
            code = self.server.process.poll() if self.server.process else None
            outcome.message = f"SERVER DIED (exit code {code})" if code is not None else "SERVER UNHEALTHY"
            if code == 0:  # Streamlit ends with 0 on SIGTERM or SIGINT ("Stopping..." in its log)
                outcome.message += ": a graceful stop (SIGTERM/SIGINT), not a crash or the OOM killer"
            oom_kills = oom_killed()
            if oom_kills is not None:
                outcome.message += f"; OOM kills in the cgroup so far: {oom_kills}"
            self.server.stop()
            self.server.start()
            self.fresh_page()
        self.outcomes.append(outcome)
        flag = "" if outcome.alive and not outcome.traceback else "  <-- "
        print(
            f"[{len(self.outcomes):2d}] {page_name:<14} {name:<44} alive={outcome.alive} "
            f"traceback={bool(outcome.traceback)} {outcome.seconds:5.1f} s  {outcome.message[:90]}"
            f"{' / ' + outcome.note if outcome.note else ''}{flag}",
            flush=True,
        )
        return outcome


def idle(page, timeout: float = 180) -> None:
    time.sleep(0.8)  # let an upload or a click start its rerun
    wait_until_idle(page, timeout=timeout)


def upload(page, accept: str, name: str, data: bytes, mime: str) -> None:
    page.locator(f"input[type=file][accept*='{accept}']").first.set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )
    idle(page, 240)


def train_regression(stress: Stress) -> str:
    page = stress.goto("regression", "Regression MLP")
    field_ = page.get_by_role("spinbutton", name="Epochs", exact=True)
    field_.fill("1")
    field_.press("Tab")
    idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile("RMSE")).first.wait_for(timeout=300_000)
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=300_000)
    idle(page, 300)
    return ""


def train_digits(stress: Stress) -> str:
    from tests.e2e.test_browser import configure_digits

    page = stress.goto("classification", "Classification MLP")
    configure_digits(page, units=16, epochs=1)
    page.get_by_role("button", name="Train", exact=True).click()
    page.locator("[data-testid='stMetric']").filter(has_text="Test accuracy").wait_for(timeout=300_000)
    idle(page, 300)
    return ""


def too_costly_training(stress: Stress) -> str:
    page = stress.goto("classification", "Classification MLP")
    page.get_by_role("radio", name=re.compile("^Fashion")).click()
    idle(page, 240)
    layers = page.get_by_role("spinbutton", name="Hidden layers")
    layers.fill("2")
    layers.press("Enter")
    idle(page)
    for label, value in (("Layer 1: units", 300), ("Layer 2: units", 100), ("Epochs", 50), ("Batch size", 1)):
        box = page.get_by_role("spinbutton", name=label, exact=True)
        box.fill(str(value))
        box.press("Tab")
        idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    idle(page, 120)
    stop = page.get_by_role("button", name=re.compile("^Stop"))
    if stop.count():  # it was accepted: stop it, so the stress goes on
        stop.first.click()
        idle(page, 120)
        return "ACCEPTED (training started, stopped by the script)"
    return ""


def select_run(page, heading: str) -> bool:
    """Selects the Predictions table's run whose view shows `heading` (a row click on
    the table's canvas), unless it is shown already."""
    if page.get_by_role("heading", name=heading).count():
        return True
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    for row in range(3):
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 35 * row + 17)
        idle(page)
        if page.get_by_role("heading", name=heading).count():
            return True
    return False


def select_digits_run(page) -> bool:
    return select_run(page, "Your own image")


def select_regression_run(page) -> bool:
    return select_run(page, "Many samples from a CSV file")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=None, help="the server's log (default: a temporary file)")
    args = parser.parse_args()

    if "KERAS_HOME" not in os.environ:
        print("note: KERAS_HOME is not set; run seed-caches.sh first (see the docstring) or data sets download")
    where = machine()
    cgroup = cgroup_enforced()
    mechanism = (
        f"cgroup v1 {CGROUP} memory.limit_in_bytes={LIMIT_BYTES} (enforced: a 4 GB allocation inside it was killed)"
        if cgroup
        else "watchdog thread: server tree RSS sampled every 0.1 s, SIGKILL past 3 GB (no enforcing cgroup here)"
    )
    print(f"{where}\nmemory limit: {mechanism}", flush=True)
    watchdog = Watchdog(None if cgroup else LIMIT_BYTES)
    watchdog.start()
    if cgroup:
        _cgroup_file("memory.max_usage_in_bytes").write_text("0")  # the check's peak and hits
        _cgroup_file("memory.failcnt").write_text("0")
    oom_before = (oom_killed() or 0) if cgroup else 0

    work = Path(tempfile.mkdtemp(prefix="mlp-stress-"))
    store = work / "store"
    store.mkdir()
    environment = {
        **os.environ,
        "MLP_EXPLORER_CACHE": str(store),
        "MLP_EXPLORER_HOSTED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    environment.pop("MLP_EXPLORER_OPERATOR_KEY", None)
    server = Server(store, args.log or work / "streamlit.log", cgroup, environment)
    print("building the hostile inputs...", flush=True)
    models, pictures, points = keras_files(work), images(), playground_csvs()

    from playwright.sync_api import sync_playwright

    server.start()
    watchdog.pid = server.process.pid
    kept: set[str] = set()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            stress = Stress(server, browser)
            stress.fresh_page()

            # Runs that must not be lost.
            stress.attempt("train a regression run, 1 epoch (setup)", "Regression", lambda: train_regression(stress))
            watchdog.pid = server.process.pid
            stress.attempt("train a digits run, 1 epoch (setup)", "Classification", lambda: train_digits(stress))
            watchdog.pid = server.process.pid
            kept = entries(store)
            print(f"store entries after setup: {len(kept)}", flush=True)

            # Predictions: your own image, on the digits run.
            def open_digits() -> str:
                page = stress.goto("predictions", "Predictions & models")
                return "" if select_digits_run(page) else "could not select the digits run"

            for name, (file_name, data) in pictures.items():

                def action(file_name=file_name, data=data):
                    if not stress.page.get_by_role("heading", name="Your own image").count():
                        note = open_digits()
                        if note:
                            return note
                    upload(stress.page, ".png", file_name, data, "image/png")
                    return ""

                stress.attempt(f"image: {name}", "Predictions", action)
                watchdog.pid = server.process.pid

            # Predictions: bring your own model.
            for name, (file_name, data) in models.items():

                def action(name=name, file_name=file_name, data=data):
                    page = stress.goto("predictions", "Predictions & models")
                    upload(page, ".keras", file_name, data, "application/zip")
                    evaluate = page.get_by_role("button", name="Evaluate it on the test split and use it")
                    if "LeakyReLU" in name and evaluate.count():
                        evaluate.click()
                        idle(page, 240)
                        listed = "Uploaded (you)" in page.content() or "uploaded as leaky.keras" in page.content()
                        return "evaluated, listed as Uploaded (you)" if listed else "evaluated, NOT listed"
                    return ""

                stress.attempt(f".keras: {name}", "Predictions", action)
                watchdog.pid = server.process.pid

            # Playground: your own points.
            for name, data in points.items():

                def action(data=data):
                    page = stress.goto("playground", "Playground")
                    upload(page, ".csv", "points.csv", data, "text/csv")
                    return ""

                stress.attempt(f"points CSV: {name}", "Playground", action)
                watchdog.pid = server.process.pid

            def injection() -> str:
                link = (
                    "playground?noise=**bold**%20[click](http://evil.example)%20<b>x</b>%20`code`"
                    "%20http://evil.example/bare%20www.evil.example%20me@evil.example"
                )
                stress.goto(link, "Playground")
                rendered = ", ".join(
                    f"{alert} {tag}"
                    for alert in ALERTS.split(", ")
                    for tag in ("a[href*='evil.example']", "a[href^='mailto']", "strong", "b")
                    if stress.page.locator(f"{alert} {tag}").count()
                )
                if not rendered:
                    return "shown as text"
                anchors = stress.page.locator("[data-testid='stAlert'] a").evaluate_all(
                    "anchors => anchors.map(a => a.outerHTML)"
                )
                return f"MARKDOWN RENDERED in the warning ({rendered}): {'; '.join(anchors)[:200]}"

            stress.attempt("link: markdown in noise=", "Playground", injection)
            watchdog.pid = server.process.pid

            # Predictions: CSV of rows, on the regression run.
            def duplicate_header() -> str:
                page = stress.goto("predictions", "Predictions & models")
                if not select_regression_run(page):
                    return "could not select the regression run"
                upload(page, ".csv", "rows.csv", (",".join(["age"] * 500_000) + "\n1\n").encode(), "text/csv")
                return ""

            stress.attempt("rows CSV: 500k duplicate header names", "Predictions", duplicate_header)
            watchdog.pid = server.process.pid

            stress.attempt(
                "training too costly (Fashion 300-100, batch 1, 50 ep.)",
                "Classification",
                lambda: too_costly_training(stress),
            )
            watchdog.pid = server.process.pid

            # Hosted: delete a run trained in another session.
            def delete_shared() -> str:
                stress.fresh_page()  # a new visitor
                page = stress.goto("predictions", "Predictions & models")
                page.get_by_role("tab", name="Details & delete").click()
                idle(page)
                page.get_by_role("button", name=re.compile("Delete this run from the store")).click()
                page.get_by_role("button", name="Yes, delete it").click()
                idle(page)
                return ""

            stress.attempt("delete a run trained in another session", "Predictions", delete_shared)
            watchdog.pid = server.process.pid
            browser.close()
    finally:
        peak_hwm = hwm_mb(server.process.pid) if server.alive() else 0.0
        server.stop()
        watchdog.stopped.set()

    lost = kept - entries(store)
    outcomes = stress.outcomes
    hostile = [o for o in outcomes if "(setup)" not in o.name]
    print()
    print("| input | page | message shown (first 100 chars of each new alert) | alive | traceback |")
    print("|---|---|---|---|---|")
    for o in outcomes:
        message = (o.message or "(no alert)").replace("|", "/")
        if o.note:
            message += f" [{o.note}]"
        print(f"| {o.name} | {o.page} | {message} | {'yes' if o.alive else 'NO'} | {o.traceback or 'no'} |")
    cgroup_peak = ""
    if cgroup:
        peak = int(_cgroup_file("memory.max_usage_in_bytes").read_text()) / 2**20
        failcnt = _cgroup_file("memory.failcnt").read_text().strip()
        cgroup_peak = f", cgroup peak usage {peak:,.0f} MB (page cache included), limit hits {failcnt}"
    print()
    print(
        f"inputs tried: {len(hostile)} (plus {len(outcomes) - len(hostile)} setup trainings); "
        f"server deaths: {stress.deaths}; tracebacks shown: {sum(bool(o.traceback) for o in outcomes)}; "
        f"markup rendered from a link: {sum('MARKDOWN RENDERED' in (o.note + o.message) for o in outcomes)}; "
        f"runs lost: {len(lost)} of {len(kept)}{' (' + ', '.join(sorted(lost)) + ')' if lost else ''}; "
        f"peak RSS of the server tree: {watchdog.peak_mb:,.0f} MB sampled (VmHWM at the end {peak_hwm:,.0f} MB)"
        f"{cgroup_peak}; server starts: {server.starts}; memory limit: {mechanism}"
    )
    print(f"server log: {server.log}")
    if cgroup:
        print(f"OOM kills in the cgroup during the stress: {(oom_killed() or 0) - oom_before}")


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)
