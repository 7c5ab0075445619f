"""Two bot processes in webhook mode against one PostgreSQL database, behind one address
(the stand-in sends each update to the next, as a load balancer would): a broadcast to 200
patients arrives exactly once each while one process is killed (SIGKILL) mid-way, and the
other carries on, sending the 100 appointments' guides and reminders booked after it."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.assembly import instances
from bot.services.context import BotData, Services, ThisProcess
from bot.stand_in import Chat, TelegramStub, User
from db.broadcasts import INTERRUPTED
from db.migrate import upgrade_database_async
from db.models import BroadcastRecipient, utcnow
from db.session import Database
from tests.support.bots import STAFF_ID, bot_environment, free_port, start_bot
from tests.support.bots import WEBHOOK_SECRET as SECRET
from tests.support.factories import NEWS_PLAIN, book_each, seed_patients
from tests.support.quiet import until_processes_quiet

# Tens of seconds each: started first, so no worker is left finishing one alone.
pytestmark = pytest.mark.slow(seconds=25)

PATIENTS = 200
BOOKED = 100
TIMINGS = {"CHANGE_NOTICE_DELAY": "1d", "SCHEDULER_TOPUP_INTERVAL": "1s", "LOG_LEVEL": "INFO"}


async def prepare(database_url: str, telegram: TelegramStub) -> list[User]:
    """200 consenting patients."""
    await upgrade_database_async(database_url)
    database = Database(database_url)
    users = await seed_patients(database, telegram, PATIENTS)
    await database.dispose()
    return users


async def book(database_url: str, users: list[User]) -> None:
    """A session for each, 90 minutes from now: with production's leads (a day, two
    hours) each guide and reminder is due at once, as after a late import."""
    await book_each(database_url, users, timedelta(minutes=90), notice_delay="1d")


async def healthy(address: str) -> bool:
    try:
        async with aiohttp.ClientSession() as session, \
                session.get(f"{address}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def recipients(database_url: str) -> dict[int, str | None]:
    """The broadcast's rows: each patient's chat and the error recorded, if any."""
    database = Database(database_url)
    async with database.transaction() as session:
        rows = (await session.execute(
            select(BroadcastRecipient.chat_id, BroadcastRecipient.error))).all()
    await database.dispose()
    return {chat: error for chat, error in rows}


def tally(telegram: TelegramStub, users: list[User]) -> tuple[Counter[int], Counter[int]]:
    """(broadcast copies, other messages) per patient."""
    patients = {user.id for user in users}
    news: Counter[int] = Counter()
    planned: Counter[int] = Counter()
    for message in telegram.sent:
        if message.chat_id in patients:
            (news if message.plain == NEWS_PLAIN else planned)[message.chat_id] += 1
    return news, planned


@dataclass
class Instances:
    processes: list[asyncio.subprocess.Process]
    addresses: list[str]
    logs: list[str] = field(default_factory=list)  # each one's stderr, once stopped


@asynccontextmanager
async def two_instances(telegram: TelegramStub, tmp_path: Path, database_url: str
                        ) -> AsyncIterator[Instances]:
    """Two bot processes in webhook mode; the stand-in gives each update to the next."""
    ports = [free_port(), free_port()]
    addresses = [f"http://127.0.0.1:{port}" for port in ports]
    telegram.webhook.targets = [f"{address}/telegram" for address in addresses]
    processes = []
    for port in ports:
        env = bot_environment(telegram, database_url) | TIMINGS | {
            "BOT_MODE": "webhook", "WEBHOOK_URL": f"{addresses[0]}/telegram",
            "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port), "WEBHOOK_SECRET": SECRET}
        processes.append(await start_bot(env, tmp_path))
    running = Instances(processes, addresses)
    outputs = [asyncio.create_task(process.communicate()) for process in processes]
    try:
        for address in addresses:
            for _ in range(60):
                if await healthy(address):
                    break
                await asyncio.sleep(0.5)
        yield running
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for _, stderr in await asyncio.wait_for(asyncio.gather(*outputs), 60):
            running.logs.append(stderr.decode())


async def test_two_instances_send_everything_once_and_one_survives_the_others_death(
    telegram: TelegramStub, tmp_path: Path, postgres_url: str
) -> None:
    database_url = postgres_url
    users = await prepare(database_url, telegram)
    async with two_instances(telegram, tmp_path, database_url) as running:
        staff = Chat(telegram, User(STAFF_ID, "Sam"))
        await staff.ask(f"/broadcast {NEWS_PLAIN}")
        control = await staff.next_message()
        await staff.tap(control, "Send")
        await telegram.wait_for(lambda: tally(telegram, users)[0].total() >= 50, timeout=30,
                                what="the first copies")
        running.processes[0].send_signal(signal.SIGKILL)  # mid-broadcast
        await book(database_url, users[:BOOKED])  # the survivor finds them at its top-up

        await telegram.wait_for(lambda: "done" in control.plain, timeout=90,
                                what="the broadcast's report")
        await telegram.wait_for(lambda: tally(telegram, users)[1].total() >= 2 * BOOKED,
                                timeout=90, what="every guide and reminder")
        await until_processes_quiet(telegram, database_url)  # a duplicate would be sent by now

    news, planned = tally(telegram, users)
    rows = await recipients(database_url)
    interrupted = {chat for chat, error in rows.items() if error == INTERRUPTED}
    assert set(news.values()) == {1}  # nobody twice
    assert set(news) | interrupted == set(rows) == {user.id for user in users}
    # Only a copy on the wire at the kill can be missing, and slots are spread out (one
    # every 1/15 s in each process), so at most one is: the report counts it as
    # "interrupted; may have arrived", since Telegram may have it, and resending could
    # make a duplicate.
    assert len(interrupted - set(news)) <= 1, interrupted - set(news)
    assert all(planned[user.id] == 2 for user in users[:BOOKED])  # a guide and a reminder
    assert all(planned[user.id] == 0 for user in users[BOOKED:])
    assert telegram.too_many_requests == 0, [r for r in telegram.rejections if r[1] == 429]
    survivor_log = running.logs[1]
    # They shared Telegram's limit (the newcomer may still have been waiting for its share
    # at the kill on a loaded machine), and the survivor took it all once alone.
    assert any("sharing Telegram's limit: 2, at 15 messages/s each" in log
               for log in running.logs)
    assert "sharing Telegram's limit: 1, at 30 messages/s each" in survivor_log
    assert running.processes[1].returncode == 0, survivor_log[-2000:]


async def test_a_staff_dialog_goes_on_whichever_process_gets_the_next_message(
    telegram: TelegramStub, tmp_path: Path, postgres_url: str
) -> None:
    await upgrade_database_async(postgres_url)
    database = Database(postgres_url)
    [ann] = await seed_patients(database, telegram, 1)
    await database.dispose()
    staff = Chat(telegram, User(STAFF_ID, "Sam"))
    day = utcnow() + timedelta(days=3)  # the clinic's time zone is UTC here
    async with two_instances(telegram, tmp_path, postgres_url) as running:
        await staff.ask("/book")
        days = await staff.ask(str(ann.id))
        await staff.tap_and_see_edit(days, f"{day:%a %d}")
        await staff.tap(days, "10:30")
        length = await staff.next_message()
        await staff.tap_and_see_edit(length, "45")
        summary = await staff.ask("Dr Lee")
        await staff.tap(summary, "Book it")
        booked = await staff.next_message()

        await staff.ask("/broadcast")
        shown = await staff.ask("Closed on Friday")

    assert "Booked #1, Patient0" in booked.plain
    assert "10:30, 45 minutes, with Dr Lee" in booked.plain
    assert shown.plain == "Closed on Friday"
    served = {address for _, address, status in telegram.webhook.attempts if status == 200}
    assert served == {f"{address}/telegram" for address in running.addresses}


async def test_a_stop_goes_on_when_the_lease_cannot_be_released(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A database busy at the stop (SQLite locked by a task being stopped) leaves the
    process's lease to run out; the stop itself does not fail."""

    class Locked:
        @asynccontextmanager
        async def transaction(self) -> AsyncIterator[None]:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
            yield

    data = BotData.__new__(BotData)
    data.process = ThisProcess()
    data.process.joined = True
    data.services = cast(Services, SimpleNamespace(database=Locked()))

    await instances.leave(data)

    assert "Could not release the lease instance at the stop (OperationalError)" in caplog.text
    assert "the others count this process gone once it runs out (15 s)" in caplog.text
