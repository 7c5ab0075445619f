"""The typed context every handler receives, and the resources it carries."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue
from telegram.request import BaseRequest

from bot.core.clock import Clock
from bot.core.settings import Settings
from bot.texts.content import Content
from bot.understanding.faq_search import FaqMatcher
from bot.understanding.screen import Reader
from db.group_commit import GroupCommit
from db.questions import KeptQuestion, TypedQuestion, record_questions
from db.session import Database


class BotData:
    """Shared by all handlers, complete from the moment the application is built
    (`bot/assembly/app.py`); the database connects on first use, in post_init, and is
    closed in post_shutdown."""

    def __init__(self, settings: Settings, content: Content, clock: Clock,
                 reader: Reader) -> None:
        self.settings = settings
        self.content = content
        # The clinic's "now" (bot/core/clock.py): the system clock, or a test's or the
        # demo's.
        self.clock = clock
        # What patients' messages mean: warning signs, the FAQ, the safety net
        # (bot/understanding/screen.py).
        self.reader = reader
        self.database = Database(settings.database_url)
        # Typed questions, written in shared transactions when they come in bursts.
        self.questions: GroupCommit[TypedQuestion, KeptQuestion] = GroupCommit(
            self.database, record_questions, key=lambda question: question.profile.user_id)
        # Safety alerts whose staff message is to be brought up to date, the task doing it
        # a round at a time, and the latest message of alerts it posted: while fresh, newer
        # alerts join it (handlers/safety_alerts.py).
        self.staff_alerts_wanted: dict[int, bool] = {}
        self.staff_alerts_task: asyncio.Task[None] | None = None
        self.staff_alerts_latest: int | None = None
        # Each user's (first name, last name, username) as last written to their record
        # (handlers/profiles.py), so an unchanged profile costs no write.
        self.profiles_seen: dict[int, tuple[str, str | None, str | None]] = {}
        # Other work that outlives an update (the staff chat's safety alerts, an import
        # from the staff chat): given a short grace at a stop, then cancelled.
        self.background_tasks: set[asyncio.Task[None]] = set()
        # Broadcasts being sent, and the signal to stop claiming recipients at shutdown.
        self.broadcast_tasks: set[asyncio.Task[None]] = set()
        self.stopping = asyncio.Event()
        # This process among those sharing the database, whether it has announced itself,
        # and how many are alive, it included, as of its last heartbeat
        # (bot/assembly/instances.py).
        self.instance_id = new_instance_id()
        self.joined = False
        self.processes_alive = 1
        # Until then (time.monotonic()), this process sends nothing: the others have not
        # yet made room for it under Telegram's limit (bot/assembly/instances.py).
        self.holding_until = 0.0
        # Who holds the polling lease, in polling mode, once taken
        # (bot/assembly/polling_guard.py).
        self.poller_holder: str | None = None
        # The HTTP clients the bot speaks to the Bot API with (bot/assembly/app.py): closed
        # by hand when start-up fails, which PTB leaves open.
        self.transports: list[BaseRequest] = []


class ClinicContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    """CallbackContext with named access to the bot's resources."""

    @property
    def settings(self) -> Settings:
        return self.bot_data.settings

    @property
    def content(self) -> Content:
        return self.bot_data.content

    @property
    def clock(self) -> Clock:
        return self.bot_data.clock

    @property
    def reader(self) -> Reader:
        return self.bot_data.reader

    @property
    def matcher(self) -> FaqMatcher:
        return self.bot_data.reader.matcher

    @property
    def database(self) -> Database:
        return self.bot_data.database

    @property
    def questions(self) -> GroupCommit[TypedQuestion, KeptQuestion]:
        return self.bot_data.questions


# ExtBot[Any]: the bot's type parameter is the rate limiter's argument type.
ClinicApp: TypeAlias = Application[
    ExtBot[Any], ClinicContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[ClinicContext]
]


def new_instance_id() -> str:
    """Readable in logs and refusals: host, process id and a random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
