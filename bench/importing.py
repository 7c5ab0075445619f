"""Import benchmark: rows a second at 1,000, 10,000 and 100,000 rows, and patients'
reply times while 100,000 rows go in beside the running bot.

    .venv/bin/python -m bench.importing [--sizes 1000 10000 100000] [--postgres URL]
                                        [--race 100000]

Each size is a fresh database and a file of new patients (a phone and a name each,
spread over the coming months), imported with `python -m bot import-appointments`
(target: 100,000 rows in under 60 s), then imported again (every row unchanged). The
times include the command's start. With
`--race N`, the real bot (`python -m bot run`, SQLite, Telegram's limits on) answers 20
patients who each ask a question a second while N rows go in; it prints their reply
times (target: p99 under 1 s). With `--upload N`, a staff member sends a file of N rows
(each with a 150-character notes column, as some exports have: 100,000 rows come to about
20 MB, the most a bot may download) to the running bot through Telegram, sees the preview
and taps Import; it prints the bot's memory idle, at its peak and after (target: within
50 MB of idle, issue 27). `--upload-plain N` does the same with short rows and no notes
(199,999 of them, 14 MB, the most rows a file may have).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.harness import fresh_database, measure, quiet_environment, start
from bot.stand_in import Chat, TelegramStub, User, until_polling
from db.migrate import upgrade_database_async
from db.models import utcnow
from tests.support.bots import STAFF_ID
from tests.support.databases import POSTGRES_ENV, drop_templates, fresh_postgres_database

ZONE = "Europe/London"


def write_file(path: Path, rows: int, notes: str = "") -> None:
    """New patients' sessions spread over the coming months; with `notes`, a notes column
    of that text on every row, the size of a real clinic's export."""
    start = (utcnow() + timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    column, value = (",notes", f',"{notes}"') if notes else ("", "")
    with path.open("w", encoding="utf-8") as out:
        out.write(f"starts_at,duration_minutes,practitioner,name,phone{column}\n")
        for n in range(rows):
            day, slot = divmod(n, 200)
            at = start + timedelta(days=day % 300, minutes=(slot % 20) * 30)
            out.write(f"{at:%Y-%m-%d %H:%M},45,Dr {slot // 20},Patient {n},"
                      f"+4477{n:08}{value}\n")


# 150 characters of notes a row: 100,000 rows come to about 20 MB.
EXPORT_NOTES = ("Prefers the window room; parking permit at the desk; " * 3)[:150]


def memory_mb(pid: int) -> tuple[float, float]:
    """A process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


async def upload(rows: int, notes: str = EXPORT_NOTES) -> str:
    telegram = TelegramStub()
    await telegram.start()
    async with fresh_database() as (url, folder):
        csv_file = folder / "appointments.csv"
        write_file(csv_file, rows, notes)
        process, logs = await start(quiet_environment(telegram, url), "bot", "run")
        return await measure(process, logs, telegram,
                             _upload(telegram, process.pid, csv_file))


async def _upload(telegram: TelegramStub, pid: int, csv_file: Path) -> str:
    await until_polling(telegram, within=60)
    staff = Chat(telegram, User(STAFF_ID, "Sam"))
    await staff.ask("/help", timeout=60)  # the first update's work done, as when idle
    await asyncio.sleep(2)
    idle, _ = memory_mb(pid)
    contents = await asyncio.to_thread(csv_file.read_bytes)
    await staff.send_file(contents, "appointments.csv")
    preview = await staff.next_message(timeout=300)
    after_preview, _ = memory_mb(pid)
    await staff.tap(preview, "Import")
    # The preview's own text says "... rows not imported": the report begins with ✅ (done)
    # or ⚠️ (stopped).
    await telegram.wait_for(lambda: preview.plain.startswith(("✅", "⚠️")),
                            timeout=600, what="the import's report")
    after, peak = memory_mb(pid)
    return (f"upload through Telegram (SQLite): {len(contents) / 2**20:.1f} MB, "
            f"{preview.plain.splitlines()[0][:60]!r}; the bot's memory idle {idle:.0f} MB, "
            f"after the preview {after_preview:.0f} MB, peak {peak:.0f} MB "
            f"({peak - idle:+.0f} MB over idle; target +50 MB), after the import "
            f"{after:.0f} MB")


def environment(url: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": url,
            "CLINIC_TIMEZONE": ZONE, "PHONE_REGION": "GB", "PYTHONPATH": str(Path.cwd())}


async def run_import(csv_file: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "import-appointments", str(csv_file), env=env,
        cwd=csv_file.parent, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    took = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"the import failed: {out.decode()[-500:]} {err.decode()[-2000:]}")
    return took, out.decode().splitlines()[0]


async def speed(rows: int, server: str | None) -> str:
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as folder:
        csv_file = Path(folder) / "appointments.csv"
        write_file(csv_file, rows)
        if server is None:
            url = f"sqlite+aiosqlite:///{folder}/clinic.db"
            await upgrade_database_async(url)
            took, said = await run_import(csv_file, environment(url))
            again, _ = await run_import(csv_file, environment(url))
            backend = "SQLite"
        else:
            async with fresh_postgres_database(server) as url:
                took, said = await run_import(csv_file, environment(url))
                again, _ = await run_import(csv_file, environment(url))
            backend = "PostgreSQL"
    return (f"import ({backend}): {rows:,} rows in {took:.1f} s, {rows / took:,.0f} rows/s "
            f"({said.split(';')[0]}); the same file again (all unchanged) {again:.1f} s")


async def race(rows: int, patients: int = 20) -> str:
    telegram = TelegramStub()
    await telegram.start()
    async with fresh_database() as (url, folder):
        csv_file = folder / "appointments.csv"
        write_file(csv_file, rows)
        process, logs = await start(quiet_environment(telegram, url), "bot", "run")
        return await measure(process, logs, telegram,
                             _race(telegram, csv_file, environment(url), patients))


async def _race(telegram: TelegramStub, csv_file: Path, env: dict[str, str],
                patients: int) -> str:
    await until_polling(telegram, within=60)
    chats = [Chat(telegram, User(40_000_000 + n, f"Pat{n}")) for n in range(patients)]
    for chat in chats:
        await chat.ask("/start", timeout=60)
    importing = asyncio.create_task(run_import(csv_file, env))
    began = time.monotonic()
    slow: list[tuple[float, float]] = []  # (asked, seconds after the import began; wait)
    waits: list[float] = []
    wrong = 0

    async def ask(chat: Chat) -> None:
        nonlocal wrong
        asked = time.monotonic()
        await chat.say("does acupuncture hurt?")
        reply = await chat.next_message(timeout=120)
        waits.append(reply.sent_at - asked)
        if reply.sent_at - asked > 1:
            slow.append((asked - began, reply.sent_at - asked))
        wrong += "went wrong" in reply.plain

    while not importing.done():
        started = time.monotonic()
        await asyncio.gather(*(ask(chat) for chat in chats))
        await asyncio.sleep(max(0.0, 1.05 - (time.monotonic() - started)))
    took, said = await importing
    if slow:
        print("slow replies (asked at, waited):", ", ".join(
            f"{at:.1f} s: {wait:.1f} s" for at, wait in slow[:8]), file=sys.stderr)
    waits.sort()
    p50, p99 = (statistics.quantiles(waits, n=100, method="inclusive")[i] for i in (49, 98))
    return (f"import racing the bot (SQLite): {said.split(';')[0]} in {took:.1f} s while "
            f"{patients} patients asked once a second ({len(waits)} questions): replies "
            f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, worst "
            f"{waits[-1] * 1000:.0f} ms (target p99 < 1000 ms); {wrong} errors")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.importing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--postgres", metavar="URL", help="also on PostgreSQL")
    parser.add_argument("--race", type=int, default=0, metavar="ROWS",
                        help="also import ROWS while the bot answers patients")
    parser.add_argument("--upload-plain", type=int, default=0, metavar="ROWS",
                        help="the same with short rows, no notes (199999: the most rows "
                             "a file may have)")
    parser.add_argument("--upload", type=int, default=0, metavar="ROWS",
                        help="also send ROWS to the running bot as a staff file, "
                             "measuring its memory")
    options = parser.parse_args()
    if options.postgres:
        os.environ[POSTGRES_ENV] = options.postgres  # so its databases are dropped after
    try:
        for server in [None, *([options.postgres] if options.postgres else [])]:
            for rows in options.sizes:
                print(asyncio.run(speed(rows, server)), flush=True)
        if options.race:
            print(asyncio.run(race(options.race)), flush=True)
        if options.upload:
            print(asyncio.run(upload(options.upload)), flush=True)
        if options.upload_plain:
            print(asyncio.run(upload(options.upload_plain, notes="")), flush=True)
    finally:
        drop_templates()


if __name__ == "__main__":
    main()
