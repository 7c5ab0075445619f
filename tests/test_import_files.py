"""Appointment files as clinics have them: spreadsheet encodings, their column names and
date order, two sessions of one patient on one day, values that are not what a column
holds, times the clocks skip or repeat, a refused row that changes nothing, a dry run,
and a running bot that plans an import at once. On both databases where it writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.appointments.import_reader import parse_csv
from bot.appointments.importer import import_file
from bot.appointments.timers import job_name
from bot.core.clock import ManualClock
from bot.core.settings import ClinicSettings
from bot.stand_in import BotMessage, TelegramStub
from db.migrate import upgrade_database_async
from db.models import Appointment, MessageKind, Patient, PlannedMessage, utcnow
from db.planned import skip_pending
from db.session import Database
from tests.support.bots import Clinic, SettingsFactory, clinic_with
from tests.support.factories import (
    LONDON,
    consenting_patient,
    import_settings,
    practice_export,
    run_import,
)


@pytest.fixture
async def settings(database_url: str) -> ClinicSettings:
    await upgrade_database_async(database_url)
    return import_settings(database_url, date_order="day")


def day_ahead(days: int) -> datetime:
    return (utcnow() + timedelta(days=days)).astimezone(LONDON)


async def table(settings: ClinicSettings, model: Any) -> list[Any]:
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            return list(await session.scalars(select(model).order_by(model.id)))
    finally:
        await database.dispose()


@pytest.mark.parametrize(("encoding", "called"), [
    ("cp1252", "Windows-1252"), ("utf-16", "UTF-16"), ("utf-8-sig", "UTF-8 with BOM")])
async def test_a_practice_systems_export_goes_in_without_editing(
    settings: ClinicSettings, tmp_path: Path, encoding: str, called: str
) -> None:
    day = day_ahead(5)
    csv_file = tmp_path / "export.csv"
    csv_file.write_bytes(practice_export(day).encode(encoding))

    report = await import_file(csv_file, settings)
    appointments = await table(settings, Appointment)
    patients = await table(settings, Patient)

    assert report.problems == [] and report.added == 2 and report.new_patients == 2
    assert report.encoding == called and report.ignored_columns == ["Email"]
    assert f"Read as {called}. Columns ignored: Email." in report.summary()
    assert [patient.first_name for patient in patients] == ["Zoë Brontë", "Bob Ray"]
    assert [(a.starts_at.astimezone(LONDON).strftime("%d %H:%M"), a.duration_minutes,
             a.practitioner) for a in appointments] == [
        (f"{day:%d} 09:00", 45, "Dr Chen"), (f"{day:%d} 14:30", 30, "Dr Lee")]


def test_dates_that_could_be_either_order_need_the_clinics_date_order() -> None:
    base = {"_env_file": None, "clinic_timezone": "Europe/London", "phone_region": "GB"}
    header = "date,time,phone,name\n"
    row = "03/12/2030,10:00,07700900123,Ann\n"

    unsure = parse_csv(header + row, ClinicSettings(**base))  # type: ignore[arg-type]
    days = parse_csv(header + row, ClinicSettings(**base, date_order="day"))  # type: ignore[arg-type]
    months = parse_csv(header + row, ClinicSettings(**base, date_order="MDY"))  # type: ignore[arg-type]
    plain = parse_csv(header + "13/12/2030,10:00,07700900123,Ann\n",
                      ClinicSettings(**base))  # type: ignore[arg-type]

    assert "could be 3 December or 12 March" in unsure.problems[0][1]
    assert "DATE_ORDER" in unsure.problems[0][1]
    assert days.rows[0].starts_at.strftime("%d %m") == "03 12"
    assert months.rows[0].starts_at.strftime("%d %m") == "12 03"
    assert plain.rows[0].starts_at.strftime("%d %m") == "13 12"  # 13 can only be a day


async def test_two_sessions_of_one_patient_on_one_day_stay_two(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    day = day_ahead(4).date()
    csv_file = tmp_path / "day.csv"

    def rows(*times: str) -> str:
        return "starts_at,phone,name,practitioner\n" + "".join(
            f"{day} {at},07700900123,Ann,Dr Chen\n" for at in times)

    csv_file.write_text(rows("09:00", "14:00"))
    first = await import_file(csv_file, settings)
    again = await import_file(csv_file, settings)
    csv_file.write_text(rows("09:00", "15:00"))  # the afternoon session moved
    moved = await import_file(csv_file, settings)
    appointments = await table(settings, Appointment)

    assert (first.added, first.moved, first.problems) == (2, 0, [])
    assert (again.added, again.unchanged) == (0, 2)
    assert (moved.added, moved.moved, moved.unchanged) == (0, 1, 1)
    assert [a.starts_at.astimezone(LONDON).strftime("%H:%M") for a in appointments] == [
        "09:00", "15:00"]


async def test_every_bad_value_is_refused_by_its_line_and_the_rest_go_in(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    day = day_ahead(3).date()
    good = f"{day} 10:00"
    lines = [
        "starts_at,duration_minutes,phone,name,practitioner,booking_ref",
        f"{good},45,07700900100,Ann,Dr Chen,",  # 2: fine
        "9999-01-01 10:00,45,07700900101,Bo,,",  # 3: a year nobody books
        f"{good},²5,07700900102,Cy,,",  # 4: a Unicode digit
        f"{good},45,07700900103,{'D' * 200_000},,",  # 5: a field over 128 KB
        f"{good},45,07700900104,E\x00d,,",  # 6: a NUL (PostgreSQL refuses them)
        f"{good},45,07700900105,Flo,{'ß' * 128},",  # 7: longer once case-folded; fine
        "2020-01-01 10:00,45,07700900106,Gus,,",  # 8: past: no patient record either
        f"{good},45,07700900107,Hal,,R-1",  # 9: fine
        f"{day} 11:00,45,07700900108,Ivy,,R-1",  # 10: the same booking_ref again
    ]
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("\n".join(lines) + "\n")

    report = await import_file(csv_file, settings)
    patients = await table(settings, Patient)

    reasons = dict(report.problems)
    assert sorted(reasons) == [3, 4, 5, 6, 8, 10]
    assert "not a date in the next" in reasons[3]
    assert "duration_minutes '²5'" in reasons[4]
    assert "the line is 200,035 characters long" in reasons[5]
    assert "not text" in reasons[6]
    assert "in the past" in reasons[8]
    assert "already on line 9" in reasons[10]
    assert report.added == 3 and report.new_patients == 3
    assert sorted(patient.first_name for patient in patients) == ["Ann", "Flo", "Hal"]
    assert "3 new patients" in report.summary() and "6 rows not imported" in report.summary()


async def test_a_time_the_clocks_skip_or_repeat_is_refused_unless_its_offset_says(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    year = utcnow().year + 1
    spring = f"{year}-03-{31 - (date(year, 3, 31).weekday() + 1) % 7:02}"  # last Sunday
    autumn = f"{year}-10-{31 - (date(year, 10, 31).weekday() + 1) % 7:02}"
    csv_file = tmp_path / "dst.csv"
    csv_file.write_text("starts_at,phone,name\n"
                        f"{spring} 01:30,07700900100,Ann\n"
                        f"{autumn} 01:30,07700900101,Bo\n"
                        f"{autumn} 01:30+00:00,07700900102,Cy\n")

    report = await import_file(csv_file, settings)
    [appointment] = await table(settings, Appointment)

    reasons = dict(report.problems)
    assert "does not exist in Europe/London" in reasons[2] and "02:00" in reasons[2]
    assert "happens twice" in reasons[3] and f"{autumn} 01:30+01:00" in reasons[3]
    assert appointment.starts_at == datetime.fromisoformat(f"{autumn}T01:30+00:00")


async def test_a_dry_run_says_what_would_change_and_changes_nothing(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": settings.database_url, "CLINIC_TIMEZONE": "Europe/London",
           "PHONE_REGION": "GB", "DATE_ORDER": "day"}
    csv_file = tmp_path / "export.csv"
    csv_file.write_bytes(practice_export(day_ahead(5)).encode("cp1252"))

    code, out, err = await run_import(csv_file, env, "--dry-run")

    assert code == 0, err
    assert out.startswith("Dry run: nothing was changed.")
    assert "2 would be added" in out and "2 new patients would wait" in out
    assert await table(settings, Appointment) == [] and await table(settings, Patient) == []


async def test_skipping_pending_messages_reads_one_appointments_not_every_pending_one(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    """`kind IN ()` made SQLite read every pending message for each booking, and the
    import slow down with every row; with a thousand pending messages analysed, both
    databases look one appointment's up by (appointment_id, kind)."""
    day = day_ahead(3).date()
    csv_file = tmp_path / "many.csv"
    csv_file.write_text("starts_at,phone,name\n" + "".join(
        f"{day} {8 + n // 60:02}:{n % 60:02},+4477009{n:05},P{n}\n" for n in range(300)))
    await import_file(csv_file, settings)
    sqlite = settings.database_url.startswith("sqlite")
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            await skip_pending(session, 1, [], "nothing")  # asks nothing at all
            await session.execute(text("ANALYZE"))
            plan = (await session.execute(text(
                ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") +
                "UPDATE planned_messages SET status = 'skipped' WHERE appointment_id = 7 "
                "AND kind IN ('guide', 'reminder') AND status = 'pending'"))).all()
    finally:
        await database.dispose()
    described = " ".join(str(part) for row in plan for part in row)
    if sqlite:
        assert "(appointment_id=? AND kind=?)" in described, described
    else:
        assert "uq_planned_messages_appointment_kind" in described, described


