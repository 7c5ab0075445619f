"""Scheduler-scale benchmark: 100,000 future appointments (300,000 planned messages: a
guide, a reminder and a check-in each) in the database, and the real bot process
(`python -m bot run`, SQLite, long polling) against the loopback Bot API with Telegram's
limits on and a 50 ms round trip. 1,000 of the guides fall due in the same minute, at
random moments in it, starting 30 s after the bot is started.

    .venv/bin/python -m bench.scheduler [--appointments 100000] [--design clinic naive]

For each design it prints the time from start to ready (answering updates, and every
timer due within the horizon set), the bot process's peak memory (VmHWM, from /proc),
and how late the 1,000 guides arrived at the stand-in: beyond their due time, and beyond
what Telegram's 30 messages a second imposes (each one's earliest possible moment, were
they sent one every 1/30 s in due order). Targets: ready in under 3 s, under 120 MB, p99
under 1 s late beyond the rate limit.

`clinic` is the bot as it ships: the database holds every planned message, and the job
queue only holds timers for those due within SCHEDULER_HORIZON (6 h), topped up every
minute (bot/appointments/timers.py). `naive` is the same bot with one APScheduler job for every
planned message, all set at start (an unlimited horizon; bench/bot_process.py).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.broadcast import LATENCY, memory_mb
from bench.harness import measure
from bot.appointments.planning import message_plan
from bot.core.settings import ClinicSettings
from bot.stand_in import TelegramStub, until_polling
from db.migrate import upgrade_database_async
from db.models import (
    Appointment,
    AppointmentStatus,
    MessageStatus,
    Patient,
    PlannedMessage,
    utcnow,
)
from db.session import Database
from tests.support.bots import bot_environment

FIRST_PATIENT = 30_000_000
PATIENTS = 20_000
BURST = 1000
BURST_STARTS_AFTER = 30.0  # seconds after the bot process is started
TELEGRAM_PER_SECOND = 30
# The bot's defaults (24 h guide lead, 2 h reminder, check-in a day after), as it runs.
PLANNING = ClinicSettings(_env_file=None)
SESSION_MINUTES = 45
CHUNK = 10_000
SEED = 6
# Lines the bot logs: the first top-up (every timer within the horizon set).
TIMERS_SET = "Timers set for"


@dataclass
class Result:
    design: str
    planned: int
    answering: float  # seconds from start until the bot asked for updates
    timers_set: float  # ... until its first top-up had set the timers
    peak_rss_mb: float
    late: list[float]  # each burst guide: arrival - due, seconds
    beyond_limit: list[float]  # arrival - earliest moment at 30/s
    missing: int

    @property
    def ready(self) -> float:
        return max(self.answering, self.timers_set)

    def line(self) -> str:
        late, beyond = _quantiles(self.late), _quantiles(self.beyond_limit)
        return (f"{self.design:<6} {self.planned:,} planned  ready {self.ready:6.2f} s "
                f"(answering {self.answering:.2f} s, timers set {self.timers_set:.2f} s)  "
                f"peak RSS {self.peak_rss_mb:6.1f} MB\n"
                f"       {BURST:,} due in one minute: late p50 {late[0]:6.3f} s, "
                f"p99 {late[1]:6.3f} s, max {late[2]:6.3f} s;  beyond the 30/s limit "
                f"p99 {beyond[1]:6.3f} s, max {beyond[2]:6.3f} s;  missing {self.missing}")


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p99 and the maximum."""
    if len(values) < 2:
        return (float("nan"),) * 3
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98], max(values)


async def seed(url: str, appointments: int, rng: random.Random) -> None:
    """Patients, and all but the burst's appointments with their planned messages, in
    bulk: they start 25 h to 90 days ahead."""
    now = utcnow()
    database = Database(url)
    try:
        async with database.transaction() as session:
            await session.execute(insert(Patient), [
                {"telegram_user_id": FIRST_PATIENT + n, "chat_id": FIRST_PATIENT + n,
                 "first_name": f"Patient{n}", "first_seen_at": now, "last_seen_at": now,
                 "messages_consent_at": now} for n in range(PATIENTS)])
        for first in range(BURST, appointments, CHUNK):
            await _book(database, [
                (n % PATIENTS + 1, now + timedelta(hours=25, seconds=rng.uniform(0, 89 * 86400)))
                for n in range(first, min(first + CHUNK, appointments))], first + 1)
    finally:
        await database.dispose()


async def seed_burst(url: str, rng: random.Random) -> dict[int, datetime]:
    """The burst: BURST appointments, one per patient, whose guides fall due at random
    moments within the minute starting BURST_STARTS_AFTER from now. Each guide's due time,
    by chat."""
    burst_from = utcnow() + timedelta(seconds=BURST_STARTS_AFTER)
    dues = [burst_from + timedelta(seconds=rng.uniform(0, 60)) for _ in range(BURST)]
    database = Database(url)
    try:
        lead = PLANNING.pre_session_lead
        await _book(database, [(n + 1, due + lead) for n, due in enumerate(dues)], first_id=1)
    finally:
        await database.dispose()
    return {FIRST_PATIENT + n: due for n, due in enumerate(dues)}


