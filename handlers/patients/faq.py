"""/faq and /risks: topic buttons, answers shown in place, and /faq words to search."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.services.context import ClinicApp, ClinicContext
from bot.texts import callbacks, keyboards
from bot.texts.content_files import RISKS_TOPIC
from bot.texts.keys import Text
from handlers.common import reply, show_in_place

# Enough words to search with; the rest of a very long /faq line is ignored.
MAX_SEARCH_CHARS = 200


async def faq(update: Update, context: ClinicContext) -> None:
    """Show the topic list, or the topics that match `/faq words`."""
    content = context.content
    words = " ".join(context.args or [])[:MAX_SEARCH_CHARS].strip()
    if not words:
        await reply(update, content.text(Text.FAQ_MENU), keyboards.topic_menu(content))
        return
    found = context.matcher.search(words)
    if found:
        await reply(update, content.text(Text.FAQ_SEARCH_RESULTS, query=words),
                    keyboards.topic_menu(content, found))
    else:
        await reply(update, content.text(Text.FAQ_SEARCH_NONE, query=words),
                    keyboards.topic_menu(content))


async def risks(update: Update, context: ClinicContext) -> None:
    """Safety and side effects, and what to do when something is serious."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, risks_text(context), keyboards.back_to_menu(context.content))


def risks_text(context: ClinicContext) -> str:
    content = context.content
    topic = content.topic(RISKS_TOPIC)
    assert topic is not None  # content validation requires it
    return content.answer(topic)  # the topic ends with what to do when something is wrong


async def show_topic(update: Update, context: ClinicContext) -> None:
    """Show a topic's answer in place of the tapped message."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    content = context.content
    topic = content.topic(context.match.group(1))
    await query.answer()
    if topic is None:
        # A button from before the clinic edited its topics.
        await show_in_place(query, content.text(Text.TOPIC_GONE), keyboards.topic_menu(content))
        return
    await show_in_place(query, content.answer(topic), keyboards.after_answer(content, topic))


async def show_menu(update: Update, context: ClinicContext) -> None:
    """Go back to the topic list in place of the tapped message."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    content = context.content
    await show_in_place(query, content.text(Text.FAQ_MENU), keyboards.topic_menu(content))


async def open_menu(update: Update, context: ClinicContext) -> None:
    """Send the topic list as a new message (from the welcome's buttons)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    content = context.content
    await reply(update, content.text(Text.FAQ_MENU), keyboards.topic_menu(content))


def register(application: ClinicApp) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("faq", faq, filters=private))
    application.add_handler(CommandHandler("risks", risks, filters=private))
    application.add_handler(CallbackQueryHandler(
        show_topic, pattern=callbacks.pattern(callbacks.FAQ_TOPIC, with_argument=True)))
    application.add_handler(CallbackQueryHandler(
        show_menu, pattern=callbacks.pattern(callbacks.FAQ_MENU, with_argument=False)))
    application.add_handler(CallbackQueryHandler(
        open_menu, pattern=callbacks.pattern(callbacks.FAQ_OPEN, with_argument=False)))
    application.add_handler(CallbackQueryHandler(
        risks, pattern=callbacks.pattern(callbacks.RISKS, with_argument=False)))
