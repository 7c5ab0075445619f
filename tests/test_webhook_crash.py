"""kill -9 during a webhook burst (issue 27): 40 patients ask at once, the bot process is
killed while it answers, and started again. An update already answered is recorded as
answered just before its reply goes out (the "on the wire" rule planned messages follow),
so the restart answers the rest and repeats at most the one or two whose reply was on the
wire at the kill; before, 16 of 40 patients got their answer twice.

`bench/chaos.py --webhook` runs ten kills and prints the duplicates per kill."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bot.stand_in import Chat, TelegramStub, User
from tests.support.bots import WEBHOOK_SECRET, bot_environment, free_port, start_bot, stop_bot

pytestmark = pytest.mark.slow(seconds=12)

PATIENTS = 40
QUESTION = "how long is a session?"
ANSWER_WORDS = "minutes"
# A kill can catch a reply on the wire: it may have arrived, and is sent again.
MOST_REPEATED = 2


def webhook_environment(telegram: TelegramStub, database_url: str) -> dict[str, str]:
    port = free_port()
    return bot_environment(telegram, database_url) | {
        "BOT_MODE": "webhook", "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": WEBHOOK_SECRET, "LOG_LEVEL": "WARNING"}


def answers(telegram: TelegramStub, chat: Chat) -> int:
    return sum(ANSWER_WORDS in message.plain for message in telegram.messages_to(chat.chat_id))


async def test_a_kill_during_a_webhook_burst_repeats_at_most_the_replies_on_the_wire(
    telegram: TelegramStub, database_url: str, tmp_path: Path,
) -> None:
    env = webhook_environment(telegram, database_url)
    patients = [Chat(telegram, User(7_000_000 + number, f"Pat{number}"))
                for number in range(PATIENTS)]
    process = await start_bot(env, tmp_path)
    try:
        await telegram.wait_for(lambda: telegram.webhook.active, timeout=60,
                                what="the bot to set its webhook")
        for patient in patients:
            await patient.say(QUESTION)
        await telegram.wait_for(
            lambda: sum(answers(telegram, patient) > 0 for patient in patients) >= 8,
            timeout=60, what="some answers before the kill")
    finally:
        await stop_bot(process, signal.SIGKILL)
    answered_at_kill = sum(answers(telegram, patient) > 0 for patient in patients)
    telegram.webhook.url = ""  # as Telegram: a dead address until the bot sets it again

    process = await start_bot(env, tmp_path)
    try:
        await telegram.wait_for(
            lambda: all(answers(telegram, patient) for patient in patients), timeout=90,
            what="every patient answered after the restart")
    finally:
        log = await stop_bot(process)

    repeated = [patient.user.first_name for patient in patients
                if answers(telegram, patient) > 1]
    assert answered_at_kill < PATIENTS, "the kill came after every answer: no test"
    assert len(repeated) <= MOST_REPEATED, (repeated, log[-2000:])
