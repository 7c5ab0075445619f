"""Every feature's handlers, registered in one written-down order.

Within PTB's default group the first handler whose filters match wins, so the order is
the design:
1. commands, buttons with anchored patterns, shared contacts, files from staff, and
   block/unblock notices, patients' (`handlers/patients/`) and staff's
   (`handlers/staff/`); order among them is free (linking's contact handler must
   precede fallback's).
2. the staff relay before questions: when the staff chat is a staff member's private
   chat, their replies to a forwarded question must reach the relay, not the FAQ
   matcher.
3. questions: any other text in a private chat.
4. fallback last: unknown commands, non-text messages, unknown buttons, and the error handler.

Every staff handler (those in `handlers/staff/`, and /invite in handlers/patients/linking.py)
is registered through the one door, handlers/staff_door.py. Behind it a handler matches
only updates sent by a staff member (STAFF_USER_IDS; writing in the staff chat is not
enough). For anyone else it is not there and the update goes on down this order, as one
nothing matched: to fallback's answer to an unknown command in a private chat, its note
on an old button (which only the one who tapped sees), and otherwise to silence.
tests/test_staff_door.py walks the registered handlers and fails on a staff handler
registered without the door.

In group -4, handlers/malformed.py passes over updates Telegram could not have sent (a
message without its chat); in group -3, handlers/profiles.py sets the update's language
and refreshes the sender's name and @username on every update. One handler sits in group
-1, before all of these: safety's screen for warning signs in anything a patient writes.
It ends the update only when it answered it, so a message with a warning sign never
reaches the FAQ matcher. Before it, in group -2, bot/services/dialogs.py loads a staff
member's dialogs (the guided /book, /broadcast then the text) from the database, where
every bot process can see them.

Imports: `bot.appointments`, `bot.sending`, `bot.services`, `bot.texts`, `bot.understanding`,
`bot.core` and `db`; never the assembly, which registers these handlers.
"""

from __future__ import annotations

from bot.services import dialogs
from bot.services.context import ClinicApp
from handlers import fallback, malformed, profiles, safety
from handlers.patients import (
    appointments,
    checkins,
    faq,
    help,
    language,
    linking,
    membership,
    privacy,
    questions,
    reminders,
    start,
)
from handlers.staff import book, broadcast, importing, relay, stats, today

REGISTRATION_ORDER = (
    malformed, profiles, safety,
    start, faq, help, book, today, stats, importing, linking, appointments, broadcast, privacy,
    reminders, checkins, membership, language,
    relay,
    questions,
    fallback)


def register_all(application: ClinicApp) -> None:
    for feature in REGISTRATION_ORDER:
        feature.register(application)
    dialogs.register(application)
