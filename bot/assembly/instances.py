"""Bot processes sharing one database: this one joining, its heartbeat, and its share of
Telegram's limit.

Each process has an id (host, process id, a random part) and holds the lease
`instance:<id>` (db/leases.py), renewed every `HEARTBEAT`. From the live leases it knows
how many processes send, and gives its rate limiter that share of the overall 30
messages a second, so together they stay under it. The others learn of a new process
only at their next heartbeat, so a process that finds others alive when it starts sends
nothing until each of them has beaten since it joined (its lease renewed after the
newcomer's was written, so its count includes the newcomer) and Telegram's one-second
window has passed, and for at least `SETTLE`; a heartbeat delayed on a loaded machine
only makes it wait longer (up to `LONGEST_WAIT`: patients' replies are held too). Alone,
it starts at once. A larger share (a process gone) is
taken only when two heartbeats in a row agree, so the gone one's last second of sending
is out of Telegram's window first. Which processes are alive, and what a gone one left,
is `bot/services/peers.py`.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from bot.sending.rate_limit import OVERALL_PER_SECOND, ClinicRateLimiter
from bot.services.context import BotData, ClinicContext
from bot.services.peers import PREFIX, alive_now, release_at_stop
from db import leases
from db.models import utcnow

logger = logging.getLogger(__name__)

LEASE_FOR = timedelta(seconds=15)
HEARTBEAT = timedelta(seconds=2)
HEARTBEAT_JOB = "instances:heartbeat"
SETTLE = HEARTBEAT * 1.5
# Telegram counts messages a second: what another process sent before it made room must
# be out of that window before this one starts.
_WINDOW = timedelta(seconds=1)
# A joining process waits for the others no longer than this: one that has not beaten in
# that time is stalled or dying, and patients' replies are held meanwhile.
LONGEST_WAIT = HEARTBEAT * 4


async def join(data: BotData, limiter: object) -> None:
    """Announce this process, then look who else is there (in that order, so of two
    processes starting together at least one sees the other), and take its share."""
    data.process.joined = True
    now, me = utcnow(), data.process.instance_id
    async with data.services.database.transaction() as session:
        await leases.acquire(session, PREFIX + me, me, now, now + LEASE_FOR)
    # Taken once the lease is written: another's beat after this saw it.
    written = utcnow()
    if len(await alive_now(data)) > 1:
        logger.info("Other bot processes are running; this one waits at least %.0f s, until "
                    "each has made room, for its share of Telegram's limit",
                    SETTLE.total_seconds())
        data.process.holding_until = time.monotonic() + SETTLE.total_seconds()
        data.process.waiting_since = written
        data.process.waiting_at_most = time.monotonic() + LONGEST_WAIT.total_seconds()
    await _beat(data, limiter)


async def heartbeat(context: ClinicContext) -> None:
    await _beat(context.bot_data, context.bot.rate_limiter)


async def _beat(data: BotData, limiter: object) -> None:
    now, me = utcnow(), data.process.instance_id
    async with data.services.database.transaction() as session:
        await leases.acquire(session, PREFIX + me, me, now, now + LEASE_FOR)
    alive = await alive_now(data)
    data.process.alive = len(alive)
    if not isinstance(limiter, ClinicRateLimiter):
        return
    share = max(1, OVERALL_PER_SECOND // max(1, len(alive)))
    waiting = await _others_not_ready(data, alive)  # may hold a little longer
    if waiting or time.monotonic() < data.process.holding_until:
        share = 0
    if 0 < limiter.overall_per_second < share:
        # A process gone: its last second of sending may still be in Telegram's window.
        # (Leaving a hold is not delayed again: it already waited out the window.)
        agreed = data.process.raise_to == share
        data.process.raise_to = share
        if not agreed:
            return
    data.process.raise_to = 0
    if share != limiter.overall_per_second:
        if share:
            logger.info("Bot processes sharing Telegram's limit: %d, at %d messages/s each",
                        len(alive), share)
        limiter.overall_per_second = share


async def _others_not_ready(data: BotData, alive: set[str]) -> bool:
    """While joining: whether another live process has not yet beaten since this one
    joined. Once all have, this one still waits out Telegram's one-second window (what
    they sent before making room), until its next heartbeat at the earliest."""
    since = data.process.waiting_since
    if since is None:
        return False
    async with data.services.database.transaction() as session:
        expiries = await leases.expiries(session, PREFIX, utcnow())
    late = [other for other in alive
            if other != data.process.instance_id and other in expiries
            and expiries[other] - LEASE_FOR <= since]
    if late and time.monotonic() < data.process.waiting_at_most:
        return True
    if late:  # stalled or dying: patients' replies wait no longer
        logger.warning("%d other bot process(es) have not beaten for %.0f s; this one takes "
                       "its share", len(late), LONGEST_WAIT.total_seconds())
    data.process.waiting_since = None
    data.process.holding_until = max(data.process.holding_until,
                                     time.monotonic() + _WINDOW.total_seconds())
    return False


async def leave(data: BotData) -> None:
    if not data.process.joined:
        return
    await release_at_stop(data, PREFIX + data.process.instance_id, data.process.instance_id,
                          f"the others count this process gone once it runs out "
                          f"({LEASE_FOR.total_seconds():.0f} s)")


