"""A patient's conversations about acupuncture, end to end through the loopback Bot API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import Patient
from tests.support.bots import CLINIC_CONTACT, Clinic

# For each topic, facts from the clinic's source article its answer must carry.
SEED_FACTS = {
    "what": ["thin needles", "Traditional Chinese Medicine", "meridians", "balance", "stress",
             "immune system"],
    "how": ["nervous system", "pain-relieving chemicals", "endorphins", "blood flow"],
    "back": ["Tight muscles", "trigger points", "rely less on pain medication", "as a whole",
             "inflammation"],
    "session": ["talk about your symptoms", "slight pinch", "warm, tingling",
                "30 to 60 minutes", "relaxed"],
    "risks": ["bruising or soreness", "Serious complications are rare", "qualified practitioner",
              "credentials", "tell your practitioner about any health concerns"],
    "summary": ["whole-body approach", "what causes the pain", "qualified practitioner"],
    "contact": [CLINIC_CONTACT],
}


async def patients_named(clinic: Clinic, user_id: int) -> list[Patient]:
    async with clinic.application.bot_data.services.database.transaction() as session:
        return list(await session.scalars(
            select(Patient).where(Patient.telegram_user_id == user_id)))


async def test_start_welcomes_by_name_and_registers_the_patient_once(clinic: Clinic) -> None:
    ann = clinic.patient("Ann", last_name="Lee", username="annlee", language_code="pt-BR")

    welcome = await ann.ask("/start")

    assert welcome.plain.startswith("Hello Ann!")
    assert "Lotus & Pine Clinic" in welcome.plain
    assert "not medical advice" in welcome.plain and "not for emergencies" in welcome.plain
    assert {"/faq", "/risks", "/help"} <= set(welcome.plain.split())
    assert welcome.button_data() == ["faqopen", "risks", "consent"]
    [patient] = await patients_named(clinic, ann.user.id)
    assert (patient.first_name, patient.last_name, patient.username) == ("Ann", "Lee", "annlee")
    assert patient.language_code == "pt-BR" and patient.chat_id == ann.chat_id
    assert patient.first_seen_at.tzinfo is not None and patient.messages_consent_at is None

    ann.user.first_name = "Annie"
    again = await ann.ask("/start")

    assert again.plain.startswith("Hello Annie!")
    [same] = await patients_named(clinic, ann.user.id)
    assert same.id == patient.id and same.first_name == "Annie"
    assert same.first_seen_at == patient.first_seen_at
    async with clinic.application.bot_data.services.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Patient)) == 1


async def test_one_tap_gives_consent_and_it_is_not_asked_again(clinic: Clinic) -> None:
    ann = clinic.patient()
    welcome = await ann.ask("/start")

    await ann.tap(welcome, "send me reminders")
    thanks = await ann.next_message()

    assert "reminders and clinic updates" in thanks.plain
    assert "consent" not in welcome.button_data()
    [patient] = await patients_named(clinic, ann.user.id)
    assert patient.messages_consent_at is not None
    later = await ann.ask("/start")
    assert "consent" not in later.button_data() and "May we" not in later.plain


async def test_welcome_buttons_open_the_topics_and_the_risks(clinic: Clinic) -> None:
    ann = clinic.patient()
    welcome = await ann.ask("/start")

    await ann.tap(welcome, "Browse topics")
    menu = await ann.next_message()
    await ann.tap(welcome, "Risks and safety")
    risks = await ann.next_message()

    assert len(menu.button_data()) == len(SEED_FACTS)
    assert "bruising" in risks.plain and "emergency" in risks.plain


async def test_every_topic_is_reachable_from_faq_and_carries_its_seed_facts(
    clinic: Clinic,
) -> None:
    ann = clinic.patient()
    menu = await ann.ask("/faq")
    assert menu.button_data() == [f"faq:{topic}" for topic in SEED_FACTS]

    for topic, facts in SEED_FACTS.items():
        await ann.tap_and_see_edit(menu, menu_label(clinic, topic))
        for fact in facts:
            assert fact in menu.plain, f"topic {topic!r} lacks {fact!r}"
        assert len(menu.plain) < 1200, "answers stay short enough to read on a phone"
        await ann.tap_and_see_edit(menu, "All topics")
        assert menu.button_data() == [f"faq:{topic}" for topic in SEED_FACTS]
    await ann.no_reply()  # all of it happened in place, in one message


def menu_label(clinic: Clinic, topic_id: str) -> str:
    topic = clinic.application.bot_data.services.contents.default.topic(topic_id)
    assert topic is not None
    return topic.title


async def test_an_answer_offers_related_topics_and_a_second_tap_changes_nothing(
    clinic: Clinic,
) -> None:
    ann = clinic.patient()
    menu = await ann.ask("/faq")
    await ann.tap_and_see_edit(menu, "What happens in a session")
    assert "faq:risks" in menu.button_data() and "faqmenu" in menu.button_data()

    answer = await ann.stub.user_taps(ann.user, menu, "faq:risks")
    await ann.answer_to(answer)
    await ann.stub.wait_for(lambda: "bruising" in menu.plain)
    edits = menu.edits
    # The same topic again: Telegram says "not modified", and the patient sees no error.
    await ann.tap(menu, "↪ What happens")
    await ann.tap(menu, "↪ What happens")
    await ann.stub.wait_for(lambda: menu.edits == edits + 1)
    await ann.no_reply()


async def test_faq_words_search_the_topics(clinic: Clinic) -> None:
    ann = clinic.patient()

    found = await ann.ask("/faq bruising")
    nothing = await ann.ask("/faq xylophone")

    assert "bruising" in found.plain and found.button_data()[0] == "faq:risks"
    assert "I found nothing for “xylophone”" in nothing.plain
    assert len(nothing.button_data()) == len(SEED_FACTS)


async def test_risks_answers_directly_with_what_to_do_when_serious(clinic: Clinic) -> None:
    ann = clinic.patient()

    risks = await ann.ask("/risks")

    for fact in SEED_FACTS["risks"]:
        assert fact in risks.plain
    assert CLINIC_CONTACT in risks.plain
    assert "In an emergency" in risks.plain and "call 999 straight away" in risks.plain
    assert risks.button_data() == ["faqmenu"]
    # The other after-effects, what to mention before a session, and the safety path.
    for said in ("dizzy or faint", "drowsy", "a little sick", "flare up", "pregnant",
                 "blood thinners", "bleeding disorder", "pacemaker", "metal allergy",
                 "If the clinic is closed, call NHS 111"):
        assert said in risks.plain, said
    assert risks.plain.rstrip().endswith("call 999 straight away.")  # the safety path last


async def test_a_reply_goes_as_html_without_link_previews_with_its_buttons(
    clinic: Clinic,
) -> None:
    """Replies skip reading Telegram's answer back (bot/sending/replies.py); what is sent
    is what `send_message` sends with the bot's defaults."""
    ann = clinic.patient()

    risks = await ann.ask("/risks")

    sent = [params for method, params in clinic.telegram.calls
            if method == "sendMessage" and params.get("chat_id") == ann.user.id]
    assert sent[-1]["parse_mode"] == "HTML" == risks.parse_mode
    assert sent[-1]["link_preview_options"] == {"is_disabled": True}
    assert sent[-1]["reply_markup"] == {"inline_keyboard": [[{
        "text": risks.buttons()[0]["text"], "callback_data": "faqmenu"}]]}
    assert "<b>" not in risks.plain and "<b>" in risks.text  # formatted, not shown raw


