"""A patient's say over their data: /settings chooses reminders, check-ins and clinic
updates separately; /mydata sends everything held about them as a file; /forget deletes
it after a confirmation, and the staff hear which sessions went with it."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.appointments import booking
from bot.appointments.timers import schedule_soon
from bot.stand_in import Chat
from db.appointments import patient_by_reference
from db.broadcasts import audience_size
from db.models import (
    Appointment,
    Audience,
    MessageKind,
    MessageStatus,
    Patient,
    PatientQuestion,
    PlannedMessage,
)
from tests.support.bots import Clinic
from tests.support.factories import consenting_patient


@pytest.fixture
async def quick_clinic(clinic: Clinic) -> Clinic:
    """Production's timings; the test's clock moves through a session's messages."""
    return clinic


async def book(clinic: Clinic, patient: Chat, starts_in: timedelta, minutes: int = 30) -> int:
    app = clinic.application
    now = clinic.now()
    async with app.bot_data.services.database.transaction() as session:
        found = await patient_by_reference(session, str(patient.user.id))
        assert found is not None
        appointment, _, planned = await booking.book(
            session, app.bot_data.settings, patient_id=found.id, starts_at=now + starts_in,
            minutes=minutes, practitioner="Dr Chen", now=now)
    assert app.job_queue is not None
    schedule_soon(app.job_queue, app.bot_data, planned)
    return appointment.id


async def booked_and_told(clinic: Clinic, patient: Chat, starts_in: timedelta,
                          minutes: int = 30) -> int:
    """`book`, then the booking notice and its calendar file, out of the way."""
    appointment = await book(clinic, patient, starts_in, minutes)
    clinic.clock.advance(timedelta(minutes=3))
    await patient.next_message_with("You are booked in")
    await patient.next_message()
    return appointment


async def outcome(clinic: Clinic, appointment_id: int, kind: MessageKind) -> str:
    """How the appointment's message of this kind ended, once it has."""
    for _ in range(100):
        async with clinic.application.bot_data.services.database.transaction() as session:
            status, said = (await session.execute(
                select(PlannedMessage.status, PlannedMessage.outcome)
                .where(PlannedMessage.appointment_id == appointment_id,
                       PlannedMessage.kind == kind))).one()
        if status not in (MessageStatus.PENDING, MessageStatus.SENDING):
            return f"{status}: {said}" if said else str(status)
        await asyncio.sleep(0.1)
    raise AssertionError(f"the {kind} is still {status}")


async def test_settings_turn_each_kind_of_message_off_and_on(quick_clinic: Clinic) -> None:
    clinic = quick_clinic
    ann = await consenting_patient(clinic)
    panel = await ann.ask("/settings")
    labels = panel.button_labels()
    await ann.tap_and_see_edit(panel, "Guide and reminder")
    await ann.tap_and_see_edit(panel, "Clinic updates")
    after = panel.button_labels()

    appointment = await booked_and_told(clinic, ann, starts_in=timedelta(days=3), minutes=0)
    clinic.clock.advance(timedelta(days=4))
    checkin = await ann.next_message()  # no guide, no reminder: the check-in
    async with clinic.application.bot_data.services.database.transaction() as session:
        everyone = await audience_size(session, Audience.ALL, None, clinic.now())
    await ann.tap_and_see_edit(panel, "Clinic updates")

    assert labels == ["✅ Guide and reminder before a session", "✅ Check-in after a session",
                      "✅ Clinic updates"]
    assert after == ["⬜ Guide and reminder before a session", "✅ Check-in after a session",
                     "⬜ Clinic updates"]
    assert "How are you feeling?" in checkin.plain
    assert await outcome(clinic, appointment, MessageKind.GUIDE) == (
        f"{MessageStatus.SKIPPED}: patient turned reminders off")
    assert everyone == 0
    assert panel.button_labels()[2] == "✅ Clinic updates"


