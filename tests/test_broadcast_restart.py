"""A broadcast survives SIGKILL: the restarted bot finishes it, and each patient ends with
exactly one copy."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bot.sending.rate_limit import OVERALL_PER_SECOND
from bot.stand_in import Chat, TelegramStub, User, until_polling
from db.migrate import upgrade_database_async
from db.session import Database
from tests.support.bots import STAFF_ID, bot_environment, start_bot, stop_bot
from tests.support.factories import NEWS_PLAIN, copies, seed_patients

# Tens of seconds each: started first, so no worker is left finishing one alone.
pytestmark = pytest.mark.slow(seconds=25)

PATIENTS = 150


async def test_a_sigkill_mid_broadcast_then_a_restart_gives_everyone_one_copy(
    telegram: TelegramStub, tmp_path: Path, database_url: str
) -> None:
    env = bot_environment(telegram, database_url) | {"LOG_LEVEL": "INFO"}
    await upgrade_database_async(env["DATABASE_URL"])
    database = Database(env["DATABASE_URL"])
    users = await seed_patients(database, telegram, PATIENTS)
    await database.dispose()
    staff = Chat(telegram, User(STAFF_ID, "Sam"))

    first = await start_bot(env, tmp_path)
    try:
        await until_polling(telegram)
        await staff.ask(f"/broadcast {NEWS_PLAIN}")
        control = await staff.next_message()
        await staff.tap(control, "Send")
        await telegram.wait_for(lambda: copies(telegram, users).total() >= 60,
                                what="the first copies")
        # Telegram takes the copies in flight but the bot never hears back; then it dies.
        telegram.hold_answers()
        # Every claimed copy is on the wire once the limiter's share is all in flight: no
        # slot is left to claim another with (bot/sending/broadcast_runner.py takes the
        # slot first, then the claim).
        await telegram.wait_for(lambda: telegram.quiet.requests >= OVERALL_PER_SECOND,
                                what="the limiter's share all in flight, unanswered")
    finally:
        await stop_bot(first, signal.SIGKILL)
        telegram.release_answers()
    delivered_before = copies(telegram, users).total()
    assert 60 <= delivered_before < PATIENTS

    second = await start_bot(env, tmp_path)
    try:
        await telegram.wait_for(lambda: copies(telegram, users).total() >= PATIENTS,
                                timeout=40, what="every patient's copy")
        # The report says done only once no copy waits and none is on its way
        # (bot/sending/broadcast_runner.py): nothing is left that could go out twice.
        await telegram.wait_for(lambda: "done" in control.plain,
                                what="the report")
    finally:
        logs = await stop_bot(second)

    sent = copies(telegram, users)
    assert all(sent[user.id] == 1 for user in users), logs[-2000:]
    assert telegram.too_many_requests == 0
    assert "on their way to Telegram in a process that is gone; not resent" in logs
