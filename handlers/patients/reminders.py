"""The reminder's buttons: Confirm, Reschedule, and Cancel after an "are you sure?".

A reminder is for a visit: the tapped session and the patient's later sessions that day
(two sessions on one day share one reminder), so Confirm and Cancel act on them all.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.appointments import booking
from bot.appointments.rendering import describe_time, describe_visit, same_day_visit
from bot.services.context import ClinicApp, ClinicContext
from bot.texts import callbacks, keyboards
from bot.texts.content import Html
from bot.texts.keys import Text
from db.appointments import record_answer
from db.models import Appointment
from handlers.common import (
    own_open_appointment,
    patient_mention,
    replace_buttons,
    reply,
    tell_staff,
)

logger = logging.getLogger(__name__)


async def _drop_buttons(update: Update) -> None:
    if update.callback_query is not None:
        await replace_buttons(update.callback_query, None)


async def _visit(context: ClinicContext, appointment: Appointment) -> list[Appointment]:
    async with context.database.transaction() as session:
        day = await same_day_visit(session, context.settings.timezone, appointment)
    return [other for other in day if other.starts_at >= appointment.starts_at] or [appointment]


async def confirm(update: Update, context: ClinicContext) -> None:
    """Record that the patient is coming, and thank them."""
    found = await own_open_appointment(update, context)
    if found is None:
        return
    visit = await _visit(context, found[0])
    async with context.database.transaction() as session:
        for appointment in visit:
            await record_answer(session, appointment.id, "confirmed_at", context.clock.now())
    logger.info("Appointment %d confirmed", found[0].id)
    await _drop_buttons(update)
    await reply(update, context.content.text(
        Text.CONFIRMED, when=describe_visit(visit, context.content, context.settings.timezone)[0]))


async def reschedule(update: Update, context: ClinicContext) -> None:
    """Tell the staff the patient wants another time; staff take it from there."""
    found = await own_open_appointment(update, context)
    if found is None:
        return
    appointment, patient = found
    async with context.database.transaction() as session:
        first = await record_answer(session, appointment.id, "reschedule_requested_at",
                                    context.clock.now())
    staff = context.staff_content
    when = describe_time(appointment.starts_at, staff, context.settings.timezone)
    told = not first or await tell_staff(context, staff.text(
        Text.STAFF_RESCHEDULE_REQUEST, patient=Html(patient_mention(patient, context.contents)),
        when=when))
    logger.info("Appointment %d: reschedule requested", appointment.id)
    await reply(update, context.content.text(
        Text.RESCHEDULE_PASSED_ON if told else Text.RESCHEDULE_CONTACT_CLINIC))


async def ask_to_cancel(update: Update, context: ClinicContext) -> None:
    """One more tap before cancelling: show Yes / No in place of the buttons."""
    found = await own_open_appointment(update, context)
    if found is None:
        return
    appointment, _ = found
    visit = await _visit(context, appointment)
    when = describe_visit(visit, context.content, context.settings.timezone)[0]
    await reply(update, context.content.text(Text.CANCEL_ARE_YOU_SURE, when=when),
        keyboards.cancel_are_you_sure(context.content, appointment.id))


async def cancel(update: Update, context: ClinicContext) -> None:
    """Cancel the appointment and its later messages, and tell the staff."""
    found = await own_open_appointment(update, context)
    if found is None:
        return
    appointment, patient = found
    visit = await _visit(context, appointment)
    async with context.database.transaction() as session:
        cancelled = [(await booking.cancel(session, context.settings, other.id, context.clock.now(),
                                           by_patient=True))[0] for other in visit]
    await _drop_buttons(update)
    if not any(cancelled):
        return
    logger.info("Appointment %d cancelled by the patient", appointment.id)
    staff = context.staff_content
    await tell_staff(context, staff.text(
        Text.STAFF_CANCELLED, patient=Html(patient_mention(patient, context.contents)),
        when=describe_visit(visit, staff, context.settings.timezone)[0]))
    when = describe_visit(visit, context.content, context.settings.timezone)[0]
    await reply(update, context.content.text(Text.CANCELLED, when=when))


async def keep(update: Update, context: ClinicContext) -> None:
    """The patient changed their mind about cancelling: nothing changes."""
    if await own_open_appointment(update, context) is not None:
        await _drop_buttons(update)


def register(application: ClinicApp) -> None:
    for prefix, callback in ((callbacks.CONFIRM, confirm), (callbacks.RESCHEDULE, reschedule),
                             (callbacks.CANCEL, ask_to_cancel), (callbacks.CANCEL_SURE, cancel),
                             (callbacks.KEEP, keep)):
        application.add_handler(CallbackQueryHandler(
            callback, pattern=callbacks.pattern(prefix, with_argument=True)))
