"""Queries about the questions patients type. They take a session and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Patient, PatientQuestion, QuestionStatus
from db.patients import TelegramProfile, register_patient_ids


@dataclass(frozen=True)
class TypedQuestion:
    """A question as a patient typed it, and the FAQ topic it matched."""

    profile: TelegramProfile
    text: str
    normalized: str
    matched_topic: str | None
    asked_at: datetime


@dataclass(frozen=True)
class KeptQuestion:
    patient_id: int
    question_id: int


async def record_questions(
    session: AsyncSession, questions: list[TypedQuestion]
) -> list[KeptQuestion]:
    """Keep typed questions, one per asker, registering or refreshing each asker: two
    statements however many there are (db/group_commit.py batches them). The ids come
    back in the questions' order."""
    if len({question.profile.user_id for question in questions}) != len(questions):
        raise ValueError("record_questions takes one question per asker")
    patient_ids = await register_patient_ids(
        session, [(question.profile, question.asked_at) for question in questions])
    rows = [
        {
            "patient_id": patient_ids[question.profile.user_id],
            "text": question.text,
            "normalized": question.normalized[:500],
            "matched_topic": question.matched_topic,
            "status": (QuestionStatus.ANSWERED if question.matched_topic
                       else QuestionStatus.NO_MATCH),
            "asked_at": question.asked_at,
        }
        for question in questions
    ]
    # The rows go as parameters to one statement (sent as one multi-row INSERT). There is
    # one question per patient here, so the patient says which id is whose: RETURNING's
    # order is not promised.
    table = cast(Table, PatientQuestion.__table__)
    connection = await session.connection()
    inserted = await connection.execute(
        insert(table).returning(table.c.patient_id, table.c.id), rows)
    question_ids = {patient_id: question_id for patient_id, question_id in inserted.all()}
    return [KeptQuestion(patient_ids[question.profile.user_id],
                         question_ids[patient_ids[question.profile.user_id]])
            for question in questions]


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
