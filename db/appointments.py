"""Queries about appointments. They take a session and never commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
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
) -> Appointment:
    appointment = Appointment(
        patient_id=patient_id, starts_at=starts_at, duration_minutes=duration_minutes,
        practitioner=practitioner, status=AppointmentStatus.BOOKED, created_at=now,
        updated_at=now,
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


def guide_due(starts_at: datetime, lead: timedelta, now: datetime,
              least_notice: timedelta) -> datetime | None:
    """When the guide should go: `lead` before the start; for a late booking, at once if
    the session is still more than `least_notice` away, else not at all."""
    due = starts_at - lead
    if due >= now:
        return due
    return now if starts_at - now > least_notice else None