async def test_help_says_what_the_bot_can_do(clinic: Clinic) -> None:
    help_text = (await clinic.patient().ask("/help")).plain

    for command in ("/faq", "/risks"):
        assert command in help_text
    assert "your own words" in help_text and "That didn't help" in help_text


@pytest.mark.parametrize(
    ("question", "topic", "fact"),
    [
        ("does it hurt?", "session", "slight pinch"),
        ("how long is a session?", "session", "30 to 60 minutes"),
        ("is it safe?", "risks", "Serious complications are rare"),
        ("can it help my lower back?", "back", "trigger points"),
        ("what happens at my first visit?", "session", "talk about your symptoms"),
        ("Does acupunture hurt??", "session", "slight pinch"),
        ("will I get brusing", "risks", "bruising"),
        ("how does it work", "how", "endorphins"),
        ("How do I book?", "contact", CLINIC_CONTACT),
        ("can I have it if I take blood thinners?", "risks", "blood thinners"),
        ("I'm on anticoagulants, is that ok?", "risks", "anticoagulants"),
        ("is acupuncture ok during pregnancy?", "risks", "pregnant"),
        ("will I faint?", "risks", "dizzy or faint"),
        ("how many sessions will I need?", "contact", CLINIC_CONTACT),
    ],
)
async def test_a_question_in_own_words_gets_the_best_answer(
    clinic: Clinic, question: str, topic: str, fact: str
) -> None:
    ann = clinic.patient()

    answer = await ann.ask(question)

    assert fact in answer.plain
    assert answer.plain.startswith(menu_label(clinic, topic))
    assert any(data.startswith("nohelp:") for data in answer.button_data())


async def test_close_topics_are_offered_as_did_you_mean(clinic: Clinic) -> None:
    answer = await clinic.patient().ask("does it hurt and is it safe?")

    assert answer.plain.startswith("What happens in a session?")
    assert "You might mean" in answer.plain
    assert "faq:risks" in answer.button_data()


async def test_a_question_it_cannot_answer_gets_the_topics_and_the_clinic(
    clinic: Clinic,
) -> None:
    answer = await clinic.patient().ask("Do you validate parking tickets?")

    assert "don't have an answer" in answer.plain and CLINIC_CONTACT in answer.plain
    assert [d for d in answer.button_data() if d.startswith("faq:")] == [
        f"faq:{topic}" for topic in SEED_FACTS]
    assert any(data.startswith("nohelp:") for data in answer.button_data())


async def test_the_command_menu_is_published_on_start_up(clinic: Clinic) -> None:
    published = clinic.telegram.commands

    assert [c["command"] for c in published["default:"]] == [
        "start", "faq", "risks", "appointments", "settings", "language", "stop", "mydata",
        "forget", "help"]
    assert [c["command"] for c in published["chat:-100555"]] == [
        "unanswered", "book", "today", "cancel", "move", "invite", "broadcast", "broadcasts",
        "stats", "whoami"]
    assert all(c["description"] for c in published["default:"])


async def test_a_double_tap_on_consent_is_answered_kindly_not_with_an_error(
    clinic: Clinic,
) -> None:
    ann = clinic.patient()
    welcome = await ann.ask("/start")

    await ann.forge("consent", welcome.message_id)
    await ann.forge("consent", welcome.message_id)
    first, second = await ann.next_message(), await ann.next_message()

    assert "reminders and clinic updates" in first.plain
    assert "all set" in second.plain