async def test_a_running_bot_plans_a_shell_import_within_seconds(
    telegram: TelegramStub, make_settings: SettingsFactory, tmp_path: Path, clock: ManualClock,
) -> None:
    settings = make_settings(scheduler_topup_interval="1h")
    env = {"DATABASE_URL": settings.database_url, "CLINIC_TIMEZONE": "Europe/London"}
    csv_file = tmp_path / "later.csv"
    async with clinic_with(telegram, settings, clock) as clinic:
        ann = await consenting_patient(clinic)
        starts = (clinic.now() + timedelta(hours=5)).astimezone(LONDON)
        csv_file.write_text("starts_at,telegram_user_id\n"
                            f"{starts:%Y-%m-%d %H:%M},{ann.user.id}\n")
        code, _, err = await run_import(csv_file, env)
        assert code == 0, err
        notice = await planned_notice(settings)
        # Not at the next top-up an hour on: the bot looks every few seconds.
        await timer_set(clinic, notice)


async def planned_notice(settings: ClinicSettings) -> int:
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            found = await session.scalar(select(PlannedMessage.id).where(
                PlannedMessage.kind == MessageKind.NOTICE))
    finally:
        await database.dispose()
    assert found is not None
    return found


async def timer_set(clinic: Clinic, message_id: int) -> None:
    assert clinic.application.job_queue is not None
    scheduler = clinic.application.job_queue.scheduler
    for _ in range(300):
        if scheduler.get_job(job_name(message_id)) is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no timer for the imported booking's notice after 15 s")


