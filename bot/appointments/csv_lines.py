"""An appointment file's text, a line at a time: the lines themselves without copying the
whole text, a line too long for an appointment row set aside by its number, the CSV
reader's complaints as the file's, and a quote that opens a field and never closes found
before the rows are read (`import_reader.py` reads the rows)."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator

# An appointment row is a few hundred characters; a longer line is something else.
MAX_LINE_CHARS = 10_000
# Lines with a stray quote (`"a"b`) the check for a quote that never closes reads past.
_PASSED_OVER = 50


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, no usable header)."""


def lines(text: str, too_long: dict[int, int] | None = None) -> Iterator[str]:
    """The file's lines, each with its end, one at a time (no copy of the whole text). A
    line too long for an appointment row is read as an empty one, and its number and
    length go in `too_long`."""
    breaks = "\n" if "\n" in text[:65536] or "\r" not in text[:65536] else "\r"
    start, number = 0, 1
    while start < len(text):
        end = text.find(breaks, start)
        end = len(text) if end < 0 else end + 1
        if end - start > MAX_LINE_CHARS:
            if too_long is not None:
                too_long[number] = end - start
            yield "\n"
        else:
            yield text[start:end]
        start, number = end, number + 1


def too_long_reason(length: int) -> str:
    return (f"the line is {length:,} characters long; an appointment row is at most "
            f"{MAX_LINE_CHARS:,}")


def rows(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The CSV reader's rows; what it cannot read ends the file with a clear reason."""
    try:
        yield from reader
    except csv.Error as error:
        line = getattr(reader, "line_num", 0)
        raise ImportFileError(f"line {line}: cannot be read as CSV ({error})") from None


def unclosed_quote(text: str, delimiter: str) -> int | None:
    """The line where a quoted field opens that the file never closes, if one does. Read
    strictly; a line strictness refuses for another reason (`"a"b`, which the import
    reads leniently) is passed over, at most `_PASSED_OVER` of them."""
    first = 0  # lines before the one the strict reading starts from
    for _ in range(_PASSED_OVER):
        reader = csv.reader(itertools.islice(lines(text), first, None),
                            delimiter=delimiter, strict=True)
        start = first + 1  # the line (1-based) the row being read began on
        try:
            for _ in reader:
                start = first + reader.line_num + 1
            return None
        except csv.Error as error:
            # The end of the file, or MAX_LINE_CHARS, inside one quoted field.
            if "unexpected end of data" in str(error) or "field limit" in str(error):
                return start
            first += reader.line_num  # past the line it refused
    return None
