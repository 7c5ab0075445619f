"""Queries about appointments. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_for
from db.models import (
    Appointment,
    AppointmentStatus,
    CheckinAnswer,
    Marker,
    MessageKind,
    MessageStatus,
    Patient,
    PlannedMessage,
)


async def patient_by_reference(session: AsyncSession, reference: str) -> Patient | None:
    """A patient named by Telegram user id or @username. Usernames are case-insensitive
    and can move: one the bot saw on two people (someone renamed without writing since)
    names the one seen most recently."""
    if reference.lstrip("-").isascii() and reference.lstrip("-").isdigit():
        if abs(int(reference)) >= 2 ** 63:
            return None  # no Telegram id is that long (and PostgreSQL would refuse it)
        condition = Patient.telegram_user_id == int(reference)
    else:
        username = reference.removeprefix("@").lower()
        condition = func.lower(Patient.username) == username
    return await session.scalar(select(Patient).where(condition)
                                .order_by(Patient.last_seen_at.desc(), Patient.id.desc())
                                .limit(1))


async def patients_by_name(session: AsyncSession, name: str) -> list[Patient]:
    """Patients whose full name is `name`, or, for one word, whose first name is (case and
    spacing aside); the most recently seen first."""
    words = name.casefold().split()
    if not words:
        return []
    candidates = await session.scalars(
        select(Patient).where(func.lower(Patient.first_name).like(f"{words[0][:1]}%"))
        .order_by(Patient.last_seen_at.desc(), Patient.id.desc()))

    def full(patient: Patient) -> list[str]:
        return " ".join(filter(None, (patient.first_name, patient.last_name))).casefold().split()

    everyone = list(candidates)
    exact = [patient for patient in everyone if full(patient) == words]
    if exact or len(words) > 1:
        return exact
    return [patient for patient in everyone if full(patient)[:1] == words]


async def patient_by_phone(session: AsyncSession, phone: str) -> Patient | None:
    return await session.scalar(select(Patient).where(Patient.phone == phone))


async def book_appointment(
    session: AsyncSession,
    *,
    patient_id: int,
    starts_at: datetime,
    duration_minutes: int,
    practitioner: str | None,
    now: datetime,
    import_key: str | None = None,
) -> Appointment:
    appointment = Appointment(
        patient_id=patient_id, starts_at=starts_at, duration_minutes=duration_minutes,
        practitioner=practitioner, status=AppointmentStatus.BOOKED, created_at=now,
        updated_at=now, import_key=import_key,
    )
    session.add(appointment)
    await session.flush()
    return appointment


async def book_appointments(session: AsyncSession, bookings: list[dict[str, object]]
                            ) -> dict[str, int]:
    """Insert many at once (an import, each with its import_key), in one statement; their
    ids by import_key. (Looked up by the unique key afterwards: RETURNING in order makes
    SQLite insert one row a statement.)"""
    if not bookings:
        return {}
    await session.execute(insert(Appointment), bookings)
    found = await session.execute(select(Appointment.import_key, Appointment.id).where(
        Appointment.import_key.in_([one["import_key"] for one in bookings])))
    return {key: appointment_id for key, appointment_id in found if key is not None}


async def appointments_by_import_key(session: AsyncSession, keys: Collection[str]
                                     ) -> dict[str, Appointment]:
    found = await session.scalars(select(Appointment).where(Appointment.import_key.in_(keys)))
    return {appointment.import_key: appointment for appointment in found
            if appointment.import_key is not None}


SCHEDULE_CHANGED = "schedule_changed"


async def mark_schedule_changed(session: AsyncSession, now: datetime) -> None:
    """Tell running bots that appointments changed outside them (an import)."""
    await session.execute(
        insert_for(session, Marker).values(name=SCHEDULE_CHANGED, changed_at=now)
        .on_conflict_do_update(index_elements=[Marker.name], set_={"changed_at": now}))


async def schedule_changed_at(session: AsyncSession) -> datetime | None:
    changed: datetime | None = await session.scalar(
        select(Marker.changed_at).where(Marker.name == SCHEDULE_CHANGED))
    return changed


async def appointment_of_user(
    session: AsyncSession, appointment_id: int, user_id: int
) -> tuple[Appointment, Patient] | None:
    """The appointment and its patient, only if it belongs to this Telegram user."""
    row = (await session.execute(
        select(Appointment, Patient)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(Appointment.id == appointment_id, Patient.telegram_user_id == user_id)
    )).first()
    return (row[0], row[1]) if row else None


async def record_answer(
    session: AsyncSession, appointment_id: int, column: str, now: datetime
) -> bool:
    """Set confirmed_at or reschedule_requested_at on a booked appointment, once."""
    stamp = getattr(Appointment, column)
    result = await session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.status == AppointmentStatus.BOOKED,
               stamp.is_(None))
        .values({column: now, "updated_at": now})
        .returning(Appointment.id))
    return result.first() is not None


async def cancel_appointment(session: AsyncSession, appointment_id: int, now: datetime) -> bool:
    """Cancel a booked appointment and every message still planned for it."""
    result = await session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.status == AppointmentStatus.BOOKED)
        .values(status=AppointmentStatus.CANCELLED, cancelled_at=now, updated_at=now)
        .returning(Appointment.id))
    if result.first() is None:
        return False
    await session.execute(
        update(PlannedMessage)
        .where(PlannedMessage.appointment_id == appointment_id,
               PlannedMessage.status == MessageStatus.PENDING)
        .values(status=MessageStatus.SKIPPED, outcome="appointment cancelled"))
    return True


async def record_notified(session: AsyncSession, appointment_id: int) -> None:
    """The patient now knows the appointment as it stands."""
    await session.execute(
        update(Appointment).where(Appointment.id == appointment_id)
        .values(notified_status=Appointment.status, notified_starts_at=Appointment.starts_at))


async def booked_between(
    session: AsyncSession, patient_id: int, start: datetime, end: datetime
) -> list[Appointment]:
    return list(await session.scalars(
        select(Appointment)
        .where(Appointment.patient_id == patient_id,
               Appointment.status == AppointmentStatus.BOOKED,
               Appointment.starts_at >= start, Appointment.starts_at < end)
        .order_by(Appointment.starts_at)))


async def has_live_message(
    session: AsyncSession, appointment_ids: list[int], kind: MessageKind
) -> bool:
    """Whether any of these appointments has a `kind` message planned, going or sent."""
    found = await session.scalar(
        select(PlannedMessage.id)
        .where(PlannedMessage.appointment_id.in_(appointment_ids),
               PlannedMessage.kind == kind,
               PlannedMessage.status.in_((MessageStatus.PENDING, MessageStatus.SENDING,
                                          MessageStatus.SENT)))
        .limit(1))
    return found is not None


async def open_appointment(session: AsyncSession, appointment_id: int
                           ) -> tuple[Appointment, Patient] | None:
    """A booked (not cancelled) appointment and its patient."""
    row = (await session.execute(
        select(Appointment, Patient).join(Patient, Patient.id == Appointment.patient_id)
        .where(Appointment.id == appointment_id,
               Appointment.status == AppointmentStatus.BOOKED))).first()
    return (row[0], row[1]) if row else None


async def appointments_between(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[Appointment, Patient, CheckinAnswer | None]]:
    """Every appointment starting in [start, end), with its patient and latest check-in
    answer, in time order."""
    rows = await session.execute(
        select(Appointment, Patient, CheckinAnswer)
        .join(Patient, Patient.id == Appointment.patient_id)
        .outerjoin(CheckinAnswer, CheckinAnswer.appointment_id == Appointment.id)
        .where(Appointment.starts_at >= start, Appointment.starts_at < end)
        .order_by(Appointment.starts_at, Appointment.id, CheckinAnswer.answered_at))
    latest: dict[int, tuple[Appointment, Patient, CheckinAnswer | None]] = {}
    for appointment, patient, answer in rows:
        latest[appointment.id] = (appointment, patient, answer)
    return list(latest.values())


async def upcoming_of_user(session: AsyncSession, user_id: int, now: datetime, limit: int
                           ) -> list[Appointment]:
    return list(await session.scalars(
        select(Appointment).join(Patient, Patient.id == Appointment.patient_id)
        .where(Patient.telegram_user_id == user_id,
               Appointment.status == AppointmentStatus.BOOKED, Appointment.starts_at > now)
        .order_by(Appointment.starts_at).limit(limit)))


async def recent_practitioners(session: AsyncSession, limit: int) -> list[str]:
    """Practitioners of the latest bookings, most recent first, for the booking buttons."""
    rows = await session.execute(
        select(Appointment.practitioner, func.max(Appointment.created_at).label("latest"))
        .where(Appointment.practitioner.is_not(None))
        .group_by(Appointment.practitioner)
        .order_by(func.max(Appointment.created_at).desc())
        .limit(limit))
    return [name for name, _ in rows if name]
