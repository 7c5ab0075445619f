"""What every benchmark does around the bot process it measures."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable
from typing import TypeVar

from bot.stand_in import TelegramStub

Measured = TypeVar("Measured")


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

