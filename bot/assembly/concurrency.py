"""Updates from different chats are handled at the same time; updates from one chat, one
after another, in the order they arrived; and no chat can make the others wait.

PTB handles updates one at a time by default, so every patient waits for the database
and Telegram round trips of everyone ahead of them. Its `concurrent_updates` runs them
all at once, in no order: a patient's second tap could overtake the first, and a staff
member's guided /book could see its steps out of order. This processor gives each chat
(or, for updates without one, each user) a queue, served in arrival order.

Fairness. PTB's own cap (`max_concurrent_updates`) is taken before the processor sees an
update, so a chat's queued updates would each hold a place while waiting for their turn:
one patient sending 150 messages held every place, and everyone else waited minutes. Here
PTB's cap is only a high ceiling; the real one (`CONCURRENT_UPDATES`) is taken once an
update's turn in its chat has come, so one chat holds at most one place.

A bounded backlog. A chat may have `CHAT_BACKLOG` updates waiting; past that, the oldest
waiting ones that may be passed over are dropped (`may_skip` says which: a patient's
typed message, never a warning sign, a button, or anything from staff), the patient is
told once that only their latest messages will be answered (`on_overflow`, in the chat's
own order), and the latest are answered. So a stuck phone or a script cannot make the bot
owe one chat minutes of replies. Webhook mode goes through the same processor.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

logger = logging.getLogger(__name__)

# PTB's own cap: only a ceiling on updates in hand (waiting in chats' queues included).
IN_HAND_MOST = 100_000


@dataclass(eq=False)
class _Waiting:
    update: object
    skip: bool = False
    tell: bool = False  # this one's turn tells the patient to slow down, instead


@dataclass
class _Chat:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: list[_Waiting] = field(default_factory=list)
    told: bool = False  # told to slow down, since this chat last had nothing in hand


def _never(update: object) -> bool:
    return False


async def _nothing(update: object) -> None:
    return None


class PerChatUpdates(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int, backlog: int = 8) -> None:
        super().__init__(IN_HAND_MOST)
        self.slots = asyncio.Semaphore(max_concurrent_updates)
        self.concurrent = max_concurrent_updates
        self.backlog = backlog
        # Set by the application (bot/assembly/app.py): which updates a full backlog may pass over,
        # and what tells a patient that it did.
        self.may_skip: Callable[[object], bool] = _never
        self.on_overflow: Callable[[object], Awaitable[None]] = _nothing
        self._chats: dict[int, _Chat] = {}
        self.skipped = 0  # since start, for the logs and tests

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_of(update)
        if key is None:
            async with self.slots:
                await coroutine
            return
        chat = self._chats.setdefault(key, _Chat())
        mine = _Waiting(update)
        chat.waiting.append(mine)
        self._thin(chat)
        try:
            async with chat.lock:
                chat.waiting.remove(mine)
                if mine.skip:
                    _discard(coroutine)
                    if mine.tell:
                        async with self.slots:
                            await self.on_overflow(update)
                    return
                async with self.slots:
                    await coroutine
        finally:
            if not chat.waiting and not chat.lock.locked():
                self._chats.pop(key, None)

    def _thin(self, chat: _Chat) -> None:
        """Past the backlog, pass over the oldest waiting updates that may be passed over
        (never the newest); the first passed over in a backlog tells the patient."""
        live = [waiting for waiting in chat.waiting if not waiting.skip]
        excess = len(live) - self.backlog
        if excess <= 0:
            return
        for waiting in live[:-1]:
            if excess <= 0:
                break
            if self.may_skip(waiting.update):
                waiting.skip = True
                self.skipped += 1
                excess -= 1
                if not chat.told:
                    chat.told = waiting.tell = True
                    logger.info("A chat sent more than %d updates at once; passing over "
                                "the oldest", self.backlog)

    def backlog_of(self, chat_id: int) -> int:
        """Updates waiting in this chat's queue that will be handled (for tests)."""
        chat = self._chats.get(chat_id)
        return 0 if chat is None else sum(not waiting.skip for waiting in chat.waiting)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _discard(coroutine: Awaitable[Any]) -> None:
    if inspect.iscoroutine(coroutine):
        coroutine.close()  # never run: no "never awaited" warning


def chat_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
