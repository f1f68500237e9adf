"""Trials per minute of one KerasTuner search with 1 and 2 workers (chief/worker mode).

Runs the same search (digits, fixed seed, so the same trials) twice in one go, each in
a fresh store: a chief and one worker, then a chief and two workers, all on this
machine. The rate counts completed trials between the first and the last trial's end
(steady state: process start-up and TensorFlow's import are left out); the end-to-end
time from the chief's start is given too. Appends a section to benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/tuning.py [--trials 12] [--epochs 2]
"""

from __future__ import annotations

import argparse
import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def measure(search, workers: int) -> dict:
    from core.experiments.trials import read_trials, trials_path
    from core.store import RunStore

    store = Path(tempfile.mkdtemp(prefix="tuning-bench-"))
    common = ["--config", search.to_json(), "--store", str(store), "--ip", "127.0.0.1", "--port", _port()]
    command = [sys.executable, "-m", "core.experiments.tune_worker"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    quiet = {"cwd": ROOT, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    started = time.perf_counter()
    chief = subprocess.Popen([*command, "chief", *common], **quiet)
    time.sleep(1.0)
    others = [subprocess.Popen([*command, "worker", *common, "--id", f"tuner{i}"], **quiet) for i in range(workers)]
    chief.wait()
    for process in others:
        process.wait()
    total = time.perf_counter() - started
    table = read_trials(trials_path(RunStore(store).key_for(search.to_json()), store))
    ends = sorted(row["ended"] for row in table["trials"] if row["status"] == "COMPLETED")
    window = ends[-1] - ends[0]
    return {
        "workers": workers,
        "completed": len(ends),
        "window": window,
        "rate": 60 * (len(ends) - 1) / window if window > 0 else float("nan"),
        "search_time": ends[-1],
        "total": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    from core.experiments.tuning import SearchConfig, SearchSpace

    space = SearchSpace(num_layers=(1, 2), units=(16, 64), optimizers=("adam",), batch_sizes=(32, 64))
    search = SearchConfig(dataset="digits", max_trials=args.trials, epochs=args.epochs, space=space, seed=7)
    results = [measure(search, workers) for workers in (1, 2)]
    one, two = results
    lines = [
        "",
        f"# Hyperparameter search: trials per minute with 1 and 2 workers ({datetime.date.today()})",
        "",
        f"Random search on digits (1,437 training images), {args.trials} trials of {args.epochs} epochs, "
        f"same seed so the same trials; chief and workers on this machine ({os.cpu_count()} cores). "
        "Rate: completed trials between the first and the last trial's end; end-to-end includes "
        "start-up and the chief training the best model again.",
        "",
        "| workers | trials | trials/min | search (s, from chief start) | end-to-end (s) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        lines.append(
            f"| {row['workers']} | {row['completed']} | {row['rate']:.1f} | {row['search_time']:.1f} | {row['total']:.1f} |"
        )
    lines += ["", f"**Ratio 2 workers / 1 worker: {two['rate'] / one['rate']:.2f}×** trials per minute.", ""]
    text = "\n".join(lines)
    print(text)
    with open(ROOT / "benchmarks" / "RESULTS.md", "a") as file:
        file.write(text)


if __name__ == "__main__":
    main()
