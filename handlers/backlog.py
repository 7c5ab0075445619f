"""One chat's flood (a stuck phone, a script, a patient pasting line by line): which
waiting updates the bot may pass over once the chat's backlog is full, and what it tells
the patient. The queueing itself is `bot/assembly/concurrency.py`.

Only a patient's typed messages (or media) in their private chat are ever passed over:
never a warning sign (the safety net hears every one), a command (/stop, /forget mean
something), a shared contact, a button tap, or anything from staff.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.sending.rate_limit import Priority
from bot.services.context import BotData, ClinicApp
from bot.texts.keys import Text
from bot.texts.translations import language_of

logger = logging.getLogger(__name__)


def may_pass_over(data: BotData, update: object) -> bool:
    if not isinstance(update, Update):
        return False
    message = update.message or update.edited_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return False
    if message.from_user is None or data.settings.is_staff(message.from_user.id):
        return False
    if message.contact is not None or message.location is not None:
        return False
    text = message.text or message.caption or ""
    if text.startswith("/"):
        return False
    return not text or not data.services.reader.read(text).outcome.alerts_staff


async def tell_too_many(application: ClinicApp, update: object) -> None:
    """Once per flood, in the chat's own order: only the latest will be answered."""
    assert isinstance(update, Update)
    assert update.effective_chat is not None
    # In the language of the sender's Telegram: a flood is no time to read the database.
    user = update.effective_user
    contents = application.bot_data.services.contents
    content = contents.of(language_of(None, user.language_code if user else None, contents))
    try:
        await application.bot.send_message(
            update.effective_chat.id, content.text(Text.TOO_MANY_AT_ONCE),
            rate_limit_args=Priority.REPLY)
    except TelegramError as error:
        logger.warning("Could not tell a patient their messages were passed over: %s",
                       error)
