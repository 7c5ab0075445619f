"""Building the Application: resources opened in post_init, closed in post_shutdown."""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot.appointments.timers import configure_jobs, start_scheduling
from bot.appointments.weekly_report import DIGEST_JOB, DIGEST_LOOK_EVERY, send_digest
from bot.assembly import instances
from bot.assembly.concurrency import PerChatUpdates
from bot.assembly.polling_guard import (
    RENEW_EVERY,
    RENEW_JOB,
    release_polling_lease,
    renew_polling_lease,
    take_polling_lease,
)
from bot.assembly.quiescence import UpdateQueue, track_jobs
from bot.assembly.staff_setup import warn_about_staff_setup
from bot.core.clock import Clock, ManualClock
from bot.core.settings import Settings
from bot.sending.broadcast_runner import watch
from bot.sending.rate_limit import ClinicRateLimiter
from bot.services.context import BotData, ClinicApp, ClinicContext, Services
from bot.texts.content import Content
from bot.texts.translations import Contents
from bot.understanding.faq_search import FaqMatcher
from bot.understanding.languages import LanguageGuesser
from bot.understanding.lexicon import LexiconReader
from bot.understanding.screen import Reader
from bot.understanding.second_opinion import SecondOpinion
from bot.understanding.warning_signs import WarningSigns
from db.migrate import upgrade_database_async
from handlers import backlog

logger = logging.getLogger(__name__)

# How long a stop waits for broadcast copies in flight.
SHUTDOWN_GRACE = 10.0
# ... and for other background work, which the next start picks up (a staff alert queued
# behind the staff group's limit is posted again then, not waited for).
BACKGROUND_GRACE = 1.0
# How often every instance looks for broadcasts to help with or take over.
WATCH_BROADCASTS = 3.0

# my_chat_member tells us when a patient blocks or unblocks the bot.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def build_application(settings: Settings, contents: Contents, clock: Clock | None = None,
                      rate_limiter: ClinicRateLimiter | None = None) -> ClinicApp:
    """The bot, configured and with every handler registered; nothing is opened yet.
    `clock`: the clinic's time (bot/core/clock.py); the system clock unless a test or the demo
    brings its own. `rate_limiter`: Telegram's limits as production keeps them unless a
    test brings one set otherwise."""
    transports = (transport(settings, connection_pool_size=256,
                            read_timeout=settings.telegram_read_timeout),
                  transport(settings, connection_pool_size=1, read_timeout=5.0))
    data = BotData(settings, Services.build(settings, contents, clock or Clock(),
                                            readers(contents.reading, contents.read_too),
                                            transports))
    # PTB makes bot_data by calling the given type; this one is complete already.
    context_types = ContextTypes(  # type: ignore[call-overload]
        context=ClinicContext, bot_data=lambda: data)
    processor = PerChatUpdates(settings.concurrent_updates, settings.chat_backlog)
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        tzinfo=settings.timezone,
    )
    application = cast(ClinicApp, (
        ApplicationBuilder()
        .application_class(ClinicApplication)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_file_url)
        .request(transports[0])
        .get_updates_request(transports[1])
        .concurrent_updates(processor)
        # Counts what is in hand, so a test or the demo can tell when the bot is quiet.
        .update_queue(UpdateQueue())
        .context_types(context_types)
        .defaults(defaults)
        # One limiter for replies, planned messages and broadcasts (bot/sending/rate_limit.py).
        .rate_limiter(rate_limiter or ClinicRateLimiter(
            burst=settings.rate_limit_burst, chat_burst=settings.rate_limit_chat_burst))
        .post_init(_open_resources)
        .post_stop(_finish_sending)
        .post_shutdown(_close_resources)
        .build()
    ))
    assert application.job_queue is not None  # the job-queue extra is a dependency
    configure_jobs(application.job_queue)
    track_jobs(application)
    handlers.register_all(application)
    # A chat's flood: what may be passed over, and what the patient is told.
    processor.may_skip = functools.partial(backlog.may_pass_over, application.bot_data)
    processor.on_overflow = functools.partial(backlog.tell_too_many, application)
    return application


@asynccontextmanager
async def polling(application: ClinicApp) -> AsyncIterator[ClinicApp]:
    """The application polling inside an event loop already running (the demo, the tests),
    started and stopped in the order `Application.run_polling` uses for its hooks."""
    settings = application.bot_data.settings
    await application.initialize()
    assert application.post_init is not None
    assert application.updater is not None
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


@functools.cache
def readers(content: Content, others: tuple[Content, ...] = ()) -> Reader:
    """The reader of patients' messages for these texts (the warning signs and the FAQ),
    and of the `others` languages that have a word list (bot/understanding/lexicon.py):
    built once for them, however many times an application is built (a test suite builds
    hundreds)."""
    return Reader(WarningSigns(content.warning_signs, content.vocabulary, content.own_words()),
                  FaqMatcher(content.topics, content.left_to_staff,
                             content.vocabulary.spelled_out),
                  SecondOpinion.packaged(), LanguageGuesser(content.other_languages),
                  {other.language: LexiconReader(other.language, other.lexicon,
                                                 FaqMatcher(other.topics, other.left_to_staff))
                   for other in others if other.lexicon is not None})


