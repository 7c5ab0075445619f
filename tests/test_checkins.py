"""The soreness check-in after a session: one-tap answers, kind replies, a follow-up for
moderate soreness, and the staff alerted at once, exactly once, when it is worrying.

The test's clock moves the day on. Sessions are booked through `bot.appointments.booking.book` (the
path /book and the CSV import take) with a start in the past, since /book refuses those.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.appointments.planning import CheckinOutcome, checkin_outcome
from bot.appointments.timers import reason_to_skip
from bot.core.clock import ManualClock
from bot.core.settings import ClinicSettings
from bot.sending.rate_limit import MAX_RETRIES
from bot.stand_in import ApiError, TelegramStub
from db.models import (
    Appointment,
    AppointmentStatus,
    CheckinAnswer,
    MessageKind,
    MessageStatus,
    Patient,
    PlannedMessage,
    Trend,
    utcnow,
)
from tests.support.bots import Clinic, SettingsFactory, clinic_with
from tests.support.factories import (
    LONDON,
    book_session,
    checked_in,
    consenting_patient,
    until_outcome,
)


@pytest.fixture
async def checking_clinic(telegram: TelegramStub, make_settings: SettingsFactory
                          ) -> AsyncIterator[Clinic]:
    """The check-in two hours after a session (so /today, on the same morning, shows its
    answer) and production's follow-up 48 hours after a moderate answer."""
    morning = datetime(2026, 12, 1, 8, 0, tzinfo=LONDON)
    async with clinic_with(telegram, make_settings(checkin_delay="2h"), ManualClock(morning),
                           short_retry_pauses=True) as running:
        yield running


async def answer(clinic: Clinic) -> CheckinAnswer:
    async with clinic.application.bot_data.services.database.transaction() as session:
        found: CheckinAnswer | None = await session.scalar(select(CheckinAnswer))
    assert found is not None
    return found


async def test_mild_soreness_is_met_with_reassurance_and_no_alert(
    checking_clinic: Clinic,
) -> None:
    clinic = checking_clinic
    ann, checkin = await checked_in(clinic)

    assert "How are you feeling" in checkin.plain and "0 is not at all" in checkin.plain
    assert checkin.button_labels() == [str(score) for score in range(11)]
    await ann.tap_and_see_edit(checkin, "2")
    assert "Soreness: 2/10" in checkin.plain
    assert checkin.button_labels() == ["👍 Better", "➖ Same", "👎 Worse"]
    await ann.tap(checkin, "Better")
    reassured = await ann.next_message()

    assert "common, minor side effect" in reassured.plain
    assert "day or two" not in reassured.plain  # no promise of when it fades
    await clinic.telegram.wait_for(lambda: checkin.buttons() == [], what="buttons removed")
    stored = await answer(clinic)
    assert (stored.score, stored.trend, stored.escalated_at) == (2, Trend.BETTER, None)
    await clinic.staff_chat().no_reply()


async def test_a_high_score_alerts_the_staff_at_once_and_only_once(
    checking_clinic: Clinic,
) -> None:
    clinic = checking_clinic
    ann, checkin = await checked_in(clinic)
    staff = clinic.staff_chat()

    await ann.tap(checkin, "8")
    alert = await staff.next_message()
    first_said = alert.plain
    urgent = await ann.next_message()
    await ann.tap(checkin, "Worse")
    noted = await ann.next_message()
    await clinic.telegram.wait_for(lambda: alert.edits == 1, what="the alert to be updated")

    assert "Check-in needs attention" in first_said
    assert "Ann" in first_said and "8/10" in first_said and "not said yet" in first_said
    assert "8/10, 👎 Worse" in alert.plain and "not said yet" not in alert.plain
    assert "with Dr Chen" in alert.plain
    assert "will contact you soon" in urgent.plain
    assert "In an emergency (trouble breathing" in urgent.plain and "call 999" in urgent.plain
    assert "noted" in noted.plain
    await staff.no_reply()
    stored = await answer(clinic)
    assert stored.score == 8 and stored.trend == Trend.WORSE
    assert stored.escalated_at is not None
    today = await clinic.staff_member().ask("/today")
    assert "Ann (Dr Chen): booked · check-in 8/10, 👎 Worse ⚠️" in today.plain


async def test_worse_alerts_the_staff_even_with_a_moderate_score(
    checking_clinic: Clinic,
) -> None:
    clinic = checking_clinic
    ann, checkin = await checked_in(clinic)

    await ann.tap_and_see_edit(checkin, "4")
    await ann.tap(checkin, "Worse")
    alert = await clinic.staff_chat().next_message()
    urgent = await ann.next_message()

    assert "4/10" in alert.plain and "Worse" in alert.plain
    assert "will contact you soon" in urgent.plain


async def test_moderate_soreness_gets_one_follow_up_check_in_later(
    checking_clinic: Clinic,
) -> None:
    clinic = checking_clinic
    ann, checkin = await checked_in(clinic)

    await ann.tap_and_see_edit(checkin, "5")
    await ann.tap(checkin, "Same")
    promise = await ann.next_message()
    clinic.clock.advance(timedelta(hours=47, minutes=59))
    await ann.no_reply()
    clinic.clock.advance(timedelta(minutes=1))  # FOLLOWUP_DELAY: 48 hours
    followup = await ann.next_message()
    assert "Checking in again" in followup.plain
    await ann.tap_and_see_edit(followup, "5")
    await ann.tap(followup, "Same")
    advice = await ann.next_message()

    assert "We will check on you again" in promise.plain
    assert "has not eased" in advice.plain
    clinic.clock.advance(timedelta(days=10))
    await ann.no_reply()  # no third check-in
    await clinic.staff_chat().no_reply()


