"""Reading an appointment file as clinics have them: a spreadsheet's or a practice
system's CSV export, in whatever encoding it was saved, with the column names it uses
(`content/import_columns.yaml`) and dates in the clinic's order (`DATE_ORDER`).

Each row becomes an `ImportRow` or a (line, reason) problem; nothing here touches the
database (`bot/appointments/importer.py` does).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import yaml

from bot.appointments.clinic_time import TimeProblem, clinic_instant
from bot.appointments.csv_lines import (
    MAX_LINE_CHARS,
    lines,
    rows,
    too_long_reason,
    unclosed_quote,
)
from bot.appointments.csv_lines import ImportFileError as ImportFileError  # re-exported
from bot.appointments.phones import normalize_phone
from bot.runtime.config import ClinicSettings
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
# An appointment file has a few columns; past this it is something else, refused before
# it is read into memory (a million columns).
MAX_COLUMNS = 100


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


@dataclass
class ParsedFile:
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


def read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportFileError(f"{path} is larger than {MAX_BYTES // 2**20} MB")
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise ImportFileError(f"{path}: cannot be read ({error.strerror})") from None


def decode(data: bytes | bytearray) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (with or without the BOM Excel writes),
    UTF-16 (Excel's "Unicode text"), else Windows-1252 (a spreadsheet's default "CSV" on
    Windows in Western Europe and the Americas)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    sample = data[:4000]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return data.decode("utf-16-le", errors="replace"), "UTF-16"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return data.decode("utf-16-be", errors="replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    # The five bytes Windows-1252 leaves undefined are read as Latin-1 would.
    return "".join(chunk.decode("cp1252", errors="strict") if ok else chunk.decode("latin-1")
                   for ok, chunk in _cp1252_chunks(data)), "Windows-1252"


def _cp1252_chunks(data: bytes | bytearray) -> list[tuple[bool, bytes | bytearray]]:
    undefined = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    chunks: list[tuple[bool, bytes | bytearray]] = []
    start = 0
    for index, byte in enumerate(data):
        if byte in undefined:
            chunks += [(True, data[start:index]), (False, data[index:index + 1])]
            start = index + 1
    chunks.append((True, data[start:]))
    return chunks


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


def parse_csv(text: str, settings: ClinicSettings, encoding: str = "UTF-8") -> ParsedFile:
    """The rows that make sense, and (line, reason) for those that do not."""
    # A NUL is no character of any field: it marks its row as damaged (and PostgreSQL
    # would refuse it), so it becomes U+FFFD, which the row check refuses.
    text = text.replace("\x00", "\ufffd")
    end = text.find("\n")
    end = len(text) if end < 0 else end

    def in_header(mark: str) -> int:  # counted in place: the header may be 19 MB
        return text.count(mark, 0, end)

    delimiter = max(",;\t", key=in_header)
    if in_header(delimiter) >= MAX_COLUMNS:
        raise ImportFileError(
            f"the header row has {in_header(delimiter) + 1:,} columns; an "
            f"appointment file has a few (at most {MAX_COLUMNS}). Is this the clinic's "
            "appointment export?")
    csv.field_size_limit(MAX_LINE_CHARS)
    unclosed = unclosed_quote(text, delimiter)
    if unclosed is not None:
        raise ImportFileError(
            f"line {unclosed}: a quote mark (\") opens a field there and never closes, so "
            "everything after it would be read as one field. Close or remove that quote "
            "and send the file again; nothing was imported")
    too_long: dict[int, int] = {}
    reader = csv.reader(lines(text, too_long), delimiter=delimiter)
    header = next(reader, None)
    if 1 in too_long:
        raise ImportFileError(f"the header row: {too_long_reason(too_long[1])}. Is this the "
                              "clinic's appointment export?")
    if header is None or not any(name.strip() for name in header):
        raise ImportFileError("the file is empty; it needs a header row")
    known = column_names(settings.content_dir)
    fields = [known.get(_key(name)) for name in header]
    ignored = [name.strip() for name, field in zip(header, fields, strict=True)
               if field is None and name.strip()]
    found = {field for field in fields if field}
    if not ({"starts_at"} <= found or {"date", "time"} <= found) or not (
            {"telegram_user_id", "phone"} & found):
        raise ImportFileError(
            "the header row needs a start (starts_at, or date and time) and a "
            "telegram_user_id or phone column (found: "
            f"{', '.join(name.strip() for name in header if name.strip()) or 'nothing'}); "
            f"other names for them can be added to {COLUMNS_FILE}")
    parsed = ParsedFile([], [], encoding, ignored)
    seen: dict[tuple[str, ...], int] = {}
    line = reader.line_num
    for values in rows(reader):
        line, start = reader.line_num, line + 1
        if start in too_long:
            parsed.problems.append((start, too_long_reason(too_long[start])))
            continue
        if not any(value.strip() for value in values):
            parsed.blank += 1
            continue
        if len(values) > MAX_COLUMNS:
            parsed.problems.append((start, f"has {len(values):,} columns; the header has "
                                           f"{len(header)}"))
            continue
        record: dict[str, str] = {}
        for name, value in zip(fields, values, strict=False):
            if name is not None and not record.get(name):
                record[name] = value.strip()
        same = tuple(value.strip() for value in values)
        if same in seen:
            parsed.duplicates.append((start, seen[same]))
            continue
        seen[same] = start
        row = _parse_row(start, record, settings)
        if isinstance(row, str):
            parsed.problems.append((start, row))
        else:
            parsed.rows.append(row)
    return parsed


def _parse_row(line: int, record: dict[str, str], settings: ClinicSettings
               ) -> ImportRow | str:
    for field, value in record.items():
        if len(value) > MAX_FIELD:
            return f"{field} is {len(value)} characters long; no appointment field is"
        if "\ufffd" in value or any(ord(char) < 32 and char != "\t" for char in value):
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

