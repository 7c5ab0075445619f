"""Fixtures: the Bot API stand-in, settings pointing at it, and the running bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.assembly.app import readers
from bot.core.clock import ManualClock
from bot.core.settings import Settings
from bot.stand_in import TOKEN, FloodLimits, TelegramStub
from bot.texts.content import load_content
from bot.understanding.screen import Reader
from tests.support.bots import (
    CLINIC_CONTACT,
    STAFF_CHAT_ID,
    STAFF_ID,
    TRANSPORT,
    Clinic,
    SettingsFactory,
    clinic_with,
)
from tests.support.databases import (
    SKIP_REASON,
    database_url,
    drop_orphans,
    drop_templates,
    postgres_server,
    postgres_url,
)
from tests.support.processes import kill_leftovers

__all__ = ["database_url", "postgres_url"]  # fixtures, for every test module


@pytest.fixture(scope="session")
def reader() -> Reader:
    """The reader of patients' messages, for the packaged content (built once)."""
    return readers(load_content(clinic_name="Lotus", clinic_contact="020 7946 0000"))


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
            "crisis_line": "Samaritans on 116 123, free, day or night",
            "out_of_hours_line": "call NHS 111",
            "staff_user_ids": str(STAFF_ID),
            "staff_chat_id": STAFF_CHAT_ID,
            "polling_timeout": 1,
            # The suite runs on either Bot API transport (TEST_TELEGRAM_TRANSPORT).
            "telegram_transport": TRANSPORT,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


@pytest.fixture
def clock() -> ManualClock:
    """The clinic's time for a test's bots: it stands still until the test moves it
    (`clock.advance`), and what falls due then runs through the production scheduler."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def clinic(telegram: TelegramStub, make_settings: SettingsFactory, clock: ManualClock
                 ) -> AsyncIterator[Clinic]:
    """The bot as production runs it, on the test's clock; only the limiter's pauses
    between retries after a 5xx are milliseconds (tests/test_rate_limit.py times them)."""
    async with clinic_with(telegram, make_settings(), clock,
                           short_retry_pauses=True) as running:
        yield running
