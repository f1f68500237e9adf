"""How many live updates a second the Playground page can draw.

One update while playing = train a chunk of epochs + evaluate every layer on the
heatmap grid + draw the view the page shows and encode it (JPEG) for `st.image`. The setting is the issue's: a 2x4 tanh network on 500 circle
points (250 for training, batch size 10). For comparison it also times
`model.fit` (with `steps_per_execution`) for the same chunk, `predict` for the
grids, the same view encoded as PNG, and the paused chart (the picture under
Plotly hover targets).

Run: .venv/bin/python benchmarks/playground_speed.py
     .venv/bin/python benchmarks/playground_speed.py --browser 60   # also count what a browser shows

With `--browser SECONDS` it also starts `streamlit run app.py`, opens the Playground
with the same network in headless Chromium, presses Play and counts, with a
MutationObserver inside the page (polling from outside would itself slow the
browser), how many distinct epoch counters the page shows each 5 seconds, and
how far the picture and the controls below it move between frames (layout shift).
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPEATS = 30


def timed(function, repeats: int = REPEATS) -> float:
    """Median seconds per call, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    import keras
    import plotly.io as pio

    from core.playground.config import PlaygroundConfig
    from core.playground.data import make_dataset, split_dataset
    from core.playground.model import Trainer, make_loss, make_optimizer
    from ui.playground import figures

    config = PlaygroundConfig(dataset="circle", hidden_layers=(4, 4), activation="tanh")
    points, labels = make_dataset("circle", 500, noise=0.0, seed=0)
    data = split_dataset(points, labels, config.train_ratio / 100, config.seed)
    trainer = Trainer(config, data)

    # model.fit on the same model and data, for comparison.
    fit_model = keras.models.clone_model(trainer.model)
    fit_model.compile(optimizer=make_optimizer(config), loss=make_loss(config), steps_per_execution=25)
    x_train, y_train = trainer._x_train.numpy(), trainer._y_train.numpy()

    rows = []
    for epochs in (1, 5):
        step = timed(lambda epochs=epochs: trainer.step(epochs))
        fit = timed(
            lambda epochs=epochs: fit_model.fit(
                x_train, y_train, epochs=epochs, batch_size=config.batch_size, verbose=0
            ),
            10,
        )
        rows.append((f"train {epochs} epoch(s): compiled loop (Trainer.step)", step))
        rows.append((f"train {epochs} epoch(s): model.fit, steps_per_execution=25", fit))
    grids = timed(trainer.grids)
    predict = timed(lambda: trainer.activations_model.predict(trainer.grid_features, verbose=0))
    rows.append(("grids, all layers: one compiled call (Trainer.grids)", grids))
    rows.append(("grids, all layers: activations_model.predict", predict))
    layers = trainer.grids()
    frame = timed(lambda: figures.encode(figures.draw_view(config, trainer, layers).image))
    rows.append(("live picture: draw + JPEG encode (figures.draw_view, encode)", frame))
    as_png = timed(lambda: figures.draw_view(config, trainer, layers).image.save(io.BytesIO(), "PNG", compress_level=1))
    rows.append(("the same picture as PNG, compress_level=1", as_png))
    plotly = timed(
        lambda: pio.to_json(figures.view_figure(figures.draw_view(config, trainer, layers)), validate=False), 10
    )
    rows.append(("paused chart: picture + hover targets + JSON (view_figure)", plotly))

    width = max(len(name) for name, _ in rows)
    print(
        f"Playground speed: {config.hidden_layers} {config.activation}, {len(points)} circle points, "
        f"batch {config.batch_size}, grid {len(trainer.grid_axis)}x{len(trainer.grid_axis)}, "
        f"{os.cpu_count()} CPUs, median of {REPEATS}"
    )
    print(f"{'what':<{width}}  {'ms':>8}")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:8.2f}")
    print()
    print(f"{'epochs per update':<{width}}  {'updates/s':>9}")
    for epochs in (1, 5):
        step = dict(rows)[f"train {epochs} epoch(s): compiled loop (Trainer.step)"]
        total = step + grids + frame
        print(f"{f'{epochs} (train + grids + picture = {total * 1000:.1f} ms)':<{width}}  {1 / total:9.1f}")


def browser_rate(seconds: float, chromium: str = "/usr/bin/chromium") -> list[float]:
    """Visible updates per second in headless Chromium, one figure per 5 s window."""
    import socket
    import subprocess
    import urllib.parse

    from playwright.sync_api import sync_playwright

    from core.forms import to_params
    from core.forms.playground import PlaygroundForm

    root = Path(__file__).resolve().parent.parent
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
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
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    query = urllib.parse.urlencode(to_params(PlaygroundForm(dataset="circle", hidden_layers=(4, 4), activation="tanh")))
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
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            for _ in range(100):
                try:
                    page.goto(f"http://127.0.0.1:{port}/playground?{query}", timeout=5000)
                    break
                except Exception:
                    time.sleep(0.3)
            play = page.get_by_role("button", name="Play")
            play.wait_for(timeout=120_000)
            time.sleep(3)
            page.evaluate(
                """() => { window.__updates = []; window.__tops = []; const seen = new Set();
                const main = document.querySelector('[data-testid=stMain]');
                new MutationObserver(() => {
                  const match = main.innerText.match(/Epoch ([\\d,]+)/);
                  if (match && !seen.has(match[1])) {
                    seen.add(match[1]); window.__updates.push(performance.now());
                    // Where the picture and the first control below it sit, to catch layout shift.
                    const image = main.querySelector('[data-testid=stImage] img');
                    const below = main.querySelector('.st-key-playground-edit_set');
                    if (image && below) window.__tops.push([image.getBoundingClientRect().top,
                      image.getBoundingClientRect().height, below.getBoundingClientRect().top]);
                  }
                }).observe(main, {subtree: true, childList: true, characterData: true}); }"""
            )
            play.click()
            time.sleep(seconds)
            times = page.evaluate("window.__updates")
            tops = page.evaluate("window.__tops")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    windows = [0] * max(1, int(seconds // 5))
    for stamp in times:
        index = int((stamp - times[0]) / 5000)
        if index < len(windows):
            windows[index] += 1
    # Skip the first frames: the page swaps the paused chart for the first picture.
    steady = [row for row in tops[5:] if row[1] > 0]
    shift = max((max(column) - min(column) for column in zip(*steady)), default=float("nan"))
    return [count / 5 for count in windows], shift


if __name__ == "__main__":
    main()
    if "--browser" in sys.argv:
        seconds = float(sys.argv[sys.argv.index("--browser") + 1])
        rates, shift = browser_rate(seconds)
        print()
        print(f"headless Chromium, visible updates per second in each 5 s window over {seconds:g} s:")
        print("  " + "  ".join(f"{rate:.1f}" for rate in rates))
        print(f"  lowest {min(rates):.1f}, median {sorted(rates)[len(rates) // 2]:.1f} (the page caps at 30)")
        print(f"  layout shift between frames: {shift:.1f} px (picture top, its height, the controls below)")
