"""The safety net: everything a patient sends is read first, before any feature.

Whatever a patient writes (or says under a photo), whenever they write it, with or without
an appointment, consent or check-in, the reader (`bot/understanding/screen.py`) decides
what it calls for, and this carries it out:
- an emergency: "call {emergency_number} now" (the kind crisis text, with CRISIS_LINE, for
  thoughts of suicide or self-harm);
- half sure of an emergency: one tap, "Is this happening now?", whose "Yes" gets the
  emergency answer and "No" a word on what to do if it starts;
- a same-day sign: "contact the clinic today";
- what the bot cannot read with confidence (the patient's own body now, another
  language, and every photo, voice note, video or file): "I've passed this to the team;
  if it is urgent, call ...".
Each reaches the staff chat (`handlers/safety_alerts.py`), and the message goes no
further, so it never gets an FAQ answer instead. Anything less (a question about risk,
history worth telling the practitioner, an everyday question) goes on to
`handlers/patients/questions.py`. Runs in group -1, before every feature.

The patient hears first, and the staff alert goes out in the background. More from the same
patient within `MERGE_WINDOW` joins the same alert, which is edited. Staff members are not
screened: their messages are dialog input (a broadcast saying "stay home if you have a
fever" is not a warning sign).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import cast

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot.services.context import ClinicApp, ClinicContext
from bot.texts import callbacks, keyboards
from bot.texts.keys import Text
from bot.texts.translations import base_language
from bot.understanding.policy import Decision, Outcome
from db.patients import register_patient
from db.safety import add_to_alert, answer_happening_now, open_alert, quote, quotes_of, start_alert
from handlers.common import profile_of, replace_buttons, reply
from handlers.safety_alerts import keep_staff_told, retell_staff

logger = logging.getLogger(__name__)

# Further messages from a patient within this time join their open alert.
MERGE_WINDOW = timedelta(minutes=10)
# What the bot cannot read itself, each with the word staff read for it.
_MEDIA = (("photo", Text.MEDIA_PHOTO), ("voice", Text.MEDIA_VOICE),
          ("video_note", Text.MEDIA_VIDEO_NOTE), ("video", Text.MEDIA_VIDEO),
          ("audio", Text.MEDIA_AUDIO), ("animation", Text.MEDIA_VIDEO),
          ("document", Text.MEDIA_FILE))
_ANSWERS = {  # (outcome, crisis) -> the answer with the staff told, and without
    (Outcome.EMERGENCY, False): (Text.SAFETY_EMERGENCY, Text.SAFETY_EMERGENCY_CALL_US),
    (Outcome.EMERGENCY, True): (Text.SAFETY_CRISIS, Text.SAFETY_CRISIS_CALL_US),
    (Outcome.CONFIRM, False): (Text.SAFETY_CONFIRM, Text.SAFETY_CONFIRM_CALL_US),
    (Outcome.SAME_DAY, False): (Text.SAFETY_SAME_DAY, Text.SAFETY_SAME_DAY_CALL_US),
    (Outcome.LOOK, False): (Text.SAFETY_LOOK, Text.SAFETY_LOOK_CALL_US),
}


async def screen(update: Update, context: ClinicContext) -> None:
    """Read what a patient sent; answer it here when it needs a person, and stop it."""
    profile = profile_of(update)
    message = update.effective_message
    if profile is None or message is None or context.settings.is_staff(profile.user_id):
        return
    text = message.text or message.caption or ""
    media = _media_of(context, message)
    decision = _read(context, text)
    contents = context.bot_data.services.contents
    if decision.foreign and not decision.language:
        # Too short or too mixed for the model: the language the patient's Telegram is set
        # to, when the bot has a text in it.
        told = base_language(profile.language_code)
        if told in contents.reading.other_languages or contents.offers(told):
            decision = replace(decision, language=told)
    if media and decision.outcome < Outcome.LOOK:
        decision = Decision(Outcome.LOOK, why=media)
    if decision.outcome < Outcome.LOOK:
        return
    # Thoughts of suicide are answered with the crisis line, never with a question.
    outcome = Outcome.EMERGENCY if decision.crisis else decision.outcome
    now = context.clock.now()
    signs = list(decision.signs) or [_why(context, decision)]
    async with context.database.transaction() as session:
        patient = await register_patient(session, profile, now)
        alert = await open_alert(session, patient.id, now - MERGE_WINDOW)
        answered = alert is not None and any(item.message_id == message.message_id
                                             for item in quotes_of(alert))
        said = quote(text, message.message_id, now, media)
        if alert is None:
            alert = await start_alert(session, patient.id, outcome.name, signs, said, now,
                                      crisis=decision.crisis)
        elif not answered:
            tier = max(Outcome[alert.tier], outcome)
            await add_to_alert(session, alert, tier.name, signs, said, now,
                               crisis=decision.crisis)
    if answered:
        raise ApplicationHandlerStop  # an edit of a message already answered
    staff_chat_set = context.settings.staff_chat_id is not None
    told, call_us = _ANSWERS[(outcome, decision.crisis)]
    if outcome == Outcome.LOOK and media:
        told, call_us = Text.SAFETY_LOOK_MEDIA, Text.SAFETY_LOOK_MEDIA_CALL_US
    content = context.content
    keyboard: InlineKeyboardMarkup | None = None
    if outcome == Outcome.CONFIRM:
        keyboard = keyboards.happening_now(content, alert.id)
    elif decision.language != content.language and contents.offers(decision.language):
        # Written in another language the clinic offers: answered in it, with the offer
        # to keep to it.
        content = contents.of(decision.language)
        keyboard = keyboards.switch_language(content)
    answer = content.text(told if staff_chat_set else call_us)
    if outcome == Outcome.LOOK and decision.language and staff_chat_set \
            and not contents.offers(decision.language):
        # Written in a language the clinic does not offer: the fixed safe text in it first
        # (it says the team has the message, so only when they do), then the clinic's.
        theirs = contents.reading.in_other_language(decision.language)
        answer = answer if theirs is None else f"{theirs}\n\n{answer}"
    await reply(update, answer, keyboard)
    logger.warning("Safety net (%s) for patient %d, alert %d", outcome.name.lower(),
                   patient.id, alert.id)
    if staff_chat_set:
        keep_staff_told(cast(ClinicApp, context.application), alert.id)
    raise ApplicationHandlerStop


def _read(context: ClinicContext, text: str) -> Decision:
    """What the message calls for; if reading it fails, a person reads it instead."""
    if not text.strip():
        return Decision(Outcome.NOTHING)
    try:
        return context.reader.read(text).decision
    except Exception:
        logger.exception("Reading a patient's message failed; it goes to the staff chat")
        return Decision(Outcome.LOOK,
                        why=context.staff_content.text(Text.SAFETY_READING_FAILED))


def _why(context: ClinicContext, decision: Decision) -> str:
    """Why staff should look, with the language named when the bot could tell it."""
    language = context.bot_data.services.contents.reading.other_languages.get(
        decision.language)
    return decision.why if language is None else f"{decision.why} ({language.name})"


def _media_of(context: ClinicContext, message: Message) -> str:
    """What kind of thing the bot cannot read this message carries, in staff's words; ""
    for none."""
    for attribute, text in _MEDIA:
        if getattr(message, attribute, None):
            return context.staff_content.text(text)
    return ""


async def happening_now(update: Update, context: ClinicContext) -> None:
    """The patient's tap on "Is this happening now?": yes gets the emergency answer, no a
    word on what to do if it starts; staff see the answer in the alert. Only the alert's
    own patient is heard, and only their first tap."""
    query = update.callback_query
    profile = profile_of(update)
    if query is None or profile is None or query.data is None:
        return
    await query.answer()
    alert_id = callbacks.int_argument(context.match)
    if alert_id is None:
        return
    yes = query.data.startswith(callbacks.HAPPENING_NOW + ":")
    async with context.database.transaction() as session:
        first = await answer_happening_now(session, alert_id, profile.user_id,
                                           "yes" if yes else "no",
                                           Outcome.EMERGENCY.name if yes else None,
                                           context.clock.now())
    if not first:
        return  # not theirs, answered already, or deleted with /forget
    await replace_buttons(query, None)
    staff_chat_set = context.settings.staff_chat_id is not None
    if yes:
        text = Text.SAFETY_EMERGENCY if staff_chat_set else Text.SAFETY_EMERGENCY_CALL_US
    else:
        text = Text.SAFETY_NOT_NOW if staff_chat_set else Text.SAFETY_NOT_NOW_CALL_US
    await reply(update, context.content.text(text))
    if staff_chat_set:
        keep_staff_told(cast(ClinicApp, context.application), alert_id)


def register(application: ClinicApp) -> None:
    sent = (filters.ChatType.PRIVATE
            & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE)
            & ~filters.COMMAND
            & (filters.TEXT | filters.CAPTION | filters.PHOTO | filters.VOICE | filters.VIDEO
               | filters.VIDEO_NOTE | filters.AUDIO | filters.ANIMATION
               | filters.Document.ALL))
    # Group -1 runs before every feature in the default group; it stops the update there
    # only when it answered it.
    application.add_handler(MessageHandler(sent, screen), group=-1)
    for prefix in (callbacks.HAPPENING_NOW, callbacks.NOT_NOW):
        application.add_handler(CallbackQueryHandler(
            happening_now, pattern=callbacks.pattern(prefix, with_argument=True)))
    assert application.job_queue is not None
    application.job_queue.run_once(retell_staff, when=0, name="safety-alerts:retell")
