"""Updates Telegram could not have sent (a message without its chat, a button tap without
its sender): a forged webhook call or a broken proxy. They are passed over before any
feature sees them, with one warning line, instead of failing inside a filter with a
traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.services.context import ClinicApp, ClinicContext

logger = logging.getLogger(__name__)


def what_is_missing(update: Update) -> str | None:
    """Why the update cannot be a real one, or None."""
    for message in (update.message, update.edited_message, update.channel_post,
                    update.edited_channel_post):
        if message is not None and getattr(message, "chat", None) is None:
            return "a message without its chat"
    query = update.callback_query
    if query is not None and getattr(query, "from_user", None) is None:
        return "a button tap without its sender"
    return None


async def pass_over(update: Update, context: ClinicContext) -> None:
    missing = what_is_missing(update)
    if missing is not None:
        logger.warning("Update %d passed over: %s", update.update_id, missing)
        raise ApplicationHandlerStop


def register(application: ClinicApp) -> None:
    # Group -4: before everything else (profiles are -3).
    application.add_handler(TypeHandler(Update, pass_over), group=-4)
