"""Staff tools: /unanswered, and replying to a patient's question from the staff chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.services.context import ClinicApp, ClinicContext
from bot.texts.keys import Text
from db.patients import set_unreachable
from db.questions import mark_staff_replied, question_for_staff_message, unanswered_questions
from handlers.common import reply
from handlers.staff_door import StaffDoor

logger = logging.getLogger(__name__)

UNANSWERED_LIMIT = 25
# The reply is wrapped in a short heading; keep the whole under Telegram's 4096.
MAX_RELAYED_REPLY = 3800


async def unanswered(update: Update, context: ClinicContext) -> None:
    """List the questions the bot could not answer well, most asked first (staff only)."""
    content = context.content
    async with context.database.transaction() as session:
        rows = await unanswered_questions(session, UNANSWERED_LIMIT)
    if not rows:
        await reply(update, content.text(Text.UNANSWERED_EMPTY))
        return
    timezone = context.settings.timezone
    lines = [content.text(Text.UNANSWERED_HEADER)]
    for row in rows:
        reason = (content.text(Text.UNANSWERED_REASON_UNHELPFUL) if row.unhelpful
                  else content.text(Text.UNANSWERED_REASON_NO_MATCH))
        lines.append(content.text(
            Text.UNANSWERED_ROW,
            count=row.count,
            question=row.example[:200],
            reason=reason,
            last_asked=row.last_asked.astimezone(timezone).strftime("%d %b %H:%M"),
        ))
    await reply(update, "\n".join(lines)[:4096])


async def relay_staff_reply(update: Update, context: ClinicContext) -> None:
    """Send a staff member's reply to the patient whose question it answers."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    async with context.database.transaction() as session:
        found = await question_for_staff_message(
            session, message.chat_id, message.reply_to_message.message_id)
    if found is None:
        return
    question, patient = found
    if patient.chat_id is None or patient.telegram_user_id is None:
        return  # a patient who asked a question is always linked; nothing to do otherwise
    content = context.content
    theirs = context.bot_data.services.contents.for_patient(patient.language,
                                                            patient.language_code)
    text = theirs.text(Text.STAFF_REPLY_TO_PATIENT, reply=message.text[:MAX_RELAYED_REPLY])
    try:
        await context.bot.send_message(patient.chat_id, text)
    except (Forbidden, BadRequest) as error:
        logger.warning("Staff reply to question %d not delivered: %s", question.id, error)
        if isinstance(error, Forbidden):
            async with context.database.transaction() as session:
                await set_unreachable(session, patient.telegram_user_id, context.clock.now())
        await message.reply_text(content.text(Text.STAFF_REPLY_UNDELIVERABLE))
        return
    async with context.database.transaction() as session:
        await mark_staff_replied(session, question.id, context.clock.now())
    logger.info("Staff reply to question %d delivered", question.id)
    await message.reply_text(content.text(Text.STAFF_REPLY_DELIVERED))


def register(application: ClinicApp) -> None:
    settings = application.bot_data.settings
    staff = StaffDoor(application)
    staff.add(CommandHandler("unanswered", unanswered))
    if settings.staff_chat_id is not None:
        # The chat is where questions were forwarded to, not who may answer: the door
        # keeps out a member of the staff chat who is not staff.
        staff.add(MessageHandler(
            filters.Chat(settings.staff_chat_id) & filters.REPLY & filters.TEXT
            & filters.UpdateType.MESSAGE & ~filters.COMMAND,
            relay_staff_reply,
        ))
