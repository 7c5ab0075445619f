"""One door for staff (handlers/staff_door.py): every staff handler the application
registers is behind it, it keeps out patients and members of the staff chat who are not
staff, and those people are answered as if the staff commands and buttons did not exist."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from telegram import Bot, Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.services.context import ClinicApp
from bot.stand_in import Chat, User
from bot.texts import callbacks
from db.import_models import PendingImport
from db.models import (
    Appointment,
    AppointmentStatus,
    Audience,
    Broadcast,
    BroadcastStatus,
    PatientQuestion,
)
from handlers.staff import today
from handlers.staff_door import StaffOnly, dialog_handlers
from tests.support.bots import STAFF_CHAT_ID, STAFF_ID, Clinic
from tests.support.factories import book_session, consenting_patient, in_days, practice_export

STAFF = User(STAFF_ID, "Sam", username="sam_reception")
PATIENT = User(424242, "Ann")
# In the staff group, but not in STAFF_USER_IDS: a trainee, a practitioner's assistant.
MEMBER = User(515151, "Dee")
STAFF_GROUP = {"id": STAFF_CHAT_ID, "type": "supergroup", "title": "Clinic staff"}
# Staff callbacks registered without the door because everyone may use them: none.
# (The relay answers patients from the staff chat, but only a staff member's reply.)
OPEN_TO_ALL: frozenset[str] = frozenset()
# In the staff command menu but for everyone: one needs an id before being staff.
MENU_FOR_EVERYONE = frozenset({"whoami"})


def every_handler(groups: Mapping[int, Sequence[BaseHandler[Any, Any, Any]]]
                  ) -> Iterator[BaseHandler[Any, Any, Any]]:
    """Each handler in each group, and each handler inside a dialog not behind the door;
    not what is inside a StaffOnly."""
    for group in groups.values():
        for handler in group:
            yield handler
            if isinstance(handler, ConversationHandler):
                yield from every_handler({0: dialog_handlers(handler)})


def unwrapped(handler: BaseHandler[Any, Any, Any]) -> BaseHandler[Any, Any, Any]:
    return handler.handler if isinstance(handler, StaffOnly) else handler


def staff_handlers(application: ClinicApp) -> list[StaffOnly[Any]]:
    return [handler for handler in every_handler(application.handlers)
            if isinstance(handler, StaffOnly)]


def open_staff_handlers(groups: Mapping[int, Sequence[BaseHandler[Any, Any, Any]]]
                        ) -> list[BaseHandler[Any, Any, Any]]:
    """Handlers of handlers/staff/ that anyone reaches."""
    found = []
    for handler in every_handler(groups):
        callback = getattr(handler, "callback", None)
        module = getattr(callback, "__module__", "") or ""
        if (not isinstance(handler, StaffOnly) and module.startswith("handlers.staff.")
                and getattr(callback, "__qualname__", "") not in OPEN_TO_ALL):
            found.append(handler)
    return found


def samples(application: ClinicApp) -> list[dict[str, Any]]:
    """The contents of messages and taps any staff handler should match one of: each
    command the bot knows, each button's data, typed text, a reply, a file."""
    handlers = [unwrapped(handler) for handler in every_handler(application.handlers)]
    commands = {command for handler in handlers if isinstance(handler, CommandHandler)
                for command in handler.commands}
    found: list[dict[str, Any]] = [
        {"text": f"/{command}", "entities": [
            {"type": "bot_command", "offset": 0, "length": len(command) + 1}]}
        for command in sorted(commands)]
    prefixes = sorted(value for name, value in vars(callbacks).items()
                      if name.isupper() and isinstance(value, str))
    found += [{"data": data} for prefix in prefixes for data in (prefix, f"{prefix}:1")]
    found += [{"text": "Ann Lee"},
              {"text": "Yes, bring him", "reply_to_message": {
                  "message_id": 7, "date": 0, "chat": STAFF_GROUP, "text": "A question"}},
              {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "week.csv",
                            "mime_type": "text/csv"}}]
    return found


def update(bot: Bot, sender: User, chat: dict[str, Any], sample: dict[str, Any]) -> Update:
    """`sample` as Telegram would deliver it from `sender` in `chat`."""
    if "data" in sample:
        shown = {"message_id": 5, "date": 0, "chat": chat, "text": "A button's message",
                 "from": {"id": bot.id, "is_bot": True, "first_name": "Clinic"}}
        data = {"callback_query": {"id": "1", "from": sender.as_json(), "chat_instance": "1",
                                   "message": shown, **sample}}
    else:
        data = {"message": {"message_id": 9, "date": 0, "chat": chat,
                            "from": sender.as_json(), **sample}}
    return Update.de_json({"update_id": 1, **data}, bot)


def matches(handler: BaseHandler[Any, Any, Any], update: Update) -> bool:
    check = handler.check_update(update)
    return check is not None and check is not False


async def starts_at(clinic: Clinic, number: int) -> datetime:
    async with clinic.application.bot_data.services.database.transaction() as session:
        appointment = await session.get(Appointment, number)
    assert appointment is not None
    return appointment.starts_at


