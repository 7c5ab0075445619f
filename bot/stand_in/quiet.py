"""Quiet: the moment Telegram and the bot have nothing between them.

A test that asserts "no reply" or "no duplicate" must first know that a reply or a
duplicate could no longer come. Sleeping for "long enough" proves nothing on a slow
machine, which is exactly when a late reply shows up. So the stand-in waits until, at one
and the same moment:
- every update it holds was handed over (polling: confirmed by the bot's next getUpdates;
  webhook: answered 2xx), and none is on its way;
- no request of the bot's is in progress (a long poll waiting for updates aside);
- each bot running in this process that said how to ask it (`Quiet.bots`) has nothing in
  hand: every update it received handled, every job due by now run, no background work
  going (`bot/assembly/quiescence.py`).
A test that asks with no such bot registered fails, rather than hear only Telegram's side: a
polling bot confirms an update before it handles it. A bot in another process has no such
line to the test; what it still owes is read from its database instead
(tests/support/quiet.py).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar, Protocol

from aiohttp import web

if TYPE_CHECKING:
    from bot.stand_in.server import TelegramStub



class QuietBot(Protocol):
    """A bot running in this process, as the stand-in asks it."""

    async def settled(self, within: float) -> None:
        """Return once it has nothing in hand; TimeoutError, naming what, after `within`
        seconds."""

    def in_hand(self) -> str | None:
        """What it has in hand right now, in a few words; None when nothing."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOOK_EVERY = 0.005


class Quiet:
    # The stand-ins running in this process, by the address a bot is pointed at, so a bot
    # started from its settings alone can find the one it talks to.
    serving: ClassVar[weakref.WeakValueDictionary[str, TelegramStub]] = \
        weakref.WeakValueDictionary()

    def __init__(self, stub: TelegramStub) -> None:
        self.stub = stub
        self.requests = 0  # in progress, long polls aside
        self.bots: list[QuietBot] = []

    @web.middleware
    async def counting(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The stand-in's middleware: count the requests in progress, long polls aside."""
        counted = request.match_info.get("method", "").lower() != "getupdates"
        self.requests += counted
        try:
            return await handler(request)
        finally:
            self.requests -= counted

    def nothing_between(self) -> bool:
        stub = self.stub
        handed_over = stub.webhook.idle if stub.webhook.active else not stub.held
        return handed_over and not self.requests

    async def wait(self, within: float) -> None:
        """Until Telegram's side and every bot's are quiet at once; AssertionError,
        naming what was still going, after `within` seconds."""
        if not self.bots:
            raise AssertionError(
                "no bot in this process said how to ask it whether it is quiet "
                "(tests/support/bots.py registers them); for bots in other processes, "
                "read their database: tests/support/quiet.py")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            calls = len(self.stub.calls)
            while not self.nothing_between():
                if loop.time() > deadline:
                    raise AssertionError(f"no quiet within {within}s: updates not handed "
                                         "to the bot, or requests of its not answered")
                await asyncio.sleep(LOOK_EVERY)
            for bot in list(self.bots):
                try:
                    await bot.settled(max(0.0, deadline - loop.time()))
                except TimeoutError as busy:
                    raise AssertionError(f"no quiet within {within}s: {busy}") from None
            # Every bot, Telegram's side, and nothing asked of Telegram meanwhile, looked at
            # in one step with no wait between: quiet at the same moment.
            if all(bot.in_hand() is None for bot in self.bots) and self.nothing_between() \
                    and not self.asked_since(calls):
                return
            if loop.time() > deadline:
                raise AssertionError(f"no quiet within {within}s: the bot kept sending")

    def asked_since(self, calls: int) -> bool:
        """Whether the bot asked Telegram for anything but updates after the `calls`-th
        call."""
        return any(method.lower() != "getupdates" for method, _ in self.stub.calls[calls:])
