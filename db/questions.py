"""Queries about the questions patients type. They take a session and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Patient, PatientQuestion, QuestionStatus


async def record_question(
    session: AsyncSession,
    *,
    patient_id: int,
    text: str,
    normalized: str,
    matched_topic: str | None,
    now: datetime,
) -> int:
    """Keep a typed question; its id. One INSERT, without the ORM's unit of work: this
    runs for most updates the bot gets."""
    status = QuestionStatus.ANSWERED if matched_topic else QuestionStatus.NO_MATCH
    question_id: int = (await session.execute(
        insert(PatientQuestion).values(
            patient_id=patient_id, text=text, normalized=normalized[:500],
            matched_topic=matched_topic, status=status, asked_at=now)
        .returning(PatientQuestion.id))).scalar_one()
    return question_id


async def claim_for_staff(
    session: AsyncSession, question_id: int, user_id: int, now: datetime
) -> PatientQuestion | None:
    """Mark the asker's own question as handed to staff, once. None if it is not theirs,
    does not exist, or was handed over already."""
    owner = select(Patient.id).where(Patient.telegram_user_id == user_id).scalar_subquery()
    statement = (
        update(PatientQuestion)
        .where(
            PatientQuestion.id == question_id,
            PatientQuestion.patient_id == owner,
            PatientQuestion.escalated_at.is_(None),
        )
        .values(
            escalated_at=now,
            status=case(
                (PatientQuestion.status == QuestionStatus.ANSWERED, QuestionStatus.UNHELPFUL),
                else_=PatientQuestion.status,
            ),
        )
        .returning(PatientQuestion)
    )
    return (await session.scalars(statement)).one_or_none()


async def is_own_question(session: AsyncSession, question_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(PatientQuestion.id)
        .join(Patient, Patient.id == PatientQuestion.patient_id)
        .where(PatientQuestion.id == question_id, Patient.telegram_user_id == user_id)
    )
    return found is not None


async def release_claim(session: AsyncSession, question_id: int) -> None:
    """Undo a claim whose staff message could not be sent, so the patient can try again."""
    await session.execute(
        update(PatientQuestion)
        .where(PatientQuestion.id == question_id)
        .values(escalated_at=None)
    )


async def link_staff_message(
    session: AsyncSession, question_id: int, chat_id: int, message_id: int
) -> None:
    await session.execute(
        update(PatientQuestion)
        .where(PatientQuestion.id == question_id)
        .values(staff_chat_id=chat_id, staff_message_id=message_id)
    )


async def question_for_staff_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> tuple[PatientQuestion, Patient] | None:
    row = (
        await session.execute(
            select(PatientQuestion, Patient)
            .join(Patient, Patient.id == PatientQuestion.patient_id)
            .where(
                PatientQuestion.staff_chat_id == chat_id,
                PatientQuestion.staff_message_id == message_id,
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def mark_staff_replied(session: AsyncSession, question_id: int, now: datetime) -> None:
    await session.execute(
        update(PatientQuestion)
        .where(PatientQuestion.id == question_id)
        .values(staff_replied_at=now)
    )


@dataclass(frozen=True)
class UnansweredQuestion:
    example: str
    count: int
    last_asked: datetime
    unhelpful: bool


async def unanswered_questions(session: AsyncSession, limit: int) -> list[UnansweredQuestion]:
    """Questions with no FAQ answer or whose answer did not help, most asked first."""
    unhelpful = func.max(case((PatientQuestion.status == QuestionStatus.UNHELPFUL, 1), else_=0))
    rows = await session.execute(
        select(
            func.max(PatientQuestion.text),
            func.count(),
            func.max(PatientQuestion.asked_at),
            unhelpful,
        )
        .where(PatientQuestion.status.in_([QuestionStatus.NO_MATCH, QuestionStatus.UNHELPFUL]))
        .group_by(PatientQuestion.normalized)
        .order_by(func.count().desc(), func.max(PatientQuestion.asked_at).desc())
        .limit(limit)
    )
    return [
        UnansweredQuestion(example=text, count=count, last_asked=last, unhelpful=bool(flag))
        for text, count, last, flag in rows
    ]
