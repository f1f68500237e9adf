"""Images for the classifiers: turn a user's photo or drawing into a model input, and
choose test images to look at.

The app's image data sets are small grayscale pictures of a light object on a dark
background, pixels in [0, 1]: 28×28 for Fashion-MNIST and MNIST, 8×8 for the digits.
A user's PNG or JPEG is usually the opposite (a dark pen stroke on white paper), larger,
in colour, and not centred. `image_to_input` converts it the way those data sets were
made: grayscale, inverted when dark-on-light, background subtracted, cropped to the
object, centred in a square, resized, scaled to [0, 1].

Example:

>>> from PIL import Image, ImageDraw
>>> drawing = Image.new("L", (120, 90), 255)  # a dark stroke on white paper
>>> ImageDraw.Draw(drawing).line([(20, 60), (100, 30)], fill=0, width=8)
>>> png = io.BytesIO()
>>> drawing.save(png, format="PNG")
>>> converted = image_to_input(png.getvalue(), (28, 28), dataset="fashion_mnist")
>>> converted.pixels.shape, converted.inverted, converted.original_size
((28, 28), True, (120, 90))
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from core.evaluation import most_confident_wrong
from core.validation import check_choice, invalid

MAX_IMAGE_BYTES = 10 * 1024 * 1024
# Far more than any photo needs, far less than a decompression bomb. Checked from the
# header, before Pillow decodes a pixel.
MAX_IMAGE_PIXELS = 40_000_000
# A thin strip is still an image; a 1×60,000 line is not a picture of anything.
MAX_ASPECT_RATIO = 10_000
# Everything after decoding works on at most WORK_SIDE×WORK_SIDE pixels: the model sees
# 28×28, so a larger image is shrunk first, and the work is bounded by the output.
WORK_SIDE = 1024
PREVIEW_SIDE = 512  # the "as uploaded" picture the page shows
IMAGE_FORMATS = ("PNG", "JPEG")
# How much of the frame the object fills in each data set: MNIST digits sit in a
# 20×20 box inside 28×28; Fashion-MNIST items and the 8×8 digits fill their frame.
FILL = {"mnist": 20 / 28, "fashion_mnist": 1.0, "digits": 1.0}
PICK_MODES = ("random", "by_class", "misclassified", "confidently_wrong")
PICK_TITLES = {
    "random": "Random",
    "by_class": "By true class",
    "misclassified": "Only misclassified",
    "confidently_wrong": "Most confidently wrong",
}
# A pixel brighter than this (after background removal) belongs to the object.
_OBJECT_LEVEL = 0.15


@dataclass(frozen=True)
class ConvertedImage:
    """A user's image as a model input: `pixels` (height, width) float32 in [0, 1]."""

    pixels: np.ndarray
    inverted: bool  # it was dark-on-light, so it was inverted
    original_size: tuple[int, int]  # (width, height) as uploaded
    # The upload as 8-bit RGB, at most PREVIEW_SIDE on its longest side: any browser
    # shows it, whatever the file's mode (16-bit greys cannot be sent as JPEG).
    preview: np.ndarray | None = None


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_IMAGE_PIXELS:
        raise ValueError(
            f"Received an image of {width}×{height} pixels, expected at most "
            f"{MAX_IMAGE_PIXELS / 1e6:.0f} million pixels. Scale it down and upload it again."
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ValueError(
            f"Received an image of {width}×{height} pixels, expected one at most "
            f"{MAX_ASPECT_RATIO:,} times as long as it is wide. Crop it to the object and upload it again."
        )


def _open(data: bytes):
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise ValueError("Received an empty file (0 bytes). Expected a PNG or JPEG image; upload the image again.")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(
            f"Received an image of {len(data) / 1e6:.1f} MB, expected at most "
            f"{MAX_IMAGE_BYTES / 1e6:.0f} MB. Crop it or save it smaller and upload it again."
        )
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
        if image.format not in IMAGE_FORMATS:
            raise ValueError(
                f"Received a {image.format} image, expected PNG or JPEG. Save it as PNG or JPEG and upload it again."
            )
        _check_size(*image.size)
        if image.format == "JPEG":
            # JPEG decodes at 1/2, 1/4 or 1/8 scale for free: never more than the work needs.
            image.draft(None, (WORK_SIDE, WORK_SIDE))
        # Phone photos store their rotation apart; in place, as a copy would double the memory.
        ImageOps.exif_transpose(image, in_place=True)
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        # Pillow names the stream it could not identify (`<_io.BytesIO object at 0x…>`): not for users.
        detail = "" if isinstance(error, UnidentifiedImageError) else f": {error}"
        raise ValueError(
            f"Could not read the file as an image ({type(error).__name__}{detail}). Expected a PNG or JPEG file."
        ) from error
    return image


def _shrink(image):
    """The image in a mode Pillow can reduce, at most WORK_SIDE on its longest side."""
    if image.mode in ("P", "PA") or ("transparency" in image.info and image.mode in ("L", "RGB")):
        image = image.convert("RGBA")
    elif image.mode == "1":
        image = image.convert("L")
    elif image.mode.startswith("I;16"):
        image = image.convert("I")  # same values, in a mode `reduce` takes
    elif image.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV
    factor = -(-max(image.size) // WORK_SIDE)
    return image.reduce(factor) if factor > 1 else image


def _grayscale(image, top: float | None = None) -> np.ndarray:
    from PIL import Image

    if image.mode in ("RGBA", "LA"):
        # A drawing on a transparent canvas: put it on white paper first.
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    if image.mode in ("I", "F"):
        # 16-bit and 32-bit greys: Pillow's conversion to 8 bits clips at 255 rather
        # than scaling, so scale by the format's own range.
        pixels = np.asarray(image, dtype=np.float32)
        if top is None:
            top = 65535.0 if pixels.max() <= 65535 else float(pixels.max())
        return np.clip(pixels / top, 0.0, 1.0)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0  # (height, width)


def _preview(image, pixels: np.ndarray) -> np.ndarray:
    from PIL import Image

    if image.mode in ("RGB", "RGBA", "LA", "L"):
        shown = image.convert("RGBA") if image.mode in ("RGBA", "LA") else image.convert("RGB")
        if shown.mode == "RGBA":
            shown = Image.alpha_composite(Image.new("RGBA", shown.size, (255, 255, 255, 255)), shown)
        shown = shown.convert("RGB")
    else:  # 16-bit or float greys: as scaled for the model
        shown = Image.fromarray(np.round(pixels * 255).astype(np.uint8), mode="L").convert("RGB")
    shown.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.BOX)
    return np.asarray(shown)  # (height, width, 3) uint8


def _border(pixels: np.ndarray) -> np.ndarray:
    ring = max(1, min(pixels.shape) // 20)
    return np.concatenate(
        [pixels[:ring].ravel(), pixels[-ring:].ravel(), pixels[:, :ring].ravel(), pixels[:, -ring:].ravel()]
    )


def image_to_input(data: bytes, image_shape: tuple[int, int], *, dataset: str | None = None) -> ConvertedImage:
    """Converts a PNG or JPEG into the input of an image classifier.

    The background is taken to be the typical colour of the image's border: when it is
    light, the image is inverted, as the data sets show light objects on black.

    Args:
        data: the file's bytes.
        image_shape: `(height, width)` of the model's images, e.g. `(28, 28)` or `(8, 8)`.
        dataset: the data set the model learned, to fill the frame as its images do
            (see `FILL`). Defaults to `None` (fill the frame).

    Returns:
        A `ConvertedImage` whose `pixels` have shape `image_shape`, in [0, 1], with the
        object light on a black background.

    Raises:
        ValueError: for a file that is not a PNG or JPEG, too large (bytes or pixels),
            too thin (see `MAX_ASPECT_RATIO`), or of one colour.
    """
    from PIL import Image

    image = _open(data)
    original_size = image.size
    sixteen_bit = image.mode.startswith("I;16")
    image = _shrink(image)
    pixels = _grayscale(image, 65535.0 if sixteen_bit else None)  # at most WORK_SIDE² pixels
    preview = _preview(image, pixels)
    inverted = bool(np.median(_border(pixels)) > 0.5)
    if inverted:
        pixels = 1.0 - pixels
    background = float(np.median(_border(pixels)))
    contrast = float(pixels.max()) - background
    if contrast < 0.05:
        raise ValueError(
            f"Received an image of a single shade (contrast {contrast:.0%}), expected an object "
            "on a plain background. Upload a picture of one item or one digit."
        )
    pixels = np.clip((pixels - background) / contrast, 0.0, 1.0)
    rows = np.flatnonzero(pixels.max(axis=1) > _OBJECT_LEVEL)
    cols = np.flatnonzero(pixels.max(axis=0) > _OBJECT_LEVEL)
    pixels = pixels[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    # Centre the object in a square, so resizing keeps its proportions.
    side = max(pixels.shape)
    square = np.zeros((side, side), dtype=np.float32)
    top, left = (side - pixels.shape[0]) // 2, (side - pixels.shape[1]) // 2
    square[top : top + pixels.shape[0], left : left + pixels.shape[1]] = pixels
    height, width = image_shape
    inner = max(1, round(min(height, width) * FILL.get(dataset, 1.0)))
    small = Image.fromarray(square, mode="F").resize((inner, inner), Image.Resampling.BOX)
    out = np.zeros(image_shape, dtype=np.float32)
    top, left = (height - inner) // 2, (width - inner) // 2
    out[top : top + inner, left : left + inner] = np.asarray(small)
    peak = out.max()
    out = np.clip(out / peak if peak > 0 else out, 0.0, 1.0).astype(np.float32)
    return ConvertedImage(out, inverted, original_size, preview)


def pick_test_images(
    proba: np.ndarray,
    y_true: np.ndarray,
    mode: str = "random",
    *,
    k: int = 6,
    true_class: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Indices of test images to show.

    Args:
        proba: predicted probabilities, (num_test, num_classes).
        y_true: true labels, (num_test,).
        mode: one of `PICK_MODES`: `"random"`, `"by_class"` (random images of
            `true_class`), `"misclassified"` (random wrong ones) or
            `"confidently_wrong"` (the wrong ones with the highest predicted
            probability, most confident first). Defaults to `"random"`.
        k: how many. Defaults to 6.
        true_class: the class for `"by_class"`. Defaults to `None`.
        seed: seeds the random choice. Defaults to 0.

    Returns:
        Up to `k` indices (fewer when fewer images qualify, e.g. no mistakes).

    Raises:
        ValueError: for an unknown mode, or `"by_class"` without a valid class.
    """
    check_choice("mode", mode, PICK_MODES)
    if mode == "confidently_wrong":
        return most_confident_wrong(proba, y_true, k=k)
    if mode == "by_class":
        if true_class is None or not 0 <= true_class < proba.shape[1]:
            raise invalid("true_class", f"a class index below {proba.shape[1]}", true_class)
        candidates = np.flatnonzero(y_true == true_class)
    elif mode == "misclassified":
        candidates = np.flatnonzero(np.argmax(proba, axis=1) != y_true)
    else:
        candidates = np.arange(len(y_true))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(candidates, size=min(k, len(candidates)), replace=False))
