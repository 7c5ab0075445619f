"""Everything a patient (or a stranger) can throw at the bot gets a polite answer or silence."""

from __future__ import annotations

import logging

import pytest

from bot.stand_in import BOT_USERNAME, User, too_many_requests
from tests.support.bots import Clinic

TRACEBACK_MARKERS = ("Traceback", "Error", "Exception", 'File "')


def assert_no_internals(text: str) -> None:
    for marker in TRACEBACK_MARKERS:
        assert marker not in text


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512,
                      "height": 512, "is_animated": False, "is_video": False}},
         "I can only read words"),
        ({"location": {"latitude": 51.5, "longitude": -0.1}}, "only read text messages"),
        ({"dice": {"emoji": "🎲", "value": 3}}, "only read text messages"),
    ],
    # A shared contact is answered by handlers/patients/linking.py (tests/test_linking.py);
    # photos, voice notes and files go to the team (tests/test_safety.py).
    ids=["sticker", "location", "dice"],
)
async def test_non_text_messages_get_a_short_answer_with_the_emergency_line(
    clinic: Clinic, fields: dict[str, object], said: str
) -> None:
    ann = clinic.patient()

    await ann.send(**fields)
    answer = await ann.next_message()

    assert said in answer.plain and "If something is wrong and it is urgent, call 999" \
        in answer.plain
    await clinic.staff_chat().no_reply()  # no alert for a sticker


async def test_a_very_long_text_is_not_matched_but_answered_kindly(clinic: Clinic) -> None:
    ann = clinic.patient()

    answer = await ann.ask("does it hurt " * 300)

    assert "one short question" in answer.plain


async def test_unknown_commands_and_other_bots_commands_point_to_help(clinic: Clinic) -> None:
    ann = clinic.patient()

    for command in ("/nonsense", f"/faq@Other{BOT_USERNAME}"):
        answer = await ann.ask(command)
        assert "/help" in answer.plain


async def test_a_command_addressed_to_this_bot_by_name_works(clinic: Clinic) -> None:
    answer = await clinic.patient().ask(f"/faq@{BOT_USERNAME}")

    assert answer.button_data()[0] == "faq:what"


async def test_messages_in_groups_and_channels_get_silence(clinic: Clinic) -> None:
    group = {"id": -4242, "type": "group", "title": "Family chat"}
    stranger = User(777, "Stranger")

    for text in ("/start", "/faq", "does it hurt?", "/unanswered", "/nonsense"):
        await clinic.telegram.user_sends(stranger, text, chat=group)
    await clinic.telegram.push_update({"channel_post": {
        "message_id": 1, "chat": {"id": -1009, "type": "channel", "title": "News"},
        "date": 0, "text": "/faq"}})

    patient = clinic.patient()
    await patient.ask("/help")  # the bot is alive and has handled everything before
    assert not clinic.telegram.messages_to(-4242)
    assert not clinic.telegram.messages_to(-1009)


async def test_an_edited_message_is_not_answered_again(clinic: Clinic) -> None:
    ann = clinic.patient()
    await ann.ask("is it safe?")

    await clinic.telegram.push_update({"edited_message": {
        "message_id": 1, "from": ann.user.as_json(), "chat": ann.chat, "date": 0,
        "edit_date": 1, "text": "is it safe for kids?"}})

    await ann.no_reply()


@pytest.mark.parametrize(
    "data",
    ["faq:nosuchtopic", "faq:", "faq:../../etc", "nohelp:abc", "nohelp:99999999",
     "nohelp:99999999999999999999", "consent:1", "x" * 64, "faqmenu:1", "🙂"],
)
async def test_forged_callback_data_is_answered_without_harm(clinic: Clinic, data: str) -> None:
    ann = clinic.patient()
    menu = await ann.ask("/faq")

    answer = await ann.stub.forged_tap(ann.user, ann.chat_id, menu.message_id, data)
    answered = await ann.answer_to(answer)

    assert_no_internals(str(answered.get("text", "")))
    if data == "faq:nosuchtopic":
        await ann.stub.wait_for(lambda: "no longer in the list" in menu.plain)
    if data in ("consent:1", "faqmenu:1", "x" * 64, "🙂"):
        assert answered["text"] == "That button no longer works. Try /faq or /help."
    await ann.no_reply()
    assert (await ann.ask("/risks")).plain.startswith("Is it safe?")


async def test_names_with_markup_characters_do_not_break_messages(clinic: Clinic) -> None:
    for name in ("<b>Ann", "Ann_&_Bob", "</i>", "&amp;", "Zoë 🌸 *bold*"):
        patient = clinic.patient(name)
        welcome = await patient.ask("/start")
        assert welcome.plain.startswith(f"Hello {name}!")
    assert not [r for r in clinic.telegram.rejections if r[0] == "sendMessage"]


async def test_a_429_is_waited_out_and_the_reply_still_arrives(clinic: Clinic) -> None:
    ann = clinic.patient()
    clinic.telegram.fail_next("sendMessage", too_many_requests(1))

    answer = await ann.ask("is it safe?")

    assert "bruising" in answer.plain
    assert clinic.telegram.too_many_requests == 1


async def test_a_failing_handler_gives_a_polite_message_and_logs_no_patient_text(
    clinic: Clinic, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(question: object) -> None:
        raise RuntimeError("question store exploded")

    monkeypatch.setattr(clinic.application.bot_data.services.questions, "submit", broken)
    ann = clinic.patient()

    with caplog.at_level(logging.INFO):
        answer = await ann.ask("my secret question about parking")

    assert "something went wrong" in answer.plain
    assert_no_internals(answer.plain)
    assert "my secret question" not in caplog.text
    assert any("failed" in record.getMessage() for record in caplog.records)
    assert (await ann.ask("/risks")).plain.startswith("Is it safe?")


async def test_a_message_the_reader_fails_on_goes_to_the_team_with_the_emergency_line(
    clinic: Clinic, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unsure means safe: a crash while reading is the least sure of all."""
    def broken(text: str) -> None:
        raise RuntimeError("reader exploded")

    monkeypatch.setattr(clinic.application.bot_data.services.reader.signs, "clauses", broken)
    ann = clinic.patient()
    staff = clinic.staff_chat()

    with caplog.at_level(logging.INFO):
        answer = await ann.ask("my secret symptom")
    alert = await staff.next_message()

    assert "passed your message to the Lotus & Pine Clinic team" in answer.plain
    assert "call 999" in answer.plain
    assert_no_internals(answer.plain)
    assert "Please look" in alert.plain and "could not read this message" in alert.plain
    assert "my secret symptom" not in caplog.text
    assert any("failed" in record.getMessage() for record in caplog.records)
