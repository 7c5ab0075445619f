"""The demo clinic: its settings, a staff member, the staff group, and patients who have
opened the bot, two of them with sessions today and tomorrow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.appointments import booking
from bot.core.settings import Settings
from bot.stand_in import TOKEN, TelegramStub, User
from bot.texts.translations import shipped_languages
from db.patients import TelegramProfile, record_messages_consent, register_patient
from db.session import Database

STAFF = User(1001, "Sam", username="sam_reception")
STAFF_GROUP_ID = -1001
STAFF_GROUP: dict[str, object] = {"id": STAFF_GROUP_ID, "type": "supergroup",
                                  "title": "Clinic staff"}


@dataclass(frozen=True)
class DemoPatient:
    user: User
    consented: bool
    session_in: timedelta | None  # from the demo's start; None: no booking


PATIENTS = (
    DemoPatient(User(2001, "Ann", username="ann_demo"), True, timedelta(hours=3)),
    DemoPatient(User(2002, "Ben", username="ben_demo"), True, timedelta(hours=26)),
    DemoPatient(User(2003, "Cleo"), False, None),
)


def demo_settings(telegram: TelegramStub, database_file: Path,
                  content_dir: Path | None = None) -> Settings:
    """The demo clinic's settings; `content_dir`: texts of one's own (CONTENT_DIR), else
    the packaged `content/`."""
    return Settings(
        _env_file=None,
        telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url,
        database_url=f"sqlite+aiosqlite:///{database_file}",
        clinic_name="Lotus & Pine Clinic (demo)",
        clinic_contact="020 7946 0000 (the demo clinic's phone)",
        emergency_number="999", clinic_timezone="Europe/London", phone_region="GB",
        date_order="day", staff_user_ids=str(STAFF.id), staff_chat_id=STAFF_GROUP_ID,
        polling_timeout=1, log_level="WARNING", content_dir=content_dir,
        # Every language with texts, so a patient on the page can be switched to any.
        languages=",".join(shipped_languages(content_dir)))


async def seed(database: Database, telegram: TelegramStub, settings: Settings,
               now: datetime) -> None:
    """The chats exist on Telegram's side; the patients who consented have opened the bot
    (as /start and the consent tap leave them) and two have sessions booked."""
    telegram.add_chat(STAFF_GROUP)
    telegram.add_chat(STAFF.private_chat())
    async with database.transaction() as session:
        for patient in PATIENTS:
            telegram.add_chat(patient.user.private_chat())
            if not patient.consented:
                continue
            profile = TelegramProfile(patient.user.id, patient.user.id,
                                      patient.user.first_name, None,
                                      patient.user.username, "en")
            record = await register_patient(session, profile, now)
            await record_messages_consent(session, patient.user.id, now)
            if patient.session_in is not None:
                starts = (now + patient.session_in).replace(minute=0, second=0,
                                                            microsecond=0)
                await booking.book(session, settings, patient_id=record.id,
                                   starts_at=starts, minutes=45, practitioner="Dr Chen",
                                   now=now)