async def _book(database: Database, sessions: list[tuple[int, datetime]], first_id: int
                ) -> None:
    """Appointments (patient id, start) numbered from `first_id`, and for each a guide, a
    reminder and a check-in, planned as booking plans them (bot/appointments/planning.py)."""
    now = utcnow()
    rows, plans = [], []
    for number, (patient_id, starts_at) in enumerate(sessions, start=first_id):
        rows.append({"id": number, "patient_id": patient_id, "starts_at": starts_at,
                     "duration_minutes": SESSION_MINUTES, "practitioner": "Dr Chen",
                     "status": AppointmentStatus.BOOKED, "created_at": now,
                     "updated_at": now})
        for kind, due_at in message_plan(PLANNING, starts_at, SESSION_MINUTES, now).items():
            plans.append({"appointment_id": number, "kind": kind, "due_at": due_at,
                          "status": MessageStatus.PENDING, "attempts": 0})
    async with database.transaction() as session:
        await session.execute(insert(Appointment), rows)
        await session.execute(insert(PlannedMessage), plans)


async def run_once(design: str, appointments: int) -> Result:
    telegram = TelegramStub(latency=LATENCY)
    await telegram.start()
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/clinic.db"
        env = bot_environment(telegram, url) | {"LOG_LEVEL": "INFO",
                                                "PYTHONPATH": str(Path.cwd())}
        await upgrade_database_async(url)
        rng = random.Random(SEED)
        await seed(url, appointments, rng)
        # The burst last, placed from now: the bot starts right after.
        burst = await seed_burst(url, rng)
        for chat_id in burst:
            telegram.add_chat({"id": chat_id, "type": "private", "first_name": "P"})
        arguments = ["--naive-scheduler"] if design == "naive" else []
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.bot_process", *arguments, cwd=Path.cwd(), env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        timers_set = asyncio.get_running_loop().create_future()
        logs = asyncio.create_task(_watch(process, timers_set))
        work = _measure(telegram, process.pid, design, started, timers_set, burst,
                        appointments * 3)
        return await measure(process, logs, telegram, work)


async def _watch(process: asyncio.subprocess.Process, timers_set: asyncio.Future[float]
                 ) -> str:
    """Read the bot's log as it comes; note when the first top-up was done."""
    assert process.stderr is not None
    tail: list[str] = []
    async for raw in process.stderr:
        line = raw.decode(errors="replace")
        if TIMERS_SET in line and not timers_set.done():
            timers_set.set_result(time.monotonic())
        tail = [*tail[-50:], line]
    return "".join(tail)



async def _measure(telegram: TelegramStub, pid: int, design: str, started: float,
                   timers_set: asyncio.Future[float], burst: dict[int, datetime],
                   planned: int) -> Result:
    await until_polling(telegram, within=300)
    answering = time.monotonic() - started
    timers = await asyncio.wait_for(timers_set, 600) - started
    last_due = max(burst.values())
    arrived: dict[int, float] = {}
    seen = 0
    while True:
        fresh = telegram.sent[seen:]
        seen += len(fresh)
        for message in fresh:
            if message.chat_id in burst:
                arrived.setdefault(message.chat_id, message.sent_at)
        overdue = (utcnow() - last_due).total_seconds()
        if len(arrived) == len(burst) or overdue > 120:
            break
        await asyncio.sleep(0.05)
    peak = memory_mb(pid, "VmHWM")
    # sent_at is monotonic; due times are wall-clock: one offset converts them.
    offset = time.time() - time.monotonic()
    late, beyond = [], []
    earliest = 0.0
    for chat, due in sorted(burst.items(), key=lambda item: item[1]):
        due_at = due.timestamp()
        earliest = max(due_at, earliest + 1 / TELEGRAM_PER_SECOND)
        if chat in arrived:
            late.append(arrived[chat] + offset - due_at)
            beyond.append(arrived[chat] + offset - earliest)
    return Result(design=design, planned=planned, answering=answering, timers_set=timers,
                  peak_rss_mb=peak, late=late, beyond_limit=beyond,
                  missing=len(burst) - len(arrived))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--design", choices=["clinic", "naive"], nargs="+",
                        default=["clinic", "naive"])
    arguments = parser.parse_args()
    print(f"Loopback Bot API: {TELEGRAM_PER_SECOND}/s overall, 1/s per chat, "
          f"{LATENCY * 1000:.0f} ms round trip; {arguments.appointments:,} appointments")
    for design in arguments.design:
        print((await run_once(design, arguments.appointments)).line(), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
