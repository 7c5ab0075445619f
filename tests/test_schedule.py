"""Staff changes (/today, /cancel, /move), the patient's change notices after the settle
delay, one guide and reminder for two sessions on a day, quiet hours and DST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.planning import message_plan, out_of_quiet_hours
from db.models import MessageKind, utcnow
from tests.conftest import STAFF_CHAT_ID, Clinic, SettingsFactory, running_bot
from tests.telegram_stub import BotMessage, Chat, TelegramStub
from tests.test_appointments import LONDON, clinic_time, consenting_patient


@pytest.fixture
async def noticing_clinic(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> AsyncIterator[Clinic]:
    """Notices 2 s after a change; guide and reminder far off (24h, 2h) unless a test
    books inside them."""
    telegram.add_chat({"id": STAFF_CHAT_ID, "type": "supergroup", "title": "Clinic staff"})
    settings = make_settings(change_notice_delay="2s", scheduler_topup_interval="1s")
    async with running_bot(settings) as application:
        yield Clinic(telegram, application)


def in_days(days: int, hour: int = 10, minute: int = 30) -> str:
    day = (utcnow() + timedelta(days=days)).astimezone(LONDON).date()
    return f"{day} {hour:02}:{minute:02}"


async def booked(staff: Chat, patient: Chat, when: str) -> tuple[int, BotMessage]:
    answer = await staff.ask(f"/book @{patient.user.username} {when} 45 Dr Chen")
    number = int(answer.plain.split("#")[1].split(",")[0])
    return number, answer


async def test_a_booking_is_announced_after_the_settle_delay(noticing_clinic: Clinic) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)

    await booked(clinic.staff_member(), ann, in_days(3))
    await ann.no_reply(1.0)  # still settling
    notice = await ann.next_message(timeout=4)
    calendar = await ann.next_message()

    assert "You are booked in" in notice.plain
    assert "10:30" in notice.plain and "45 minutes" in notice.plain and "Dr Chen" in notice.plain
    assert calendar.method == "sendDocument"
    await ann.no_reply(2.5)


async def test_a_booking_cancelled_within_the_delay_sends_nothing(
    noticing_clinic: Clinic,
) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()

    number, _ = await booked(staff, ann, in_days(3))
    done = await staff.ask(f"/cancel {number}")

    assert f"Cancelled #{number}" in done.plain
    await ann.no_reply(4.5)


async def test_a_move_is_announced_with_old_and_new_times_and_a_move_back_is_not(
    noticing_clinic: Clinic,
) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()
    number, _ = await booked(staff, ann, in_days(3))
    await ann.next_message(timeout=5)  # booked notice
    await ann.next_message()  # and its calendar file

    moved = await staff.ask(f"/move #{number} {in_days(4, 15, 0)}")
    notice = await ann.next_message(timeout=5)
    await ann.next_message()  # the updated calendar file
    await staff.ask(f"/move {number} {in_days(3)}")
    await staff.ask(f"/move {number} {in_days(4, 15, 0)}")  # and back within the delay

    assert f"Moved #{number}" in moved.plain
    assert "Your session has moved" in notice.plain
    assert "10:30" in notice.plain and "15:00" in notice.plain
    await ann.no_reply(4)


async def test_a_staff_cancellation_is_announced_and_stops_the_messages(
    noticing_clinic: Clinic,
) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()
    number, _ = await booked(staff, ann, in_days(3))
    await ann.next_message(timeout=5)
    await ann.next_message()  # its calendar file

    await staff.ask(f"/cancel {number}")
    notice = await ann.next_message(timeout=5)
    again = await staff.ask(f"/cancel {number}")

    assert "has been cancelled" in notice.plain and "10:30" in notice.plain
    assert f"no open appointment #{number}" in again.plain


async def test_staff_commands_explain_themselves_and_are_for_staff_only(
    noticing_clinic: Clinic,
) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()

    for command in ("/cancel", "/move 1", "/cancel twelve", "/move 1 tomorrow 10:00"):
        assert "<" not in (await staff.ask(command)).plain
    for command in ("/today", "/cancel 1", "/move 1 2030-01-01 10:00"):
        assert "I don't know that command" in (await ann.ask(command)).plain
    missing = await staff.ask("/cancel 999")
    assert "no open appointment #999" in missing.plain


async def test_today_lists_the_days_appointments_with_status(noticing_clinic: Clinic) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic, "Ann")
    bob = await consenting_patient(clinic, "Bob")
    staff = clinic.staff_member()
    empty = await staff.ask("/today")
    soon = utcnow() + timedelta(minutes=10)
    if soon.astimezone(LONDON).date() != utcnow().astimezone(LONDON).date():
        pytest.skip("too close to midnight in London for a same-day booking")
    first, _ = await booked(staff, ann, clinic_time(soon)[:16])
    second, _ = await booked(staff, bob, clinic_time(soon + timedelta(minutes=5))[:16])
    await staff.ask(f"/cancel {second}")

    listing = await staff.ask("/today")

    assert "No appointments today" in empty.plain
    lines = listing.plain.splitlines()
    assert lines[0].startswith("Today,")
    assert f"#{first}" in lines[1] and "Ann" in lines[1] and "booked" in lines[1]
    assert f"#{second}" in lines[2] and "Bob" in lines[2] and "cancelled" in lines[2]


async def test_two_sessions_on_one_day_share_one_guide_and_one_reminder(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    settings = make_settings(pre_session_lead="5s", reminder_lead="4s",
                             change_notice_delay="1h", scheduler_topup_interval="1s")
    async with running_bot(settings) as app:
        clinic = Clinic(telegram, app)
        ann = await consenting_patient(clinic)
        first = (utcnow() + timedelta(seconds=8)).replace(microsecond=0)
        if first.astimezone(LONDON).date() != (first + timedelta(seconds=4)).astimezone(
                LONDON).date():
            pytest.skip("the two sessions would straddle midnight in London")
        staff = clinic.staff_member()
        await staff.ask(f"/book @ann_p {clinic_time(first + timedelta(seconds=4))} 30 Dr Lee")
        await staff.ask(f"/book @ann_p {clinic_time(first)} 30 Dr Chen")

        guide = await ann.next_message(timeout=8)
        reminder = await ann.next_message(timeout=4)
        await ann.no_reply(5)

    local = first.astimezone(LONDON)
    later = (first + timedelta(seconds=4)).astimezone(LONDON)
    assert "Getting ready" in guide.plain and "Reminder" in reminder.plain
    for message in (guide, reminder):
        assert f"at {local:%H:%M} and {later:%H:%M}" in message.plain
        assert "Dr Chen and Dr Lee" in message.plain


@pytest.mark.parametrize(
    ("due", "moved_to"),
    [
        ("2026-12-01 22:30", "2026-12-02 08:00"),  # evening: to the morning
        ("2026-12-02 06:15", "2026-12-02 08:00"),  # early morning: to 08:00 the same day
        ("2026-12-02 12:00", "2026-12-02 12:00"),  # daytime: unchanged
        ("2027-03-28 02:30", "2027-03-28 08:00"),  # the night clocks go forward
        ("2027-10-30 23:00", "2027-10-31 08:00"),  # the night clocks go back
    ],
)
def test_quiet_hours_move_messages_to_the_morning_in_clinic_time(
    make_settings: SettingsFactory, due: str, moved_to: str
) -> None:
    settings = make_settings(quiet_hours="21:00-08:00")
    due_at = datetime.fromisoformat(due).replace(tzinfo=LONDON)

    moved = out_of_quiet_hours(settings, due_at)

    assert moved.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") == moved_to


def test_a_reminder_is_never_moved_past_the_session(make_settings: SettingsFactory) -> None:
    settings = make_settings(quiet_hours="21:00-08:00", reminder_lead="2h",
                             pre_session_lead="24h")
    now = datetime(2026, 12, 1, 12, 0, tzinfo=LONDON)
    starts_at = datetime(2026, 12, 2, 7, 30, tzinfo=LONDON)  # reminder due 05:30

    plan = message_plan(settings, starts_at, 30, now)

    # 08:00 would be after the start, so it goes just before the quiet hours began.
    assert plan[MessageKind.REMINDER] == datetime(2026, 12, 1, 20, 59, tzinfo=LONDON)
    assert plan[MessageKind.GUIDE] == now  # inside its lead time: at once
    assert plan[MessageKind.CHECKIN] == datetime(2026, 12, 3, 8, 0, tzinfo=LONDON)


def test_lead_times_are_real_hours_across_a_dst_change(make_settings: SettingsFactory) -> None:
    settings = make_settings(reminder_lead="2h", pre_session_lead="24h", checkin_delay="24h")
    now = datetime(2027, 3, 20, 12, 0, tzinfo=LONDON)
    # Clocks go forward at 01:00 GMT on 28 March 2027: 10:00 that day is 09:00 UTC.
    starts_at = datetime(2027, 3, 28, 10, 0, tzinfo=LONDON)

    plan = message_plan(settings, starts_at, 60, now)

    assert starts_at.utcoffset() == timedelta(hours=1)
    assert starts_at - plan[MessageKind.GUIDE] == timedelta(hours=24)  # real hours
    assert plan[MessageKind.GUIDE].astimezone(LONDON).hour == 9  # so 09:00 GMT the day before
    assert plan[MessageKind.REMINDER].astimezone(LONDON).hour == 8
    assert plan[MessageKind.CHECKIN] - starts_at == timedelta(hours=25)
