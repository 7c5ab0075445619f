"""/stats and the weekly digest: a picture of the last four weeks from known data, its
summary's counts, nothing for non-staff, and a digest that goes once a week across a
restart."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.image import imread

from bot.appointments.weekly_report import DIGEST_JOB, week_starts
from bot.core.clock import ManualClock
from bot.stand_in import TelegramStub
from bot.texts.chart import DPI, HEIGHT, WIDTH, weekly_chart
from db.models import (
    Appointment,
    AppointmentStatus,
    CheckinAnswer,
    MessageKind,
    MessageStatus,
    PlannedMessage,
    SafetyAlert,
)
from db.stats import Figures, Week
from tests.support.bots import STAFF_CHAT_ID, Clinic, SettingsFactory, clinic_with
from tests.support.factories import LONDON, consenting_patient


async def seed_week(clinic: Clinic) -> None:
    """This week: four sessions (confirmed, cancelled, asked to reschedule, no answer),
    two check-ins sent and answered (2 and 9, the 9 escalated) and one alert."""
    ann = await consenting_patient(clinic)
    now = clinic.now()
    starts = week_starts(now, clinic.application.bot_data.settings)[-1]
    at = max(starts, now - timedelta(days=1)) + timedelta(minutes=1)
    async with clinic.application.bot_data.services.database.transaction() as session:
        patient_id = await _patient_id(session, ann.user.id)
        made = []
        for answer in ("confirmed", "cancelled", "reschedule", "none"):
            appointment = Appointment(
                patient_id=patient_id, starts_at=at, duration_minutes=30,
                practitioner="Dr Chen", created_at=at, updated_at=at,
                status=(AppointmentStatus.CANCELLED if answer == "cancelled"
                        else AppointmentStatus.BOOKED),
                confirmed_at=at if answer == "confirmed" else None,
                reschedule_requested_at=at if answer == "reschedule" else None)
            session.add(appointment)
            made.append(appointment)
        await session.flush()
        for appointment, score in zip(made[:2], (2, 9), strict=True):
            checkin = PlannedMessage(appointment_id=appointment.id, kind=MessageKind.CHECKIN,
                                     due_at=at, status=MessageStatus.SENT, attempts=1,
                                     sent_at=at)
            session.add(checkin)
            await session.flush()
            session.add(CheckinAnswer(planned_message_id=checkin.id,
                                      appointment_id=appointment.id, score=score,
                                      answered_at=at, escalated_at=at if score >= 7 else None))
        session.add(SafetyAlert(patient_id=patient_id, tier="same_day", signs="dizziness",
                                words="I feel dizzy", first_at=at, last_at=at))


async def _patient_id(session: object, user_id: int) -> int:
    from db.appointments import patient_by_reference

    patient = await patient_by_reference(session, str(user_id))  # type: ignore[arg-type]
    assert patient is not None
    return patient.id


async def test_stats_draws_the_weeks_with_the_counts_in_its_summary(clinic: Clinic) -> None:
    await seed_week(clinic)
    staff = clinic.staff_member()

    await staff.say("/stats")
    picture = await staff.next_message()
    summary = await staff.next_message()

    assert picture.method == "sendPhoto" and picture.document is not None
    image = imread(io.BytesIO(picture.document["contents"]), format="png")
    assert image.shape[:2] == (HEIGHT * DPI, WIDTH * DPI)
    assert ("Appointments: 4 (1 confirmed, 1 cancelled, 1 asked to reschedule, 1 no answer)"
            in summary.plain)
    assert "Check-ins: 2 sent, 2 answered, 1 escalated to staff" in summary.plain
    assert "Warning-sign alerts: 1" in summary.plain


async def test_stats_for_one_practitioner_and_for_nobody_else(clinic: Clinic) -> None:
    await seed_week(clinic)
    staff = clinic.staff_member()

    await staff.say("/stats Dr Lee")
    await staff.next_message()
    summary = await staff.next_message()
    refused = await clinic.patient("Eve").ask("/stats")

    assert "Appointments: 0 (" in summary.plain and "Warning-sign alerts: 0" in summary.plain
    assert "I don't know that command" in refused.plain


def test_with_no_data_the_chart_says_so() -> None:
    weeks = Figures([Week(datetime(2026, 11, 2, tzinfo=UTC) + timedelta(weeks=n))
                     for n in range(4)])
    from bot.texts.content import load_content

    content = load_content(clinic_name="A Clinic", clinic_contact="020 7946 0000")
    png = weekly_chart(weeks, content, LONDON, 7)

    assert weeks.empty
    assert imread(io.BytesIO(png), format="png").shape[:2] == (HEIGHT * DPI, WIDTH * DPI)


@pytest.mark.slow(seconds=20)
async def test_the_weekly_digest_goes_to_the_staff_chat_once_across_a_restart(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    settings = make_settings(weekly_digest="mon 08:30")
    monday = datetime(2026, 11, 30, 8, 29, tzinfo=LONDON)
    clock = ManualClock(monday)

    def digests() -> int:
        return sum(m.method == "sendPhoto" for m in telegram.messages_to(STAFF_CHAT_ID))

    async with clinic_with(telegram, settings, clock):
        clock.advance(timedelta(minutes=2))
        await telegram.wait_for(digests, timeout=30, what="the weekly digest")
    async with clinic_with(telegram, settings,
                           ManualClock(monday + timedelta(minutes=6))) as restarted:
        # The restarted bot's own digest job, run now rather than waited for: it finds
        # this week's digest already claimed.
        assert restarted.application.job_queue is not None
        job, = restarted.application.job_queue.get_jobs_by_name(DIGEST_JOB)
        await job.run(restarted.application)

    assert digests() == 1
