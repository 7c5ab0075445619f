"""A patient's say over their data: /settings (which messages come), /stop (no more
clinic updates; appointment messages still come), /mydata (everything held about them,
as a file) and /forget (delete it, after a confirmation)."""

from __future__ import annotations

import json
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot.appointments.rendering import describe_time
from bot.services.context import ClinicApp, ClinicContext
from bot.texts import callbacks, keyboards
from bot.texts.keys import Button, Text
from db import privacy
from db.models import Patient
from db.patients import register_patient, stop_updates
from db.privacy import Choice
from handlers.common import profile_of, reply, show_in_place, tell_staff

logger = logging.getLogger(__name__)

ON, OFF = "✅", "⬜"


def _settings_keyboard(context: ClinicContext, patient: Patient) -> InlineKeyboardMarkup:
    on = privacy.choices_of(patient)
    content = context.content

    def mark(choice: Choice) -> str:
        return ON if on[choice] else OFF
    labels = {
        Choice.REMINDERS: content.button(Button.SETTING_REMINDERS, mark=mark(Choice.REMINDERS)),
        Choice.CHECKINS: content.button(Button.SETTING_CHECKINS, mark=mark(Choice.CHECKINS)),
        Choice.UPDATES: content.button(Button.SETTING_UPDATES, mark=mark(Choice.UPDATES)),
    }
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(label, callback_data=callbacks.data(callbacks.SETTING, choice))]
        for choice, label in labels.items()])


async def settings(update: Update, context: ClinicContext) -> None:
    profile = profile_of(update)
    if profile is None:
        return
    async with context.database.transaction() as session:
        patient = await privacy.patient_of_user(session, profile.user_id)
    content = context.content
    if patient is None or patient.messages_consent_at is None:
        await reply(update, content.text(Text.SETTINGS_NO_CONSENT),
                    keyboards.welcome(content, ask_consent=True))
        return
    await reply(update, content.text(Text.SETTINGS), _settings_keyboard(context, patient))


async def toggle(update: Update, context: ClinicContext) -> None:
    query, profile = update.callback_query, profile_of(update)
    if query is None or profile is None or context.match is None:
        return
    await query.answer()
    try:
        choice = Choice(context.match.group(1))
    except ValueError:
        return  # forged
    async with context.database.transaction() as session:
        patient = await privacy.patient_of_user(session, profile.user_id)
        if patient is None or patient.messages_consent_at is None:
            return  # an old button; /settings shows the way
        await privacy.toggle(session, patient.id, choice, context.clock.now())
        await session.refresh(patient)
    logger.info("Patient %d changed a message setting", patient.id)
    await show_in_place(query, context.content.text(Text.SETTINGS),
                        _settings_keyboard(context, patient))


async def my_data(update: Update, context: ClinicContext) -> None:
    profile = profile_of(update)
    if profile is None:
        return
    async with context.database.transaction() as session:
        patient = await privacy.patient_of_user(session, profile.user_id)
        held = await privacy.export(session, patient) if patient is not None else None
    if held is None or patient is None:
        await reply(update, context.content.text(Text.MYDATA_NONE))
        return
    document = json.dumps({"exported_at": context.clock.now().isoformat(), **held},
                          ensure_ascii=False, indent=2).encode()
    chat = update.effective_chat
    assert chat is not None  # profile_of found a private chat
    await chat.send_document(InputFile(document, filename="my-data.json"),
                             caption=context.content.text(Text.MYDATA_CAPTION),
                             disable_content_type_detection=True)
    logger.info("Patient %d downloaded their data", patient.id)


async def forget(update: Update, context: ClinicContext) -> None:
    profile = profile_of(update)
    if profile is None:
        return
    now = context.clock.now()
    async with context.database.transaction() as session:
        patient = await privacy.patient_of_user(session, profile.user_id)
        upcoming = len(await privacy.upcoming_sessions(session, patient.id, now)) \
            if patient is not None else 0
    if patient is None:
        await reply(update, context.content.text(Text.MYDATA_NONE))
        return
    content = context.content
    await reply(update, content.text(Text.FORGET_ARE_YOU_SURE, count=upcoming),
                InlineKeyboardMarkup([[
                    InlineKeyboardButton(content.button(Button.FORGET_SURE),
                                         callback_data=callbacks.FORGET_SURE),
                    InlineKeyboardButton(content.button(Button.FORGET_KEEP),
                                         callback_data=callbacks.FORGET_KEEP)]]))


async def forget_confirmed(update: Update, context: ClinicContext) -> None:
    """Only ever the tapping patient's own data: the button carries no id."""
    query, profile = update.callback_query, profile_of(update)
    if query is None or profile is None:
        return
    await query.answer()
    now = context.clock.now()
    async with context.database.transaction() as session:
        patient = await privacy.patient_of_user(session, profile.user_id)
        if patient is None:
            gone = None
        else:
            gone = await privacy.forget(session, patient.id, now)
    content = context.content
    await show_in_place(query, content.text(Text.FORGET_DONE), None)
    if gone is None or patient is None:
        return  # tapped twice: already done
    logger.info("Patient %d deleted their data (/forget)", patient.id)
    staff = context.staff_content
    sessions = ", ".join(
        f"#{number} {describe_time(starts_at, staff, context.settings.timezone)}"
        for number, starts_at in gone)
    await tell_staff(context, staff.text(Text.STAFF_FORGOTTEN, count=len(gone),
                                         sessions=sessions))


async def forget_kept(update: Update, context: ClinicContext) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await show_in_place(query, context.content.text(Text.FORGET_KEPT), None)


def register(application: ClinicApp) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("settings", settings, filters=private))
    application.add_handler(CommandHandler("mydata", my_data, filters=private))
    application.add_handler(CommandHandler("forget", forget, filters=private))
    application.add_handler(CommandHandler("stop", stop, filters=private))
    application.add_handler(CallbackQueryHandler(toggle, pattern=callbacks.pattern(
        callbacks.SETTING, with_argument=True)))
    application.add_handler(CallbackQueryHandler(forget_confirmed, pattern=callbacks.pattern(
        callbacks.FORGET_SURE, with_argument=False)))
    application.add_handler(CallbackQueryHandler(forget_kept, pattern=callbacks.pattern(
        callbacks.FORGET_KEEP, with_argument=False)))


async def stop(update: Update, context: ClinicContext) -> None:
    """/stop: no more broadcasts; appointment messages still come."""
    profile = profile_of(update)
    if profile is None:
        return
    now = context.clock.now()
    async with context.database.transaction() as session:
        await register_patient(session, profile, now)
        changed = await stop_updates(session, profile.user_id, now)
    await reply(update, context.content.text(
        Text.UPDATES_STOPPED if changed else Text.UPDATES_ALREADY_STOPPED))
