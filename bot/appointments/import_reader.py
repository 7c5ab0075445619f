"""Reading an appointment file as clinics have them: a spreadsheet's or a practice
system's CSV export, in whatever encoding it was saved, with the column names it uses
(`content/import_columns.yaml`) and dates in the clinic's order (`DATE_ORDER`).

Each row becomes an `ImportRow` or a (line, reason) problem; nothing here touches the
database (`bot/appointments/importer.py` does).
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import yaml

from bot.appointments.clinic_time import TimeProblem, clinic_instant
from bot.appointments.csv_lines import (
    DELIMITERS,
    MAX_LINE_CHARS,
    Lines,
    rows,
    too_long_reason,
    unclosed_quote,
)
from bot.appointments.csv_lines import ImportFileError as ImportFileError  # re-exported
from bot.appointments.phones import normalize_phone
from bot.appointments.row_digests import Fingerprints, Repeats, digest
from bot.core.settings import ClinicSettings
from bot.texts.content import packaged_content_dir

COLUMNS_FILE = "import_columns.yaml"
FIELDS = ("starts_at", "date", "time", "ends_at", "duration_minutes", "practitioner", "name",
          "first_name", "last_name", "telegram_user_id", "phone", "booking_ref")
DEFAULT_MINUTES = 60
MIN_MINUTES, MAX_MINUTES = 5, 480
MAX_BYTES = 20 * 1024 * 1024
MAX_FIELD = 1000  # characters: no appointment field is longer
NAME_CHARS = 128
REF_CHARS = 150
YEARS_AHEAD = 5  # a booking further ahead is a typo (2062 for 2026)
# A damaged byte (U+FFFD, a NUL read as one) or a control character other than a tab.
_NOT_TEXT = re.compile("[\x00-\x08\x0a-\x1f\ufffd]")
# An appointment file has a few columns; past this it is something else, refused before
# it is read into memory (a million columns).
MAX_COLUMNS = 100
# Rows (lines that are not empty) a file may have: far more than a clinic's export (20 MB
# of an export's rows is about 100,000), few enough that counting them stays within a few
# tens of megabytes (a 20 MB file of two-character lines would be ten million).
MAX_ROWS = 200_000


@dataclass(frozen=True)
class ImportRow:
    line: int
    starts_at: datetime
    minutes: int
    practitioner: str | None
    name: str | None
    telegram_user_id: int | None
    phone: str | None
    booking_ref: str | None


@dataclass(frozen=True)
class Refused:
    line: int
    reason: str


@dataclass(frozen=True)
class Repeated:
    """A row the same word for word as an earlier one (`first`): booked once."""

    line: int
    first: int


@dataclass(frozen=True)
class Blank:
    line: int


Read = ImportRow | Refused | Repeated | Blank  # what each line after the header is


@dataclass
class ParsedFile:
    """A file held in memory, read whole (`parse_csv`)."""

    rows: list[ImportRow]
    problems: list[tuple[int, str]]
    encoding: str  # as people call it: "UTF-8", "Windows-1252", ...
    ignored_columns: list[str]
    # Rows that repeat an earlier row word for word: (line, the earlier row's line).
    duplicates: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    blank: int = 0  # empty lines passed over

    @property
    def read(self) -> int:
        """The rows read after the header: each is imported, refused or a duplicate."""
        return len(self.rows) + len(self.problems) + len(self.duplicates)


def _key(name: str) -> str:
    """A header name as compared: case, spacing and punctuation left out."""
    return " ".join(re.findall(r"[^\W_]+", name.casefold()))


def column_names(content_dir: Path | None) -> dict[str, str]:
    """Header name (compared form) to field, from the clinic's columns file."""
    path = (content_dir or packaged_content_dir()) / COLUMNS_FILE
    try:
        listed = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ImportFileError(f"{path}: cannot be read ({error})") from None
    if not isinstance(listed, dict) or not set(listed) <= set(FIELDS):
        raise ImportFileError(f"{path}: expected lists of names under {', '.join(FIELDS)}")
    names: dict[str, str] = {}
    for field, aliases in listed.items():
        for alias in [field, *(aliases or [])]:
            names.setdefault(_key(str(alias)), field)
    return names


