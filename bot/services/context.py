"""The typed context every handler receives, and the resources it carries."""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, TypeVar, cast

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue
from telegram.request import BaseRequest

from bot.core.clock import Clock
from bot.core.settings import Settings
from bot.texts.content import Content
from bot.texts.translations import Contents
from bot.understanding.faq_search import FaqMatcher
from bot.understanding.screen import Reader
from db.group_commit import GroupCommit
from db.questions import KeptQuestion, TypedQuestion, record_questions
from db.session import Database


@dataclass(frozen=True)
class Services:
    """Built once with the application (`bot/assembly/app.py`), and replaced whole only by
    the demo's edit-and-reload of the texts; the database connects on first use, in
    post_init, and is closed in post_shutdown."""

    # Each offered language's texts (bot/texts/translations.py).
    contents: Contents
    # The clinic's "now" (bot/core/clock.py): the system clock, or a test's or the demo's.
    clock: Clock
    # What patients' messages mean: warning signs, the FAQ, the safety net
    # (bot/understanding/screen.py).
    reader: Reader
    database: Database
    # Typed questions, written in shared transactions when they come in bursts.
    questions: GroupCommit[TypedQuestion, KeptQuestion]
    # The HTTP clients the bot speaks to the Bot API with: closed by hand when start-up
    # fails, which PTB leaves open (bot/assembly/app.py).
    transports: tuple[BaseRequest, ...] = ()

    @classmethod
    def build(cls, settings: Settings, contents: Contents, clock: Clock, reader: Reader,
              transports: tuple[BaseRequest, ...] = ()) -> Services:
        database = Database(settings.database_url)
        questions: GroupCommit[TypedQuestion, KeptQuestion] = GroupCommit(
            database, record_questions, key=lambda question: question.profile.user_id)
        return cls(contents, clock, reader, database, questions, transports)


class Running:
    """Work that outlives the update that started it, and the signal that the bot is
    stopping."""

    def __init__(self) -> None:
        # The staff chat's safety alerts, an import from the staff chat: given a short grace
        # at a stop, then cancelled.
        self.background: set[asyncio.Task[None]] = set()
        # Broadcasts being sent: given longer, and told to stop claiming recipients.
        self.broadcasts: set[asyncio.Task[None]] = set()
        # Updates the webhook received, being handled (bot/assembly/inbox.py).
        self.updates: set[asyncio.Task[None]] = set()
        self.stopping = asyncio.Event()

    def keep(self, task: asyncio.Task[None]) -> None:
        """Hold a background task until it ends, so it is neither collected nor forgotten
        at a stop."""
        self.background.add(task)
        task.add_done_callback(self.background.discard)


class ThisProcess:
    """This process among those sharing the database (bot/assembly/instances.py,
    bot/services/peers.py)."""

    def __init__(self) -> None:
        self.instance_id = new_instance_id()
        # Whether it has announced itself, and how many are alive, it included, as of its
        # last heartbeat.
        self.joined = False
        self.alive = 1
        # Until then (time.monotonic()), this process sends nothing: the others have not
        # yet made room for it under Telegram's limit.
        self.holding_until = 0.0
        # When it joined others (UTC), until each of them has beaten since: till then, it
        # holds even past `holding_until`.
        self.waiting_since: datetime | None = None
        self.waiting_at_most = 0.0  # time.monotonic(): no longer than that
        # A larger share seen at the last heartbeat, taken only if the next one agrees.
        self.raise_to = 0
        # Who holds the polling lease, in polling mode, once taken
        # (bot/assembly/polling_guard.py).
        self.poller_holder: str | None = None


FeatureState = TypeVar("FeatureState")


class BotData:
    """Shared by all handlers and jobs, complete from the moment the application is built,
    and split by kind: the settings (frozen), the services (built once), the running
    tasks, this process among its peers, and each feature's own state, which the feature
    defines and keeps in its own module (`feature`)."""

    def __init__(self, settings: Settings, services: Services) -> None:
        self.settings = settings
        self.services = services
        self.running = Running()
        self.process = ThisProcess()
        self._features: dict[type, object] = {}

    def feature(self, kind: type[FeatureState]) -> FeatureState:
        """The state of type `kind` (a class of the feature's own that takes no
        arguments), made on first use: one per application."""
        state = self._features.get(kind)
        if state is None:
            state = self._features[kind] = kind()
        return cast(FeatureState, state)


class ClinicContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    """CallbackContext with named access to the bot's resources; one for each update,
    shared by every handler that update reaches."""

    # The language of the chat this update came from, looked up first of all
    # (handlers/patients/language.py); None: the clinic's first.
    language: str | None = None

    @property
    def settings(self) -> Settings:
        return self.bot_data.settings

    @property
    def content(self) -> Content:
        """The texts in this chat's language: the patient's, or the staff's."""
        return self.bot_data.services.contents.of(self.language)

    @property
    def contents(self) -> Contents:
        """Every offered language's texts."""
        return self.bot_data.services.contents

    @property
    def staff_content(self) -> Content:
        """The texts in STAFF_LANGUAGE, for what a patient's update sends the staff."""
        return self.bot_data.services.contents.staff

    @property
    def clock(self) -> Clock:
        return self.bot_data.services.clock

    @property
    def reader(self) -> Reader:
        return self.bot_data.services.reader

    @property
    def matcher(self) -> FaqMatcher:
        """The FAQ's search in this chat's language (/faq WORDS)."""
        content = self.content
        if content is self.bot_data.services.contents.reading:
            return self.bot_data.services.reader.matcher
        return _search(content)

    @property
    def database(self) -> Database:
        return self.bot_data.services.database

    @property
    def questions(self) -> GroupCommit[TypedQuestion, KeptQuestion]:
        return self.bot_data.services.questions


# ExtBot[Any]: the bot's type parameter is the rate limiter's argument type.
ClinicApp: TypeAlias = Application[
    ExtBot[Any], ClinicContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[ClinicContext]
]


@functools.cache
def _search(content: Content) -> FaqMatcher:
    """A language's FAQ search, built on its first use."""
    return FaqMatcher(content.topics, content.left_to_staff)


def new_instance_id() -> str:
    """Readable in logs and refusals: host, process id and a random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
