"""Linking Telegram accounts to the clinic's records: single-use invite links, and the
phone number shared with the contact button."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.appointments.importer import import_file
from bot.stand_in import Chat
from db.linking import token_hash
from db.models import Appointment, Invite, Patient, utcnow
from tests.support.bots import Clinic
from tests.support.factories import clinic_time

HEADER = "starts_at,duration_minutes,practitioner,name,telegram_user_id,phone\n"


async def patients(clinic: Clinic) -> list[Patient]:
    async with clinic.application.bot_data.services.database.transaction() as session:
        return list(await session.scalars(select(Patient).order_by(Patient.id)))


async def appointment_owner(clinic: Clinic) -> int:
    async with clinic.application.bot_data.services.database.transaction() as session:
        found: Appointment | None = await session.scalar(select(Appointment))
    assert found is not None
    return found.patient_id


def token_in(text: str) -> str:
    match = re.search(r"https://t\.me/ClinicTestBot\?start=([A-Za-z0-9_-]+)", text)
    assert match is not None, text
    return match.group(1)


async def invited_and_booked(clinic: Clinic, phone: str = "+44 7700 900123") -> str:
    staff = clinic.staff_member()
    invitation = await staff.ask(f"/invite Ann Lee {phone}")
    booked = await staff.ask(f"/book {phone.replace(' ', '')} "
                             f"{clinic_time(utcnow() + timedelta(days=3))[:16]}")
    assert "Booked #" in booked.plain and "not linked Telegram yet" in booked.plain
    return token_in(invitation.plain)


async def test_an_invite_link_links_the_record_once(clinic: Clinic) -> None:
    token = await invited_and_booked(clinic)
    ann = clinic.patient("Annie", username="annie")
    eve = clinic.patient("Eve")

    linked = await ann.ask(f"/start {token}")
    welcome = await ann.next_message()
    reused = await eve.ask(f"/start {token}")
    await eve.next_message()  # Eve still gets the welcome

    assert "now linked to your record" in linked.plain and "Upcoming sessions: 1" in linked.plain
    assert welcome.plain.startswith("Hello Annie!")
    assert "already been used or is not valid" in reused.plain
    records = await patients(clinic)
    assert len(records) == 2  # Ann's record merged into her Telegram one; Eve's
    ann_record = next(p for p in records if p.telegram_user_id == ann.user.id)
    assert ann_record.phone == "+447700900123"
    assert await appointment_owner(clinic) == ann_record.id


async def test_invite_tokens_are_unguessable_and_only_their_hash_is_kept(
    clinic: Clinic,
) -> None:
    staff = clinic.staff_member()
    first = token_in((await staff.ask("/invite Ann +447700900123")).plain)
    second = token_in((await staff.ask("/invite Ann +447700900123")).plain)

    async with clinic.application.bot_data.services.database.transaction() as session:
        stored = list(await session.scalars(select(Invite.token_hash)))
    assert first != second and len(first) >= 22
    assert sorted(stored) == sorted([token_hash(first), token_hash(second)])
    assert first not in stored


async def test_invite_is_for_staff_and_explains_itself(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")
    refused = await ann.ask("/invite Bob +447700900123")
    usage = await clinic.staff_member().ask("/invite +447700900123")
    bad_phone = await clinic.staff_member().ask("/invite Bob 0")

    assert "I don't know that command" in refused.plain
    assert "/invite NAME PHONE" in usage.plain and "/invite NAME PHONE" in bad_phone.plain


async def consenting(clinic: Clinic, name: str = "Ann") -> tuple[Chat, str]:
    patient = clinic.patient(name)
    welcome = await patient.ask("/start")
    await patient.tap(welcome, "send me reminders")
    thanks = await patient.next_message()
    return patient, thanks.plain


async def test_sharing_the_phone_links_an_imported_record(
    clinic: Clinic, tmp_path: Path
) -> None:
    settings = clinic.application.bot_data.settings
    csv_file = tmp_path / "day.csv"
    csv_file.write_text(HEADER + f"{clinic_time(utcnow() + timedelta(days=2))},30,Dr Chen,"
                        "Ann Lee,,+447700900123\n")
    report = await import_file(csv_file, settings)
    assert report.added == 1 and report.new_patients == 1

    ann, thanks = await consenting(clinic)
    offer = clinic.telegram.messages_to(ann.chat_id)[-1]
    await ann.share_contact("447700900123")  # Telegram sends it without the +
    linked = await ann.next_message()

    assert "Share my phone number" in thanks
    assert offer.keyboard_buttons() == [{"text": "📱 Share my phone number",
                                         "request_contact": True}]
    assert "now linked to your record" in linked.plain and "Upcoming sessions: 1" in linked.plain
    assert linked.reply_markup == {"remove_keyboard": True}
    [record] = await patients(clinic)
    assert record.telegram_user_id == ann.user.id and record.phone == "+447700900123"
    assert await appointment_owner(clinic) == record.id
    again = await import_file(csv_file, settings)  # the record she was merged from is gone
    assert (again.added, again.unchanged) == (0, 1)


async def test_someone_elses_contact_card_links_nothing(clinic: Clinic) -> None:
    ann, _ = await consenting(clinic)

    await ann.share_contact("+447700900123", user_id=ann.user.id + 1)
    refused = await ann.next_message()
    await ann.share_contact("+447700900124")
    saved = await ann.next_message()

    assert "sends your own number" in refused.plain
    assert "your number is saved" in saved.plain
    [record] = await patients(clinic)
    assert record.phone == "+447700900124"
