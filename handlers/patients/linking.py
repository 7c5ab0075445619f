"""Linking patients to the clinic's records: staff /invite links, and the phone number a
patient shares with Telegram's contact button. (Opening an invite is /start TOKEN, in
handlers/patients/start.py.)"""

from __future__ import annotations

import logging
import secrets

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.appointments.phones import normalize_phone, telegram_contact_phone
from bot.services.context import ClinicApp, ClinicContext
from bot.texts.keys import Text
from db.appointments import patient_by_phone
from db.linking import Linked, create_invite, link_phone, upcoming_count
from db.patients import add_patient_by_phone, register_patient
from handlers.common import profile_of, reply
from handlers.staff_door import StaffDoor

logger = logging.getLogger(__name__)

# 16 random bytes: unguessable, and 22 characters, well inside a deep link's 64.
TOKEN_BYTES = 16


async def invite(update: Update, context: ClinicContext) -> None:
    """/invite NAME PHONE: a single-use link that ties a Telegram account to the record."""
    content = context.content
    args = context.args or []
    split = next((i for i, arg in enumerate(args) if arg.startswith(("+", "0"))), None)
    name = " ".join(args[:split])[:128] if split else ""
    phone = (normalize_phone(" ".join(args[split:]), context.settings.phone_region)
             if split else None)
    user = update.effective_user
    if not name or phone is None or user is None:
        await reply(update, content.text(Text.INVITE_USAGE))
        return
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = context.clock.now()
    async with context.database.transaction() as session:
        patient = await patient_by_phone(session, phone) or await add_patient_by_phone(
            session, name, phone, now)
        if patient.telegram_user_id is None:
            await create_invite(session, patient.id, token, user.id, now)
    if patient.telegram_user_id is not None:
        await reply(update, content.text(Text.INVITE_ALREADY_LINKED, patient=patient.first_name))
        return
    logger.info("Invite created for patient %d", patient.id)
    link = f"https://t.me/{context.bot.username}?start={token}"
    await reply(update, content.text(Text.INVITE_CREATED, patient=name, link=link))


async def shared_contact(update: Update, context: ClinicContext) -> None:
    """The patient tapped "Share my phone number": link their clinic record, if any."""
    profile = profile_of(update)
    message = update.effective_message
    if profile is None or message is None or message.contact is None:
        return
    content = context.content
    done = ReplyKeyboardRemove()
    phone = telegram_contact_phone(message.contact.phone_number)
    if message.contact.user_id != profile.user_id or phone is None:
        # Someone else's contact card: it proves nothing about this patient.
        await reply(update, content.text(Text.PHONE_NOT_OWN), done)
        return
    now = context.clock.now()
    async with context.database.transaction() as session:
        patient = await register_patient(session, profile, now)
        linked = await link_phone(session, patient, phone)
        upcoming = await upcoming_count(session, patient.id, now)
    logger.info("Patient %d shared their phone: %s", patient.id, linked)
    if linked == Linked.TAKEN:
        await reply(update, content.text(Text.PHONE_TAKEN), done)
    elif linked == Linked.LINKED or upcoming:
        await reply(update, content.text(Text.INVITE_LINKED, count=upcoming), done)
    else:
        await reply(update, content.text(Text.PHONE_SAVED), done)


def register(application: ClinicApp) -> None:
    StaffDoor(application).add(CommandHandler("invite", invite))
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.CONTACT,
        shared_contact))
