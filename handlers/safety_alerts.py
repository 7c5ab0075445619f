"""The staff side of the safety net: each alert's message in the staff chat, posted once and
edited as the alert grows, with the patient's photos and recordings forwarded under it.

The patient's update never waits for this: `keep_staff_told` runs in the background, since
a group gets about 20 messages a minute, and a burst of messages from one patient becomes
one more edit, not one each. If the staff chat cannot be told, the patient is asked to
contact the clinic themselves. An alert a crash cut off before it reached the staff chat is
posted at the next start (`retell_staff`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import cast

from telegram import Message
from telegram.error import BadRequest, TelegramError

from bot.appointments.rendering import describe_time
from bot.runtime.context import BotData, ClinicApp, ClinicContext
from bot.texts.content import Html
from bot.texts.keys import Text
from bot.texts.telegram_html import escape
from bot.understanding.policy import Outcome
from db.models import Appointment, Patient, SafetyAlert
from db.safety import (
    alert_with_patient,
    alerts_not_told,
    quotes_of,
    record_forwarded,
    record_staff_told,
    visits_around,
)
from handlers.common import patient_mention

logger = logging.getLogger(__name__)

# The quotes shown in the staff alert, all together; the rest of the alert fits too.
MAX_QUOTED_CHARS = 2500
# At start, alerts from this far back that never reached the staff chat are posted.
RETELL_WITHIN = timedelta(days=1)

_TIER_TEXTS = {Outcome.EMERGENCY: Text.SAFETY_TIER_EMERGENCY,
               Outcome.CONFIRM: Text.SAFETY_TIER_CONFIRM,
               Outcome.SAME_DAY: Text.SAFETY_TIER_SAME_DAY,
               Outcome.LOOK: Text.SAFETY_TIER_LOOK}


def keep_staff_told(application: ClinicApp, alert_id: int) -> None:
    """Bring the staff chat's message for this alert up to date, in the background."""
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
    """Post the alert to the staff chat, or edit the one already there, as it now stands,
    then forward what the bot cannot read; whether it went (None: the alert is gone,
    deleted with /forget)."""
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
        await _forward_media(application, alert, patient)
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
    await _forward_media(application, alert, patient)
    return True


async def _forward_media(application: ClinicApp, alert: SafetyAlert, patient: Patient
                         ) -> None:
    """The patient's photos and recordings, forwarded under the alert, each once."""
    chat_id = application.bot_data.settings.staff_chat_id
    waiting = [item for item in quotes_of(alert) if item.media and not item.forwarded]
    if chat_id is None or patient.chat_id is None or not waiting:
        return
    done: list[int] = []
    for item in waiting:
        try:
            await application.bot.forward_message(chat_id, patient.chat_id, item.message_id)
        except TelegramError as error:
            logger.error("Could not forward a patient's %s for safety alert %d: %s",
                         item.media, alert.id, error)
            continue
        done.append(item.message_id)
    if done:
        async with application.bot_data.database.transaction() as session:
            await record_forwarded(session, alert.id, done)


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
    tier = Outcome[alert.tier]
    return content.text(
        Text.STAFF_SAFETY_ALERT,
        tier=Html(content.text(_TIER_TEXTS[tier])),
        patient=Html(patient_mention(patient)),
        signs="; ".join(alert.signs.split("\n")),
        words=Html(_quoted(data, alert)),
        last=Html(_visit(data, last)),
        next=Html(_visit(data, upcoming)),
        told=Html(content.text(_told(alert, tier))))


def _told(alert: SafetyAlert, tier: Outcome) -> Text:
    if alert.crisis:
        return Text.SAFETY_TOLD_CRISIS
    if alert.happening_now == "yes":
        return Text.SAFETY_TOLD_NOW_YES
    if alert.happening_now == "no":
        return Text.SAFETY_TOLD_NOW_NO
    return {Outcome.EMERGENCY: Text.SAFETY_TOLD_EMERGENCY,
            Outcome.CONFIRM: Text.SAFETY_TOLD_CONFIRM,
            Outcome.SAME_DAY: Text.SAFETY_TOLD_SAME_DAY}.get(tier, Text.SAFETY_TOLD_LOOK)


def _quoted(data: BotData, alert: SafetyAlert) -> str:
    """Each message on its own line with its clinic time, newest kept when space runs out;
    a photo or recording as its kind, with its caption."""
    zone = data.settings.timezone
    lines: list[str] = []
    room = MAX_QUOTED_CHARS
    for item in reversed(quotes_of(alert)):
        at = datetime.fromisoformat(item.at).astimezone(zone)
        said = f"“{escape(item.text)}”" if item.text else ""
        if item.media:
            kind = data.content.text(Text.SAFETY_MEDIA_KIND, kind=item.media)
            said = f"{escape(kind)} {said}".strip()
        line = f"{at:%H:%M} {said}"
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
