"""`python -m bot import-appointments [--dry-run] FILE.csv`, and a file sent to the bot by
staff (handlers/staff/importing.py): the clinic's schedule, in bulk.

The file is read by `bot/appointments/import_reader.py` (encodings, column names, date
order). A row is found again on the next import by its booking_ref, or without one by
its phone (else its Telegram id), the clinic-time date and the practitioner; rows that
share those three are told apart by time (an unchanged time first, then in time order),
so two sessions of one patient on one day stay two. Importing the same file twice
changes nothing, and a changed time moves that appointment and plans its messages again.

Rows go in in batches of `BATCH_ROWS`, each its own short transaction, so a running bot
keeps answering (on SQLite a transaction holds the one write lock); a batch is read with
a few queries (patients, existing appointments) and written with a few more, so time
grows linearly with the file. A refused row changes nothing, patient records included:
every check is made before anything of the row is written.

A phone number no patient has yet makes a patient record that waits for the patient to
link Telegram (an invite link, or sharing their phone with the bot); its messages are
skipped until then. A Telegram id the bot has never seen cannot be checked, so such a
row (without a phone) is refused. At the end the import marks the schedule changed, and
a running bot plans the new messages within seconds (`bot/appointments/timers.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.appointments import booking
from bot.appointments.file_text import FileText
from bot.appointments.import_batches import BATCH_ROWS, Group, batches_of, first_reading
from bot.appointments.import_reader import (
    MAX_BYTES,
    AppointmentFile,
    ImportFileError,
    ImportRow,
)
from bot.appointments.import_report import ImportReport
from bot.core.settings import ClinicSettings
from db.appointments import appointments_by_import_key, mark_schedule_changed
from db.models import Appointment, AppointmentStatus, Patient, utcnow
from db.patients import add_patients, patients_by_phone, patients_by_telegram_id
from db.session import Database

__all__ = ["BATCH_ROWS", "ImportFileError", "ImportReport", "import_appointments",
           "import_file"]

# On SQLite, a pause between batches: a bot waiting for the one write lock sleeps in steps
# of up to 100 ms (its busy_timeout) and would otherwise wake to find the next batch
# holding it, again and again, until it gave up ("database is locked").
SQLITE_PAUSE = 0.1
Progress = Callable[[int, int], Awaitable[None]]  # rows done, rows in all


async def _stop_reading(coming: asyncio.Future[Any]) -> None:
    """Waits for what is being read (a thread cannot be stopped half-way through, and the
    file it reads is about to be closed)."""
    with suppress(Exception):
        await asyncio.shield(coming)


class _RollBack(Exception):
    """Ends a dry run's batch: its transaction is rolled back."""


async def import_appointments(database: Database, settings: ClinicSettings,
                              file: AppointmentFile, now: datetime, *,
                              dry_run: bool = False, progress: Progress | None = None
                              ) -> ImportReport:
    """The file's rows into the schedule (or, with `dry_run`, what they would do). The
    file is read twice, a row at a time, on a worker thread: once to count each key's
    rows, once to import them a batch at a time, the next batch read while one goes in;
    the loop is free between batches."""
    report = ImportReport(encoding=file.encoding, ignored_columns=file.ignored_columns,
                          dry_run=dry_run)
    reading = asyncio.ensure_future(asyncio.to_thread(first_reading, file, settings))
    try:
        first = await reading
    except BaseException:
        await _stop_reading(reading)
        raise
    report.read = read = first.read
    batches = batches_of(file.rows(first.repeats), settings, first.sizes)
    # A dry run's new patients' phones: its batches are rolled back, so the next batch
    # would count them again (a real run's next batch finds them in the database).
    created: set[int] = set()  # by hash(phone): a third smaller than the phones
    # The next batch is read on a worker thread while this one goes in.
    coming = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
    try:
        while (batch := await coming) is not None:
            coming = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
            batch.into(report)
            try:
                async with database.transaction() as session:
                    await _import_batch(session, settings, batch.groups, now, report, created)
                    if report.dry_run:
                        raise _RollBack
            except _RollBack:
                pass
            if progress is not None:
                await progress(report.accounted, read)
            if database.engine.dialect.name == "sqlite":
                await asyncio.sleep(SQLITE_PAUSE)
    except BaseException:
        await _stop_reading(coming)
        raise
    if not report.dry_run and (report.added or report.moved or report.updated):
        async with database.transaction() as session:
            await mark_schedule_changed(session, utcnow())
    return report


@dataclass
class _NewPatient:
    """A patient record the batch will create, once its rows are known to go in."""

    first_name: str
    phone: str
    id: int | None = None


_Someone = Patient | _NewPatient


@dataclass
class _Patients:
    by_telegram_id: dict[int, Patient]
    by_phone: dict[str, Patient]
    new: dict[str, _NewPatient]  # created by this batch, by phone


