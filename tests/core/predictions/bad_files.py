"""Hostile uploads for the Predictions page, built in memory: damaged or booby-trapped
`.keras` zips, images of extreme shapes, CSV files that are slow to parse. Shared by the
core tests and the page tests."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image


def keras_bytes(model, folder: Path, name: str = "model.keras") -> bytes:
    model.save(folder / name)
    return (folder / name).read_bytes()


def small_classifier():
    import keras

    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(4), keras.layers.Dense(10, activation="softmax")])


def upsampling_classifier():
    """22 KB of weights whose layers produce megabytes per sample: UpSampling2D(8), then Conv2D."""
    import keras

    return keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.UpSampling2D(8),
            keras.layers.Conv2D(32, 3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_of(files: dict[str, bytes | str], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_config(data: bytes, edit) -> bytes:
    """The same model, its config.json edited by `edit(config) -> config or text`."""
    files = members(data)
    config = edit(json.loads(files["config.json"]))
    files["config.json"] = config if isinstance(config, str) else json.dumps(config)
    return zip_of(files)


def bad_crc(data: bytes) -> bytes:
    """config.json's bytes changed after its CRC was written (the zip stores it as is)."""
    files = members(data)
    assert b'"Sequential"' in files["config.json"]
    return zip_of(files).replace(b'"Sequential"', b'"Sequentiam"', 1)


def _patch_headers(data: bytes, name: str, *, method: int | None = None, flags: int | None = None) -> bytes:
    raw = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    local = info.header_offset
    # The central directory entry of `name`: signature, then its fields.
    central = raw.find(b"PK\x01\x02" + raw[local + 4 : local + 6])
    while raw[central + 46 : central + 46 + len(name)] != name.encode():
        central = raw.find(b"PK\x01\x02", central + 4)
    if method is not None:
        struct.pack_into("<H", raw, local + 8, method)
        struct.pack_into("<H", raw, central + 10, method)
    if flags is not None:
        struct.pack_into("<H", raw, local + 6, flags)
        struct.pack_into("<H", raw, central + 8, flags)
    return bytes(raw)


def deflate64(data: bytes) -> bytes:
    """config.json marked as packed with deflate64 (zip method 9), which Python cannot unpack."""
    return _patch_headers(data, "config.json", method=9)


def encrypted(data: bytes) -> bytes:
    """config.json marked as encrypted (general purpose flag bit 0)."""
    return _patch_headers(data, "config.json", flags=0x1)


def deep_json(data: bytes, depth: int = 100_000) -> bytes:
    """A config.json nested far deeper than `json.loads` can recurse."""
    return with_config(data, lambda config: "[" * depth + "]" * depth)


def module_named(data: bytes, module) -> bytes:
    def edit(config):
        config["config"]["layers"][1]["module"] = module
        return config

    return with_config(data, edit)


def config_bomb(path: Path, unpacked_mb: int = 190) -> None:
    """A small zip whose config.json unpacks to `unpacked_mb` MB of `[{},{},…]`, written
    in chunks so that making it takes little memory."""
    chunk = b"{}," * (2**20 // 3)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.weights.h5", b"")
        archive.writestr("metadata.json", "{}")
        with archive.open("config.json", "w", force_zip64=True) as member:
            member.write(b"[")
            for _ in range(unpacked_mb):
                member.write(chunk)
            member.write(b"{}]")


def png(pixels: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", **options)
    return buffer.getvalue()


def strip_png(width: int, height: int) -> bytes:
    """A dark line on white, `width`×`height` pixels: a few hundred bytes for any length."""
    pixels = np.full((height, width), 255, np.uint8)
    pixels[height // 2 :, width // 2 :] = 0
    image = Image.fromarray(pixels, mode="L") if width * height < 10**7 else None
    if image is None:  # build it row by row in Pillow rather than in numpy
        image = Image.new("L", (width, height), 255)
        image.paste(0, (width // 2, height // 2, width, height))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def big_png(side: int = 6300) -> bytes:
    """A `side`×`side` RGB photo-sized PNG of a dark disc on white (compresses to little)."""
    from PIL import ImageDraw

    image = Image.new("RGB", (side, side), (255, 255, 255))
    ImageDraw.Draw(image).ellipse((side // 4, side // 4, 3 * side // 4, 3 * side // 4), fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def grey_16_bit_png(size: int = 60) -> bytes:
    """A 16-bit grey PNG ("I;16"): a dark plus sign on light grey, mid-range levels."""
    pixels = np.full((size, size), 50_000, np.uint16)
    pixels[size // 2 - 3 : size // 2 + 3, 10:-10] = 5_000
    pixels[10:-10, size // 2 - 3 : size // 2 + 3] = 5_000
    image = Image.fromarray(pixels)  # uint16: mode "I;16"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