async def test_every_staff_handler_refuses_patients_and_staff_chat_members_and_admits_staff(
    clinic: Clinic,
) -> None:
    application = clinic.application
    bot = application.bot
    guarded = staff_handlers(application)
    contents = samples(application)
    assert len(guarded) >= 20  # commands, buttons, dialog steps, files, the relay

    for handler in guarded:
        assert handler.door.admits(update(bot, STAFF, STAFF_GROUP, {"text": "hi"}))
        assert not handler.door.admits(update(bot, PATIENT, PATIENT.private_chat(),
                                              {"text": "hi"}))
        assert not handler.door.admits(update(bot, MEMBER, STAFF_GROUP, {"text": "hi"}))
        admitted = 0
        for sample in contents:
            for chat in (STAFF.private_chat(), STAFF_GROUP):
                from_staff = update(bot, STAFF, chat, sample)
                # For staff the door changes nothing: the handler matches what it matched.
                assert matches(handler, from_staff) == matches(handler.handler, from_staff)
                if not matches(handler, from_staff):
                    continue
                admitted += 1
                refused = (update(bot, PATIENT, PATIENT.private_chat(), sample),
                           update(bot, MEMBER, STAFF_GROUP, sample))
                for someone_else in refused:
                    assert not matches(handler, someone_else), (handler, sample)
        assert admitted, f"{handler!r} matched none of the samples: add one it handles"


async def test_nothing_in_handlers_staff_is_registered_without_the_door(
    clinic: Clinic,
) -> None:
    application = clinic.application
    assert open_staff_handlers(application.handlers) == []

    # The check would catch a staff command registered the old way.
    forgotten = CommandHandler("today", today.today)
    assert open_staff_handlers({0: [forgotten]}) == [forgotten]


async def test_every_staff_command_in_the_menu_is_behind_the_door(clinic: Clinic) -> None:
    application = clinic.application
    menu = set(application.bot_data.services.contents.default.commands["staff"]) - MENU_FOR_EVERYONE
    inner = [handler.handler for handler in staff_handlers(application)]
    guarded = {command for handler in inner if isinstance(handler, CommandHandler)
               for command in handler.commands}
    open_ = {command for handler in every_handler(application.handlers)
             if isinstance(handler, CommandHandler) for command in handler.commands}

    assert menu <= guarded
    assert not menu & open_


async def test_a_member_of_the_staff_chat_who_is_not_staff_is_kept_out(clinic: Clinic) -> None:
    telegram = clinic.telegram
    ann = await consenting_patient(clinic)
    number = await book_session(clinic, ann, ends_ago=-timedelta(days=2))
    booked_at = await starts_at(clinic, number)
    staff = clinic.staff_chat()
    answer = await ann.ask("Can I bring my dog?")
    await ann.tap(answer, "Ask a person")
    await ann.next_message()
    forwarded = await staff.next_message()
    await staff.say("/broadcast Closed on Friday")
    await staff.next_message()
    control = await staff.next_message()
    dee = Chat(telegram, MEMBER, STAFF_GROUP)

    for command in ("/today", f"/cancel {number}", f"/move {number} 2030-01-01 10:00",
                    "/broadcast Free needles", "/broadcasts", "/book", "/stats",
                    "/unanswered", "/invite Bob +447700900123"):
        await dee.say(command)
    await telegram.user_sends(MEMBER, "Yes, bring him", chat=STAFF_GROUP, reply_to_message={
        "message_id": forwarded.message_id, "chat": STAFF_GROUP, "date": 0})
    await dee.send_file(practice_export(in_days(clinic, 1)).encode(), "today.csv")
    unknown_button = await dee.forge("zz:1", control.message_id)
    send = await dee.forge(dee.data_for(control, "Send"), control.message_id)
    await staff.no_reply()
    await ann.no_reply()

    assert send.get("text") == unknown_button.get("text")
    async with clinic.application.bot_data.services.database.transaction() as session:
        appointment = await session.get(Appointment, number)
        broadcasts = list(await session.scalars(select(Broadcast)))
        question = await session.scalar(select(PatientQuestion))
        imports = list(await session.scalars(select(PendingImport)))
    assert appointment is not None and appointment.status == AppointmentStatus.BOOKED
    assert appointment.starts_at == booked_at
    assert [draft.status for draft in broadcasts] == [BroadcastStatus.DRAFT]
    assert question is not None and question.staff_replied_at is None
    assert imports == []


async def test_a_patient_gets_the_answer_to_what_the_bot_does_not_know(clinic: Clinic) -> None:
    ann = await consenting_patient(clinic)
    number = await book_session(clinic, ann, ends_ago=-timedelta(days=2))
    staff = clinic.staff_member()
    await staff.ask("/broadcast Closed on Friday")
    control = await staff.next_message()

    unknown = await ann.ask("/nosuchcommand")
    commands = [await ann.ask(command) for command in ("/broadcasts", "/unanswered")]
    unknown_button = await ann.forge("zz:1")
    taps = [await ann.forge(data) for data in (
        staff.data_for(control, "next 7 days"), staff.data_for(control, "Cancel"),
        f"{callbacks.IMPORT_GO}:1", f"{callbacks.BOOK_DAY}:20300101", callbacks.BOOK_YES)]
    await ann.no_reply()

    assert all(answer.plain == unknown.plain for answer in commands)
    assert all(tap.get("text") == unknown_button.get("text") for tap in taps)
    async with clinic.application.bot_data.services.database.transaction() as session:
        [draft] = list(await session.scalars(select(Broadcast)))
        appointment = await session.get(Appointment, number)
    assert (draft.status, draft.audience) == (BroadcastStatus.DRAFT, Audience.ALL)
    assert appointment is not None and appointment.status == AppointmentStatus.BOOKED
