"""The safety net: every message a patient writes is read for warning signs first.

Whatever a patient types (or writes under a photo), whenever they write it, with or without
an appointment, consent or check-in: a warning sign (`bot/red_flags.py`, from
`content/red_flags.yaml`) gets the safety answer at once and reaches the staff chat, and
the message goes no further, so it never gets an FAQ answer instead. Runs in group -1,
before every feature.

The patient hears first, so the emergency line never waits behind the staff chat's
queue (a group gets about 20 messages a minute); if the staff chat then cannot be told,
the patient is asked to contact the clinic themselves. More signs from the same patient
within `MERGE_WINDOW` are added to the same staff alert, whose message is edited.
Staff members are not screened: their messages are dialog input (a broadcast saying
"stay home if you have a fever" is not a warning sign).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.content import Html
from bot.context import ClinicApp, ClinicContext
from bot.red_flags import Tier
from bot.rendering import describe_time
from bot.telegram_html import escape
from bot.texts import Text
from db.models import Appointment, Patient, SafetyAlert, utcnow
from db.patients import register_patient
from db.safety import (
    add_to_alert,
    open_alert,
    quote,
    quotes_of,
    record_staff_message,
    start_alert,
    visits_around,
)
from handlers.common import patient_mention, profile_of, reply

logger = logging.getLogger(__name__)

# Further signs from a patient within this time join their open alert.
MERGE_WINDOW = timedelta(minutes=10)
# The quotes shown in the staff alert, all together; the rest of the alert fits too.
MAX_QUOTED_CHARS = 2500

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
    now = utcnow()
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
        last, upcoming = await visits_around(session, patient.id, now)
    if answered:
        raise ApplicationHandlerStop  # an edit of a message already answered
    staff_chat_set = context.settings.staff_chat_id is not None
    await reply(update, safety_answer(context, finding.tier, staff_chat_set))
    told = await _tell_staff(context, alert, patient, last, upcoming)
    logger.warning("Warning sign (%s) from patient %d, alert %d; staff chat %s",
                   finding.tier.name.lower(), patient.id, alert.id,
                   "told" if told else "NOT told")
    if staff_chat_set and not told:
        await reply(update, context.content.text(Text.SAFETY_STAFF_NOT_TOLD))
    raise ApplicationHandlerStop


def safety_answer(context: ClinicContext, tier: Tier, staff_told: bool) -> str:
    content = context.content
    if tier == Tier.EMERGENCY:
        return content.text(Text.SAFETY_EMERGENCY if staff_told
                            else Text.SAFETY_EMERGENCY_CALL_US)
    return content.text(Text.SAFETY_SAME_DAY if staff_told else Text.SAFETY_SAME_DAY_CALL_US)


async def _tell_staff(context: ClinicContext, alert: SafetyAlert, patient: Patient,
                      last: Appointment | None, upcoming: Appointment | None) -> bool:
    """Post the alert to the staff chat, or edit the one already there; whether it went."""
    chat_id = context.settings.staff_chat_id
    if chat_id is None:
        return False
    text = staff_alert(context, alert, patient, last, upcoming)
    if alert.staff_message_id is not None and alert.staff_chat_id == chat_id:
        try:
            await context.bot.edit_message_text(text, chat_id=chat_id,
                                                message_id=alert.staff_message_id)
            return True
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            # Gone or too old to edit: a new message carries the whole alert.
        except TelegramError as error:
            logger.error("Could not update safety alert %d: %s", alert.id, error)
            return False
    try:
        sent: Message = await context.bot.send_message(chat_id, text)
    except TelegramError as error:
        logger.error("Could not post safety alert %d to the staff chat: %s", alert.id, error)
        return False
    async with context.database.transaction() as session:
        await record_staff_message(session, alert.id, sent.chat_id, sent.message_id)
    return True


def staff_alert(context: ClinicContext, alert: SafetyAlert, patient: Patient,
                last: Appointment | None, upcoming: Appointment | None) -> str:
    """The staff chat's alert: who, how urgent, their words, their sessions, what they
    were told."""
    content = context.content
    tier = Tier[alert.tier]
    return content.text(
        Text.STAFF_SAFETY_ALERT,
        tier=Html(content.text(Text.SAFETY_TIER_EMERGENCY if tier == Tier.EMERGENCY
                               else Text.SAFETY_TIER_SAME_DAY)),
        patient=Html(patient_mention(patient)),
        signs="; ".join(alert.signs.split("\n")),
        words=Html(_quoted(context, alert)),
        last=Html(_visit(context, last)),
        next=Html(_visit(context, upcoming)),
        told=Html(content.text(Text.SAFETY_TOLD_EMERGENCY if tier == Tier.EMERGENCY
                               else Text.SAFETY_TOLD_SAME_DAY)))


def _quoted(context: ClinicContext, alert: SafetyAlert) -> str:
    """Each message on its own line with its clinic time, newest kept when space runs out."""
    zone = context.settings.timezone
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


def _visit(context: ClinicContext, appointment: Appointment | None) -> str:
    content = context.content
    if appointment is None:
        return content.text(Text.SAFETY_NO_VISIT)
    return content.text(Text.SAFETY_VISIT,
                        when=describe_time(appointment.starts_at, context),
                        practitioner=appointment.practitioner
                        or content.text(Text.ANY_PRACTITIONER))


def register(application: ClinicApp) -> None:
    written = (filters.ChatType.PRIVATE
               & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE)
               & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND)
    # Group -1 runs before every feature in the default group; it stops the update there
    # only when it answered it.
    application.add_handler(MessageHandler(written, screen), group=-1)

