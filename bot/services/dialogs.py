"""Staff dialogs (the guided /book, /broadcast then the text) shared by every bot process.

PTB's ConversationHandler keeps where each dialog stands in the process's memory, and the
drafts live in user_data, in memory too. Behind several instances a staff member's next
message may reach another process, which would know of no dialog. So a
`SharedConversation` writes its state and draft to the database (db/dialogs.py) after
every step, and `load_dialogs`, which runs before any other handler on a staff member's
update, puts them back into this process's memory first. A dialog left alone ends after
its `timeout` on every process alike: the expiry is in the row, not in a timer.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ConversationHandler, TypeHandler

from bot.services.answering import ANSWERING
from bot.services.context import ClinicApp, ClinicContext
from db import dialogs
from db.models import utcnow

# Before every other group: checkins' warning-sign watch sits in group -1.
LOADER_GROUP = -2
_REVIVE = {"$datetime": datetime.fromisoformat, "$date": date.fromisoformat,
           "$time": time.fromisoformat}


class SharedConversation(ConversationHandler[ClinicContext]):
    """A ConversationHandler whose state (and the draft under `draft_key` in user_data)
    outlives the process and is seen by every other one."""

    def __init__(self, *, name: str, timeout: timedelta, draft_key: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.timeout = timeout
        self.draft_key = draft_key

    def row_key(self, update: Update) -> str:
        return ":".join(str(part) for part in (self.name, *self._get_key(update)))

    async def handle_update(
        self, update: Update, application: Application[Any, ClinicContext, Any, Any, Any, Any],
        check_result: Any, context: ClinicContext,
    ) -> object | None:
        # The update counts as answered only once the new state is stored: the staff
        # member's next message, on another process, waits for it (`answering.py`).
        answering = ANSWERING.get()
        held = ANSWERING.set(None)
        try:
            return await super().handle_update(update, application, check_result, context)
        finally:
            try:
                await self._store(update, context)
            finally:
                ANSWERING.reset(held)
                if answering is not None:
                    await answering()

    async def _store(self, update: Update, context: ClinicContext) -> None:
        state = self._conversations.get(self._get_key(update))
        key = self.row_key(update)
        async with context.database.transaction() as session:
            if not isinstance(state, int):  # ended
                await dialogs.end(session, key)
                return
            draft = (context.user_data or {}).get(self.draft_key) if self.draft_key else None
            await dialogs.save(session, key, state, encode(draft or {}),
                               utcnow() + self.timeout)

    def restore(self, update: Update, context: ClinicContext,
                row: tuple[int, str] | None) -> None:
        """Make this process's memory say what the database says."""
        user_data = context.user_data if context.user_data is not None else {}
        if row is None:
            self._conversations.pop(self._get_key(update), None)
            if self.draft_key:
                user_data.pop(self.draft_key, None)
            return
        self._conversations[self._get_key(update)] = row[0]
        if self.draft_key:
            user_data[self.draft_key] = decode(row[1])


def encode(draft: dict[str, Any]) -> str:
    """JSON, with dates and times tagged so `decode` gives them back as they were."""
    def tagged(value: object) -> dict[str, str]:
        for tag, kind in (("$datetime", datetime), ("$date", date), ("$time", time)):
            if isinstance(value, kind):
                return {tag: value.isoformat()}
        raise TypeError(f"a draft cannot hold {type(value).__name__}")
    return json.dumps(draft, default=tagged)


def decode(text: str) -> dict[str, Any]:
    def revive(mapping: dict[str, Any]) -> Any:
        if len(mapping) == 1:
            [(tag, value)] = mapping.items()
            if tag in _REVIVE:
                return _REVIVE[tag](value)
        return mapping
    decoded: dict[str, Any] = json.loads(text, object_hook=revive)
    return decoded


def register(application: ClinicApp) -> None:
    """After every feature has registered: load shared dialogs before any handler runs."""
    shared = [handler for group in application.handlers.values() for handler in group
              if isinstance(handler, SharedConversation)]

    async def load_dialogs(update: Update, context: ClinicContext) -> None:
        user = update.effective_user
        if update.effective_chat is None or user is None \
                or not context.settings.is_staff(user.id):
            return  # dialogs are for staff; patients' updates cost no query
        keys = {handler: handler.row_key(update) for handler in shared}
        async with context.database.transaction() as session:
            rows = await dialogs.load(session, list(keys.values()), utcnow())
        for handler, key in keys.items():
            handler.restore(update, context, rows.get(key))

    if shared:
        application.add_handler(TypeHandler(Update, load_dialogs), group=LOADER_GROUP)
