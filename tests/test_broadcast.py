"""Staff broadcasts through the loopback Bot API with Telegram's limits on."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.appointments import booking
from bot.appointments.timers import schedule_soon
from bot.sending.rate_limit import MAX_RETRIES
from bot.stand_in import ApiError, BotMessage, Chat, User
from bot.stand_in.models import too_many_requests
from db.appointments import patient_by_reference
from db.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    DialogState,
    RecipientStatus,
    utcnow,
)
from tests.support.bots import Clinic
from tests.support.factories import NEWS_PLAIN, copies, seed_patients

# What Telegram's app sends when the receptionist makes "Friday" bold: entities, not tags.
NEWS_COMMAND = f"/broadcast {NEWS_PLAIN}"
BOLD_FRIDAY = {"type": "bold", "offset": NEWS_COMMAND.index("Friday"), "length": 6}
NEWS = "The clinic is closed on <b>Friday</b> &amp; Saturday."


async def preview(staff: Chat) -> tuple[BotMessage, BotMessage]:
    await staff.send(text=NEWS_COMMAND, entities=[BOLD_FRIDAY])
    shown = await staff.next_message()
    control = await staff.next_message()
    return shown, control


async def test_a_broadcast_reaches_every_reachable_patient_once_at_telegrams_pace(
    clinic: Clinic,
) -> None:
    telegram = clinic.telegram
    users = await seed_patients(clinic.application.bot_data.services.database, telegram, 200)
    for user in users[:5]:
        telegram.block(user)
    staff = clinic.staff_member()

    shown, control = await preview(staff)
    assert shown.text == NEWS  # formatting kept, exactly as patients will see it
    assert "goes to 200 patients" in control.plain
    assert control.button_labels()[0] == "✓ everyone who accepts updates (200)"
    assert copies(telegram, users).total() == 0  # nothing before Send
    await staff.tap(control, "Send")
    await telegram.wait_for(lambda: "done" in control.plain, timeout=30,
                            what="the broadcast report")

    sent = copies(telegram, users)
    assert all(sent[user.id] == 1 for user in users[5:])
    assert all(sent[user.id] == 0 for user in users[:5])
    assert "195 delivered" in control.plain and "5 had blocked the bot" in control.plain
    assert "0 failed" in control.plain
    assert control.edits >= 3  # the live count, then the report
    assert telegram.too_many_requests == 0  # Telegram's limits kept (bench/ times the pace)
    listing = await staff.ask("/broadcasts")
    assert "“The clinic is closed on Friday & Saturd…”" in listing.plain  # first 40
    assert f"sent by {clinic.staff_member().user.id}" in listing.plain
    assert "195 delivered" in listing.plain and "done in" in listing.plain
    _, again = await preview(staff)  # the blocked five are skipped from now on
    assert "goes to 195 patients" in again.plain


async def test_only_staff_can_broadcast_and_send_works_once(clinic: Clinic) -> None:
    telegram = clinic.telegram
    users = await seed_patients(clinic.application.bot_data.services.database, telegram, 3)
    mallory = clinic.patient("Mallory")

    refused = await mallory.ask(NEWS_COMMAND)
    _, control = await preview(clinic.staff_member())
    send = clinic.staff_member().data_for(control, "Send")
    await mallory.forge(send)
    await mallory.no_reply()
    assert copies(telegram, users).total() == 0
    await clinic.staff_member().forge(send, control.message_id)
    await clinic.staff_member().forge(send, control.message_id)
    await telegram.wait_for(lambda: "done" in control.plain, what="the report")
    await clinic.quiet()  # a duplicate would be sent by now

    assert "I don't know that command" in refused.plain
    assert all(count == 1 for count in copies(telegram, users).values())


async def test_audiences_and_stop_decide_who_gets_it(clinic: Clinic) -> None:
    telegram = clinic.telegram
    users = await seed_patients(clinic.application.bot_data.services.database, telegram, 4)
    ann = clinic.patient("Ann")
    await ann.ask("/start")
    stopped = await ann.ask("/stop")

    _, control = await preview(clinic.staff_member())
    assert "goes to 4 patients" in control.plain  # Ann never agreed, and stopped anyway
    await clinic.staff_member().tap_and_see_edit(control, "next 7 days")
    assert "goes to 0 patients" in control.plain
    await clinic.staff_member().tap_and_see_edit(control, "Cancel")
    assert "nothing was sent" in control.plain
    assert "no more clinic updates" in stopped.plain
    assert copies(telegram, users).total() == 0
    again = await ann.ask("/start")
    assert "updates are on again" in again.plain


async def test_broadcast_without_text_asks_for_it(clinic: Clinic) -> None:
    staff = clinic.staff_member()

    asked = await staff.ask("/broadcast")
    shown = await staff.ask("Closed on <Friday>")
    control = await staff.next_message()

    assert "What should the broadcast say?" in asked.plain
    assert shown.plain == "Closed on <Friday>"
    assert "Preview" in control.plain
    async with clinic.application.bot_data.services.database.transaction() as session:
        drafts = list(await session.scalars(select(Broadcast)))
    assert [draft.status for draft in drafts] == [BroadcastStatus.DRAFT]


async def test_a_broadcast_left_waiting_for_its_text_expires(clinic: Clinic) -> None:
    staff = clinic.staff_member()
    await staff.ask("/broadcast")
    database = clinic.application.bot_data.services.database
    for _ in range(100):  # the step is stored just after the question goes out
        async with database.transaction() as session:
            waiting = await session.scalar(select(DialogState))
            if waiting is not None:
                assert waiting.key.startswith("broadcast-text:")
                waiting.expires_at = utcnow() - timedelta(seconds=1)  # ten minutes went by
                break
        await asyncio.sleep(0.05)
    assert waiting is not None

    answer = await staff.ask("Closed on Friday")

    assert "Preview" not in answer.plain and answer.plain != "Closed on Friday"
    async with clinic.application.bot_data.services.database.transaction() as session:
        assert await session.scalar(select(Broadcast)) is None
        assert await session.scalar(select(DialogState)) is None


async def book_for(clinic: Clinic, user: User, practitioner: str, starts_in: timedelta
                   ) -> None:
    app = clinic.application
    now = clinic.now()
    async with app.bot_data.services.database.transaction() as session:
        found = await patient_by_reference(session, str(user.id))
        assert found is not None
        _, _, planned = await booking.book(
            session, app.bot_data.settings, patient_id=found.id, starts_at=now + starts_in,
            minutes=30, practitioner=practitioner, now=now)
    assert app.job_queue is not None
    schedule_soon(app.job_queue, app.bot_data, planned)


async def test_the_audience_can_be_the_weeks_patients_or_one_practitioners(
    clinic: Clinic,
) -> None:
    telegram = clinic.telegram
    users = await seed_patients(clinic.application.bot_data.services.database, telegram, 6)
    await book_for(clinic, users[0], "Dr Lee", timedelta(days=2))
    await book_for(clinic, users[1], "Dr Lee", timedelta(days=12))
    await book_for(clinic, users[2], "Wu & <Ng>", timedelta(days=3))
    staff = clinic.staff_member()

    _, control = await preview(staff)
    assert control.button_labels()[:4] == [
        "✓ everyone who accepts updates (6)",
        "patients with a session in the next 7 days (2)",
        "patients booked with Dr Lee (2)",
        "patients booked with Wu & <Ng> (1)",
    ]
    await staff.tap_and_see_edit(control, "Wu &")
    assert "goes to 1 patients: patients booked with Wu & <Ng>" in control.plain  # once
    await staff.tap_and_see_edit(control, "Dr Lee")
    assert "goes to 2 patients: patients booked with Dr Lee" in control.plain
    assert "✓ patients booked with Dr Lee (2)" in control.button_labels()
    await staff.tap(control, "Send")
    await telegram.wait_for(lambda: "done" in control.plain, what="the report")

    sent = copies(telegram, users)
    assert [sent[user.id] for user in users] == [1, 1, 0, 0, 0, 0]


async def test_a_stopped_patient_gets_appointment_messages_but_no_broadcast_until_start(
    clinic: Clinic,
) -> None:
    telegram = clinic.telegram
    users = await seed_patients(clinic.application.bot_data.services.database, telegram, 2)
    quiet = Chat(telegram, users[0])
    staff = clinic.staff_member()

    stopped = await quiet.ask("/stop")
    await book_for(clinic, users[0], "Dr Lee", timedelta(days=3))
    clinic.clock.advance(timedelta(minutes=3))  # the booking notice and its calendar file
    await quiet.next_message_with("You are booked in")
    await quiet.next_message()
    clinic.clock.advance(timedelta(days=2))
    guide = await quiet.next_message_with("Getting ready")
    _, control = await preview(staff)
    assert "goes to 1 patients" in control.plain
    await staff.tap(control, "Send")
    await telegram.wait_for(lambda: "done" in control.plain, what="the report")
    resumed = await quiet.ask("/start")
    _, second = await preview(staff)

    assert "no more clinic updates" in stopped.plain
    assert "Getting ready for your session" in guide.plain  # the guide still came
    assert copies(telegram, users) == Counter({users[1].id: 1, users[0].id: 0})
    assert "updates are on again" in resumed.plain
    assert "goes to 2 patients" in second.plain


async def test_429_5xx_and_chat_not_found_are_retried_or_given_up_as_telegram_means(
    clinic: Clinic,
) -> None:
    telegram = clinic.telegram
    users = await seed_patients(clinic.application.bot_data.services.database, telegram, 6)
    del telegram.chats[users[5].id]  # the account is gone: "chat not found"
    staff = clinic.staff_member()
    _, control = await preview(staff)

    telegram.fail_next("sendMessage", too_many_requests(1))
    telegram.fail_next("sendMessage", ApiError(502, "Bad Gateway"), times=2)
    await staff.tap(control, "Send")
    await telegram.wait_for(lambda: "done" in control.plain, what="the report")

    sent = copies(telegram, users)
    assert [sent[user.id] for user in users] == [1, 1, 1, 1, 1, 0]
    assert "5 delivered" in control.plain and "1 failed" in control.plain
    assert "chat not found" in control.plain.lower()
    codes = Counter(code for method, code, _ in telegram.rejections if method == "sendMessage")
    assert codes == Counter({429: 1, 502: 2, 400: 1})
    async with clinic.application.bot_data.services.database.transaction() as session:
        rows = list(await session.scalars(select(BroadcastRecipient)))
    # The 429 and the 502s are tried again within the limiter: one claim per row.
    assert sum(row.attempts for row in rows) == 6
    assert {row.status for row in rows} == {RecipientStatus.DELIVERED, RecipientStatus.FAILED}


async def test_a_copy_failing_past_the_limiters_retries_waits_and_goes_again(
    clinic: Clinic,
) -> None:
    telegram = clinic.telegram
    [user] = await seed_patients(clinic.application.bot_data.services.database, telegram, 1)
    staff = clinic.staff_member()
    _, control = await preview(staff)

    telegram.fail_next("sendMessage", ApiError(502, "Bad Gateway"),
                       times=1 + MAX_RETRIES)
    await staff.tap(control, "Send")
    await telegram.wait_for(lambda: "done" in control.plain, timeout=30, what="the report")

    assert copies(telegram, [user])[user.id] == 1
    async with clinic.application.bot_data.services.database.transaction() as session:
        row = (await session.scalars(select(BroadcastRecipient))).one()
    assert row.attempts == 2 and row.status == RecipientStatus.DELIVERED
    assert row.claimed_at and row.retry_at and row.claimed_at >= row.retry_at  # waited 2 s


async def test_a_patients_reply_goes_ahead_of_a_running_broadcast(clinic: Clinic) -> None:
    telegram = clinic.telegram
    users = await seed_patients(clinic.application.bot_data.services.database, telegram, 150)
    ann = clinic.patient("Ann")
    await ann.ask("/start")
    staff = clinic.staff_member()
    _, control = await preview(staff)
    await staff.tap(control, "Send")
    await telegram.wait_for(lambda: copies(telegram, users).total() >= 30, what="a second")

    answer = await ann.ask("how long does a session last?")
    delivered_by_then = copies(telegram, users).total()

    assert "30 to 60 minutes" in answer.plain
    assert delivered_by_then < 120  # the reply did not wait behind the queue (5 s long)
    await telegram.wait_for(lambda: "done" in control.plain, what="the report")
    assert telegram.too_many_requests == 0

