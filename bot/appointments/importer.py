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
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.appointments import booking
from bot.appointments.import_reader import (
    NAME_CHARS,
    ImportFileError,
    ImportRow,
    ParsedFile,
    decode,
    parse_csv,
    read_bytes,
)
from bot.runtime.config import ClinicSettings
from db.appointments import appointments_by_import_key, mark_schedule_changed
from db.models import Appointment, AppointmentStatus, Patient, utcnow
from db.patients import add_patients, patients_by_phone, patients_by_telegram_id
from db.session import Database

__all__ = ["BATCH_ROWS", "ImportFileError", "ImportReport", "import_file", "import_rows"]

BATCH_ROWS = 500
# On SQLite, a pause between batches: a bot waiting for the one write lock sleeps in steps
# of up to 100 ms (its busy_timeout) and would otherwise wake to find the next batch
# holding it, again and again, until it gave up ("database is locked").
SQLITE_PAUSE = 0.1
Progress = Callable[[int, int], Awaitable[None]]  # rows done, rows in all


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


@dataclass
class ImportReport:
    added: int = 0
    moved: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_cancelled: int = 0
    new_patients: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = "UTF-8"
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    # Rows that repeat an earlier row word for word, (line, earlier line): booked once.
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    read: int | None = None  # rows read after the header, when the report is a file's
    blank: int = 0  # empty lines passed over

    @classmethod
    def of(cls, parsed: ParsedFile, *, dry_run: bool = False) -> ImportReport:
        """The report for a file as read, before any row went in."""
        return cls(problems=list(parsed.problems), encoding=parsed.encoding,
                   ignored_columns=parsed.ignored_columns, dry_run=dry_run,
                   duplicates=list(parsed.duplicates), read=parsed.read, blank=parsed.blank)

    @property
    def accounted(self) -> int:
        """Rows the report says what became of: every row read, once."""
        return (self.added + self.moved + self.updated + self.unchanged + self.kept_cancelled
                + len(self.problems) + len(self.duplicates))

    def summary(self, most_problems: int | None = None, line_chars: int | None = None
                ) -> str:
        """The report; in a chat, the first `most_problems` refused lines, each cut to
        `line_chars`, so it fits a message."""
        would = "would be " if self.dry_run else ""
        lines = []
        if self.dry_run:
            lines.append("Dry run: nothing was changed.")
        read = "" if self.read is None else f"{_plural(self.read, 'row')} read: "
        lines.append(
            f"{read}{self.added} {would}added, {self.moved} {would}moved, {self.updated} "
            f"{would}updated, {self.unchanged} unchanged, {self.kept_cancelled} left "
            f"cancelled; {_plural(self.new_patients, 'new patient')} "
            f"{'would wait' if self.dry_run else 'waiting'} to link Telegram; "
            f"{_plural(len(self.problems), 'row')} not imported"
            + (f"; {_plural(len(self.duplicates), 'row')} the same as an earlier row, "
               "booked once" if self.duplicates else "")
            + (f"; {_plural(self.blank, 'empty line')} passed over" if self.blank else "")
            + ".")
        lines.append(f"Read as {self.encoding}." + (
            f" Columns ignored: {', '.join(self.ignored_columns)}."
            if self.ignored_columns else ""))
        shown = sorted(self.problems)[:most_problems]
        for line, reason in shown:
            said = f"line {line}: {reason}"
            cut = line_chars is not None and len(said) > line_chars
            lines.append(said[:line_chars] + "…" if cut else said)
        if len(shown) < len(self.problems):
            lines.append(f"... and {_plural(len(self.problems) - len(shown), 'more row')}")
        return "\n".join(lines)


@dataclass
class _Group:
    """The rows that name one appointment key: one booking_ref, or one patient, day and
    practitioner."""

    base: str
    rows: list[ImportRow]

    def candidate_keys(self) -> list[str]:
        """The keys its appointments may have: the base, then base#2, base#3, ..."""
        if self.base.startswith("ref:"):
            return [self.base]
        return [self.base] + [f"{self.base}#{n}" for n in range(2, len(self.rows) + 10)]


def _base_key(row: ImportRow, settings: ClinicSettings) -> str:
    # Keyed on what the file says, not on the patient record, which changes when the
    # patient links Telegram and their record is merged.
    if row.booking_ref:
        return f"ref:{row.booking_ref}"
    who = row.phone or f"tg{row.telegram_user_id}"
    practitioner = (row.practitioner or "").casefold()[:NAME_CHARS]
    return f"auto:{who}:{row.starts_at.astimezone(settings.timezone).date()}:{practitioner}"


def _groups(rows: list[ImportRow], settings: ClinicSettings,
            report: ImportReport) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for row in rows:
        base = _base_key(row, settings)
        group = groups.setdefault(base, _Group(base, []))
        if base.startswith("ref:") and group.rows:
            report.problems.append((row.line, f"booking_ref {row.booking_ref!r} is already "
                                              f"on line {group.rows[0].line}"))
            continue
        group.rows.append(row)
    return list(groups.values())


def _batches(groups: list[_Group]) -> Iterator[list[_Group]]:
    batch: list[_Group] = []
    size = 0
    for group in groups:
        batch.append(group)
        size += len(group.rows)
        if size >= BATCH_ROWS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class _RollBack(Exception):
    """Ends a dry run's batch: its transaction is rolled back."""


async def import_rows(database: Database, settings: ClinicSettings, rows: list[ImportRow],
                      now: datetime, *, report: ImportReport | None = None,
                      progress: Progress | None = None) -> ImportReport:
    report = report or ImportReport()
    groups = _groups(rows, settings, report)
    done = 0
    created: set[str] = set()  # new patients' phones (a dry run's batches forget them)
    for batch in _batches(groups):
        try:
            async with database.transaction() as session:
                await _import_batch(session, settings, batch, now, report, created)
                if report.dry_run:
                    raise _RollBack
        except _RollBack:
            pass
        done += sum(len(group.rows) for group in batch)
        if progress is not None:
            await progress(done, len(rows))
        if database.engine.dialect.name == "sqlite":
            await asyncio.sleep(SQLITE_PAUSE)
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
                        batch: list[_Group], now: datetime, report: ImportReport,
                        created: set[str]) -> None:
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
                report.problems.append((row.line, patient))
            elif appointment is None:
                if row.starts_at <= now:
                    report.problems.append((row.line, "starts in the past"))
                else:
                    bookings.append((row, patient, key))
            else:
                problem = await _change(session, settings, row, patient, appointment, now,
                                        report)
                if problem is not None:
                    report.problems.append((row.line, problem))
    new_patients = {patient.phone: patient for _, patient, _ in bookings
                    if isinstance(patient, _NewPatient)}
    ids = await add_patients(session, [(one.first_name, one.phone)
                                       for one in new_patients.values()], now)
    for phone, patient in new_patients.items():
        patient.id = ids[phone]
    report.new_patients += len(new_patients.keys() - created)
    created.update(new_patients)
    await booking.book_many(session, settings, [
        booking.NewBooking(patient_id=_id(patient), starts_at=row.starts_at,
                           minutes=row.minutes, practitioner=row.practitioner,
                           import_key=key)
        for row, patient, key in bookings], now)
    report.added += len(bookings)


def _match(group: _Group, existing: dict[str, Appointment]
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
    text, encoding = decode(read_bytes(path))
    parsed = parse_csv(text, settings, encoding)
    report = ImportReport.of(parsed, dry_run=dry_run)
    database = Database(settings.database_url)
    try:
        return await import_rows(database, settings, parsed.rows, utcnow(), report=report,
                                 progress=progress)
    finally:
        await database.dispose()
