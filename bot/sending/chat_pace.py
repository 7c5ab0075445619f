"""Each chat's own pace, as Telegram keeps it: about one message a second in any chat,
groups included, after a short burst (a token bucket), and in a group also 20 a minute (a
sliding minute). A 429 for one chat holds that chat alone for its `retry_after`. The rate
limiter (`bot/sending/rate_limit.py`) waits here before a chat's every send."""

from __future__ import annotations

import asyncio
import time
from collections import deque

# A little slack on every window, for clocks and rounding.
WINDOW_MARGIN = 0.01
PER_CHAT_PER_SECOND = 1.0
# A chat's bucket: messages to one chat at once, then one a second (RATE_LIMIT_CHAT_BURST).
PRIVATE_BURST = 3
GROUP_PER_MINUTE = 20
# Sums of floats a hair short of a whole token are a whole token.
_ROUNDING = 1e-9
# Chats remembered at once; beyond this, idle ones are forgotten (a 10k broadcast).
MAX_TRACKED_CHATS = 5000


class ChatBucket:
    """One chat's allowance: a token bucket (one a second after a burst), and for groups a
    sliding minute as well; and a hold after a 429 for this chat. `lock` keeps one request
    of the chat at a time, so its messages keep their order."""

    def __init__(self, is_group: bool, burst: int) -> None:
        self.is_group = is_group
        self.burst = float(burst)
        self.tokens = self.burst
        self.updated = time.monotonic()
        self.recent: deque[float] = deque()
        self.lock = asyncio.Lock()
        self.last_used = self.updated
        self.held_until = 0.0
        # Requests taking or waiting for this chat's turn (`ClinicRateLimiter._turn`).
        self.queued = 0

    def wait_needed(self, now: float) -> float:
        if now > self.updated:  # (a hold sets `updated` ahead)
            self.tokens = min(self.burst,
                              self.tokens + (now - self.updated) * PER_CHAT_PER_SECOND)
            self.updated = now
        wait = max(0.0, self.held_until - now)
        if self.tokens < 1.0 - _ROUNDING:
            wait = max(wait, (1.0 - self.tokens) / PER_CHAT_PER_SECOND)
        if self.is_group:
            while self.recent and now - self.recent[0] >= 60.0 + WINDOW_MARGIN - _ROUNDING:
                self.recent.popleft()
            if len(self.recent) >= GROUP_PER_MINUTE:
                wait = max(wait, 60.0 + WINDOW_MARGIN - (now - self.recent[0]))
        return wait

    async def until_allowed(self) -> None:
        while True:
            wait = self.wait_needed(time.monotonic())
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def take(self, now: float) -> None:
        self.last_used = now
        self.tokens -= 1.0
        if self.is_group:
            self.recent.append(now)

    def answered(self, now: float) -> None:
        """A request to this chat was answered at `now`. Telegram counted it somewhere
        between its leaving and now, so the allowance grows back from now: a request held
        up on its way (a loaded machine) must not let the next one, sent a second after it
        left, reach Telegram less than a second after it arrived."""
        self.updated = max(self.updated, now)

    def hold(self, until: float) -> None:
        """Telegram answered 429 for this chat: nothing more to it before `until`, and the
        burst spent, so what follows goes one a second."""
        self.held_until = max(self.held_until, until)
        self.tokens = min(self.tokens, 1.0)
        self.updated = max(self.updated, self.held_until)
        self.last_used = max(self.last_used, self.held_until)


class ChatPaces:
    """The buckets of the chats sent to lately, each made on first use."""

    def __init__(self, burst: int) -> None:
        self.burst = burst
        self._chats: dict[int | str, ChatBucket] = {}

    def bucket(self, chat_id: object) -> ChatBucket | None:
        """The chat's bucket; None for a request that names no chat."""
        if not isinstance(chat_id, int | str):
            return None
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= MAX_TRACKED_CHATS:
                self._forget_idle_chats()
            is_group = isinstance(chat_id, str) or chat_id < 0
            bucket = self._chats[chat_id] = ChatBucket(is_group, self.burst)
        return bucket

    def _forget_idle_chats(self) -> None:
        """A chat untouched for a minute has its full allowance back: no need to keep it."""
        now = time.monotonic()
        self._chats = {chat: bucket for chat, bucket in self._chats.items()
                       if bucket.queued or now - bucket.last_used < 60.0 + WINDOW_MARGIN}

    def known(self, chat_id: object) -> ChatBucket | None:
        """The chat's bucket if it has one (after a send, so always for a 429)."""
        return self._chats.get(chat_id) if isinstance(chat_id, int | str) else None
