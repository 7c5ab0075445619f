"""Telegram's word that a patient blocked (or unblocked) the bot, kept on their record."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ChatMemberHandler

from bot.runtime.context import ClinicApp, ClinicContext
from db.patients import set_unreachable

logger = logging.getLogger(__name__)


async def track_block(update: Update, context: ClinicContext) -> None:
    """Mark the patient unreachable when they block the bot, reachable when they return."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status == ChatMember.BANNED
    async with context.database.transaction() as session:
        await set_unreachable(session, change.from_user.id,
                              context.clock.now() if blocked else None)
    logger.info("Chat %s %s the bot", change.chat.id, "blocked" if blocked else "unblocked")


def register(application: ClinicApp) -> None:
    application.add_handler(ChatMemberHandler(track_block, ChatMemberHandler.MY_CHAT_MEMBER))
