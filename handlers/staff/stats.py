"""/stats [PRACTITIONER]: the last four weeks as a picture for staff (appointments by how
patients answered, check-ins and their soreness, warning-sign alerts), with a short
summary and the questions the FAQ could not answer. The same goes weekly to the staff
chat with WEEKLY_DIGEST (bot/appointments/weekly_report.py)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler

from bot.appointments.weekly_report import weekly_report
from bot.services.context import ClinicApp, ClinicContext
from handlers.common import reply
from handlers.staff_door import StaffDoor

logger = logging.getLogger(__name__)


async def stats(update: Update, context: ClinicContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    practitioner = " ".join(context.args or []).strip()[:128] or None
    report = await weekly_report(context.bot_data, practitioner)
    await chat.send_photo(report.chart)
    await reply(update, report.summary)
    logger.info("Stats sent to staff")


def register(application: ClinicApp) -> None:
    StaffDoor(application).add(CommandHandler("stats", stats))
