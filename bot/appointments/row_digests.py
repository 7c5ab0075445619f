"""Rows known by a 64-bit digest, so a file of 100,000 rows is checked for repeats, and its
appointment keys counted, in a few megabytes of arrays instead of a copy of the file."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator
from hashlib import blake2b


def digest(text: str) -> int:
    """64 bits of BLAKE2b: two different rows of one file share one by chance about once
    in 10^9 files of 100,000 rows."""
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "big")


def same_runs(digests: array[int]) -> Iterator[list[int]]:
    """The positions of digests that occur more than once, a run for each digest, each
    run in order. Each digest and its position are sorted as one number (about 48 bytes a
    row for the sort's moment), not kept in a dict of every digest."""
    shift = max(len(digests), 1).bit_length()
    run: list[int] = []
    last = -1
    for packed in sorted((value << shift) | position
                         for position, value in enumerate(digests)):
        value, position = packed >> shift, packed & ((1 << shift) - 1)
        if run and value != last:
            if len(run) > 1:
                yield run
            run = []
        run.append(position)
        last = value
    if len(run) > 1:
        yield run


class Repeats:
    """Lines that repeat an earlier line, each with that line, in line order: 8 bytes a
    repeat, found by halving."""

    def __init__(self) -> None:
        self.lines = array("I")
        self.firsts = array("I")

    def __len__(self) -> int:
        return len(self.lines)

    def of(self, line: int) -> int | None:
        """The earlier line `line` repeats, if it repeats one."""
        at = bisect_left(self.lines, line)
        return self.firsts[at] if at < len(self.lines) and self.lines[at] == line else None


class Fingerprints:
    """Each row's digest and line, in two arrays."""

    def __init__(self) -> None:
        self.digests = array("Q")
        self.lines = array("I")

    def add(self, row_digest: int, line: int) -> None:
        self.digests.append(row_digest)
        self.lines.append(line)

    def repeats(self) -> Repeats:
        first_of = array("I", bytes(4 * len(self.lines)))  # by position; 0: not a repeat
        for run in same_runs(self.digests):
            for position in run[1:]:
                first_of[position] = self.lines[run[0]]
        found = Repeats()
        for position, first in enumerate(first_of):
            if first:
                found.lines.append(self.lines[position])
                found.firsts.append(first)
        return found
