"""The Predictions page's form: the run shown, the open tab and the sections' settings.

The run is named by its key (`core.store` keys, or an uploaded model's `upload-…`),
never by its row in the table: new runs land at the top of the table while the page is
open, and a row number would then name another run.

A URL cannot carry a file, so the uploaded model, image and CSV and the drawn digit are
not in the form; everything the user sets around them is.

Example:

>>> form = PredictionsForm(selected="0123456789abcdef0123", tab="details")
>>> check(form)
>>> check(form.replace(selected="../../etc"))
Traceback (most recent call last):
...
ValueError: Received an invalid value for `selected`, expected a run's key (hex digits, as the table's Key column shows). Received: selected='../../etc'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.forms import Form, choice
from core.predictions.images import PICK_MODES
from core.validation import check_int, invalid

TABS = ("predict", "take_away", "details")
NUM_CLASSES = 10  # every image data set here has ten classes
PEN_WIDTHS = (6, 40)  # thinner or thicker strokes look nothing like the data
MAX_MORE_EPOCHS = 200
MAX_SEED = 2**32 - 1
# A store key (a hash's first hex digits) or an uploaded model's; nothing else can name
# a run, so a link's path, markup or control character is refused before any lookup.
RUN_KEY = re.compile(r"(upload-)?[0-9a-f]{8,64}")


@dataclass(frozen=True)
class PredictionsForm(Form):
    """What the Predictions page's controls are set to."""

    selected: str = ""  # the run shown, by key; "": the newest
    tab: str = choice("predict", TABS)
    images: str = choice("random", PICK_MODES)  # which test images
    image_class: int = 0  # the true class, for images="by_class"
    image_seed: int = 0  # which random images ("Other images" draws a new seed)
    pen: int = 20  # the drawing's stroke width, in screen pixels
    features: tuple[float, ...] = ()  # a regression sample, in the run's feature order; (): the median one
    continue_epochs: int = 5  # "Train it for more epochs"


def is_run_key(text: str) -> bool:
    """Whether `text` has the shape of a run's key."""
    return bool(RUN_KEY.fullmatch(text))


def check(form: PredictionsForm) -> None:
    """Raises `ValueError` for a value no control of the page gives (a link's).

    Whether a well-formed key names a stored run is the page's question: runs come and
    go while a link waits to be opened."""
    if form.selected and not is_run_key(form.selected):
        raise invalid("selected", "a run's key (hex digits, as the table's Key column shows)", form.selected)
    check_int("image_class", form.image_class, 0, NUM_CLASSES - 1)
    check_int("image_seed", form.image_seed, 0, MAX_SEED)
    check_int("pen", form.pen, *PEN_WIDTHS)
    check_int("continue_epochs", form.continue_epochs, 1, MAX_MORE_EPOCHS)
