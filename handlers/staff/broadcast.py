"""Staff broadcasts (/broadcast, /broadcasts); patients' /stop for them is in
handlers/patients/privacy.py.

/broadcast TEXT (or /broadcast, then the text) shows the text exactly as patients will
see it, then a control message: who gets it (everyone who accepts updates, patients with
a session in the next 7 days, or one practitioner's), with the count for each, and Send /
Cancel. Send starts it once; the control message becomes the live progress and then
the report.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.appointments.rendering import describe_time
from bot.sending.broadcast_runner import launch, progress_text, report_text
from bot.services.context import ClinicApp, ClinicContext
from bot.services.dialogs import SharedConversation
from bot.texts import callbacks
from bot.texts.content import Html
from bot.texts.keys import Button, Text
from bot.texts.telegram_html import plain_text
from db import broadcasts
from db.models import Audience, Broadcast, BroadcastStatus, utcnow
from handlers.common import reply, show_in_place
from handlers.staff_door import StaffDoor

logger = logging.getLogger(__name__)

WAITING_FOR_TEXT = 0
MAX_PRACTITIONER_CHOICES = 6
LISTED_BROADCASTS = 10
LISTED_WORDS = 40
# A /broadcast waiting for its text forgets it after this.
DIALOG_TIMEOUT = timedelta(minutes=10)
MAX_MESSAGE_LENGTH = MessageLimit.MAX_TEXT_LENGTH
_COMMAND = re.compile(r"^/broadcast(@\w+)?\s*", re.IGNORECASE)


async def begin(update: Update, context: ClinicContext) -> int:
    """/broadcast with its text goes straight to the preview; without, asks for it."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    text = _COMMAND.sub("", message.text_html or "", count=1).strip()
    if not text:
        await reply(update, context.content.text(Text.BROADCAST_ASK_TEXT))
        return WAITING_FOR_TEXT
    await _preview(update, context, text)
    return ConversationHandler.END


async def got_text(update: Update, context: ClinicContext) -> int:
    message = update.effective_message
    if message is not None and message.text:
        await _preview(update, context, message.text_html)
    return ConversationHandler.END


async def _preview(update: Update, context: ClinicContext, text: str) -> None:
    user = update.effective_user
    assert user is not None
    async with context.database.transaction() as session:
        draft = await broadcasts.create_draft(session, text, user.id, utcnow())
    await reply(update, text)  # exactly as patients will see it
    control, keyboard = await _control(context, draft)
    await reply(update, control, keyboard)


async def _control(context: ClinicContext, draft: Broadcast
                   ) -> tuple[str, InlineKeyboardMarkup]:
    content = context.content
    now = context.clock.now()
    async with context.database.transaction() as session:
        names = await broadcasts.upcoming_practitioners(session, now, MAX_PRACTITIONER_CHOICES)
        choices = [(Audience.ALL, None, "a"), (Audience.WEEK, None, "w")] + [
            (Audience.PRACTITIONER, name, f"p{index}") for index, name in enumerate(names)]
        sizes = [await broadcasts.audience_size(session, audience, name, now)
                 for audience, name, _ in choices]
    rows = []
    chosen_count = 0
    for (audience, name, code), size in zip(choices, sizes, strict=True):
        chosen = audience == draft.audience and name == draft.practitioner
        chosen_count = size if chosen else chosen_count
        label = f"{'✓ ' if chosen else ''}{plain_text(_describe(context, audience, name))} ({size})"
        rows.append([InlineKeyboardButton(label[:64], callback_data=callbacks.data(
            callbacks.BROADCAST_AUDIENCE, f"{draft.id}_{code}"))])
    rows.append([
        InlineKeyboardButton(content.button(Button.SEND),
                             callback_data=callbacks.data(callbacks.BROADCAST_SEND, draft.id)),
        InlineKeyboardButton(content.button(Button.CANCEL_BROADCAST),
                             callback_data=callbacks.data(callbacks.BROADCAST_CANCEL, draft.id)),
    ])
    text = content.text(Text.BROADCAST_CONTROL, count=chosen_count,
                        audience=Html(_describe(context, Audience(draft.audience),
                                                draft.practitioner)))  # HTML already
    return text, InlineKeyboardMarkup(rows)


def _describe(context: ClinicContext, audience: Audience, practitioner: str | None) -> str:
    content = context.content
    if audience == Audience.WEEK:
        return content.text(Text.AUDIENCE_WEEK)
    if audience == Audience.PRACTITIONER:
        return content.text(Text.AUDIENCE_PRACTITIONER, practitioner=practitioner or "")
    return content.text(Text.AUDIENCE_ALL)


async def _answered(update: Update) -> bool:
    """Stop the tapped button's spinner; False if this was no tap."""
    query = update.callback_query
    if query is None:
        return False
    await query.answer()
    return True


