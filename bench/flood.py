"""Flood benchmark: one chat sends 200 messages at once to the real bot process
(`python -m bot run`, SQLite, long polling, Telegram's limits on in the stand-in) while
20 other patients each ask a question a second for 15 seconds.

    .venv/bin/python -m bench.flood [--flood 200] [--others 20] [--seconds 15] [--webhook]

It prints the other patients' wait from asking to the reply reaching the stand-in (p50,
p99, worst; target: p99 under 1 s), how many replies the flooder got, and when the
flooder's latest message was answered (the bot passes over the oldest of a backlog past
CHAT_BACKLOG and says so once; bot/runtime/concurrency.py). Before the fix, 60 messages at once
delayed another patient's /risks by 41 s and 150 by 131 s. With `--webhook` the bot
runs in webhook mode and the stand-in delivers each chat's updates one at a time, as
Telegram does.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bench.harness import fresh_database, measure, quiet_environment, start
from bot.stand_in import Chat, TelegramStub, User, until_polling
from tests.support.bots import free_port

LATEST = "can it help my back pain?"  # the only one the back-pain topic answers


async def run(flood: int, others: int, seconds: float, webhook: bool) -> str:
    telegram = TelegramStub()
    await telegram.start()
    async with fresh_database() as (url, _):
        env = quiet_environment(telegram, url)
        if webhook:
            port = free_port()
            env |= {"BOT_MODE": "webhook", "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
                    "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port),
                    "WEBHOOK_SECRET": "bench-secret"}
        process, logs = await start(env, "bot", "run")
        return await measure(process, logs, telegram, _flood(telegram, flood, others,
                                                               seconds, webhook))


async def _flood(telegram: TelegramStub, flood: int, others: int, seconds: float,
                 webhook: bool) -> str:
    if webhook:
        await telegram.wait_for(lambda: telegram.webhook.active, timeout=60,
                                what="the bot to set its webhook")
    else:
        await until_polling(telegram, within=60)
    flooder = Chat(telegram, User(30_000_000, "Flo"))
    patients = [Chat(telegram, User(30_000_001 + n, f"Pat{n}")) for n in range(others)]
    for chat in [flooder, *patients]:
        await chat.ask("/start", timeout=60)
    started = time.monotonic()
    for n in range(flood):
        await flooder.say(LATEST if n == flood - 1 else f"does it hurt? ({n})")
    waits: list[float] = []

    async def ask(chat: Chat) -> None:
        asked = time.monotonic()
        await chat.say("does acupuncture hurt?")
        reply = await chat.next_message(timeout=120)
        waits.append(reply.sent_at - asked)

    while time.monotonic() - started < seconds:
        round_started = time.monotonic()
        await asyncio.gather(*(ask(chat) for chat in patients))
        await asyncio.sleep(max(0.0, 1.05 - (time.monotonic() - round_started)))
    latest = await flooder.next_message_with("Tight muscles", timeout=300)
    replies = len(telegram.messages_to(flooder.chat_id)) - 1  # less the welcome
    waits.sort()
    p50, p99 = (statistics.quantiles(waits, n=100, method="inclusive")[i] for i in (49, 98))
    mode = "webhook" if webhook else "polling"
    return (f"flood ({mode}): one chat sends {flood} at once; {others} others ask once a "
            f"second "
            f"({len(waits)} questions): their wait p50 {p50 * 1000:.0f} ms, p99 "
            f"{p99 * 1000:.0f} ms, worst {waits[-1] * 1000:.0f} ms (target p99 < 1000 ms); "
            f"the flooder got {replies} replies, its latest answered after "
            f"{latest.sent_at - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=200)
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--webhook", action="store_true", help="in webhook mode")
    options = parser.parse_args()
    print(asyncio.run(run(options.flood, options.others, options.seconds, options.webhook)))


if __name__ == "__main__":
    main()
