"""One patient's flood must not stall the others: a chat sends 200 messages at once (a
stuck phone, a script, someone pasting line by line) while ten other patients each ask a
question a second. The others are answered as if nothing were happening, the flooder's
warning sign is still heard, and the flooder's backlog stays bounded.

In polling mode the bot gets the flood in two batches of 100; in webhook mode Telegram
(and the stand-in) sends one chat's updates one at a time, each once the one before was
answered, and the bot answers each as soon as it is kept (`bot/assembly/inbox.py`), so the flood
comes to the bot just as fast. Either way the bot holds the backlog itself: past
`CHAT_BACKLOG` it passes over the oldest, says so once, and answers the latest.

The others' reply times are asserted loosely (a loaded machine: well under the defect's
minutes); `bench/flood.py` prints the figures against the 1 s target.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.assembly.concurrency import PerChatUpdates
from bot.services.context import ClinicApp
from bot.stand_in import Chat, TelegramStub, User
from tests.support.bots import STAFF_CHAT_ID, SettingsFactory, running_bot, serving_webhook
from tests.support.databases import fresh_sqlite_database


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    """SQLite only: the flood is about how updates are queued, not about the database
    (both backends' behaviour under many writers is tests/test_claims.py's and the chaos
    test's)."""
    return await fresh_sqlite_database(tmp_path / "data" / "clinic.db")


FLOOD = 200
OTHERS = 10
ROUNDS = 6
BACKLOG = 8
WARNING = "I feel faint and dizzy since the needles"
LAST = "can it help my back pain?"  # the only one the back-pain topic answers
# The defect made the others wait 41 s for a 60-message flood and 131 s for 150 (over
# 60 s here, when tried); bench/flood.py measures the target of 1 s at p99 (806 ms). A
# test must hold beside seven other workers and a busy core, where taking in the flood's
# 200 updates alone was seen to cost 4.5 s.
OTHERS_WAIT_MOST = 15.0


def flood_texts(warning_at: int) -> list[str]:
    texts = [f"does it hurt? ({number})" for number in range(FLOOD)]
    texts[warning_at] = WARNING
    texts[-1] = LAST
    return texts


async def ask_every_second(others: list[Chat]) -> list[float]:
    """Each of `others` asks a question a second, ROUNDS times; every reply's wait."""
    waits: list[float] = []

    async def one(chat: Chat) -> None:
        asked = time.monotonic()
        await chat.say("does acupuncture hurt?")
        reply = await chat.next_message(timeout=60)
        waits.append(reply.sent_at - asked)

    for _ in range(ROUNDS):
        started = time.monotonic()
        await asyncio.gather(*(one(chat) for chat in others))
        await asyncio.sleep(max(0.0, 1.05 - (time.monotonic() - started)))
    return waits


@asynccontextmanager
async def polling(telegram: TelegramStub, make_settings: SettingsFactory
                  ) -> AsyncIterator[ClinicApp]:
    async with running_bot(make_settings(chat_backlog=BACKLOG)) as application:
        yield application


@asynccontextmanager
async def webhook(telegram: TelegramStub, make_settings: SettingsFactory
                  ) -> AsyncIterator[ClinicApp]:
    async with serving_webhook(telegram, make_settings, chat_backlog=BACKLOG) as (app, _):
        yield app


async def sampling(condition: Callable[[], int], every: float, until: asyncio.Event,
                   into: list[int]) -> None:
    while not until.is_set():
        into.append(condition())
        await asyncio.sleep(every)


@pytest.mark.slow(seconds=15)
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_one_chats_flood_does_not_stall_the_others_and_stays_bounded(
    telegram: TelegramStub, make_settings: SettingsFactory, mode: str
) -> None:
    telegram.add_chat({"id": STAFF_CHAT_ID, "type": "supergroup", "title": "Clinic staff"})
    flooder = Chat(telegram, User(7000, "Flo"))
    others = [Chat(telegram, User(7100 + number, f"Pat{number}")) for number in range(OTHERS)]
    starting = polling if mode == "polling" else webhook
    async with starting(telegram, make_settings) as application:
        processor = application.update_processor
        assert isinstance(processor, PerChatUpdates)
        for chat in [flooder, *others]:  # registered, welcomed: the rest is questions
            await chat.ask("/start")
        backlog: list[int] = []
        done = asyncio.Event()
        watcher = asyncio.create_task(
            sampling(lambda: processor.backlog_of(flooder.chat_id), 0.02, done, backlog))
        for text in flood_texts(FLOOD // 2):
            await flooder.say(text)
        waits = await ask_every_second(others)
        # The latest is answered, once the backlog is worked off.
        latest = await flooder.next_message_with("Tight muscles", timeout=60)
        done.set()
        await watcher
        staff_alert = await Chat(telegram, User(1, "staff"), telegram.chats[STAFF_CHAT_ID]) \
            .next_message_with("Warning sign", timeout=60)

    flooder_got = [message.plain for message in telegram.messages_to(flooder.chat_id)]
    assert len(waits) == OTHERS * ROUNDS
    assert max(waits) < OTHERS_WAIT_MOST, f"others waited up to {max(waits):.1f} s"
    assert "Flo" in staff_alert.plain  # the warning sign amid the flood was heard
    assert any("Please contact" in text for text in flooder_got)
    assert max(backlog) <= BACKLOG + 1  # the warning sign is never passed over
    assert sum("a lot of messages at once" in text for text in flooder_got) == 1
    assert latest.plain in flooder_got
    if mode == "polling":
        assert processor.skipped >= FLOOD - 3 * BACKLOG
        # Welcome, notice, warning-sign answer and the latest few: not 200 replies.
        assert len(flooder_got) <= 2 * BACKLOG + 4, len(flooder_got)
    else:
        # Telegram holds nothing back: every update was answered. It sends a chat's
        # updates one at a time, so on a busy machine the flood takes seconds to arrive
        # and the bot answers a few more of it as it comes: still a bounded share, never
        # a reply to each (the defect: 200 replies over minutes).
        assert len(telegram.webhook.attempts) >= FLOOD
        assert processor.skipped >= FLOOD // 2
        assert len(flooder_got) <= FLOOD // 4, len(flooder_got)
