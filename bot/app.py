"""Building the Application: resources opened in post_init, closed in post_shutdown."""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults

import handlers
from bot.config import Settings
from bot.content import Content
from bot.context import BotData, ClinicApp, ClinicContext
from bot.faq_search import FaqMatcher
from bot.red_flags import RedFlagWatcher
from bot.scheduling import start_scheduling
from db.migrate import upgrade_database_async
from db.session import Database

logger = logging.getLogger(__name__)

# my_chat_member tells us when a patient blocks or unblocks the bot.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def build_application(settings: Settings, content: Content) -> ClinicApp:
    """The bot, configured and with every handler registered; nothing is opened yet."""
    context_types = ContextTypes(context=ClinicContext, bot_data=BotData)
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        tzinfo=settings.timezone,
    )
    application = cast(ClinicApp, (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_file_url)
        .context_types(context_types)
        .defaults(defaults)
        # Keeps us under Telegram's overall rate and waits out a 429's retry_after.
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_open_resources)
        .post_shutdown(_close_resources)
        .build()
    ))
    application.bot_data.settings = settings
    application.bot_data.content = content
    application.bot_data.matcher = FaqMatcher(content.topics)
    application.bot_data.red_flags = RedFlagWatcher(content.red_flags)
    handlers.register_all(application)
    return application


async def _open_resources(application: Any) -> None:
    data: BotData = application.bot_data
    await upgrade_database_async(data.settings.database_url)
    data.database = Database(data.settings.database_url)
    await publish_commands(application)
    start_scheduling(application.job_queue, data)
    logger.info("Bot @%s ready (staff: %d, staff chat set: %s)", application.bot.username,
                len(data.settings.staff_user_ids), data.settings.staff_chat_id is not None)


async def _close_resources(application: Any) -> None:
    data: BotData = application.bot_data
    if hasattr(data, "database"):
        await data.database.dispose()


async def publish_commands(application: Any) -> None:
    """The menu next to the text box: patient commands for all, staff ones for staff."""
    data: BotData = application.bot_data
    described = data.content.commands
    patient = [BotCommand(name, text) for name, text in described["patient"].items()]
    staff = [BotCommand(name, text) for name, text in described["staff"].items()]
    await application.bot.set_my_commands(patient)
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
