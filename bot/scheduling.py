"""Sending planned messages on time, exactly once: the database holds every message, and
PTB's JobQueue (APScheduler) only holds a timer for those due within the horizon.

A repeating top-up job loads what falls due in the next `SCHEDULER_HORIZON` and gives
each a one-shot job named `planned:{id}` (never two for one message). The job claims the
row before sending, so a second timer or a second instance finds it taken. Messages that
fell due while the bot was down are pending and in the past: the first top-up sends them
at once, unless they no longer make sense (then they are skipped, with a log line).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import JobQueue

from bot import keyboards
from bot.config import Settings
from bot.context import BotData, ClinicContext
from bot.texts import Text
from db.models import (
    CHECKIN_KINDS,
    Appointment,
    AppointmentStatus,
    MessageKind,
    MessageStatus,
    Patient,
    PlannedMessage,
    utcnow,
)
from db.patients import set_unreachable
from db.planned import (
    abandon_interrupted,
    claim_message,
    finish_message,
    pending_due_before,
    release_message,
)

logger = logging.getLogger(__name__)

TOP_UP_JOB = "planned-messages:top-up"
TOP_UP_BATCH = 5000
# A claim this old with no outcome was cut off by a crash (a send takes seconds).
STALE_CLAIM = timedelta(minutes=5)


# A guide sent closer to the session than this is no help; a later booking gets none.
GUIDE_LEAST_NOTICE = timedelta(hours=1)
# A check-in this late (the bot was down) is still worth sending; a later one is not.
CHECKIN_LATEST = timedelta(hours=24)


def message_plan(settings: Settings, starts_at: datetime, minutes: int, now: datetime
                 ) -> dict[MessageKind, datetime]:
    """Which messages an appointment gets, and when; the one place these rules live."""
    plan: dict[MessageKind, datetime] = {}
    guide = starts_at - settings.pre_session_lead
    if guide >= now:
        plan[MessageKind.GUIDE] = guide
    elif starts_at - now > GUIDE_LEAST_NOTICE:
        plan[MessageKind.GUIDE] = now  # a late booking: at once, while it still helps
    reminder = starts_at - settings.reminder_lead
    if reminder >= now or starts_at > now:
        plan[MessageKind.REMINDER] = max(reminder, now)  # never after the start
    plan[MessageKind.CHECKIN] = starts_at + timedelta(minutes=minutes) + settings.checkin_delay
    return plan


def followup_due(settings: Settings, now: datetime) -> datetime:
    """When the follow-up check-in goes, after a moderate answer now."""
    return now + settings.followup_delay


def schedule_soon(
    job_queue: JobQueue[Any], settings: Settings, planned: list[tuple[int, datetime]],
    now: datetime,
) -> None:
    """Timers for the newly planned messages within the horizon; the top-up does the rest."""
    for message_id, due_at in planned:
        if due_at - now <= settings.scheduler_horizon:
            schedule_message(job_queue, message_id, due_at, now)


def job_name(message_id: int) -> str:
    return f"planned:{message_id}"


def start_scheduling(job_queue: JobQueue[Any], data: BotData) -> None:
    job_queue.run_repeating(top_up, interval=data.settings.scheduler_topup_interval,
                            first=0, name=TOP_UP_JOB)


async def top_up(context: ClinicContext) -> None:
    """Give every pending message due within the horizon its timer."""
    now = utcnow()
    async with context.database.transaction() as session:
        abandoned = await abandon_interrupted(session, now - STALE_CLAIM)
        due = await pending_due_before(session, now + context.settings.scheduler_horizon,
                                       TOP_UP_BATCH)
    if abandoned:
        logger.warning("%d planned messages were cut off mid-send by a restart; not resent",
                       abandoned)
    assert context.job_queue is not None
    for message_id, due_at in due:
        schedule_message(context.job_queue, message_id, due_at, now)


def schedule_message(
    job_queue: JobQueue[Any], message_id: int, due_at: datetime, now: datetime
) -> None:
    name = job_name(message_id)
    if job_queue.get_jobs_by_name(name):
        return
    delay = max(0.0, (due_at - now).total_seconds())
    job_queue.run_once(send_planned_message, when=delay, name=name, data=message_id)


async def send_planned_message(context: ClinicContext) -> None:
    """Claim one planned message and send it, or record why it was not sent."""
    assert context.job is not None
    message_id = int(context.job.data)  # type: ignore[call-overload]
    now = utcnow()
    async with context.database.transaction() as session:
        claimed = await claim_message(session, message_id, now)
    if claimed is None:
        return
    message, appointment, patient = claimed
    reason = reason_to_skip(message, appointment, patient, now)
    if reason is not None:
        await _finish(context, message_id, MessageStatus.SKIPPED, outcome=reason)
        logger.info("Planned %s %d skipped: %s", message.kind, message_id, reason)
        return
    text, keyboard = render(context, message, appointment)
    try:
        sent = await context.bot.send_message(patient.chat_id, text, reply_markup=keyboard)
    except Forbidden:
        async with context.database.transaction() as session:
            await finish_message(session, message_id, MessageStatus.FAILED, utcnow(),
                                 outcome="blocked by patient")
            await set_unreachable(session, patient.telegram_user_id, utcnow())
        logger.info("Planned %s %d not delivered: patient %d blocked the bot", message.kind,
                    message_id, patient.id)
        return
    except BadRequest as error:
        await _finish(context, message_id, MessageStatus.FAILED, outcome=str(error)[:200])
        logger.error("Planned %s %d refused by Telegram: %s", message.kind, message_id, error)
        return
    except TelegramError as error:
        # Network trouble or rate limits beyond the limiter's retries: try again later.
        async with context.database.transaction() as session:
            await release_message(session, message_id)
        logger.warning("Planned %s %d will be retried: %s", message.kind, message_id, error)
        return
    await _finish(context, message_id, MessageStatus.SENT, telegram_message_id=sent.message_id)
    logger.info("Planned %s %d sent to patient %d", message.kind, message_id, patient.id)


def reason_to_skip(
    message: PlannedMessage, appointment: Appointment, patient: Patient, now: datetime
) -> str | None:
    if appointment.status == AppointmentStatus.CANCELLED:
        return "appointment cancelled"
    if patient.messages_consent_at is None:
        return "patient has not agreed to messages"
    if patient.unreachable_at is not None:
        return "patient has blocked the bot"
    if message.kind in CHECKIN_KINDS:
        if now - message.due_at > CHECKIN_LATEST:
            return "too long after its time for a check-in"
    elif now >= appointment.starts_at:
        return "the session has already started"
    return None


def render(
    context: ClinicContext, message: PlannedMessage, appointment: Appointment
) -> tuple[str, InlineKeyboardMarkup | None]:
    content = context.content
    when = describe_time(appointment.starts_at, context)
    practitioner = appointment.practitioner or content.text(Text.ANY_PRACTITIONER)
    kind = MessageKind(message.kind)
    if kind == MessageKind.GUIDE:
        return content.text(Text.GUIDE, when=when, practitioner=practitioner), None
    if kind == MessageKind.REMINDER:
        return (content.text(Text.REMINDER, when=when, practitioner=practitioner),
                keyboards.reminder(content, appointment.id))
    return (content.text(Text.CHECKIN if kind == MessageKind.CHECKIN else Text.FOLLOWUP,
                         when=when),
            keyboards.soreness_scale(message.id))


def describe_time(moment: datetime, context: ClinicContext) -> str:
    local = moment.astimezone(context.settings.timezone)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


async def _finish(context: ClinicContext, message_id: int, status: MessageStatus,
                  **details: Any) -> None:
    async with context.database.transaction() as session:
        await finish_message(session, message_id, status, utcnow(), **details)
