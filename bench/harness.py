"""What every benchmark does around the bot process it measures."""

from __future__ import annotations

import asyncio
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from bot.stand_in import TelegramStub
from db.migrate import upgrade_database_async
from tests.support.bots import bot_environment

Measured = TypeVar("Measured")


@asynccontextmanager
async def fresh_database() -> AsyncIterator[tuple[str, Path]]:
    """A migrated SQLite database in a folder of its own, removed afterwards: its URL and
    the folder (for other files the benchmark writes)."""
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/clinic.db"
        await upgrade_database_async(url)
        yield url, Path(folder)


def quiet_environment(telegram: TelegramStub, url: str) -> dict[str, str]:
    """The bot's settings for a benchmark: the stand-in, the database, warnings only."""
    return bot_environment(telegram, url) | {"LOG_LEVEL": "WARNING",
                                             "PYTHONPATH": str(Path.cwd())}


async def start(env: dict[str, str], *module: str
                ) -> tuple[asyncio.subprocess.Process, asyncio.Task[str]]:
    """`python -m <module...>` from the repository, and a task reading its log."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", *module, cwd=Path.cwd(), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    return process, asyncio.create_task(drained(process))


async def measure(process: asyncio.subprocess.Process, logs: asyncio.Task[str],
                  telegram: TelegramStub, work: Awaitable[Measured]) -> Measured:
    """Await `work`, then stop the bot and the stand-in; if it fails, show the bot's log."""
    try:
        result = await work
    except BaseException:
        print((await stop(process, logs))[-3000:], file=sys.stderr)
        raise
    else:
        await stop(process, logs)
    finally:
        await telegram.stop()
    return result


async def stop(process: asyncio.subprocess.Process, logs: asyncio.Task[str]) -> str:
    """SIGTERM, as an operator stops it; the log it wrote."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 120)
    return await logs


async def drained(process: asyncio.subprocess.Process) -> str:
    """The bot's log, read as it comes so a full pipe never blocks it."""
    assert process.stderr is not None
    return (await process.stderr.read()).decode(errors="replace")

