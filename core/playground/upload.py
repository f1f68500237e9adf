"""Read the learner's own 2-D points from a CSV file with columns x1, x2, label.

A file is checked before anything trains on it, and every problem is reported in
Keras's style with the row or column at fault: an empty file, missing or extra
columns, text where a number belongs, empty cells or NaN, too many rows or bytes.
Labels that are all 0/1 (or -1/+1) make a two-class problem; whole numbers with
3 to `MAX_CLASSES` distinct values make one class each (numbered 0, 1, ... in
order); any other numbers make a regression problem. One class alone is refused.
Coordinates far from Playground's [-6, 6] (beyond ±60, or all within ±0.6) are
standardized, column by column, and `UploadedPoints.note` says so.

The table's shape is checked (`core.csvtext.check_shape`) before pandas reads it,
so a header of a million names or a megabyte in one cell is refused at once.

Example:

>>> points = parse_points_csv("x1,x2,label\\n" + "\\n".join(f"{i},{-i},{i % 2}" for i in range(10)))
>>> points.problem, points.points.shape, points.num_classes
('classification', (10, 2), 2)
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from core.csvtext import NotUTF8Error, TableTooBig, check_shape, decode_utf8, ragged_row, semicolon_separated

COLUMNS = ("x1", "x2", "label")
MAX_UPLOAD_BYTES = 1_000_000
MAX_UPLOAD_ROWS = 2000  # the generated code embeds the points, so keep it readable
MIN_UPLOAD_ROWS = 10
MAX_CLASSES = 8  # whole-number labels with more distinct values are a regression
# Before pandas: more columns than this, or a longer cell, is no table of points.
MAX_COLUMNS = 16
MAX_FIELD_CHARS = 100
FLOAT32_MAX = float(np.finfo(np.float32).max)
SCALE_ABOVE, SCALE_BELOW = 60.0, 0.6  # standardize coordinates beyond, or all within


@dataclass(frozen=True, eq=False)
class UploadedPoints:
    """Points read from a CSV file."""

    points: np.ndarray  # (n, 2) float32
    labels: np.ndarray  # (n,) float32; 0, 1, ... for classification
    problem: str  # "classification" or "regression"
    name: str = "points.csv"
    note: str = ""  # what was done to the points (standardized), shown to the learner

    @property
    def num_classes(self) -> int:
        """Classes of a classification (2 or more); 1 for a regression."""
        return max(2, int(self.labels.max()) + 1) if self.problem == "classification" else 1


def _bad_file(expected: str, received: str, hint: str = "") -> ValueError:
    message = f"Received an invalid CSV file, expected {expected}. Received: {received}"
    return ValueError(message + (f". {hint}" if hint else ""))


def _standardize(points: np.ndarray) -> tuple[np.ndarray, str]:
    largest = float(np.abs(points).max())
    if SCALE_BELOW <= largest <= SCALE_ABOVE:
        return points, ""
    mean, std = points.mean(axis=0), points.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    # Two standard deviations per unit: most points land in [-6, 6], as Playground's do.
    scaled = (points - mean) / std * 2.0
    return scaled, (
        f"The coordinates reach {largest:.3g}, far from Playground's [-6, 6]: they were standardized "
        f"(x1 and x2 each minus its mean, {mean[0]:.3g} and {mean[1]:.3g}, over half its standard "
        f"deviation, {std[0] / 2:.3g} and {std[1] / 2:.3g})."
    )


def parse_points_csv(data: bytes | str, name: str = "points.csv", *, max_rows: int = MAX_UPLOAD_ROWS) -> UploadedPoints:
    """Parses and checks a CSV of 2-D points.

    Args:
        data: the file's content (bytes as uploaded, or text).
        name: the file name, kept for display. Defaults to `"points.csv"`.
        max_rows: most rows of points taken (a hosted server takes fewer).
            Defaults to `MAX_UPLOAD_ROWS`.

    Returns:
        An `UploadedPoints` with the problem type inferred from the labels.

    Raises:
        ValueError: with the reason and how to fix it, for any bad file.
    """
    import pandas as pd

    size = len(data)
    if size > MAX_UPLOAD_BYTES:
        raise _bad_file(f"at most {MAX_UPLOAD_BYTES:,} bytes", f"{size:,} bytes", "Upload fewer points.")
    try:
        text = decode_utf8(data)
    except NotUTF8Error as error:
        raise _bad_file(
            "UTF-8 text",
            f"byte 0x{error.byte:02x} at position {error.position}",
            "Save the file as 'CSV UTF-8' and upload it again.",
        ) from None
    if not text.strip():
        raise _bad_file("a header line x1,x2,label and rows of numbers", "an empty file")
    try:
        check_shape(text, max_columns=MAX_COLUMNS, max_rows=max_rows, max_field_chars=MAX_FIELD_CHARS)
    except TableTooBig as error:
        more = "more than " if error.what == "rows" else ""
        raise _bad_file(
            f"at most {error.limit:,} {error.what}" + (" of points" if error.what == "rows" else ""),
            f"{more}{error.received:,} {error.what} (line {error.line})",
            "Upload a file of x1,x2,label rows, " + ("fewer of them." if error.what == "rows" else "numbers only."),
        ) from None
    except ValueError as error:
        raise _bad_file("comma-separated values", str(error)) from None
    if semicolon_separated(text):
        raise _bad_file(
            "comma-separated values", "values separated by ';'", "Save the file with commas between values."
        )
    ragged = ragged_row(text)
    if ragged is not None:
        raise _bad_file(
            f"{ragged.expected} comma-separated values per row, as in the header",
            f"{ragged.values} values in row {ragged.line}",
            "Make every row x1,x2,label.",
        )
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, skipinitialspace=True, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise _bad_file("comma-separated values", f"a file pandas cannot read ({error})") from None
    columns = [str(column).strip().lower() for column in frame.columns]
    missing = [column for column in COLUMNS if column not in columns]
    extra = [column for column in columns if column not in COLUMNS]
    if missing or extra:
        details = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"extra {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise _bad_file("exactly the columns x1, x2, label", f"columns={columns} ({details})", "Fix the header line.")
    frame.columns = columns
    if len(frame) < MIN_UPLOAD_ROWS:
        raise _bad_file(f"at least {MIN_UPLOAD_ROWS} rows of points", f"{len(frame)} rows")
    if len(frame) > max_rows:
        raise _bad_file(f"at most {max_rows:,} rows of points", f"{len(frame)} rows", "Upload fewer points.")
    values = {}
    for column in COLUMNS:
        cells = frame[column].str.strip()
        numbers = pd.to_numeric(cells, errors="coerce")
        # The network computes in float32: a number past its range (3.4e38) is as
        # unusable as inf, and its square overflows the standardization.
        bad = numbers.isna() | ~(np.abs(numbers.fillna(0)) <= FLOAT32_MAX)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            cell = cells.iloc[row]
            what = "an empty cell" if cell == "" else f"{cell!r}"
            # Row numbers as a spreadsheet shows them: the header is row 1.
            raise _bad_file(
                f"a finite number of at most ±3.4e38 (float32's range) in every cell of column {column}",
                f"{what} in row {row + 2}",
                "Remove the row or fill in the number.",
            )
        values[column] = numbers.to_numpy(dtype="float64")
    labels = values["label"]
    distinct = np.unique(labels)
    if len(distinct) == 1:
        raise _bad_file(
            "points of at least two classes (or varying numbers, for a regression)",
            f"label={distinct[0]:g} in every row",
            "Add points of another class; a network cannot learn a boundary from one class.",
        )
    if set(distinct.tolist()) <= {0.0, 1.0} or set(distinct.tolist()) <= {-1.0, 1.0}:
        problem, labels = "classification", (labels > 0).astype("float32")
    elif len(distinct) <= MAX_CLASSES and np.all(distinct == np.round(distinct)):
        # Whole numbers, few of them: classes, numbered in order (labels 1, 2, 3 become 0, 1, 2).
        problem, labels = "classification", np.searchsorted(distinct, labels).astype("float32")
    else:
        problem = "regression"
    points, note = _standardize(np.stack([values["x1"], values["x2"]], axis=1))
    return UploadedPoints(points.astype("float32"), labels.astype("float32"), problem, name, note)
