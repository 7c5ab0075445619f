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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InputFile
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import JobQueue

from bot.appointments.planning import CHECKIN_LATEST
from bot.appointments.rendering import Outgoing, compose
from bot.core.clock import Clock, ManualClock
from bot.sending.delivery import may_have_arrived
from bot.sending.rate_limit import Priority, Ticket, slot_first, unused
from bot.services.context import BotData, ClinicContext
from bot.services.peers import gone_holding, log_recovered
from db.appointments import record_notified, schedule_changed_at
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
    claim_message,
    claimers,
    finish_message,
    mark_on_wire,
    pending_due_before,
    recover_claims,
    release_message,
)

logger = logging.getLogger(__name__)

TOP_UP_JOB = "planned-messages:top-up"
TOP_UP_BATCH = 5000
# How often a bot looks whether an import changed the schedule.
WATCH_IMPORTS = 2.0
WATCH_IMPORTS_JOB = "planned-messages:watch-imports"
# A timer firing this much before its row's due time belongs to an older plan.
EARLY_TOLERANCE = timedelta(seconds=1)
UNCONFIRMED = "Telegram did not answer in time; taken as sent"
# APScheduler drops a run that starts over a second late (its misfire_grace_time): a timer
# behind a busy moment would wait for the next top-up, a lease renewal or heartbeat would
# be skipped. Every job of the bot runs late instead, and missed repeats run once
# (`configure_jobs`, from bot/assembly/app.py).
LATE_RUNS_GO_AHEAD: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True}


def schedule_soon(job_queue: JobQueue[Any], data: BotData,
                  planned: list[tuple[int, datetime]]) -> None:
    """Timers for the newly planned messages within the horizon; the top-up does the rest."""
    for message_id, due_at in planned:
        if due_at - data.services.clock.now() <= data.settings.scheduler_horizon:
            schedule_message(job_queue, data.services.clock, message_id, due_at)


def job_name(message_id: int) -> str:
    return f"planned:{message_id}"


def configure_jobs(job_queue: JobQueue[Any]) -> None:
    """Before the job queue starts: the defaults every job gets."""
    job_queue.scheduler.configure(job_defaults=LATE_RUNS_GO_AHEAD,
                                  **job_queue.scheduler_configuration)


def start_scheduling(job_queue: JobQueue[Any], data: BotData) -> None:
    # Once at start, then every interval. (An interval job whose first run is "now" waits
    # a whole interval: by the time the scheduler starts, "now" has passed, and APScheduler
    # moves on to the next multiple. The scheduler-scale benchmark found it.)
    interval = data.settings.scheduler_topup_interval
    job_queue.run_once(top_up, when=0, name=TOP_UP_JOB)
    job_queue.run_repeating(top_up, interval=interval, first=interval, name=TOP_UP_JOB)
    job_queue.run_repeating(watch_imports, interval=WATCH_IMPORTS, first=WATCH_IMPORTS,
                            name=WATCH_IMPORTS_JOB, data=_Seen(since=utcnow()))
    if isinstance(data.services.clock, ManualClock):
        # A jump of the test's or demo's clock: look for what fell due at once, as the
        # start does, rather than at the next interval (bot/core/clock.py).
        data.services.clock.drive(job_queue.scheduler,
                         lambda: job_queue.run_once(top_up, when=0, name=TOP_UP_JOB))


@dataclass
class _Seen:
    """The last import's mark seen; marks from before `since` (this process's start)
    are covered by the top-up at start."""

    since: datetime
    changed_at: datetime | None = None


async def watch_imports(context: ClinicContext) -> None:
    """An import (another process) marks the schedule changed: top up at once, rather
    than at the next interval, so its guides and notices are not minutes late."""
    assert context.job is not None
    seen: _Seen = context.job.data  # type: ignore[assignment]
    async with context.database.transaction() as session:
        changed_at = await schedule_changed_at(session)
    if changed_at is not None and changed_at != seen.changed_at and changed_at >= seen.since:
        logger.info("The schedule changed outside the bot (an import); planning it now")
        await top_up(context)
    seen.changed_at = changed_at


