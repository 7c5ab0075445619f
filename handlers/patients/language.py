"""The language a patient reads the bot in: their Telegram's, when the clinic offers it,
until they choose another with /language (or with the button offered under an answer to
a message they wrote in another offered language). Looked up at the start of each update
(`handlers/profiles.py`), so every text of that update, the safety net's included, is in
it; the staff read STAFF_LANGUAGE (bot/texts/translations.py)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.services.context import ClinicApp, ClinicContext
from bot.texts import callbacks, keyboards
from bot.texts.keys import Text
from bot.texts.translations import language_of
from db.patients import choose_language, chosen_language, register_patient
from handlers.common import profile_of, replace_buttons, reply


async def look_up(update: Update, context: ClinicContext) -> None:
    """Set the update's language: the staff's in the staff chat and for staff members,
    the patient's in a private chat (read from the database only when the clinic offers
    more than one)."""
    user, chat = update.effective_user, update.effective_chat
    contents = context.bot_data.services.contents
    if user is None or chat is None:
        return
    if chat.type != ChatType.PRIVATE or context.settings.is_staff(user.id):
        context.language = contents.staff.language
        return
    if not contents.several:
        return
    async with context.database.transaction() as session:
        chosen = await chosen_language(session, user.id)
    context.language = language_of(chosen, user.language_code, contents)


async def show_languages(update: Update, context: ClinicContext) -> None:
    contents = context.bot_data.services.contents
    content = context.content
    name = contents.name(content.language)
    if not contents.several:
        await reply(update, content.text(Text.LANGUAGE_ONLY, language=name))
        return
    await reply(update, content.text(Text.LANGUAGE_MENU, language=name),
                keyboards.languages(contents, content.language))


async def choose(update: Update, context: ClinicContext) -> None:
    """A tap on a language: kept for this patient, and said in it from now on."""
    query = update.callback_query
    profile = profile_of(update)
    contents = context.bot_data.services.contents
    if query is None or profile is None or context.match is None:
        return
    await query.answer()
    language = context.match.group(1)
    if not contents.offers(language):
        return  # an old button, from before the clinic stopped offering it
    async with context.database.transaction() as session:
        await register_patient(session, profile, context.clock.now())
        await choose_language(session, profile.user_id, language)
    context.language = language
    await replace_buttons(query, None)
    await reply(update, context.content.text(Text.LANGUAGE_SET))


def register(application: ClinicApp) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("language", show_languages, filters=private))
    application.add_handler(CallbackQueryHandler(
        choose, pattern=callbacks.pattern(callbacks.LANGUAGE, with_argument=True)))
