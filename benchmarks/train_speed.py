"""How fast MLP Explorer trains, against the course's code and scikit-learn, in one run.

Run from the project root (the data sets must be in the Keras / scikit-learn caches):

    .venv/bin/python benchmarks/train_speed.py            # full run, about 10 minutes on 2 cores
    .venv/bin/python benchmarks/train_speed.py --quick    # a smoke run on small subsets

It prints a markdown report and writes it to benchmarks/RESULTS.md (or --out):

1. Same recipe: the course's 300-100-10 MLP, SGD (learning rate 0.01), batch 32, N
   epochs: plain `model.fit` on NumPy arrays as the course writes it, versus core.
2. Time to a test accuracy (88.5%): the course recipe, core's recommended defaults and
   scikit-learn's default `MLPClassifier(hidden_layer_sizes=(300, 100))`, each stopped
   as soon as it gets there; and the compute floor (epochs x fastest epoch at a large batch).
3. Cached result: a stored run read back by a fresh process, versus its training time.
4. App start: `streamlit run app.py` to the home page rendered in headless Chromium, and
   whether TensorFlow was loaded by then.

Evaluating test accuracy after each epoch is timed apart and left out of training times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from core.config import COURSE_TRAINING, RECOMMENDED_TRAINING, DataConfig, MLPConfig, RunConfig  # noqa: E402
from core.data import load_dataset  # noqa: E402


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("tensorflow", "keras", "numpy", "scikit-learn", "streamlit")
    )
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "gpu": ", ".join(gpu.name for gpu in gpus) or "none",
        "python": platform.python_version(),
        "libraries": versions,
    }


class TestAccuracy:
    """Test accuracy after each epoch, its own time kept apart from training time."""

    def __init__(self, x_test, y_test, target):
        self.x = x_test.reshape(len(x_test), -1) if x_test.ndim == 3 else x_test
        self.images = x_test
        self.y = y_test
        self.target = target
        self.accuracies: list[float] = []
        self.eval_time = 0.0

    def keras(self, model) -> bool:
        started = time.perf_counter()
        proba = model.predict(self.images, batch_size=4096, verbose=0)
        return self._record(np.argmax(proba, axis=1), started)

    def sklearn(self, model) -> bool:
        started = time.perf_counter()
        return self._record(model.predict(self.x), started)

    def _record(self, predicted, started) -> bool:
        self.accuracies.append(float(np.mean(predicted == self.y)))
        self.eval_time += time.perf_counter() - started
        return self.accuracies[-1] >= self.target

    @property
    def reached_at(self) -> int | None:
        hits = [i for i, a in enumerate(self.accuracies) if a >= self.target]
        return hits[0] + 1 if hits else None


def course_model():
    """The course's code, as written there."""
    import keras

    keras.utils.set_random_seed(42)
    model = keras.Sequential(
        [
            keras.Input(shape=[28, 28]),
            keras.layers.Flatten(),
            keras.layers.Dense(300, activation="relu"),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        metrics=["accuracy"],
    )
    return model


def plain_fit(data, epochs, probe: TestAccuracy | None = None):
    """`model.fit` on NumPy arrays, batch 32, as the course does; optional test probe."""
    import keras

    model = course_model()
    callbacks = []
    if probe is not None:

        class Probe(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if probe.keras(self.model):
                    self.model.stop_training = True

        callbacks.append(Probe())
    started = time.perf_counter()
    history = model.fit(
        data.x_train,
        data.y_train,
        epochs=epochs,
        batch_size=32,
        validation_data=(data.x_valid, data.y_valid),
        callbacks=callbacks,
        verbose=0,
    )
    elapsed = time.perf_counter() - started - (probe.eval_time if probe else 0.0)
    return history.history, elapsed


def core_fit(data, training, probe: TestAccuracy | None = None):
    from core.training import train

    config = RunConfig(DataConfig("fashion_mnist"), MLPConfig(), training)
    hook = None
    stop = {"now": False}
    if probe is not None:

        def hook(update):
            stop["now"] = probe.keras(update.model)

    result = train(config, data, on_epoch=hook, should_stop=lambda: stop["now"])
    return result, result.wall_time - (probe.eval_time if probe else 0.0)


def sklearn_to_target(data, max_epochs, probe: TestAccuracy, seed: int):
    from sklearn.neural_network import MLPClassifier

    x = data.x_train.reshape(len(data.x_train), -1)
    # Defaults but for the seed, so a run can be repeated (its epochs vary with it).
    model = MLPClassifier(hidden_layer_sizes=(300, 100), random_state=seed)
    classes = np.arange(10)
    elapsed = 0.0
    for _ in range(max_epochs):
        started = time.perf_counter()
        model.partial_fit(x, data.y_train, classes=classes)  # one epoch, defaults otherwise
        elapsed += time.perf_counter() - started
        if probe.sklearn(model):
            break
    return elapsed


def fastest_epoch(data, batch_size=2048):
    """The shortest epoch this hardware allows for the model: a large batch, a warm graph."""
    import keras

    from core.models import build_mlp
    from core.training import make_batches

    model = build_mlp(MLPConfig(), (28, 28), 10, seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(), steps_per_execution=32)
    batches = make_batches(data.x_train, data.y_train, batch_size, shuffle=True, seed=0)
    model.fit(batches, epochs=1, verbose=0)  # warm-up: tracing and graph building
    times = []
    for _ in range(3):
        started = time.perf_counter()
        model.fit(batches, epochs=1, verbose=0)
        times.append(time.perf_counter() - started)
    return min(times)


def cached_result(data, training, store_root: Path):
    """Train into a store, then time a fresh process reading it back (model included)."""
    from core.runs import get_or_train
    from core.store import RunStore

    config = RunConfig(DataConfig("fashion_mnist"), MLPConfig(), training)
    trained = get_or_train(config, data, store=RunStore(store_root))
    code = (
        "import os, sys, time, json\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "started = time.perf_counter()\n"
        "import keras\n"
        "imported = time.perf_counter()\n"
        "from core.config import RunConfig\n"
        "from core.runs import load_cached\n"
        "from core.store import RunStore\n"
        f"result = load_cached(RunConfig.from_json({config.to_json()!r}), RunStore({str(store_root)!r}))\n"
        "done = time.perf_counter()\n"
        "assert result is not None and result.model is not None and result.history['loss']\n"
        "print(json.dumps({'import': imported - started, 'load': done - imported}))\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    times = json.loads(output.stdout.strip().splitlines()[-1])
    return trained, times["load"], times["import"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tensorflow_loaded(pid: int) -> bool:
    """Whether a process has TensorFlow's native library mapped (i.e. imported it)."""
    try:
        return "_pywrap_tensorflow" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def app_start(chromium="/usr/bin/chromium"):
    """Seconds from `streamlit run app.py` to the home page rendered in Chromium."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            page = browser.new_page()
            deadline = time.time() + 60
            while True:
                try:
                    page.goto(f"http://127.0.0.1:{port}/", timeout=5000)
                    break
                except Exception:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.1)
            page.get_by_role("heading", name="MLP Explorer").wait_for(timeout=60000)
            seconds = time.perf_counter() - started
            loaded = tensorflow_loaded(server.pid)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return seconds, loaded


def pct(value):
    return f"{value:.2%}" if value is not None else "n/a"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs for the same-recipe race (default 3)")
    parser.add_argument("--max-epochs", type=int, default=40, help="most epochs in the race to the target (default 40)")
    parser.add_argument("--target", type=float, default=0.885, help="test accuracy to reach (default 0.885)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds for core and scikit-learn in the race (default 3)")
    parser.add_argument("--quick", action="store_true", help="small subsets and few epochs: checks the script runs")
    parser.add_argument("--skip-app", action="store_true", help="leave out the app start (needs Chromium)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args(argv)

    data = load_dataset("fashion_mnist")
    if args.quick:
        data = data.subset(2000)
        args.epochs, args.max_epochs, args.seeds = 1, 2, 1
    lines = [f"# Training speed ({time.strftime('%Y-%m-%d')})", ""]
    info = machine()
    lines += ["| machine | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in info.items()]
    lines += [
        "",
        f"Data: Fashion-MNIST, {len(data.x_train):,} training / {len(data.x_valid):,} validation / "
        f"{len(data.x_test):,} test images; model 300-100-10 relu/softmax (266,610 parameters).",
        "",
    ]
    print("\n".join(lines), flush=True)

    # 1. Same recipe.
    plain_history, plain_time = plain_fit(data, args.epochs)
    course = COURSE_TRAINING.__class__(**{**COURSE_TRAINING.__dict__, "epochs": args.epochs})
    core_result, core_time = core_fit(data, course)
    samples = len(data.x_train) * args.epochs
    plain_rate, core_rate = samples / plain_time, samples / core_time
    section = [
        f"## 1. Same recipe: SGD 0.01, batch 32, {args.epochs} epochs",
        "",
        "| | samples/s | time | validation accuracy |",
        "|---|---:|---:|---:|",
        f"| plain `model.fit` (course code) | {plain_rate:,.0f} | {plain_time:.1f} s | {pct(plain_history['val_accuracy'][-1])} |",
        f"| core | {core_rate:,.0f} | {core_time:.1f} s | {pct(core_result.history['val_accuracy'][-1])} |",
        f"| **ratio core / plain** | **{core_rate / plain_rate:.2f}×** | | "
        f"{100 * (core_result.history['val_accuracy'][-1] - plain_history['val_accuracy'][-1]):+.2f} points |",
        "",
    ]
    print("\n".join(section), flush=True)
    lines += section

    # 2. Time to the target test accuracy.
    rows = []
    probe = TestAccuracy(data.x_test, data.y_test, args.target)
    _, course_time = plain_fit(data, args.max_epochs, probe)
    rows.append(("course recipe (plain `fit`, SGD 0.01, batch 32)", course_time, probe))
    recommended = RECOMMENDED_TRAINING.__class__(
        **{
            **RECOMMENDED_TRAINING.__dict__,
            "early_stopping_patience": None,
            "epochs": min(RECOMMENDED_TRAINING.epochs, args.max_epochs),
        }
    )
    core_runs, sk_runs = [], []
    for index in range(args.seeds):
        probe = TestAccuracy(data.x_test, data.y_test, args.target)
        seed = recommended.seed + index
        _, seconds = core_fit(data, recommended.__class__(**{**recommended.__dict__, "seed": seed}), probe)
        core_runs.append((seed, seconds, probe))
        rows.append((f"core, recommended defaults ({describe(RECOMMENDED_TRAINING)}), seed {seed}", seconds, probe))
    for seed in range(args.seeds):
        probe = TestAccuracy(data.x_test, data.y_test, args.target)
        seconds = sklearn_to_target(data, args.max_epochs, probe, seed)
        sk_runs.append((seed, seconds, probe))
        rows.append((f"scikit-learn `MLPClassifier((300, 100))`, defaults, random_state={seed}", seconds, probe))
    floor_epoch = fastest_epoch(data)
    section = [
        f"## 2. Time to {args.target:.1%} test accuracy (at most {args.max_epochs} epochs)",
        "",
        "Evaluated on the test set after every epoch (that time is not counted); each stops once it "
        "gets there. The seed changes the initial weights and the order of the batches, so core and "
        f"scikit-learn run {args.seeds} seeds each and are compared by their medians.",
        "",
        "| | reached | epochs | training time | best test accuracy |",
        "|---|---|---:|---:|---:|",
    ]
    for name, seconds, p in rows:
        reached = f"yes, epoch {p.reached_at}" if p.reached_at else "**no**"
        section.append(f"| {name} | {reached} | {len(p.accuracies)} | {seconds:.1f} s | {pct(max(p.accuracies))} |")
    section.append("")

    def median_time(runs):
        # A run that never gets there counts as slower than any that does (it is
        # censored at its budget), so the median stays meaningful; None when most fail.
        times = sorted(seconds if p.reached_at else float("inf") for _, seconds, p in runs)
        median = times[(len(times) - 1) // 2] if len(times) % 2 else float(np.median(times))
        return None if median == float("inf") else median

    core_median, sk_median = median_time(core_runs), median_time(sk_runs)
    if core_median is not None:
        epochs = float(np.median([p.reached_at for _, _, p in core_runs]))
        floor = epochs * floor_epoch
        section.append(
            f"- Compute floor: {epochs:g} epochs (median) × fastest epoch {floor_epoch:.2f} s "
            f"(batch 2048) = {floor:.1f} s; core's median time is **{core_median / floor:.2f}×** the floor."
        )
    if core_median is not None and sk_median is not None:
        section.append(
            f"- Median time, core / scikit-learn: {core_median:.1f} s / {sk_median:.1f} s = "
            f"**{core_median / sk_median:.2f}×**."
        )
    elif core_median is None:
        section.append("- Core did not reach the target with most seeds.")
    else:
        section.append("- scikit-learn did not reach the target with most seeds.")
    missed = sum(1 for _, _, p in sk_runs if not p.reached_at)
    if missed and sk_median is not None:
        section.append(f"- {missed} scikit-learn seed(s) never got there; each counts as slower than all that did.")
    section.append("")
    print("\n".join(section), flush=True)
    lines += section

    # 3. Cached result.
    store_root = Path(tempfile.mkdtemp(prefix="mlp-bench-store-"))
    try:
        trained, load_time, import_time = cached_result(data, RECOMMENDED_TRAINING, store_root)
        train_time = trained.wall_time
    finally:
        shutil.rmtree(store_root, ignore_errors=True)
    section = [
        "## 3. Cached result (the classification page's defaults, 300-100-10)",
        "",
        "| test accuracy | epochs | trained in | read back by a fresh process (model + history) | share | importing Keras first |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {pct(trained.test_metrics['accuracy'])} | {trained.epochs_run} | {train_time:.1f} s | {load_time:.2f} s "
        f"| {load_time / train_time:.2%} | {import_time:.1f} s |",
        "",
    ]
    print("\n".join(section), flush=True)
    lines += section

    # 4. App start.
    if not args.skip_app:
        seconds, loaded = app_start()
        section = [
            "## 4. App start",
            "",
            "| `streamlit run app.py` to home page rendered | TensorFlow loaded by then |",
            "|---:|---|",
            f"| {seconds:.1f} s | {'yes' if loaded else 'no'} |",
            "",
        ]
        print("\n".join(section), flush=True)
        lines += section

    Path(args.out).write_text("\n".join(lines))
    print(f"written to {args.out}")


def describe(training) -> str:
    parts = [f"{training.optimizer} {training.learning_rate:g}"]
    if training.lr_schedule != "constant":
        parts.append(f"{training.lr_schedule} decay")
    parts.append(f"batch {training.batch_size}")
    parts.append(f"{training.epochs} epochs")
    return ", ".join(parts)


if __name__ == "__main__":
    main()
