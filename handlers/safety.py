"""The safety net: every message a patient writes is read for warning signs first.

Whatever a patient types (or writes under a photo), whenever they write it, with or without
an appointment, consent or check-in: a warning sign (`bot/understanding/warning_signs.py`, from
`content/red_flags.yaml`) gets the safety answer at once and reaches the staff chat, and
the message goes no further, so it never gets an FAQ answer instead. Runs in group -1,
before every feature.

The patient hears first, so the emergency line never waits behind the staff chat's
queue (a group gets about 20 messages a minute), and the staff alert goes out from a
background task that does not hold the update's place; if the staff chat cannot be told,
the patient is asked to contact the clinic themselves. More signs from the same patient
within `MERGE_WINDOW` are added to the same staff alert, whose message is edited. An
alert a crash cut off before it reached the staff chat is posted at the next start.
Staff members are not screened: their messages are dialog input (a broadcast saying
"stay home if you have a fever" is not a warning sign).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import cast

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.appointments.rendering import describe_time
from bot.runtime.context import BotData, ClinicApp, ClinicContext
from bot.texts.content import Html
from bot.texts.keys import Text
from bot.texts.telegram_html import escape
from bot.understanding.warning_signs import Tier
from db.models import Appointment, Patient, SafetyAlert
from db.patients import register_patient
from db.safety import (
    add_to_alert,
    alert_with_patient,
    alerts_not_told,
    open_alert,
    quote,
    quotes_of,
    record_staff_told,
    start_alert,
    visits_around,
)
from handlers.common import patient_mention, profile_of, reply

logger = logging.getLogger(__name__)

# Further signs from a patient within this time join their open alert.
MERGE_WINDOW = timedelta(minutes=10)
# The quotes shown in the staff alert, all together; the rest of the alert fits too.
MAX_QUOTED_CHARS = 2500
# At start, alerts from this far back that never reached the staff chat are posted.
RETELL_WITHIN = timedelta(days=1)

async def screen(update: Update, context: ClinicContext) -> None:
    """A warning sign: the patient gets the safety answer, the staff chat an alert, and
    the FAQ is not asked."""
    profile = profile_of(update)
    message = update.effective_message
    if profile is None or message is None or context.settings.is_staff(profile.user_id):
        return
    text = message.text or message.caption
    if not text:
        return
    finding = context.warning_signs.find(text)
    if finding is None:
        return
    now = context.clock.now()
    async with context.database.transaction() as session:
        patient = await register_patient(session, profile, now)
        alert = await open_alert(session, patient.id, now - MERGE_WINDOW)
        answered = alert is not None and any(item.message_id == message.message_id
                                             for item in quotes_of(alert))
        said = quote(text, message.message_id, now)
        if alert is None:
            alert = await start_alert(session, patient.id, finding.tier.name,
                                      list(finding.signs), said, now)
        elif not answered:
            tier = max(Tier[alert.tier], finding.tier)
            await add_to_alert(session, alert, tier.name, list(finding.signs), said, now)
    if answered:
        raise ApplicationHandlerStop  # an edit of a message already answered
    staff_chat_set = context.settings.staff_chat_id is not None
    await reply(update, safety_answer(context, finding.tier, staff_chat_set))
    logger.warning("Warning sign (%s) from patient %d, alert %d", finding.tier.name.lower(),
                   patient.id, alert.id)
    if staff_chat_set:
        keep_staff_told(cast(ClinicApp, context.application), alert.id)
    raise ApplicationHandlerStop


def safety_answer(context: ClinicContext, tier: Tier, staff_told: bool) -> str:
    content = context.content
    if tier == Tier.EMERGENCY:
        return content.text(Text.SAFETY_EMERGENCY if staff_told
                            else Text.SAFETY_EMERGENCY_CALL_US)
    return content.text(Text.SAFETY_SAME_DAY if staff_told else Text.SAFETY_SAME_DAY_CALL_US)


def keep_staff_told(application: ClinicApp, alert_id: int) -> None:
    """Bring the staff chat's message for this alert up to date, in the background: the
    patient's update does not wait for the staff group's turn (about 20 messages a
    minute), and a burst of signs from one patient becomes one more edit, not one each."""
    wanted = application.bot_data.staff_alerts_wanted
    if alert_id in wanted:
        wanted[alert_id] = True  # the task running for it goes round once more
        return
    wanted[alert_id] = False
    # Not application.create_task: PTB's stop would wait for it, and a stop must not wait
    # minutes for the staff group's turn. A stop gives these a short grace, and what they
    # did not finish is posted at the next start (`retell_staff`).
    task = asyncio.get_running_loop().create_task(
        _tell_staff_until_current(application, alert_id), name=f"safety-alert:{alert_id}")
    tasks = application.bot_data.background_tasks
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _tell_staff_until_current(application: ClinicApp, alert_id: int) -> None:
    wanted = application.bot_data.staff_alerts_wanted
    try:
        while True:
            wanted[alert_id] = False
            told = await _tell_staff(application, alert_id)
            if told is False or not wanted[alert_id]:
                break
    except Exception:
        logger.exception("Telling the staff chat about safety alert %d failed", alert_id)
    finally:
        del wanted[alert_id]


async def retell_staff(context: ClinicContext) -> None:
    """At start: alerts a crash or restart cut off before the staff chat was told."""
    if context.settings.staff_chat_id is None:
        return
    async with context.database.transaction() as session:
        untold = await alerts_not_told(session, context.clock.now() - RETELL_WITHIN)
    for alert_id in untold:
        keep_staff_told(cast(ClinicApp, context.application), alert_id)
    if untold:
        logger.warning("%d safety alerts had not reached the staff chat; posting them now",
                       len(untold))


async def _tell_staff(application: ClinicApp, alert_id: int) -> bool | None:
    """Post the alert to the staff chat, or edit the one already there, as it now stands;
    whether it went (None: the alert is gone, deleted with /forget)."""
    data = application.bot_data
    chat_id = data.settings.staff_chat_id
    assert chat_id is not None
    async with data.database.transaction() as session:
        found = await alert_with_patient(session, alert_id)
        if found is None:
            return None
        alert, patient = found
        last, upcoming = await visits_around(session, patient.id, data.clock.now())
    text = staff_alert(data, alert, patient, last, upcoming)
    if alert.staff_message_id is not None and alert.staff_chat_id == chat_id:
        try:
            await application.bot.edit_message_text(text, chat_id=chat_id,
                                                    message_id=alert.staff_message_id)
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                # Gone or too old to edit: a new message carries the whole alert.
                return await _post_anew(application, alert, patient, text)
        except TelegramError as error:
            logger.error("Could not update safety alert %d: %s", alert.id, error)
            return False
        async with data.database.transaction() as session:
            await record_staff_told(session, alert.id, alert.last_at, chat_id,
                                    alert.staff_message_id)
        return True
    return await _post_anew(application, alert, patient, text)


async def _post_anew(application: ClinicApp, alert: SafetyAlert, patient: Patient,
                     text: str) -> bool:
    data = application.bot_data
    chat_id = data.settings.staff_chat_id
    assert chat_id is not None
    try:
        sent: Message = await application.bot.send_message(chat_id, text)
    except TelegramError as error:
        logger.error("Could not post safety alert %d to the staff chat: %s", alert.id, error)
        if patient.chat_id is not None:
            await _ask_patient_to_call(application, patient.chat_id)
        return False
    async with data.database.transaction() as session:
        await record_staff_told(session, alert.id, alert.last_at, sent.chat_id,
                                sent.message_id)
    logger.info("Safety alert %d told to the staff chat", alert.id)
    return True


async def _ask_patient_to_call(application: ClinicApp, chat_id: int) -> None:
    try:
        await application.bot.send_message(
            chat_id, application.bot_data.content.text(Text.SAFETY_STAFF_NOT_TOLD))
    except TelegramError as error:
        logger.error("Could not tell a patient to call the clinic themselves: %s", error)


def staff_alert(data: BotData, alert: SafetyAlert, patient: Patient,
                last: Appointment | None, upcoming: Appointment | None) -> str:
    """The staff chat's alert: who, how urgent, their words, their sessions, what they
    were told."""
    content = data.content
    tier = Tier[alert.tier]
    return content.text(
        Text.STAFF_SAFETY_ALERT,
        tier=Html(content.text(Text.SAFETY_TIER_EMERGENCY if tier == Tier.EMERGENCY
                               else Text.SAFETY_TIER_SAME_DAY)),
        patient=Html(patient_mention(patient)),
        signs="; ".join(alert.signs.split("\n")),
        words=Html(_quoted(data, alert)),
        last=Html(_visit(data, last)),
        next=Html(_visit(data, upcoming)),
        told=Html(content.text(Text.SAFETY_TOLD_EMERGENCY if tier == Tier.EMERGENCY
                               else Text.SAFETY_TOLD_SAME_DAY)))


def _quoted(data: BotData, alert: SafetyAlert) -> str:
    """Each message on its own line with its clinic time, newest kept when space runs out."""
    zone = data.settings.timezone
    lines: list[str] = []
    room = MAX_QUOTED_CHARS
    for item in reversed(quotes_of(alert)):
        at = datetime.fromisoformat(item.at).astimezone(zone)
        line = f"{at:%H:%M} “{escape(item.text)}”"
        if len(line) > room:
            lines.append("…")
            break
        lines.append(line)
        room -= len(line)
    return "\n".join(reversed(lines))


def _visit(data: BotData, appointment: Appointment | None) -> str:
    content = data.content
    if appointment is None:
        return content.text(Text.SAFETY_NO_VISIT)
    return content.text(Text.SAFETY_VISIT,
                        when=describe_time(appointment.starts_at, data.settings.timezone),
                        practitioner=appointment.practitioner
                        or content.text(Text.ANY_PRACTITIONER))


def register(application: ClinicApp) -> None:
    written = (filters.ChatType.PRIVATE
               & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE)
               & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND)
    # Group -1 runs before every feature in the default group; it stops the update there
    # only when it answered it.
    application.add_handler(MessageHandler(written, screen), group=-1)
    assert application.job_queue is not None
    application.job_queue.run_once(retell_staff, when=0, name="safety-alerts:retell")

