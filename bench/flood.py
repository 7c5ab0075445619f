"""Flood benchmark: one chat sends 200 messages at once to the real bot process
(`python -m bot run`, SQLite, long polling, Telegram's limits on in the stand-in) while
20 other patients each ask a question a second for 15 seconds.

    .venv/bin/python -m bench.flood [--flood 200] [--others 20] [--seconds 15] [--webhook]
    .venv/bin/python -m bench.flood --alerts [--others 16]

It prints the other patients' wait from asking to the reply reaching the stand-in (p50,
p99, worst; target: p99 under 1 s), how many replies the flooder got, and when the
flooder's latest message was answered (the bot passes over the oldest of a backlog past
CHAT_BACKLOG and says so once; bot/assembly/concurrency.py). Before the fix, 60 messages at once
delayed another patient's /risks by 41 s and 150 by 131 s. With `--webhook` the bot
runs in webhook mode and the stand-in delivers each chat's updates one at a time, as
Telegram does.

With `--alerts`, 16 patients (`--others`) report a warning sign in the same second
instead: it prints their wait for the safety reply (target: every one within 1 s), when
the last of their alerts reached the staff group (target: within 15 s), how many
messages carried them, and the 429s the stand-in answered (target: none).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bench.harness import fresh_database, measure, quiet_environment, start
from bot.stand_in import Chat, TelegramStub, User, until_polling
from tests.support.bots import STAFF_CHAT_ID, free_port

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


async def run_alerts(patients: int) -> str:
    telegram = TelegramStub()
    telegram.add_chat({"id": STAFF_CHAT_ID, "type": "supergroup", "title": "Clinic staff"})
    await telegram.start()
    async with fresh_database() as (url, _):
        env = quiet_environment(telegram, url) | {"STAFF_CHAT_ID": str(STAFF_CHAT_ID)}
        process, logs = await start(env, "bot", "run")
        return await measure(process, logs, telegram, _alerts(telegram, patients))


async def _alerts(telegram: TelegramStub, count: int) -> str:
    await until_polling(telegram, within=60)
    patients = [Chat(telegram, User(31_000_000 + n, f"Pat{n}")) for n in range(count)]
    for chat in patients:
        await chat.ask("/start", timeout=60)
    refused_before = telegram.too_many_requests
    posted_before = len(telegram.messages_to(STAFF_CHAT_ID))

    def staff_text() -> str:
        return "\n".join(message.plain for message in telegram.messages_to(STAFF_CHAT_ID))

    async def report(number: int, chat: Chat) -> float:
        asked = time.monotonic()
        await chat.say(f"my chest is tight and I can't breathe (number {number})")
        reply = await chat.next_message(timeout=60)
        return reply.sent_at - asked

    started = time.monotonic()
    waits = sorted(await asyncio.gather(*(report(n, chat) for n, chat in enumerate(patients))))
    await telegram.wait_for(lambda: all(f"(number {n})" in staff_text() for n in range(count)),
                            timeout=120, what="every alert in the staff chat")
    all_told = time.monotonic() - started
    messages = len(telegram.messages_to(STAFF_CHAT_ID)) - posted_before
    return (f"alerts: {count} patients report a warning sign in the same second: their "
            f"safety reply after p50 {statistics.median(waits) * 1000:.0f} ms, worst "
            f"{waits[-1] * 1000:.0f} ms (target < 1000 ms); all {count} alerts in the staff "
            f"group after {all_told:.1f} s (target < 15 s), in {messages} messages; "
            f"{telegram.too_many_requests - refused_before} × 429 (target 0)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=200)
    parser.add_argument("--others", type=int, default=None,
                        help="other patients (20), or with --alerts those reporting (16)")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--webhook", action="store_true", help="in webhook mode")
    parser.add_argument("--alerts", action="store_true",
                        help="warning signs from many patients at once instead")
    options = parser.parse_args()
    if options.alerts:
        print(asyncio.run(run_alerts(options.others or 16)))
        return
    print(asyncio.run(run(options.flood, options.others or 20, options.seconds,
                          options.webhook)))


if __name__ == "__main__":
    main()
