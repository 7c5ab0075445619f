"""Staff look after the day's schedule: /today, /cancel and /move.

Appointments are named by their number, which /book and /today show ("#12"). Moves and
cancellations plan a change notice to the patient after CHANGE_NOTICE_DELAY, so a
change undone within it is never announced.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import CommandHandler

from bot.appointments import booking, clinic_time
from bot.appointments.clinic_time import TimeProblem
from bot.appointments.rendering import describe_time
from bot.appointments.timers import schedule_soon
from bot.services.context import ClinicApp, ClinicContext
from bot.texts import keyboards
from bot.texts.keys import Text
from db.appointments import appointments_between, open_appointment
from db.models import AppointmentStatus, Trend
from handlers.common import reply, time_problem_text
from handlers.staff_door import StaffDoor

logger = logging.getLogger(__name__)


def _appointment_number(text: str) -> int | None:
    number = text.removeprefix("#")
    return int(number) if number.isdigit() and int(number) < 2**63 else None


async def today(update: Update, context: ClinicContext) -> None:
    """Today's appointments in clinic time, with their status and check-in answers."""
    content = context.content
    zone = context.settings.timezone
    day = context.clock.now().astimezone(zone).date()
    start = datetime.combine(day, datetime.min.time(), zone)
    async with context.database.transaction() as session:
        rows = await appointments_between(session, start, start + timedelta(days=1))
    if not rows:
        await reply(update, content.text(Text.TODAY_EMPTY))
        return
    lines = [content.text(Text.TODAY_HEADER, day=content.day(start))]
    for appointment, patient, answer in rows:
        if appointment.status == AppointmentStatus.CANCELLED:
            status = content.text(Text.STATUS_CANCELLED)
        elif appointment.reschedule_requested_at is not None:
            status = content.text(Text.STATUS_RESCHEDULE)
        elif appointment.confirmed_at is not None:
            status = content.text(Text.STATUS_CONFIRMED)
        else:
            status = content.text(Text.STATUS_BOOKED)
        if answer is not None:
            status += " · " + content.text(
                Text.STATUS_CHECKIN, score=answer.score,
                trend=keyboards.trend_label(content, answer.trend),
                alert="⚠️" if answer.escalated_at or answer.trend == Trend.WORSE else "")
        lines.append(content.text(
            Text.TODAY_ROW, number=appointment.id,
            time=f"{appointment.starts_at.astimezone(zone):%H:%M}",
            patient=" ".join(filter(None, (patient.first_name, patient.last_name))),
            practitioner=appointment.practitioner or content.text(Text.ANY_PRACTITIONER),
            status=status))
    await reply(update, "\n".join(lines))


async def cancel(update: Update, context: ClinicContext) -> None:
    """/cancel NUMBER: cancel an appointment; the patient is told after the settle delay."""
    content = context.content
    args = context.args or []
    number = _appointment_number(args[0]) if len(args) == 1 else None
    if number is None:
        await reply(update, content.text(Text.CANCEL_USAGE))
        return
    now = context.clock.now()
    async with context.database.transaction() as session:
        found = await open_appointment(session, number)
        if found is not None:
            _, planned = await booking.cancel(session, context.settings, number, now,
                                              by_patient=False)
    if found is None:
        await reply(update, content.text(Text.NO_OPEN_APPOINTMENT, number=number))
        return
    assert context.job_queue is not None
    schedule_soon(context.job_queue, context.bot_data, planned)
    logger.info("Appointment %d cancelled by staff", number)
    await reply(update, content.text(
        Text.STAFF_CANCEL_DONE, number=number,
        when=describe_time(found[0].starts_at, context.content, context.settings.timezone),
        patient=found[1].first_name))


async def move(update: Update, context: ClinicContext) -> None:
    """/move NUMBER YYYY-MM-DD HH:MM: a new time; messages are planned again."""
    content = context.content
    args = context.args or []
    number = _appointment_number(args[0]) if len(args) == 3 else None
    starts_at = None
    if number is not None:
        starts_at = clinic_time.typed(args[1], args[2], context.settings.timezone)
    if number is None or starts_at is None:
        await reply(update, content.text(Text.MOVE_USAGE))
        return
    if isinstance(starts_at, TimeProblem):
        await reply(update, time_problem_text(context, starts_at))
        return
    now = context.clock.now()
    if starts_at <= now:
        await reply(update, content.text(Text.BOOK_IN_PAST))
        return
    async with context.database.transaction() as session:
        found = await open_appointment(session, number)
        if found is not None:
            appointment, patient = found
            _, planned = await booking.move(
                session, context.settings, appointment, starts_at=starts_at,
                minutes=appointment.duration_minutes, practitioner=appointment.practitioner,
                now=now)
    if found is None:
        await reply(update, content.text(Text.NO_OPEN_APPOINTMENT, number=number))
        return
    assert context.job_queue is not None
    schedule_soon(context.job_queue, context.bot_data, planned)
    logger.info("Appointment %d moved by staff", number)
    when = describe_time(starts_at, content, context.settings.timezone)
    await reply(update, content.text(Text.STAFF_MOVE_DONE, number=number, when=when,
                                     patient=patient.first_name))


def register(application: ClinicApp) -> None:
    staff = StaffDoor(application)
    staff.add(CommandHandler("today", today))
    staff.add(CommandHandler("cancel", cancel))
    staff.add(CommandHandler("move", move))