async def test_book_and_move_refuse_a_time_the_clocks_skip_or_repeat(clinic: Clinic) -> None:
    ann = await consenting_patient(clinic)
    staff = clinic.staff_member()
    year = clinic.now().year + 1
    spring = f"{year}-03-{31 - (date(year, 3, 31).weekday() + 1) % 7:02}"
    autumn = f"{year}-10-{31 - (date(year, 10, 31).weekday() + 1) % 7:02}"

    gap = await staff.ask(f"/book {ann.user.id} {spring} 01:30 45 Dr Chen")
    twice = await staff.ask(f"/book {ann.user.id} {autumn} 01:30 45 Dr Chen")
    booked = await staff.ask(f"/book {ann.user.id} {autumn} 01:30+00:00 45 Dr Chen")
    number = booked.plain.split("#", 1)[1].split(",", 1)[0]
    moved = await staff.ask(f"/move {number} {spring} 01:15")

    assert "does not exist in Europe/London" in gap.plain and "02:00" in gap.plain
    assert "happens twice" in twice.plain and f"{autumn} 01:30+01:00" in twice.plain
    assert "Booked #" in booked.plain
    assert "does not exist" in moved.plain


@pytest.mark.slow(seconds=15)
async def test_an_import_racing_patients_questions_keeps_every_answer(
    telegram: TelegramStub, make_settings: SettingsFactory, tmp_path: Path, clock: ManualClock,
) -> None:
    """3,000 rows (six batches) go in by the shell command while patients keep asking:
    every question gets its answer, none "something went wrong" (the import once held
    SQLite's write lock for all of its 48 s, and the bot's transactions failed)."""
    settings = make_settings()
    env = {"DATABASE_URL": settings.database_url, "CLINIC_TIMEZONE": "Europe/London"}
    day = day_ahead(3)
    csv_file = tmp_path / "big.csv"
    csv_file.write_text("starts_at,phone,name,practitioner\n" + "".join(
        f"{(day + timedelta(days=n // 200)):%Y-%m-%d} {8 + n % 200 // 20:02}:{n % 20 * 3:02},"
        f"+4477009{n:05},P{n},Dr {n % 7}\n" for n in range(3000)))
    async with clinic_with(telegram, settings, clock) as clinic:
        patients = [clinic.patient(f"Q{n}") for n in range(5)]
        for patient in patients:
            await patient.ask("/start")
        importing = asyncio.create_task(run_import(csv_file, env))
        answers: list[BotMessage] = []
        while not importing.done() or not answers:
            answers += await asyncio.gather(*(patient.ask("does acupuncture hurt?")
                                              for patient in patients))
        code, out, err = await importing

    assert code == 0, err
    assert "3000 added" in out
    assert all("pinch" in answer.plain or "tingl" in answer.plain for answer in answers), [
        answer.plain[:80] for answer in answers if "pinch" not in answer.plain][:3]


