"""Bot processes sharing one database: who is alive, and their share of Telegram's limit.

Each process has an id (host, process id, a random part) and holds the lease
`instance:<id>` (db/leases.py), renewed every `HEARTBEAT`. From the live leases it knows
how many processes send, and gives its rate limiter that share of the overall 30
messages a second, so together they stay under it. The others learn of a new process
only at their next heartbeat, so a process that finds others alive when it starts sends
nothing for `SETTLE` (a heartbeat and a half) while they make room; alone, it starts at
once. Another process's broadcast copies
left mid-send count as interrupted only once that process is gone: its lease has run
out, or it ran on this machine and its process no longer exists.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.runtime.context import BotData, ClinicContext
from bot.sending.rate_limit import OVERALL_PER_SECOND, ClinicRateLimiter
from db import leases
from db.models import utcnow

logger = logging.getLogger(__name__)

PREFIX = "instance:"
LEASE_FOR = timedelta(seconds=15)
HEARTBEAT = timedelta(seconds=2)
HEARTBEAT_JOB = "instances:heartbeat"
SETTLE = HEARTBEAT * 1.5


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


async def join(data: BotData, limiter: object) -> None:
    """Announce this process, then look who else is there (in that order, so of two
    processes starting together at least one sees the other), and take its share."""
    data.joined = True
    now = utcnow()
    async with data.database.transaction() as session:
        await leases.acquire(session, PREFIX + data.instance_id, data.instance_id, now,
                             now + LEASE_FOR)
    if len(await alive_now(data)) > 1:
        logger.info("Other bot processes are running; this one waits %.0f s for its share "
                    "of Telegram's limit", SETTLE.total_seconds())
        data.holding_until = time.monotonic() + SETTLE.total_seconds()
    await _beat(data, limiter)


async def heartbeat(context: ClinicContext) -> None:
    await _beat(context.bot_data, context.bot.rate_limiter)


async def _beat(data: BotData, limiter: object) -> None:
    now = utcnow()
    async with data.database.transaction() as session:
        await leases.acquire(session, PREFIX + data.instance_id, data.instance_id, now,
                             now + LEASE_FOR)
    alive = await alive_now(data)
    data.processes_alive = len(alive)
    if not isinstance(limiter, ClinicRateLimiter):
        return
    share = max(1, OVERALL_PER_SECOND // max(1, len(alive)))
    if time.monotonic() < data.holding_until:
        share = 0
    if share != limiter.overall_per_second:
        if share:
            logger.info("Bot processes sharing Telegram's limit: %d, at %d messages/s each",
                        len(alive), share)
        limiter.overall_per_second = share


async def leave(data: BotData) -> None:
    if not data.joined:
        return
    async with data.database.transaction() as session:
        await leases.release(session, PREFIX + data.instance_id, data.instance_id)


async def alive_now(data: BotData) -> set[str]:
    """Processes holding a live lease, less those on this machine known to be dead."""
    async with data.database.transaction() as session:
        alive = await leases.alive(session, PREFIX, utcnow())
    return {instance for instance in alive if not process_gone(instance)}


async def gone_holding(data: BotData,
                       holders: Callable[[AsyncSession], Awaitable[set[str | None]]]
                       ) -> set[str | None]:
    """Of the processes holding something (`holders` reads which from the database), those
    that are gone; never this one."""
    async with data.database.transaction() as session:
        held = await holders(session)
    held.discard(data.instance_id)
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
