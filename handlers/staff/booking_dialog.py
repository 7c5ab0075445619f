"""/book without arguments: a guided booking with buttons, for staff.

Who (typed: @username, Telegram id or phone) -> day (the next two weeks) -> time (every
half hour of the working day, or typed) -> length -> practitioner (recent ones, or
typed) -> a summary to confirm. Every step has a Stop button; a dialog left alone ends
after DIALOG_TIMEOUT. The draft lives in the staff member's user_data, and with the
dialog's step in the database (bot/services/dialogs.py), so any bot process can take the next
step; the booking itself is the same as the typed /book.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.appointments import clinic_time
from bot.appointments.booking import find_patients
from bot.appointments.clinic_time import TimeProblem
from bot.appointments.rendering import describe_time
from bot.services.context import ClinicContext
from bot.services.dialogs import SharedConversation
from bot.texts import callbacks
from bot.texts.content import Html
from bot.texts.keys import Button, Text
from db.appointments import recent_practitioners
from handlers.common import (
    patient_mention,
    replace_buttons,
    reply,
    show_in_place,
    time_problem_text,
)
from handlers.staff_door import StaffDoor

WHO, DAY, TIME, LENGTH, PRACTITIONER, CONFIRM = range(6)
END = ConversationHandler.END
DIALOG_TIMEOUT = timedelta(minutes=10)
DAYS_OFFERED = 14
FIRST_SLOT, LAST_SLOT = time(8, 0), time(19, 30)
LENGTHS = (30, 45, 60, 90)
MAX_PRACTITIONERS = 6
MAX_NAMESAKES = 10  # patients listed when a typed name fits several
DRAFT = "booking_draft"

Finish = Callable[[Update, ClinicContext, str, datetime, int, str | None], Awaitable[bool]]


def _draft(context: ClinicContext) -> dict[str, Any]:
    data: dict[str, Any] = context.user_data if context.user_data is not None else {}
    return data.setdefault(DRAFT, {})  # type: ignore[no-any-return]


def _button(label: str, prefix: str, argument: str | int | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.data(prefix, argument))


def _with_stop(context: ClinicContext, rows: list[list[InlineKeyboardButton]]
               ) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*rows, [_button(context.content.button(Button.STOP),
                                                 callbacks.BOOK_STOP)]])


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


async def begin(update: Update, context: ClinicContext) -> int:
    if context.user_data is not None:
        context.user_data[DRAFT] = {}
    await reply(update, context.content.text(Text.BOOK_ASK_WHO),
                _with_stop(context, []))
    return WHO


async def got_who(update: Update, context: ClinicContext) -> int:
    message = update.effective_message
    if message is None or not message.text:
        return WHO
    # A phone number may be written with spaces, and a name is typed as a name ("Ann
    # Lee"): the whole text, not its first word.
    reference = " ".join(message.text.split())[:128]
    async with context.database.transaction() as session:
        found = await find_patients(session, context.settings, reference)
    if not found:
        await reply(update, context.content.text(Text.BOOK_UNKNOWN_PATIENT,
                                                 reference=reference))
        return WHO
    if len(found) > 1:
        await reply(update, context.content.text(
            Text.BOOK_WHICH_PATIENT, reference=reference,
            patients=Html("\n".join(f"• {patient_mention(one)}"
                                    for one in found[:MAX_NAMESAKES]))))
        return WHO
    patient = found[0]
    _draft(context)["who"] = f"#{patient.id}"  # this patient, whatever else is typed later
    _draft(context)["name"] = patient_mention(patient)
    today = context.clock.now().astimezone(context.settings.timezone).date()
    days = [today + timedelta(days=offset) for offset in range(DAYS_OFFERED)]
    buttons = [_button(f"{day:%a %d}", callbacks.BOOK_DAY, f"{day:%Y%m%d}") for day in days]
    await reply(update, context.content.text(Text.BOOK_ASK_DAY,
                                             patient=Html(_draft(context)["name"])),
                _with_stop(context, _rows(buttons, 7)))
    return DAY


async def got_day(update: Update, context: ClinicContext) -> int:
    query = update.callback_query
    if query is None or context.match is None:
        return DAY
    await query.answer()
    digits = context.match.group(1)
    try:
        day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return DAY  # forged data
    _draft(context)["day"] = day
    asked = context.content.text(Text.BOOK_ASK_TIME, day=context.content.day(day))
    await show_in_place(query, asked,
                        _with_stop(context, _rows(_time_buttons(context, day), 4)))
    return TIME


def _time_buttons(context: ClinicContext, day: date) -> list[InlineKeyboardButton]:
    zone = context.settings.timezone
    now = context.clock.now()
    slot = datetime.combine(day, FIRST_SLOT, zone)
    last = datetime.combine(day, LAST_SLOT, zone)
    buttons = []
    while slot <= last:
        # A slot the clocks skip or repeat that day is not offered
        # (bot/appointments/clinic_time.py).
        if slot > now and len(clinic_time.choices(slot.replace(tzinfo=None), zone)) == 1:
            buttons.append(_button(f"{slot:%H:%M}", callbacks.BOOK_TIME, f"{slot:%H%M}"))
        slot += timedelta(minutes=30)
    return buttons


async def got_time(update: Update, context: ClinicContext) -> int:
    query = update.callback_query
    message = update.effective_message
    if query is not None and context.match is not None:
        await query.answer()
        text = context.match.group(1)
    elif message is not None and message.text:
        text = message.text.strip().replace(":", "").replace(".", "")
    else:
        return TIME
    if not re.fullmatch(r"\d{3,4}", text) or int(text[:-2]) > 23 or int(text[-2:]) > 59:
        await reply(update, context.content.text(Text.BOOK_ASK_TIME_AGAIN))
        return TIME
    chosen = time(int(text[:-2]), int(text[-2:]))
    instant = clinic_time.clinic_instant(datetime.combine(_draft(context)["day"], chosen),
                                         context.settings.timezone)
    if isinstance(instant, TimeProblem):  # in the dialog: pick another time
        await reply(update, time_problem_text(context, instant))
        return TIME
    _draft(context)["time"] = chosen
    buttons = [_button(f"{minutes}′", callbacks.BOOK_LENGTH, minutes) for minutes in LENGTHS]
    await reply(update, context.content.text(Text.BOOK_ASK_LENGTH), _with_stop(context, [buttons]))
    return LENGTH


async def got_length(update: Update, context: ClinicContext) -> int:
    query = update.callback_query
    if query is None or context.match is None:
        return LENGTH
    await query.answer()
    minutes = int(context.match.group(1))
    if minutes not in LENGTHS:
        return LENGTH
    _draft(context)["minutes"] = minutes
    async with context.database.transaction() as session:
        names = await recent_practitioners(session, MAX_PRACTITIONERS)
    _draft(context)["names"] = names
    buttons = [_button(name[:60], callbacks.BOOK_WHO, index) for index, name in enumerate(names)]
    buttons.append(_button(context.content.text(Text.ANY_PRACTITIONER), callbacks.BOOK_WHO, "any"))
    await show_in_place(query, context.content.text(Text.BOOK_ASK_PRACTITIONER),
                        _with_stop(context, _rows(buttons, 2)))
    return PRACTITIONER


async def got_practitioner(update: Update, context: ClinicContext) -> int:
    query = update.callback_query
    message = update.effective_message
    draft = _draft(context)
    if query is not None and context.match is not None:
        await query.answer()
        choice = context.match.group(1)
        names: list[str] = draft.get("names", [])
        draft["practitioner"] = (names[int(choice)] if choice.isdigit()
                                 and int(choice) < len(names) else None)
    elif message is not None and message.text:
        draft["practitioner"] = message.text.strip()[:128] or None
    else:
        return PRACTITIONER
    starts_at = datetime.combine(draft["day"], draft["time"], context.settings.timezone)
    draft["starts_at"] = starts_at
    content = context.content
    summary = content.text(
        Text.BOOK_CONFIRM, patient=Html(draft["name"]),
        when=describe_time(starts_at, context.content, context.settings.timezone),
        minutes=draft["minutes"],
        practitioner=draft["practitioner"] or content.text(Text.ANY_PRACTITIONER))
    await reply(update, summary, _with_stop(context, [[_button(
        content.button(Button.BOOK_IT), callbacks.BOOK_YES)]]))
    return CONFIRM


def confirmed(finish: Finish) -> Callable[[Update, ClinicContext], Coroutine[Any, Any, int]]:
    async def book_it(update: Update, context: ClinicContext) -> int:
        query = update.callback_query
        if query is None:
            return CONFIRM
        await query.answer()
        draft = _draft(context)
        await replace_buttons(query, None)
        done = await finish(update, context, draft["who"], draft["starts_at"],
                            draft["minutes"], draft["practitioner"])
        if not done:
            return CONFIRM if draft["starts_at"] > context.clock.now() else END
        _draft(context).clear()
        return END
    return book_it


async def stop(update: Update, context: ClinicContext) -> int:
    query = update.callback_query
    if query is not None:
        await query.answer()
        await show_in_place(query, context.content.text(Text.BOOK_STOPPED), None)
    _draft(context).clear()
    return END


def conversation(finish: Finish, staff: StaffDoor) -> SharedConversation:
    """The dialog, each of its handlers behind the staff door."""
    def typed(callback: Any) -> BaseHandler[Update, ClinicContext, Any]:
        return staff.only(MessageHandler(filters.TEXT & ~filters.COMMAND, callback))

    def tap(pattern: re.Pattern[str], callback: Any) -> BaseHandler[Update, ClinicContext, Any]:
        return staff.only(CallbackQueryHandler(callback, pattern=pattern))

    def step(prefix: str, callback: Any) -> BaseHandler[Update, ClinicContext, Any]:
        return tap(callbacks.pattern(prefix, with_argument=True), callback)

    # per_message stays False: a tap is tracked per chat and user, not per message, which
    # is what a dialog mixing typing and taps needs (PTB's FAQ on the per_* settings; its
    # warning about it does not look inside StaffOnly).
    return SharedConversation(
        entry_points=[staff.only(CommandHandler("book", begin, has_args=False))],
        states={
            WHO: [typed(got_who)],
            DAY: [step(callbacks.BOOK_DAY, got_day)],
            TIME: [step(callbacks.BOOK_TIME, got_time), typed(got_time)],
            LENGTH: [step(callbacks.BOOK_LENGTH, got_length)],
            PRACTITIONER: [step(callbacks.BOOK_WHO, got_practitioner), typed(got_practitioner)],
            CONFIRM: [tap(callbacks.pattern(callbacks.BOOK_YES, with_argument=False),
                          confirmed(finish))],
        },
        fallbacks=[tap(callbacks.pattern(callbacks.BOOK_STOP, with_argument=False), stop)],
        timeout=DIALOG_TIMEOUT,
        draft_key=DRAFT,
        name="guided-book",
    )
