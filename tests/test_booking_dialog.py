"""/book without arguments: the guided booking with buttons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.stand_in import Chat, User
from db.models import Appointment, utcnow
from tests.support.bots import Clinic
from tests.support.factories import LONDON, clinic_time, consenting_patient


async def test_staff_book_a_session_with_buttons(clinic: Clinic) -> None:
    await consenting_patient(clinic, "Ann")
    staff = clinic.staff_member()
    later = utcnow() + timedelta(days=3)
    await staff.ask(f"/book @ann_p {clinic_time(later + timedelta(days=1))[:16]} 30 Dr Lee")

    who = await staff.ask("/book")
    unknown = await staff.ask("@nobody")
    days = await staff.ask("@ann_p")
    days_text = days.plain
    await staff.tap_and_see_edit(days, f"{later.astimezone(LONDON):%a %d}")
    times_text = days.plain
    await staff.tap(days, "10:30")
    length = await staff.next_message()
    await staff.tap_and_see_edit(length, "45")
    practitioner_labels = length.button_labels()
    await staff.tap(length, "Dr Lee")
    summary = await staff.next_message()
    await staff.tap(summary, "Book it")
    booked = await staff.next_message()

    assert "Who is it for?" in who.plain and who.button_labels() == ["✖ Stop"]
    assert "No patient @nobody is known yet" in unknown.plain
    assert "Booking for Ann (@ann_p). Which day?" in days_text
    assert "what time?" in times_text
    assert practitioner_labels == ["Dr Lee", "your practitioner", "✖ Stop"]
    assert "Book this?" in summary.plain and "10:30, 45 minutes, with Dr Lee" in summary.plain
    assert "Booked #2, Ann" in booked.plain and "10:30, 45 minutes, with Dr Lee" in booked.plain


async def test_a_typed_time_and_practitioner_work_and_stop_ends_the_dialog(
    clinic: Clinic,
) -> None:
    await consenting_patient(clinic, "Ann")
    staff = clinic.staff_member()
    later = utcnow() + timedelta(days=2)

    await staff.ask("/book")
    days = await staff.ask("@ann_p")
    await staff.tap_and_see_edit(days, f"{later.astimezone(LONDON):%a %d}")
    again = await staff.ask("quarter past two")
    length = await staff.ask("14:15")
    await staff.tap_and_see_edit(length, "60")
    summary = await staff.ask("Dr Okafor")
    summary_text = summary.plain
    await staff.tap_and_see_edit(summary, "Stop")
    after = await staff.ask("/book")

    assert "type it like 14:15" in again.plain
    assert "14:15, 60 minutes, with Dr Okafor" in summary_text
    assert "Booking stopped; nothing was booked" in summary.plain
    assert "Who is it for?" in after.plain
    async with clinic.application.bot_data.services.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Appointment)) == 0


async def test_patients_cannot_start_the_dialog(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")
    answer = await ann.ask("/book")
    assert "I don't know that command" in answer.plain
    followup = await ann.ask("@ann_p")
    assert "Which day?" not in followup.plain


async def test_a_username_names_whoever_has_it_now_and_a_typed_name_is_a_name(
    clinic: Clinic,
) -> None:
    """Ann gave up @ann_p and Bob took it; each has only sent /help since. /book @ann_p
    booked Ann (usernames were refreshed on some updates only); and in the guided /book
    a typed "Ann Lee" was read as the username "Ann"."""
    ann = await consenting_patient(clinic, "Ann")
    bob = await consenting_patient(clinic, "Bob")
    ann_now = Chat(clinic.telegram, User(ann.user.id, "Ann", "Lee", username="ann_lee"))
    bob_now = Chat(clinic.telegram, User(bob.user.id, "Bob", "Ray", username="ann_p"))
    await ann_now.ask("/help")
    await bob_now.ask("/help")
    staff = clinic.staff_member()
    starts = clinic_time(utcnow() + timedelta(days=2))

    booked = await staff.ask(f"/book @ann_p {starts}")
    await staff.ask("/book")
    by_name = await staff.ask("ann  lee")

    assert "Booked #1, Bob Ray (@ann_p)" in booked.plain
    assert "Booking for Ann Lee (@ann_lee). Which day?" in by_name.plain


async def test_a_name_that_fits_several_patients_asks_which(clinic: Clinic) -> None:
    await consenting_patient(clinic, "Ann")
    other = clinic.patient("Ann", username="ann_two")
    await other.ask("/start")
    staff = clinic.staff_member()

    await staff.ask("/book")
    which = await staff.ask("Ann")

    assert "More than one patient is called Ann" in which.plain
    assert "@ann_p" in which.plain and "@ann_two" in which.plain
