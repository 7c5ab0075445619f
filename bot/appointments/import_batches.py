"""An appointment file's rows in batches for the importer (`importer.py`): a first reading
counts which rows repeat earlier ones and how many rows each appointment key has (as
64-bit digests in arrays), and the second hands out batches of about BATCH_ROWS rows, a
key's rows together however far apart they are in the file, the keys in the order of
their first rows."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.appointments.import_reader import (
    NAME_CHARS,
    AppointmentFile,
    Blank,
    ImportRow,
    Read,
    Refused,
    Repeated,
)
from bot.appointments.import_report import ImportReport
from bot.appointments.row_digests import Fingerprints, Repeats, digest, same_runs
from bot.core.settings import ClinicSettings

BATCH_ROWS = 1000
# Rows of finished keys held back while an earlier key waits for its last row.
_HELD_ROWS = 5 * BATCH_ROWS


@dataclass
class Group:
    """The rows that name one appointment key: one booking_ref, or one patient, day and
    practitioner."""

    base: str
    rows: list[ImportRow]

    def candidate_keys(self) -> list[str]:
        """The keys its appointments may have: the base, then base#2, base#3, ..."""
        if self.base.startswith("ref:"):
            return [self.base]
        return [self.base] + [f"{self.base}#{n}" for n in range(2, len(self.rows) + 10)]


def base_key(row: ImportRow, settings: ClinicSettings) -> str:
    # Keyed on what the file says, not on the patient record, which changes when the
    # patient links Telegram and their record is merged.
    if row.booking_ref:
        return f"ref:{row.booking_ref}"
    who = row.phone or f"tg{row.telegram_user_id}"
    practitioner = (row.practitioner or "").casefold()[:NAME_CHARS]
    return f"auto:{who}:{row.starts_at.astimezone(settings.timezone).date()}:{practitioner}"


@dataclass
class FirstReading:
    read: int = 0  # rows read after the header
    # The keys (by their digest) that more than one row names, and how many do.
    sizes: dict[int, int] = field(default_factory=dict)
    repeats: Repeats = field(default_factory=Repeats)


def first_reading(file: AppointmentFile, settings: ClinicSettings) -> FirstReading:
    """The file read once to count: the second reading then knows which rows repeat
    earlier ones, and when a key has all its rows. Each row leaves three numbers in arrays
    (its digest, its key's, its line), about 20 bytes, however big the file."""
    first = FirstReading()
    fingerprints = Fingerprints()
    keys, lines = array("Q"), array("I")
    for row in file.rows(fingerprints=fingerprints):
        if isinstance(row, ImportRow):
            keys.append(digest(base_key(row, settings)))
            lines.append(row.line)
        first.read += not isinstance(row, Blank)
    first.repeats = fingerprints.repeats()
    del fingerprints
    if first.repeats:  # a repeated row is booked once: its key counts it once
        keys = array("Q", (key for key, line in zip(keys, lines, strict=True)
                           if first.repeats.of(line) is None))
    first.sizes = {keys[run[0]]: len(run) for run in same_runs(keys)}
    return first


@dataclass
class Batch:
    groups: list[Group] = field(default_factory=list)
    rows: int = 0
    # Lines that are not rows to import, for the report: a refused line, with why; a
    # repeated one, with the line it repeats; an empty one.
    noted: list[Refused | Repeated | Blank] = field(default_factory=list)

    def full(self) -> bool:
        return self.rows + len(self.noted) >= BATCH_ROWS

    def into(self, report: ImportReport) -> None:
        for line in self.noted:
            if isinstance(line, Refused):
                report.refuse(line.line, line.reason)
            elif isinstance(line, Repeated):
                report.repeated(line.line, line.first)
            else:
                report.blank += 1


def batches_of(rows: Iterator[Read], settings: ClinicSettings,
             sizes: dict[int, int]) -> Iterator[Batch]:
    """The rows in batches of about BATCH_ROWS, each key's rows together however far apart
    they are in the file, and the keys in the order of their first rows (the first row of
    a phone makes its new patient, with that row's name): a key goes into a batch once
    its last row is read and every key begun before it has gone (`sizes`: a key not in
    it has one row; two keys that share a digest wait for each other). Keys held up by
    an earlier one are let go out of order past `_HELD_ROWS`, so memory stays bounded
    whatever the file. It runs on a worker thread and touches nothing but its own batch:
    what a batch notes goes into the report on the loop."""
    waiting: dict[str, Group] = {}  # by their first row
    complete: set[str] = set()
    held = 0  # rows in `waiting`
    batch = Batch()

    def let_go(group: Group) -> None:
        nonlocal held
        del waiting[group.base]
        complete.discard(group.base)
        held -= len(group.rows)
        batch.groups.append(group)
        batch.rows += len(group.rows)

    for row in rows:
        if not isinstance(row, ImportRow):
            batch.noted.append(row)
        else:
            base = base_key(row, settings)
            group = waiting.setdefault(base, Group(base, []))
            if base.startswith("ref:") and group.rows:
                batch.noted.append(Refused(row.line, f"booking_ref {row.booking_ref!r} is "
                                                     f"already on line {group.rows[0].line}"))
            else:
                group.rows.append(row)
                held += 1
            key = digest(base)
            left = sizes.pop(key, 1) - 1
            if left > 0:
                sizes[key] = left
            else:
                complete.add(base)
            while waiting and next(iter(waiting)) in complete:
                let_go(next(iter(waiting.values())))
            if held > _HELD_ROWS:
                for done in [waiting[base] for base in complete]:
                    let_go(done)
        if batch.full():
            yield batch
            batch = Batch()
    for group in list(waiting.values()):
        let_go(group)
    if batch.groups or batch.noted:
        yield batch
