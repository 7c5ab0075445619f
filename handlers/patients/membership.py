"""Telegram's word that the bot's membership of a chat changed: a patient blocked (or
unblocked) it, kept on their record; or a staff member added it to a group, which is then
told how to become the staff chat."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ChatMemberHandler

from bot.services.context import ClinicApp, ClinicContext
from bot.texts.keys import Text
from db.patients import set_unreachable

logger = logging.getLogger(__name__)


async def track_block(update: Update, context: ClinicContext) -> None:
    """Mark the patient unreachable when they block the bot, reachable when they return."""
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        await _added_to_group(update, context)
        return
    if change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status == ChatMember.BANNED
    async with context.database.transaction() as session:
        await set_unreachable(session, change.from_user.id,
                              context.clock.now() if blocked else None)
    logger.info("Chat %s %s the bot", change.chat.id, "blocked" if blocked else "unblocked")


async def _added_to_group(update: Update, context: ClinicContext) -> None:
    """A staff member added the bot to a group: say the group can be the staff chat."""
    change = update.my_chat_member
    assert change is not None
    joined = change.new_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)
    was_out = change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED)
    settings = context.settings
    if not (joined and was_out and settings.is_staff(change.from_user.id)):
        return
    if change.chat.id == settings.staff_chat_id:
        return
    try:
        await context.bot.send_message(change.chat.id, context.content.text(
            Text.STAFF_CHAT_CANDIDATE, chat_id=change.chat.id))
    except TelegramError as error:
        logger.warning("Could not greet the group the bot was added to: %s", error)


def register(application: ClinicApp) -> None:
    application.add_handler(ChatMemberHandler(track_block, ChatMemberHandler.MY_CHAT_MEMBER))
