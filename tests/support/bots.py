"""The bot as the tests and benchmarks run it: settings pointing at the stand-in, the
application started in this process (polling, or its webhook server) or as a real
`python -m bot run` process, and `Clinic`, the running bot with the people who talk
to it."""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import signal
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.assembly.app import build_application, polling
from bot.assembly.quiescence import in_hand, settled
from bot.assembly.webhook import serve
from bot.core.clock import Clock, ManualClock
from bot.core.settings import Settings
from bot.sending.rate_limit import ClinicRateLimiter
from bot.services.context import ClinicApp
from bot.stand_in import TOKEN, Chat, TelegramStub, User
from bot.stand_in.quiet import Quiet
from bot.stand_in.server import DEADLINE
from bot.texts.translations import Contents, load_contents
from tests.support.processes import python_module, spawn

STAFF_ID = 900001
STAFF_CHAT_ID = -100555
CLINIC_CONTACT = "+44 20 7946 0000 or hello@lotus.example"
_user_ids = itertools.count(1000)
SettingsFactory = Callable[..., Settings]
# The Bot API transport the bots under test use: the product's default, aiohttp, unless
# TEST_TELEGRAM_TRANSPORT says httpx (.ci/run runs the whole suite with each).
TRANSPORT = os.environ.get("TEST_TELEGRAM_TRANSPORT", "aiohttp")


@functools.cache
def _contents(directory: Path | None, languages: tuple[str, ...], staff_language: str,
              fields: frozenset[tuple[str, str]]) -> Contents:
    return load_contents(directory, languages=languages, staff_language=staff_language,
                         **dict(fields))


def contents_of(settings: Settings) -> Contents:
    """The settings' texts, read once for all the tests that ask for the same."""
    return _contents(settings.content_dir, settings.languages, settings.staff_language,
                     frozenset(settings.content_fields().items()))


@asynccontextmanager
async def running_bot(settings: Settings, clock: Clock | None = None, *,
                      short_retry_pauses: bool = False) -> AsyncIterator[ClinicApp]:
    """The bot, started and stopped in the order `Application.run_polling` uses, on
    `clock` (the system clock if none). `short_retry_pauses`: for tests that wear out the
    limiter's retries (5xx, broken connections), pauses of milliseconds, not seconds."""
    content = contents_of(settings)
    limiter = ClinicRateLimiter(
        burst=settings.rate_limit_burst, chat_burst=settings.rate_limit_chat_burst,
        network_retry_pause=0.005) if short_retry_pauses else None
    application = build_application(settings, content, clock, limiter)
    async with polling(application), heard_when_quiet(application):
        yield application


@asynccontextmanager
async def heard_when_quiet(application: ClinicApp) -> AsyncIterator[None]:
    """While it runs, the stand-in this bot talks to asks it, too, whether it is quiet
    (`bot.stand_in.quiet`): nothing in hand, nothing due."""
    address = application.bot_data.settings.telegram_api_base_url
    stub = Quiet.serving.get(address)
    if stub is None:
        raise AssertionError(f"no stand-in is serving {address} in this process")
    bot = _AskedWhenQuiet(application)
    stub.quiet.bots.append(bot)
    try:
        yield
    finally:
        stub.quiet.bots.remove(bot)


class _AskedWhenQuiet:
    """An in-process bot as the stand-in's `Quiet` asks it (bot/assembly/quiescence.py)."""

    def __init__(self, application: ClinicApp) -> None:
        self.application = application

    async def settled(self, within: float) -> None:
        await settled(self.application, within)

    def in_hand(self) -> str | None:
        return in_hand(self.application)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
WEBHOOK_SECRET = "s3cret_Token-for-tests"


@asynccontextmanager
async def serving_webhook(telegram: TelegramStub, make_settings: SettingsFactory,
                          **overrides: Any) -> AsyncIterator[tuple[ClinicApp, str]]:
    """The bot in webhook mode, its server (`bot.assembly.webhook.serve`) in this process, once
    the stand-in has its address; the application and that address."""
    port = free_port()
    settings = make_settings(
        bot_mode="webhook", webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_listen="127.0.0.1", webhook_port=port, webhook_secret=WEBHOOK_SECRET,
        **overrides)
    application = build_application(settings, contents_of(settings))
    stop = asyncio.Event()
    server = asyncio.create_task(serve(application, settings, stop))
    try:
        await telegram.wait_for(lambda: telegram.webhook.active or server.done(),
                                timeout=30, what="the bot to set its webhook")
        if server.done():
            server.result()  # its error
        async with heard_when_quiet(application):
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
        clock = self.application.bot_data.services.clock
        assert isinstance(clock, ManualClock), "start the bot with the test's clock"
        return clock

    def now(self) -> datetime:
        return self.application.bot_data.services.clock.now()

    async def quiet(self) -> None:
        """Until the bot has handled everything it received and sent everything due by
        now (`bot.stand_in.quiet`): then what did not happen will not."""
        await self.telegram.quiet.wait(DEADLINE)

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


def bot_environment(telegram: TelegramStub, database_url: str, token: str = TOKEN
                    ) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "DATABASE_URL": database_url,
        "CLINIC_NAME": "Lotus & Pine Clinic",
        "CLINIC_CONTACT": "+44 20 7946 0000",
        "STAFF_USER_IDS": str(STAFF_ID),
        "POLLING_TIMEOUT": "1",
        "LOG_LEVEL": "DEBUG",
        "TELEGRAM_TRANSPORT": TRANSPORT,
    }


async def start_bot(env: dict[str, str], cwd: Path, *options: str
                    ) -> asyncio.subprocess.Process:
    return await spawn(python_module("bot", "run", *options), cwd=cwd, env=env)


async def stop_bot(process: asyncio.subprocess.Process, how: int = signal.SIGTERM) -> str:
    """Stop a bot from `start_bot` (SIGTERM, as an operator would; SIGKILL, a crash) and
    wait for it to end; what it logged."""
    process.send_signal(how)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    return stderr.decode()
