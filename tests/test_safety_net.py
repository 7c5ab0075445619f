"""The safety net's answers beyond a plain warning sign, end to end through the loopback
Bot API (issue 26): someone else's emergency, the patient's history, a question about
risk, the one-tap "is this happening now?", the crisis answer, and "I've passed this to
the team" for what the bot cannot read with confidence: the patient's own body, another
language, a photo or a voice note."""

from __future__ import annotations

from sqlalchemy import select

from bot.stand_in import TelegramStub
from db.models import SafetyAlert
from tests.support.bots import STAFF_CHAT_ID, Clinic, SettingsFactory, clinic_with

CALL_NOW = "🚨 Please call 999 now."
PASSED_ON = "I have passed your message to the Lotus & Pine Clinic team"


async def stored_alerts(clinic: Clinic) -> list[SafetyAlert]:
    async with clinic.application.bot_data.services.database.transaction() as session:
        return list(await session.scalars(select(SafetyAlert).order_by(SafetyAlert.id)))


async def test_someone_with_the_patient_now_is_an_emergency(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")

    answer = await ann.ask("my husband has collapsed on the kitchen floor and he isn't "
                           "answering me")
    alert = await clinic.staff_chat().next_message()

    assert answer.plain.startswith(CALL_NOW)
    assert "Warning sign: EMERGENCY" in alert.plain
    assert "“my husband has collapsed" in alert.plain


async def test_history_gets_a_note_for_the_practitioner_and_reaches_no_one(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")

    answer = await ann.ask("For my notes: I had a collapsed lung in 1998, when I was 19.")

    assert "Please mention it to your practitioner" in answer.plain
    assert "call 999" in answer.plain  # the safety line, even here
    assert "faq:risks" in answer.button_data()
    await clinic.staff_chat().no_reply()
    assert await stored_alerts(clinic) == []


async def test_a_question_about_risk_gets_the_risks_topic_and_reaches_no_one(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")

    general = await ann.ask("Can acupuncture puncture a lung?")
    for_them = await ann.ask("I'm on warfarin, is acupuncture safe for me?")

    for answer in (general, for_them):
        assert answer.plain.startswith("Is it safe? The risks")
        assert "collapsed lung (pneumothorax)" in answer.plain
    await clinic.staff_chat().no_reply()
    assert await stored_alerts(clinic) == []


async def test_half_sure_of_an_emergency_asks_with_one_tap_and_yes_gets_call_now(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")
    staff = clinic.staff_chat()

    question = await ann.ask("my chest feels a bit tight")
    alert = await staff.next_message()
    assert question.plain.startswith("❗ Is this happening now?")
    assert question.button_labels() == ["🚨 Yes, it's happening now", "No, not now"]
    assert "Possible emergency" in alert.plain and "no answer yet" in alert.plain

    await ann.tap(question, "Yes")
    answer = await ann.next_message()
    await clinic.telegram.wait_for(lambda: alert.edits == 1, what="the alert to be updated")

    assert answer.plain.startswith(CALL_NOW)
    assert question.buttons() == []  # one answer, then the buttons go
    assert "Warning sign: EMERGENCY" in alert.plain and "YES, happening now" in alert.plain
    [stored] = await stored_alerts(clinic)
    assert stored.tier == "EMERGENCY" and stored.happening_now == "yes"


async def test_no_gets_what_to_do_if_it_starts_and_only_the_patient_may_answer(
    clinic: Clinic,
) -> None:
    ann, bob = clinic.patient("Ann"), clinic.patient("Bob")
    staff = clinic.staff_chat()
    question = await ann.ask("my chest feels a bit tight")
    alert = await staff.next_message()
    yes = ann.data_for(question, "Yes")

    await bob.forge(yes, question.message_id)  # someone else's alert: silence
    await ann.tap(question, "not now")
    answer = await ann.next_message()
    await clinic.telegram.wait_for(lambda: alert.edits == 1, what="the alert to be updated")
    await ann.forge(yes, question.message_id)  # a late second answer changes nothing

    assert "If it starts or gets worse, call 999 straight away" in answer.plain
    assert "answered no, not now" in alert.plain
    await bob.no_reply()
    await ann.no_reply()
    [stored] = await stored_alerts(clinic)
    assert stored.tier == "CONFIRM" and stored.happening_now == "no"


async def test_thoughts_of_suicide_get_the_crisis_line_kindly_and_staff_are_told(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")

    answer = await ann.ask("honestly i dont want to be here anymore")
    alert = await clinic.staff_chat().next_message()

    assert "you do not have to face it alone" in answer.plain
    assert "Samaritans on 116 123, free, day or night" in answer.plain
    assert "call 999 now" in answer.plain
    assert "Warning sign: EMERGENCY" in alert.plain and "thoughts of suicide" in alert.plain
    assert "the crisis line" in alert.plain


async def test_how_they_feel_unsure_goes_to_the_team_as_please_look(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")

    answer = await ann.ask("feel a bit weird tonight, sort of spaced out and floaty")
    alert = await clinic.staff_chat().next_message()

    assert PASSED_ON in answer.plain and "If it is urgent, call 999" in answer.plain
    assert "Please look" in alert.plain and "not understood with confidence" in alert.plain
    assert "“feel a bit weird tonight" in alert.plain
    [stored] = await stored_alerts(clinic)
    assert stored.tier == "LOOK"


async def test_another_language_is_passed_on_never_guessed(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")

    answer = await ann.ask("Hola, desde la sesión tengo fiebre y el sitio está rojo")
    alert = await clinic.staff_chat().next_message()

    # In Spanish first ("if it is urgent, call 999 now"), then the clinic's own words.
    assert answer.plain.startswith("Lo siento, solo puedo responder en inglés.")
    assert "Si es urgente, llame al 999 ahora." in answer.plain
    assert PASSED_ON in answer.plain and "call 999" in answer.plain
    assert "Please look" in alert.plain and "language the bot cannot read" in alert.plain
    assert "(Spanish)" in alert.plain and "“Hola, desde la sesión" in alert.plain


async def test_the_language_telegram_is_set_to_is_what_the_patient_reads(
    clinic: Clinic,
) -> None:
    ana = clinic.patient("Ana", language_code="pt-br")

    # Too short for the model to be sure of (it half-reads Arabic).
    answer = await ana.ask("socorro socorro socorro")
    alert = await clinic.staff_chat().next_message()

    assert answer.plain.startswith("Desculpe, só consigo responder em inglês.")
    assert "ligue para 999 agora" in answer.plain and PASSED_ON in answer.plain
    assert "(Portuguese)" in alert.plain


async def test_without_a_staff_chat_no_text_says_the_team_has_it(
    telegram: TelegramStub, make_settings: SettingsFactory,
) -> None:
    async with clinic_with(telegram, make_settings(staff_chat_id=None)) as clinic:
        answer = await clinic.patient("Ana").ask(
            "Hola, desde la sesión tengo fiebre y el sitio está rojo")

    # The Spanish text says the team has the message; without a staff chat it has not.
    assert "Please contact Lotus & Pine Clinic" in answer.plain and "Lo siento" not in answer.plain


async def test_a_language_without_a_text_gets_the_clinics_own(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")

    answer = await ann.ask("Ég er með mikinn verk í brjóstinu og á erfitt með að anda")
    alert = await clinic.staff_chat().next_message()

    assert answer.plain.startswith("🙏 Thank you.") and "call 999" in answer.plain
    assert "language the bot cannot read" in alert.plain


async def test_a_voice_note_and_a_photo_go_to_the_team_and_are_forwarded_once(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")
    staff = clinic.staff_chat()

    await ann.send(voice={"file_id": "v1", "file_unique_id": "u1", "duration": 4})
    answer = await ann.next_message()
    alert = await staff.next_message()
    voice = await staff.next_message()
    await ann.send(photo=[{"file_id": "p1", "file_unique_id": "u2", "width": 9, "height": 9}])
    again = await ann.next_message()
    await clinic.telegram.wait_for(lambda: alert.edits == 1, what="the alert to be updated")
    photo = await staff.next_message()

    assert "I can't look at pictures or listen to recordings myself" in answer.plain
    assert "call 999" in answer.plain and again.plain == answer.plain
    assert "Please look" in alert.plain
    assert "[voice note]" in alert.plain and "[photo]" in alert.plain
    assert [voice.method, photo.method] == ["forwardMessage", "forwardMessage"]
    assert voice.forwarded is not None and "voice" in voice.forwarded
    assert photo.forwarded is not None and "photo" in photo.forwarded
    await staff.no_reply()  # each forwarded once, however often the alert is edited


async def test_without_a_staff_chat_please_look_names_the_clinic_instead(
    telegram: TelegramStub, make_settings: SettingsFactory,
) -> None:
    async with clinic_with(telegram, make_settings(staff_chat_id=None)) as clinic:
        ann = clinic.patient("Ann")

        answer = await ann.ask("feel a bit weird tonight, sort of spaced out and floaty")
        question = await ann.ask("my chest feels a bit tight")

    assert "Please contact Lotus & Pine Clinic" in answer.plain and "call 999" in answer.plain
    assert "please let Lotus & Pine Clinic know" in question.plain
    assert telegram.messages_to(STAFF_CHAT_ID) == []