async def top_up(context: ClinicContext) -> None:
    """Take back what processes that are gone left mid-send, then give every pending
    message due within the horizon its timer."""
    await recover(context.bot_data)
    now = context.clock.now()
    async with context.database.transaction() as session:
        due = await pending_due_before(session, now + context.settings.scheduler_horizon,
                                       TOP_UP_BATCH)
    assert context.job_queue is not None
    added = sum(schedule_message(context.job_queue, context.clock, message_id, due_at)
                for message_id, due_at in due)
    if added:
        logger.info("Timers set for %d planned messages (%d due within %s)", added, len(due),
                    context.settings.scheduler_horizon)


async def recover(data: BotData) -> None:
    """Claims held by processes that are gone (killed, crashed; this machine's are known
    at once, others' when their lease runs out): what never reached the wire goes out
    again, what was on the wire is in doubt and is not resent (db/planned.py)."""
    gone = await gone_holding(data, claimers)
    if not gone:
        return
    async with data.services.database.transaction() as session:
        resent, in_doubt = await recover_claims(session, gone)
    log_recovered("planned messages", resent, in_doubt)


def schedule_message(
    job_queue: JobQueue[Any], clock: Clock, message_id: int, due_at: datetime
) -> bool:
    """A timer for the message, unless it has one; whether one was added."""
    name = job_name(message_id)
    # The name doubles as APScheduler's job id: looking it up is a dict lookup, where
    # `get_jobs_by_name` would scan every job, for every message, at every top-up.
    if job_queue.scheduler.get_job(name) is not None:
        return False
    # The clock is read here, as the timer is set, with no await between: a test's or the
    # demo's clock that jumped while the caller waited for the database is not missed.
    delay = max(0.0, (due_at - clock.now()).total_seconds())
    job_queue.run_once(send_planned_message, when=delay, name=name, data=message_id,
                       job_kwargs={"id": name})
    return True


async def send_planned_message(context: ClinicContext) -> None:
    """Claim one planned message and send it, or record why it was not sent. The slot
    comes first, then the claim (as for broadcasts): a claimed message goes out at once,
    so a crash strands only those on their way to Telegram, not a queue of claims."""
    assert context.job is not None
    message_id = int(context.job.data)  # type: ignore[call-overload]
    limiter = context.bot.rate_limiter
    ticket = await slot_first(limiter, Priority.PLANNED)
    try:
        ready = await _claim_and_compose(context, message_id)
    except BaseException:
        unused(limiter, ticket)
        raise
    if ready is None:
        unused(limiter, ticket)
        return
    await _send(context, *ready, ticket)


async def _claim_and_compose(
    context: ClinicContext, message_id: int
) -> tuple[PlannedMessage, Appointment, Patient, Outgoing] | None:
    """The claimed message, its appointment, patient and text; None if there is nothing
    to send (taken by another sender, moved later, or skipped, with the reason kept)."""
    now = context.clock.now()
    async with context.database.transaction() as session:
        claimed = await claim_message(session, message_id, now,
                                      context.bot_data.process.instance_id)
    if claimed is None:
        return None
    message, appointment, patient = claimed
    if message.due_at - now > EARLY_TOLERANCE:
        # Moved later since this timer was set (a re-import, a staff move): wait again.
        async with context.database.transaction() as session:
            await release_message(session, message_id)
        assert context.job_queue is not None
        schedule_soon(context.job_queue, context.bot_data, [(message_id, message.due_at)])
        return None
    reason = reason_to_skip(message, appointment, patient, now)
    if reason is None:
        async with context.database.transaction() as session:
            content = context.bot_data.services.contents.for_patient(patient.language,
                                                                     patient.language_code)
            composed = await compose(session, content, context.settings,
                                     context.clock.now(), message, appointment)
        reason = composed if isinstance(composed, str) else None
    if reason is not None or patient.chat_id is None or patient.telegram_user_id is None:
        reason = reason or "patient has not linked Telegram yet"
        await _finish(context, message_id, MessageStatus.SKIPPED, outcome=reason)
        logger.info("Planned %s %d skipped: %s", message.kind, message_id, reason)
        return None
    assert not isinstance(composed, str)
    return message, appointment, patient, composed


