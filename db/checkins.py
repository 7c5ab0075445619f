"""Queries about soreness check-ins and their answers. They take a session and never commit.

An answer is written in two steps, each once: the score (the first tap wins) and then the
trend. `escalated_at` is set by one conditional UPDATE, so staff are alerted once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_for
from db.models import (
    CHECKIN_KINDS,
    Appointment,
    CheckinAnswer,
    MessageKind,
    MessageStatus,
    Patient,
    PlannedMessage,
    Trend,
)


async def checkin_of_user(
    session: AsyncSession, message_id: int, user_id: int
) -> tuple[PlannedMessage, Appointment, Patient] | None:
    """A check-in that was sent to this Telegram user; None for anyone else's or unsent.
    A row still marked sending counts: a quick patient can tap before it is marked sent."""
    row = (await session.execute(
        select(PlannedMessage, Appointment, Patient)
        .join(Appointment, Appointment.id == PlannedMessage.appointment_id)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(PlannedMessage.id == message_id,
               PlannedMessage.kind.in_(CHECKIN_KINDS),
               PlannedMessage.status.in_((MessageStatus.SENDING, MessageStatus.SENT)),
               Patient.telegram_user_id == user_id)
    )).first()
    return (row[0], row[1], row[2]) if row else None


async def answer_to(session: AsyncSession, message_id: int) -> CheckinAnswer | None:
    return await session.scalar(
        select(CheckinAnswer).where(CheckinAnswer.planned_message_id == message_id))


async def record_score(
    session: AsyncSession, message: PlannedMessage, score: int, now: datetime
) -> bool:
    """Store the soreness score; False if this check-in already has one."""
    inserted = await session.scalar(
        insert_for(session, CheckinAnswer)
        .values(planned_message_id=message.id, appointment_id=message.appointment_id,
                score=score, answered_at=now)
        .on_conflict_do_nothing(index_elements=[CheckinAnswer.planned_message_id])
        .returning(CheckinAnswer.id))
    return inserted is not None


async def record_trend(
    session: AsyncSession, message_id: int, trend: Trend, now: datetime
) -> CheckinAnswer | None:
    """Store better/same/worse after the score; None if there is no score yet or a trend
    was already given."""
    answer: CheckinAnswer | None = await session.scalar(
        update(CheckinAnswer)
        .where(CheckinAnswer.planned_message_id == message_id, CheckinAnswer.trend.is_(None))
        .values(trend=trend, answered_at=now)
        .returning(CheckinAnswer))
    return answer


async def mark_escalated(session: AsyncSession, message_id: int, now: datetime) -> bool:
    """Claim the one staff alert for this check-in; False if it was already sent."""
    result = await session.execute(
        update(CheckinAnswer)
        .where(CheckinAnswer.planned_message_id == message_id,
               CheckinAnswer.escalated_at.is_(None))
        .values(escalated_at=now)
        .returning(CheckinAnswer.id))
    return result.first() is not None


async def record_checkin_alert(session: AsyncSession, message_id: int, chat_id: int,
                               staff_message_id: int) -> None:
    """Where the staff chat's alert for this check-in is, to edit it later."""
    await session.execute(
        update(CheckinAnswer).where(CheckinAnswer.planned_message_id == message_id)
        .values(staff_chat_id=chat_id, staff_message_id=staff_message_id))


async def unmark_escalated(session: AsyncSession, message_id: int) -> None:
    """The staff alert did not go out; let a later worrying answer try again."""
    await session.execute(
        update(CheckinAnswer)
        .where(CheckinAnswer.planned_message_id == message_id)
        .values(escalated_at=None))


async def plan_followup(session: AsyncSession, appointment_id: int, due_at: datetime
                        ) -> int | None:
    """Plan the appointment's one follow-up check-in; None if it already has one."""
    planned: int | None = await session.scalar(
        insert_for(session, PlannedMessage)
        .values(appointment_id=appointment_id, kind=MessageKind.FOLLOWUP, due_at=due_at,
                status=MessageStatus.PENDING, attempts=0)
        .on_conflict_do_nothing(index_elements=[PlannedMessage.appointment_id,
                                                PlannedMessage.kind])
        .returning(PlannedMessage.id))
    return planned
