"""What the browser benchmarks share: a `streamlit run app.py` server of its own, headless
Chromium, the memory of a process tree, and their section of `RESULTS.md`."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, wait_healthy  # noqa: E402  (the browser tests' flags)


@dataclass
class Server:
    url: str
    pid: int
    store: Path


@contextlib.contextmanager
def serve(env: dict[str, str] | None = None, log: Path | None = None, options: tuple[str, ...] = ()):
    """A fresh server of the app on 127.0.0.1 with an empty store; yields a `Server`.
    `options` go to `streamlit run` (e.g. `("--server.disconnectedSessionTTL", "5")`)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = Path(tempfile.mkdtemp(prefix="mlp-bench-store-"))
    environment = {**os.environ, "MLP_EXPLORER_CACHE": str(store), "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115  (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
        + ["--server.address", "127.0.0.1", "--server.headless", "true", *options],
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, 120)
        yield Server(url, process.pid, store)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            output.close()


def launch(playwright):
    """Headless Chromium, as the browser tests start it."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _status_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(found.group(1)) if found else 0


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    pids, index = [pid], 0
    while index < len(pids):
        try:
            children = Path(f"/proc/{pids[index]}/task/{pids[index]}/children").read_text().split()
        except OSError:
            children = []
        pids.extend(int(child) for child in children)
        index += 1
    return pids


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of the process and its children, in MB."""
    return sum(_status_kb(p, "VmRSS") for p in tree(pid)) / 1024


def hwm_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) the kernel recorded for the process and its children, in MB."""
    return sum(_status_kb(p, "VmHWM") for p in tree(pid)) / 1024


def machine() -> str:
    """One line on where a figure was measured, load included (the machine may be shared)."""
    from importlib.metadata import version

    cpus = len(os.sched_getaffinity(0))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{cpus} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"tensorflow {version('tensorflow')}, keras {version('keras')}, streamlit {version('streamlit')}; "
        f"load average {load} when the run began"
    )


def write_section(heading: str, body: str) -> None:
    """Puts `# heading` and `body` into RESULTS.md, replacing an earlier section of that heading."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    section = f"# {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^# {re.escape(heading)}\n.*?(?=^# |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)
