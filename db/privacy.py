"""A patient's own data: their message choices (/settings), everything held about them
(/mydata), and deleting it (/forget)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Appointment,
    AppointmentStatus,
    Base,
    Broadcast,
    BroadcastRecipient,
    CheckinAnswer,
    Patient,
    PatientQuestion,
    PlannedMessage,
    SafetyAlert,
)
from db.safety import quotes_of


class Choice(StrEnum):
    """What a patient can turn on or off; the value is the callback argument."""

    REMINDERS = "r"  # the guide and the reminder before a session
    CHECKINS = "c"  # the check-ins after one
    UPDATES = "u"  # broadcasts (the same switch as /stop and /start)


_COLUMNS = {Choice.REMINDERS: Patient.reminders_off_at, Choice.CHECKINS: Patient.checkins_off_at,
            Choice.UPDATES: Patient.updates_stopped_at}
# Columns that mean nothing outside the bot's own workings; left out of /mydata.
_INTERNAL = frozenset({"normalized", "staff_chat_id", "staff_message_id", "import_key",
                       "claimed_at", "claimed_by", "chat_id", "words"})


async def patient_of_user(session: AsyncSession, user_id: int) -> Patient | None:
    found: Patient | None = await session.scalar(
        select(Patient).where(Patient.telegram_user_id == user_id))
    return found


def choices_of(patient: Patient) -> dict[Choice, bool]:
    """Which messages the patient gets (True) or turned off."""
    return {choice: getattr(patient, column.key) is None for choice, column in _COLUMNS.items()}


async def toggle(session: AsyncSession, patient_id: int, choice: Choice, now: datetime) -> bool:
    """Turn one choice the other way; True if it is now on."""
    column = _COLUMNS[choice]
    current = await session.scalar(select(column).where(Patient.id == patient_id))
    turned_on = current is not None
    await session.execute(update(Patient).where(Patient.id == patient_id)
                          .values({column.key: None if turned_on else now}))
    return turned_on


async def export(session: AsyncSession, patient: Patient) -> dict[str, Any]:
    """Everything held about the patient, as plain data."""
    appointments = list(await session.scalars(
        select(Appointment).where(Appointment.patient_id == patient.id)
        .order_by(Appointment.starts_at)))
    ids = [appointment.id for appointment in appointments]
    messages = list(await session.scalars(
        select(PlannedMessage).where(PlannedMessage.appointment_id.in_(ids))
        .order_by(PlannedMessage.due_at)))
    answers = list(await session.scalars(
        select(CheckinAnswer).where(CheckinAnswer.appointment_id.in_(ids))))
    questions = list(await session.scalars(
        select(PatientQuestion).where(PatientQuestion.patient_id == patient.id)
        .order_by(PatientQuestion.asked_at)))
    alerts = list(await session.scalars(
        select(SafetyAlert).where(SafetyAlert.patient_id == patient.id)
        .order_by(SafetyAlert.first_at)))
    received = (await session.execute(
        select(Broadcast.text, BroadcastRecipient.status, BroadcastRecipient.sent_at)
        .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
        .where(BroadcastRecipient.patient_id == patient.id)
        .order_by(BroadcastRecipient.id))).all()
    return {
        "you": _plain(patient),
        "appointments": [
            _plain(appointment) | {
                "messages": [_plain(m) for m in messages if m.appointment_id == appointment.id],
                "check_in_answers": [_plain(a) for a in answers
                                     if a.appointment_id == appointment.id]}
            for appointment in appointments],
        "questions": [_plain(question) for question in questions],
        "warning_signs_told_to_staff": [
            _plain(alert) | {"signs": alert.signs.split("\n"),
                             "your_words": [{"at": item.at, "text": item.text}
                                            for item in quotes_of(alert)]}
            for alert in alerts],
        "clinic_updates": [{"text": text, "status": status, "sent_at": _value(sent_at)}
                           for text, status, sent_at in received],
    }


async def forget(session: AsyncSession, patient_id: int, now: datetime
                 ) -> list[tuple[int, datetime]]:
    """Delete the patient and, through the database's cascades, their appointments, planned
    messages, check-in answers, questions, safety alerts, invites and broadcast copies. Returns the
    upcoming booked sessions that went with them (number, start), for the staff."""
    upcoming = await upcoming_sessions(session, patient_id, now)
    await session.execute(delete(Patient).where(Patient.id == patient_id))
    return upcoming


async def upcoming_sessions(session: AsyncSession, patient_id: int, now: datetime
                            ) -> list[tuple[int, datetime]]:
    """The patient's booked sessions still to come: (number, start)."""
    rows = await session.execute(
        select(Appointment.id, Appointment.starts_at)
        .where(Appointment.patient_id == patient_id, Appointment.starts_at > now,
               Appointment.status == AppointmentStatus.BOOKED)
        .order_by(Appointment.starts_at))
    return [(number, starts_at) for number, starts_at in rows]


def _plain(row: Base) -> dict[str, Any]:
    return {column.key: _value(getattr(row, column.key))
            for column in row.__table__.columns if column.key not in _INTERNAL}


def _value(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value
