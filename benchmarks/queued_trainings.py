"""A queue of trainings, in worker processes against in the server's own process.

Submits `--runs` digits trainings at once (each its own seed, so none comes from the
store) and waits for all of them, once through the path the pages use now
(`core.jobs`: the server keeps the queue, each training runs in a worker process) and
once the way the server trained before, in its own threads (`core.runs.load_or_train`
with no worker), as many at once as there are workers (`MLP_EXPLORER_MAX_JOBS`). Each path runs in a fresh child process with its own empty store, in
the same invocation, so the two columns compare on the same machine load.

Reported per path: minutes for the whole queue; seconds until the first training ended;
the server process's resident memory (VmRSS) before, at its peak while the queue ran,
and after; whether the server process imported TensorFlow.

Run: .venv/bin/python benchmarks/queued_trainings.py [--runs 20] [--epochs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(path: str, runs: int, epochs: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from core import jobs
    from core import runs as runs_module
    from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig
    from core.data import load_dataset
    from core.store import RunStore

    store = RunStore(tempfile.mkdtemp())
    data = load_dataset("digits")
    configs = [
        RunConfig(DataConfig("digits"), MLPConfig(((32, "relu"),)), TrainingConfig(epochs=epochs, seed=seed))
        for seed in range(runs)
    ]
    before = rss_mb()
    peak = [before]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], rss_mb())

    threading.Thread(target=watch, daemon=True).start()
    started = time.perf_counter()
    ends: list[float] = []
    if path == "worker":
        pool = jobs.JobPool()
        submitted = [pool.submit(config, data, store=store) for config in configs]
        for job in submitted:
            job.wait()
            ends.append(time.perf_counter() - started)
            assert job.status().state == "done", job.status().message
    else:
        from core.limits import Limits

        slots = threading.Semaphore(Limits.from_env().max_jobs)  # as many at once as there are workers

        def train(config) -> None:
            with slots:
                runs_module.load_or_train(config, data, store=store)
            ends.append(time.perf_counter() - started)

        threads = [threading.Thread(target=train, args=(config,)) for config in configs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    total = time.perf_counter() - started
    done.set()
    import gc

    gc.collect()
    return {
        "minutes": total / 60,
        "first_s": min(ends),
        "rss_before_mb": before,
        "rss_peak_mb": max(peak[0], rss_mb()),
        "rss_after_mb": rss_mb(),
        "tensorflow_in_server": "tensorflow" in sys.modules,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--child", choices=("worker", "thread"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.runs, args.epochs)))
        return
    results = {}
    for path in ("worker", "thread"):
        env = {**os.environ, "MLP_EXPLORER_CACHE": tempfile.mkdtemp()}
        out = subprocess.run(
            [sys.executable, __file__, "--child", path, "--runs", str(args.runs), "--epochs", str(args.epochs)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[path] = json.loads(out.strip().splitlines()[-1])
    print(f"{args.runs} digits trainings of {args.epochs} epochs, queued at once ({os.cpu_count()} CPUs)")
    print(f"{'':28} {'workers':>10} {'in-process':>11} {'ratio':>7}")
    for name, label in (
        ("minutes", "minutes for the queue"),
        ("first_s", "first done after (s)"),
        ("rss_before_mb", "server RSS before (MB)"),
        ("rss_peak_mb", "server RSS peak (MB)"),
        ("rss_after_mb", "server RSS after (MB)"),
    ):
        worker, thread = results["worker"][name], results["thread"][name]
        print(f"{label:28} {worker:10.2f} {thread:11.2f} {worker / thread:7.2f}")
    print(
        f"{'TensorFlow in the server':28} {str(results['worker']['tensorflow_in_server']):>10} "
        f"{str(results['thread']['tensorflow_in_server']):>11}"
    )


if __name__ == "__main__":
    main()
