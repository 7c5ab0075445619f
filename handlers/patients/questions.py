"""Questions in the patient's own words, and "That didn't help", which asks a person.

The safety net (`handlers/safety.py`) has read the message first and answered whatever
needed a person. What is left is answered here from the same reading: a question about
risk, in general or "is it safe for me, given X", gets the risks topic; the patient's
history worth knowing gets a note to tell their practitioner; anything else gets the FAQ's
best topic, or, when nothing fits (or it is something the FAQ leaves to staff, like
prices), the offer of a person.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.services.context import ClinicApp, ClinicContext
from bot.texts import callbacks, keyboards
from bot.texts.content import Html
from bot.texts.content_files import RISKS_TOPIC
from bot.texts.keys import Text
from bot.understanding.faq_search import normalize
from bot.understanding.policy import Outcome
from db.models import Patient, PatientQuestion
from db.patients import register_patient
from db.questions import (
    TypedQuestion,
    claim_for_staff,
    is_own_question,
    link_staff_message,
    release_claim,
)
from handlers.common import patient_mention, profile_of, reply, tell_staff

logger = logging.getLogger(__name__)

# Longer than any real question; such texts get a polite request to keep it short.
MAX_QUESTION_CHARS = 500


async def answer_question(update: Update, context: ClinicContext) -> None:
    """Answer a typed question with the best FAQ topic, or say we will find out."""
    profile = profile_of(update)
    message = update.effective_message
    if profile is None or message is None or not message.text:
        return
    content = context.content
    text = message.text.strip()
    if len(text) > MAX_QUESTION_CHARS:
        await reply(update, content.text(Text.QUESTION_TOO_LONG))
        return
    verdict = context.reader.read(text)
    match = verdict.faq
    risks = content.topic(RISKS_TOPIC)
    topic, alternatives = match.topic, match.alternatives
    if verdict.outcome in {Outcome.RISKS, Outcome.HISTORY} and risks is not None:
        topic, alternatives = risks, ()
    now = context.clock.now()
    kept = await context.questions.submit(TypedQuestion(
        profile=profile, text=text, normalized=normalize(text),
        matched_topic=topic.id if topic else None, asked_at=now))
    patient_id, question_id = kept.patient_id, kept.question_id
    logger.info("Question %d from patient %d: %s, topic %s", question_id, patient_id,
                verdict.outcome.name.lower(), topic.id if topic else "none")
    if verdict.outcome == Outcome.HISTORY and topic is not None:
        await reply(update, content.text(Text.SAFETY_HISTORY),
                    keyboards.typed_answer(content, topic, (topic,), question_id))
        return
    if topic is None:
        await reply(update, content.text(Text.FALLBACK), keyboards.fallback(content, question_id))
        return
    answer = content.answer(topic)
    if alternatives:
        answer = f"{answer}\n\n<i>{content.text(Text.DID_YOU_MEAN)}</i>"
    await reply(update, answer, keyboards.typed_answer(content, topic, alternatives, question_id))


async def not_helpful(update: Update, context: ClinicContext) -> None:
    """Pass the patient's question to the staff chat, once, and tell the patient."""
    query = update.callback_query
    profile = profile_of(update)
    if query is None or profile is None:
        return
    await query.answer()
    question_id = callbacks.int_argument(context.match)
    if question_id is None:
        return
    content = context.content
    now = context.clock.now()
    async with context.database.transaction() as session:
        patient = await register_patient(session, profile, now)
        question = await claim_for_staff(session, question_id, profile.user_id, now)
        already = question is None and await is_own_question(session, question_id,
                                                             profile.user_id)
    if question is None:
        if already:
            await reply(update, content.text(Text.HANDED_TO_STAFF_ALREADY))
        # Otherwise the id is not this patient's: say nothing about it.
        return
    if await _hand_to_staff(context, question, patient):
        await reply(update, content.text(Text.HANDED_TO_STAFF))
        return
    if context.settings.staff_chat_id is not None:
        # The staff message did not go out: let the patient try again later.
        async with context.database.transaction() as session:
            await release_claim(session, question.id)
    await reply(update, content.text(Text.NOTED_NO_STAFF_CHAT))


async def _hand_to_staff(
    context: ClinicContext, question: PatientQuestion, patient: Patient
) -> bool:
    content = context.staff_content
    topic = content.topic(question.matched_topic or "")
    text = content.text(
        Text.STAFF_QUESTION,
        patient=Html(patient_mention(patient, context.contents)),
        question=question.text,
        topic=topic.title if topic else content.text(Text.NO_TOPIC),
    )
    sent = await tell_staff(context, text)
    if sent is None:
        return False
    async with context.database.transaction() as session:
        await link_staff_message(session, question.id, sent.chat_id, sent.message_id)
    logger.info("Question %d handed to the staff chat", question.id)
    return True


def register(application: ClinicApp) -> None:
    # Only new messages: an edited question is not asked again.
    typed = (filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT
             & ~filters.COMMAND)
    application.add_handler(MessageHandler(typed, answer_question))
    application.add_handler(CallbackQueryHandler(
        not_helpful, pattern=callbacks.pattern(callbacks.NOT_HELPFUL, with_argument=True)))
