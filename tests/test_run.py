"""`python -m bot run`, the command the operator runs, as a real process against the stand-in."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.conftest import STAFF_ID
from tests.telegram_stub import TOKEN, Chat, TelegramStub, User

SECRET_QUESTION = "is it safe with my rare heart condition xq7"


def bot_environment(telegram: TelegramStub, tmp_path: Path, token: str = TOKEN) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/data/clinic.db",
        "CLINIC_NAME": "Lotus & Pine Clinic",
        "STAFF_USER_IDS": str(STAFF_ID),
        "POLLING_TIMEOUT": "1",
        "LOG_LEVEL": "DEBUG",
    }


async def start_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_the_bot_runs_answers_and_stops_cleanly_logging_no_secrets(
    telegram: TelegramStub, tmp_path: Path
) -> None:
    process = await start_bot(bot_environment(telegram, tmp_path), tmp_path)
    try:
        await telegram.wait_for(lambda: any(m == "getUpdates" for m, _ in telegram.calls),
                                timeout=30, what="the bot to start polling")
        ann = Chat(telegram, User(4242, "Ann"))
        welcome = await ann.ask("/start", timeout=10)
        answer = await ann.ask(SECRET_QUESTION, timeout=10)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)

    logs = stderr.decode()
    assert welcome.plain.startswith("Hello Ann!")
    assert "Serious complications are rare" in answer.plain
    assert process.returncode == 0, logs
    assert "ready" in logs and "matched risks" in logs
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs
    assert "heart condition" not in logs and "xq7" not in logs
    assert (tmp_path / "data" / "clinic.db").exists()
    assert [c["command"] for c in telegram.commands["default:"]][:2] == ["start", "faq"]


async def test_a_token_telegram_refuses_is_explained(
    telegram: TelegramStub, tmp_path: Path
) -> None:
    other = "555555555:AAThisTokenIsNotKnownToTheStandIn_9876"
    process = await start_bot(bot_environment(telegram, tmp_path, token=other), tmp_path)

    _, stderr = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 2
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in stderr.decode()
    assert "Traceback" not in stderr.decode()
