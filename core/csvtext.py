"""Checks every CSV upload needs before pandas reads it: the encoding, the separator,
and rows as long as the header.

pandas is forgiving in ways that hurt here: it decodes what it can, treats a
semicolon-separated file as one column, and turns extra leading values of a long row
into an index, shifting every column without a word. These checks catch all three
and say what was received, so each upload (the predictions page's feature rows, the
Playground's points) can turn it into its own message.
"""

from __future__ import annotations

import csv
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
