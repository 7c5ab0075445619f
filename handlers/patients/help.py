"""/help: what the bot can do, in plain words."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.runtime.context import ClinicApp, ClinicContext
from bot.texts.keys import Text
from handlers.common import reply


async def help_command(update: Update, context: ClinicContext) -> None:
    """List what the bot can do."""
    await reply(update, context.content.text(Text.HELP))


def register(application: ClinicApp) -> None:
    application.add_handler(
        CommandHandler("help", help_command, filters=filters.ChatType.PRIVATE))
