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
A bot in another process has no such line to the test; what it still owes is read from its
database by the test instead.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar

from aiohttp import web

if TYPE_CHECKING:
    from bot.stand_in.server import TelegramStub

# Whether a bot has nothing in hand: returns once so (raises TimeoutError if that takes
# longer than the seconds it is given).
Settles = Callable[[float], Awaitable[None]]
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
        self.bots: list[Settles] = []

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
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            calls = len(self.stub.calls)
            while not self.nothing_between():
                if loop.time() > deadline:
                    raise AssertionError(f"no quiet within {within}s: updates not handed "
                                         "to the bot, or requests of its not answered")
                await asyncio.sleep(LOOK_EVERY)
            for settles in list(self.bots):
                try:
                    await settles(max(0.0, deadline - loop.time()))
                except TimeoutError as busy:
                    raise AssertionError(f"no quiet within {within}s: {busy}") from None
            # Nothing was asked of Telegram while the bots were asked: quiet at once.
            if self.nothing_between() and not self.asked_since(calls):
                return
            if loop.time() > deadline:
                raise AssertionError(f"no quiet within {within}s: the bot kept sending")

    def asked_since(self, calls: int) -> bool:
        """Whether the bot asked Telegram for anything but updates after the `calls`-th
        call."""
        return any(method.lower() != "getupdates" for method, _ in self.stub.calls[calls:])
