"""Putting an appointment in and planning its messages: the one path /book, the CSV import
and the tests all take, so every appointment gets the same guide, reminder and check-in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.scheduling import message_plan
from db.appointments import book_appointment, plan_message
from db.models import Appointment, MessageKind

Planned = list[tuple[int, datetime]]


async def book(
    session: AsyncSession,
    settings: Settings,
    *,
    patient_id: int,
    starts_at: datetime,
    minutes: int,
    practitioner: str | None,
    now: datetime,
    import_key: str | None = None,
) -> tuple[Appointment, dict[MessageKind, datetime], Planned]:
    """Book and plan; returns the appointment, its plan, and the (message id, due) pairs
    to give timers (see `scheduling.schedule_soon`)."""
    appointment = await book_appointment(
        session, patient_id=patient_id, starts_at=starts_at, duration_minutes=minutes,
        practitioner=practitioner, now=now, import_key=import_key)
    plan = message_plan(settings, starts_at, minutes, now)
    planned: Planned = []
    for kind, due_at in plan.items():
        message = await plan_message(session, appointment.id, kind, due_at)
        planned.append((message.id, due_at))
    return appointment, plan, planned
