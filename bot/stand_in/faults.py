"""Telegram having a bad day, on a share of requests: 429 with various retry_after, 500
and 502 (not carried out), answers that come back only after the bot's read timeout
(carried out), and connections reset before the request is read (not carried out)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from bot.stand_in.models import ApiError, too_many_requests

SLOW = "slow"
RESET = "reset"
KINDS = ("429", "500", "502", SLOW, RESET)


@dataclass
class FaultPlan:
    share: float = 0.2  # of the calls to `methods` that meet a fault
    seed: int = 1
    slow_for: float = 1.5  # seconds; set it past the bot's TELEGRAM_READ_TIMEOUT
    methods: frozenset[str] = frozenset({"sendmessage"})
    # A bad day, not an outage: one chat's sends meet at most this many faults in a row.
    # (Six in a row, at a fifth each, outlast a reply's retries about once in 15,000
    # sends, which made the fault test fail now and then for reasons of luck, not code.)
    max_in_a_row: int = 3
    applied: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._in_a_row: Counter[object] = Counter()

    def draw(self, method: str, chat: object = None) -> str | None:
        """The fault for this call to `chat`, if any (counted in `applied`)."""
        if method.lower() not in self.methods or self._random.random() >= self.share \
                or self._in_a_row[chat] >= self.max_in_a_row:
            self._in_a_row[chat] = 0
            return None
        self._in_a_row[chat] += 1
        kind = self._random.choice(KINDS)
        self.applied[kind] += 1
        return kind

    def before(self, method: str, request: web.Request, chat: object = None) -> str | None:
        """Draw this call's fault and act out those that come before Telegram reads the
        request: reset the connection, or raise the 429 or 5xx. SLOW is the caller's."""
        kind = self.draw(method, chat)
        if kind == RESET and request.transport is not None:
            request.transport.abort()
        elif kind not in (None, RESET, SLOW):
            raise self.error(kind)
        return kind

    def error(self, kind: str) -> ApiError:
        if kind == "429":
            return too_many_requests(self._random.choice([1, 1, 2]))
        if kind == "500":
            return ApiError(500, "Internal Server Error")
        return ApiError(502, "Bad Gateway")
