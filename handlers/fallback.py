"""What nothing else handled: unknown commands, stickers and the like, stale buttons, errors.

Registered last. In private chats the patient gets a short, helpful answer; in groups and
channels the bot stays silent.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Conflict, TelegramError
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.sending.delivery import may_have_arrived
from bot.services.context import ClinicApp, ClinicContext
from bot.texts.keys import Text
from bot.texts.telegram_html import plain_text
from handlers.common import reply

logger = logging.getLogger(__name__)

_PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


async def unknown_command(update: Update, context: ClinicContext) -> None:
    """Point the patient to /help."""
    await reply(update, context.content.text(Text.UNKNOWN_COMMAND))


async def unsupported_message(update: Update, context: ClinicContext) -> None:
    """A sticker, a location, a poll and the like: ask for words, with the emergency line
    (photos, recordings and files went to the team: handlers/safety.py)."""
    message = update.effective_message
    sticker = message is not None and message.sticker is not None
    await reply(update, context.content.text(Text.STICKER if sticker else Text.UNSUPPORTED_MESSAGE))


async def stale_button(update: Update, context: ClinicContext) -> None:
    """A button whose data we do not know: stop the spinner with a short note."""
    query = update.callback_query
    if query is None:
        return
    # A callback answer has no parse mode, and Telegram caps it at 200 characters.
    await query.answer(plain_text(context.content.text(Text.BUTTON_EXPIRED))[:200])


def on_polling_error(error: TelegramError) -> None:
    """getUpdates failed: a 409 means another poller (maybe on another database) or a
    webhook took over; say so plainly instead of PTB's generic retry noise
    (bot/assembly/polling_guard.py keeps one poller per database)."""
    if isinstance(error, Conflict):
        logger.error("Telegram says another process is getting this bot's updates (%s). "
                     "Run one poller per bot token, or use BOT_MODE=webhook for several.",
                     error.message)
    else:
        logger.warning("Getting updates failed, retrying: %s", error)


async def report_error(update: object, context: ClinicContext) -> None:
    """Log what failed by id only, and tell a patient in a private chat we are on it."""
    if update is None and isinstance(context.error, TelegramError):
        on_polling_error(context.error)  # getting updates failed, not handling one
        return
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, TelegramError) and may_have_arrived(context.error):
        # Telegram has the reply and answered too late (bot/sending/delivery.py): "something went
        # wrong" would be wrong.
        logger.warning("Handling update %s: Telegram did not answer a send in time",
                       update_id)
        return
    logger.error("Handling update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await chat.send_message(context.content.text(Text.SOMETHING_WENT_WRONG))
    except TelegramError as error:
        logger.warning("Could not tell chat of update %s about the error: %s", update_id, error)


def register(application: ClinicApp) -> None:
    application.add_handler(MessageHandler(_PRIVATE_MESSAGE & filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(_PRIVATE_MESSAGE & ~filters.TEXT, unsupported_message))
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_error_handler(report_error)
