"""Who patients are, kept current: the name and @username Telegram sends with every update
from a user (a command, a button tap, a message in any chat) refresh the patient's record,
so `/book @username` finds the person who has that username now, not whoever had it
when they last typed a question. Cheap: a write only when the name or username differs
from what this process last saw of that user; a username written to one record is taken
off any other that still had it (Telegram gives a username to one user at a time).

First, the language every text of the update is written in
(`handlers/patients/language.py`)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from bot.services.context import ClinicApp, ClinicContext
from db.patients import refresh_profile
from handlers.patients.language import look_up

# Users whose name and username this process remembers (the oldest forgotten first).
PROFILES_REMEMBERED = 10_000


class ProfilesSeen:
    """Each user's (first name, last name, username) as last written to their record, so
    an unchanged profile costs no write."""

    def __init__(self) -> None:
        self.names: dict[int, tuple[str, str | None, str | None]] = {}


async def refresh(update: Update, context: ClinicContext) -> None:
    await look_up(update, context)
    user = update.effective_user
    if user is None or user.is_bot:
        return
    seen = (user.first_name, user.last_name, user.username)
    remembered = context.bot_data.feature(ProfilesSeen).names
    if remembered.get(user.id) == seen:
        return
    async with context.database.transaction() as session:
        await refresh_profile(session, user.id, user.first_name, user.last_name,
                              user.username)
    remembered.pop(user.id, None)
    if len(remembered) >= PROFILES_REMEMBERED:
        del remembered[next(iter(remembered))]
    remembered[user.id] = seen


def register(application: ClinicApp) -> None:
    # Group -3: before the dialogs (-2) and the safety screen (-1), which may end the
    # update; it never ends one itself.
    application.add_handler(TypeHandler(Update, refresh), group=-3)
