"""Read the learner's own 2-D points from a CSV file with columns x1, x2, label.

A file is checked before anything trains on it, and every problem is reported in
Keras's style with the row or column at fault: an empty file, missing or extra
columns, text where a number belongs, empty cells or NaN, too many rows or bytes.
Labels that are all 0/1 (or -1/+1) make a classification problem; any other
numbers make a regression problem.

Example:

>>> points = parse_points_csv("x1,x2,label\\n" + "\\n".join(f"{i},{-i},{i % 2}" for i in range(10)))
>>> points.problem, points.points.shape
('classification', (10, 2))
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from core.csvtext import NotUTF8Error, decode_utf8, ragged_row, semicolon_separated

COLUMNS = ("x1", "x2", "label")
MAX_UPLOAD_BYTES = 1_000_000
MAX_UPLOAD_ROWS = 2000  # the generated code embeds the points, so keep it readable
MIN_UPLOAD_ROWS = 10


@dataclass(frozen=True, eq=False)
class UploadedPoints:
    """Points read from a CSV file."""

    points: np.ndarray  # (n, 2) float32
    labels: np.ndarray  # (n,) float32; 0/1 for classification
    problem: str  # "classification" or "regression"
    name: str = "points.csv"


def _bad_file(expected: str, received: str, hint: str = "") -> ValueError:
    message = f"Received an invalid CSV file, expected {expected}. Received: {received}"
    return ValueError(message + (f". {hint}" if hint else ""))


def parse_points_csv(data: bytes | str, name: str = "points.csv") -> UploadedPoints:
    """Parses and checks a CSV of 2-D points.

    Args:
        data: the file's content (bytes as uploaded, or text).
        name: the file name, kept for display. Defaults to `"points.csv"`.

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
    if len(frame) > MAX_UPLOAD_ROWS:
        raise _bad_file(f"at most {MAX_UPLOAD_ROWS} rows of points", f"{len(frame)} rows", "Upload fewer points.")
    values = {}
    for column in COLUMNS:
        cells = frame[column].str.strip()
        numbers = pd.to_numeric(cells, errors="coerce")
        bad = numbers.isna() | ~np.isfinite(numbers.fillna(0))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            cell = cells.iloc[row]
            what = "an empty cell" if cell == "" else f"{cell!r}"
            # Row numbers as a spreadsheet shows them: the header is row 1.
            raise _bad_file(
                f"a finite number in every cell of column {column}",
                f"{what} in row {row + 2}",
                "Remove the row or fill in the number.",
            )
        values[column] = numbers.to_numpy(dtype="float64")
    labels = values["label"]
    distinct = set(np.unique(labels).tolist())
    if distinct <= {0.0, 1.0} or distinct <= {-1.0, 1.0}:
        problem, labels = "classification", (labels > 0).astype("float32")
    else:
        problem = "regression"
    points = np.stack([values["x1"], values["x2"]], axis=1).astype("float32")
    return UploadedPoints(points, labels.astype("float32"), problem, name)
