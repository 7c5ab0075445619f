"""What offering more languages costs the running bot: idle memory and the reply time of
a patient who reads another language (issue 29).

The bot as `python -m bot run` starts it (SQLite, long polling) against the stand-in,
once with LANGUAGES=en and once with every shipped language, in turns, three rounds.
Each run: idle RSS 2 s after the first getUpdates, then 20 patients whose Telegram is set
to Spanish each send /help and a question, one a second between them; the reply time
runs from the message reaching the stand-in to the reply reaching it.

Then, in this process, how long reading one message of about 500 characters takes in
each language read by its word list (the language guess, the list, the FAQ), made from
that language's evaluation batches.

Targets (issue 29): idle memory grows by at most 15 MB with all languages enabled;
detection and matching under 2 ms per message at p99.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.broadcast import memory_mb
from bench.harness import fresh_database, measure, quiet_environment, start
from bench.latency import ClockedStub
from bench.understanding import messages
from bot.assembly.app import readers
from bot.stand_in import User
from bot.texts.translations import load_contents, shipped_languages
from tests.eval.batches import load

SETS = {"English only": "en", "all shipped": ",".join(shipped_languages())}
HOLDOUT = Path(__file__).resolve().parents[1] / "tests" / "eval" / "holdout"
LENGTH = 500
FIRST_PATIENT = 31_000_000
TARGET_GROWTH_MB = 15.0
ASKED = ["/help", "how long does a session take?"]


@dataclass(frozen=True)
class Run:
    languages: str
    idle_rss_mb: float
    waits: list[float]

    def line(self) -> str:
        waits = sorted(self.waits)
        p50 = statistics.median(waits) * 1000
        p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))] * 1000
        return (f"{self.languages:12}  idle RSS {self.idle_rss_mb:5.1f} MB   reply p50 "
                f"{p50:5.1f} ms, p99 {p99:5.1f} ms ({len(waits)} replies)")


async def run_once(name: str, patients: int) -> Run:
    telegram = ClockedStub()
    await telegram.start()
    async with fresh_database() as (url, _):
        env = quiet_environment(telegram, url) | {"LANGUAGES": SETS[name]}
        env.pop("TELEGRAM_TRANSPORT")
        process, logs = await start(env, "bot", "run")
        return await measure(process, logs, telegram, _load(telegram, process.pid, name,
                                                             patients))


async def _load(telegram: ClockedStub, pid: int, name: str, patients: int) -> Run:
    await telegram.wait_for(lambda: telegram.first_poll is not None, timeout=60,
                            what="the bot to start polling")
    await asyncio.sleep(2)  # start-up work done (command menus, the first timer top-up)
    idle = memory_mb(pid, "VmRSS")
    waits: list[float] = []
    for number in range(patients):
        user = User(FIRST_PATIENT + number, f"Paciente{number}", language_code="es")
        for text in ASKED:
            seen = len(telegram.messages_to(user.id))
            sent = time.monotonic()
            await telegram.user_sends(user, text)
            await telegram.wait_for(_replied(telegram, user.id, seen), timeout=30,
                                    what="a reply")
            waits.append(time.monotonic() - sent)
        await asyncio.sleep(1.0)  # about one a second per chat, as Telegram allows
    return Run(name, idle, waits)


def _replied(telegram: ClockedStub, chat_id: int, seen: int) -> Callable[[], bool]:
    return lambda: len(telegram.messages_to(chat_id)) > seen


def reading_times(language: str, count: int = 2000) -> tuple[float, float]:
    """p50 and p99 (ms) of reading `count` messages of about 500 characters in
    `language`, each read afresh."""
    contents = load_contents(languages=tuple(SETS["all shipped"].split(",")),
                             clinic_name="Lotus", clinic_contact="020 7946 0000")
    reader = readers(contents.reading, contents.read_too)
    built = messages(count, [case.text for path in sorted((HOLDOUT / language).glob("*.yaml"))
                             for case in load(path)])
    for text in built[:100]:
        reader.read(text)
    times = []
    for text in built:
        reader.forget()
        started = time.perf_counter()
        reader.read(text)
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.99)] * 1000


async def main(rounds: int, patients: int) -> None:
    runs: dict[str, list[Run]] = {name: [] for name in SETS}
    for number in range(1, rounds + 1):
        for name in SETS:
            run = await run_once(name, patients)
            runs[name].append(run)
            print(f"round {number}  {run.line()}", flush=True)
    idle = {name: statistics.median(run.idle_rss_mb for run in runs[name]) for name in SETS}
    growth = idle["all shipped"] - idle["English only"]
    for name in SETS:
        print(f"median  {name:12}  idle RSS {idle[name]:.1f} MB")
    verdict = "met" if growth <= TARGET_GROWTH_MB else "MISSED"
    print(f"idle memory grows by {growth:+.1f} MB with {SETS['all shipped']} "
          f"(target <= {TARGET_GROWTH_MB:g} MB): {verdict}")
    for language in sorted(path.name for path in HOLDOUT.iterdir() if path.is_dir()):
        p50, p99 = reading_times(language)
        print(f"reading a {LENGTH}-character message in {language}: p50 {p50:.2f} ms, "
              f"p99 {p99:.2f} ms (target < 2 ms at p99): {'met' if p99 < 2 else 'MISSED'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--patients", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.patients))