async def test_check_ins_off_means_none_after_a_session(quick_clinic: Clinic) -> None:
    clinic = quick_clinic
    ann = await consenting_patient(clinic)
    panel = await ann.ask("/settings")
    await ann.tap_and_see_edit(panel, "Check-in")

    appointment = await booked_and_told(clinic, ann, starts_in=timedelta(days=3), minutes=0)
    clinic.clock.advance(timedelta(days=2, hours=1))
    guide = await ann.next_message_with("Getting ready")
    clinic.clock.advance(timedelta(hours=22))
    reminder = await ann.next_message_with("Reminder")
    clinic.clock.advance(timedelta(days=2))
    skipped = await outcome(clinic, appointment, MessageKind.CHECKIN)
    await ann.no_reply()

    assert "Getting ready for your session" in guide.plain
    assert reminder.button_labels()[:1] == ["✅ Confirm"]
    assert skipped == f"{MessageStatus.SKIPPED}: patient turned check-ins off"


async def test_settings_before_consent_offer_the_consent(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")
    await ann.ask("/start")
    panel = await ann.ask("/settings")
    forged = await ann.forge("set:r", message_id=panel.message_id)

    assert "not agreed to messages yet" in panel.plain
    assert "consent" in panel.button_data()
    assert forged is not None  # answered, and nothing changed
    async with clinic.application.bot_data.services.database.transaction() as session:
        patient = (await session.scalars(select(Patient))).one()
    assert patient.reminders_off_at is None and patient.messages_consent_at is None


async def test_mydata_sends_everything_held_about_the_patient_and_no_one_else(
    clinic: Clinic,
) -> None:
    ann = await consenting_patient(clinic)
    bob = await consenting_patient(clinic, "Bob")
    await ann.ask("does acupuncture hurt?")
    await bob.ask("my secret question about needles")
    await book(clinic, ann, starts_in=timedelta(days=2))

    sent = await ann.ask("/mydata")

    assert sent.method == "sendDocument" and sent.document is not None
    assert sent.document["file_name"] == "my-data.json"
    held = json.loads(sent.document["contents"])
    assert held["you"]["first_name"] == "Ann" and held["you"]["telegram_user_id"] == ann.user.id
    assert [q["text"] for q in held["questions"]] == ["does acupuncture hurt?"]
    assert len(held["appointments"]) == 1
    assert {m["kind"] for m in held["appointments"][0]["messages"]} >= {"guide", "reminder"}
    assert "Bob" not in sent.document["contents"].decode()
    assert "secret question" not in sent.document["contents"].decode()
    assert "/forget" in sent.plain


async def test_forget_deletes_after_confirmation_and_tells_the_staff(clinic: Clinic) -> None:
    ann = await consenting_patient(clinic)
    bob = await consenting_patient(clinic, "Bob")
    await ann.ask("does acupuncture hurt?")
    number = await book(clinic, ann, starts_in=timedelta(days=2))
    await book(clinic, bob, starts_in=timedelta(days=2))
    staff = clinic.staff_chat()

    asked = await ann.ask("/forget")
    question = asked.plain
    await ann.tap_and_see_edit(asked, "Keep")
    kept = asked.plain
    again = await ann.ask("/forget")
    await ann.tap_and_see_edit(again, "delete everything")
    notice = await staff.next_message()
    await clinic.quiet()  # the deletion's work all done

    assert "Delete everything I hold about you?" in question and "1 still to come" in question
    assert kept.startswith("Nothing was deleted")
    assert again.plain.startswith("Done: everything is deleted")
    assert f"#{number}" in notice.plain and "Upcoming sessions that went with it: 1" in notice.plain
    assert "Ann" not in notice.plain
    async with clinic.application.bot_data.services.database.transaction() as session:
        names = list(await session.scalars(select(Patient.first_name)))
        appointments = await session.scalar(select(func.count()).select_from(Appointment))
        questions = await session.scalar(select(func.count()).select_from(PatientQuestion))
        planned = set(await session.scalars(select(PlannedMessage.appointment_id)))
    assert names == ["Bob"]
    assert appointments == 1 and questions == 0
    assert planned and number not in planned  # Bob's messages stay; Ann's went
