"""One long poller per bot and database.

Two processes calling getUpdates with one token fight: Telegram ends the older request
with 409 "Conflict", each steals the other's updates, and replies go missing. So a
polling bot holds a lease in the database (`db/leases.py`) while it runs, renewed every
`RENEW_EVERY`, and a second one finds it taken and refuses to start, saying why. A
crashed poller's lease runs out after `LEASE_FOR`; on the same machine a restart sees at
once that the holder's process is gone and takes over (a supervisor restarting a killed
bot is not refused). A poller on another database with the same token is caught by
Telegram's 409 instead (see `on_polling_error` in handlers/fallback.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot

from bot.services.context import BotData, ClinicContext, new_instance_id
from bot.services.peers import process_gone, release_at_stop
from db import leases
from db.models import utcnow

logger = logging.getLogger(__name__)

LEASE_FOR = timedelta(seconds=30)
RENEW_EVERY = timedelta(seconds=10)
RENEW_JOB = "polling:lease"


class AnotherPoller(Exception):
    """Another live process is polling Telegram for this bot; the message says which."""


def lease_name(bot_id: int) -> str:
    return f"poller:{bot_id}"


async def take_polling_lease(data: BotData, bot_id: int) -> None:
    """Hold the lease, or raise AnotherPoller."""
    now = utcnow()
    name = lease_name(bot_id)
    me = data.process.poller_holder = new_instance_id()
    async with data.services.database.transaction() as session:
        if await leases.acquire(session, name, me, now, now + LEASE_FOR):
            return
        holder = await leases.holder_of(session, name)
        if holder is not None and process_gone(holder[0]) and await leases.take_over(
                session, name, holder[0], me, now + LEASE_FOR):
            logger.info("Took over the polling lease of a process that is gone (%s)", holder[0])
            return
    who = holder[0] if holder else "another process"
    raise AnotherPoller(
        f"Another bot process ({who}) is already polling Telegram for this bot with this "
        f"database. Stop it first, or run every instance with BOT_MODE=webhook. If that "
        f"process is gone, its claim runs out within {int(LEASE_FOR.total_seconds())} s.")


async def renew_polling_lease(context: ClinicContext) -> None:
    data = context.bot_data
    assert data.process.poller_holder is not None  # renewed only once taken
    async with data.services.database.transaction() as session:
        kept = await leases.renew(session, lease_name(context.bot.id), data.process.poller_holder,
                                  utcnow() + LEASE_FOR)
    if not kept:
        # Only if this process stalled past the lease and another took over.
        logger.error("The polling lease was lost to another process; stopping this one")
        context.application.stop_running()


async def release_polling_lease(data: BotData, bot: Bot) -> None:
    """Let the next poller start at once (a no-op if this process never held it)."""
    holder = data.process.poller_holder
    if holder is None:
        return
    await release_at_stop(data, lease_name(bot.id), holder,
                          "the next poller starts once it runs out")
