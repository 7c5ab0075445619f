"""A patient who blocked the bot is marked unreachable and not tried again, until they
write to the bot again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from db.models import MessageKind, MessageStatus, Patient, PlannedMessage, utcnow
from tests.conftest import Clinic, SettingsFactory, running_bot
from tests.telegram_stub import BOT_USERNAME, Chat, TelegramStub
from tests.test_appointments import clinic_time, consenting_patient


async def patient_record(clinic: Clinic, user_id: int) -> Patient:
    async with clinic.application.bot_data.database.transaction() as session:
        found: Patient | None = await session.scalar(
            select(Patient).where(Patient.telegram_user_id == user_id))
    assert found is not None
    return found


async def test_a_403_marks_the_patient_and_later_messages_are_not_attempted(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    settings = make_settings(pre_session_lead="5s", reminder_lead="3s",
                             scheduler_topup_interval="1s")
    async with running_bot(settings) as app:
        clinic = Clinic(telegram, app)
        ann = await consenting_patient(clinic)
        await clinic.staff_member().ask(
            f"/book @ann_p {clinic_time(utcnow() + timedelta(seconds=7))}")
        telegram.block(ann.user)
        await telegram.wait_for(lambda: any(code == 403 for _, code, _ in telegram.rejections),
                                timeout=8, what="the guide to meet the block")
        await ann.no_reply(3.5)  # the reminder's time passes

        async with app.bot_data.database.transaction() as session:
            rows = {m.kind: m for m in await session.scalars(select(PlannedMessage))}
        patient = await patient_record(clinic, ann.user.id)

    assert patient.unreachable_at is not None
    assert rows[MessageKind.GUIDE].status == MessageStatus.FAILED
    assert rows[MessageKind.GUIDE].outcome == "blocked by patient"
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
    await ann.no_reply(0.3)  # the notices themselves are not answered
