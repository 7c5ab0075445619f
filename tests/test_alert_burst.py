"""Sixteen patients report warning signs in the same second (issue 27). Each is answered at
once, and the staff group gets every alert within 15 s without a single 429 from a
stand-in that keeps Telegram's limits for groups (about one message a second after a
short burst, and 20 a minute): alerts that pile up for the staff chat go out together, one
message listing them, edited in place while it is fresh.

The times asserted here hold on a loaded machine; `bench/flood.py --alerts` prints them
against the targets (every reply within 1 s, all alerts in the staff chat within 15 s).
"""

from __future__ import annotations

import asyncio
import time

from bot.stand_in import Chat
from tests.support.bots import STAFF_CHAT_ID, Clinic

PATIENTS = 16
# Generous for a busy machine (about 0.2 s when idle).
REPLY_WITHIN = 5.0
STAFF_WITHIN = 15.0


async def _timed_ask(patient: Chat, text: str) -> float:
    started = time.monotonic()
    await patient.ask(text)
    return time.monotonic() - started


def _staff_chat_text(clinic: Clinic) -> str:
    return "\n".join(message.plain for message in clinic.telegram.messages_to(STAFF_CHAT_ID))


async def test_sixteen_warnings_at_once_reach_the_staff_group_together_without_a_429(
    clinic: Clinic,
) -> None:
    patients = [clinic.patient(f"Patient{number}") for number in range(PATIENTS)]
    started = time.monotonic()
    waits = await asyncio.gather(*(
        _timed_ask(patient, f"my chest is tight and I can't breathe (number {number})")
        for number, patient in enumerate(patients)))
    await clinic.telegram.wait_for(
        lambda: all(f"(number {number})" in _staff_chat_text(clinic)
                    for number in range(PATIENTS)),
        timeout=STAFF_WITHIN - (time.monotonic() - started) + 1.0,
        what="every alert in the staff chat")
    all_told = time.monotonic() - started

    assert max(waits) < REPLY_WITHIN
    assert all_told < STAFF_WITHIN
    assert clinic.telegram.too_many_requests == 0
    posted = clinic.telegram.messages_to(STAFF_CHAT_ID)
    assert len(posted) < PATIENTS // 2  # together, not one message each
    for message in posted:
        assert len(message.plain) <= 4096
    assert _staff_chat_text(clinic).count("Warning sign: EMERGENCY") == PATIENTS


async def test_a_burst_to_the_staff_group_never_holds_up_a_patients_reply(
    clinic: Clinic,
) -> None:
    """The staff group's pace is its own: while its alerts wait their turn, a patient who
    asks a question is answered at once."""
    patients = [clinic.patient(f"Burst{number}") for number in range(PATIENTS)]
    await asyncio.gather(*(patient.ask(f"I fainted and can't breathe ({number})")
                           for number, patient in enumerate(patients)))
    asking = clinic.patient("Quinn")

    wait = await _timed_ask(asking, "how long is a session?")
    await clinic.telegram.wait_for(  # the burst ends told, before the bot stops
        lambda: all(f"({number})" in _staff_chat_text(clinic) for number in range(PATIENTS)),
        timeout=STAFF_WITHIN * 2, what="every alert in the staff chat")

    assert wait < REPLY_WITHIN
    assert clinic.telegram.too_many_requests == 0
