"""600 generated updates, from a seeded generator: what careless users, modified clients
and the wider Telegram world can send. Random text and unicode, texts over 4096
characters, forged and truncated button data (much of it aimed at another patient's
appointment), photos, stickers, voice, files, other people's contacts, group and channel
messages, edited messages, and staff commands from patients. Afterwards: nothing crashed
or logged an error, no reply carries a traceback or internal error text, the other
patient's records are as they were, nothing staff-only happened, and /risks still gets
its answer."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.stand_in import Chat, User
from bot.texts import callbacks
from db.models import Appointment, AppointmentStatus, Broadcast, Patient, utcnow
from db.session import Database
from tests.support.bots import Clinic
from tests.support.factories import clinic_time, consenting_patient

# Tens of seconds each: started first, so no worker is left finishing one alone.
pytestmark = pytest.mark.slow(seconds=25)

SEED = 20261124
UPDATES = 600
ATTACKERS = 80
GROUP = {"id": -1001234567, "type": "supergroup", "title": "Acupuncture fans"}
CHANNEL = {"id": -1009876543, "type": "channel", "title": "Clinic news (fake)"}
ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789",
    ".,;:!?'\"()[]{}<>/\\|@#$%^&*_-+=~`",
    "éèçàüöñßøåæœ ÄÖÜ",
    "мир здоровья акупунктура",
    "مرحبا بالعيادة",  # right to left
    "針灸治療痛み",
    "😀🩸💉🤕🙏🏽👍🏿🧘‍♀️",
    "\u200b\u200c\u200d\u2060\ufeff\u0301\u0336",  # zero-width and combining marks
    "<b></b><i>&amp;&lt;&#0;</i><a href='x'>",
]
COMMANDS = [
    "/start", "/faq", "/risks", "/help", "/appointments", "/stop", "/cancel", "/xyz",
    "/broadcast The clinic is closed", "/broadcast", "/broadcasts", "/today", "/import",
    "/book", "/book @vic_p tomorrow 10:00 30", "/book 1 2 3", "/schedule", "/invite",
    "/link", "/start link_", "/start inv_0000", "/faq risks", "/risks@OtherBot",
]
WORRYING = ["my arm is swelling and red", "I fainted", "bleeding won't stop", "fever"]


def random_text(rng: random.Random) -> str:
    size = rng.choice([1, 3, 12, 60, 300, rng.randint(4097, 5000)])
    alphabet = "".join(rng.sample(ALPHABETS, k=rng.randint(1, 3)))
    return "".join(rng.choice(alphabet) for _ in range(size))


def forged_data(rng: random.Random, victims_appointment: int) -> str:
    prefix = rng.choice([
        callbacks.CONFIRM, callbacks.CANCEL, callbacks.CANCEL_SURE, callbacks.RESCHEDULE,
        callbacks.KEEP, callbacks.SHOW_APPOINTMENT, callbacks.CALENDAR, callbacks.SORENESS,
        callbacks.BETTER, callbacks.WORSE, callbacks.BROADCAST_SEND, callbacks.BROADCAST_AUDIENCE,
        callbacks.BOOK_YES, callbacks.BOOK_DAY, callbacks.FAQ_TOPIC, callbacks.NOT_HELPFUL,
        callbacks.GIVE_CONSENT, "", "zz"])
    argument = rng.choice([
        str(victims_appointment), str(victims_appointment), f"{victims_appointment}_7",
        "-1", "0", "99999999999999999999", "1_", "_", "risks", "../../etc", "%s", "1e9",
        random_text(rng)[:20]])
    data = rng.choice([f"{prefix}:{argument}", prefix, f"{prefix}:", argument])
    cut = rng.randint(1, 64)
    return data.encode()[:cut].decode(errors="ignore") or "x"


async def one_update(rng: random.Random, clinic: Clinic, attackers: list[Chat],
                     victim: User, victims_appointment: int) -> None:
    telegram = clinic.telegram
    attacker = rng.choice(attackers)
    kind = rng.choices(
        ["text", "command", "worrying", "tap", "media", "contact", "group", "channel",
         "edited"], weights=[25, 20, 4, 20, 8, 6, 7, 4, 6])[0]
    if kind == "text":
        await attacker.say(random_text(rng))
    elif kind == "command":
        await attacker.say(rng.choice(COMMANDS) + rng.choice(["", " ", " " + random_text(rng)]))
    elif kind == "worrying":
        await attacker.say(rng.choice(WORRYING))
    elif kind == "tap":
        message_id = rng.choice([1, 2, 3, 10_000])
        await telegram.forged_tap(attacker.user, attacker.chat_id, message_id,
                                  forged_data(rng, victims_appointment))
    elif kind == "media":
        fields: dict[str, Any] = rng.choice([
            {"sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512,
                         "is_animated": False, "is_video": False, "type": "regular"}},
            {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}],
             "caption": random_text(rng)[:1024]},
            {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}},
            {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "a.csv"}},
            {"location": {"latitude": 51.5, "longitude": -0.12}},
        ])
        await attacker.send(**fields)
    elif kind == "contact":
        # Someone else's card: the victim's, or a stranger's.
        owner = rng.choice([victim.id, 123456789, None])
        contact: dict[str, Any] = {"phone_number": rng.choice(["+447700900123", "+1 555 0100",
                                                               "not a phone", "+"]),
                                   "first_name": "Vic"}
        if owner is not None:
            contact["user_id"] = owner
        await attacker.send(contact=contact)
    elif kind == "group":
        text = rng.choice([random_text(rng), rng.choice(COMMANDS), rng.choice(WORRYING)])
        await telegram.user_sends(attacker.user, text, chat=GROUP)
    elif kind == "channel":
        await telegram.push_update({"channel_post": {
            "message_id": rng.randint(1, 10**6), "chat": CHANNEL, "date": 1_700_000_000,
            "text": rng.choice([random_text(rng), "/broadcast hi", "/risks"])}})
    else:
        await telegram.push_update({"edited_message": {
            "message_id": rng.randint(1, 50), "from": attacker.user.as_json(),
            "chat": attacker.chat, "date": 1_700_000_000, "edit_date": 1_700_000_100,
            "text": rng.choice([random_text(rng), "/broadcast edited", "/risks"])}})


async def snapshot(database: Database) -> dict[str, Any]:
    """Every column of the victim's record and of the (only) appointment; broadcasts."""
    async with database.transaction() as session:
        appointment = (await session.scalars(select(Appointment))).one()
        victim = (await session.scalars(select(Patient).where(Patient.first_name == "Vic"))).one()
        return {"appointment": columns(appointment), "victim": columns(victim),
                "broadcasts": await session.scalar(select(func.count()).select_from(Broadcast))}


