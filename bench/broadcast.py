"""Broadcast benchmark: the real bot process against the loopback Bot API with Telegram's
limits on (30 messages/s overall, about 1/s per chat, 429 with retry_after) and a
round-trip latency, as a staff member uses it: /broadcast, Send, wait for the report.

    .venv/bin/python -m bench.broadcast                      # N = 1,000 and 10,000
    .venv/bin/python -m bench.broadcast --patients 1000 --limiter clinic

For each run it prints the time from Send until the last patient had the message and
until the report was shown, against the target of 1.05 x N/30 s; the 429s Telegram
answered; duplicates and missing copies; and the bot process's memory (resident set at
the Send tap, and the peak of the whole run, from /proc). `--limiter ptb` runs the same
bot with python-telegram-bot's stock AIORateLimiter in place of the clinic's limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert

from bench.harness import drained, measure
from bot.stand_in import Chat, TelegramStub, User, until_polling
from db.migrate import upgrade_database_async
from db.models import Patient, utcnow
from db.session import Database
from tests.support.bots import STAFF_ID, bot_environment
from tests.support.quiet import until_processes_quiet

TEXT = "The clinic is closed on Friday for a staff training day. See you next week!"
FIRST_PATIENT = 10_000_000
PER_SECOND = 30
TARGET_FACTOR = 1.05
# A round trip to api.telegram.org from a European server is some tens of milliseconds.
LATENCY = 0.05


@dataclass
class Result:
    limiter: str
    patients: int
    first_copy: float  # seconds from Send until the first copy arrived
    all_delivered: float  # seconds from Send until the last copy arrived
    report_shown: float  # ... until the report said "done"
    too_many_requests: int
    duplicates: int
    missing: int
    rss_at_send_mb: float
    peak_rss_mb: float

    @property
    def target(self) -> float:
        return TARGET_FACTOR * self.patients / PER_SECOND

    def line(self) -> str:
        verdict = "met" if (self.all_delivered <= self.target and not self.too_many_requests
                            and not self.duplicates and not self.missing) else "MISSED"
        return (f"{self.limiter:<6} N={self.patients:>6,}  first copy after "
                f"{self.first_copy:4.2f} s (target < 1 s)  delivered in "
                f"{self.all_delivered:7.1f} s (target {self.target:6.1f} s, {verdict})  "
                f"report {self.report_shown:7.1f} s  429s {self.too_many_requests:>4}  "
                f"duplicates {self.duplicates}  missing {self.missing}  "
                f"RSS {self.rss_at_send_mb:5.1f} MB at Send, peak {self.peak_rss_mb:5.1f} MB")


async def seed(url: str, count: int) -> list[User]:
    """Patients who agreed to updates, inserted in bulk (the /start taps are not timed)."""
    now = utcnow()
    users = [User(FIRST_PATIENT + n, f"Patient{n}") for n in range(count)]
    database = Database(url)
    try:
        async with database.transaction() as session:
            await session.execute(insert(Patient), [
                {"telegram_user_id": user.id, "chat_id": user.id, "first_name": user.first_name,
                 "first_seen_at": now, "last_seen_at": now, "messages_consent_at": now}
                for user in users])
    finally:
        await database.dispose()
    return users


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_once(limiter: str, patients: int) -> Result:
    telegram = TelegramStub(latency=LATENCY)
    await telegram.start()
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as folder:
        workdir = Path(folder)
        (workdir / "data").mkdir()
        url = f"sqlite+aiosqlite:///{workdir}/data/clinic.db"
        env = bot_environment(telegram, url) | {"LOG_LEVEL": "WARNING"}
        await upgrade_database_async(env["DATABASE_URL"])
        users = await seed(env["DATABASE_URL"], patients)
        for user in users:
            telegram.add_chat(user.private_chat())
        arguments = ["--ptb-limiter"] if limiter == "ptb" else []
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.bot_process", *arguments, cwd=Path.cwd(),
            env=env | {"PYTHONPATH": str(Path.cwd())}, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        logs = asyncio.create_task(drained(process))
        work = _broadcast(telegram, process.pid, limiter, users, url)
        return await measure(process, logs, telegram, work)



async def _broadcast(telegram: TelegramStub, pid: int, limiter: str, users: list[User],
                     url: str) -> Result:
    await until_polling(telegram, within=60)
    staff = Chat(telegram, User(STAFF_ID, "Sam"))
    await staff.ask(f"/broadcast {TEXT}", timeout=30)
    control = await staff.next_message(timeout=30)
    rss_at_send = memory_mb(pid, "VmRSS")
    started = time.monotonic()
    await staff.tap(control, "Send")
    patients = {user.id for user in users}
    delivered = 0
    seen = 0
    all_delivered = first_copy = float("nan")
    deadline = started + 3 * len(users) / PER_SECOND + 60
    while time.monotonic() < deadline:
        fresh = telegram.sent[seen:]
        seen += len(fresh)
        delivered += sum(1 for m in fresh if m.chat_id in patients and m.plain == TEXT)
        if delivered and first_copy != first_copy:
            first_copy = time.monotonic() - started
        if delivered >= len(users) and all_delivered != all_delivered:
            all_delivered = time.monotonic() - started
        if "done" in control.plain:
            break
        await asyncio.sleep(0.05)
    report_shown = time.monotonic() - started
    await until_processes_quiet(telegram, url)  # a late duplicate would be sent by now
    copies = Counter(m.chat_id for m in telegram.sent if m.chat_id in patients
                     and m.plain == TEXT)
    return Result(
        limiter=limiter, patients=len(users), first_copy=first_copy,
        all_delivered=all_delivered,
        report_shown=report_shown, too_many_requests=telegram.too_many_requests,
        duplicates=sum(count - 1 for count in copies.values() if count > 1),
        missing=len(patients - copies.keys()),
        rss_at_send_mb=rss_at_send, peak_rss_mb=memory_mb(pid, "VmHWM"))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--limiter", choices=["clinic", "ptb", "both"], default="both")
    arguments = parser.parse_args()
    limiters = ["clinic", "ptb"] if arguments.limiter == "both" else [arguments.limiter]
    print(f"Loopback Bot API: {PER_SECOND}/s overall, 1/s per chat, "
          f"{LATENCY * 1000:.0f} ms round trip")
    for patients in arguments.patients:
        for limiter in limiters:
            print((await run_once(limiter, patients)).line(), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
