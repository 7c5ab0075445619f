"""Appointments from the staff chat: a staff member sends the clinic's CSV export to the
bot (in their private chat, or in the staff chat). The bot answers with a preview, what
a dry run found (rows that would be added, moved, updated, left as they are, refused,
with the first refused lines and why), and Import / Cancel. Import runs it with a live
count and ends with the report; the file's contents are kept in the database only
between the preview and the tap (any bot process may get it), then emptied.

Anyone else's files get the usual answer to a message the bot cannot read
(handlers/fallback.py). A file too big for a bot to download (20 MB) or not a CSV gets
a clear answer. In a group with privacy mode on, Telegram gives the bot a file only as a
reply to one of its messages (docs/importing.md).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path, PurePath
from typing import BinaryIO

from telegram import File, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram._utils.files import is_local_file
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.appointments.file_text import CHUNK_BYTES, FileText
from bot.appointments.import_reader import MAX_BYTES, AppointmentFile, ImportFileError
from bot.appointments.import_report import ImportReport
from bot.appointments.importer import import_appointments
from bot.core.settings import ClinicSettings
from bot.services.context import BotData, ClinicApp, ClinicContext
from bot.texts import callbacks
from bot.texts.keys import Button, Text
from bot.texts.telegram_html import plain_text
from db import imports
from db.models import ImportStatus
from handlers.common import reply, show_in_place
from handlers.staff_door import StaffDoor

logger = logging.getLogger(__name__)

READ_AS_TEXT = {".csv", ".txt", ".tsv"}
TEXT_TYPES = {"text/csv", "text/plain", "text/tab-separated-values", "application/csv",
              "application/vnd.ms-excel"}  # the type Windows gives a .csv
PREVIEW_VALID_FOR = timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)
PROGRESS_EVERY = 2.0  # seconds between edits of the live count
PROBLEMS_SHOWN = 5
PROBLEM_CHARS = 160
PART_BYTES = 1 << 20  # the file is stored in parts of this size


def _read(binary: BinaryIO, settings: ClinicSettings) -> AppointmentFile:
    text = FileText(binary)
    return AppointmentFile(text.pieces, text.encoding.name, settings)


def _copy(path: Path, out: BinaryIO) -> None:
    with path.open("rb") as source:
        shutil.copyfileobj(source, out, CHUNK_BYTES)


async def _download(context: ClinicContext, telegram_file: File, out: BinaryIO) -> None:
    """The file into `out` as it arrives: from disk when the Bot API server is local, else
    streamed by the bot's own transport (PTB's httpx fallback holds it whole)."""
    path = telegram_file.file_path
    if path and is_local_file(path):
        await asyncio.to_thread(_copy, Path(path), out)
        return
    # The bot's own transport (bot/sending/aiohttp_request.py) streams; looked up by name,
    # so this module does not load aiohttp when the httpx transport is chosen.
    streamed = getattr(context.bot.request, "download", None)
    if path and streamed is not None:
        await streamed(path, out, most_bytes=MAX_BYTES)
    else:
        await telegram_file.download_to_memory(out)


def _report_text(report: ImportReport) -> str:
    return report.summary(PROBLEMS_SHOWN, PROBLEM_CHARS)


async def received_file(update: Update, context: ClinicContext) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or message.document is None or user is None:
        return
    document = message.document
    content = context.content
    name = document.file_name or "the file"
    if (document.file_size or 0) > MAX_BYTES:
        await reply(update, content.text(Text.IMPORT_TOO_BIG, megabytes=MAX_BYTES // 2**20))
        return
    if PurePath(name.lower()).suffix not in READ_AS_TEXT and (
            document.mime_type or "") not in TEXT_TYPES:
        await reply(update, content.text(Text.IMPORT_WRONG_TYPE))
        return
    with tempfile.TemporaryFile() as binary:
        try:
            telegram_file = await context.bot.get_file(document.file_id)
            await _download(context, telegram_file, binary)
            file = await asyncio.to_thread(_read, binary, context.settings)
            now = context.clock.now()
            report = await import_appointments(context.database, context.settings, file,
                                               now, dry_run=True)
        except ImportFileError as error:
            await reply(update, content.text(Text.IMPORT_UNUSABLE, file=name, reason=str(error)))
            return
        except TelegramError as error:
            logger.warning("A staff member's file could not be downloaded: %s", error)
            await reply(update, content.text(Text.IMPORT_TOO_BIG, megabytes=MAX_BYTES // 2**20)
                        if "too big" in str(error) else content.text(Text.SOMETHING_WENT_WRONG))
            return
        async with context.database.transaction() as session:
            await imports.forget_before(session, now - FORGET_AFTER)
            import_id = await imports.keep(session, user.id, name, file.encoding, now)
            binary.seek(0)
            number = 0
            while data := binary.read(PART_BYTES):
                await imports.add_part(session, import_id, number, data)
                number += 1
    logger.info("Import file %d previewed: %d rows", import_id, report.read or 0)
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(content.button(Button.IMPORT_IT),
                             callback_data=callbacks.data(callbacks.IMPORT_GO, import_id)),
        InlineKeyboardButton(content.button(Button.CANCEL_IMPORT),
                             callback_data=callbacks.data(callbacks.IMPORT_STOP, import_id)),
    ]])
    await reply(update, content.text(Text.IMPORT_PREVIEW, file=name, rows=report.read or 0,
                                     report=_report_text(report)), keyboard)


async def tapped(update: Update, context: ClinicContext) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None or context.match is None:
        return
    import_id = callbacks.int_argument(context.match)
    go = query.data is not None and query.data.startswith(callbacks.IMPORT_GO + ":")
    content = context.content
    pending = None
    if import_id is not None:
        # Only the staff member who sent the file can import or cancel it: that is whose
        # preview it is, not who is staff (the door saw to that).
        async with context.database.transaction() as session:
            pending = await imports.take(
                session, import_id, user.id,
                ImportStatus.RUNNING if go else ImportStatus.CANCELLED,
                context.clock.now() - PREVIEW_VALID_FOR)
    if pending is None:  # a second tap, or an old preview: the message stays as it is
        await query.answer(plain_text(content.text(Text.IMPORT_GONE))[:200], show_alert=True)
        return
    await query.answer()
    if not go:
        async with context.database.transaction() as session:
            await imports.finish(session, pending.id, ImportStatus.CANCELLED)
        await show_in_place(query, content.text(Text.IMPORT_CANCELLED,
                                                file=pending.file_name), None)
        return
    assert isinstance(query.message, Message)
    data = context.bot_data
    task = asyncio.create_task(_run(data, context, query.message, pending.id,
                                    pending.file_name))
    data.running.keep(task)


async def _run(data: BotData, context: ClinicContext, message: Message, import_id: int,
               file_name: str) -> None:
    """The import, the control message showing its count and then its report."""
    content = data.services.contents.staff
    shown = 0.0
    done = total = 0

    async def progress(rows_done: int, rows: int) -> None:
        nonlocal shown, done, total
        done, total = rows_done, rows
        if time.monotonic() - shown >= PROGRESS_EVERY:
            shown = time.monotonic()
            await _edit(message, content.text(Text.IMPORT_RUNNING, file=file_name,
                                              done=rows_done, total=rows))

    try:
        with tempfile.TemporaryFile() as binary:
            async with data.services.database.transaction() as session:
                for number in range(await imports.part_count(session, import_id)):
                    binary.write(await imports.part(session, import_id, number))
            file = await asyncio.to_thread(_read, binary, data.settings)
            report = await import_appointments(data.services.database, data.settings, file,
                                               data.services.clock.now(), progress=progress)
    except asyncio.CancelledError:  # the bot is stopping
        await _edit(message, content.text(Text.IMPORT_FAILED, file=file_name, done=done,
                                          total=total))
        raise
    except Exception as error:  # the staff member hears of it; the log has the kind
        logger.error("Import file %d stopped after %d rows: %s", import_id, done,
                     type(error).__name__)
        await _edit(message, content.text(Text.IMPORT_FAILED, file=file_name, done=done,
                                          total=total))
        status = ImportStatus.CANCELLED
    else:
        logger.info("Import file %d done: %d added, %d moved, %d refused", import_id,
                    report.added, report.moved, report.problem_count)
        await _edit(message, content.text(Text.IMPORT_DONE, file=file_name,
                                          report=_report_text(report)))
        status = ImportStatus.DONE
    async with data.services.database.transaction() as session:
        await imports.finish(session, import_id, status)


async def _edit(message: Message, text: str) -> None:
    try:
        await message.edit_text(text, reply_markup=None)
    except TelegramError as error:  # the count is a courtesy; the report says the rest
        logger.warning("Could not update an import's message: %s", error)


def register(application: ClinicApp) -> None:
    settings = application.bot_data.settings
    staff = StaffDoor(application)
    # Where a file is taken as an import, not who may send one: a staff member's file in
    # some other group is not meant for the clinic's schedule.
    where: filters.BaseFilter = filters.ChatType.PRIVATE
    if settings.staff_chat_id is not None:
        where = where | filters.Chat(chat_id=settings.staff_chat_id)
    staff.add(MessageHandler(filters.Document.ALL & where, received_file))
    for prefix in (callbacks.IMPORT_GO, callbacks.IMPORT_STOP):
        staff.add(CallbackQueryHandler(
            tapped, pattern=callbacks.pattern(prefix, with_argument=True)))
