"""Checks every CSV upload needs before pandas reads it: the encoding, the separator,
the table's size, and rows as long as the header.

pandas is forgiving in ways that hurt here: it decodes what it can, treats a
semicolon-separated file as one column, and turns extra leading values of a long row
into an index, shifting every column without a word. It is also slow in ways a
public server cannot afford: renaming duplicate column names is quadratic in their
number, so a 1 MB header of 500,000 names holds a thread for an hour. `check_shape`
counts columns, rows and field lengths with the `csv` module, in linear time and
before any pandas call, so a table too big for its upload is refused at once. These
checks say what was received, so each upload (the predictions page's feature rows,
the Playground's points) can turn it into its own message.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


class NotUTF8Error(ValueError):
    """The bytes are not UTF-8 text."""

    def __init__(self, byte: int, position: int):
        self.byte, self.position = byte, position
        super().__init__(
            f"The file is not UTF-8 text (byte 0x{byte:02x} at position {position}). "
            "Save it as 'CSV UTF-8' and upload it again."
        )


def decode_utf8(data: bytes | str) -> str:
    """The text of an upload (a UTF-8 byte-order mark is dropped).

    Raises:
        NotUTF8Error: naming the first byte that is not UTF-8.
    """
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotUTF8Error(data[error.start], error.start) from None


def semicolon_separated(text: str) -> bool:
    """Whether the header line is split by semicolons rather than commas."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return ";" in header and "," not in header


class TableTooBig(ValueError):
    """A CSV with more columns, rows or characters in one field than its upload allows.

    Attributes:
        what: `"columns"`, `"rows"` or `"characters in one field"`.
        received: how many the file has (for rows: at least this many; reading stops there).
        limit: how many are allowed.
        line: the line the problem was found on (the header is line 1).
    """

    def __init__(self, what: str, received: int, limit: int, line: int):
        self.what, self.received, self.limit, self.line = what, received, limit, line
        more = "more than " if what == "rows" else ""
        super().__init__(
            f"Received a CSV with {more}{received:,} {what} (line {line}), expected at most {limit:,}. "
            "Upload a smaller file."
        )


def check_shape(text: str, *, max_columns: int, max_rows: int, max_field_chars: int = 1_000) -> tuple[int, int]:
    """Counts a CSV's columns and rows without pandas, refusing tables too big for it.

    Linear in the text's length whatever its content, so it is safe on any upload that
    passed the byte limit. Blank lines are not rows, as pandas skips them too.

    Args:
        text: the decoded file.
        max_columns: most columns in any row.
        max_rows: most rows after the header.
        max_field_chars: most characters in one value. Defaults to 1,000.

    Returns:
        `(columns, rows)`: the header's number of values and the number of rows after it.

    Raises:
        TableTooBig: naming the first limit passed.
        ValueError: for text the `csv` module cannot split.

    Example:

    >>> check_shape("x1,x2,label\\n1,2,0\\n\\n3,4,1\\n", max_columns=3, max_rows=10)
    (3, 2)
    >>> check_shape("a,a,a,a\\n1,2,3,4\\n", max_columns=3, max_rows=10)
    Traceback (most recent call last):
    ...
    core.csvtext.TableTooBig: Received a CSV with 4 columns (line 1), expected at most 3. Upload a smaller file.
    """
    previous = csv.field_size_limit()
    # Let the reader take any field, then measure it: the module's own limit raises a
    # bare `_csv.Error` that names neither the line nor the limit.
    csv.field_size_limit(max(len(text), previous))
    columns, rows = 0, 0
    try:
        reader = csv.reader(io.StringIO(text))
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            line = reader.line_num
            if len(row) > max_columns:
                raise TableTooBig("columns", len(row), max_columns, line)
            longest = max(len(value) for value in row)
            if longest > max_field_chars:
                raise TableTooBig("characters in one field", longest, max_field_chars, line)
            if columns == 0:
                columns = len(row)
                continue
            rows += 1
            if rows > max_rows:
                raise TableTooBig("rows", max_rows, max_rows, line)
    except csv.Error as error:
        raise ValueError(
            f"Received a CSV the csv module cannot split ({error}, near line {reader.line_num}). "
            "Check the quotes in that line, or save the file again as plain 'CSV UTF-8'."
        ) from None
    finally:
        csv.field_size_limit(previous)
    return columns, rows


@dataclass(frozen=True)
class RaggedRow:
    line: int  # as an editor numbers lines: the header is line 1
    values: int
    expected: int


def ragged_row(text: str) -> RaggedRow | None:
    """The first non-blank row whose number of values differs from the header's."""
    numbered = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not numbered:
        return None
    rows = csv.reader(line for _, line in numbered)
    expected = len(next(rows))
    for (number, _), row in zip(numbered[1:], rows):
        if len(row) != expected:
            return RaggedRow(number, len(row), expected)
    return None
