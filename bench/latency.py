"""Latency benchmark: the clinic's bot and a bare python-telegram-bot echo bot at an
everyday load, side by side, with Telegram's limits on in the loopback Bot API.

    .venv/bin/python -m bench.latency [--patients 50] [--every 2] [--seconds 20] [--rounds 3]
                                      [--poisson]

50 patients each ask a question every 2 s, each at a moment of their own give or take a
tenth of a second (25 updates a second, sometimes several at once), to the
real bot process (`python -m bot run`, SQLite, long polling, as configured by default),
then to the echo bot (bench/echo_bot.py). For each it prints:

- the reply time, p50/p90/p99: from the patient's message reaching the stand-in to the
  bot's first message in that chat after it reaching the stand-in (the whole trip: the
  long poll handing the update over, the bot's work, its limiter, the send);
- CPU per update: what the bot process used while under load, read from `/proc`;
- idle RSS: the process's memory after start-up, before any patient writes;
- start-up: from starting the process to its first `getUpdates`;
- 429s: answers the stand-in refused for going over Telegram's limits (must be 0).

Targets (issue 20): clinic reply p50 <= 3 x the echo bot's, clinic p99 < 100 ms, idle
RSS <= 70 MB, start-up <= 1.5 s, zero 429s. The summary takes the median of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.broadcast import memory_mb
from bench.harness import fresh_database, measure, quiet_environment, start
from bench.throughput import cpu_seconds
from bot.stand_in import TelegramStub, User

FIRST_PATIENT = 30_000_000
COMMANDS = {"echo": ["bench.echo_bot"], "clinic": ["bot", "run"]}
# Everyday questions: topics the FAQ answers, the menu, and words of the patient's own.
QUESTIONS = ["Does acupuncture hurt?", "/faq", "is it safe for my back?",
             "How long does a session take?", "/risks", "what should I wear",
             "can I eat before my appointment?", "/faq bruising"]
JITTER = 0.1  # seconds either way a patient's next question comes
TARGET_P50_RATIO = 3.0
TARGET_P99 = 0.100
TARGET_RSS_MB = 70.0
TARGET_STARTUP = 1.5


class ClockedStub(TelegramStub):
    """The stand-in, noting when the bot first asked for updates."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.first_poll: float | None = None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.first_poll is None:
            self.first_poll = time.monotonic()
        return await super()._get_updates(params)


@dataclass
class Result:
    bot: str
    asked: int
    waits: list[float]
    cpu_seconds: float
    idle_rss_mb: float
    startup: float
    rejected: int

    def quantile(self, q: int) -> float:
        return statistics.quantiles(self.waits, n=100)[q - 1] if len(self.waits) > 1 \
            else float("nan")

    def line(self) -> str:
        return (f"{self.bot:<7} reply p50 {self.quantile(50) * 1000:6.1f} ms, "
                f"p90 {self.quantile(90) * 1000:6.1f} ms, p99 {self.quantile(99) * 1000:6.1f} ms"
                f"   answered {len(self.waits):,}/{self.asked:,}   "
                f"CPU {self.cpu_seconds / self.asked * 1000:4.2f} ms/update   "
                f"idle RSS {self.idle_rss_mb:5.1f} MB   start-up {self.startup:4.2f} s   "
                f"429s {self.rejected}")


async def run_once(bot: str, patients: int, every: float, seconds: float, poisson: bool
                   ) -> Result:
    telegram = ClockedStub()  # Telegram's limits on: 30/s overall, about 1/s per chat
    await telegram.start()
    async with fresh_database() as (url, _):
        env = quiet_environment(telegram, url)
        env.pop("TELEGRAM_TRANSPORT")  # the bot as configured by default
        started = time.monotonic()
        process, logs = await start(env, *COMMANDS[bot])
        work = _load(telegram, process.pid, bot, started, patients, every, seconds, poisson)
        return await measure(process, logs, telegram, work)


async def _load(telegram: ClockedStub, pid: int, bot: str, started: float, patients: int,
                every: float, seconds: float, poisson: bool) -> Result:
    await telegram.wait_for(lambda: telegram.first_poll is not None, timeout=60,
                            what="the bot to start polling")
    assert telegram.first_poll is not None
    startup = telegram.first_poll - started
    await asyncio.sleep(2)  # start-up work done (command menus, the first timer top-up)
    idle_rss = memory_mb(pid, "VmRSS")
    users = [User(FIRST_PATIENT + n, f"Patient{n}") for n in range(patients)]
    asked: dict[int, list[float]] = defaultdict(list)
    cpu_before = cpu_seconds(pid)
    moments = schedule(patients, every, seconds, poisson)
    begin = time.monotonic()
    for at, patient, turn in moments:
        pause = begin + at - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        user = users[patient]
        asked[user.id].append(time.monotonic())
        await telegram.user_sends(user, QUESTIONS[turn % len(QUESTIONS)])
    await asyncio.sleep(every)  # the last questions' replies
    cpu = cpu_seconds(pid) - cpu_before
    return Result(bot=bot, asked=len(moments), waits=reply_times(telegram, asked), cpu_seconds=cpu,
                  idle_rss_mb=idle_rss, startup=startup, rejected=telegram.too_many_requests)