class ClinicApplication(Application):  # type: ignore[type-arg]
    """PTB's Application, closing its HTTP clients when start-up fails: PTB shuts down
    only what initialized, and an aiohttp session left open complains at exit."""

    async def initialize(self) -> None:
        try:
            await super().initialize()
        except BaseException:
            data: BotData = self.bot_data
            await asyncio.gather(*(request.shutdown() for request in data.services.transports),
                                 return_exceptions=True)
            raise


def transport(settings: Settings, *, connection_pool_size: int, read_timeout: float
              ) -> BaseRequest:
    """How the bot speaks HTTP to the Bot API (TELEGRAM_TRANSPORT): the aiohttp transport
    (bot/sending/aiohttp_request.py), or PTB's httpx one."""
    if settings.telegram_transport == "aiohttp":
        # Loaded only when chosen: aiohttp holds about 10 MB that a polling bot on the
        # httpx transport never needs.
        from bot.sending.aiohttp_request import AiohttpRequest

        return AiohttpRequest(connection_pool_size=connection_pool_size,
                              read_timeout=read_timeout, ssl_context=tls_context())
    return ReopeningHTTPXRequest(connection_pool_size=connection_pool_size,
                                 read_timeout=read_timeout,
                                 httpx_kwargs={"verify": tls_context()})


class ReopeningHTTPXRequest(HTTPXRequest):
    """PTB's httpx transport, opened again when a request finds it closed: PTB's start-up
    shuts it down between its retries, and the retry then said "not initialized" instead
    of the real cause (no network, DNS, a refused connection)."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self.initialize()  # a no-op while open
        return await super().do_request(*args, **kwargs)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for the process: loading the system's certificates costs tens of
    milliseconds, and PTB would do it for each of its two HTTP clients."""
    return ssl.create_default_context()


async def _open_resources(application: Any) -> None:
    data: BotData = application.bot_data
    await upgrade_database_async(data.settings.database_url)
    if data.settings.bot_mode == "polling":
        await take_polling_lease(data, application.bot.id)  # or AnotherPoller
        application.job_queue.run_repeating(renew_polling_lease, RENEW_EVERY, name=RENEW_JOB)
    await publish_commands(application)
    await warn_about_staff_setup(application.bot, data.settings)
    start_scheduling(application.job_queue, data)
    if data.settings.weekly_digest is not None:
        application.job_queue.run_repeating(send_digest, DIGEST_LOOK_EVERY,
                                            first=DIGEST_LOOK_EVERY, name=DIGEST_JOB)
    await instances.join(data, application.bot.rate_limiter)
    application.job_queue.run_repeating(instances.heartbeat, instances.HEARTBEAT,
                                        name=instances.HEARTBEAT_JOB)
    # A broadcast a crash or a dead instance interrupted goes on (bot/sending/broadcast_runner.py).
    application.job_queue.run_repeating(watch, WATCH_BROADCASTS, first=0,
                                        name="broadcasts:watch")
    logger.info("Bot @%s ready (staff: %d, staff chat set: %s)", application.bot.username,
                len(data.settings.staff_user_ids), data.settings.staff_chat_id is not None)


async def _finish_sending(application: Any) -> None:
    """Stop claiming broadcast recipients and let the copies in flight land, so a planned
    stop leaves nothing half-sent; the rest resumes at the next start."""
    data: BotData = application.bot_data
    data.running.stopping.set()
    await asyncio.gather(_finish_within(data.running.broadcasts, SHUTDOWN_GRACE),
                         _finish_within(data.running.background, BACKGROUND_GRACE))


async def _finish_within(tasks: set[asyncio.Task[None]], grace: float) -> None:
    if not tasks:
        return
    _, late = await asyncio.wait(set(tasks), timeout=grace)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)


async def _close_resources(application: Any) -> None:
    data: BotData = application.bot_data
    await release_polling_lease(data, application.bot)
    await instances.leave(data)
    if isinstance(data.services.clock, ManualClock):
        data.services.clock.release(application.job_queue.scheduler)
    await data.services.database.dispose()


async def publish_commands(application: Any) -> None:
    """The menu next to the text box: patient commands for all (in each offered language,
    for users whose Telegram is set to it), staff ones for staff."""
    data: BotData = application.bot_data
    contents = data.services.contents

    def menu(content: Content, group: str) -> list[BotCommand]:
        return [BotCommand(name, text) for name, text in content.commands[group].items()]

    patient = menu(contents.default, "patient")
    staff = menu(contents.staff, "staff")
    await application.bot.set_my_commands(patient)
    for language in contents.offered[1:]:
        if len(language) == 2:  # Telegram's menus are by two-letter code ("fil" has none)
            await application.bot.set_my_commands(menu(contents.of(language), "patient"),
                                                  language_code=language)
    staff_chats = set(data.settings.staff_user_ids)
    for chat_id in sorted(staff_chats):
        await _set_chat_commands(application, chat_id, patient + staff)
    if data.settings.staff_chat_id is not None and data.settings.staff_chat_id not in staff_chats:
        await _set_chat_commands(application, data.settings.staff_chat_id, staff)


async def _set_chat_commands(application: Any, chat_id: int, commands: list[BotCommand]) -> None:
    try:
        await application.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
    except TelegramError as error:
        # Telegram only knows a chat once its user has opened the bot; that is not fatal.
        logger.warning("Could not set the staff command menu for chat %s: %s", chat_id, error)
