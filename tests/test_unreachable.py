"""A patient who blocked the bot is marked unreachable and not tried again, until they
write to the bot again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.stand_in import BOT_USERNAME, Chat
from db.models import MessageKind, MessageStatus, Patient, PlannedMessage
from tests.support.bots import Clinic
from tests.support.factories import clinic_time, consenting_patient, in_days, until_outcome


async def patient_record(clinic: Clinic, user_id: int) -> Patient:
    async with clinic.application.bot_data.services.database.transaction() as session:
        found: Patient | None = await session.scalar(
            select(Patient).where(Patient.telegram_user_id == user_id))
    assert found is not None
    return found


async def test_a_403_marks_the_patient_and_later_messages_are_not_attempted(
    clinic: Clinic,
) -> None:
    telegram = clinic.telegram
    ann = await consenting_patient(clinic)
    starts = in_days(clinic, 3)
    await clinic.staff_member().ask(f"/book @ann_p {clinic_time(starts)}")
    telegram.block(ann.user)
    clinic.clock.advance(timedelta(minutes=3))  # the booking notice
    # Until the bot has written down what the 403 meant (the patient unreachable), not
    # only until the stand-in said it: on a busy machine the guide was otherwise tried too.
    await until_outcome(clinic, MessageKind.NOTICE)
    clinic.clock.advance_to(starts - timedelta(hours=24))  # the guide's time
    await until_outcome(clinic, MessageKind.GUIDE)
    clinic.clock.advance_to(starts - timedelta(hours=2))  # the reminder's time
    reminder = await until_outcome(clinic, MessageKind.REMINDER)

    async with clinic.application.bot_data.services.database.transaction() as session:
        rows = {m.kind: m for m in await session.scalars(select(PlannedMessage))}
    patient = await patient_record(clinic, ann.user.id)
    assert reminder.status == MessageStatus.SKIPPED

    assert patient.unreachable_at is not None
    # The notice met the block; the guide was not attempted.
    assert rows[MessageKind.NOTICE].status == MessageStatus.FAILED
    assert rows[MessageKind.NOTICE].outcome == "blocked by patient"
    assert rows[MessageKind.GUIDE].status == MessageStatus.SKIPPED
    assert rows[MessageKind.GUIDE].outcome == "patient has blocked the bot"
    assert rows[MessageKind.REMINDER].status == MessageStatus.SKIPPED
    assert rows[MessageKind.REMINDER].outcome == "patient has blocked the bot"
    assert sum(1 for _, code, _ in telegram.rejections if code == 403) == 1


def membership_change(chat: Chat, status: str) -> dict[str, object]:
    bot = {"id": 123456789, "is_bot": True, "first_name": "Clinic Test Bot",
           "username": BOT_USERNAME}
    return {"my_chat_member": {
        "chat": chat.chat, "from": chat.user.as_json(), "date": 0,
        "old_chat_member": {"user": bot, "status": "member"},
        "new_chat_member": {"user": bot, "status": status, "until_date": 0}}}


async def eventually_unreachable(clinic: Clinic, user_id: int, expected: bool) -> None:
    for _ in range(50):
        if ((await patient_record(clinic, user_id)).unreachable_at is not None) == expected:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"unreachable should be {expected}")


async def test_blocking_unblocking_and_writing_again_are_tracked(clinic: Clinic) -> None:
    ann = clinic.patient()
    await ann.ask("/start")

    await clinic.telegram.push_update(membership_change(ann, "kicked"))
    await eventually_unreachable(clinic, ann.user.id, expected=True)
    await clinic.telegram.push_update(membership_change(ann, "member"))
    await eventually_unreachable(clinic, ann.user.id, expected=False)

    await clinic.telegram.push_update(membership_change(ann, "kicked"))
    await eventually_unreachable(clinic, ann.user.id, expected=True)
    await ann.ask("/start")  # writing to the bot again means it is not blocked
    await eventually_unreachable(clinic, ann.user.id, expected=False)
    await ann.no_reply()  # the notices themselves are not answered
