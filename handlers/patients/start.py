"""/start: welcome, registration, and the one-tap consent to reminders and updates."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.services.context import ClinicApp, ClinicContext
from bot.texts import callbacks, keyboards
from bot.texts.keys import Text
from db.linking import Linked, redeem_invite, upcoming_count
from db.patients import record_messages_consent, register_patient, stop_updates
from handlers.common import profile_of, replace_buttons, reply

logger = logging.getLogger(__name__)


async def start(update: Update, context: ClinicContext) -> None:
    """Welcome the patient by name and show what the bot can do. Opened from an invite
    link (/start TOKEN), it first links the clinic's record to this Telegram account."""
    profile = profile_of(update)
    if profile is None:
        return
    now = context.clock.now()
    token = (context.args or [""])[0][:64]
    async with context.database.transaction() as session:
        patient = await register_patient(session, profile, now)
        linked = await redeem_invite(session, token, patient, now) if token else None
        upcoming = await upcoming_count(session, patient.id, now)
        resumed = await stop_updates(session, profile.user_id, None)
    content = context.content
    if resumed:
        await reply(update, content.text(Text.UPDATES_RESUMED))
    if linked is not None:
        logger.info("Invite opened by patient %d: %s", patient.id, linked)
        if linked in (Linked.LINKED, Linked.ALREADY):
            await reply(update, content.text(Text.INVITE_LINKED, count=upcoming))
        else:
            await reply(update, content.text(Text.INVITE_INVALID))
    ask_consent = patient.messages_consent_at is None
    text = content.text(Text.WELCOME, first_name=profile.first_name)
    if ask_consent:
        text = f"{text}\n\n{content.text(Text.WELCOME_CONSENT)}"
    await reply(update, text, keyboards.welcome(content, ask_consent=ask_consent))


async def give_consent(update: Update, context: ClinicContext) -> None:
    """Record the patient's yes to reminders and updates, and thank them."""
    query = update.callback_query
    profile = profile_of(update)
    if query is None or profile is None:
        return
    now = context.clock.now()
    async with context.database.transaction() as session:
        patient = await register_patient(session, profile, now)
        recorded = await record_messages_consent(session, profile.user_id, now)
    await query.answer()
    # The consent button has done its job; keep the other buttons.
    await replace_buttons(query, keyboards.welcome(context.content, ask_consent=False))
    content = context.content
    thanks = content.text(Text.CONSENT_GIVEN if recorded else Text.CONSENT_ALREADY)
    if patient.phone is None:
        # Telegram's contact button sends the patient's own, verified number.
        await reply(update, f"{thanks}\n\n{content.text(Text.SHARE_PHONE)}",
                    keyboards.share_phone(content))
        return
    await reply(update, thanks)


def register(application: ClinicApp) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CallbackQueryHandler(
        give_consent, pattern=callbacks.pattern(callbacks.GIVE_CONSENT, with_argument=False)))
