"""`python -m bot run`, the command the operator runs, as a real process against the stand-in."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bot.stand_in import TOKEN, Chat, TelegramStub, User, until_polling
from tests.support.bots import bot_environment, start_bot, stop_bot
from tests.support.processes import run

# Tens of seconds each: started first, so no worker is left finishing one alone.
pytestmark = pytest.mark.slow(seconds=8)

SECRET_QUESTION = "is it safe with my rare heart condition xq7"
PHONE = "+44 7700 900461"


async def test_the_bot_runs_answers_and_stops_cleanly_logging_no_secrets(
    telegram: TelegramStub, tmp_path: Path, database_url: str
) -> None:
    env = bot_environment(telegram, database_url)
    home = tmp_path / "home"
    home.mkdir()
    if database_url.startswith("sqlite"):
        env["DATABASE_URL"] = "sqlite+aiosqlite:///./data/clinic.db"  # as on a new machine
    process = await start_bot(env, home)
    try:
        await until_polling(telegram)
        ann = Chat(telegram, User(4242, "Ann"))
        welcome = await ann.ask("/start")
        answer = await ann.ask(SECRET_QUESTION)
        await ann.share_contact(PHONE)
        saved = await ann.next_message()
    finally:
        logs = await stop_bot(process)

    assert welcome.plain.startswith("Hello Ann!")
    assert "Serious complications are rare" in answer.plain
    assert process.returncode == 0, logs
    assert "ready" in logs and "topic risks" in logs
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs
    assert "heart condition" not in logs and "xq7" not in logs
    assert "your number is saved" in saved.plain
    assert "7700 900461" not in logs and "7700900461" not in logs  # no phone number
    if database_url.startswith("sqlite"):
        assert (home / "data" / "clinic.db").exists()  # the folder made on first run
    assert [c["command"] for c in telegram.commands["default:"]][:2] == ["start", "faq"]


async def test_a_token_telegram_refuses_is_explained(
    telegram: TelegramStub, tmp_path: Path
) -> None:
    other = "555555555:AAThisTokenIsNotKnownToTheStandIn_9876"
    # Refused before any database is opened: one backend says it all.
    database_url = f"sqlite+aiosqlite:///{tmp_path}/data/clinic.db"
    env = bot_environment(telegram, database_url, token=other) | {"LOG_LEVEL": "INFO"}
    process = await start_bot(env, tmp_path)

    _, stderr = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 2
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert other.partition(":")[2] not in stderr.decode()


async def test_a_second_poller_on_the_same_bot_and_database_is_refused(
    telegram: TelegramStub, tmp_path: Path, database_url: str
) -> None:
    env = bot_environment(telegram, database_url)
    first = await start_bot(env, tmp_path)
    try:
        await until_polling(telegram, what="the first bot to start polling")
        second = await start_bot(env, tmp_path)
        _, refusal = await asyncio.wait_for(second.communicate(), 60)
        still_answers = await Chat(telegram, User(4343, "Bo")).ask("/start")
    finally:
        await stop_bot(first)
    # Once the first has stopped (and let go), a new one starts at once.
    third = await start_bot(env, tmp_path)
    try:
        polls = len([m for m, _ in telegram.calls if m == "getUpdates"])
        await telegram.wait_for(
            lambda: len([m for m, _ in telegram.calls if m == "getUpdates"]) > polls + 1,
            timeout=30, what="the third bot to poll")
    finally:
        await stop_bot(third)

    assert second.returncode == 2
    assert "Another bot process" in refusal.decode() and "BOT_MODE=webhook" in refusal.decode()
    assert "Traceback" not in refusal.decode()
    assert still_answers.plain.startswith("Hello Bo!")
    assert third.returncode == 0


def test_the_bot_loads_only_what_its_settings_use(tmp_path: Path) -> None:
    """Idle memory and start-up (bench/latency.py): the bot's modules pull in no library
    that its settings may not need. aiohttp (about 10 MB) comes with the aiohttp transport
    (the default) or webhook mode, Alembic with a migration to run,
    matplotlib with the first chart, the PostgreSQL dialect and driver with PostgreSQL."""
    loaded = run([sys.executable, "-c",
                  "import sys, bot.__main__, bot.assembly.app; print(' '.join(sys.modules))"],
                 env={"PATH": "/usr/bin:/bin"}, cwd=Path(__file__).parents[1]).stdout.split()

    heavy = {"aiohttp", "alembic", "matplotlib", "asyncpg", "sqlalchemy.dialects.postgresql"}
    assert "telegram.ext" in loaded and "sqlalchemy" in loaded  # the check sees imports
    assert heavy.isdisjoint(loaded), heavy & set(loaded)
