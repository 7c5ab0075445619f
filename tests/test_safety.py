"""The safety net, end to end through the loopback Bot API: a warning sign in anything a
patient writes, at any time, gets the safety answer and reaches the staff chat.

The matching itself is measured by tests/test_warning_signs.py; here, what the patient
and the staff see: a patient with no appointment (and no consent), one just after a
session, one who turned check-ins off; alerts joined within a few minutes; edits and
captions; a staff chat that cannot be reached; and inputs that must not crash the screen.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.stand_in import Chat, TelegramStub
from db.models import SafetyAlert, utcnow
from db.safety import add_to_alert, quote
from db.session import Database
from tests.support.bots import CLINIC_CONTACT, STAFF_CHAT_ID, Clinic, SettingsFactory, running_bot
from tests.support.factories import book_session, checked_in, consenting_patient

CALL_NOW = "🚨 Please call 999 now."
TODAY = "Please contact Lotus & Pine Clinic today"


async def alerts(clinic: Clinic) -> list[SafetyAlert]:
    async with clinic.application.bot_data.services.database.transaction() as session:
        return list(await session.scalars(select(SafetyAlert).order_by(SafetyAlert.id)))


async def test_a_patient_with_no_appointment_or_consent_is_told_to_call_now(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")  # never sent /start, never consented
    staff = clinic.staff_chat()

    answer = await ann.ask("my chest hurts and it feels tight")
    alert = await staff.next_message()

    assert answer.plain.startswith(CALL_NOW)
    assert CLINIC_CONTACT in answer.plain and "emergency" in answer.plain
    assert "Warning sign: EMERGENCY" in alert.plain
    assert f"tg://user?id={ann.user.id}" in alert.text  # tap to open the patient
    assert "Signs: chest pain or tightness" in alert.plain
    assert "“my chest hurts and it feels tight”" in alert.plain
    assert "Last session: none" in alert.plain and "Next session: none" in alert.plain
    assert "They were told: to call 999 now, then the clinic." in alert.plain
    await ann.no_reply()  # the safety answer only: no FAQ answer after it
    [stored] = await alerts(clinic)
    assert stored.tier == "EMERGENCY" and stored.staff_message_id == alert.message_id


async def test_a_sign_just_after_a_session_names_it_and_asks_for_a_call_today(
    clinic: Clinic,
) -> None:
    ann, _ = await checked_in(clinic)
    staff = clinic.staff_chat()

    answer = await ann.ask("The needle spot is hot and puffy")
    alert = await staff.next_message()

    assert answer.plain.startswith("⚠️ Thank you for telling us. " + TODAY)
    assert CLINIC_CONTACT in answer.plain
    assert "If the clinic is closed, call NHS 111." in answer.plain
    assert "In an emergency (trouble breathing" in answer.plain
    assert "call 999 straight away" in answer.plain
    assert "Warning sign: needs the clinic today" in alert.plain
    assert "signs of infection" in alert.plain
    assert "Last session: " in alert.plain and "with Dr Chen" in alert.plain
    assert "They were told: to contact the clinic today" in alert.plain


async def test_a_patient_who_turned_check_ins_off_is_still_heard(clinic: Clinic) -> None:
    ann = await consenting_patient(clinic)
    panel = await ann.ask("/settings")
    await ann.tap_and_see_edit(panel, "Check-in")
    await book_session(clinic, ann, ends_ago=timedelta(days=-2))  # one to come
    staff = clinic.staff_chat()

    answer = await ann.ask("I fainted last night after the session but I'm ok now")
    alert = await staff.next_message()

    # Fainting that has passed still needs a person, the same day.
    assert TODAY in answer.plain
    assert "needs the clinic today" in alert.plain and "fainting or collapse" in alert.plain
    assert "Next session: " in alert.plain and "with Dr Chen" in alert.plain


async def test_more_signs_within_minutes_join_one_alert_and_raise_its_tier(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")
    staff = clinic.staff_chat()

    first = await ann.ask("I feel dizzy")
    alert = await staff.next_message()
    second = await ann.ask("and now my chest is tight and I can't catch my breath")
    await clinic.telegram.wait_for(lambda: alert.edits == 1, what="the alert to be updated")

    assert TODAY in first.plain and second.plain.startswith(CALL_NOW)
    assert "Warning sign: EMERGENCY" in alert.plain
    assert "“I feel dizzy”" in alert.plain and "can't catch my breath”" in alert.plain
    assert "dizziness" in alert.plain and "trouble breathing" in alert.plain
    await staff.no_reply()  # one alert, updated in place

    # Past the window, a new sign is a new alert.
    async with clinic.application.bot_data.services.database.transaction() as session:
        await session.execute(update(SafetyAlert).values(last_at=utcnow() - timedelta(hours=1)))
    await ann.ask("still feel dizzy")
    later = await staff.next_message()
    assert "“still feel dizzy”" in later.plain and "I feel dizzy" not in later.plain
    assert len(await alerts(clinic)) == 2


async def test_an_edit_that_adds_a_sign_is_heard_and_an_edit_of_an_answered_one_is_not(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")
    staff = clinic.staff_chat()
    sent = await clinic.telegram.user_sends(ann.user, "hello, is parking free?")
    await ann.next_message()  # the FAQ's answer

    edited = {**sent, "edit_date": 1, "text": "hello, my lips are swelling up"}
    await clinic.telegram.push_update({"edited_message": edited})
    answer = await ann.next_message()
    alert = await staff.next_message()
    typo_fixed = {**edited, "edit_date": 2, "text": "hello, my lips are swellign up"}
    await clinic.telegram.push_update({"edited_message": typo_fixed})

    assert answer.plain.startswith(CALL_NOW)
    assert "swelling of the face" in alert.plain
    await ann.no_reply()
    await staff.no_reply()


async def test_words_under_a_photo_are_heard_and_the_photo_goes_to_the_staff_chat(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")
    staff = clinic.staff_chat()
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 10, "height": 10}]

    await ann.send(photo=photo, caption="look how swollen and red it is")
    answer = await ann.next_message()
    alert = await staff.next_message()
    forwarded = await staff.next_message()

    assert TODAY in answer.plain
    assert "[photo] “look how swollen and red it is”" in alert.plain
    assert forwarded.method == "forwardMessage" and forwarded.forwarded is not None
    assert forwarded.forwarded["photo"] == photo


async def test_a_staff_chat_that_cannot_be_reached_leaves_the_patient_the_contact(
    clinic: Clinic,
) -> None:
    del clinic.telegram.chats[STAFF_CHAT_ID]  # the bot was removed from the staff group
    ann = clinic.patient("Ann")

    answer = await ann.ask("I passed out in the car park")
    follow_up = await ann.next_message()

    assert answer.plain.startswith(CALL_NOW)
    assert "could not reach the Lotus & Pine Clinic team" in follow_up.plain
    assert CLINIC_CONTACT in follow_up.plain
    [stored] = await alerts(clinic)
    assert stored.staff_message_id is None  # kept, and shown in /mydata


async def test_without_a_staff_chat_or_emergency_number_the_words_still_read_well(
    telegram: TelegramStub, make_settings: SettingsFactory,
) -> None:
    settings = make_settings(staff_chat_id=None, emergency_number="")
    async with running_bot(settings) as application:
        ann = Clinic(telegram, application).patient("Ann")

        emergency = await ann.ask("I can't breathe properly")
        same_day = await ann.ask("I have a high temperature and chills")
        await ann.no_reply()

    assert emergency.plain.startswith("🚨 Please call your local emergency number now.")
    assert f"Then let Lotus & Pine Clinic know: {CLINIC_CONTACT}." in emergency.plain
    assert "We have told" not in same_day.plain and TODAY in same_day.plain


async def test_a_long_message_is_screened_whole_and_quoted_within_telegrams_limit(
    clinic: Clinic,
) -> None:
    ann = clinic.patient("Ann")
    news = "We had a lovely weekend with the family and the weather was kind. " * 30
    text = f"{news}Since this morning my arm is numb. {news}"[:4096]

    answer = await ann.ask(text)
    alert = await clinic.staff_chat().next_message()

    assert TODAY in answer.plain
    assert "numbness" in alert.plain and "…" in alert.plain and len(alert.plain) <= 4096


async def test_general_questions_and_odd_inputs_reach_no_one(
    clinic: Clinic, caplog: pytest.LogCaptureFixture,
) -> None:
    ann = clinic.patient("Ann")
    staff_member = Chat(clinic.telegram, clinic.staff_member().user)

    risks = await ann.ask("Can acupuncture cause fainting or bruising?")
    for odd in ("😀🙏🏽💉", "?!", "\u200b", "🤒" * 2000, "Thanks, see you Tuesday"):
        await ann.ask(odd)
    await ann.send(sticker={"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                            "is_animated": False, "is_video": False, "type": "regular"})
    await ann.next_message()
    await staff_member.ask("Remember: anyone with a fever should stay home on Friday")

    assert risks.plain.startswith("Is it safe?")  # the FAQ, not the alarm
    await clinic.staff_chat().no_reply()
    assert await alerts(clinic) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_mydata_shows_the_alert_and_forget_deletes_it(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")
    await ann.ask("I keep being sick")
    await clinic.staff_chat().next_message()

    export = await ann.ask("/mydata")
    assert export.document is not None
    assert b"I keep being sick" in export.document["contents"]
    assert b"warning_signs_told_to_staff" in export.document["contents"]
    confirm = await ann.ask("/forget")
    await ann.tap_and_see_edit(confirm, "Yes, delete everything")

    async with clinic.application.bot_data.services.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(SafetyAlert)) == 0


async def test_alerts_a_crash_cut_off_reach_the_staff_chat_at_the_next_start(
    telegram: TelegramStub, make_settings: SettingsFactory,
) -> None:
    """The patient was answered, then the process died before the staff chat saw the
    alert, or its latest words: the next start posts the one and updates the other."""
    telegram.add_chat({"id": STAFF_CHAT_ID, "type": "supergroup", "title": "Clinic staff"})
    settings = make_settings()
    async with running_bot(settings) as application:
        clinic = Clinic(telegram, application)
        ann, bob = clinic.patient("Ann"), clinic.patient("Bob")
        await ann.ask("I have a fever and chills")
        shown = await clinic.staff_chat().next_message()
        await bob.ask("my lips are swelling")  # seconds later: it joins Ann's message
        await telegram.wait_for(lambda: "my lips are swelling" in shown.plain,
                                what="Bob's alert to join the staff message")
    now = utcnow()
    async with Database(settings.database_url).transaction() as session:
        # As a crash would leave them: Ann's second message never reached the staff
        # message, and Bob's alert never reached the staff chat at all.
        first = await session.get(SafetyAlert, 1)
        assert first is not None
        await add_to_alert(session, first, "SAME_DAY", ["dizziness or light-headedness"],
                           quote("and now I feel dizzy", 99, now), now)
        await session.execute(update(SafetyAlert).where(SafetyAlert.id == 2).values(
            staff_message_id=None, staff_told_at=None))

    async with running_bot(settings) as application:
        await telegram.wait_for(lambda: len(telegram.messages_to(STAFF_CHAT_ID)) == 2,
                                what="Bob's alert to be posted again")
        await telegram.wait_for(lambda: shown.edits == 2, what="Ann's alert to be updated")
    reposted = telegram.messages_to(STAFF_CHAT_ID)[-1]

    assert "“my lips are swelling”" in reposted.plain and "EMERGENCY" in reposted.plain
    assert "“and now I feel dizzy”" in shown.plain
    assert "my lips are swelling" not in shown.plain  # Bob's alert lives in the new one
    async with Database(settings.database_url).transaction() as session:
        told = list(await session.scalars(select(SafetyAlert.staff_told_at)))
    assert all(at is not None for at in told)
