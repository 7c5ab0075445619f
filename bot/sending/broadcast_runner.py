"""Sending a broadcast: concurrent workers at Telegram's pace, a live progress message,
a final report, and resuming after a crash.

`WORKERS` tasks each take a sending slot from the rate limiter, then claim one recipient
row and send to it at once, so a claimed row is always a copy on its way to Telegram.
The shared rate limiter (bot/sending/rate_limit.py, priority BULK) decides the pace: about 30
a second, and patients' replies go first. A 429 that outlasts the limiter's retries, a
network error or a 5xx puts the row back for another try after a pause; 403 marks the
patient unreachable; other 400s ("chat not found") give up on that recipient.

After a crash, the broadcast is still "sending": on start-up the rows left mid-send are
counted as interrupted (Telegram may have delivered them, and a duplicate is worse than
a loss), and the rest go out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.sending.delivery import may_have_arrived, seconds_of
from bot.sending.rate_limit import (
    OVERALL_PER_SECOND,
    Priority,
    Ticket,
    slot_first,
    unused,
)
from bot.services.context import ClinicContext
from bot.services.peers import alive_now, gone_among, log_recovered
from bot.texts.content import Content
from bot.texts.keys import Text
from db import broadcasts
from db.models import Broadcast, RecipientStatus, utcnow
from db.patients import set_unreachable_chat
from db.session import Database

logger = logging.getLogger(__name__)

WORKERS = 32
# A recipient whose sends keep failing for passing reasons (network, 5xx) is tried again
# after 2, 4, 8... up to MAX_BACKOFF seconds, and given up after MAX_ATTEMPTS tries
# (about three minutes of trying).
MAX_ATTEMPTS = 8
MAX_BACKOFF = 60
WORKER_PAUSE = 5.0
IDLE_POLL = 0.5
PROGRESS_EVERY = 2.0
REASONS_SHOWN = 5
REASON_CHARS = 80
UNCONFIRMED = "Telegram did not answer in time; taken as delivered"


class BroadcastSender:
    """Sends one broadcast to its pending recipients; `run` returns when none are left."""

    def __init__(self, context: ClinicContext, broadcast: Broadcast) -> None:
        self.context = context
        self.broadcast = broadcast
        self.database: Database = context.database

    async def run(self) -> None:
        progress = asyncio.create_task(self._show_progress())
        try:
            await asyncio.gather(*(self._work() for _ in range(WORKERS)))
        finally:
            progress.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await progress
        async with self.database.transaction() as session:
            if await broadcasts.any_recipient(session, self.broadcast.id,
                                              RecipientStatus.PENDING):
                return  # stopped for a shutdown: the next start resumes it
            if await broadcasts.any_recipient(session, self.broadcast.id,
                                              RecipientStatus.SENDING):
                return  # another instance's copies: it finishes (or `watch` does, if it died)
            finished = await broadcasts.finish(session, self.broadcast.id, utcnow())
        if finished:  # only one sender, on one instance, shows the report
            await self._edit_report(final=True)
            logger.info("Broadcast %d finished", self.broadcast.id)

    async def _work(self) -> None:
        limiter = self.context.bot.rate_limiter
        while not self.context.bot_data.running.stopping.is_set():
            # The slot first, then the claim: a claimed copy goes out at once, so a crash
            # leaves at most the copies already on their way to Telegram.
            ticket = await slot_first(limiter, Priority.BULK)
            async with self.database.transaction() as session:
                claimed = await broadcasts.claim_next(session, self.broadcast.id, utcnow(),
                                                      self.context.bot_data.process.instance_id)
                left = claimed is not None or await broadcasts.any_recipient(
                    session, self.broadcast.id, RecipientStatus.PENDING)
            if claimed is None:
                unused(limiter, ticket)
                if not left:
                    return
                await asyncio.sleep(IDLE_POLL)  # the rows left wait for a retry
                continue
            pause = await self._send(*claimed, ticket)
            if pause:
                await asyncio.sleep(pause)

    async def _send(self, recipient_id: int, chat_id: int, attempts: int,
                    ticket: Ticket | int) -> float:
        """Send one copy and record the outcome; the pause before this worker goes on."""

        async def on_wire() -> None:
            async with self.database.transaction() as session:
                await broadcasts.mark_on_wire(session, recipient_id, utcnow())

        if isinstance(ticket, Ticket):
            ticket.on_wire = on_wire  # after the limiter's waits, just before the request
        else:
            await on_wire()
        try:
            sent = await self.context.bot.send_message(
                chat_id, self.broadcast.text, rate_limit_args=ticket)
        except Forbidden:
            async with self.database.transaction() as session:
                await broadcasts.finish_recipient(session, recipient_id,
                                                  RecipientStatus.BLOCKED, utcnow())
                await set_unreachable_chat(session, chat_id, utcnow())
            return 0.0
        except BadRequest as error:
            await self._finish(recipient_id, RecipientStatus.FAILED, error=str(error)[:200])
            return 0.0
        except TelegramError as error:  # RetryAfter past the limiter's retries, network, 5xx
            if may_have_arrived(error):  # bot/sending/delivery.py: taken as delivered, not resent
                await self._finish(recipient_id, RecipientStatus.DELIVERED, error=UNCONFIRMED)
                return 0.0
            if attempts >= MAX_ATTEMPTS:
                await self._finish(recipient_id, RecipientStatus.FAILED,
                                   error=f"gave up after {attempts} tries: {error}"[:200])
                return 0.0
            if isinstance(error, RetryAfter):  # the limiter has paused everyone already
                delay, pause = max(1.0, seconds_of(error.retry_after)), 0.0
            else:  # the row waits, and so does this worker, a little: Telegram may be down
                delay = float(min(2 ** attempts, MAX_BACKOFF))
                pause = min(delay, WORKER_PAUSE)
            async with self.database.transaction() as session:
                await broadcasts.release_recipient(
                    session, recipient_id, utcnow() + timedelta(seconds=delay))
            return pause
        await self._finish(recipient_id, RecipientStatus.DELIVERED, message_id=sent.message_id)
        return 0.0

    async def _finish(self, recipient_id: int, status: RecipientStatus, *,
                      message_id: int | None = None, error: str | None = None) -> None:
        async with self.database.transaction() as session:
            await broadcasts.finish_recipient(session, recipient_id, status, utcnow(),
                                              message_id=message_id, error=error)

    async def _show_progress(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            await self._edit_report(final=False)

    async def _edit_report(self, *, final: bool) -> None:
        broadcast = self.broadcast
        if broadcast.report_chat_id is None or broadcast.report_message_id is None:
            return
        async with self.database.transaction() as session:
            if not final and await broadcasts.is_done(session, broadcast.id):
                return  # finished elsewhere: never write a count over the report
            statuses, reasons = await broadcasts.tally(session, broadcast.id)
        # The time it took counts from Send, across any restart in between.
        began = broadcast.started_at or broadcast.created_at
        staff = self.context.bot_data.services.contents.staff
        text = report_text(staff, broadcast, statuses, reasons,
                           elapsed=(utcnow() - began).total_seconds(), final=final)
        try:
            await self.context.bot.edit_message_text(
                text, chat_id=broadcast.report_chat_id,
                message_id=broadcast.report_message_id)
        except TelegramError as error:
            if "not modified" not in str(error).lower():
                logger.warning("Broadcast %d: progress not shown: %s", broadcast.id, error)


def report_text(content: Content, broadcast: Broadcast, statuses: Counter[str],
                reasons: Counter[str], *, elapsed: float, final: bool) -> str:
    total = sum(statuses.values())
    done = total - statuses.get(RecipientStatus.PENDING, 0) - statuses.get(
        RecipientStatus.SENDING, 0)
    if not final:
        return progress_text(content, broadcast.id, done, total)
    failures = "; ".join(f"{count}× {reason[:REASON_CHARS]}"
                         for reason, count in reasons.most_common(REASONS_SHOWN))
    return content.text(
        Text.BROADCAST_REPORT, number=broadcast.id, total=f"{total:,}",
        delivered=f"{statuses.get(RecipientStatus.DELIVERED, 0):,}",
        blocked=f"{statuses.get(RecipientStatus.BLOCKED, 0):,}",
        failed=f"{statuses.get(RecipientStatus.FAILED, 0):,}",
        reasons=failures or content.text(Text.BROADCAST_NO_FAILURES),
        seconds=round(elapsed, 1))


def progress_text(content: Content, number: int, done: int, total: int) -> str:
    """"sent 340 of 1,000, about 22 s left" (at Telegram's pace)."""
    left = max(0, total - done)
    return content.text(Text.BROADCAST_PROGRESS, number=number, done=f"{done:,}",
                        total=f"{total:,}", seconds=f"{round(left / OVERALL_PER_SECOND):,}")


async def watch(context: ClinicContext) -> None:
    """Every few seconds, on every instance: copies a dead instance held are taken back
    (those never on the wire are sent again; those on the wire are counted as interrupted,
    since Telegram may have delivered them and a duplicate is worse than a rare loss), and
    every broadcast still sending gets a sender here too, so a crash or a dead instance
    never leaves one half-sent."""
    data = context.bot_data
    alive = await alive_now(data)
    async with data.services.database.transaction() as session:
        gone = gone_among(await broadcasts.claimers_in_flight(session), alive)
        resent, interrupted = (await broadcasts.recover_claimed_by(session, gone)
                               if gone else (0, 0))
        unfinished = await broadcasts.sending_now(session)
    log_recovered("broadcast copies", resent, interrupted)
    running = {task.get_name() for task in data.running.broadcasts}
    for broadcast in unfinished:
        if _task_name(broadcast) not in running and not data.running.stopping.is_set():
            launch(context, broadcast)


def _task_name(broadcast: Broadcast) -> str:
    return f"broadcast-{broadcast.id}"


def launch(context: ClinicContext, broadcast: Broadcast) -> None:
    """Send in the background; the task is kept so a stop can wait for it."""
    task = asyncio.create_task(BroadcastSender(context, broadcast).run(),
                               name=_task_name(broadcast))
    context.bot_data.running.broadcasts.add(task)
    task.add_done_callback(_forget(context))


def _forget(context: ClinicContext) -> Callable[[asyncio.Task[None]], None]:
    def done(task: asyncio.Task[None]) -> None:
        context.bot_data.running.broadcasts.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("A broadcast stopped on an error", exc_info=task.exception())
    return done
