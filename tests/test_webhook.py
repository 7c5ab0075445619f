"""Webhook mode behind the stand-in, which delivers updates by POST as Telegram does: once
as the operator runs it (`python -m bot run --webhook`), and otherwise with the same
server (`bot.assembly.webhook.serve`) in the test's own process."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.stand_in import Chat, TelegramStub, User
from db.models import ReceivedUpdate, utcnow
from db.session import Database
from tests.support.bots import (
    WEBHOOK_SECRET,
    SettingsFactory,
    bot_environment,
    free_port,
    serving_webhook,
    start_bot,
    stop_bot,
)

SECRET = WEBHOOK_SECRET


@pytest.fixture
async def webhook_process(telegram: TelegramStub, tmp_path: Path, database_url: str
                          ) -> AsyncIterator[str]:
    """`python -m bot run --webhook`; yields its address."""
    port = free_port()
    env = bot_environment(telegram, database_url) | {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram", "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port), "WEBHOOK_SECRET": SECRET}
    env.pop("POLLING_TIMEOUT")
    process = await start_bot(env, tmp_path, "--webhook")
    try:
        await telegram.wait_for(lambda: telegram.webhook.active, timeout=30,
                                what="the bot to set its webhook")
        yield f"http://127.0.0.1:{port}"
    finally:
        logs = await stop_bot(process)
        assert process.returncode == 0, logs[-2000:]


@pytest.fixture
async def webhook_bot(telegram: TelegramStub, make_settings: SettingsFactory
                      ) -> AsyncIterator[str]:
    """The bot's webhook server in this process; yields its address."""
    async with serving_webhook(telegram, make_settings) as (_, address):
        yield address


@pytest.mark.slow(seconds=5)
async def test_updates_arrive_by_webhook_with_the_secret_and_are_answered(
    telegram: TelegramStub, webhook_process: str
) -> None:
    ann = Chat(telegram, User(4242, "Ann"))

    welcome = await ann.ask("/start")
    answer = await ann.ask("does acupuncture hurt?")

    assert telegram.webhook.url == f"{webhook_process}/telegram"
    assert telegram.webhook.secret == SECRET
    assert welcome.plain.startswith("Hello Ann!")
    assert "pinch" in answer.plain or "tingl" in answer.plain
    assert not any(method == "getUpdates" for method, _ in telegram.calls)


async def test_a_call_without_the_secret_is_refused_and_changes_nothing(
    telegram: TelegramStub, webhook_bot: str
) -> None:
    ann = Chat(telegram, User(4242, "Ann"))
    await ann.ask("/start")
    forged = dict(telegram.webhook.updates[-1], update_id=99999)

    missing = await telegram.webhook.post(forged, None)
    wrong = await telegram.webhook.post(forged, "not-the-secret")

    assert (missing, wrong) == (403, 403)
    await ann.no_reply()


async def test_an_update_sent_twice_is_handled_once(
    telegram: TelegramStub, webhook_bot: str
) -> None:
    ann = Chat(telegram, User(4242, "Ann"))
    await ann.ask("/start")
    await ann.ask("how long is a session?")
    question = telegram.webhook.updates[-1]

    again = await telegram.webhook.post(question, SECRET)  # Telegram retrying it

    assert again == 200
    await ann.no_reply()


async def test_the_health_check_reports_the_database_and_scheduler(webhook_bot: str) -> None:
    async with aiohttp.ClientSession() as session, \
            session.get(f"{webhook_bot}/healthz") as response:
        state = await response.json()

    assert response.status == 200
    assert state == {"database": "ok", "scheduler": "ok"}


