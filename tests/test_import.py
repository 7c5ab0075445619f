"""`python -m bot import-appointments FILE.csv`: idempotent, a changed time moves the
appointment, bad rows are reported by line and the good ones still go in, unknown
patients are handled, and a running bot picks the import up."""

from __future__ import annotations

import asyncio
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.__main__ import main
from bot.appointments.file_text import decode
from bot.appointments.import_reader import ImportFileError, parse_csv
from bot.appointments.importer import import_file
from bot.core.clock import ManualClock
from bot.core.settings import ClinicSettings
from bot.stand_in import TelegramStub
from db.migrate import upgrade_database_async
from db.models import Appointment, MessageKind, MessageStatus, Patient, PlannedMessage
from db.session import Database
from tests.support.bots import SettingsFactory, clinic_with
from tests.support.factories import (
    LONDON,
    clinic_time,
    consenting_patient,
    days_ahead,
    import_settings,
    run_import,
)

HEADER = "starts_at,duration_minutes,practitioner,name,telegram_user_id,phone\n"


@pytest.fixture
def settings(database_url: str) -> ClinicSettings:
    return import_settings(database_url)


async def database_rows(settings: ClinicSettings) -> tuple[list[Appointment], list[Patient],
                                                           list[PlannedMessage]]:
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            return (list(await session.scalars(select(Appointment).order_by(Appointment.id))),
                    list(await session.scalars(select(Patient).order_by(Patient.id))),
                    list(await session.scalars(select(PlannedMessage)
                                               .order_by(PlannedMessage.id))))
    finally:
        await database.dispose()


def test_bad_rows_are_reported_with_their_line_and_reason(settings: ClinicSettings) -> None:
    text = (HEADER
            + f"{days_ahead(2)},45,Dr Chen,Ann Lee,,+44 7700 900123\n"
            + "next tuesday,45,Dr Chen,Bob,,+447700900124\n"
            + f"{days_ahead(2)},four,Dr Chen,Cy,,+447700900125\n"
            + "\n"
            + f'{days_ahead(2)},30,"Dr Chen, senior",Di,,12\n'
            + f"{days_ahead(2)},30,,Ed,,\n"
            + f"{days_ahead(2)},30,,Flo,12ab,\n"
            + f"{days_ahead(3)},,,Gus,,07700 900126\n")

    parsed = parse_csv(text, settings)
    rows, problems = parsed.rows, parsed.problems

    assert [row.line for row in rows] == [2, 9]
    assert rows[0].phone == "+447700900123" and rows[0].minutes == 45
    assert rows[0].starts_at.tzinfo is not None
    assert rows[1].phone == "+447700900126" and rows[1].minutes == 60  # GB, default length
    assert [line for line, _ in problems] == [3, 4, 6, 7, 8]
    reasons = dict(problems)
    assert "not a date and time" in reasons[3]
    assert "duration_minutes 'four'" in reasons[4]
    assert "phone '12' is not a phone number" in reasons[6]
    assert "needs a telegram_user_id or a phone" in reasons[7]
    assert "telegram_user_id '12ab'" in reasons[8]


def test_a_semicolon_file_saved_by_excel_with_a_bom_is_read(settings: ClinicSettings) -> None:
    text = "\ufeffStarts_At;Phone;Name\n2030-03-01T09:00+01:00;+447700900123;Ann\n"

    decoded, encoding = decode(text.encode("utf-8-sig"))
    parsed = parse_csv(decoded, settings, encoding)

    assert parsed.problems == [] and parsed.encoding == "UTF-8 with BOM"
    assert parsed.rows[0].starts_at == datetime.fromisoformat("2030-03-01T08:00+00:00")


@pytest.mark.parametrize(("text", "says"), [
    ("", "empty"),
    ("when,who\n2030-01-01 10:00,Ann\n", "needs a start .* and a telegram_user_id or phone"),
    ("phone,colour\n", "needs a start"),
])
def test_a_file_without_a_usable_header_is_refused_whole(
    settings: ClinicSettings, text: str, says: str
) -> None:
    with pytest.raises(ImportFileError, match=says):
        parse_csv(text, settings)


