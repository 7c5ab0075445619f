"""`python -m bot import-appointments FILE.csv`: the clinic's schedule, in bulk.

Columns (header row; order free, names case-insensitive, `,` `;` or tab between them):
starts_at (ISO 8601; without an offset it is clinic time), duration_minutes (default 60),
practitioner, name, booking_ref (optional), and telegram_user_id and/or phone.

A row is found again on the next import by its booking_ref, or without one by its
phone (else its Telegram id), the clinic-time date and the practitioner. So importing
the same file twice changes nothing, and a changed time moves that appointment and plans
its messages again.
Each bad row is reported with its line and reason; the good rows still go in, in one
transaction. The running bot picks new messages up at its next top-up (within
SCHEDULER_TOPUP_INTERVAL).

A phone number no patient has yet makes a patient record that waits for the patient to
link Telegram (an invite link, or sharing their phone with the bot); its messages are
skipped until then. A Telegram id the bot has never seen cannot be checked, so such a
row (without a phone) is refused.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import booking
from bot.config import ClinicSettings
from bot.phones import normalize_phone
from db.models import Appointment, AppointmentStatus, Patient, utcnow
from db.session import Database

COLUMNS = ("starts_at", "duration_minutes", "practitioner", "name", "telegram_user_id",
           "phone", "booking_ref")
DEFAULT_MINUTES = 60
MIN_MINUTES, MAX_MINUTES = 5, 480
MAX_BYTES = 20 * 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, no usable header)."""


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
class ImportReport:
    added: int = 0
    moved: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_cancelled: int = 0
    new_patients: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.added} added, {self.moved} moved, {self.updated} updated, "
                 f"{self.unchanged} unchanged, {self.kept_cancelled} left cancelled; "
                 f"{self.new_patients} new patients waiting to link Telegram; "
                 f"{len(self.problems)} rows not imported."]
        lines += [f"line {line}: {reason}" for line, reason in sorted(self.problems)]
        return "\n".join(lines)


def read_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportFileError(f"{path} is larger than {MAX_BYTES // 2**20} MB")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(f"{path}: cannot be read as UTF-8 text ({error})") from None


