""""That didn't help", the staff chat, replies relayed to the patient, and /unanswered."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.stand_in import ApiError, BotMessage, Chat, TelegramStub
from db.models import Patient, PatientQuestion, QuestionStatus
from tests.support.bots import CLINIC_CONTACT, STAFF_CHAT_ID, Clinic, SettingsFactory, running_bot


async def hand_over(patient: Chat, staff: Chat, question: str, button: str) -> BotMessage:
    """The patient asks, taps `button` under the answer; returns what reached the staff."""
    answer = await patient.ask(question)
    await patient.tap(answer, button)
    await patient.next_message()
    return await staff.next_message()


async def staff_replies(clinic: Clinic, staff: Chat, forwarded: BotMessage, text: str) -> None:
    """A staff member answers with Telegram's Reply on the forwarded question."""
    await clinic.telegram.user_sends(
        staff.user, text, chat=staff.chat,
        reply_to_message={"message_id": forwarded.message_id, "chat": staff.chat, "date": 0})


async def questions(clinic: Clinic) -> list[PatientQuestion]:
    async with clinic.application.bot_data.services.database.transaction() as session:
        return list(await session.scalars(select(PatientQuestion).order_by(PatientQuestion.id)))


async def test_that_didnt_help_hands_the_question_to_staff_once(clinic: Clinic) -> None:
    ann = clinic.patient("Ann", last_name="<Lee>", username="ann_lee")
    staff = clinic.staff_chat()
    answer = await ann.ask("does it hurt with a needle phobia?")

    await ann.tap(answer, "That didn't help")
    told = await ann.next_message()
    forwarded = await staff.next_message()

    assert "passed your question" in told.plain and "a person will reply" in told.plain
    assert "does it hurt with a needle phobia?" in forwarded.plain
    assert "Ann <Lee> (@ann_lee)" in forwarded.plain
    assert f'tg://user?id={ann.user.id}' in forwarded.text
    assert "What happens in a session?" in forwarded.plain
    [question] = await questions(clinic)
    assert question.status == QuestionStatus.UNHELPFUL
    assert question.staff_message_id == forwarded.message_id

    await ann.tap(answer, "That didn't help")
    again = await ann.next_message()
    assert "already with the team" in again.plain
    await staff.no_reply()


async def test_a_staff_reply_to_the_forwarded_question_reaches_the_patient(
    clinic: Clinic,
) -> None:
    ann = clinic.patient()
    staff = clinic.staff_chat()
    forwarded = await hand_over(ann, staff, "Can I bring my dog?", "Ask a person")

    await staff_replies(clinic, staff, forwarded, "Yes, small dogs are welcome <3 & so are cats")
    relayed = await ann.next_message()
    confirmed = await staff.next_message()

    assert "Lotus & Pine Clinic replied" in relayed.plain
    assert "Yes, small dogs are welcome <3 & so are cats" in relayed.plain
    assert "Sent to the patient" in confirmed.plain
    [question] = await questions(clinic)
    assert question.staff_replied_at is not None


async def test_a_reply_to_a_patient_who_blocked_the_bot_tells_staff(clinic: Clinic) -> None:
    ann = clinic.patient()
    staff = clinic.staff_chat()
    forwarded = await hand_over(ann, staff, "is it safe?", "That didn't help")
    clinic.telegram.block(ann.user)

    await staff_replies(clinic, staff, forwarded, "Happy to talk it through")
    notice = await staff.next_message()

    assert "Could not deliver" in notice.plain
    async with clinic.application.bot_data.services.database.transaction() as session:
        patient = await session.scalar(
            select(Patient).where(Patient.telegram_user_id == ann.user.id))
    assert patient is not None and patient.unreachable_at is not None


async def test_another_patients_question_id_does_nothing(clinic: Clinic) -> None:
    ann, bob = clinic.patient("Ann"), clinic.patient("Bob")
    answer = await ann.ask("is it safe?")
    question_id = int(ann.data_for(answer, "That didn't help").split(":")[1])

    reply = await bob.forge(f"nohelp:{question_id}")

    assert reply.get("text") is None
    await bob.no_reply()
    await clinic.staff_chat().no_reply()
    [question] = await questions(clinic)
    assert question.escalated_at is None and question.status == QuestionStatus.ANSWERED


async def test_when_the_staff_chat_cannot_be_reached_the_patient_can_try_again(
    clinic: Clinic,
) -> None:
    ann = clinic.patient()
    answer = await ann.ask("is it safe?")
    clinic.telegram.fail_next("sendMessage", ApiError(400, "Bad Request: chat not found"))

    await ann.tap(answer, "That didn't help")
    told = await ann.next_message()
    assert CLINIC_CONTACT in told.plain
    [question] = await questions(clinic)
    assert question.escalated_at is None

    await ann.tap(answer, "That didn't help")
    assert "passed your question" in (await ann.next_message()).plain


async def test_unanswered_lists_what_to_add_to_the_faq_most_asked_first(clinic: Clinic) -> None:
    for name in ("Ann", "Bob", "Cy"):
        await clinic.patient(name).ask("Do you take insurance?")
    dee = clinic.patient("Dee")
    await dee.ask("Where can I park?")
    answered = await dee.ask("is it safe?")
    await dee.tap(answered, "That didn't help")
    await dee.next_message()

    listing = await clinic.staff_member().ask("/unanswered")

    lines = listing.plain.splitlines()
    assert "most asked first" in lines[0]
    assert lines[1].startswith("3× “Do you take insurance?” (no match")
    assert any(line.startswith("1× “is it safe?” (didn't help") for line in lines)
    assert any(line.startswith("1× “Where can I park?”") for line in lines)


async def test_unanswered_is_refused_to_patients_without_revealing_anything(
    clinic: Clinic,
) -> None:
    ann = clinic.patient()
    await ann.ask("Do you take insurance?")

    refusal = await ann.ask("/unanswered")
    unknown = await ann.ask("/nosuchcommand")

    assert refusal.plain == unknown.plain
    assert "insurance" not in refusal.plain


@pytest.fixture
async def clinic_without_staff_chat(
    telegram: TelegramStub, make_settings: SettingsFactory
) -> AsyncIterator[Clinic]:
    async with running_bot(make_settings(staff_chat_id="")) as application:
        yield Clinic(telegram, application)


async def test_without_a_staff_chat_the_question_is_kept_and_the_patient_told_whom_to_call(
    clinic_without_staff_chat: Clinic,
) -> None:
    clinic = clinic_without_staff_chat
    ann = clinic.patient()
    answer = await ann.ask("is it safe?")

    await ann.tap(answer, "That didn't help")
    told = await ann.next_message()

    assert "noted your question" in told.plain and CLINIC_CONTACT in told.plain
    assert not clinic.telegram.messages_to(STAFF_CHAT_ID)
    [question] = await questions(clinic)
    assert question.status == QuestionStatus.UNHELPFUL
