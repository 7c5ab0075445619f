"""Whether the clinic's staff can be reached: a bot with no staff ids, no staff chat, or a
staff chat it cannot post in sends warning signs, check-in alerts and patients'
questions nowhere, so this is said at start-up (a WARNING) and by `check`."""

from __future__ import annotations

import logging

from telegram import Bot, ChatMember, ChatMemberRestricted
from telegram.error import TelegramError

from bot.core.settings import Settings

logger = logging.getLogger(__name__)

CAN_POST = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def staff_setup_problems(bot: Bot, settings: Settings) -> list[str]:
    """What keeps the staff from hearing from the bot, one sentence each."""
    problems = []
    if not settings.staff_user_ids:
        problems.append(
            "STAFF_USER_IDS is empty: nobody can use the staff commands. Send /whoami to "
            "the bot to get your Telegram user id.")
    if settings.staff_chat_id is None:
        problems.append(
            "STAFF_CHAT_ID is not set: warning signs, check-in alerts and patients' "
            "questions reach no one (patients are asked to contact the clinic instead). "
            "Add the bot to the staff group and send /whoami there to get its id.")
        return problems
    try:
        member = await bot.get_chat_member(settings.staff_chat_id, bot.id)
    except TelegramError as error:
        problems.append(f"The staff chat (STAFF_CHAT_ID={settings.staff_chat_id}) cannot be "
                        f"reached: {error.message}. Is the bot a member of it?")
        return problems
    can_post = (member.can_send_messages if isinstance(member, ChatMemberRestricted)
                else member.status in CAN_POST)
    if not can_post:
        problems.append(f"The bot cannot post in the staff chat "
                        f"(STAFF_CHAT_ID={settings.staff_chat_id}): it is {member.status} "
                        "there. Add it to the group again.")
    return problems


async def warn_about_staff_setup(bot: Bot, settings: Settings) -> None:
    for problem in await staff_setup_problems(bot, settings):
        logger.warning("%s", problem)