class AppointmentFile:
    """An appointment file, its header understood and checked for a quote that never
    closes (`ImportFileError` if the file as a whole cannot be imported), then read a row
    at a time as often as needed: `text` gives the file's text from its start, in pieces,
    each time it is called."""

    def __init__(self, text: Callable[[], Iterable[str]], encoding: str,
                 settings: ClinicSettings) -> None:
        self._text = text
        self._settings = settings
        self.encoding = encoding
        csv.field_size_limit(MAX_LINE_CHARS)
        lines = Lines(text())
        after_first = iter(lines)
        first = next(after_first, None)
        self._delimiter = max(DELIMITERS, key=lambda mark: lines.header_marks[mark])
        columns = lines.header_marks[self._delimiter] + 1
        if columns > MAX_COLUMNS:
            raise ImportFileError(
                f"the header row has {columns:,} columns; an appointment file has a few (at "
                f"most {MAX_COLUMNS}). Is this the clinic's appointment export?")
        unclosed = unclosed_quote(text, self._delimiter)
        if unclosed is not None:
            raise ImportFileError(
                f"line {unclosed}: a quote mark (\") opens a field there and never closes, "
                "so everything after it would be read as one field. Close or remove that "
                "quote and send the file again; nothing was imported")
        if 1 in lines.too_long:
            raise ImportFileError(f"the header row: {too_long_reason(lines.too_long[1])}. Is "
                                  "this the clinic's appointment export?")
        # A record: a quoted header name may hold a line break.
        header = next(rows(csv.reader(itertools.chain([first or ""], after_first),
                                      delimiter=self._delimiter)), None)
        if header is None or not any(name.strip() for name in header):
            raise ImportFileError("the file is empty; it needs a header row")
        self._header = header
        known = column_names(settings.content_dir)
        self._fields = [known.get(_key(name)) for name in header]
        self.ignored_columns = [name.strip() for name, field
                                in zip(header, self._fields, strict=True)
                                if field is None and name.strip()]
        found = {field for field in self._fields if field}
        if not ({"starts_at"} <= found or {"date", "time"} <= found) or not (
                {"telegram_user_id", "phone"} & found):
            raise ImportFileError(
                "the header row needs a start (starts_at, or date and time) and a "
                "telegram_user_id or phone column (found: "
                f"{', '.join(name.strip() for name in header if name.strip()) or 'nothing'}"
                f"); other names for them can be added to {COLUMNS_FILE}")

    def rows(self, repeats: Repeats | None = None,
             fingerprints: Fingerprints | None = None) -> Iterator[Read]:
        """Each line after the header, read: a row, or why not. A row the same as an
        earlier one is known by a 64-bit digest of its values: found as the file is read
        (a dict of them), or, for a big file, by a first reading that only notes each
        row's digest (`fingerprints`, 12 bytes a row) and a second that is given what
        they showed (`repeats`). More than MAX_ROWS rows refuse the file."""
        lines = Lines(self._text())
        reader = csv.reader(lines, delimiter=self._delimiter)
        next(reader, None)  # the header, read in __init__
        seen: dict[int, int] = {}
        counted = 0
        line = reader.line_num
        for values in rows(reader):
            line, start = reader.line_num, line + 1
            if start in lines.too_long:
                yield Refused(start, too_long_reason(lines.too_long.pop(start)))
                continue
            if not any(value.strip() for value in values):
                yield Blank(start)
                continue
            counted += 1
            if counted > MAX_ROWS:
                raise ImportFileError(
                    f"the file has more than {MAX_ROWS:,} rows; a clinic's appointment "
                    "export has fewer. Send the coming months' appointments, or split the "
                    "file; nothing was imported")
            if len(values) > MAX_COLUMNS:
                yield Refused(start, f"has {len(values):,} columns; the header has "
                                     f"{len(self._header)}")
                continue
            if repeats is not None:
                first = repeats.of(start)
                if first is not None:
                    yield Repeated(start, first)
                    continue
            else:
                same = digest("\x1f".join(value.strip() for value in values))
                if fingerprints is not None:
                    fingerprints.add(same, start)
                elif same in seen:
                    yield Repeated(start, seen[same])
                    continue
                else:
                    seen[same] = start
            record: dict[str, str] = {}
            for name, value in zip(self._fields, values, strict=False):
                if name is not None and not record.get(name):
                    record[name] = value.strip()
            row = _parse_row(start, record, self._settings)
            yield Refused(start, row) if isinstance(row, str) else row


def parse_csv(text: str, settings: ClinicSettings, encoding: str = "UTF-8") -> ParsedFile:
    """A file held in memory as text, read whole: the rows that make sense, and (line,
    reason) for those that do not."""
    file = AppointmentFile(lambda: [text.replace("\x00", "\ufffd")], encoding, settings)
    parsed = ParsedFile([], [], encoding, file.ignored_columns)
    for read in file.rows():
        if isinstance(read, Refused):
            parsed.problems.append((read.line, read.reason))
        elif isinstance(read, Repeated):
            parsed.duplicates.append((read.line, read.first))
        elif isinstance(read, Blank):
            parsed.blank += 1
        else:
            parsed.rows.append(read)
    return parsed