async def test_importing_twice_changes_nothing_and_a_changed_time_moves_the_appointment(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    await upgrade_database_async(settings.database_url)
    csv_file = tmp_path / "day.csv"
    first, second = days_ahead(3, 10), days_ahead(4, 15)
    csv_file.write_text(HEADER + f"{first},45,Dr Chen,Ann Lee,,+447700900123\n"
                        f"{second},30,Dr Lee,Bob Ray,,07700 900124\n")

    added = await import_file(csv_file, settings)
    before = await database_rows(settings)
    again = await import_file(csv_file, settings)
    after = await database_rows(settings)
    csv_file.write_text(HEADER + f"{days_ahead(3, 16)},45,Dr Chen,Ann Lee,,+447700900123\n"
                        f"{second},30,Dr Lee,Bob Ray,,07700 900124\n")
    moved = await import_file(csv_file, settings)
    appointments, patients, messages = await database_rows(settings)

    assert (added.added, added.new_patients, added.problems) == (2, 2, [])
    assert (again.added, again.unchanged, again.new_patients) == (0, 2, 0)
    assert [(a.id, a.starts_at) for a in after[0]] == [(a.id, a.starts_at) for a in before[0]]
    assert [(m.id, m.due_at) for m in after[2]] == [(m.id, m.due_at) for m in before[2]]
    assert (moved.moved, moved.unchanged) == (1, 1)
    assert len(appointments) == 2 and len(patients) == 2
    assert [p.phone for p in patients] == ["+447700900123", "+447700900124"]
    assert all(p.telegram_user_id is None for p in patients)  # waiting to link Telegram
    ann = appointments[0]
    assert ann.starts_at.astimezone(LONDON).hour == 16
    guide = next(m for m in messages
                 if m.appointment_id == ann.id and m.kind == MessageKind.GUIDE)
    assert guide.due_at == ann.starts_at - timedelta(hours=24)
    assert guide.status == MessageStatus.PENDING


async def test_unknown_patients_and_past_times_are_refused_by_line(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    await upgrade_database_async(settings.database_url)
    csv_file = tmp_path / "day.csv"
    csv_file.write_text(HEADER + f"{days_ahead(2)},30,,,777000,\n"
                        f"{days_ahead(2)},30,,,,+447700900199\n"
                        f"2020-01-01 10:00,30,,Old,,+447700900198\n"
                        f"{days_ahead(2)},30,,Ok,,+447700900197\n")

    report = await import_file(csv_file, settings)

    assert report.added == 1
    reasons = dict(report.problems)
    assert "no patient with Telegram id 777000 has opened the bot" in reasons[2]
    assert "needs a name" in reasons[3]
    assert "in the past" in reasons[4]


async def test_the_command_imports_while_the_bot_runs_and_the_bot_sends_the_guide(
    telegram: TelegramStub, make_settings: SettingsFactory, tmp_path: Path, clock: ManualClock,
) -> None:
    settings = make_settings()
    # The import plans with the same .env as the bot, so it reads the same lead times.
    env = {"DATABASE_URL": settings.database_url, "CLINIC_TIMEZONE": "Europe/London"}
    csv_file = tmp_path / "today.csv"
    async with clinic_with(telegram, settings, clock) as clinic:
        ann = await consenting_patient(clinic)
        starts = clinic.now() + timedelta(days=3)
        csv_file.write_text(HEADER + f"{clinic_time(starts)},30,Dr Chen,Ann,{ann.user.id},\n"
                            "soon,30,Dr Chen,Ann,1,\n")

        code, out, err = await run_import(csv_file, env)
        clock.advance_to(starts - timedelta(hours=24))
        guide = await ann.next_message_with("Getting ready")

    assert code == 1, err  # one row refused
    assert "1 added" in out and "line 3: starts_at 'soon'" in out
    assert "Getting ready for your session" in guide.plain and "with Dr Chen" in guide.plain


async def test_the_command_explains_an_unusable_file(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command's own code, in this process (the test above runs it as a process)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)

    async def command(csv_file: Path) -> tuple[int, str, str]:
        code = await asyncio.to_thread(main, ["import-appointments", str(csv_file)])
        out, err = capsys.readouterr()
        return code, out, err

    missing = await command(tmp_path / "nope.csv")
    (tmp_path / "fine.csv").write_text(HEADER + f"{days_ahead(2)},30,,Ann,,+447700900123\n")
    fine = await command(tmp_path / "fine.csv")

    assert missing[0] == 2 and "Nothing was imported" in missing[2] and "no such file" in missing[2]
    assert "Traceback" not in missing[2]
    assert fine[0] == 0 and "1 added" in fine[1]


def test_a_quote_that_never_closes_is_refused_naming_its_line(settings: ClinicSettings) -> None:
    """It swallowed the rest of the file: 2 rows added, 1 "not imported", 1,997 neither."""
    rows = [f"{days_ahead(2)},30,,Pat {n},,+4477009{n:05}\n" for n in range(2000)]
    rows[2] = f'{days_ahead(2)},30,"Dr Chen,Pat,,+447700911111\n'  # line 4: opens, never closes

    with pytest.raises(ImportFileError, match=r"line 4: a quote mark .* never closes"):
        parse_csv(HEADER + "".join(rows), settings)


def test_a_stray_quote_that_closes_is_still_read(settings: ClinicSettings) -> None:
    text = (HEADER + f'{days_ahead(2)},30,"Dr" Chen,Ann,,+447700900123\n'
            + f"{days_ahead(2)},30,,Bob,,+447700900124\n")

    parsed = parse_csv(text, settings)

    assert [row.line for row in parsed.rows] == [2, 3]


async def test_the_report_accounts_for_every_row_and_identical_rows_are_booked_once(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    await upgrade_database_async(settings.database_url)
    same = f"{days_ahead(2)},45,Dr Chen,Ann Lee,,+447700900123\n"
    csv_file = tmp_path / "day.csv"
    csv_file.write_text(HEADER + same + same + "\n" + same
                        + f"{days_ahead(3)},30,,Bob,,+447700900124\n"
                        + "soon,30,,Cy,,+447700900125\n")

    report = await import_file(csv_file, settings)
    appointments, _, _ = await database_rows(settings)

    assert len(appointments) == 2  # Ann once, Bob
    assert report.added == 2 and report.duplicates == [(3, 2), (5, 2)]
    assert report.read == 5 and report.accounted == report.read and report.blank == 1
    summary = report.summary()
    assert summary.startswith("5 rows read: 2 added,")
    assert "1 row not imported; 2 rows the same as an earlier row, booked once; " \
           "1 empty line passed over." in summary


@pytest.mark.parametrize(("text", "said"), [
    (",".join(f"column{n}" for n in range(1_000_000)) + "\n1,2\n",
     "the header row has 1,000,000 columns"),
    ("x" * 19_000_000, "the header row: the line is 19,000,000 characters long"),
    (HEADER + "1," * 5_000_000 + "\n", "the line is 10,000,001 characters long"),
], ids=["a million columns", "one 19 MB line", "one 10 MB row"])
def test_odd_files_are_refused_clearly_without_being_held_whole(
    settings: ClinicSettings, text: str, said: str,
) -> None:
    """They gave "Sorry, something went wrong" and took the bot from 95 MB to 584 MB."""
    tracemalloc.start()
    try:
        try:
            parsed = parse_csv(text, settings)
        except ImportFileError as error:
            reason = str(error)
        else:
            reason = "; ".join(problem for _, problem in parsed.problems)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert said in reason
    assert peak < 5_000_000  # a few lines at a time, never the file again
