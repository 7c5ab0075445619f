"""Chaos benchmark: how many messages are in doubt per kill -9 at a busy moment.

    .venv/bin/python -m bench.chaos [--kills 10] [--seed 5] [--postgres URL]

The scenario of `tests/test_chaos.py`, with more kills: 60 patients each have a booking
notice, a guide and a reminder due at once and a broadcast coming (240 messages queued
behind Telegram's limits), and the real bot process (`python -m bot run`) is killed with
SIGKILL while it sends, then started again. A message whose request had begun at a kill
is in doubt (it may have arrived; it is not sent again); everything else must arrive
exactly once. It prints the in-doubt count per kill, how many of those had in fact
arrived, and the losses and duplicates (both must be 0), on SQLite and, with
`--postgres`, on a fresh database on that server too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from bot.stand_in import TelegramStub
from tests.support.chaos import KILLS, SEED, run_chaos
from tests.support.databases import POSTGRES_ENV, drop_templates, fresh_postgres_database


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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=2 * KILLS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--postgres", metavar="URL",
                        help="also on PostgreSQL, e.g. postgresql+asyncpg://postgres@"
                             "127.0.0.1:5432/postgres")
    options = parser.parse_args()
    if options.postgres:
        os.environ[POSTGRES_ENV] = options.postgres  # so its databases are dropped after
    try:
        for database in ["sqlite", *([options.postgres] if options.postgres else [])]:
            print(asyncio.run(once(database, options.kills, options.seed)), flush=True)
    finally:
        drop_templates()


if __name__ == "__main__":
    main()
