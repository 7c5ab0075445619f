"""An appointment file's text, a line at a time: the lines themselves without holding the
whole text, a line too long for an appointment row set aside by its number, the CSV
reader's complaints as the file's, and a quote that opens a field and never closes found
before the rows are read (`import_reader.py` reads the rows)."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable, Iterator

# An appointment row is a few hundred characters; a longer line is something else.
MAX_LINE_CHARS = 10_000
DELIMITERS = ",;\t"
# Characters at the file's start where the kind of line break is seen.
_HEAD = 65536
# Lines with a stray quote (`"a"b`) the check for a quote that never closes reads past.
_PASSED_OVER = 50


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, no usable header)."""


class Lines:
    """The file's lines, each with its end, one at a time, from its text in pieces. A line
    too long for an appointment row is read as an empty one without being kept, and its
    number and length go in `too_long`; for the first line (the header) the delimiters it
    holds are counted as it passes (`header_marks`), so a header of a million columns is
    named as such without being held."""

    def __init__(self, pieces: Iterable[str]) -> None:
        self._pieces = pieces
        self.too_long: dict[int, int] = {}
        self.header_marks = dict.fromkeys(DELIMITERS, 0)

    def __iter__(self) -> Iterator[str]:
        pieces = _with_head(self._pieces)
        head = next(pieces, "")
        breaks = "\n" if "\n" in head[:_HEAD] or "\r" not in head[:_HEAD] else "\r"
        kept: list[str] = []  # the current line's parts, while it is not too long
        size, number = 0, 1
        for piece in itertools.chain([head], pieces):
            start = 0
            while start < len(piece):
                found = piece.find(breaks, start)
                end = len(piece) if found < 0 else found + 1
                if number == 1:  # counted in place: the header may be 19 MB
                    for mark in DELIMITERS:
                        self.header_marks[mark] += piece.count(mark, start, end)
                size += end - start
                if size <= MAX_LINE_CHARS:
                    kept.append(piece[start:end])
                else:
                    kept.clear()
                start = end
                if found >= 0:
                    yield self._line(kept, size, number)
                    kept, size, number = [], 0, number + 1
        if size:
            yield self._line(kept, size, number)

    def _line(self, kept: list[str], size: int, number: int) -> str:
        if size > MAX_LINE_CHARS:
            self.too_long[number] = size
            return "\n"
        return "".join(kept)


def _with_head(pieces: Iterable[str]) -> Iterator[str]:
    """The pieces, the first of them at least `_HEAD` characters long when the text is
    (where the kind of line break is seen)."""
    iterator = iter(pieces)
    head: list[str] = []
    size = 0
    for piece in iterator:
        head.append(piece)
        size += len(piece)
        if size >= _HEAD:
            break
    yield "".join(head)
    yield from iterator


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


def unclosed_quote(text: Callable[[], Iterable[str]], delimiter: str) -> int | None:
    """The line where a quoted field opens that the file never closes, if one does. Read
    strictly, from the text's start each time `text` is called; a line strictness
    refuses for another reason (`"a"b`, which the import reads leniently) is passed
    over, at most `_PASSED_OVER` of them."""
    first = 0  # lines before the one the strict reading starts from
    for _ in range(_PASSED_OVER):
        reader = csv.reader(itertools.islice(Lines(text()), first, None),
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