def parse_csv(text: str, settings: ClinicSettings) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    """The rows that make sense, and (line, reason) for those that do not."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise ImportFileError("the file is empty; it needs a header row")
    names = [name.strip().lower() for name in header]
    if "starts_at" not in names or not {"telegram_user_id", "phone"} & set(names):
        raise ImportFileError(
            "the header row needs starts_at and at least one of telegram_user_id or phone "
            f"(found: {', '.join(names) or 'nothing'})")
    unknown = sorted(set(names) - set(COLUMNS) - {""})
    if unknown:
        raise ImportFileError(f"unknown columns: {', '.join(unknown)} "
                              f"(known: {', '.join(COLUMNS)})")
    rows: list[ImportRow] = []
    problems: list[tuple[int, str]] = []
    line = reader.line_num
    for values in reader:
        line, start = reader.line_num, line + 1
        if not any(value.strip() for value in values):
            continue
        record = {name: value.strip() for name, value in zip(names, values, strict=False)}
        parsed = _parse_row(start, record, settings)
        if isinstance(parsed, str):
            problems.append((start, parsed))
        else:
            rows.append(parsed)
    return rows, problems


def _parse_row(line: int, record: dict[str, str], settings: ClinicSettings
               ) -> ImportRow | str:
    try:
        starts_at = datetime.fromisoformat(record.get("starts_at", ""))
    except ValueError:
        return (f"starts_at {record.get('starts_at', '')!r} is not a date and time like "
                "2026-12-03 14:30")
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=settings.timezone)
    minutes_text = record.get("duration_minutes", "") or str(DEFAULT_MINUTES)
    if not minutes_text.isdigit() or not MIN_MINUTES <= int(minutes_text) <= MAX_MINUTES:
        return (f"duration_minutes {minutes_text!r} is not a whole number from {MIN_MINUTES} "
                f"to {MAX_MINUTES}")
    user_text = record.get("telegram_user_id", "")
    if user_text and not (user_text.isdigit() and int(user_text) < 2**63):
        return f"telegram_user_id {user_text!r} is not a Telegram user id (digits only)"
    phone_text = record.get("phone", "")
    phone = normalize_phone(phone_text, settings.phone_region) if phone_text else None
    if phone_text and phone is None:
        hint = "" if settings.phone_region else " (start it with + and the country code)"
        return f"phone {phone_text!r} is not a phone number{hint}"
    if not user_text and phone is None:
        return "needs a telegram_user_id or a phone to find the patient"
    return ImportRow(
        line=line, starts_at=starts_at, minutes=int(minutes_text),
        practitioner=record.get("practitioner", "")[:128] or None,
        name=record.get("name", "")[:128] or None,
        telegram_user_id=int(user_text) if user_text else None, phone=phone,
        booking_ref=record.get("booking_ref", "")[:150] or None)


async def import_rows(database: Database, settings: ClinicSettings, rows: list[ImportRow],
                      now: datetime) -> ImportReport:
    report = ImportReport()
    async with database.transaction() as session:
        for row in rows:
            problem = await _import_row(session, settings, row, now, report)
            if problem is not None:
                report.problems.append((row.line, problem))
    return report


async def _import_row(session: AsyncSession, settings: ClinicSettings, row: ImportRow,
                      now: datetime, report: ImportReport) -> str | None:
    patient = await _find_patient(session, row, now, report)
    if isinstance(patient, str):
        return patient
    # Keyed on what the file says, not on the patient record, which changes when the
    # patient links Telegram and their record is merged.
    who = row.phone or f"tg{row.telegram_user_id}"
    key = (f"ref:{row.booking_ref}" if row.booking_ref else
           f"auto:{who}:{row.starts_at.astimezone(settings.timezone).date()}:"
           f"{(row.practitioner or '').casefold()}")
    existing = await session.scalar(select(Appointment).where(Appointment.import_key == key))
    if existing is None:
        if row.starts_at <= now:
            return "starts in the past"
        await booking.book(session, settings, patient_id=patient.id, starts_at=row.starts_at,
                           minutes=row.minutes, practitioner=row.practitioner, now=now,
                           import_key=key)
        report.added += 1
        return None
    if existing.patient_id != patient.id:
        return f"booking_ref {row.booking_ref!r} is already another patient's appointment"
    if existing.status == AppointmentStatus.CANCELLED:
        report.kept_cancelled += 1
        return None
    same_time = existing.starts_at == row.starts_at
    if same_time and (existing.duration_minutes, existing.practitioner) == (
            row.minutes, row.practitioner):
        report.unchanged += 1
        return None
    if not same_time and row.starts_at <= now:
        return "moves the appointment into the past"
    await booking.move(session, settings, existing, starts_at=row.starts_at,
                       minutes=row.minutes, practitioner=row.practitioner, now=now)
    if same_time:
        report.updated += 1
    else:
        report.moved += 1
    return None


async def _find_patient(session: AsyncSession, row: ImportRow, now: datetime,
                        report: ImportReport) -> Patient | str:
    if row.telegram_user_id is not None:
        patient = await session.scalar(
            select(Patient).where(Patient.telegram_user_id == row.telegram_user_id))
        if patient is not None:
            return patient
    if row.phone is None:
        return (f"no patient with Telegram id {row.telegram_user_id} has opened the bot; "
                "add their phone, or ask them to send /start first")
    patient = await session.scalar(select(Patient).where(Patient.phone == row.phone))
    if patient is not None:
        return patient
    if row.name is None:
        return "a patient new to the bot needs a name"
    patient = Patient(first_name=row.name, phone=row.phone, first_seen_at=now,
                      last_seen_at=now)
    session.add(patient)
    await session.flush()
    report.new_patients += 1
    return patient


async def import_file(path: Path, settings: ClinicSettings) -> ImportReport:
    rows, problems = parse_csv(read_file(path), settings)
    database = Database(settings.database_url)
    try:
        report = await import_rows(database, settings, rows, utcnow())
    finally:
        await database.dispose()
    report.problems.extend(problems)
    return report