def schedule(patients: int, every: float, seconds: float, poisson: bool
             ) -> list[tuple[float, int, int]]:
    """When each question is asked, from the start: (seconds, patient, the patient's
    question number), the same for every bot. Each patient asks every `every` seconds, at
    a moment of their own, give or take a tenth of a second (people are not clockwork).
    `poisson`: at random moments instead (patients / every a second), the patients in turn;
    clumps of over 30 in a second then come often, and Telegram's limit must hold replies
    back (the echo bot, with no limiter, is refused)."""
    chance = random.Random(20)
    if poisson:
        moments, at = [], 0.0
        for n in range(round(seconds * patients / every)):
            at += chance.expovariate(patients / every)
            moments.append((at, n % patients, n // patients))
        return moments
    moments = []
    for patient in range(patients):
        phase = chance.uniform(0, every)
        for turn in range(round(seconds / every)):
            moments.append((max(0.0, phase + turn * every + chance.gauss(0, JITTER)),
                            patient, turn))
    return sorted(moments)


def reply_times(telegram: TelegramStub, asked: dict[int, list[float]]) -> list[float]:
    """For each question, the time to the bot's first message in that chat after it (and
    before the patient's next question: a later one is not this question's reply)."""
    replies: dict[int, list[float]] = defaultdict(list)
    for message in telegram.sent:
        if message.chat_id in asked:
            replies[message.chat_id].append(message.sent_at)
    waits = []
    for chat, times in asked.items():
        arrivals = sorted(replies[chat])
        for n, at in enumerate(times):
            until = times[n + 1] if n + 1 < len(times) else float("inf")
            first = bisect.bisect_right(arrivals, at)
            if first < len(arrivals) and arrivals[first] < until:
                waits.append(arrivals[first] - at)
    return waits


def summary(rounds: dict[str, list[Result]]) -> list[str]:
    """The median of the rounds for each figure, and each target met or missed."""
    def median(bot: str, figure: Callable[[Result], float]) -> float:
        return statistics.median(figure(result) for result in rounds[bot])

    lines = []
    for bot in COMMANDS:
        lines.append(
            f"{bot:<7} median of {len(rounds[bot])}: p50 "
            f"{median(bot, lambda r: r.quantile(50)) * 1000:.1f} ms, p90 "
            f"{median(bot, lambda r: r.quantile(90)) * 1000:.1f} ms, p99 "
            f"{median(bot, lambda r: r.quantile(99)) * 1000:.1f} ms, CPU "
            f"{median(bot, lambda r: r.cpu_seconds / r.asked) * 1000:.2f} ms/update, idle RSS "
            f"{median(bot, lambda r: r.idle_rss_mb):.1f} MB, start-up "
            f"{median(bot, lambda r: r.startup):.2f} s")
    ratio = median("clinic", lambda r: r.quantile(50)) / median("echo", lambda r: r.quantile(50))
    checks = [
        (f"clinic p50 / echo p50 {ratio:.2f}", ratio <= TARGET_P50_RATIO,
         f"<= {TARGET_P50_RATIO:g}"),
        (f"clinic p99 {median('clinic', lambda r: r.quantile(99)) * 1000:.1f} ms",
         median("clinic", lambda r: r.quantile(99)) < TARGET_P99, f"< {TARGET_P99 * 1000:g} ms"),
        (f"clinic idle RSS {median('clinic', lambda r: r.idle_rss_mb):.1f} MB",
         median("clinic", lambda r: r.idle_rss_mb) <= TARGET_RSS_MB, f"<= {TARGET_RSS_MB:g} MB"),
        (f"clinic start-up {median('clinic', lambda r: r.startup):.2f} s",
         median("clinic", lambda r: r.startup) <= TARGET_STARTUP, f"<= {TARGET_STARTUP:g} s"),
        (f"clinic 429s {sum(r.rejected for r in rounds['clinic'])}",
         all(r.rejected == 0 for r in rounds["clinic"]), "0"),
        (f"clinic unanswered {sum(r.asked - len(r.waits) for r in rounds['clinic'])}",
         all(len(r.waits) == r.asked for r in rounds["clinic"]), "0"),
    ]
    for figure, met, target in checks:
        lines.append(f"{figure} (target {target}): {'met' if met else 'MISSED'}")
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--every", type=float, default=2.0,
                        help="seconds between a patient's questions")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--poisson", action="store_true",
                        help="questions at random moments rather than each patient's own pace")
    arguments = parser.parse_args()
    rate = arguments.patients / arguments.every
    print(f"Loopback Bot API, Telegram's limits on; {arguments.patients} patients, one question "
          f"every {arguments.every:g} s each ({rate:g} updates/s) for {arguments.seconds:g} s")
    rounds: dict[str, list[Result]] = defaultdict(list)
    for n in range(arguments.rounds):
        for bot in COMMANDS:
            result = await run_once(bot, arguments.patients, arguments.every,
                                    arguments.seconds, arguments.poisson)
            rounds[bot].append(result)
            print(f"round {n + 1}  {result.line()}", flush=True)
    for line in summary(rounds):
        print(line)


if __name__ == "__main__":
    asyncio.run(main())