def _parse_row(line: int, record: dict[str, str], settings: ClinicSettings
               ) -> ImportRow | str:
    for field, value in record.items():
        if len(value) > MAX_FIELD:
            return f"{field} is {len(value)} characters long; no appointment field is"
        if _NOT_TEXT.search(value):
            return f"{field} holds characters that are not text (a damaged file?)"
    starts_at = _start(record, settings)
    if isinstance(starts_at, str):
        return starts_at
    minutes = _minutes(record, starts_at, settings)
    if isinstance(minutes, str):
        return minutes
    user_text = record.get("telegram_user_id", "")
    if user_text and not (_digits(user_text) and int(user_text) < 2**63):
        return f"telegram_user_id {user_text!r} is not a Telegram user id (digits only)"
    phone_text = record.get("phone", "")
    phone = normalize_phone(phone_text, settings.phone_region) if phone_text else None
    if phone_text and phone is None:
        hint = "" if settings.phone_region else " (start it with + and the country code)"
        return f"phone {phone_text!r} is not a phone number{hint}"
    if not user_text and phone is None:
        return "needs a telegram_user_id or a phone to find the patient"
    name = record.get("name") or " ".join(
        part for part in (record.get("first_name"), record.get("last_name")) if part)
    return ImportRow(
        line=line, starts_at=starts_at, minutes=minutes,
        practitioner=record.get("practitioner", "")[:NAME_CHARS] or None,
        name=name[:NAME_CHARS] or None,
        telegram_user_id=int(user_text) if user_text else None, phone=phone,
        booking_ref=record.get("booking_ref", "")[:REF_CHARS] or None)


def _digits(text: str) -> bool:
    """ASCII digits only: `isdigit()` is also true of "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def _start(record: dict[str, str], settings: ClinicSettings) -> datetime | str:
    written = record.get("starts_at") or " ".join(
        part for part in (record.get("date", ""), record.get("time", "")) if part)
    local = read_date_time(written, settings.date_order)
    if isinstance(local, str):
        return f"{'starts_at' if record.get('starts_at') else 'date and time'} {local}"
    if not 2000 <= local.year <= datetime.now(UTC).year + YEARS_AHEAD:
        return f"{written!r} is not a date in the next {YEARS_AHEAD} years"
    instant = clinic_instant(local, settings.timezone)
    return instant.english() if isinstance(instant, TimeProblem) else instant


def _minutes(record: dict[str, str], starts_at: datetime, settings: ClinicSettings
             ) -> int | str:
    text = record.get("duration_minutes", "")
    if not text and record.get("ends_at"):
        end = read_date_time(record["ends_at"], settings.date_order,
                             day=starts_at.astimezone(settings.timezone).date())
        if isinstance(end, str):
            return f"ends_at {end}"
        end_at = clinic_instant(end, settings.timezone)
        if isinstance(end_at, TimeProblem):
            return end_at.english()
        minutes = int((end_at - starts_at).total_seconds() // 60)
        text = str(minutes) if minutes > 0 else "none"
    text = text.removesuffix("min").removesuffix("mins").strip() or str(DEFAULT_MINUTES)
    if not _digits(text) or not MIN_MINUTES <= int(text) <= MAX_MINUTES:
        return (f"duration_minutes {text!r} is not a whole number from {MIN_MINUTES} "
                f"to {MAX_MINUTES}")
    return int(text)


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_OTHER = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})", re.ASCII)
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?\s*([ap])?\.?m?\.?", re.ASCII)
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})", re.ASCII)


def read_date_time(text: str, order: str, day: date | None = None) -> datetime | str:
    """A written date and time: ISO (2026-12-03 14:30, with or without an offset or T)
    or the clinic's order (03/12/2026 2:30 PM, 3.12.26 14.30). With `day`, the text may
    be a time alone (an end time). Naive unless an offset was written."""
    example = "2026-12-03 14:30" + ("" if order else " (or set DATE_ORDER for 03/12/2026)")
    wrong = f"{text!r} is not a date and time like {example}"
    rest = text.strip().replace("T", " ", 1) if _ISO.match(text.strip()) else text.strip()
    if not rest.isascii():
        return wrong
    offset = None
    found = _OFFSET.search(rest)
    if found and found.end() == len(rest) and ":" in rest[:found.start()]:
        offset, rest = found.group(1), rest[:found.start()].strip()
    if iso := _ISO.match(rest):
        year, month, number = (int(part) for part in iso.groups())
    elif other := _OTHER.match(rest):
        iso = other
        first, second, year = (int(part) for part in other.groups())
        year += 2000 if year < 100 else 0
        if not order and first <= 12 and second <= 12 and first != second:
            return (f"{text!r} could be {first} {_month(second)} or {second} {_month(first)}: "
                    "set DATE_ORDER to day or month, or write 2026-12-03 14:30")
        month_first = order == "month" or (not order and second > 12)
        month, number = (first, second) if month_first else (second, first)
    elif day is not None:
        year, month, number, iso = day.year, day.month, day.day, None
    else:
        return wrong
    clock = _TIME.fullmatch((rest[iso.end():] if iso else rest).strip().lower())
    if clock is None:
        return wrong  # no time, or not one
    hour, minute, second = (int(part or 0) for part in clock.groups()[:3])
    if clock.group(4):
        if not 1 <= hour <= 12:
            return wrong
        hour = hour % 12 + (12 if clock.group(4) == "p" else 0)
    try:
        moment = datetime.combine(date(year, month, number), time(hour, minute, second))
    except ValueError:
        return wrong
    if offset is not None:
        try:
            return datetime.fromisoformat(f"{moment.isoformat()}{offset}")
        except ValueError:
            return wrong
    return moment


def _month(number: int) -> str:
    return date(2000, number, 1).strftime("%B")