async def test_check_in_buttons_are_the_patients_own_and_answered_once(
    checking_clinic: Clinic,
) -> None:
    clinic = checking_clinic
    ann, checkin = await checked_in(clinic)
    score_data = ann.data_for(checkin, "9")
    message_id = score_data.split(":")[1].split("_")[0]
    mallory = clinic.patient("Mallory")
    await mallory.ask("/start")

    for forged in (score_data, f"ckworse:{message_id}", f"cksore:{message_id}_11",
                   f"cksore:{message_id}_x"):
        await mallory.forge(forged)
    await mallory.no_reply()
    await clinic.staff_chat().no_reply()
    await ann.forge(f"ckworse:{message_id}")  # a trend before any score: ignored
    await ann.no_reply()

    await ann.tap_and_see_edit(checkin, "1")
    await ann.forge(score_data, checkin.message_id)  # a stale second score: ignored
    await ann.tap(checkin, "Better")
    await ann.next_message()
    await ann.forge(f"cksame:{message_id}", checkin.message_id)
    already = await ann.next_message()

    assert "already answered" in already.plain
    stored = await answer(clinic)
    assert (stored.score, stored.trend) == (1, Trend.BETTER)


async def test_when_the_staff_chat_cannot_be_told_the_patient_is_asked_to_call(
    checking_clinic: Clinic,
) -> None:
    clinic = checking_clinic
    ann, checkin = await checked_in(clinic)
    # The alert's first try and every one of the limiter's retries (bot/sending/rate_limit.py).
    clinic.telegram.fail_next("sendMessage", ApiError(500, "Internal Server Error"),
                              times=1 + MAX_RETRIES)

    await ann.tap(checkin, "10")
    call_us = await ann.next_message()

    assert "Please contact Lotus & Pine Clinic today" in call_us.plain
    assert (await answer(clinic)).escalated_at is None  # a later answer may alert again


async def test_a_cancelled_session_gets_no_check_in(checking_clinic: Clinic) -> None:
    clinic = checking_clinic
    ann = await consenting_patient(clinic)
    appointment_id = await book_session(clinic, ann, ends_ago=timedelta(hours=-1))
    async with clinic.application.bot_data.services.database.transaction() as session:
        found = await session.get(Appointment, appointment_id)
        assert found is not None
        found.status = AppointmentStatus.CANCELLED

    clinic.clock.advance(timedelta(hours=26))
    checkin = await until_outcome(clinic, MessageKind.CHECKIN)
    await clinic.quiet()
    assert checkin.status == MessageStatus.SKIPPED
    assert not any("How are you feeling" in message.plain
                   for message in clinic.telegram.messages_to(ann.chat_id))


def _message(kind: MessageKind, due_at: datetime) -> PlannedMessage:
    return PlannedMessage(kind=kind, due_at=due_at)


@pytest.mark.parametrize(
    ("kind", "due_ago", "starts_ago", "skipped_because"),
    [
        (MessageKind.CHECKIN, timedelta(hours=5), timedelta(hours=30), None),
        (MessageKind.CHECKIN, timedelta(hours=25), timedelta(hours=50), "too long after"),
        (MessageKind.FOLLOWUP, timedelta(hours=1), timedelta(days=3), None),
        (MessageKind.GUIDE, timedelta(hours=1), timedelta(minutes=1), "already started"),
        (MessageKind.REMINDER, timedelta(minutes=5), timedelta(minutes=-1), None),
    ],
)
def test_messages_due_while_the_bot_was_down_are_sent_only_if_they_still_make_sense(
    kind: MessageKind, due_ago: timedelta, starts_ago: timedelta,
    skipped_because: str | None,
) -> None:
    now = utcnow()
    appointment = Appointment(status=AppointmentStatus.BOOKED, starts_at=now - starts_ago)
    patient = Patient(messages_consent_at=now - timedelta(days=9), unreachable_at=None)

    reason = reason_to_skip(_message(kind, now - due_ago), appointment, patient, now)

    assert (reason is None) if skipped_because is None else skipped_because in (reason or "")


ALERT, REASSURE = CheckinOutcome.ALERT, CheckinOutcome.REASSURE
FOLLOW_UP, SEE_CLINIC = CheckinOutcome.FOLLOW_UP, CheckinOutcome.SEE_CLINIC


@pytest.mark.parametrize(
    ("score", "trend", "followup", "mild_max", "outcome"),
    [
        (7, None, False, 3, ALERT),  # at the threshold: at once, before the trend
        (6, None, False, 3, None),  # below it: wait for the trend
        (0, Trend.WORSE, False, 3, ALERT),  # "worse" at any score
        (3, Trend.SAME, False, 3, REASSURE),
        (4, Trend.BETTER, False, 3, FOLLOW_UP),
        (6, Trend.SAME, True, 3, SEE_CLINIC),  # moderate again on the follow-up
        (4, Trend.BETTER, False, 5, REASSURE),  # the mild limit is a setting
        (10, Trend.BETTER, True, 3, ALERT),
    ],
)
def test_a_check_in_answer_is_judged_in_one_place(
    score: int, trend: Trend | None, followup: bool, mild_max: int,
    outcome: CheckinOutcome | None,
) -> None:
    settings = ClinicSettings(_env_file=None, escalation_threshold=7,
                              checkin_mild_max=mild_max)

    assert checkin_outcome(settings, score, trend, followup=followup) == outcome
