"""Chaos benchmark: how many messages are in doubt per kill -9 at a busy moment.

    .venv/bin/python -m bench.chaos [--kills 10] [--seed 5] [--postgres URL]
    .venv/bin/python -m bench.chaos --webhook [--kills 10]

The scenario of `tests/test_chaos.py`, with more kills: 60 patients each have a booking
notice, a guide and a reminder due at once and a broadcast coming (240 messages queued
behind Telegram's limits), and the real bot process (`python -m bot run`) is killed with
SIGKILL while it sends, then started again. A message whose request had begun at a kill
is in doubt (it may have arrived; it is not sent again); everything else must arrive
exactly once. It prints the in-doubt count per kill, how many of those had in fact
arrived, and the losses and duplicates (both must be 0), on SQLite and, with
`--postgres`, on a fresh database on that server too.

With `--webhook`, the bot runs in webhook mode instead: each round 40 new patients ask at
once, the process is killed while it answers and started again, and it prints per kill
how many patients got their answer twice and how many replies were in doubt (on the wire
at the kill, not sent again) (target: at most 2 in all per kill).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
from pathlib import Path

from bot.stand_in import Chat, TelegramStub, User
from tests.support.bots import start_bot, stop_bot
from tests.support.chaos import KILLS, SEED, run_chaos
from tests.support.databases import POSTGRES_ENV, drop_templates, fresh_postgres_database
from tests.test_webhook_crash import (
    MOST_IN_DOUBT,
    PATIENTS,
    QUESTION,
    answers,
    until_all_handled,
    webhook_environment,
)


async def once(database: str, kills: int, seed: int) -> str:
    telegram = TelegramStub()
    await telegram.start()
    try:
        with tempfile.TemporaryDirectory(prefix="clinic-bench-") as folder:
            if database == "sqlite":
                url = f"sqlite+aiosqlite:///{folder}/clinic.db"
                return (await run_chaos(telegram, Path(folder), url, kills, seed)
                        ).figures("sqlite")
            async with fresh_postgres_database(database) as url:
                return (await run_chaos(telegram, Path(folder), url, kills, seed)
                        ).figures("postgresql")
    finally:
        await telegram.stop()


async def webhook_rounds(kills: int) -> str:
    """`tests/test_webhook_crash.py`, `kills` times over one database."""
    telegram = TelegramStub()
    await telegram.start()
    results: list[tuple[int, int]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="clinic-bench-") as folder:
            url = f"sqlite+aiosqlite:///{folder}/clinic.db"
            env = webhook_environment(telegram, url)
            for kill in range(kills):
                patients = [Chat(telegram, User(8_000_000 + kill * 100 + number, f"P{number}"))
                            for number in range(PATIENTS)]
                results.append(await _one_kill(telegram, env, url, Path(folder), patients,
                                               PATIENTS * (kill + 1)))
    finally:
        await telegram.stop()
    twice = [repeated for repeated, _ in results]
    doubt = [unanswered for _, unanswered in results]
    return (f"chaos (webhook): {kills} kills during a burst of {PATIENTS}: answered twice "
            f"per kill {', '.join(map(str, twice))}; in doubt (on the wire at the kill) "
            f"{', '.join(map(str, doubt))} (most {max(map(sum, results))} in all per kill; "
            f"target: none twice; in doubt at most {MOST_IN_DOUBT})")


async def _one_kill(telegram: TelegramStub, env: dict[str, str], url: str, folder: Path,
                    patients: list[Chat], kept: int) -> tuple[int, int]:
    """The patients ask at once; a kill -9 while the bot answers, a restart; how many
    were answered twice, and how many not at all (in doubt)."""
    process = await start_bot(env, folder)
    try:
        await telegram.wait_for(lambda: telegram.webhook.active, timeout=60,
                                what="the bot to set its webhook")
        for patient in patients:
            await patient.say(QUESTION)
        await telegram.wait_for(lambda: sum(answers(telegram, p) > 0 for p in patients) >= 8,
                                timeout=60, what="some answers before the kill")
    finally:
        await stop_bot(process, signal.SIGKILL)
    telegram.webhook.url = ""  # a dead address, until the bot sets it again
    process = await start_bot(env, folder)
    try:
        await until_all_handled(url, kept, timeout=120)
    finally:
        await stop_bot(process)
    telegram.webhook.url = ""
    return (sum(answers(telegram, patient) > 1 for patient in patients),
            sum(not answers(telegram, patient) for patient in patients))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=2 * KILLS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--webhook", action="store_true",
                        help="kill -9 during a webhook burst instead")
    parser.add_argument("--postgres", metavar="URL",
                        help="also on PostgreSQL, e.g. postgresql+asyncpg://postgres@"
                             "127.0.0.1:5432/postgres")
    options = parser.parse_args()
    if options.webhook:
        print(asyncio.run(webhook_rounds(options.kills)), flush=True)
        return
    if options.postgres:
        os.environ[POSTGRES_ENV] = options.postgres  # so its databases are dropped after
    try:
        for database in ["sqlite", *([options.postgres] if options.postgres else [])]:
            print(asyncio.run(once(database, options.kills, options.seed)), flush=True)
    finally:
        drop_templates()


if __name__ == "__main__":
    main()