async def choose_audience(update: Update, context: ClinicContext) -> None:
    if not await _answered(update) or context.match is None:
        return
    number, _, code = context.match.group(1).partition("_")
    if not number.isdigit():
        return
    now = context.clock.now()
    async with context.database.transaction() as session:
        names = await broadcasts.upcoming_practitioners(session, now, MAX_PRACTITIONER_CHOICES)
        if code == "w":
            audience, name = Audience.WEEK, None
        elif code.startswith("p") and code[1:].isdigit() and int(code[1:]) < len(names):
            audience, name = Audience.PRACTITIONER, names[int(code[1:])]
        else:
            audience, name = Audience.ALL, None
        changed = await broadcasts.choose_audience(session, int(number), audience, name)
        draft = await broadcasts.by_id(session, int(number))
    if changed and draft is not None and update.callback_query is not None:
        text, keyboard = await _control(context, draft)
        await show_in_place(update.callback_query, text, keyboard)


async def send(update: Update, context: ClinicContext) -> None:
    """Send, once: a second tap, or a tap on a cancelled draft, changes nothing."""
    query = update.callback_query
    number = callbacks.int_argument(context.match)
    if not await _answered(update) or query is None or number is None:
        return
    message, user = query.message, update.effective_user
    if message is None or user is None:
        return
    async with context.database.transaction() as session:
        # Sending is timed in real time; who has "a session in the next 7 days" is a
        # question of the clinic's time.
        count = await broadcasts.start(session, number, user.id, utcnow(), message.chat.id,
                                       message.message_id, audience_at=context.clock.now())
        broadcast = await broadcasts.by_id(session, number)
    if count is None or broadcast is None:
        await reply(update, context.content.text(Text.BROADCAST_NOT_DRAFT))
        return
    logger.info("Broadcast %d started by staff %d to %d patients", number, user.id, count)
    await show_in_place(query, progress_text(context.content, number, 0, count), None)
    launch(context, broadcast)


async def cancel(update: Update, context: ClinicContext) -> None:
    query = update.callback_query
    number = callbacks.int_argument(context.match)
    if not await _answered(update) or query is None or number is None:
        return
    async with context.database.transaction() as session:
        cancelled = await broadcasts.cancel_draft(session, number)
    if cancelled:
        await show_in_place(query, context.content.text(Text.BROADCAST_CANCELLED), None)


async def list_broadcasts(update: Update, context: ClinicContext) -> None:
    """The latest broadcasts, newest first, each with who sent it and its report."""
    content = context.content
    async with context.database.transaction() as session:
        past = await broadcasts.recent(session, LISTED_BROADCASTS)
        tallies = [await broadcasts.tally(session, broadcast.id) for broadcast in past]
    if not past:
        await reply(update, content.text(Text.BROADCASTS_EMPTY))
        return
    entries = []
    for broadcast, (statuses, reasons) in zip(past, tallies, strict=True):
        sender = broadcast.started_by or broadcast.created_by
        began = broadcast.started_at or broadcast.created_at
        took = ((broadcast.finished_at or utcnow()) - began).total_seconds()
        header = content.text(
            Text.BROADCASTS_ROW, number=broadcast.id,
            when=describe_time(began, context.content, context.settings.timezone),
            sender=Html(f'<a href="tg://user?id={sender}">{sender}</a>'),
            words=_shortened(plain_text(broadcast.text), LISTED_WORDS))
        entries.append(header + "\n" + report_text(
            context.content, broadcast, statuses, reasons, elapsed=took,
            final=broadcast.status == BroadcastStatus.DONE))
    listing = content.text(Text.BROADCASTS_HEADER)
    for entry in entries:  # newest first, as many as fit in one message
        if len(listing) + len(entry) + 2 > MAX_MESSAGE_LENGTH:
            break
        listing += "\n\n" + entry
    await reply(update, listing)


def _shortened(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def register(application: ClinicApp) -> None:
    staff = StaffDoor(application)
    staff.add(SharedConversation(
        entry_points=[staff.only(CommandHandler("broadcast", begin))],
        states={WAITING_FOR_TEXT: [staff.only(MessageHandler(filters.TEXT & ~filters.COMMAND,
                                                             got_text))]},
        fallbacks=[],
        timeout=DIALOG_TIMEOUT,
        allow_reentry=True,  # /broadcast again starts over
        name="broadcast-text",
    ))
    staff.add(CommandHandler("broadcasts", list_broadcasts))
    staff.add(CallbackQueryHandler(choose_audience, pattern=callbacks.pattern(
        callbacks.BROADCAST_AUDIENCE, with_argument=True)))
    for prefix, callback in ((callbacks.BROADCAST_SEND, send),
                             (callbacks.BROADCAST_CANCEL, cancel)):
        staff.add(CallbackQueryHandler(
            callback, pattern=callbacks.pattern(prefix, with_argument=True)))
