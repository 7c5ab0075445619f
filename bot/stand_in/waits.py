"""Waiting for the bot as a whole, rather than for a message in one chat."""

from __future__ import annotations

from bot.stand_in.server import TelegramStub


async def until_polling(stub: TelegramStub, *, since: int = 0, within: float = 30.0,
                        what: str = "the bot to start polling") -> None:
    """Until the bot asks for updates: after the stand-in's `since`-th call (take
    `len(stub.calls)` before starting a process to wait for that one)."""
    await stub.wait_for(
        lambda: any(method == "getUpdates" for method, _ in stub.calls[since:]),
        timeout=within, what=what)
