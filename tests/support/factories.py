"""The people, bookings and files a test starts from, and ways to wait for what the bot
did with them."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.appointments import booking
from bot.appointments.timers import schedule_soon
from bot.core.clock import ManualClock
from bot.core.settings import ClinicSettings, Settings
from bot.stand_in import BotMessage, Chat, TelegramStub, User
from bot.texts.content import packaged_content_dir
from db.appointments import patient_by_reference
from db.models import (
    MessageKind,
    MessageStatus,
    PlannedMessage,
    utcnow,
)
from db.patients import TelegramProfile, record_messages_consent, register_patient
from db.session import Database
from tests.support.bots import Clinic
from tests.support.processes import python_module, spawn

LONDON = ZoneInfo("Europe/London")


def clinic_time(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S")


def days_ahead(days: int, hour: int = 10) -> str:
    """The clinic's date `days` from today at `hour`:30, as an export writes it."""
    day = (utcnow() + timedelta(days=days)).astimezone(LONDON).date()
    return f"{day} {hour:02}:30"


def import_settings(database_url: str, **overrides: Any) -> ClinicSettings:
    """What the CSV import needs: a London clinic whose numbers are British."""
    return ClinicSettings(_env_file=None, database_url=database_url,
                          clinic_timezone="Europe/London", phone_region="GB", **overrides)


async def consenting_patient(clinic: Clinic, name: str = "Ann") -> Chat:
    """A patient who opened the bot and tapped the consent button before the test: their
    record as /start and the tap leave it (tests/test_faq.py goes through both)."""
    patient = clinic.patient(name, username=f"{name.lower()}_p")
    user = patient.user
    now = clinic.now()
    async with clinic.application.bot_data.services.database.transaction() as session:
        await register_patient(session, TelegramProfile(
            user.id, user.id, user.first_name, user.last_name, user.username,
            user.language_code), now)
        await record_messages_consent(session, user.id, now)
    clinic.telegram.add_chat(user.private_chat())
    return patient


def in_days(clinic_or_clock: Clinic | ManualClock, days: int, at: str = "10:00") -> datetime:
    """A clinic-time start `days` ahead, at `at` (London), as an aware UTC time."""
    now = clinic_or_clock.now()
    day = now.astimezone(LONDON).date() + timedelta(days=days)
    return datetime.combine(day, time.fromisoformat(at), LONDON).astimezone(UTC)


async def until_outcome(clinic: Clinic, kind: MessageKind) -> PlannedMessage:
    """The planned message of `kind`, once it has left the queue (sent, skipped, failed)."""
    settings = clinic.application.bot_data.settings
    found: list[PlannedMessage] = []

    async def settled() -> bool:
        found[:] = [m for m in await planned(settings, kind)
                    if m.status not in (MessageStatus.PENDING, MessageStatus.SENDING)]
        return bool(found)

    for _ in range(200):
        if await settled():
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the {kind} never left the queue")


async def until_every_one_left_the_queue(clinic: Clinic, *kinds: MessageKind) -> None:
    """Until every planned message of `kinds` has left the queue (sent, skipped, failed):
    after that none of them can go out again, so what the stand-in holds is final."""
    settings = clinic.application.bot_data.settings
    for _ in range(200):
        messages = [m for kind in kinds for m in await planned(settings, kind)]
        if messages and all(m.status not in (MessageStatus.PENDING, MessageStatus.SENDING)
                            for m in messages):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"a planned {' or '.join(kinds)} never left the queue")
NEWS_PLAIN = "The clinic is closed on Friday & Saturday."


async def seed_patients(database: Database, telegram: TelegramStub, count: int,
                        first_id: int = 700000) -> list[User]:
    """Patients who opened the bot and agreed to updates, written straight to the
    database (as many /start taps would)."""
    users = [User(first_id + n, f"Patient{n}") for n in range(count)]
    now = utcnow()
    async with database.transaction() as session:
        for user in users:
            telegram.add_chat(user.private_chat())
            await register_patient(session, TelegramProfile(
                user.id, user.id, user.first_name, None, None, "en"), now)
            await record_messages_consent(session, user.id, now)
    return users


def copies(telegram: TelegramStub, users: list[User]) -> Counter[int]:
    counted: Counter[int] = Counter()
    for user in users:
        counted[user.id] = sum(1 for m in telegram.messages_to(user.id) if m.plain == NEWS_PLAIN)
    return counted


async def book_session(clinic: Clinic, patient: Chat, ends_ago: timedelta = timedelta(0),
                       minutes: int = 30) -> int:
    """A session for `patient` that ended `ends_ago` (a negative one is still to come)."""
    app = clinic.application
    now = clinic.now()
    starts_at = now - ends_ago - timedelta(minutes=minutes)
    async with app.bot_data.services.database.transaction() as session:
        found = await patient_by_reference(session, str(patient.user.id))
        assert found is not None
        appointment, _, planned = await booking.book(
            session, app.bot_data.settings, patient_id=found.id, starts_at=starts_at,
            minutes=minutes, practitioner="Dr Chen", now=now)
    assert app.job_queue is not None
    schedule_soon(app.job_queue, app.bot_data, planned)
    return appointment.id


async def checked_in(clinic: Clinic, name: str = "Ann") -> tuple[Chat, BotMessage]:
    """A patient whose session just ended, and the check-in a day later."""
    patient = await consenting_patient(clinic, name)
    await book_session(clinic, patient)
    # (A session already over gets no booking notice: only the check-in comes.)
    clinic.clock.advance(clinic.application.bot_data.settings.checkin_delay)
    return patient, await patient.next_message_with("How are you feeling")


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(packaged_content_dir(), target, ignore=shutil.ignore_patterns("*.py",
                                                                                   "__pycache__"))
    return target


async def run_import(csv_file: Path, env: dict[str, str], *options: str
                     ) -> tuple[int, str, str]:
    process = await spawn(python_module("bot", "import-appointments", *options,
                                        str(csv_file)),
                          cwd=csv_file.parent, env={"PATH": "/usr/bin:/bin", **env})
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def practice_export(day: datetime) -> str:
    """What a practice-management system's "export to CSV" gives: its own column names,
    day-first dates, 12-hour times, national phone numbers, columns the bot has no use
    for, and a name with an accent."""
    written = f"{day:%d/%m/%Y}"
    return ("Appointment Date;Time;Patient;Mobile;Provider;Duration (mins);Email\r\n"
            f"{written};9:00 AM;Zoë Brontë;07700 900123;Dr Chen;45;zoe@example.com\r\n"
            f"{written};2:30 PM;Bob Ray;07700 900124;Dr Lee;30;\r\n")


async def planned(settings: Settings, kind: MessageKind) -> list[PlannedMessage]:
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            return list(await session.scalars(
                select(PlannedMessage).where(PlannedMessage.kind == kind)))
    finally:
        await database.dispose()


async def book_each(database_url: str, users: list[User], starts_in: timedelta,
                    notice_delay: str) -> None:
    """A 30-minute session with Dr Chen for each patient, `starts_in` from now (a second
    apart), booked as staff would, with the change notices `notice_delay` after."""
    database = Database(database_url)
    settings = ClinicSettings(_env_file=None, database_url=database_url,
                              change_notice_delay=notice_delay)
    now = utcnow()
    async with database.transaction() as session:
        for n, user in enumerate(users):
            patient = await patient_by_reference(session, str(user.id))
            assert patient is not None
            await booking.book(session, settings, patient_id=patient.id,
                               starts_at=now + starts_in + timedelta(seconds=n),
                               minutes=30, practitioner="Dr Chen", now=now)
    await database.dispose()
