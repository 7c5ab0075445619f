"""Importing appointments from Telegram: a staff member sends the clinic's CSV export to
the bot, sees a preview of what it would do, and taps Import (or Cancel). Patients'
files import nothing; a file too big or not a CSV is answered clearly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.appointments.import_reader import MAX_BYTES
from bot.core.clock import ManualClock
from bot.stand_in import TelegramStub
from db.models import Appointment, Patient
from db.session import Database
from tests.support.bots import Clinic, SettingsFactory, clinic_with
from tests.support.factories import LONDON, practice_export


@pytest.fixture
async def clinic(telegram: TelegramStub, make_settings: SettingsFactory, clock: ManualClock
                 ) -> AsyncIterator[Clinic]:
    """A London clinic: national phone numbers and day-first dates, as its export has."""
    settings = make_settings(phone_region="GB", date_order="day")
    async with clinic_with(telegram, settings, clock) as running:
        yield running


async def counts(clinic: Clinic) -> tuple[int, int]:
    database: Database = clinic.application.bot_data.services.database
    async with database.transaction() as session:
        appointments = await session.scalar(select(func.count()).select_from(Appointment))
        patients = await session.scalar(select(func.count()).select_from(Patient))
    return appointments or 0, patients or 0


def export(clinic: Clinic) -> bytes:
    return practice_export(clinic.now().astimezone(LONDON) + timedelta(days=5)
                           ).encode("cp1252")


async def test_staff_send_the_export_see_what_it_would_do_and_import_it(clinic: Clinic) -> None:
    staff = clinic.staff_member()
    await staff.send_file(export(clinic), "Appointments export.csv", "application/vnd.ms-excel")
    preview = await staff.next_message()
    previewed, import_button = preview.plain, preview.button_data()[0]
    before = await counts(clinic)

    done = await staff.tap_and_see_edit(preview, "Import")
    await clinic.telegram.wait_for(lambda: "imported" in done.plain, timeout=30,
                                   what="the import's report")
    late = await staff.forge(import_button, preview.message_id)  # a double tap

    assert "Appointments export.csv: 2 rows read" in previewed
    assert "2 rows read: 2 would be added" in previewed  # the count and the report agree
    assert "2 would be added" in previewed and "Read as Windows-1252" in previewed
    assert "Columns ignored: Email" in previewed
    assert before == (0, 0)  # the preview changed nothing
    assert "2 rows read: 2 added" in done.plain and "2 new patients waiting" in done.plain
    assert done.buttons() == []
    assert await counts(clinic) == (2, 2)
    assert "imported or cancelled already" in late["text"]
    assert "imported" in done.plain  # the report stays


async def test_cancel_imports_nothing(clinic: Clinic) -> None:
    staff = clinic.staff_member()
    await staff.send_file(export(clinic), "week.csv")
    preview = await staff.next_message()

    cancelled = await staff.tap_and_see_edit(preview, "Cancel")

    assert "Nothing was imported from week.csv" in cancelled.plain
    assert await counts(clinic) == (0, 0)


async def test_a_patients_file_imports_nothing(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")
    await ann.ask("/start")
    await ann.send_file(export(clinic), "appointments.csv")

    answer = await ann.next_message()

    assert "import" not in answer.plain.lower() and "Import" not in str(answer.buttons())
    assert (await counts(clinic))[0] == 0


async def test_a_file_too_big_or_not_a_csv_is_answered_clearly(clinic: Clinic) -> None:
    staff = clinic.staff_member()
    await staff.send_file(b"PK\x03\x04 spreadsheet", "bookings.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    wrong = await staff.next_message()
    await staff.send_file(b"x" * (MAX_BYTES + 1), "huge.csv")
    big = await staff.next_message()
    await staff.send_file(b"starts_at,colour\n", "odd.csv")
    unusable = await staff.next_message()

    assert "send them as a CSV file" in wrong.plain
    assert "too big to import (the limit is 20 MB)" in big.plain
    assert "odd.csv cannot be imported: the header row needs" in unusable.plain
    assert await counts(clinic) == (0, 0)


async def test_the_staff_chat_takes_a_file_too(clinic: Clinic) -> None:
    group = clinic.staff_chat()
    await group.send_file(export(clinic), "today.csv")

    preview = await group.next_message()
    done = await group.tap_and_see_edit(preview, "Import")
    await clinic.telegram.wait_for(lambda: "imported" in done.plain, timeout=30,
                                   what="the import's report")

    assert await counts(clinic) == (2, 2)


async def test_a_file_with_a_quote_that_never_closes_is_refused_before_the_preview(
    clinic: Clinic,
) -> None:
    staff = clinic.staff_member()
    lines = export(clinic).decode("cp1252").splitlines(keepends=True)
    broken = lines[0] + lines[1].replace(";", ';"', 1) + "".join(lines[2:])

    await staff.send_file(broken.encode("cp1252"), "export.csv", "text/csv")
    answer = await staff.next_message()

    assert "line 2: a quote mark" in answer.plain and "never closes" in answer.plain
    assert answer.buttons() == []
    assert await counts(clinic) == (0, 0)


async def test_a_line_the_csv_reader_cannot_read_is_named_not_sorry(clinic: Clinic) -> None:
    """A bare carriage return inside a row: the rows are read after the header is checked,
    and the reader's complaint must still reach the staff member as the file's."""
    staff = clinic.staff_member()
    lines = export(clinic).decode("cp1252").splitlines(keepends=True)
    broken = lines[0] + lines[1].replace(";", ";x\r", 1) + "".join(lines[2:])

    await staff.send_file(broken.encode("cp1252"), "export.csv", "text/csv")
    answer = await staff.next_message()

    assert "export.csv cannot be imported: line 2: cannot be read as CSV" in answer.plain
    assert "Sorry" not in answer.plain and answer.buttons() == []
    assert await counts(clinic) == (0, 0)


async def test_an_odd_file_gets_a_clear_answer_and_nothing_waits(clinic: Clinic) -> None:
    """A million columns: it was "Sorry, something went wrong", and the upload stayed
    pending with no way to cancel it."""
    staff = clinic.staff_member()
    wide = (",".join(f"c{n}" for n in range(1_000_000)) + "\n").encode()

    await staff.send_file(wide, "wide.csv", "text/csv")
    answer = await staff.next_message()

    assert "the header row has 1,000,000 columns" in answer.plain
    assert "Sorry" not in answer.plain and answer.buttons() == []
    assert await counts(clinic) == (0, 0)
