"""/appointments and the .ics calendar files: a patient's own upcoming sessions only."""

from __future__ import annotations

from datetime import timedelta

from tests.support.bots import Clinic
from tests.support.factories import clinic_time, consenting_patient


def ics_fields(contents: bytes) -> dict[str, str]:
    text = contents.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    return dict(line.split(":", 1) for line in unfolded.split("\r\n") if ":" in line)


async def test_a_booking_notice_brings_its_calendar_file_and_a_move_updates_it(
    clinic: Clinic,
) -> None:
    day = clinic_time(clinic.now() + timedelta(days=3))[:10]
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()
    await staff.ask(f"/book @ann_p {day} 10:30 45 Dr Chen, senior")
    clinic.clock.advance(timedelta(minutes=3))  # CHANGE_NOTICE_DELAY
    notice = await ann.next_message()
    booked_file = await ann.next_message()
    await staff.ask(f"/move 1 {day} 17:15")
    clinic.clock.advance(timedelta(minutes=3))
    await ann.next_message()
    moved_file = await ann.next_message()

    assert "You are booked in" in notice.plain
    assert booked_file.method == "sendDocument" and booked_file.document is not None
    assert booked_file.document["file_name"] == f"session-{day}-1030.ics"
    first = ics_fields(booked_file.document["contents"])
    assert moved_file.document is not None
    second = ics_fields(moved_file.document["contents"])
    assert first["UID"] == second["UID"] and int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert first["SUMMARY"] == "Acupuncture at Lotus & Pine Clinic with Dr Chen\\, senior"
    assert second["DTSTART"].endswith("Z") and second["DTSTART"][9:13] in {"1715", "1615"}


async def test_appointments_lists_the_patients_own_sessions_with_actions(
    clinic: Clinic,
) -> None:
    ann = await consenting_patient(clinic, "Ann")
    bob = await consenting_patient(clinic, "Bob")
    staff = clinic.staff_member()
    day = clinic_time(clinic.now() + timedelta(days=4))[:10]
    await staff.ask(f"/book @ann_p {day} 09:00 30 Dr Chen")
    await staff.ask(f"/book @ann_p {day} 16:00 30 Dr Lee")

    none = await bob.ask("/appointments")
    listing = await ann.ask("/appointments")
    assert "no upcoming sessions" in none.plain
    assert "Your upcoming sessions" in listing.plain and len(listing.buttons()) == 2
    await ann.tap_and_see_edit(listing, "09:00")
    assert "30 minutes, with Dr Chen" in listing.plain
    assert listing.button_labels()[:3] == ["✅ Confirm", "🔁 Reschedule", "❌ Cancel"]
    await ann.tap(listing, "Add to my calendar")
    ics = await ann.next_message()
    await ann.tap_and_see_edit(listing, "All my sessions")

    assert ics.document is not None and ics.document["file_name"].endswith("-0900.ics")
    assert "Your upcoming sessions" in listing.plain
    for forged in ("apshow:1", "apics:1"):
        await bob.forge(forged)
    await bob.no_reply()