async def _import_batch(session: AsyncSession, settings: ClinicSettings,
                        batch: list[Group], now: datetime, report: ImportReport,
                        created: set[int]) -> None:
    rows = [row for group in batch for row in group.rows]
    patients = _Patients(
        await patients_by_telegram_id(session, {row.telegram_user_id for row in rows
                                                if row.telegram_user_id is not None}),
        await patients_by_phone(session, {row.phone for row in rows if row.phone}), {})
    existing = await appointments_by_import_key(
        session, [key for group in batch for key in group.candidate_keys()])
    bookings: list[tuple[ImportRow, _Someone, str]] = []
    for group in batch:
        for row, key, appointment in _match(group, existing):
            patient = _patient(row, patients)
            if isinstance(patient, str):
                report.refuse(row.line, patient)
            elif appointment is None:
                if row.starts_at <= now:
                    report.refuse(row.line, "starts in the past")
                else:
                    bookings.append((row, patient, key))
            else:
                problem = await _change(session, settings, row, patient, appointment, now,
                                        report)
                if problem is not None:
                    report.refuse(row.line, problem)
    new_patients = {patient.phone: patient for _, patient, _ in bookings
                    if isinstance(patient, _NewPatient)}
    ids = await add_patients(session, [(one.first_name, one.phone)
                                       for one in new_patients.values()], now)
    for phone, patient in new_patients.items():
        patient.id = ids[phone]
    report.new_patients += sum(hash(phone) not in created for phone in new_patients)
    if report.dry_run:
        created.update(hash(phone) for phone in new_patients)
    await booking.book_many(session, settings, [
        booking.NewBooking(patient_id=_id(patient), starts_at=row.starts_at,
                           minutes=row.minutes, practitioner=row.practitioner,
                           import_key=key)
        for row, patient, key in bookings], now)
    report.added += len(bookings)


def _match(group: Group, existing: dict[str, Appointment]
           ) -> list[tuple[ImportRow, str, Appointment | None]]:
    """Each row of the group with its key and the appointment it names (None: new). An
    appointment at the row's very time first; the rest paired in time order; rows left
    over get the next free keys."""
    rows = sorted(group.rows, key=lambda row: (row.starts_at, row.line))
    found = {key: existing[key] for key in group.candidate_keys() if key in existing}
    free_keys = [key for key in group.candidate_keys() if key not in existing]
    matched: list[tuple[ImportRow, str, Appointment | None]] = []
    unmatched_rows: list[ImportRow] = []
    for row in rows:
        same = next((key for key, one in found.items() if one.starts_at == row.starts_at),
                    None)
        if same is None:
            unmatched_rows.append(row)
        else:
            matched.append((row, same, found.pop(same)))
    left = sorted(found.items(), key=lambda item: item[1].starts_at)
    for row in unmatched_rows:
        if left:
            key, appointment = left.pop(0)
            matched.append((row, key, appointment))
        else:
            matched.append((row, free_keys.pop(0), None))
    return matched


def _patient(row: ImportRow, patients: _Patients) -> _Someone | str:
    if row.telegram_user_id is not None:
        known = patients.by_telegram_id.get(row.telegram_user_id)
        if known is not None:
            return known
    if row.phone is None:
        return (f"no patient with Telegram id {row.telegram_user_id} has opened the bot; "
                "add their phone, or ask them to send /start first")
    found = patients.by_phone.get(row.phone) or patients.new.get(row.phone)
    if found is not None:
        return found
    if row.name is None:
        return "a patient new to the bot needs a name"
    new = patients.new[row.phone] = _NewPatient(row.name, row.phone)
    return new


def _id(patient: _Someone) -> int:
    assert patient.id is not None
    return patient.id


async def _change(session: AsyncSession, settings: ClinicSettings, row: ImportRow,
                  patient: _Someone, existing: Appointment, now: datetime,
                  report: ImportReport) -> str | None:
    if row.booking_ref and existing.patient_id != patient.id:
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


async def import_file(path: Path, settings: ClinicSettings, *, dry_run: bool = False,
                      progress: Progress | None = None) -> ImportReport:
    binary = _open(path)
    database = Database(settings.database_url)
    try:
        text = await asyncio.to_thread(FileText, binary)
        file = await asyncio.to_thread(AppointmentFile, text.pieces, text.encoding.name,
                                       settings)
        return await import_appointments(database, settings, file, utcnow(),
                                         dry_run=dry_run, progress=progress)
    finally:
        binary.close()
        await database.dispose()


def _open(path: Path) -> BinaryIO:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportFileError(f"{path} is larger than {MAX_BYTES // 2**20} MB")
        return path.open("rb")
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise ImportFileError(f"{path}: cannot be read ({error.strerror})") from None
