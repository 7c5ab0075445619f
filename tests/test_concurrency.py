"""bot/assembly/concurrency.py: different chats' updates at the same time, one chat's in order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.assembly.concurrency import PerChatUpdates


def update_in(chat_id: int, update_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat))


async def test_one_chats_updates_wait_for_each_other_and_other_chats_do_not() -> None:
    processor = PerChatUpdates(max_concurrent_updates=8)
    release_first = asyncio.Event()
    order: list[str] = []

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        order.append(f"{name} began")
        if wait is not None:
            await wait.wait()
        order.append(f"{name} ended")

    first = asyncio.create_task(processor.process_update(
        update_in(1, 1), handle("ann 1", release_first)))
    second = asyncio.create_task(processor.process_update(update_in(1, 2), handle("ann 2")))
    other = asyncio.create_task(processor.process_update(update_in(2, 3), handle("bob 1")))
    await asyncio.wait_for(other, 2)  # Bob is not held up by Ann's slow first update
    assert order == ["ann 1 began", "bob 1 began", "bob 1 ended"]
    release_first.set()
    await asyncio.wait_for(asyncio.gather(first, second), 2)
    assert order[3:] == ["ann 1 ended", "ann 2 began", "ann 2 ended"]
    assert processor.current_concurrent_updates == 0
