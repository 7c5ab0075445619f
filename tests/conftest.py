"""Fixtures: the Bot API stand-in, settings pointing at it, and the running bot."""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import ALLOWED_UPDATES, build_application
from bot.clock import Clock, ManualClock
from bot.config import Settings
from bot.content import Content, load_content
from bot.context import ClinicApp
from bot.rate_limit import ClinicRateLimiter
from bot.webhook import serve
from tests.databases import (
    SKIP_REASON,
    database_url,
    drop_orphans,
    drop_templates,
    postgres_server,
    postgres_url,
)
from tests.processes import kill_leftovers
from tests.telegram_stub import TOKEN, Chat, FloodLimits, TelegramStub, User

__all__ = ["database_url", "postgres_url"]  # fixtures, for every test module

STAFF_ID = 900001
STAFF_CHAT_ID = -100555
CLINIC_CONTACT = "+44 20 7946 0000 or hello@lotus.example"
_user_ids = itertools.count(1000)


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own environment must not leak into the tests' settings."""
    for name in list(os.environ):
        if name.upper() in {field.upper() for field in Settings.model_fields}:
            monkeypatch.delenv(name)


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramStub]:
    stub = TelegramStub(TOKEN, FloodLimits())
    await stub.start()
    yield stub
    await stub.stop()


