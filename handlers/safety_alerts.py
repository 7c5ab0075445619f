"""The staff side of the safety net: alerts in the staff chat, posted once and edited as
they grow, with the patient's photos and recordings forwarded under them.

The patient's update never waits for this: `keep_staff_told` marks the alert and one
background task brings the staff chat up to date a round at a time. A group gets about
one message a second and 20 a minute, so alerts that come together go together: one
message lists them all (as many as fit), and while the latest such message is fresh,
newer alerts join it by an edit instead of a message each. A burst of messages from one
patient becomes one more edit. If the staff chat cannot be told, the patient is asked to
contact the clinic themselves. An alert a crash cut off before it reached the staff chat
is posted at the next start (`retell_staff`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from telegram import Message
from telegram.error import BadRequest, TelegramError

from bot.appointments.rendering import describe_time
from bot.services.context import BotData, ClinicApp, ClinicContext
from bot.texts.content import Html
from bot.texts.keys import Text
from bot.texts.telegram_html import escape
from bot.understanding.policy import Outcome
from db.models import Appointment, Patient, SafetyAlert
from db.safety import (
    alert_with_patient,
    alerts_in_message,
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
# Between rounds: the staff chat's pace, so what comes meanwhile goes in one message.
ROUND_PAUSE = 1.0
# The latest message of alerts takes newer ones by an edit while one of its alerts had news
# this recently (staff have just been notified of it); after that, new alerts notify anew.
FRESH_FOR = timedelta(seconds=5)
# Telegram's limit on a message's text, and what stands between two alerts in one.
MESSAGE_LIMIT = 4096
BETWEEN_ALERTS = "\n\n"

_TIER_TEXTS = {Outcome.EMERGENCY: Text.SAFETY_TIER_EMERGENCY,
               Outcome.CONFIRM: Text.SAFETY_TIER_CONFIRM,
               Outcome.SAME_DAY: Text.SAFETY_TIER_SAME_DAY,
               Outcome.LOOK: Text.SAFETY_TIER_LOOK}


class StaffTold:
    """This feature's state in the bot's data: alerts whose staff message is to be brought
    up to date, the task doing it a round at a time, and the latest message of alerts it
    posted (while fresh, newer alerts join it)."""

    def __init__(self) -> None:
        self.wanted: dict[int, bool] = {}
        self.task: asyncio.Task[None] | None = None
        self.latest: int | None = None


def keep_staff_told(application: ClinicApp, alert_id: int) -> None:
    """Bring the staff chat's message for this alert up to date, in the background."""
    data = application.bot_data
    told = data.feature(StaffTold)
    told.wanted[alert_id] = True
    if told.task is not None and not told.task.done():
        return  # its next round takes this one
    # Not application.create_task: PTB's stop would wait for it, and a stop must not wait
    # for the staff group's turn. A stop gives it a short grace, and what it did not
    # finish is posted at the next start (`retell_staff`).
    task = asyncio.get_running_loop().create_task(_tell_staff_in_rounds(application),
                                                  name="safety-alerts")
    told.task = task
    data.running.keep(task)


async def _tell_staff_in_rounds(application: ClinicApp) -> None:
    wanted = application.bot_data.feature(StaffTold).wanted
    while wanted:
        alert_ids = list(wanted)
        wanted.clear()
        try:
            await _tell_staff(application, alert_ids)
        except Exception:
            logger.exception("Telling the staff chat about safety alerts %s failed",
                             alert_ids)
        if wanted:
            await asyncio.sleep(ROUND_PAUSE)


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


@dataclass
class _Shown:
    """One alert as the staff chat is to see it."""

    alert: SafetyAlert
    patient: Patient
    text: str = ""


@dataclass
class _Round:
    """What one round brings up to date: messages already in the staff chat, each with
    every alert it shows, and alerts to post."""

    messages: dict[int, list[_Shown]] = field(default_factory=dict)
    new: list[_Shown] = field(default_factory=list)


async def _tell_staff(application: ClinicApp, alert_ids: list[int]) -> None:
    """Edit the staff chat's messages that show these alerts, and post the rest, as many
    to a message as fit; then forward what the bot cannot read."""
    data = application.bot_data
    chat_id = data.settings.staff_chat_id
    if chat_id is None:
        return
    work = await _gather(data, chat_id, alert_ids)
    told: list[_Shown] = []
    for message_id, shown in work.messages.items():
        kept, moved = _fitting(shown)
        work.new.extend(moved)
        if not kept:
            continue  # every alert it showed was deleted with /forget
        try:
            await application.bot.edit_message_text(_joined(kept), chat_id=chat_id,
                                                    message_id=message_id)
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                work.new.extend(kept)  # gone or too old to edit: posted anew
                continue
        except TelegramError as error:
            logger.error("Could not update the safety alerts of staff message %d: %s",
                         message_id, error)
            continue
        await _record(data, chat_id, message_id, kept)
        told.extend(kept)
    while work.new:
        batch, work.new = _fitting(work.new)
        try:
            sent: Message = await application.bot.send_message(chat_id, _joined(batch))
        except TelegramError as error:
            logger.error("Could not post %d safety alerts to the staff chat: %s",
                         len(batch), error)
            for item in batch:
                if item.patient.chat_id is not None:
                    await _ask_patient_to_call(application, item.patient)
            continue
        data.feature(StaffTold).latest = sent.message_id
        await _record(data, chat_id, sent.message_id, batch)
        logger.info("Safety alerts %s told to the staff chat",
                    ", ".join(str(item.alert.id) for item in batch))
        told.extend(batch)
    for item in told:
        await _forward_media(application, item.alert, item.patient)


