"""/book: staff put an appointment in, and its messages are planned."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import CommandHandler

from bot.appointments import booking, clinic_time
from bot.appointments.clinic_time import TimeProblem
from bot.appointments.rendering import describe_time
from bot.appointments.timers import schedule_soon
from bot.services.context import ClinicApp, ClinicContext
from bot.texts.content import Html
from bot.texts.keys import Text
from db.models import MessageKind
from handlers.common import patient_mention, reply, time_problem_text
from handlers.staff import booking_dialog
from handlers.staff_door import StaffDoor

logger = logging.getLogger(__name__)

DEFAULT_MINUTES = 60


async def book(update: Update, context: ClinicContext) -> None:
    """/book PATIENT DATE TIME [MINUTES] [PRACTITIONER]: book a patient in (staff only)."""
    parsed = parse_booking(context.args or [], context)
    if parsed is None:
        await reply(update, context.content.text(Text.BOOK_USAGE))
    elif isinstance(parsed, TimeProblem):
        await reply(update, time_problem_text(context, parsed))
    else:
        await complete_booking(update, context, *parsed)


async def complete_booking(update: Update, context: ClinicContext, reference: str,
                           starts_at: datetime, minutes: int, practitioner: str | None) -> bool:
    """Book and plan the messages, then tell the staff member; the end of both the typed
    and the guided /book. False if nothing was booked (the reason was given)."""
    content = context.content
    now = context.clock.now()
    if starts_at <= now:
        await reply(update, content.text(Text.BOOK_IN_PAST))
        return False
    async with context.database.transaction() as session:
        patient = await booking.find_patient(session, context.settings, reference)
        if patient is not None:
            appointment, plan, planned = await booking.book(
                session, context.settings, patient_id=patient.id, starts_at=starts_at,
                minutes=minutes, practitioner=practitioner, now=now)
    if patient is None:
        await reply(update, content.text(Text.BOOK_UNKNOWN_PATIENT, reference=reference))
        return False
    logger.info("Appointment %d booked for patient %d", appointment.id, patient.id)
    assert context.job_queue is not None
    schedule_soon(context.job_queue, context.bot_data, planned)
    booked = content.text(
        Text.BOOKED, number=appointment.id, patient=Html(patient_mention(patient)),
        when=describe_time(starts_at, context.content, context.settings.timezone), minutes=minutes,
        practitioner=practitioner or content.text(Text.ANY_PRACTITIONER))
    guide_at = plan.get(MessageKind.GUIDE)
    if patient.chat_id is None:
        guide = content.text(Text.BOOKED_NOT_LINKED)
    elif guide_at is None:
        guide = content.text(Text.BOOKED_NO_GUIDE)
    else:
        when = describe_time(guide_at, content, context.settings.timezone)
        guide = content.text(Text.BOOKED_GUIDE_AT, when=when)
    await reply(update, f"{booked}\n{guide}")
    return True


def parse_booking(
    args: list[str], context: ClinicContext
) -> tuple[str, datetime, int, str | None] | TimeProblem | None:
    """PATIENT DATE TIME [MINUTES] [PRACTITIONER...] in clinic time (or with an offset);
    None if malformed; why, if the time does not exist or happens twice."""
    if len(args) < 3:
        return None
    reference, date_text, time_text, *rest = args
    starts_at = clinic_time.typed(date_text, time_text, context.settings.timezone)
    if starts_at is None or isinstance(starts_at, TimeProblem):
        return starts_at
    minutes = DEFAULT_MINUTES
    if rest and rest[0].isdigit():
        minutes = int(rest.pop(0))
    if not 5 <= minutes <= 480:
        return None
    practitioner = " ".join(rest)[:128] or None
    return reference, starts_at, minutes, practitioner


def register(application: ClinicApp) -> None:
    staff = StaffDoor(application)
    # Without arguments, /book is the guided dialog (handlers/staff/booking_dialog.py).
    staff.add(booking_dialog.conversation(complete_booking, staff))
    staff.add(CommandHandler("book", book))
