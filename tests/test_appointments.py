"""Booking, and the "what to expect" guide sent once at the right time, across restarts.

Lead times are production's (24 hours), on the test's clock: it moves when the test says,
and what falls due runs through the same scheduler production uses.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.appointments.planning import message_plan
from bot.core.clock import ManualClock
from bot.stand_in import TelegramStub
from db.models import MessageKind, MessageStatus, utcnow
from db.patients import TelegramProfile, register_patient
from db.planned import claim_message
from db.session import Database
from tests.support.bots import Clinic, SettingsFactory, clinic_with, running_bot
from tests.support.factories import (
    LONDON,
    clinic_time,
    consenting_patient,
    in_days,
    planned,
    until_outcome,
)


async def test_the_guide_arrives_at_its_lead_time_once_with_the_seed_facts(
    clinic: Clinic,
) -> None:
    """PRE_SESSION_LEAD (24h) before the start, not a moment before, and once."""
    ann = await consenting_patient(clinic)
    starts = in_days(clinic, 3)

    booked = await clinic.staff_member().ask(f"/book @ann_p {clinic_time(starts)} 45 Dr Chen")
    clinic.clock.advance(timedelta(minutes=3))  # CHANGE_NOTICE_DELAY
    notice, calendar = await ann.next_message(), await ann.next_message()
    clinic.clock.advance_to(starts - timedelta(hours=24, minutes=1))
    await ann.no_reply()
    clinic.clock.advance(timedelta(minutes=1))
    guide = await ann.next_message()
    clinic.clock.advance(timedelta(hours=21, minutes=59))  # up to just before the reminder
    await ann.no_reply()

    assert "Booked #1, Ann" in booked.plain and "45 minutes, with Dr Chen" in booked.plain
    assert "You are booked in" in notice.plain and calendar.document is not None
    for fact in ("talking through your symptoms", "slight pinch", "warm, tingling",
                 "30 to 60 minutes", "relax"):
        assert fact in guide.plain
    assert "with Dr Chen" in guide.plain
    assert starts.astimezone(LONDON).strftime("%H:%M") in guide.plain
    [message] = await planned(clinic.application.bot_data.settings, MessageKind.GUIDE)
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert message.sent_at == starts - timedelta(hours=24)  # exactly at its time
    assert message.telegram_message_id == guide.message_id


async def test_a_late_booking_gets_the_guide_at_once_and_a_too_late_one_none(
    clinic: Clinic,
) -> None:
    ann = await consenting_patient(clinic, "Ann")
    bob = await consenting_patient(clinic, "Bob")
    staff = clinic.staff_member()

    # Inside the guide's 24 h lead, outside the reminder's 2 h: the guide alone, as soon
    # as the "you are booked" notice that announces it has gone (CHANGE_NOTICE_DELAY).
    # (At exactly two hours both would be due, in no set order.)
    await staff.ask(f"/book @ann_p {clinic_time(clinic.now() + timedelta(hours=3))}")
    too_soon = await staff.ask(f"/book @bob_p {clinic_time(clinic.now() + timedelta(minutes=30))}")
    clinic.clock.advance(timedelta(minutes=3, seconds=1))  # the notices are due
    await ann.next_message_with("You are booked in")
    await bob.next_message_with("You are booked in")
    clinic.clock.advance(timedelta(seconds=5))  # then what they announce
    guide = await ann.next_message_with("Getting ready for your session")
    reminder = await bob.next_message_with("Reminder")
    await bob.no_reply()

    for chat, last in ((ann, guide), (bob, reminder)):  # the notice (and its calendar file)
        sent = [message.plain for message in clinic.telegram.messages_to(chat.chat_id)]
        assert "You are booked in" in sent[0] and last.plain in sent[1:], sent
    assert "too soon" in too_soon.plain


async def test_a_guide_due_while_the_bot_was_down_is_sent_once_when_it_returns(
    telegram: TelegramStub, make_settings: SettingsFactory, clock: ManualClock,
) -> None:
    settings = make_settings(change_notice_delay="1h")
    async with clinic_with(telegram, settings, clock) as clinic:
        ann = await consenting_patient(clinic)
        starts = in_days(clinic, 3)
        await clinic.staff_member().ask(f"/book @ann_p {clinic_time(starts)}")
    clock.advance_to(starts - timedelta(hours=23))  # the guide fell due while nothing ran

    async with running_bot(settings, clock):
        # The booking notice (and its calendar file) fell due too.
        arrived = [await ann.next_message() for _ in range(3)]
    async with running_bot(settings, clock):  # and a third start sends nothing again
        await ann.no_reply()

    assert sum("Getting ready" in message.plain for message in arrived) == 1
    [message] = await planned(settings, MessageKind.GUIDE)
    assert message.status == MessageStatus.SENT and message.sent_at == clock.now()


async def test_a_guide_that_no_longer_makes_sense_is_skipped_and_logged(
    telegram: TelegramStub, make_settings: SettingsFactory, clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(change_notice_delay="1h")
    async with clinic_with(telegram, settings, clock) as clinic:
        ann = await consenting_patient(clinic)
        starts = in_days(clinic, 3)
        booked = await clinic.staff_member().ask(f"/book @ann_p {clinic_time(starts)}")
    assert "Booked" in booked.plain
    clock.advance_to(starts + timedelta(minutes=5))  # the session started while it was down

    with caplog.at_level(logging.INFO):
        async with running_bot(settings, clock) as app:
            await Clinic(telegram, app).telegram.wait_for(
                lambda: "the session has already started" in caplog.text,
                what="the guide to be skipped")
            await ann.no_reply()

    [message] = await planned(settings, MessageKind.GUIDE)
    assert message.status == MessageStatus.SKIPPED
    assert message.outcome == "the session has already started"
    assert "skipped: the session has already started" in caplog.text


async def test_no_guide_without_consent(clinic: Clinic) -> None:
    ann = clinic.patient("Ann", username="ann_p")
    await ann.ask("/start")
    starts = in_days(clinic, 3)
    booked = await clinic.staff_member().ask(f"/book {ann.user.id} {clinic_time(starts)}")
    assert "Booked" in booked.plain

    clinic.clock.advance_to(starts - timedelta(hours=24))
    guide = await until_outcome(clinic, MessageKind.GUIDE)
    await ann.no_reply()

    assert guide.status == MessageStatus.SKIPPED
    assert guide.outcome == "patient has not agreed to messages"


async def test_two_senders_racing_for_one_message_claim_it_once(clinic: Clinic) -> None:
    await consenting_patient(clinic)
    await clinic.staff_member().ask(f"/book @ann_p {clinic_time(in_days(clinic, 3))}")
    settings = clinic.application.bot_data.settings
    [message] = await planned(settings, MessageKind.GUIDE)

    first, second = Database(settings.database_url), Database(settings.database_url)

    async def claim(database: Database) -> bool:
        async with database.transaction() as session:
            return await claim_message(session, message.id, clinic.now(),
                                         "another:1:process") is not None

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


async def test_a_username_two_records_share_names_the_one_seen_last(clinic: Clinic) -> None:
    """Telegram usernames move: Ann gave up @ann_lee, Bea took it, and Ann's record (who
    has not written since) still says @ann_lee. The staff mean Bea."""
    now = clinic.now()
    async with clinic.application.bot_data.services.database.transaction() as session:
        for user_id, name, seen in ((61, "Ann", now - timedelta(days=30)), (62, "Bea", now),
                                    (63, "Cy", now - timedelta(days=60))):
            await register_patient(session, TelegramProfile(
                user_id, user_id, name, None, "ann_lee" if name != "Cy" else "ANN_LEE",
                "en"), seen)
    staff = clinic.staff_member()

    booked = await staff.ask(f"/book @Ann_Lee {clinic_time(in_days(clinic, 3))}")
    too_long = await staff.ask(f"/book {'9' * 30} {clinic_time(in_days(clinic, 3))}")

    assert "Bea" in booked.plain and "Ann" not in booked.plain
    assert "No patient" in too_long.plain


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
