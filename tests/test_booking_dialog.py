"""/book without arguments: the guided booking with buttons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

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
    assert "Booking for Ann. Which day?" in days_text
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
    async with clinic.application.bot_data.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Appointment)) == 0


async def test_patients_cannot_start_the_dialog(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")
    answer = await ann.ask("/book")
    assert "I don't know that command" in answer.plain
    followup = await ann.ask("@ann_p")
    assert "Which day?" not in followup.plain