def columns(row: Any) -> dict[str, Any]:
    return {column.name: getattr(row, column.key) for column in row.__table__.columns}


@pytest.mark.timeout(300)
async def test_hundreds_of_hostile_updates_break_nothing_and_touch_no_one_else(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    victim = await consenting_patient(clinic, "Vic")
    staff = clinic.staff_member()
    booked = await staff.ask(f"/book @vic_p {clinic_time(utcnow() + timedelta(days=3))[:16]}"
                             " 30 Dr Lee")
    assert "Booked #1" in booked.plain
    victims_messages = len(clinic.telegram.messages_to(victim.chat_id))
    database = clinic.application.bot_data.services.database
    before = await snapshot(database)
    attackers = [clinic.patient(f"P{n}", username=f"p{n}") for n in range(ATTACKERS)]
    rng = random.Random(SEED)

    for _ in range(UPDATES):
        await one_update(rng, clinic, attackers, victim.user, before["appointment"]["id"])
    newcomer = clinic.patient("Nell")
    risks = await newcomer.ask("/risks", timeout=240)  # after all of the above

    assert "bruising" in risks.plain and "emergency" in risks.plain
    errors = [record.getMessage() for record in caplog.records
              if record.levelno >= logging.ERROR]
    assert errors == []
    leaks = [message.plain[:120] for message in clinic.telegram.sent
             if any(word in message.plain for word in (
                 "Traceback", "Exception", 'File "', "sqlalchemy", "telegram.error",
                 "NoneType", "KeyError", "ValueError"))]
    assert leaks == []
    assert len(clinic.telegram.messages_to(victim.chat_id)) == victims_messages
    after = await snapshot(database)
    assert after == before  # the victim, the one appointment, no broadcast: all unchanged
    assert after["appointment"]["status"] == AppointmentStatus.BOOKED
    assert not any(message.chat_id in (GROUP["id"], CHANNEL["id"])
                   and "Booked" in message.plain for message in clinic.telegram.sent)
