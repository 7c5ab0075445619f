"""Group commit (db/group_commit.py) with the typed-question writer, on both databases:
questions that arrive while one is being committed share the next transaction, each
caller gets its own ids, a patient's second question waits for the next transaction, and
one failing write fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.group_commit import GroupCommit
from db.migrate import upgrade_database_async
from db.models import Patient, PatientQuestion, QuestionStatus, utcnow
from db.patients import TelegramProfile
from db.questions import KeptQuestion, TypedQuestion, record_questions
from db.session import Database

Writer = GroupCommit[TypedQuestion, KeptQuestion]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await upgrade_database_async(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


class CountedWrites:
    """record_questions, noting how many questions each transaction took; it fails a
    transaction that holds a question reading "fail"."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    async def __call__(self, session: AsyncSession, questions: list[TypedQuestion]
                       ) -> list[KeptQuestion]:
        self.batches.append(len(questions))
        kept = await record_questions(session, questions)
        if any(question.text == "fail" for question in questions):
            raise RuntimeError("this write fails")
        return kept


def question(user_id: int, text: str, topic: str | None = "needles") -> TypedQuestion:
    profile = TelegramProfile(user_id=user_id, chat_id=user_id, first_name=f"P{user_id}",
                              last_name=None, username=None, language_code="en")
    return TypedQuestion(profile=profile, text=text, normalized=text.lower(),
                         matched_topic=topic, asked_at=utcnow())


def writer(database: Database, writes: CountedWrites) -> Writer:
    return GroupCommit(database, writes, key=lambda asked: asked.profile.user_id)


async def stored(database: Database) -> dict[int, tuple[int | None, str, str]]:
    """Question id: (Telegram user id of its patient, text, status)."""
    async with database.transaction() as session:
        rows = (await session.execute(
            select(PatientQuestion.id, Patient.telegram_user_id, PatientQuestion.text,
                   PatientQuestion.status)
            .join(Patient, Patient.id == PatientQuestion.patient_id))).all()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


async def test_questions_asked_during_a_commit_share_the_next(database: Database) -> None:
    writes = CountedWrites()
    log = writer(database, writes)
    asked = [question(1000 + n, f"question {n}", None if n % 3 else "needles")
             for n in range(41)]

    first = asyncio.create_task(log.submit(asked[0]))
    await asyncio.sleep(0)  # its transaction is under way
    kept = await asyncio.gather(first, *(log.submit(one) for one in asked[1:]))

    # The first went alone, at once; the other 40 queued behind it and went together.
    assert writes.batches == [1, 40]
    # Each caller got the ids of its own question and its own patient.
    rows = await stored(database)
    assert len(rows) == 41
    for one, ids in zip(asked, kept, strict=True):
        status = QuestionStatus.ANSWERED if one.matched_topic else QuestionStatus.NO_MATCH
        assert rows[ids.question_id] == (one.profile.user_id, one.text, status)
    async with database.transaction() as session:
        patient_ids = dict((await session.execute(
            select(Patient.telegram_user_id, Patient.id))).all())
    assert {ids.patient_id for ids in kept} == set(patient_ids.values())
    assert all(patient_ids[one.profile.user_id] == ids.patient_id
               for one, ids in zip(asked, kept, strict=True))


async def test_a_patients_second_question_waits_for_the_next_commit(
    database: Database,
) -> None:
    writes = CountedWrites()
    log = writer(database, writes)
    first = question(7, "does it hurt?")
    earlier = first.asked_at
    again = question(7, "and afterwards?")
    renamed = TypedQuestion(
        profile=TelegramProfile(7, 7, "Ann", "Lee", "ann", "en"), text="and later?",
        normalized="and later?", matched_topic=None, asked_at=earlier + timedelta(seconds=5))

    kept = await asyncio.gather(log.submit(first), log.submit(again), log.submit(renamed))

    assert writes.batches == [1, 1, 1]
    assert len({ids.question_id for ids in kept}) == 3
    assert len({ids.patient_id for ids in kept}) == 1
    async with database.transaction() as session:
        patient = (await session.scalars(select(Patient))).one()
    # One record for the patient, refreshed by the later update, first seen kept.
    assert (patient.first_name, patient.last_name, patient.username) == ("Ann", "Lee", "ann")
    assert patient.first_seen_at.replace(tzinfo=None) == earlier.replace(tzinfo=None)


async def test_one_failing_write_fails_alone(database: Database) -> None:
    writes = CountedWrites()
    log = writer(database, writes)
    blocker = asyncio.create_task(log.submit(question(1, "first")))
    await asyncio.sleep(0)  # its transaction is under way; the next ones queue
    queued = [asyncio.create_task(log.submit(question(10 + n, "fail" if n == 2 else f"q{n}")))
              for n in range(5)]

    await blocker
    outcomes = await asyncio.gather(*queued, return_exceptions=True)

    assert isinstance(outcomes[2], RuntimeError)
    assert all(isinstance(outcome, KeptQuestion)
               for n, outcome in enumerate(outcomes) if n != 2)
    # The batch of five was rolled back, then each tried on its own.
    assert writes.batches == [1, 5, 1, 1, 1, 1, 1]
    texts = sorted(text for _, text, _ in (await stored(database)).values())
    assert texts == ["first", "q0", "q1", "q3", "q4"]


async def test_a_lone_question_does_not_wait(database: Database) -> None:
    writes = CountedWrites()
    log = writer(database, writes)
    for n in range(3):
        kept = await log.submit(question(50 + n, f"alone {n}"))
        assert (await stored(database))[kept.question_id][1] == f"alone {n}"
    assert writes.batches == [1, 1, 1]
