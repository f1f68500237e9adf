"""Whether one process gives its memory back after training: N sequential trainings.

Trains `--runs` small digits MLPs one after another in this process, through the path
the pages use (`core.jobs.pool().submit`, a worker thread, `core.runs.load_or_train`,
the store), each with its own seed and width so that none comes from the store. After
each job has finished and its result was let go (`KEEP_RESULT_SECONDS` is 0 here), it
runs `gc.collect()` and reads this process's resident memory (VmRSS in
/proc/self/status). The target: the level after the last run within 10% of the level
after the first.

Run: .venv/bin/python benchmarks/run_memory.py [--runs 30] [options]

Options to bisect where memory goes (each changes one thing):
    --path direct       call `core.training.train` in the main thread (no job, no store)
    --path plain        a plain `model.fit` on NumPy arrays, as a reference
    --no-inside         train without the look-inside recorder's callback
    --jit off|on|auto   `jit_compile` given to `model.compile` (the engine's default: auto,
                        which means no XLA on a CPU-only machine)
    --spe N             steps per execution (the engine's: core.training.STEPS_PER_EXECUTION)
    --trim              also trim in this script after each run (`malloc_trim(0)`)
    --clear-session     `keras.backend.clear_session()` after each run (not safe in the
                        server while other jobs train: only to compare)
    --env NAME=VALUE    run the whole benchmark in a child process with this environment,
                        e.g. --env MALLOC_ARENA_MAX=2 (repeatable)
    --diagnose          also print, per run, TensorFlow's registered functions, its
                        gradient registry's entries and the Python objects alive
    --json PATH         also write the readings as JSON
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TOLERANCE = 0.10


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def malloc_trim() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def diagnosis() -> str:
    from tensorflow.python.eager import context
    from tensorflow.python.framework import ops

    functions = len(context.context().list_function_names())
    gradients = len(ops._gradient_registry._registry)
    return f"  functions {functions}, gradient registry {gradients}, Python objects {len(gc.get_objects())}"


def run_config(index: int, epochs: int):
    from core.config import DataConfig, MLPConfig, RunConfig, TrainingConfig

    # A distinct seed and width per run: no run comes from the store.
    return RunConfig(
        DataConfig("digits"),
        MLPConfig(((32 + index, "relu"), (16, "relu"))),
        TrainingConfig(epochs=epochs, seed=index, batch_size=32),
    )


def patch(args) -> None:
    """Applies the bisecting options to the engine (in this process only)."""
    import keras

    from core import inside, jobs, training

    jobs.KEEP_RESULT_SECONDS = 0
    if args.spe is not None:
        training.STEPS_PER_EXECUTION = args.spe
    if args.no_inside:
        inside.InsideRecorder.callback = lambda self: keras.callbacks.Callback()
    if args.jit != "auto":
        compile_ = keras.Model.compile

        def compile_with_jit(self, *a, **kw):
            kw["jit_compile"] = args.jit == "on"
            return compile_(self, *a, **kw)

        keras.Model.compile = compile_with_jit


def one_run(args, index: int, data, store) -> float:
    """Trains run `index`; returns its seconds."""
    started = time.perf_counter()
    config = run_config(index, args.epochs)
    if args.path == "jobs":
        from core import jobs

        job = jobs.pool().submit(config, data, store=store, owner="benchmark")
        if not job.wait(600):
            raise RuntimeError(f"Run {index} did not finish in 600 s.")
        state = job.status()
        if state.state != "done":  # fresh: each run's seed and width are its own
            raise RuntimeError(f"Run {index} ended {state.state!r} ({state.message}); expected 'done'.")
        deadline = time.time() + 10
        while job.result is not None and time.time() < deadline:
            time.sleep(0.01)  # the finished job's timer lets its result go
        del job
    elif args.path == "direct":
        from core.training import train

        result = train(config, data)
        del result
    else:
        import keras
        import numpy as np

        from core.data import for_run

        subset = for_run(data, config.data)
        keras.utils.set_random_seed(index)
        model = keras.Sequential(
            [
                keras.Input((64,)),
                keras.layers.Dense(32 + index, activation="relu"),
                keras.layers.Dense(16, "relu"),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        x = subset.x_train.reshape(len(subset.x_train), -1).astype(np.float32)
        model.fit(x, subset.y_train, epochs=args.epochs, batch_size=32, validation_split=0.1, verbose=0)
        model.predict(subset.x_test.reshape(len(subset.x_test), -1), verbose=0)
        del model
    return time.perf_counter() - started


def settle() -> float:
    gc.collect()
    return rss_mb()


def measure(args) -> dict:
    patch(args)
    import keras

    from core.data import load_dataset
    from core.store import RunStore

    data = load_dataset("digits")
    store = RunStore(tempfile.mkdtemp(prefix="run-memory-"), max_bytes=None)
    before = settle()
    rows = []
    for index in range(args.runs):
        seconds = one_run(args, index, data, store)
        if args.clear_session:
            keras.backend.clear_session()
        gc.collect()
        if args.trim:
            malloc_trim()
        rows.append((index + 1, settle(), seconds))
        extra = diagnosis() if args.diagnose else ""
        print(f"  run {index + 1:3d}: {rows[-1][1]:8.1f} MB  ({seconds:.1f} s){extra}", flush=True)
    return {"before": before, "rows": rows}


def report(args, result: dict) -> None:
    rows = result["rows"]
    first, last = rows[0][1], rows[-1][1]
    ratio = last / first
    per_run = (last - first) / max(1, len(rows) - 1)
    print()
    print("| run | RSS after it | vs after run 1 | train s |")
    print("|---:|---:|---:|---:|")
    for number, rss, seconds in rows:
        print(f"| {number} | {rss:,.0f} MB | {rss / first - 1:+.1%} | {seconds:.1f} |")
    options = " ".join(sys.argv[1:])
    for name in ("MALLOC_ARENA_MAX", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"):
        if name in os.environ:
            options += f" ({name}={os.environ[name]})"
    print()
    print(
        f"`benchmarks/run_memory.py {options}`: before any run {result['before']:,.0f} MB, after run 1 "
        f"{first:,.0f} MB, after run {len(rows)} {last:,.0f} MB: ratio last/after-first {ratio:.3f} "
        f"({per_run:+.2f} MB per run), {'within' if ratio <= 1 + TOLERANCE else 'NOT within'} 10%."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--path", choices=("jobs", "direct", "plain"), default="jobs")
    parser.add_argument("--no-inside", action="store_true")
    parser.add_argument("--jit", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--spe", type=int, default=None)
    parser.add_argument("--trim", action="store_true")
    parser.add_argument("--clear-session", action="store_true")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--diagnose", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.runs < 2:
        parser.error(f"--runs needs at least 2 runs to compare. Received: --runs={args.runs}")
    if args.env:
        extra = dict(item.split("=", 1) for item in args.env if "=" in item)
        if len(extra) != len(args.env):
            parser.error(f"--env takes NAME=VALUE. Received: --env={args.env}")
        child = list(sys.argv[1:])
        while "--env" in child:  # the child runs with the environment, without re-spawning
            at = child.index("--env")
            del child[at : at + 2]
        child = [a for a in child if not a.startswith("--env=")]
        env = {**os.environ, **extra}
        sys.exit(subprocess.call([sys.executable, __file__, *child], env=env))
    result = measure(args)
    report(args, result)
    if args.json:
        Path(args.json).write_text(json.dumps({"argv": sys.argv[1:], **result}))


if __name__ == "__main__":
    main()
