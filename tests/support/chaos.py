"""The kill -9 scenario of `tests/test_chaos.py` (and `bench/chaos.py`, which runs it
with more kills): patients with messages queued behind Telegram's limits, a broadcast,
and the real bot process killed while it sends; what arrived and what the records say."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.stand_in import Chat, TelegramStub, User, until_polling
from db.migrate import upgrade_database_async
from db.models import (
    Appointment,
    BroadcastRecipient,
    MessageKind,
    MessageStatus,
    Patient,
    PlannedMessage,
    RecipientStatus,
    utcnow,
)
from db.session import Database
from tests.support.bots import STAFF_ID, bot_environment, start_bot
from tests.support.factories import NEWS_PLAIN, book_each, seed_patients
from tests.support.quiet import until_processes_quiet

PATIENTS = 60
KILLS = 5
SEED = 5


# After each restart, the kill comes once this many more messages went out: always at a
# busy moment. Once everything is sent it comes at once (the restart must then send
# nothing again), and at the latest after UP_FOR_MOST seconds.
SENT_BEFORE_KILL = (5, 30)
UP_FOR_MOST = 10.0


# The sessions start 90 minutes after booking, with production's leads (a day, two
# hours): each notice, guide and reminder is due at once, and no restart, however slow
# on a busy machine, makes one too late to send.
FIRST_START = timedelta(minutes=90)


# A request on the wire at a kill began at most this long before it (the read timeout).
ON_THE_WIRE = timedelta(seconds=15)
TIMINGS = {"CHANGE_NOTICE_DELAY": "1s", "SCHEDULER_TOPUP_INTERVAL": "1s",
           "LOG_LEVEL": "INFO"}
MARKERS = {MessageKind.NOTICE: "You are booked in",
           MessageKind.GUIDE: "Getting ready for your session",
           MessageKind.REMINDER: "Reminder: your session"}


async def prepare(database_url: str, telegram: TelegramStub) -> list[User]:
    """60 consenting patients, each with a session starting 90 minutes from now, whose
    notice, guide and reminder are due at once."""
    await upgrade_database_async(database_url)
    database = Database(database_url)
    users = await seed_patients(database, telegram, PATIENTS)
    await database.dispose()
    await book_each(database_url, users, FIRST_START, notice_delay="1s")
    return users


async def settled(database_url: str) -> bool:
    """No notice, guide or reminder is still waiting to be sent."""
    database = Database(database_url)
    async with database.transaction() as session:
        waiting = await session.scalar(select(PlannedMessage.id).where(
            PlannedMessage.kind.in_(MARKERS), PlannedMessage.status == MessageStatus.PENDING
        ).limit(1))
    await database.dispose()
    return waiting is None


async def sent_or_over(telegram: TelegramStub, database_url: str, report: Callable[[], str],
                       target: int) -> None:
    """Until `target` messages reached the stand-in, or nothing is left to send (the
    broadcast reported done and no planned message waits), or UP_FOR_MOST seconds."""
    deadline = time.monotonic() + UP_FOR_MOST
    while len(telegram.sent) < target and time.monotonic() < deadline:
        if "done" in report() and await settled(database_url):
            return
        await asyncio.sleep(0.2)


Outcome = tuple[str, datetime | None]  # status, when its request began (None: never)


async def outcomes(database_url: str) -> dict[tuple[int, str], Outcome]:
    """Each notice's, guide's, reminder's and broadcast copy's status and on-the-wire
    time, by (chat, kind), the kind of a broadcast copy being "news"."""
    database = Database(database_url)
    async with database.transaction() as session:
        copies = (await session.execute(select(
            BroadcastRecipient.chat_id, BroadcastRecipient.status,
            BroadcastRecipient.on_wire_at))).all()
        rows = (await session.execute(select(
            Patient.chat_id, PlannedMessage.kind, PlannedMessage.status,
            PlannedMessage.on_wire_at)
            .join(Appointment, Appointment.id == PlannedMessage.appointment_id)
            .join(Patient, Patient.id == Appointment.patient_id))).all()
    await database.dispose()
    found = {(chat, kind): (status, on_wire) for chat, kind, status, on_wire in rows
             if kind in MARKERS and chat is not None}
    return found | {(chat, "news"): (status, on_wire) for chat, status, on_wire in copies}


def received(telegram: TelegramStub, users: list[User]) -> Counter[tuple[int, str]]:
    patients = {user.id for user in users}
    counted: Counter[tuple[int, str]] = Counter()
    for message in telegram.sent:
        if message.chat_id not in patients:
            continue
        for kind, marker in (*MARKERS.items(), ("news", NEWS_PLAIN)):
            if marker in message.plain:
                counted[(message.chat_id, kind)] += 1
    return counted


@dataclass
class Chaos:
    """What a chaos run left: per (chat, kind), how often it arrived and its record."""

    kills: list[datetime]
    counts: Counter[tuple[int, str]]
    found: dict[tuple[int, str], Outcome]
    returncode: int | None
    stderr: str

    @property
    def in_doubt(self) -> dict[tuple[int, str], Outcome]:
        """Neither sent nor delivered by the records: its request began, then a kill."""
        done = {MessageStatus.SENT, RecipientStatus.DELIVERED}
        return {key: outcome for key, outcome in self.found.items() if outcome[0] not in done}

    @property
    def missing(self) -> set[tuple[int, str]]:
        return {key for key in self.found if key not in self.counts}

    def figures(self, backend: str) -> str:
        in_doubt, kills = len(self.in_doubt), len(self.kills)
        lost = len(self.missing - self.in_doubt.keys())
        twice = sum(1 for n in self.counts.values() if n > 1)
        return (f"chaos ({backend}): {len(self.found)} messages, {kills} SIGKILLs: "
                f"{in_doubt} in doubt ({in_doubt / kills:.1f} per kill; "
                f"{len(self.in_doubt.keys() - self.missing)} of them had arrived), "
                f"{lost} lost that were not on the wire, {twice} duplicates")


async def run_chaos(telegram: TelegramStub, folder: Path, database_url: str,
                    kills: int = KILLS, seed: int = SEED) -> Chaos:
    """The scenario above, with `kills` SIGKILLs (bench/chaos.py runs more)."""
    users = await prepare(database_url, telegram)
    env = bot_environment(telegram, database_url) | TIMINGS
    rng = random.Random(seed)
    process = await start_bot(env, folder)
    output = asyncio.create_task(process.communicate())  # drained, or a full pipe stalls it
    staff = Chat(telegram, User(STAFF_ID, "Sam"))
    await staff.ask(f"/broadcast {NEWS_PLAIN}", timeout=30)
    control = await staff.next_message()
    await staff.tap(control, "Send")
    await telegram.wait_for(lambda: sum(1 for m in telegram.sent if m.plain == NEWS_PLAIN)
                            >= 30, timeout=90, what="the first broadcast copies")
    killed_at: list[datetime] = []
    for kill in range(kills):
        if kill:  # the first comes mid-broadcast; the others while sending after a restart
            target = len(telegram.sent) + rng.randint(*SENT_BEFORE_KILL)
            await sent_or_over(telegram, database_url, lambda: control.plain, target)
        killed_at.append(utcnow())
        process.send_signal(signal.SIGKILL)
        await output
        calls = len(telegram.calls)
        process = await start_bot(env, folder)
        output = asyncio.create_task(process.communicate())
        await until_polling(telegram, since=calls, what="the restarted bot to poll")
    try:
        await telegram.wait_for(lambda: "done" in control.plain, timeout=90,
                                what="the broadcast's report")
        # Nothing owed and nothing on its way: a late duplicate would have been sent.
        await until_processes_quiet(telegram, database_url, within=60)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(output, 30)
    return Chaos(killed_at, received(telegram, users), await outcomes(database_url),
                 process.returncode, stderr.decode())
