"""/help: what the bot can do, in plain words; /whoami: the ids a clinic's set-up needs
(the sender's Telegram user id for STAFF_USER_IDS and, in a group, the group's id for
STAFF_CHAT_ID), for anyone who asks, anywhere."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, filters

from bot.services.context import ClinicApp, ClinicContext
from bot.texts.keys import Text
from handlers.common import reply


async def help_command(update: Update, context: ClinicContext) -> None:
    """List what the bot can do."""
    await reply(update, context.content.text(Text.HELP))


async def whoami(update: Update, context: ClinicContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    content = context.content
    text = content.text(Text.WHOAMI, user_id=user.id)
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        text += "\n" + content.text(Text.WHOAMI_GROUP, chat_id=chat.id)
    await reply(update, text)


def register(application: ClinicApp) -> None:
    application.add_handler(
        CommandHandler("help", help_command, filters=filters.ChatType.PRIVATE))
    application.add_handler(CommandHandler("whoami", whoami))
