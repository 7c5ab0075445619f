"""Update-throughput benchmark: 2,000 patients each send one question (/faq, /faq with a
word, or a question in their own words) at once, with Telegram's limits switched off in
the loopback Bot API, to the real bot process (`python -m bot run`, SQLite, long
polling); before it, the same 2,000 updates to a bare python-telegram-bot echo bot
(bench/echo_bot.py) against the same stand-in, for the ratio, and to that echo bot
replying with the clinic's FAQ answers and their buttons (`--clinic-sized`), which tells
how much of the gap is the replies' size and how much the clinic's work.

    .venv/bin/python -m bench.throughput [--patients 2000] [--rounds 1] [--profile FILE]

It prints, for each bot, updates per second (from the first update fetched to the last
reply), the CPU time the bot process used per update (steadier than updates per second on
a shared machine), and the p50/p99 time from an update being fetched by the bot to its reply
arriving at the stand-in (in a burst, mostly time spent waiting in the queue). Target:
the clinic's bot at least 0.8 x the echo bot. The clinic's limiter runs with its 30/s
ceiling lifted (`--no-ceiling`, bench/bot_process.py): with it, replies could not leave
faster than Telegram allows, and this measures the bot, not Telegram.

`--profile FILE` records the clinic bot with py-spy while it answers (a speedscope
profile; `pip install -e '.[bench]'` installs py-spy; open it at speedscope.app).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.broadcast import memory_mb
from bench.harness import fresh_database, measure, quiet_environment, start
from bot.stand_in import TelegramStub, User, until_polling
from bot.stand_in.limits import FloodLimits

FIRST_PATIENT = 20_000_000
TARGET_RATIO = 0.8
# The bots measured, in order: the yardstick, the yardstick sending replies the size of
# the clinic's (its FAQ answers with their buttons), and the clinic's bot.
COMMANDS = {
    "echo": ["bench.echo_bot"],
    "echo-sized": ["bench.echo_bot", "--clinic-sized"],
    "clinic": ["bench.bot_process", "--no-ceiling"],
}
# What patients ask: the menu, a topic by word, and questions in their own words (some
# the FAQ answers, some it does not and staff are told).
QUESTIONS = ["/faq", "/faq bruising", "/risks", "Does acupuncture hurt?",
             "is it safe for my back?", "How long does a session take?",
             "what should I wear to my first appointment", "Do you validate parking tickets?"]


class TimedStub(TelegramStub):
    """The stand-in, noting when each update is first handed to the bot."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.fetched: dict[int, float] = {}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        updates = await super()._get_updates(params)
        now = time.monotonic()
        for update in updates:
            self.fetched.setdefault(update["message"]["chat"]["id"], now)
        return updates


@dataclass
class Result:
    bot: str
    updates: int
    seconds: float
    p50: float
    p99: float
    answered: int
    peak_rss_mb: float
    cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def line(self) -> str:
        return (f"{self.bot:<12} {self.updates:,} updates in {self.seconds:6.2f} s = "
                f"{self.per_second:6.1f} updates/s   update to reply p50 "
                f"{self.p50 * 1000:6.0f} ms, p99 {self.p99 * 1000:6.0f} ms   "
                f"CPU {self.cpu_seconds / self.updates * 1000:4.2f} ms/update   "
                f"answered {self.answered:,}   peak RSS {self.peak_rss_mb:5.1f} MB")


async def run_once(bot: str, patients: int, profile: Path | None = None) -> Result:
    telegram = TimedStub(limits=FloodLimits(enabled=False))
    await telegram.start()
    async with fresh_database() as (url, _):
        process, logs = await start(quiet_environment(telegram, url), *COMMANDS[bot])
        work = _questions(telegram, process.pid, bot, patients, profile)
        return await measure(process, logs, telegram, work)



async def _questions(telegram: TimedStub, pid: int, bot: str, patients: int,
                     profile: Path | None) -> Result:
    await until_polling(telegram, within=60)
    await asyncio.sleep(1)  # let start-up work (command menus, first top-up) finish
    profiler = None
    if profile is not None:
        profiler = await asyncio.create_subprocess_exec(
            Path(sys.executable).parent / "py-spy", "record", "--pid", str(pid),
            "--rate", "200", "--gil", "--format", "speedscope", "--output", str(profile),
            stdout=asyncio.subprocess.DEVNULL)
        await asyncio.sleep(1)  # attached
    users = [User(FIRST_PATIENT + n, f"Patient{n}") for n in range(patients)]
    cpu_before = cpu_seconds(pid)
    for n, user in enumerate(users):
        await telegram.user_sends(user, QUESTIONS[n % len(QUESTIONS)])
    chats = {user.id for user in users}
    replied: dict[int, float] = {}
    seen = 0
    deadline = time.monotonic() + 600
    while len(replied) < patients and time.monotonic() < deadline:
        fresh = telegram.sent[seen:]
        seen += len(fresh)
        for message in fresh:
            if message.chat_id in chats:
                replied.setdefault(message.chat_id, message.sent_at)
        await asyncio.sleep(0.02)
    cpu = cpu_seconds(pid) - cpu_before
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)  # py-spy writes the profile and exits
        await profiler.wait()
    waits = sorted(replied[chat] - telegram.fetched[chat] for chat in replied)
    quantiles = statistics.quantiles(waits, n=100) if len(waits) > 1 else [float("nan")] * 99
    return Result(bot=bot, updates=patients,
                  seconds=max(replied.values()) - min(telegram.fetched.values()),
                  p50=quantiles[49], p99=quantiles[98], answered=len(replied),
                  peak_rss_mb=memory_mb(pid, "VmHWM"), cpu_seconds=cpu)


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far, all its threads, user and system."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each bot, best kept")
    parser.add_argument("--profile", type=Path, help="py-spy profile of the clinic bot")
    arguments = parser.parse_args()
    print(f"Loopback Bot API, limits off; {arguments.patients:,} patients, one question each")
    best: dict[str, Result] = {}
    for _ in range(arguments.rounds):
        for bot in COMMANDS:
            result = await run_once(bot, arguments.patients,
                                    arguments.profile if bot == "clinic" else None)
            print(result.line(), flush=True)
            if bot not in best or result.per_second > best[bot].per_second:
                best[bot] = result
    ratio = best["clinic"].per_second / best["echo"].per_second
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    print(f"clinic / echo throughput: {ratio:.2f} (target {TARGET_RATIO}, {verdict})")
    # Where the gap is: the replies' size (echo-sized / echo), and the clinic's own work,
    # storing questions, matching, the limiter (clinic / echo-sized).
    sized = best["echo-sized"].per_second
    print(f"echo-sized / echo: {sized / best['echo'].per_second:.2f}   "
          f"clinic / echo-sized: {best['clinic'].per_second / sized:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
