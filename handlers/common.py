"""Small helpers every feature's handlers share."""

from __future__ import annotations

import logging

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.appointments.clinic_time import TimeProblem
from bot.sending.replies import send_text
from bot.services.context import ClinicContext
from bot.texts import callbacks
from bot.texts.keys import Text
from bot.texts.telegram_html import escape
from bot.texts.translations import Contents, language_of
from db.appointments import appointment_of_user
from db.models import Appointment, AppointmentStatus, Patient
from db.patients import TelegramProfile

logger = logging.getLogger(__name__)


def profile_of(update: Update) -> TelegramProfile | None:
    """The sender as a patient profile; None outside a private chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return None
    return TelegramProfile(
        user_id=user.id,
        chat_id=chat.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


async def reply(
    update: Update, text: str,
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> None:
    """Send a new message to the chat the update came from (not read back as a `Message`:
    bot/sending/replies.py)."""
    chat = update.effective_chat
    if chat is None:
        return
    await send_text(update.get_bot(), chat.id, text, keyboard)


def patient_mention(patient: Patient, contents: Contents | None = None) -> str:
    """The patient's name as a link staff can tap to open their profile; with the clinic's
    `contents`, and the patient reading another language than the staff, that language
    too ("Ana (@ana_p) · Español")."""
    name = " ".join(part for part in (patient.first_name, patient.last_name) if part)
    if patient.telegram_user_id is None:
        return escape(name) + (f" ({escape(patient.phone)})" if patient.phone else "")
    mention = f'<a href="tg://user?id={patient.telegram_user_id}">{escape(name)}</a>'
    if patient.username:
        mention += f" (@{escape(patient.username)})"
    if contents is not None and contents.several:
        language = language_of(patient.language, patient.language_code, contents)
        if language != contents.staff.language:
            mention += f" · {escape(contents.name(language))}"
    return mention


async def tell_staff(context: ClinicContext, text: str) -> Message | None:
    """Post to the staff chat; None when there is none or Telegram refused."""
    chat_id = context.settings.staff_chat_id
    if chat_id is None:
        return None
    try:
        return await context.bot.send_message(chat_id, text)
    except TelegramError as error:
        logger.error("Could not post to the staff chat: %s", error)
        return None


async def replace_buttons(query: CallbackQuery, keyboard: InlineKeyboardMarkup | None) -> None:
    """Change (or with None, remove) the tapped message's buttons. A second tap that lands
    before the first one's change finds nothing to change, and a message deleted since (or
    too old for Telegram to edit) has no buttons left to change: both are fine."""
    if query.message is None:
        return
    try:
        await query.edit_message_reply_markup(keyboard)
    except BadRequest as error:
        reason = str(error).lower()
        if not any(fine in reason for fine in ("not modified", "not found", "can't be edited")):
            raise


async def show_in_place(
    query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None
) -> None:
    """Replace the tapped message's text; a second tap on the same button changes nothing."""
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as error:
        reason = str(error).lower()
        if "not modified" in reason:
            return
        if "can't be edited" in reason or "not found" in reason:
            if query.message is not None:
                await query.message.chat.send_message(text, reply_markup=keyboard)
            return
        raise


async def own_open_appointment(
    update: Update, context: ClinicContext
) -> tuple[Appointment, Patient] | None:
    """The appointment a tapped button names, if it is the tapping patient's own, still
    booked and not begun. Someone else's id is met with silence; a closed one with a
    short note."""
    query = update.callback_query
    profile = profile_of(update)
    if query is None or profile is None:
        return None
    await query.answer()
    appointment_id = callbacks.int_argument(context.match)
    if appointment_id is None:
        return None
    async with context.database.transaction() as session:
        found = await appointment_of_user(session, appointment_id, profile.user_id)
    if found is None:
        return None
    appointment, patient = found
    started = appointment.starts_at <= context.clock.now()
    if appointment.status != AppointmentStatus.BOOKED or started:
        await reply(update, context.content.text(Text.APPOINTMENT_NOT_OPEN))
        return None
    return appointment, patient


def time_problem_text(context: ClinicContext, problem: TimeProblem) -> str:
    """Why a typed clinic time cannot be booked (bot/appointments/clinic_time.py), in the clinic's
    words."""
    if problem.suggested is not None:
        return context.content.text(Text.TIME_DOES_NOT_EXIST, when=problem.when,
                                    zone=problem.zone, suggested=f"{problem.suggested:%H:%M}")
    first, second = problem.readings()
    return context.content.text(Text.TIME_HAPPENS_TWICE, when=problem.when, zone=problem.zone,
                                first=first, second=second)
