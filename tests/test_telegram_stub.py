"""The stand-in itself enforces what Telegram would, so the other tests can rely on it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.sending.delivery import seconds_of
from bot.stand_in import TOKEN, FloodLimits, TelegramStub, User


@pytest.fixture
async def bot(telegram: TelegramStub) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=f"{telegram.base_url}/bot") as client:
        yield client


async def known_user(telegram: TelegramStub, user_id: int) -> User:
    user = User(user_id, f"User{user_id}")
    await telegram.user_sends(user, "/start")
    return user


async def test_one_chat_gets_a_short_burst_then_429_with_retry_after(
    telegram: TelegramStub, bot: Bot
) -> None:
    user = await known_user(telegram, 1)
    start = time.monotonic()
    telegram.flood.clock = lambda: start  # all at once, however busy the machine
    for _ in range(FloodLimits().per_chat_burst):
        await bot.send_message(user.id, "hi")

    with pytest.raises(RetryAfter) as limited:
        await bot.send_message(user.id, "one too many")

    assert limited.value.retry_after in (1, 2) or limited.value.retry_after.total_seconds() >= 1  # type: ignore[union-attr]
    assert telegram.too_many_requests == 1
    telegram.flood.clock = lambda: start + 1.05  # the second waited out
    await bot.send_message(user.id, "after waiting")


async def test_more_than_30_messages_a_second_overall_get_429(
    telegram: TelegramStub, bot: Bot
) -> None:
    users = [await known_user(telegram, 100 + n) for n in range(31)]
    telegram.flood.clock = lambda: 1000.0  # all 31 in the same instant, however busy the machine
    results = await asyncio.gather(*(bot.send_message(u.id, "news") for u in users),
                                   return_exceptions=True)

    assert sum(isinstance(result, RetryAfter) for result in results) == 1
    assert len(telegram.sent) == 30


async def test_a_group_gets_one_a_second_and_20_a_minute(
    telegram: TelegramStub, bot: Bot
) -> None:
    group_id = -100777
    telegram.add_chat({"id": group_id, "type": "supergroup", "title": "Staff"})
    # The stand-in's clock held still: what is sent here is sent at once, however slowly
    # or quickly a loaded or idle machine runs it.
    start = time.monotonic()
    telegram.flood.clock = lambda: start
    for _ in range(FloodLimits().per_chat_burst):
        await bot.send_message(group_id, "alert")
    with pytest.raises(RetryAfter):  # one a second, groups included
        await bot.send_message(group_id, "one too many")

    # The minute alone: the chat's own limit lifted, and the clock a second on, so the
    # overall second is over but the minute is not.
    telegram.flood.limits.per_chat_per_second = 1000.0
    telegram.flood.limits.per_chat_burst = 1000
    telegram.flood.clock = lambda: start + 1.0
    for _ in range(FloodLimits().group_per_minute - FloodLimits().per_chat_burst):
        await bot.send_message(group_id, "alert")
    with pytest.raises(RetryAfter) as limited:
        await bot.send_message(group_id, "21st in a minute")
    assert 55 <= seconds_of(limited.value.retry_after) <= 60
    assert telegram.too_many_requests == 2


async def test_blocked_unknown_too_long_and_broken_messages_are_refused(
    telegram: TelegramStub, bot: Bot
) -> None:
    telegram.flood.limits.enabled = False
    user = await known_user(telegram, 7)
    telegram.block(User(8, "Blocker"))
    await telegram.user_sends(User(8, "Blocker"), "/start")

    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(8, "hello")
    with pytest.raises(BadRequest, match=r"[Cc]hat not found"):
        await bot.send_message(424242, "hello")
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(user.id, "x" * 4097)
    await bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(user.id, "Ann <Lee> & co", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"[Bb]utton_data_invalid"):
        await bot.send_message(user.id, "pick", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("A", callback_data="x" * 65)]]))
    await bot.send_message(user.id, "pick", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("A", callback_data="x" * 64)]]))


async def test_get_updates_long_polls_and_offsets_confirm(
    telegram: TelegramStub, bot: Bot
) -> None:
    user = User(5, "Eve")
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    await telegram.user_sends(user, "hello")

    [update] = await asyncio.wait_for(waiting, 3)
    assert update.message is not None and update.message.text == "hello"
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_a_wrong_token_is_unauthorized(telegram: TelegramStub) -> None:
    from telegram.error import InvalidToken

    wrong = Bot("987654321:AAWrongTokenWrongTokenWrongToken_1234",
                base_url=f"{telegram.base_url}/bot")
    with pytest.raises(InvalidToken):
        await wrong.initialize()  # getMe
    await wrong.shutdown()
