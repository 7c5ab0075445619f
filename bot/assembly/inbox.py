"""Webhook updates between Telegram and the handlers.

Telegram sends a chat's next update only once the previous one is answered. Answering
after handling (as this bot once did) left a flooding chat's backlog at Telegram, out of
the reach of the bot's per-chat bound (`bot/assembly/concurrency.py`): the bot owed it a reply a
second for minutes. So an update is answered as soon as it is kept in the database
(`db/updates.py`, with its body), and handled afterwards through the same per-chat queue
as in polling mode; the body is cleared once handled, or as soon as its first reply is
about to go out (`ANSWERING`): a kill -9 after the reply then repeats nothing, and only
an update whose reply was on the wire at the kill is in doubt.

Nothing is lost that way: an update kept by a process that dies before handling it is
taken over by a live one, at its start and every `REPLAY_EVERY` (a gone process is one
whose lease ran out or whose pid is dead, `bot/assembly/instances.py`), or when Telegram sends it
again. One cut off by a stop after `DRAIN_FOR` is handled at the next start. Behind one
webhook, two processes keep a chat's order: an update waits (at most `WAIT_FOR_EARLIER`)
while another process still has an earlier one of the same chat in hand.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta

from telegram import Update

from bot.assembly.concurrency import chat_of
from bot.services.answering import ANSWERING
from bot.services.context import BotData, ClinicApp, ClinicContext
from bot.services.peers import alive_now, gone_holding, is_gone
from db.models import utcnow
from db.updates import (
    Arrival,
    earlier_elsewhere,
    holders,
    mark_handled,
    receive,
    take_over,
    take_over_from,
)

logger = logging.getLogger(__name__)

REPLAY_EVERY = timedelta(seconds=10)
REPLAY_JOB = "updates:replay"
DRAIN_FOR = 15.0
WAIT_FOR_EARLIER = 30.0
LOOK_AGAIN = 0.1


class Inbox:
    def __init__(self, application: ClinicApp) -> None:
        self.application = application

    @property
    def data(self) -> BotData:
        return self.application.bot_data

    async def keep(self, update: Update, payload: str) -> None:
        """Keep the update and start handling it, unless it is a repeat of one kept by
        this or another live process (or handled already)."""
        data = self.data
        chat = chat_of(update)
        async with data.services.database.transaction() as session:
            arrival, holder = await receive(session, update.update_id, chat, payload,
                                            data.process.instance_id, utcnow())
        if arrival == Arrival.HELD:
            if holder == data.process.instance_id or not is_gone(holder, await alive_now(data)):
                return  # in hand: Telegram sent it again before it had our answer
            async with data.services.database.transaction() as session:
                if not await take_over(session, update.update_id, holder, payload,
                                       data.process.instance_id, utcnow()):
                    return
            arrival = Arrival.NEW
        if arrival == Arrival.KEPT:
            logger.info("Update %d came again; handled already", update.update_id)
            return
        self.hand_in(update)

    def hand_in(self, update: Update) -> None:
        task = asyncio.create_task(self._handle(update))
        tasks = self.data.running.updates
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _handle(self, update: Update) -> None:
        application = self.application
        answered = False

        async def answering() -> None:  # once, before its first reply goes on the wire
            nonlocal answered
            if not answered:
                answered = True
                async with self.data.services.database.transaction() as session:
                    await mark_handled(session, update.update_id, utcnow())

        ANSWERING.set(answering)
        try:
            # Through the per-chat queue and the concurrency cap, as in polling; handler
            # errors go to the error handler.
            await application.update_processor.process_update(update, self._in_turn(update))
        except Exception as error:  # never a loop of retries: it counts as handled
            logger.error("Update %d could not be handled: %s", update.update_id,
                         type(error).__name__)
        ANSWERING.set(None)
        if not answered:
            async with self.data.services.database.transaction() as session:
                await mark_handled(session, update.update_id, utcnow())

    async def _in_turn(self, update: Update) -> None:
        """The update's turn in its chat has come here; with other processes behind the
        webhook, it also waits for an earlier update of the chat one of them has."""
        data = self.data
        chat = chat_of(update)
        if chat is not None and data.process.alive > 1:
            give_up = time.monotonic() + WAIT_FOR_EARLIER
            while time.monotonic() < give_up:
                async with data.services.database.transaction() as session:
                    if not await earlier_elsewhere(session, chat, update.update_id,
                                                   data.process.instance_id):
                        break
                await asyncio.sleep(LOOK_AGAIN)
        await self.application.process_update(update)

    async def drain(self) -> None:
        """At a stop: let the updates in hand finish; those that do not are handled at the
        next start (or by another process)."""
        if not self.data.running.updates:
            return
        _, unfinished = await asyncio.wait(set(self.data.running.updates), timeout=DRAIN_FOR)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        if unfinished:
            logger.warning("%d updates were still being handled at the stop; the next "
                           "start handles them", len(unfinished))


async def replay(context: ClinicContext) -> None:
    """Take over and handle the updates kept by processes that are gone."""
    assert context.job is not None
    inbox: Inbox = context.job.data  # type: ignore[assignment]
    data = context.bot_data
    gone = await gone_holding(data, holders)
    if not gone:
        return
    async with data.services.database.transaction() as session:
        kept = await take_over_from(session, gone, data.process.instance_id, utcnow())
    if kept:
        logger.info("%d updates a process that is gone had answered Telegram for but not "
                    "handled; handling them now", len(kept))
    for one in kept:
        update = Update.de_json(json.loads(one.payload), context.bot)
        if update is not None:
            inbox.hand_in(update)