async def _gather(data: BotData, chat_id: int, alert_ids: list[int]) -> _Round:
    """The round's alerts and the messages they are in, rendered as they now stand; new
    alerts join the latest message while it is fresh."""
    work = _Round()
    now = data.services.clock.now()
    async with data.services.database.transaction() as session:
        for alert_id in alert_ids:
            found = await alert_with_patient(session, alert_id)
            if found is None:
                continue  # deleted with /forget
            alert, patient = found
            if alert.staff_chat_id == chat_id and alert.staff_message_id is not None:
                work.messages.setdefault(alert.staff_message_id, [])
            else:
                work.new.append(_Shown(alert, patient))
        latest = data.feature(StaffTold).latest
        if work.new and latest is not None:
            work.messages.setdefault(latest, [])
        for message_id in work.messages:
            work.messages[message_id] = [
                _Shown(alert, patient)
                for alert, patient in await alerts_in_message(session, chat_id, message_id)]
        if latest in work.messages and work.new:
            if any(item.alert.last_at >= now - FRESH_FOR for item in work.messages[latest]):
                work.messages[latest].extend(work.new)
                work.new = []
            elif not any(item.alert.id in alert_ids for item in work.messages[latest]):
                del work.messages[latest]  # stale: left as it is
        for shown in [*work.new, *(item for items in work.messages.values() for item in items)]:
            last, upcoming = await visits_around(session, shown.patient.id, now)
            shown.text = staff_alert(data, shown.alert, shown.patient, last, upcoming)
    return work


def _fitting(shown: list[_Shown]) -> tuple[list[_Shown], list[_Shown]]:
    """The first alerts that fit one message together (at least one), and the rest."""
    size = 0
    for count, item in enumerate(shown):
        size += len(item.text) + (len(BETWEEN_ALERTS) if count else 0)
        if size > MESSAGE_LIMIT and count:
            return shown[:count], shown[count:]
    return shown, []


def _joined(shown: list[_Shown]) -> str:
    return BETWEEN_ALERTS.join(item.text for item in shown)


async def _record(data: BotData, chat_id: int, message_id: int, shown: list[_Shown]
                  ) -> None:
    async with data.services.database.transaction() as session:
        for item in shown:
            await record_staff_told(session, item.alert.id, item.alert.last_at, chat_id,
                                    message_id)


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
        async with application.bot_data.services.database.transaction() as session:
            await record_forwarded(session, alert.id, done)


async def _ask_patient_to_call(application: ClinicApp, patient: Patient) -> None:
    """The staff could not be told: the patient, in their language, is asked to call."""
    content = application.bot_data.services.contents.for_patient(patient.language,
                                                                 patient.language_code)
    if patient.chat_id is None:
        return
    try:
        await application.bot.send_message(patient.chat_id,
                                           content.text(Text.SAFETY_STAFF_NOT_TOLD))
    except TelegramError as error:
        logger.error("Could not tell a patient to call the clinic themselves: %s", error)


def staff_alert(data: BotData, alert: SafetyAlert, patient: Patient,
                last: Appointment | None, upcoming: Appointment | None) -> str:
    """The staff chat's alert: who, how urgent, their words, their sessions, what they
    were told."""
    content = data.services.contents.staff
    tier = Outcome[alert.tier]
    return content.text(
        Text.STAFF_SAFETY_ALERT,
        tier=Html(content.text(_TIER_TEXTS[tier])),
        patient=Html(patient_mention(patient, data.services.contents)),
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
            kind = data.services.contents.staff.text(Text.SAFETY_MEDIA_KIND, kind=item.media)
            said = f"{escape(kind)} {said}".strip()
        line = f"{at:%H:%M} {said}"
        if len(line) > room:
            lines.append("…")
            break
        lines.append(line)
        room -= len(line)
    return "\n".join(reversed(lines))


def _visit(data: BotData, appointment: Appointment | None) -> str:
    content = data.services.contents.staff
    if appointment is None:
        return content.text(Text.SAFETY_NO_VISIT)
    when = describe_time(appointment.starts_at, content, data.settings.timezone)
    return content.text(Text.SAFETY_VISIT, when=when, practitioner=appointment.practitioner
                        or content.text(Text.ANY_PRACTITIONER))
