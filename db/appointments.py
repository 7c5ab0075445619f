"""Queries about appointments. They take a session and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Appointment,
    AppointmentStatus,
    MessageKind,
    MessageStatus,
    Patient,
    PlannedMessage,
)


async def patient_by_reference(session: AsyncSession, reference: str) -> Patient | None:
    """A patient named by Telegram user id or @username."""
    if reference.lstrip("-").isdigit():
        condition = Patient.telegram_user_id == int(reference)
    else:
        condition = Patient.username == reference.removeprefix("@")
    return await session.scalar(select(Patient).where(condition).limit(1))


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


async def plan_message(
    session: AsyncSession, appointment_id: int, kind: MessageKind, due_at: datetime
) -> PlannedMessage:
    message = PlannedMessage(appointment_id=appointment_id, kind=kind, due_at=due_at,
                             status=MessageStatus.PENDING, attempts=0)
    session.add(message)
    await session.flush()
    return message


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
