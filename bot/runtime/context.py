"""The typed context every handler receives, and the resources it carries."""

from __future__ import annotations

import asyncio
from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.runtime.clock import Clock
from bot.runtime.config import Settings
from bot.texts.content import Content
from bot.understanding.faq_search import FaqMatcher
from bot.understanding.warning_signs import WarningSigns
from db.group_commit import GroupCommit
from db.questions import KeptQuestion, TypedQuestion
from db.session import Database


class BotData:
    """Shared by all handlers. Settings and content are set when the application is built;
    the database is opened in post_init and closed in post_shutdown."""

    settings: Settings
    content: Content
    # The clinic's "now" (bot/runtime/clock.py): the system clock, or a test's or the demo's.
    clock: Clock
    matcher: FaqMatcher
    warning_signs: WarningSigns
    database: Database
    # Typed questions, written in shared transactions when they come in bursts.
    questions: GroupCommit[TypedQuestion, KeptQuestion]
    # Safety alerts whose staff message a background task is bringing up to date, and
    # whether another round is wanted (handlers/safety.py).
    staff_alerts_wanted: dict[int, bool]
    # Other work that outlives an update (the staff chat's safety alerts): given a short
    # grace at a stop, then cancelled; each kind picks up at the next start.
    background_tasks: set[asyncio.Task[None]]
    # Broadcasts being sent, and the signal to stop claiming recipients at shutdown.
    broadcast_tasks: set[asyncio.Task[None]]
    stopping: asyncio.Event
    # Who holds the polling lease, in polling mode (bot/runtime/polling_guard.py).
    poller_holder: str
    # This process among those sharing the database, and how many are alive, it
    # included, as of its last heartbeat (bot/runtime/instances.py).
    instance_id: str
    processes_alive: int
    # Until then (time.monotonic()), this process sends nothing: the others have not yet
    # made room for it under Telegram's limit (bot/runtime/instances.py).
    holding_until: float


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
    def matcher(self) -> FaqMatcher:
        return self.bot_data.matcher

    @property
    def warning_signs(self) -> WarningSigns:
        return self.bot_data.warning_signs

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
