"""Exactly once across a crash: the bot process is killed with SIGKILL after its first
planned message, started again, and every later message arrives once, none twice."""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot import booking
from bot.config import ClinicSettings
from db.migrate import upgrade_database_async
from db.models import MessageKind, MessageStatus, PlannedMessage, utcnow
from db.patients import TelegramProfile, record_messages_consent, register_patient
from db.session import Database
from tests.conftest import SettingsFactory, running_bot
from tests.telegram_stub import Chat, TelegramStub, User, until_polling
from tests.test_run import bot_environment, start_bot, stop_bot

TIMINGS = {"PRE_SESSION_LEAD": "4s", "REMINDER_LEAD": "2s", "CHANGE_NOTICE_DELAY": "1h",
           "SCHEDULER_TOPUP_INTERVAL": "1s", "LOG_LEVEL": "INFO"}


async def book_patients(env: dict[str, str], starts: list[tuple[User, datetime]]) -> None:
    """Consenting patients with one session each, written as the running bot would."""
    settings = ClinicSettings(_env_file=None, database_url=env["DATABASE_URL"],
                              pre_session_lead="4s", reminder_lead="2s",
                              change_notice_delay="1h")
    await upgrade_database_async(settings.database_url)
    database = Database(settings.database_url)
    now = utcnow()
    async with database.transaction() as session:
        for user, starts_at in starts:
            patient = await register_patient(session, TelegramProfile(
                user.id, user.id, user.first_name, None, None, "en"), now)
            await record_messages_consent(session, user.id, now)
            await booking.book(session, settings, patient_id=patient.id, starts_at=starts_at,
                               minutes=30, practitioner="Dr Chen", now=now)
    await database.dispose()


async def ann_and_bob(env: dict[str, str], telegram: TelegramStub, tmp_path: Path,
                      *sessions: tuple[User, int]) -> list[Chat]:
    """Each patient booked for a session starting so many seconds from now (guide 4 s and
    reminder 2 s before it), with the bot opened earlier; their chats."""
    (tmp_path / "data").mkdir()
    now = utcnow()
    await book_patients(env, [(user, now + timedelta(seconds=seconds))
                              for user, seconds in sessions])
    for user, _ in sessions:
        telegram.add_chat(user.private_chat())
    return [Chat(telegram, user) for user, _ in sessions]


async def status_of(database_url: str, message_id: int) -> str | None:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            return await session.scalar(
                select(PlannedMessage.status).where(PlannedMessage.id == message_id))
    finally:
        await database.dispose()


async def test_a_sigkill_after_the_first_message_loses_and_repeats_nothing(
    telegram: TelegramStub, tmp_path: Path, database_url: str
) -> None:
    env = bot_environment(telegram, database_url) | TIMINGS
    # Messages 2 s apart or more, so the kill cannot land inside another message's send.
    ann, bob = User(5101, "Ann"), User(5102, "Bob")
    ann_chat, bob_chat = await ann_and_bob(env, telegram, tmp_path, (ann, 16), (bob, 22))

    first = await start_bot(env, tmp_path)
    try:
        guide = await ann_chat.next_message(timeout=20)
        # The first message's row is marked sent (milliseconds after Telegram took it)...
        for _ in range(100):
            if await status_of(env["DATABASE_URL"], 1) == MessageStatus.SENT:
                break
            await asyncio.sleep(0.05)
    finally:
        await stop_bot(first, signal.SIGKILL)  # ...then the process dies without a goodbye.
    assert first.returncode == -signal.SIGKILL

    second = await start_bot(env, tmp_path)
    try:
        ann_reminder = await ann_chat.next_message(timeout=20)
        bob_guide = await bob_chat.next_message(timeout=20)
        bob_reminder = await bob_chat.next_message(timeout=20)
        await asyncio.sleep(3)  # time for any duplicate to show itself
    finally:
        logs = await stop_bot(second)

    assert "Getting ready" in guide.plain and "Getting ready" in bob_guide.plain
    assert "Reminder" in ann_reminder.plain and "Reminder" in bob_reminder.plain
    assert len(telegram.messages_to(ann.id)) == 2, [m.plain[:30] for m in
                                                    telegram.messages_to(ann.id)]
    assert len(telegram.messages_to(bob.id)) == 2
    database = Database(env["DATABASE_URL"])
    async with database.transaction() as session:
        rows = list(await session.scalars(select(PlannedMessage).where(
            PlannedMessage.kind.in_([MessageKind.GUIDE, MessageKind.REMINDER]))))
    await database.dispose()
    assert [(row.status, row.attempts) for row in rows] == [(MessageStatus.SENT, 1)] * 4, \
        logs[-2000:]


async def test_what_fell_due_while_the_bot_was_down_goes_out_at_start(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> None:
    # A top-up interval of an hour: the first top-up must not wait for it.
    settings = make_settings(pre_session_lead="4s", reminder_lead="2s",
                             scheduler_topup_interval="1h")
    ann = User(5151, "Ann")
    telegram.add_chat(ann.private_chat())
    await book_patients({"DATABASE_URL": settings.database_url},
                        [(ann, utcnow() + timedelta(seconds=6))])
    await asyncio.sleep(2.5)  # the guide falls due 2 s from now, with the bot down
    async with running_bot(settings):
        guide = await Chat(telegram, ann).next_message(timeout=3)
    assert "Getting ready for your session" in guide.plain


async def test_a_message_telegram_took_but_never_answered_is_not_sent_again_after_a_sigkill(
    telegram: TelegramStub, tmp_path: Path, database_url: str
) -> None:
    env = bot_environment(telegram, database_url) | TIMINGS
    ann, bob = User(5201, "Ann"), User(5202, "Bob")
    ann_chat, bob_chat = await ann_and_bob(env, telegram, tmp_path, (ann, 12), (bob, 22))

    first = await start_bot(env, tmp_path)
    try:
        await until_polling(telegram)
        # Telegram takes Ann's guide, but its answer never reaches the bot, which dies.
        telegram.hold_answers()
        guide = await ann_chat.next_message(timeout=15)
    finally:
        await stop_bot(first, signal.SIGKILL)
        telegram.release_answers()

    second = await start_bot(env, tmp_path)
    try:
        ann_reminder = await ann_chat.next_message(timeout=20)
        await bob_chat.next_message(timeout=25)
        await bob_chat.next_message(timeout=20)
        await asyncio.sleep(2)  # time for a duplicate to show itself
    finally:
        logs = await stop_bot(second)

    assert "Getting ready" in guide.plain and "Reminder" in ann_reminder.plain
    assert len(telegram.messages_to(ann.id)) == 2, logs[-2000:]
    assert len(telegram.messages_to(bob.id)) == 2
    # The guide's row says it was on its way: in doubt, so neither resent nor called sent.
    assert await status_of(env["DATABASE_URL"], 1) == MessageStatus.SENDING
