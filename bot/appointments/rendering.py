"""The words of each planned message, composed when it is sent, from the appointment as it
stands then (a moved session's guide shows the new time).

Two sessions of one patient on the same day are one visit: the earlier session's guide
and reminder name both, and the later session's are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.appointments.calendar_file import appointment_ics, file_name
from bot.core.settings import ClinicSettings
from bot.texts import keyboards
from bot.texts.content import Content
from bot.texts.keys import Text
from bot.texts.telegram_html import plain_text
from db.appointments import booked_between, has_live_message
from db.models import Appointment, AppointmentStatus, MessageKind, PlannedMessage


@dataclass(frozen=True)
class Outgoing:
    """One planned message, ready to send; `calendar` is an .ics (file name, bytes) that
    follows it as a document."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    calendar: tuple[str, bytes] | None = None


async def compose(
    session: AsyncSession, content: Content, settings: ClinicSettings, now: datetime,
    message: PlannedMessage, appointment: Appointment,
) -> Outgoing | str:
    """The text and buttons for `message`, or why there is nothing to send."""
    zone = settings.timezone
    kind = MessageKind(message.kind)
    if kind in (MessageKind.GUIDE, MessageKind.REMINDER):
        visit = await same_day_visit(session, zone, appointment)
        earlier = [other.id for other in visit if other.starts_at < appointment.starts_at]
        if earlier and await has_live_message(session, earlier, kind):
            return "shared with an earlier session the same day"
        sessions = [other for other in visit if other.starts_at >= appointment.starts_at]
        when, practitioner = describe_visit(sessions or [appointment], content, zone)
        if kind == MessageKind.GUIDE:
            return Outgoing(content.text(Text.GUIDE, when=when, practitioner=practitioner))
        return Outgoing(content.text(Text.REMINDER, when=when, practitioner=practitioner),
                        keyboards.reminder(content, appointment.id))
    if kind in (MessageKind.CHECKIN, MessageKind.FOLLOWUP):
        when = describe_time(appointment.starts_at, content, zone)
        return Outgoing(
            content.text(Text.CHECKIN if kind == MessageKind.CHECKIN else Text.FOLLOWUP,
                         when=when),
            keyboards.soreness_scale(message.id))
    return change_notice(content, settings, now, appointment)


def change_notice(content: Content, settings: ClinicSettings, now: datetime,
                  appointment: Appointment) -> Outgoing | str:
    """What changed since the patient was last told: booked, moved (both with the .ics
    file for their calendar), or cancelled."""
    zone = settings.timezone
    told, told_at = appointment.notified_status, appointment.notified_starts_at
    when = describe_time(appointment.starts_at, content, zone)
    practitioner = appointment.practitioner or content.text(Text.ANY_PRACTITIONER)
    if appointment.status == AppointmentStatus.BOOKED:
        if told is None:
            return Outgoing(content.text(Text.NOTICE_BOOKED, when=when,
                                         practitioner=practitioner,
                                         minutes=appointment.duration_minutes),
                            calendar=calendar_for(content, settings, now, appointment))
        if told == AppointmentStatus.BOOKED and told_at is not None \
                and told_at != appointment.starts_at:
            return Outgoing(content.text(Text.NOTICE_MOVED,
                                         old_when=describe_time(told_at, content, zone),
                                         when=when, practitioner=practitioner),
                            calendar=calendar_for(content, settings, now, appointment))
    elif told == AppointmentStatus.BOOKED and told_at is not None:
        return Outgoing(content.text(Text.NOTICE_CANCELLED,
                                     when=describe_time(told_at, content, zone)))
    return "nothing changed since the patient was last told"


def calendar_for(content: Content, settings: ClinicSettings, now: datetime,
                 appointment: Appointment) -> tuple[str, bytes]:
    """The appointment as an .ics file: (file name, contents)."""
    practitioner = appointment.practitioner or content.text(Text.ANY_PRACTITIONER)
    ics = appointment_ics(
        appointment,
        summary=plain_text(content.text(Text.CALENDAR_SUMMARY, practitioner=practitioner)),
        description=plain_text(content.text(Text.CALENDAR_DESCRIPTION)),
        organiser=settings.clinic_name, now=now)
    return file_name(appointment, settings.clinic_timezone), ics


async def same_day_visit(session: AsyncSession, zone: tzinfo,
                         appointment: Appointment) -> list[Appointment]:
    """The patient's booked sessions on the clinic-time day of `appointment`."""
    day = appointment.starts_at.astimezone(zone).date()
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return await booked_between(session, appointment.patient_id, start, end)


def describe_visit(sessions: Sequence[Appointment], content: Content, zone: tzinfo
                   ) -> tuple[str, str]:
    """("Tuesday 24 November at 10:00 and 14:30", "Dr Chen and Dr Lee"), in the
    language of `content`."""
    when = content.when(*(session.starts_at.astimezone(zone) for session in sessions))
    names = list(dict.fromkeys(s.practitioner for s in sessions if s.practitioner))
    practitioner = content.and_list(names) or content.text(Text.ANY_PRACTITIONER)
    return when, practitioner


def describe_time(moment: datetime, content: Content, zone: tzinfo) -> str:
    """"Tuesday 24 November at 10:00", in the clinic's time zone `zone`, in the language
    of `content`."""
    return content.when(moment.astimezone(zone))
