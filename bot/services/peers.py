"""Bot processes sharing one database: which are alive, and what a gone one left behind.

Each process holds the lease `instance:<id>` (db/leases.py) while it runs, renewed by its
heartbeat (bot/assembly/instances.py). Another process's claims (planned messages,
broadcast copies, updates it was handling) count as abandoned only once that process is
gone: its lease has run out, or it ran on this machine and its process no longer exists.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.context import BotData
from db import leases
from db.models import utcnow

logger = logging.getLogger(__name__)

PREFIX = "instance:"


def process_gone(instance: str) -> bool:
    """True when the instance ran on this machine and its process no longer exists."""
    host, _, rest = instance.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:32] or not pid.isdigit():
        return False  # elsewhere: wait for its lease to run out
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def is_gone(instance: str | None, alive: set[str]) -> bool:
    return instance is None or instance not in alive or process_gone(instance)


async def alive_now(data: BotData) -> set[str]:
    """Processes holding a live lease, less those on this machine known to be dead."""
    async with data.services.database.transaction() as session:
        alive = await leases.alive(session, PREFIX, utcnow())
    return {instance for instance in alive if not process_gone(instance)}


async def gone_holding(data: BotData,
                       holders: Callable[[AsyncSession], Awaitable[set[str | None]]]
                       ) -> set[str | None]:
    """Of the processes holding something (`holders` reads which from the database), those
    that are gone; never this one."""
    async with data.services.database.transaction() as session:
        held = await holders(session)
    held.discard(data.process.instance_id)
    return gone_among(held, await alive_now(data)) if held else set()


def gone_among(held: set[str | None], alive: set[str]) -> set[str | None]:
    """Of the processes holding claims, those that are gone."""
    return {instance for instance in held if is_gone(instance, alive)}


def log_recovered(what: str, resent: int, in_doubt: int) -> None:
    """What taking back a gone process's claims did (the rule: db/planned.py)."""
    if resent:
        logger.info("%d %s held by a process that is gone never reached Telegram; "
                    "sending them now", resent, what)
    if in_doubt:
        logger.warning("%d %s were on their way to Telegram in a process that is gone; "
                       "not resent (they may have arrived)", in_doubt, what)


async def release_at_stop(data: BotData, name: str, holder: str, afterwards: str) -> None:
    """Give lease `name` back at a stop; if the database cannot be reached (SQLite busy
    with a task being stopped), the stop goes on and the lease runs out by itself
    (`afterwards` says what happens then)."""
    try:
        async with data.services.database.transaction() as session:
            await leases.release(session, name, holder)
    except Exception as error:
        logger.warning("Could not release the lease %s at the stop (%s); %s",
                       name.partition(":")[0], type(error).__name__, afterwards)
