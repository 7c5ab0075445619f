"""Telegram's flood limits as the stand-in enforces them.

About 30 messages a second overall (a sliding one-second window), about one a second
per chat, groups included, with a short burst allowed as Telegram does (a token bucket),
and 20 a minute in a group (a sliding minute). Going over earns a 429 with a whole-second
retry_after, as Telegram sends.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.stand_in.models import too_many_requests


@dataclass
class FloodLimits:
    enabled: bool = True
    overall_per_second: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    group_per_minute: int = 20


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class FloodControl:
    limits: FloodLimits = field(default_factory=FloodLimits)
    # Seconds, as time.monotonic counts them; a test may hold it still, so that what it sends
    # at once counts as at once on a loaded machine too.
    clock: Callable[[], float] = time.monotonic
    _recent: deque[float] = field(default_factory=deque)
    _chats: dict[int, _Bucket] = field(default_factory=dict)
    _groups: dict[int, deque[float]] = field(default_factory=dict)

    def take(self, chat_id: int) -> None:
        """Count one message to `chat_id`, or refuse it with 429 as Telegram would."""
        retry_after = self.admit(chat_id)
        if retry_after is not None:
            raise too_many_requests(retry_after)

    def admit(self, chat_id: int) -> int | None:
        """Count one message to `chat_id`; None if allowed, else the retry_after to answer."""
        if not self.limits.enabled:
            return None
        now = self.clock()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.limits.overall_per_second:
            return max(1, math.ceil(1.0 - (now - self._recent[0])))
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = self._chats[chat_id] = _Bucket(float(self.limits.per_chat_burst), now)
        rate = self.limits.per_chat_per_second
        bucket.tokens = min(float(self.limits.per_chat_burst),
                            bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens < 1.0:
            return max(1, math.ceil((1.0 - bucket.tokens) / rate))
        if chat_id < 0:
            minute = self._groups.setdefault(chat_id, deque())
            while minute and now - minute[0] >= 60.0:
                minute.popleft()
            if len(minute) >= self.limits.group_per_minute:
                return max(1, math.ceil(60.0 - (now - minute[0])))
            minute.append(now)
        bucket.tokens -= 1.0
        self._recent.append(now)
        return None
