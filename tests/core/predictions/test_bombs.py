"""Memory bombs: small uploads that used to need gigabytes. Each runs in a child process
under an address-space limit (so a regression fails with MemoryError instead of taking
the machine down) and measures the call's peak resident memory: the kernel's high-water
mark is reset just before the call (`/proc/self/clear_refs`), so the imports' own peak
does not hide the call's."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.core.predictions import bad_files

ROOT = Path(__file__).resolve().parents[3]


def bounded(call: str, upload: Path, *, imports: str, headroom_mb: int) -> dict:
    """Runs `call` (an expression over `data`, the upload's bytes) in a child process
    whose address space may grow by `headroom_mb` at most; returns its outcome (`"ok"`
    or the ValueError's message) and the peak resident memory the call added, in MB."""
    script = textwrap.dedent(
        f"""
        import json, resource, sys
        {imports}
        data = open({str(upload)!r}, "rb").read()
        pages = int(open("/proc/self/statm").read().split()[0])
        limit = pages * resource.getpagesize() + {headroom_mb} * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        def status(field):
            line = next(line for line in open("/proc/self/status") if line.startswith(field))
            return int(line.split()[1])  # kB

        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current VmRSS
        before = status("VmRSS:")
        try:
            {call}
            outcome = "ok"
        except ValueError as error:
            outcome = str(error)
        except MemoryError:
            outcome = "MemoryError"
        after = status("VmHWM:")
        print(json.dumps({{"outcome": outcome, "peak_mb": (after - before) / 1024}}))
        """
    )
    env = {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


IMAGE = "from core.predictions.images import image_to_input"


@pytest.mark.parametrize(
    "size, message",
    [
        ((60_000, 1), "Received an image of 60000×1 pixels, expected one at most 10,000 times as long"),
        ((1_000_000, 1), "Received an image of 1000000×1 pixels, expected one at most 10,000 times as long"),
    ],
    ids=["1x60000", "1x1000000"],
)
def test_a_thin_strip_is_refused_from_its_header(tmp_path, size, message):
    upload = tmp_path / "strip.png"
    upload.write_bytes(bad_files.strip_png(*size))
    assert upload.stat().st_size < 2000  # 141 bytes for 60,000 pixels
    result = bounded("image_to_input(data, (28, 28))", upload, imports=IMAGE, headroom_mb=300)
    assert message in result["outcome"]
    assert result["peak_mb"] < 20


def test_a_thin_strip_within_the_ratio_is_converted_in_little_memory(tmp_path):
    upload = tmp_path / "strip.png"
    upload.write_bytes(bad_files.strip_png(9_000, 1))
    call = "assert image_to_input(data, (28, 28)).pixels.shape == (28, 28)"
    result = bounded(call, upload, imports=IMAGE, headroom_mb=300)
    assert result["outcome"] == "ok"
    assert result["peak_mb"] < 20  # padded to a square first, it was a 324 MB array


@pytest.mark.slow
def test_a_photo_sized_png_costs_its_decoded_size_not_five_times_it(tmp_path):
    upload = tmp_path / "big.png"
    upload.write_bytes(bad_files.big_png(6300))  # 6300×6300 RGB: 119 MB decoded
    call = "converted = image_to_input(data, (28, 28)); assert converted.pixels.max() == 1.0"
    result = bounded(call, upload, imports=IMAGE, headroom_mb=600)
    assert result["outcome"] == "ok"
    assert result["peak_mb"] < 250  # Pillow holds it decoded in 159 MB; was 825 MB


KERAS_CHECK = "from core.predictions.predict import check_keras_file"


@pytest.mark.slow
def test_a_config_json_bomb_is_refused_before_it_is_read(tmp_path):
    upload = tmp_path / "bomb.keras"
    bad_files.config_bomb(upload, unpacked_mb=190)
    assert upload.stat().st_size < 400_000
    result = bounded("check_keras_file(data)", upload, imports=KERAS_CHECK, headroom_mb=300)
    assert "Received a model whose config.json unpacks to 190.0 MB, expected at most 2 MB" in result["outcome"]
    assert result["peak_mb"] < 20  # json.loads took about 4.8 GB


def test_a_config_json_whose_size_lies_is_read_no_further_than_the_cap(tmp_path):
    # A config.json just under the cap in the zip's directory, refused from the bytes read.
    upload = tmp_path / "bomb.keras"
    bad_files.config_bomb(upload, unpacked_mb=1)
    result = bounded("check_keras_file(data)", upload, imports=KERAS_CHECK, headroom_mb=300)
    assert result["outcome"].startswith("The model's config.json")  # a list, not a model: refused
    assert result["peak_mb"] < 60


UPSAMPLING = "import keras; from core.predictions.predict import load_uploaded_model"


@pytest.mark.slow
def test_a_tiny_model_with_huge_activations_is_refused_before_evaluation(tmp_path):
    model = bad_files.upsampling_classifier()
    upload = tmp_path / "upsampling.keras"
    model.save(upload)
    assert upload.stat().st_size < 40_000
    result = bounded("load_uploaded_model(data)", upload, imports=UPSAMPLING, headroom_mb=2000)
    assert "Received a model whose layers produce 6.2 MB of outputs for each sample" in result["outcome"]
    assert "conv2d (Conv2D)" in result["outcome"]
    assert result["peak_mb"] < 100  # evaluating it took 3.1 GB