SettingsFactory = Callable[..., Settings]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow(seconds=20): takes tens of seconds (real processes, real time); "
        "run first, spread over the workers")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow tests first, spread over the workers. xdist (`--dist worksteal`) hands
    each worker a run of consecutive tests; the order is arranged so that each run starts
    with its share of the slow tests (the longest first, each to the least loaded), which
    then go beside the quick ones instead of queueing behind each other on one worker."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    slow = sorted((item for item in items if item.get_closest_marker("slow")),
                  key=_expected_seconds, reverse=True)
    quick = [item for item in items if not item.get_closest_marker("slow")]
    sizes: list[int] = []
    left = len(items)
    for worker in range(workers):  # as worksteal's first hand-out divides the tests
        sizes.append(left // (workers - worker))
        left -= sizes[-1]
    runs: list[list[pytest.Item]] = [[] for _ in sizes]
    loads = [0.0] * len(sizes)
    for item in slow:
        open_runs = [index for index in range(len(runs)) if len(runs[index]) < sizes[index]]
        lightest = min(open_runs, key=loads.__getitem__)
        runs[lightest].append(item)
        loads[lightest] += _expected_seconds(item)
    for run, size in zip(runs, sizes, strict=True):
        wanted = size - len(run)
        run.extend(quick[:wanted])
        del quick[:wanted]
    items[:] = [item for run in runs for item in run]


def _expected_seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("slow")
    return float(marker.kwargs.get("seconds", 20)) if marker else 1.0


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: the tests mostly wait (on Telegram's one message a second per chat, on
    processes starting), so four workers for each core this process may use, 2 to 8
    (measured on 2 cores, both databases: 6 workers 205 s, 8 workers 191 s)."""
    return max(2, min(8, 4 * len(os.sched_getaffinity(0))))


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, or a run without -n
        drop_orphans()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Also after a failure, a timeout or Ctrl-C: nothing this run made is left."""
    kill_leftovers()
    drop_templates()
    drop_orphans(own=True)


@pytest.fixture(autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    """Every process the test started dies with it, passed, failed or timed out."""
    yield
    kill_leftovers()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # Figures a test measured (record_property("figures", ...)), also from xdist workers.
    for report in terminalreporter.stats.get("passed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "figures" and report.when == "call":
                terminalreporter.write_line(str(value), bold=True)
    if postgres_server() is None:
        terminalreporter.write_line(SKIP_REASON, yellow=True)


@pytest.fixture
def make_settings(database_url: str, telegram: TelegramStub) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "telegram_bot_token": TOKEN,
            "telegram_api_base_url": telegram.base_url,
            "database_url": database_url,
            "clinic_name": "Lotus & Pine Clinic",
            "clinic_contact": CLINIC_CONTACT,
            "clinic_timezone": "Europe/London",
            "emergency_number": "999",
            "staff_user_ids": str(STAFF_ID),
            "staff_chat_id": STAFF_CHAT_ID,
            "polling_timeout": 1,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


@pytest.fixture
def clock() -> ManualClock:
    """The clinic's time for a test's bots: it stands still until the test moves it
    (`clock.advance`), and what falls due then runs through the production scheduler."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@functools.cache
def _content(directory: Path | None, name: str, contact: str, emergency: str) -> Content:
    return load_content(directory, clinic_name=name, clinic_contact=contact,
                        emergency_number=emergency)


@asynccontextmanager
async def running_bot(settings: Settings, clock: Clock | None = None, *,
                      short_retry_pauses: bool = False) -> AsyncIterator[ClinicApp]:
    """The bot, started and stopped in the order `Application.run_polling` uses, on
    `clock` (the system clock if none). `short_retry_pauses`: for tests that wear out the
    limiter's retries (5xx, broken connections), pauses of milliseconds, not seconds."""
    content = _content(settings.content_dir, settings.clinic_name, settings.clinic_contact,
                       settings.emergency_number)
    limiter = ClinicRateLimiter(network_retry_pause=0.005) if short_retry_pauses else None
    application = build_application(settings, content, clock, limiter)
    await application.initialize()
    assert application.post_init is not None and application.updater is not None
    await application.post_init(application)
    await application.updater.start_polling(
        timeout=settings.polling_timeout, poll_interval=0, allowed_updates=ALLOWED_UPDATES)
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        assert application.post_stop is not None
        await application.post_stop(application)
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


WEBHOOK_SECRET = "s3cret_Token-for-tests"


@asynccontextmanager
async def serving_webhook(telegram: TelegramStub, make_settings: SettingsFactory,
                          **overrides: Any) -> AsyncIterator[tuple[ClinicApp, str]]:
    """The bot in webhook mode, its server (`bot.webhook.serve`) in this process, once
    the stand-in has its address; the application and that address."""
    port = free_port()
    settings = make_settings(
        bot_mode="webhook", webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_listen="127.0.0.1", webhook_port=port, webhook_secret=WEBHOOK_SECRET,
        **overrides)
    content = _content(settings.content_dir, settings.clinic_name, settings.clinic_contact,
                       settings.emergency_number)
    application = build_application(settings, content)
    stop = asyncio.Event()
    server = asyncio.create_task(serve(application, settings, stop))
    try:
        await telegram.wait_for(lambda: telegram.webhook.active or server.done(),
                                timeout=30, what="the bot to set its webhook")
        if server.done():
            server.result()  # its error
        yield application, f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        await asyncio.wait_for(server, 30)


class Clinic:
    """The running bot and the people who talk to it."""

    def __init__(self, telegram: TelegramStub, application: ClinicApp) -> None:
        self.telegram = telegram
        self.application = application

    @property
    def clock(self) -> ManualClock:
        clock = self.application.bot_data.clock
        assert isinstance(clock, ManualClock), "start the bot with the test's clock"
        return clock

    def now(self) -> datetime:
        return self.application.bot_data.clock.now()

    def patient(self, first_name: str = "Ann", **fields: Any) -> Chat:
        user = User(next(_user_ids), first_name, **fields)
        return Chat(self.telegram, user)

    def staff_member(self) -> Chat:
        return Chat(self.telegram, User(STAFF_ID, "Sam", username="sam_reception"))

    def staff_chat(self) -> Chat:
        """The staff group, as seen by the staff member."""
        group = {"id": STAFF_CHAT_ID, "type": "supergroup", "title": "Clinic staff"}
        return Chat(self.telegram, User(STAFF_ID, "Sam", username="sam_reception"), group)


@asynccontextmanager
async def clinic_with(telegram: TelegramStub, settings: Settings, clock: Clock | None = None,
                      *, short_retry_pauses: bool = False) -> AsyncIterator[Clinic]:
    """A running bot with the staff group it posts to, as `Clinic`."""
    # The staff group exists on Telegram's side before the bot starts.
    telegram.add_chat({"id": STAFF_CHAT_ID, "type": "supergroup", "title": "Clinic staff"})
    async with running_bot(settings, clock,
                           short_retry_pauses=short_retry_pauses) as application:
        yield Clinic(telegram, application)


@pytest.fixture
async def clinic(telegram: TelegramStub, make_settings: SettingsFactory, clock: ManualClock
                 ) -> AsyncIterator[Clinic]:
    """The bot as production runs it, on the test's clock; only the limiter's pauses
    between retries after a 5xx are milliseconds (tests/test_rate_limit.py times them)."""
    async with clinic_with(telegram, make_settings(), clock,
                           short_retry_pauses=True) as running:
        yield running
