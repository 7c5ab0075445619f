"""The reminder and its buttons: Confirm, Reschedule, Cancel (after "are you sure?")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.stand_in import BotMessage, Chat
from db.models import (
    Appointment,
    AppointmentStatus,
    MessageKind,
    MessageStatus,
)
from tests.support.bots import Clinic
from tests.support.factories import clinic_time, consenting_patient, in_days, until_outcome


@pytest.fixture
async def reminding_clinic(clinic: Clinic) -> Clinic:
    """Production's timings: the reminder 2 hours before a session."""
    return clinic


async def booked_and_reminded(clinic: Clinic) -> tuple[Chat, BotMessage]:
    """Ann, booked for a session in three days and moved on to its reminder (the notice
    and the guide came before it)."""
    ann = await consenting_patient(clinic)
    starts = in_days(clinic, 3)
    await clinic.staff_member().ask(f"/book @ann_p {clinic_time(starts)} 30 Dr Chen")
    clinic.clock.advance(timedelta(minutes=3))  # the booking notice and its calendar file
    await ann.next_message_with("You are booked in")
    await ann.next_message()
    clinic.clock.advance_to(starts - timedelta(hours=24))
    await ann.next_message_with("Getting ready")
    clinic.clock.advance_to(starts - timedelta(hours=2))
    reminder = await ann.next_message_with("Reminder")
    return ann, reminder


async def appointment(clinic: Clinic) -> Appointment:
    async with clinic.application.bot_data.services.database.transaction() as session:
        found: Appointment | None = await session.scalar(select(Appointment))
    assert found is not None
    return found


async def test_the_reminder_offers_confirm_reschedule_cancel_and_confirm_is_recorded(
    reminding_clinic: Clinic,
) -> None:
    clinic = reminding_clinic
    ann, reminder = await booked_and_reminded(clinic)

    assert "Reminder" in reminder.plain and "with Dr Chen" in reminder.plain
    assert reminder.button_labels() == ["✅ Confirm", "🔁 Reschedule", "❌ Cancel"]
    await ann.tap(reminder, "Confirm")
    thanks = await ann.next_message()

    assert "See you" in thanks.plain
    await clinic.telegram.wait_for(lambda: reminder.buttons() == [], what="buttons removed")
    booked = await appointment(clinic)
    assert booked.confirmed_at is not None and booked.status == AppointmentStatus.BOOKED


async def test_reschedule_tells_the_staff_once_and_the_patient_what_happens_next(
    reminding_clinic: Clinic,
) -> None:
    clinic = reminding_clinic
    ann, reminder = await booked_and_reminded(clinic)
    staff = clinic.staff_chat()

    await ann.tap(reminder, "Reschedule")
    told = await ann.next_message()
    request = await staff.next_message()
    await ann.tap(reminder, "Reschedule")
    await ann.next_message()

    assert "find you a new time" in told.plain
    assert "Reschedule request" in request.plain and "Ann" in request.plain
    await staff.no_reply()
    assert (await appointment(clinic)).reschedule_requested_at is not None


async def test_cancel_asks_first_then_cancels_tells_staff_and_stops_later_messages(
    reminding_clinic: Clinic,
) -> None:
    clinic = reminding_clinic
    ann, reminder = await booked_and_reminded(clinic)
    staff = clinic.staff_chat()

    await ann.tap(reminder, "Cancel")
    sure = await ann.next_message()
    assert "Cancel your session" in sure.plain
    assert (await appointment(clinic)).status == AppointmentStatus.BOOKED
    await ann.tap(sure, "Yes, cancel it")
    cancelled = await ann.next_message()
    notice = await staff.next_message()

    assert "is cancelled" in cancelled.plain
    assert "Cancelled by the patient" in notice.plain
    assert (await appointment(clinic)).status == AppointmentStatus.CANCELLED
    clinic.clock.advance(timedelta(days=2))  # past the session and its check-in's time
    checkin = await until_outcome(clinic, MessageKind.CHECKIN)
    await ann.no_reply()
    assert checkin.status == MessageStatus.SKIPPED
    assert checkin.outcome == "appointment cancelled"


async def test_keeping_it_changes_nothing(reminding_clinic: Clinic) -> None:
    clinic = reminding_clinic
    ann, reminder = await booked_and_reminded(clinic)

    await ann.tap(reminder, "Cancel")
    sure = await ann.next_message()
    await ann.tap(sure, "No, keep it")

    await clinic.telegram.wait_for(lambda: sure.buttons() == [], what="the question closed")
    assert (await appointment(clinic)).status == AppointmentStatus.BOOKED
    await clinic.staff_chat().no_reply()


async def test_another_patient_cannot_touch_the_appointment_with_forged_buttons(
    reminding_clinic: Clinic,
) -> None:
    clinic = reminding_clinic
    ann, reminder = await booked_and_reminded(clinic)
    appointment_id = ann.data_for(reminder, "Cancel").split(":")[1]
    mallory = clinic.patient("Mallory")
    await mallory.ask("/start")

    for verb in ("apconfirm", "apmove", "apcancel", "apcancelyes"):
        await mallory.forge(f"{verb}:{appointment_id}")

    await mallory.no_reply()
    await clinic.staff_chat().no_reply()
    booked = await appointment(clinic)
    assert booked.status == AppointmentStatus.BOOKED
    assert booked.confirmed_at is None and booked.reschedule_requested_at is None


async def test_buttons_after_the_session_started_say_it_is_too_late(
    reminding_clinic: Clinic,
) -> None:
    clinic = reminding_clinic
    ann, reminder = await booked_and_reminded(clinic)
    clinic.clock.advance(timedelta(hours=2, minutes=1))  # the session has begun

    await ann.tap(reminder, "Cancel")
    closed = await ann.next_message()

    assert "no longer open to changes" in closed.plain
    assert (await appointment(clinic)).status == AppointmentStatus.BOOKED


async def test_a_double_tap_on_confirm_is_answered_kindly_not_with_an_error(
    reminding_clinic: Clinic,
) -> None:
    clinic = reminding_clinic
    ann, reminder = await booked_and_reminded(clinic)
    data = ann.data_for(reminder, "Confirm")

    # Two taps landing before the first one removed the buttons, as on a slow network.
    await ann.forge(data, reminder.message_id)
    await ann.forge(data, reminder.message_id)
    replies = [await ann.next_message(), await ann.next_message()]

    assert all("See you" in message.plain for message in replies)
    assert (await appointment(clinic)).confirmed_at is not None