async def _send(context: ClinicContext, message: PlannedMessage, appointment: Appointment,
                patient: Patient, composed: Outgoing, ticket: Ticket | int) -> None:
    message_id = message.id
    assert patient.chat_id is not None
    assert patient.telegram_user_id is not None
    # The clinic time it goes out: read before the send, since the clock may have moved on
    # (a test's, the demo's) by the time Telegram answers.
    sending_at = context.clock.now()

    async def on_wire() -> None:
        async with context.database.transaction() as session:
            await mark_on_wire(session, message_id, utcnow())

    if isinstance(ticket, Ticket):
        ticket.on_wire = on_wire  # after the limiter's waits, just before the request
    else:
        await on_wire()
    try:
        sent = await context.bot.send_message(patient.chat_id, composed.text,
                                              reply_markup=composed.keyboard,
                                              rate_limit_args=ticket)
    except Forbidden:
        async with context.database.transaction() as session:
            await finish_message(session, message_id, MessageStatus.FAILED, sending_at,
                                 outcome="blocked by patient")
            await set_unreachable(session, patient.telegram_user_id, sending_at)
        logger.info("Planned %s %d not delivered: patient %d blocked the bot", message.kind,
                    message_id, patient.id)
        return
    except BadRequest as error:
        await _finish(context, message_id, MessageStatus.FAILED, outcome=str(error)[:200])
        logger.error("Planned %s %d refused by Telegram: %s", message.kind, message_id, error)
        return
    except TelegramError as error:
        if not may_have_arrived(error):
            # Network trouble or rate limits beyond the limiter's retries: try again later.
            async with context.database.transaction() as session:
                await release_message(session, message_id)
            logger.warning("Planned %s %d will be retried: %s", message.kind, message_id,
                           error)
            return
        sent = None  # Telegram has it but did not answer in time (bot/sending/delivery.py)
        logger.warning("Planned %s %d: no answer from Telegram in time; taken as sent",
                       message.kind, message_id)
    async with context.database.transaction() as session:
        await finish_message(session, message_id, MessageStatus.SENT, sending_at,
                             telegram_message_id=sent.message_id if sent else None,
                             outcome=None if sent else UNCONFIRMED)
        if message.kind == MessageKind.NOTICE:
            await record_notified(session, appointment.id)
    logger.info("Planned %s %d sent to patient %d", message.kind, message_id, patient.id)
    if composed.calendar is not None:
        await send_calendar(context, patient.chat_id, composed.calendar)


async def send_calendar(context: ClinicContext, chat_id: int, calendar: tuple[str, bytes]
                        ) -> bool:
    """The .ics file after its message; a failure is logged, the message stands."""
    name, contents = calendar
    try:
        await context.bot.send_document(chat_id, InputFile(contents, filename=name),
                                        disable_content_type_detection=True,
                                        rate_limit_args=Priority.PLANNED)
    except TelegramError as error:
        logger.warning("Calendar file not delivered: %s", error)
        return False
    return True


def reason_to_skip(
    message: PlannedMessage, appointment: Appointment, patient: Patient, now: datetime
) -> str | None:
    # A notice is about the change itself, cancellations included.
    if appointment.status == AppointmentStatus.CANCELLED and message.kind != MessageKind.NOTICE:
        return "appointment cancelled"
    if patient.messages_consent_at is None:
        return "patient has not agreed to messages"
    if patient.unreachable_at is not None:
        return "patient has blocked the bot"
    if message.kind in (MessageKind.GUIDE, MessageKind.REMINDER) \
            and patient.reminders_off_at is not None:
        return "patient turned reminders off"
    if message.kind in CHECKIN_KINDS and patient.checkins_off_at is not None:
        return "patient turned check-ins off"
    if message.kind in CHECKIN_KINDS:
        if now - message.due_at > CHECKIN_LATEST:
            return "too long after its time for a check-in"
    elif now >= appointment.starts_at:
        return "the session has already started"
    return None


async def _finish(context: ClinicContext, message_id: int, status: MessageStatus,
                  **details: Any) -> None:
    async with context.database.transaction() as session:
        await finish_message(session, message_id, status, context.clock.now(), **details)
