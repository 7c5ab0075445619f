"""After a session: the soreness check-in's answers.

A check-in asks for soreness 0-10, then better / same / worse. What an answer leads to is
decided in one place, `bot.appointments.planning.checkin_outcome`; this module carries it out: the
staff chat alerted at once (exactly once per check-in) with the patient told when to seek
urgent care, reassurance, or a follow-up check-in later. Warning signs the patient writes
in their own words are heard by `handlers/safety.py`, at any time.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.appointments.planning import CheckinOutcome, checkin_outcome, followup_due
from bot.appointments.rendering import describe_time
from bot.appointments.timers import schedule_soon
from bot.services.context import ClinicApp, ClinicContext
from bot.texts import callbacks, keyboards
from bot.texts.content import Html
from bot.texts.keys import Text
from db.checkins import (
    answer_to,
    checkin_of_user,
    mark_escalated,
    plan_followup,
    record_checkin_alert,
    record_score,
    record_trend,
    unmark_escalated,
)
from db.models import Appointment, CheckinAnswer, MessageKind, Patient, PlannedMessage, Trend
from handlers.common import (
    patient_mention,
    profile_of,
    replace_buttons,
    reply,
    show_in_place,
    tell_staff,
)

logger = logging.getLogger(__name__)

MAX_SCORE = 10

CheckIn = tuple[PlannedMessage, Appointment, Patient]


async def _own_checkin(update: Update, context: ClinicContext, message_id: int
                       ) -> CheckIn | None:
    profile = profile_of(update)
    if profile is None:
        return None
    async with context.database.transaction() as session:
        return await checkin_of_user(session, message_id, profile.user_id)


async def soreness(update: Update, context: ClinicContext) -> None:
    """A score was tapped: store it, ask better / same / worse, alert staff if high."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    tapped = callbacks.int_pair_argument(context.match)
    if tapped is None or tapped[1] > MAX_SCORE:
        return
    message_id, score = tapped
    found = await _own_checkin(update, context, message_id)
    if found is None:
        return  # someone else's check-in, or forged: say nothing about it
    message = found[0]
    async with context.database.transaction() as session:
        first = await record_score(session, message, score, context.clock.now())
        earlier = None if first else await answer_to(session, message_id)
    if earlier is not None:
        if earlier.trend is not None:
            await reply(update, context.content.text(Text.CHECKIN_ALREADY_ANSWERED))
        return  # a double tap: the trend question is already on screen
    logger.info("Check-in %d answered", message_id)
    await show_in_place(query, context.content.text(Text.CHECKIN_TREND, score=score),
                        keyboards.trend(context.content, message_id))
    followup = message.kind == MessageKind.FOLLOWUP
    if checkin_outcome(context.settings, score, None, followup=followup) \
            == CheckinOutcome.ALERT:
        await _escalate(update, context, found, score, None)


async def _answer_trend(update: Update, context: ClinicContext, trend: Trend) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    message_id = callbacks.int_argument(context.match)
    found = None if message_id is None else await _own_checkin(update, context, message_id)
    if message_id is None or found is None:
        return
    message, appointment, _ = found
    async with context.database.transaction() as session:
        answer = await record_trend(session, message_id, trend, context.clock.now())
        earlier = await answer_to(session, message_id) if answer is None else None
    if answer is None:
        if earlier is not None and earlier.trend is not None:
            await reply(update, context.content.text(Text.CHECKIN_ALREADY_ANSWERED))
        return  # no score yet: a forged or very stale button
    await replace_buttons(query, None)
    content = context.content
    outcome = checkin_outcome(context.settings, answer.score, trend,
                              followup=message.kind == MessageKind.FOLLOWUP)
    if answer.escalated_at is not None:
        await _update_staff_alert(context, found, answer.score, trend, answer)
        await reply(update, content.text(Text.CHECKIN_NOTED))
    elif outcome == CheckinOutcome.ALERT:
        await _escalate(update, context, found, answer.score, trend)
    elif outcome == CheckinOutcome.REASSURE:
        await reply(update, content.text(Text.CHECKIN_MILD))
    elif outcome == CheckinOutcome.FOLLOW_UP:
        await _plan_followup(update, context, appointment)
    else:
        await reply(update, content.text(Text.CHECKIN_MODERATE_AGAIN))


