"""The update being handled, in webhook mode (`bot/assembly/inbox.py`): awaited just before
each message goes out while handling it (`bot/sending/delivery.py`), the first time
recording the update as answered. A crash after the reply then leaves Telegram's retry of
the update nothing to answer again; only an update whose reply was on the wire is in
doubt, the rule planned messages follow.

A shared staff dialog (`dialogs.py`) records its update as answered only once its new
state is stored, after its reply: another process given the staff member's next message
waits for an earlier update of the chat still in hand (`inbox.py`), so it sees the state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

ANSWERING: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("answering",
                                                                        default=None)
