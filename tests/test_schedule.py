"""Staff changes (/today, /cancel, /move), the patient's change notices after the settle
delay, one guide and reminder for two sessions on a day, quiet hours and DST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.appointments.planning import message_plan, out_of_quiet_hours
from bot.core.clock import ManualClock
from bot.stand_in import BotMessage, Chat, TelegramStub
from db.models import MessageKind
from tests.support.bots import Clinic, SettingsFactory, clinic_with
from tests.support.factories import LONDON, consenting_patient, until_every_one_left_the_queue

# A Tuesday morning in London, far from midnight and from a DST change: "today" and
# "in three days" mean the same on every run.
TUESDAY_MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)


@pytest.fixture
async def noticing_clinic(telegram: TelegramStub, make_settings: SettingsFactory
                          ) -> AsyncIterator[Clinic]:
    """Production's timings (a notice 3 minutes after a change, the guide 24 hours and the
    reminder 2 hours before), on a clock that starts on a Tuesday morning."""
    async with clinic_with(telegram, make_settings(), ManualClock(TUESDAY_MORNING)) as clinic:
        yield clinic


def in_days(clinic: Clinic, days: int, hour: int = 10, minute: int = 30) -> str:
    day = clinic.now().astimezone(LONDON).date() + timedelta(days=days)
    return f"{day} {hour:02}:{minute:02}"


async def booked(staff: Chat, patient: Chat, when: str) -> tuple[int, BotMessage]:
    answer = await staff.ask(f"/book @{patient.user.username} {when} 45 Dr Chen")
    number = int(answer.plain.split("#")[1].split(",")[0])
    return number, answer


async def test_a_booking_is_announced_after_the_settle_delay(noticing_clinic: Clinic) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)

    await booked(clinic.staff_member(), ann, in_days(clinic, 3))
    clinic.clock.advance(timedelta(minutes=2, seconds=58))
    await ann.no_reply()  # still settling
    clinic.clock.advance(timedelta(seconds=2))  # CHANGE_NOTICE_DELAY: 3 minutes
    notice = await ann.next_message()
    calendar = await ann.next_message()

    assert "You are booked in" in notice.plain
    assert "10:30" in notice.plain and "45 minutes" in notice.plain and "Dr Chen" in notice.plain
    assert calendar.method == "sendDocument"
    clinic.clock.advance(timedelta(hours=1))
    await ann.no_reply()


async def test_a_booking_cancelled_within_the_delay_sends_nothing(
    noticing_clinic: Clinic,
) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()

    number, _ = await booked(staff, ann, in_days(clinic, 3))
    clinic.clock.advance(timedelta(minutes=2))
    done = await staff.ask(f"/cancel {number}")
    clinic.clock.advance(timedelta(hours=1))

    assert f"Cancelled #{number}" in done.plain
    await ann.no_reply()


async def test_a_move_is_announced_with_old_and_new_times_and_a_move_back_is_not(
    noticing_clinic: Clinic,
) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()
    number, _ = await booked(staff, ann, in_days(clinic, 3))
    clinic.clock.advance(timedelta(minutes=3))
    await ann.next_message()  # booked notice
    await ann.next_message()  # and its calendar file

    moved = await staff.ask(f"/move #{number} {in_days(clinic, 4, 15, 0)}")
    clinic.clock.advance(timedelta(minutes=3))
    notice = await ann.next_message()
    await ann.next_message()  # the updated calendar file
    await staff.ask(f"/move {number} {in_days(clinic, 3)}")
    clinic.clock.advance(timedelta(minutes=1))
    await staff.ask(f"/move {number} {in_days(clinic, 4, 15, 0)}")  # and back within the delay
    clinic.clock.advance(timedelta(hours=1))

    assert f"Moved #{number}" in moved.plain
    assert "Your session has moved" in notice.plain
    assert "10:30" in notice.plain and "15:00" in notice.plain
    await ann.no_reply()


async def test_a_staff_cancellation_is_announced_and_stops_the_messages(
    noticing_clinic: Clinic,
) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()
    number, _ = await booked(staff, ann, in_days(clinic, 3))
    clinic.clock.advance(timedelta(minutes=3))
    await ann.next_message()
    await ann.next_message()  # its calendar file

    await staff.ask(f"/cancel {number}")
    clinic.clock.advance(timedelta(minutes=3))
    notice = await ann.next_message()
    again = await staff.ask(f"/cancel {number}")
    clinic.clock.advance(timedelta(days=4))  # past the guide, reminder and check-in

    assert "has been cancelled" in notice.plain and "10:30" in notice.plain
    assert f"no open appointment #{number}" in again.plain
    await ann.no_reply()


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
    first, _ = await booked(staff, ann, in_days(clinic, 0, 11, 0))
    second, _ = await booked(staff, bob, in_days(clinic, 0, 11, 5))
    await staff.ask(f"/cancel {second}")

    listing = await staff.ask("/today")

    assert "No appointments today" in empty.plain
    lines = listing.plain.splitlines()
    assert lines[0] == "Today, Tuesday 1 December"
    assert f"#{first}" in lines[1] and "Ann" in lines[1] and "booked" in lines[1]
    assert f"#{second}" in lines[2] and "Bob" in lines[2] and "cancelled" in lines[2]


async def test_two_sessions_on_one_day_share_one_guide_and_one_reminder(
    noticing_clinic: Clinic,
) -> None:
    clinic = noticing_clinic
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()
    await staff.ask(f"/book @ann_p {in_days(clinic, 2, 11, 0)} 30 Dr Lee")
    await staff.ask(f"/book @ann_p {in_days(clinic, 2, 10, 30)} 30 Dr Chen")

    first = datetime.fromisoformat(in_days(clinic, 2, 10, 30)).replace(tzinfo=LONDON)
    clinic.clock.advance_to(first - timedelta(hours=24))  # the guide's time
    await ann.next_message_with("Getting ready")
    clinic.clock.advance_to(first - timedelta(hours=2))  # the reminder's time
    await ann.next_message_with("Reminder")
    clinic.clock.advance_to(first)
    await until_every_one_left_the_queue(clinic, MessageKind.GUIDE, MessageKind.REMINDER)
    guides = [m for m in clinic.telegram.messages_to(ann.chat_id) if "Getting ready" in m.plain]
    reminders = [m for m in clinic.telegram.messages_to(ann.chat_id) if "Reminder" in m.plain]

    assert len(guides) == 1 and len(reminders) == 1
    for message in (*guides, *reminders):
        assert "at 10:30 and 11:00" in message.plain
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