@pytest.mark.slow(seconds=3)
async def test_webhook_mode_without_a_secret_explains_what_is_missing(
    telegram: TelegramStub, tmp_path: Path
) -> None:
    env = bot_environment(telegram, f"sqlite+aiosqlite:///{tmp_path}/c.db") | {
        "BOT_MODE": "webhook", "WEBHOOK_URL": "https://bot.clinic.example/telegram"}
    process = await start_bot(env, tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 2
    assert "WEBHOOK_SECRET" in stderr.decode() and "Traceback" not in stderr.decode()


NOT_UPDATES: dict[str, str | bytes] = {
    "a list": "[1, 2]",
    "null": "null",
    "a message that is a string": '{"update_id": 5, "message": "x"}',
    "an update_id beyond int64": '{"update_id": 99999999999999999999999}',
    "an update_id that is text": '{"update_id": "7"}',
    "deep nesting": '{"update_id": 8, "message": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "not JSON": "update_id=9",
    "not UTF-8": b'{"update_id": 10, "message": {"text": "\xff\xfe caf\xe9"}}',
}


async def test_a_body_that_is_not_an_update_gets_400_and_one_warning_line(
    telegram: TelegramStub, webhook_bot: str, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    statuses = {}
    async with aiohttp.ClientSession() as session:
        for name, body in NOT_UPDATES.items():
            async with session.post(f"{webhook_bot}/telegram", data=body,
                                    headers=headers) as response:
                statuses[name] = response.status
    answer = await Chat(telegram, User(4243, "Ben")).ask("/start")

    assert statuses == dict.fromkeys(NOT_UPDATES, 400)
    refused = [record for record in caplog.records if "Webhook body refused" in record.message]
    assert len(refused) == len(NOT_UPDATES)
    assert all(record.levelname == "WARNING" and record.exc_info is None
               for record in refused)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert answer.plain.startswith("Hello Ben!")  # and the bot goes on


GONE = "another-host:4321:0badcafe"  # a process whose lease is not among the living


async def test_an_update_a_gone_process_answered_but_never_handled_is_handled_once(
    telegram: TelegramStub, make_settings: SettingsFactory, database_url: str
) -> None:
    """Telegram had its 200 from a process that then died: the next one to start handles
    the update from the body it kept, once, and forgets the patient's words."""
    ann = Chat(telegram, User(4242, "Ann"))
    telegram.add_chat(ann.chat)  # Ann wrote; Telegram has the chat
    kept = {"update_id": 900_001, "message": {
        "message_id": 77, "date": int(time.time()), "text": "how long is a session?",
        "chat": ann.chat, "from": {"id": 4242, "is_bot": False, "first_name": "Ann"}}}
    database = Database(database_url)
    async with database.transaction() as session:
        session.add(ReceivedUpdate(update_id=900_001, received_at=utcnow(), chat_id=4242,
                                   taken_by=GONE, payload=json.dumps(kept)))
    try:
        async with serving_webhook(telegram, make_settings) as _:
            answer = await ann.next_message()
            await telegram.webhook.post(kept, SECRET)  # Telegram, unsure, sends it again
            await ann.no_reply()
        async with database.transaction() as session:
            row = await session.get(ReceivedUpdate, 900_001)
    finally:
        await database.dispose()

    assert "minutes" in answer.plain
    assert row is not None and row.handled_at is not None and row.payload is None


async def test_the_webhook_is_answered_before_the_update_is_handled(
    telegram: TelegramStub, webhook_bot: str
) -> None:
    """An answer waits on nothing but keeping the update: a chat's next update comes at
    once, so a flood reaches the bot's own per-chat bound instead of waiting at Telegram."""
    ann = Chat(telegram, User(4242, "Ann"))
    await ann.ask("/start")
    for number in range(5):
        await ann.say(f"question {number}: does it hurt?")
    ids = [update["update_id"] for update in telegram.webhook.updates[-5:]]
    for update_id in ids:
        await telegram.webhook.answered(update_id)
    answered_while = len(telegram.messages_to(ann.chat_id))

    replies = [await ann.next_message() for _ in range(5)]

    # All five were answered by HTTP before the bot's replies (1 a second per chat) were out.
    assert answered_while < 1 + 5
    assert all("pinch" in reply.plain or "tingl" in reply.plain for reply in replies)