async def test_the_booking_dialog_refuses_a_time_the_clocks_skip(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    """Three days before the clocks go forward in London (28 March 2027, 01:00 to
    02:00): a typed 01:30 on that day is refused, and 02:30 books."""
    clock = ManualClock(datetime(2027, 3, 25, 12, 0, tzinfo=UTC))
    async with clinic_with(telegram, make_settings(), clock) as clinic:
        await consenting_patient(clinic, "Ann")
        staff = clinic.staff_member()
        await staff.ask("/book")
        days = await staff.ask("@ann_p")
        await staff.tap_and_see_edit(days, "Sun 28")
        refused = await staff.ask("01:30")
        length = await staff.ask("02:30")

    assert "does not exist in Europe/London" in refused.plain and "02:00" in refused.plain
    assert "How long is the session?" in length.plain


def test_the_documented_sample_imports_cleanly_with_the_example_settings() -> None:
    """docs/importing.md's sample, read with .env.example's clinic (London, GB phones):
    every row goes in (the sample's dates are early December 2026)."""
    docs = Path(__file__).parent.parent / "docs" / "importing.md"
    sample = docs.read_text().split("```csv\n", 1)[1].split("```", 1)[0]
    settings = ClinicSettings(_env_file=Path(__file__).parent.parent / ".env.example",
                              database_url="sqlite+aiosqlite:///unused.db")

    parsed = parse_csv(sample, settings)

    assert parsed.problems == [] and len(parsed.rows) == 3
    assert all(row.phone and row.phone.startswith("+44") for row in parsed.rows)
    assert parsed.rows[0].starts_at == datetime.fromisoformat("2026-12-03T09:30+00:00")
