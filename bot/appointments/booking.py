"""Booking, moving and cancelling an appointment, and planning its messages: the one path
/book, staff changes, the CSV import and the tests all take, so every appointment gets
the same guide, reminder, check-in and change notices.

Each function takes an open session and returns the (message id, due) pairs to give
timers (`scheduling.schedule_soon`); a process without timers (the CSV import) leaves
them to the running bot's next top-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.appointments.phones import normalize_phone
from bot.appointments.planning import message_plan, notice_due
from bot.core.settings import ClinicSettings
from db.appointments import (
    book_appointment,
    book_appointments,
    cancel_appointment,
    patient_by_phone,
    patient_by_reference,
    patients_by_name,
    record_notified,
)
from db.models import Appointment, AppointmentStatus, MessageKind, Patient
from db.planned import plan_new, replan_message, skip_pending

Planned = list[tuple[int, datetime]]
# How long after the booked notice a late booking's guide (and then its reminder) goes.
NOTICE_FIRST_BY = timedelta(seconds=2)
# The messages a booking's time decides (the follow-up depends on an answer instead).
TIMED_KINDS = (MessageKind.GUIDE, MessageKind.REMINDER, MessageKind.CHECKIN)


async def find_patient(session: AsyncSession, settings: ClinicSettings, reference: str
                       ) -> Patient | None:
    """The one patient `reference` names (`find_patients`), or None."""
    found = await find_patients(session, settings, reference)
    return found[0] if len(found) == 1 else None


async def find_patients(session: AsyncSession, settings: ClinicSettings, reference: str
                        ) -> list[Patient]:
    """The patients a staff member's words name: @username, Telegram user id, phone number
    (starting with +, 00 or 0; Telegram ids never start with 0), the bot's own #number,
    or a name ("Ann Lee", or "Ann" when only one Ann is known; else a bare word is a
    username without its @). Several when a name fits several."""
    reference = " ".join(reference.split())
    if reference.startswith(("+", "0")):
        phone = normalize_phone(reference, settings.phone_region)
        found = None if phone is None else await patient_by_phone(session, phone)
    elif reference.startswith("#") and reference[1:].isascii() and reference[1:].isdigit():
        found = await session.get(Patient, int(reference[1:])) \
            if int(reference[1:]) < 2 ** 63 else None
    elif reference.startswith("@") or (reference.isascii() and reference.isdigit()):
        found = await patient_by_reference(session, reference)
    else:
        named = await patients_by_name(session, reference)
        if named or " " in reference:
            return named
        found = await patient_by_reference(session, reference)
    return [] if found is None else [found]


async def book(
    session: AsyncSession,
    settings: ClinicSettings,
    *,
    patient_id: int,
    starts_at: datetime,
    minutes: int,
    practitioner: str | None,
    now: datetime,
    import_key: str | None = None,
) -> tuple[Appointment, dict[MessageKind, datetime], Planned]:
    """Book and plan; returns the appointment, its plan, and what to give timers."""
    appointment = await book_appointment(
        session, patient_id=patient_id, starts_at=starts_at, duration_minutes=minutes,
        practitioner=practitioner, now=now, import_key=import_key)
    plan, planned = await _plan(session, settings, appointment, now)
    return appointment, plan, planned


@dataclass(frozen=True)
class NewBooking:
    patient_id: int
    starts_at: datetime
    minutes: int
    practitioner: str | None
    import_key: str | None = None


async def book_many(session: AsyncSession, settings: ClinicSettings,
                    bookings: list[NewBooking], now: datetime) -> None:
    """Book many at once (the import), with the same plan `book` makes, in a few
    statements; the running bots give them timers (a process without timers)."""
    assert all(one.import_key for one in bookings), "book_many is for imports: keys needed"
    ids = await book_appointments(session, [
        {"patient_id": one.patient_id, "starts_at": one.starts_at,
         "duration_minutes": one.minutes, "practitioner": one.practitioner,
         "status": AppointmentStatus.BOOKED, "created_at": now, "updated_at": now,
         "import_key": one.import_key}
        for one in bookings])
    notice_at = notice_due(settings, now)
    messages: list[tuple[int, MessageKind, datetime]] = []
    for one in bookings:
        assert one.import_key is not None
        appointment_id = ids[one.import_key]
        plan = after_the_notice(message_plan(settings, one.starts_at, one.minutes, now),
                                notice_at, one.starts_at)
        messages += [(appointment_id, kind, due_at) for kind, due_at in plan.items()]
        messages.append((appointment_id, MessageKind.NOTICE, notice_at))
    await plan_new(session, messages)


async def move(
    session: AsyncSession,
    settings: ClinicSettings,
    appointment: Appointment,
    *,
    starts_at: datetime,
    minutes: int,
    practitioner: str | None,
    now: datetime,
) -> tuple[dict[MessageKind, datetime], Planned]:
    """Change a booked appointment's time, length or practitioner, and plan its messages
    again for the new time (a timer set for the old time finds its row moved and waits)."""
    appointment.starts_at = starts_at
    appointment.duration_minutes = minutes
    appointment.practitioner = practitioner
    appointment.updated_at = now
    # A reminder answered for the old time says nothing about the new one.
    appointment.confirmed_at = None
    appointment.reschedule_requested_at = None
    await session.flush()
    return await _plan(session, settings, appointment, now)


async def cancel(
    session: AsyncSession, settings: ClinicSettings, appointment_id: int, now: datetime, *,
    by_patient: bool,
) -> tuple[bool, Planned]:
    """Cancel a booked appointment and its planned messages. The patient hears of it by a
    notice, unless they cancelled it themselves."""
    if not await cancel_appointment(session, appointment_id, now):
        return False, []
    if by_patient:
        await record_notified(session, appointment_id)
        return True, []
    due_at = notice_due(settings, now)
    notice = await replan_message(session, appointment_id, MessageKind.NOTICE, due_at)
    return True, [] if notice is None else [(notice, due_at)]


def after_the_notice(plan: dict[MessageKind, datetime], notice_at: datetime,
                     starts_at: datetime) -> dict[MessageKind, datetime]:
    """The guide and reminder of a late booking, which would be due at once, go a moment
    after the "you are booked" notice that announces them (while the session has not
    begun), so the patient reads them in the order they make sense."""
    moved = dict(plan)
    for step, kind in enumerate((MessageKind.GUIDE, MessageKind.REMINDER), start=1):
        due_at = moved.get(kind)
        later = notice_at + step * NOTICE_FIRST_BY
        if due_at is not None and due_at < later < starts_at:
            moved[kind] = later
    return moved


async def _plan(session: AsyncSession, settings: ClinicSettings, appointment: Appointment,
                now: datetime) -> tuple[dict[MessageKind, datetime], Planned]:
    assert appointment.status == AppointmentStatus.BOOKED
    notice_at = notice_due(settings, now)
    plan = after_the_notice(
        message_plan(settings, appointment.starts_at, appointment.duration_minutes, now),
        notice_at, appointment.starts_at)
    planned: Planned = []
    for kind, due_at in plan.items():
        message_id = await replan_message(session, appointment.id, kind, due_at)
        if message_id is not None:
            planned.append((message_id, due_at))
    await skip_pending(session, appointment.id, set(TIMED_KINDS) - set(plan),
                       "no longer due after the appointment changed")
    notice = await replan_message(session, appointment.id, MessageKind.NOTICE, notice_at)
    if notice is not None:
        planned.append((notice, notice_at))
    return plan, planned
