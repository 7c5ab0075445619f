"""Booking, and the "what to expect" guide sent once at the right time, across restarts.

Lead times are seconds here, through the same scheduler production uses.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.planning import message_plan
from db.models import MessageKind, MessageStatus, PlannedMessage, utcnow
from db.planned import claim_message
from db.session import Database
from tests.conftest import Clinic, SettingsFactory, running_bot
from tests.telegram_stub import Chat, TelegramStub

LONDON = ZoneInfo("Europe/London")


def clinic_time(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S")


def fast(make_settings: SettingsFactory, **overrides: object) -> Settings:
    # REMINDER_LEAD=0s: the reminder falls due at the start and is skipped, so these tests
    # see the guide alone (tests/test_reminders.py covers the reminder).
    values: dict[str, object] = {"pre_session_lead": "3s", "reminder_lead": "0s",
                                 "scheduler_topup_interval": "1s"}
    return make_settings(**(values | overrides))


async def consenting_patient(clinic: Clinic, name: str = "Ann") -> Chat:
    patient = clinic.patient(name, username=f"{name.lower()}_p")
    welcome = await patient.ask("/start")
    await patient.tap(welcome, "send me reminders")
    await patient.next_message()
    return patient


async def planned(settings: Settings, kind: MessageKind) -> list[PlannedMessage]:
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            return list(await session.scalars(
                select(PlannedMessage).where(PlannedMessage.kind == kind)))
    finally:
        await database.dispose()


async def test_the_guide_arrives_at_its_lead_time_once_with_the_seed_facts(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    settings = fast(make_settings)
    async with running_bot(settings) as app:
        clinic = Clinic(telegram, app)
        ann = await consenting_patient(clinic)
        # /book takes whole seconds, so the booked start is truncated to them.
        starts = (utcnow() + timedelta(seconds=6)).replace(microsecond=0)

        booked = await clinic.staff_member().ask(
            f"/book @ann_p {clinic_time(starts)} 45 Dr Chen")
        guide = await ann.next_message(timeout=10)
        arrived = utcnow()
        await asyncio.sleep((starts - utcnow()).total_seconds() + 1.5)

    assert "Booked #1, Ann" in booked.plain and "45 minutes, with Dr Chen" in booked.plain
    assert starts - timedelta(seconds=3) <= arrived < starts - timedelta(seconds=1.5)
    for fact in ("talking through your symptoms", "slight pinch", "warm, tingling",
                 "30 to 60 minutes", "relax"):
        assert fact in guide.plain
    assert "with Dr Chen" in guide.plain
    assert starts.astimezone(LONDON).strftime("%H:%M") in guide.plain
    assert len(telegram.messages_to(ann.chat_id)) == 3  # welcome, consent thanks, guide
    [message] = await planned(settings, MessageKind.GUIDE)
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert message.telegram_message_id == guide.message_id


async def test_a_late_booking_gets_the_guide_at_once_and_a_too_late_one_none(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    async with running_bot(fast(make_settings, pre_session_lead="24h")) as app:
        clinic = Clinic(telegram, app)
        ann = await consenting_patient(clinic, "Ann")
        bob = await consenting_patient(clinic, "Bob")
        staff = clinic.staff_member()

        await staff.ask(f"/book @ann_p {clinic_time(utcnow() + timedelta(hours=2))}")
        guide = await ann.next_message(timeout=5)
        too_soon = await staff.ask(
            f"/book @bob_p {clinic_time(utcnow() + timedelta(minutes=30))}")
        await bob.no_reply(1.5)

    assert "Getting ready for your session" in guide.plain
    assert "too soon" in too_soon.plain


async def test_a_guide_due_while_the_bot_was_down_is_sent_once_when_it_returns(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    settings = fast(make_settings, pre_session_lead="6s")
    async with running_bot(settings) as app:
        clinic = Clinic(telegram, app)
        ann = await consenting_patient(clinic)
        starts = utcnow() + timedelta(seconds=9)
        await clinic.staff_member().ask(f"/book @ann_p {clinic_time(starts)}")
    await asyncio.sleep(4)  # the guide falls due (at start - 6 s) while nothing runs

    async with running_bot(settings):
        guide = await ann.next_message(timeout=5)
    async with running_bot(settings):  # and a third start sends nothing again
        await ann.no_reply(1.5)

    assert "Getting ready" in guide.plain
    [message] = await planned(settings, MessageKind.GUIDE)
    assert message.status == MessageStatus.SENT


async def test_a_guide_that_no_longer_makes_sense_is_skipped_and_logged(
    telegram: TelegramStub, make_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    settings = fast(make_settings, pre_session_lead="2s")
    async with running_bot(settings) as app:
        clinic = Clinic(telegram, app)
        ann = await consenting_patient(clinic)
        starts_at = utcnow() + timedelta(seconds=6)  # room for a slow, busy test machine
        booked = await clinic.staff_member().ask(f"/book @ann_p {clinic_time(starts_at)}")
    assert "Booked" in booked.plain
    # The session starts while the bot is down.
    await asyncio.sleep((starts_at - utcnow()).total_seconds() + 0.5)

    with caplog.at_level(logging.INFO):
        async with running_bot(settings):
            await ann.no_reply(1.5)

    [message] = await planned(settings, MessageKind.GUIDE)
    assert message.status == MessageStatus.SKIPPED
    assert message.outcome == "the session has already started"
    assert "skipped: the session has already started" in caplog.text


async def test_no_guide_without_consent(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    settings = fast(make_settings)
    async with running_bot(settings) as app:
        clinic = Clinic(telegram, app)
        ann = clinic.patient("Ann", username="ann_p")
        await ann.ask("/start")
        starts_at = utcnow() + timedelta(seconds=6)  # room for a slow, busy test machine
        booked = await clinic.staff_member().ask(f"/book {ann.user.id} {clinic_time(starts_at)}")
        assert "Booked" in booked.plain
        # The guide falls due 3 s before the start; give it a second and a half more.
        await ann.no_reply((starts_at - utcnow()).total_seconds() - 1.5)

    [message] = await planned(settings, MessageKind.GUIDE)
    assert message.status == MessageStatus.SKIPPED
    assert message.outcome == "patient has not agreed to messages"


async def test_two_senders_racing_for_one_message_claim_it_once(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    settings = fast(make_settings, scheduler_topup_interval="1h", pre_session_lead="1h")
    async with running_bot(settings) as app:
        clinic = Clinic(telegram, app)
        await consenting_patient(clinic)
        await clinic.staff_member().ask(
            f"/book @ann_p {clinic_time(utcnow() + timedelta(hours=3))}")
    [message] = await planned(settings, MessageKind.GUIDE)

    first, second = Database(settings.database_url), Database(settings.database_url)

    async def claim(database: Database) -> bool:
        async with database.transaction() as session:
            return await claim_message(session, message.id, utcnow()) is not None

    results = await asyncio.gather(claim(first), claim(second), claim(first), claim(second))
    await first.dispose()
    await second.dispose()
    assert sorted(results) == [False, False, False, True]


async def test_book_is_for_staff_and_explains_itself(clinic: Clinic) -> None:
    ann = clinic.patient("Ann", username="ann_p")
    await ann.ask("/start")
    staff = clinic.staff_member()
    later = clinic_time(utcnow() + timedelta(days=2))

    refused = await ann.ask(f"/book @ann_p {later}")
    usage = await staff.ask("/book @ann_p tomorrow")
    unknown = await staff.ask(f"/book @nobody {later}")
    past = await staff.ask("/book @ann_p 2020-01-01 10:00")

    assert "I don't know that command" in refused.plain
    assert "/book PATIENT YYYY-MM-DD HH:MM" in usage.plain
    assert "No patient @nobody is known yet" in unknown.plain
    assert "already passed" in past.plain


@pytest.mark.parametrize(
    ("starts_in", "guide_in", "reminder_in"),
    [
        (timedelta(days=3), timedelta(days=2), timedelta(days=3, hours=-2)),  # on time
        (timedelta(hours=5), timedelta(0), timedelta(hours=3)),  # late: guide at once
        (timedelta(minutes=30), None, timedelta(0)),  # too late for a guide
    ],
    ids=["ahead", "inside-the-guide-lead", "inside-both-leads"],
)
def test_the_message_plan_for_an_appointment(
    make_settings: SettingsFactory, starts_in: timedelta, guide_in: timedelta | None,
    reminder_in: timedelta,
) -> None:
    settings = make_settings(pre_session_lead="24h", reminder_lead="2h", checkin_delay="24h")
    now = utcnow()

    plan = message_plan(settings, now + starts_in, 45, now)

    assert plan.get(MessageKind.GUIDE) == (None if guide_in is None else now + guide_in)
    assert plan[MessageKind.REMINDER] == now + reminder_in
    assert plan[MessageKind.CHECKIN] == now + starts_in + timedelta(minutes=45, hours=24)
