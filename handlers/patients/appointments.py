"""/appointments: a patient's upcoming sessions, each with Confirm / Reschedule / Cancel
(the reminder's own handlers) and its .ics calendar file."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.appointments.rendering import calendar_for, describe_time
from bot.appointments.timers import send_calendar
from bot.services.context import ClinicApp, ClinicContext
from bot.texts import callbacks, keyboards
from bot.texts.keys import Button, Text
from db.appointments import upcoming_of_user
from handlers.common import own_open_appointment, profile_of, reply, show_in_place

logger = logging.getLogger(__name__)

# More than a patient books ahead; the list stays one readable message.
MAX_LISTED = 10


async def list_appointments(update: Update, context: ClinicContext) -> None:
    """/appointments: one button per upcoming session."""
    text, keyboard = await _listing(update, context)
    await reply(update, text, keyboard)


async def back_to_list(update: Update, context: ClinicContext) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    text, keyboard = await _listing(update, context)
    await show_in_place(query, text, keyboard)


async def _listing(update: Update, context: ClinicContext
                   ) -> tuple[str, InlineKeyboardMarkup | None]:
    profile = profile_of(update)
    content = context.content
    if profile is None:
        return content.text(Text.APPOINTMENTS_NONE), None
    async with context.database.transaction() as session:
        upcoming = await upcoming_of_user(session, profile.user_id, context.clock.now(), MAX_LISTED)
    if not upcoming:
        return content.text(Text.APPOINTMENTS_NONE), None
    zone = context.settings.timezone
    rows = [[InlineKeyboardButton(
        content.day_and_time(appointment.starts_at.astimezone(zone)),
        callback_data=callbacks.data(callbacks.SHOW_APPOINTMENT, appointment.id))]
        for appointment in upcoming]
    return (content.text(Text.APPOINTMENTS_LIST, count=len(upcoming)),
            InlineKeyboardMarkup(rows))


async def show_appointment(update: Update, context: ClinicContext) -> None:
    found = await own_open_appointment(update, context)
    if found is None or update.callback_query is None:
        return
    appointment = found[0]
    content = context.content
    text = content.text(
        Text.APPOINTMENT_DETAIL,
        when=describe_time(appointment.starts_at, content, context.settings.timezone),
        minutes=appointment.duration_minutes,
        practitioner=appointment.practitioner or content.text(Text.ANY_PRACTITIONER),
        status=content.text(Text.STATUS_CONFIRMED if appointment.confirmed_at
                            else Text.STATUS_BOOKED))
    actions = keyboards.reminder(content, appointment.id).inline_keyboard
    rows = [list(actions[0]),
            [InlineKeyboardButton(content.button(Button.CALENDAR), callback_data=callbacks.data(
                callbacks.CALENDAR, appointment.id))],
            [InlineKeyboardButton(content.button(Button.ALL_APPOINTMENTS),
                                  callback_data=callbacks.ALL_APPOINTMENTS)]]
    await show_in_place(update.callback_query, text, InlineKeyboardMarkup(rows))


async def send_ics(update: Update, context: ClinicContext) -> None:
    found = await own_open_appointment(update, context)
    chat = update.effective_chat
    if found is None or chat is None:
        return
    if not await send_calendar(context, chat.id, calendar_for(context.content, context.settings,
                                                           context.clock.now(), found[0])):
        await reply(update, context.content.text(Text.SOMETHING_WENT_WRONG))


def register(application: ClinicApp) -> None:
    application.add_handler(CommandHandler("appointments", list_appointments,
                                           filters=filters.ChatType.PRIVATE))
    application.add_handler(CallbackQueryHandler(
        back_to_list, pattern=callbacks.pattern(callbacks.ALL_APPOINTMENTS,
                                                with_argument=False)))
    for prefix, callback in ((callbacks.SHOW_APPOINTMENT, show_appointment),
                             (callbacks.CALENDAR, send_ics)):
        application.add_handler(CallbackQueryHandler(
            callback, pattern=callbacks.pattern(prefix, with_argument=True)))
