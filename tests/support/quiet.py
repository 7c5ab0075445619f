"""Quiet for bots in other processes: what they still owe is read from their database.

An in-process bot tells the stand-in itself when it has nothing in hand
(`bot.stand_in.quiet`). A `python -m bot run` process cannot, so a test that must know no
duplicate can still come asks the database instead: no planned message due by now and no
broadcast copy still to send or on its way, while the stand-in has every update handed
over and no request in progress. A copy a dead process left on its way counts as owed
until a survivor has taken it back (db/planned.py: resent if it never reached Telegram,
left as sent if it may have)."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from bot.stand_in import TelegramStub
from bot.stand_in.server import DEADLINE
from db.models import (
    BroadcastRecipient,
    MessageStatus,
    PlannedMessage,
    RecipientStatus,
    utcnow,
)
from db.session import Database

OWED = (MessageStatus.PENDING, MessageStatus.SENDING)
LOOK_EVERY = 0.1


async def owed(database: Database) -> str | None:
    """What the bots still owe, in a few words: a planned message due by now and not yet
    sent, skipped or failed, or a broadcast copy to send or on its way; None when
    nothing."""
    async with database.transaction() as session:
        planned = await session.scalar(select(PlannedMessage.id).where(
            PlannedMessage.status.in_(OWED), PlannedMessage.due_at <= utcnow()).limit(1))
        copies = await session.scalar(select(BroadcastRecipient.id).where(
            BroadcastRecipient.status.in_((RecipientStatus.PENDING,
                                           RecipientStatus.SENDING))).limit(1))
    if planned is not None:
        return f"planned message {planned}"
    return None if copies is None else f"broadcast copy {copies}"


async def until_processes_quiet(telegram: TelegramStub, database_url: str,
                                within: float = DEADLINE) -> None:
    """Until the bots behind `database_url` owe nothing due by now and the stand-in has
    nothing between it and them, at once."""
    deadline = time.monotonic() + within
    database = Database(database_url)
    try:
        while True:
            calls = len(telegram.calls)
            still = None if telegram.quiet.nothing_between() else "requests in progress"
            still = still or await owed(database)
            if still is None and telegram.quiet.nothing_between() \
                    and not telegram.quiet.asked_since(calls):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the bots still had {still} after {within}s")
            await asyncio.sleep(LOOK_EVERY)
    finally:
        await database.dispose()
