"""Exactly once across a crash: the bot process is killed with SIGKILL after its first
planned message, started again, and every later message arrives once, none twice.

Real processes on real time: what is booked is timed from the moment the bot polls, with
room for a restart on a busy machine."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.appointments import booking
from bot.core.clock import ManualClock
from bot.core.settings import ClinicSettings
from bot.stand_in import Chat, TelegramStub, User, until_polling
from db.migrate import upgrade_database_async
from db.models import MessageKind, MessageStatus, PlannedMessage, utcnow
from db.patients import TelegramProfile, record_messages_consent, register_patient
from db.session import Database
from tests.support.bots import SettingsFactory, bot_environment, running_bot, start_bot, stop_bot
from tests.support.quiet import owed

# Tens of seconds each: started first, so no worker is left finishing one alone.
pytestmark = pytest.mark.slow(seconds=15)

# Guide and reminder ten minutes, and ten minutes less three seconds, before a session:
# the messages that matter come seconds apart (a kill can fall between them), and a
# restart that takes long on a busy machine still finds every session ahead, so nothing
# is skipped for lateness (with a minute, a start, a kill and a slow second start on a
# loaded machine once passed the session, and the reminder was rightly never sent; in
# production the leads are a day and two hours).
GUIDE_LEAD = 600
TIMINGS = {"PRE_SESSION_LEAD": f"{GUIDE_LEAD}s", "REMINDER_LEAD": f"{GUIDE_LEAD - 3}s",
           "CHANGE_NOTICE_DELAY": "1h",
           "SCHEDULER_TOPUP_INTERVAL": "1s", "LOG_LEVEL": "INFO"}


async def book_patients(env: dict[str, str], starts: list[tuple[User, datetime]]) -> None:
    """Consenting patients with one session each, written as the running bot would."""
    settings = ClinicSettings(_env_file=None, database_url=env["DATABASE_URL"],
                              pre_session_lead=TIMINGS["PRE_SESSION_LEAD"],
                              reminder_lead=TIMINGS["REMINDER_LEAD"],
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


async def ann_and_bob(env: dict[str, str], telegram: TelegramStub,
                      *sessions: tuple[User, int]) -> list[Chat]:
    """Each patient booked for a session whose guide falls due so many seconds from now
    (and the reminder three seconds after); their chats. The running bot picks the rows
    up at its next top-up, as it would an import's."""
    now = utcnow()
    await book_patients(env, [(user, now + timedelta(seconds=GUIDE_LEAD + seconds))
                              for user, seconds in sessions])
    for user, _ in sessions:
        telegram.add_chat(user.private_chat())
    return [Chat(telegram, user) for user, _ in sessions]


async def started(env: dict[str, str], telegram: TelegramStub, tmp_path: Path
                  ) -> asyncio.subprocess.Process:
    """The bot process, once it polls (however long a busy machine takes to start it)."""
    calls = len(telegram.calls)
    process = await start_bot(env, tmp_path)
    await until_polling(telegram, since=calls, within=60)
    return process


async def until_nothing_due_is_open(database_url: str, within: float = 30) -> None:
    """Until every planned message due by now is sent, skipped or failed (none waiting or
    being sent): the bot has nothing left that could go out twice, so once it stops the
    count is final, with no waiting to see whether a duplicate shows itself."""
    deadline = time.monotonic() + within
    database = Database(database_url)
    try:
        while (still := await owed(database)) is not None:
            assert time.monotonic() < deadline, f"{still} still open"
            await asyncio.sleep(0.1)
    finally:
        await database.dispose()


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
    await upgrade_database_async(database_url)
    first = await started(env, telegram, tmp_path)
    # Messages 3 s apart or more, so the kill cannot land inside another message's send.
    ann, bob = User(5101, "Ann"), User(5102, "Bob")
    ann_chat, bob_chat = await ann_and_bob(env, telegram, (ann, 1), (bob, 7))
    try:
        guide = await ann_chat.next_message(timeout=30)
        # The first message's row is marked sent (milliseconds after Telegram took it)...
        for _ in range(100):
            if await status_of(env["DATABASE_URL"], 1) == MessageStatus.SENT:
                break
            await asyncio.sleep(0.05)
    finally:
        await stop_bot(first, signal.SIGKILL)  # ...then the process dies without a goodbye.
    assert first.returncode == -signal.SIGKILL

    second = await started(env, telegram, tmp_path)
    try:
        ann_reminder = await ann_chat.next_message(timeout=30)
        bob_guide = await bob_chat.next_message(timeout=30)
        bob_reminder = await bob_chat.next_message(timeout=30)
        await until_nothing_due_is_open(env["DATABASE_URL"])
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
    telegram: TelegramStub, make_settings: SettingsFactory, clock: ManualClock,
) -> None:
    # A top-up interval of an hour: the first top-up must not wait for it.
    settings = make_settings(scheduler_topup_interval="1h", **{
        name.lower(): value for name, value in TIMINGS.items()
        if name in ("PRE_SESSION_LEAD", "REMINDER_LEAD")})
    ann = User(5151, "Ann")
    telegram.add_chat(ann.private_chat())
    starts = clock.now() + timedelta(days=2)
    await book_patients({"DATABASE_URL": settings.database_url}, [(ann, starts)])
    # The guide fell due with the bot down; the reminder (three seconds later) not yet.
    clock.advance_to(starts - timedelta(seconds=GUIDE_LEAD - 2))
    async with running_bot(settings, clock):
        guide = await Chat(telegram, ann).next_message_with("Getting ready")
    assert "Getting ready for your session" in guide.plain


async def test_a_message_telegram_took_but_never_answered_is_not_sent_again_after_a_sigkill(
    telegram: TelegramStub, tmp_path: Path, database_url: str
) -> None:
    env = bot_environment(telegram, database_url) | TIMINGS
    await upgrade_database_async(database_url)
    first = await started(env, telegram, tmp_path)
    ann, bob = User(5201, "Ann"), User(5202, "Bob")
    ann_chat, bob_chat = await ann_and_bob(env, telegram, (ann, 1), (bob, 7))
    try:
        # Telegram takes Ann's guide, but its answer never reaches the bot, which dies.
        telegram.hold_answers()
        guide = await ann_chat.next_message(timeout=30)
    finally:
        await stop_bot(first, signal.SIGKILL)
        telegram.release_answers()

    second = await started(env, telegram, tmp_path)
    try:
        ann_reminder = await ann_chat.next_message(timeout=30)
        await bob_chat.next_message(timeout=30)
        await bob_chat.next_message(timeout=30)
        await until_nothing_due_is_open(env["DATABASE_URL"])
    finally:
        logs = await stop_bot(second)

    assert "Getting ready" in guide.plain and "Reminder" in ann_reminder.plain
    assert len(telegram.messages_to(ann.id)) == 2, logs[-2000:]
    assert len(telegram.messages_to(bob.id)) == 2
    # The guide was on the wire when its process died: in doubt, so neither resent nor
    # called sent, and recovered at once at the restart.
    assert await status_of(env["DATABASE_URL"], 1) == MessageStatus.FAILED