async def _plan_followup(update: Update, context: ClinicContext, appointment: Appointment
                         ) -> None:
    now = context.clock.now()
    due_at = followup_due(context.settings, now)
    async with context.database.transaction() as session:
        planned = await plan_followup(session, appointment.id, due_at)
    if planned is not None:
        assert context.job_queue is not None
        schedule_soon(context.job_queue, context.bot_data, [(planned, due_at)])
        logger.info("Follow-up check-in %d planned for appointment %d", planned,
                    appointment.id)
    await reply(update, context.content.text(
        Text.CHECKIN_MODERATE,
        when=describe_time(due_at, context.content, context.settings.timezone)))


def _staff_alert(context: ClinicContext, found: CheckIn, score: int, trend: Trend | None
                 ) -> str:
    _, appointment, patient = found
    content = context.staff_content
    return content.text(
        Text.STAFF_CHECKIN_ALERT, patient=Html(patient_mention(patient, context.contents)),
        when=describe_time(appointment.starts_at, content, context.settings.timezone),
        practitioner=appointment.practitioner or content.text(Text.ANY_PRACTITIONER),
        score=score, trend=keyboards.trend_label(content, trend))


async def _update_staff_alert(context: ClinicContext, found: CheckIn, score: int,
                              trend: Trend, answer: CheckinAnswer) -> None:
    """The staff chat's alert, which said "not said yet", now says better, same or
    worse. A message gone or too old to edit is left; the patient's words are heard."""
    if answer.staff_chat_id is None or answer.staff_message_id is None:
        return
    try:
        await context.bot.edit_message_text(_staff_alert(context, found, score, trend),
                                            chat_id=answer.staff_chat_id,
                                            message_id=answer.staff_message_id)
    except TelegramError as error:
        logger.warning("Could not update check-in %d's staff alert: %s", found[0].id, error)


async def _escalate(update: Update, context: ClinicContext, found: CheckIn, score: int,
                    trend: Trend | None) -> None:
    """Alert the staff chat once for this check-in, and tell the patient what happens."""
    message = found[0]
    content = context.content
    async with context.database.transaction() as session:
        first = await mark_escalated(session, message.id, context.clock.now())
    if not first:
        await reply(update, content.text(Text.CHECKIN_NOTED))
        return
    told = await tell_staff(context, _staff_alert(context, found, score, trend))
    if told is None:
        async with context.database.transaction() as session:
            await unmark_escalated(session, message.id)
        logger.error("Check-in %d needs attention but the staff chat was not told",
                     message.id)
        await reply(update, content.text(Text.CHECKIN_URGENT_CALL_US))
        return
    async with context.database.transaction() as session:
        await record_checkin_alert(session, message.id, told.chat_id, told.message_id)
    logger.warning("Check-in %d needs attention: staff chat alerted", message.id)
    await reply(update, content.text(Text.CHECKIN_URGENT))


async def better(update: Update, context: ClinicContext) -> None:
    await _answer_trend(update, context, Trend.BETTER)


async def same(update: Update, context: ClinicContext) -> None:
    await _answer_trend(update, context, Trend.SAME)


async def worse(update: Update, context: ClinicContext) -> None:
    await _answer_trend(update, context, Trend.WORSE)


def register(application: ClinicApp) -> None:
    application.add_handler(CallbackQueryHandler(
        soreness, pattern=callbacks.pattern(callbacks.SORENESS, with_argument=True)))
    for prefix, callback in ((callbacks.BETTER, better), (callbacks.SAME, same),
                             (callbacks.WORSE, worse)):
        application.add_handler(CallbackQueryHandler(
            callback, pattern=callbacks.pattern(prefix, with_argument=True)))
