"""One rate limiter for everything the bot sends: replies, planned messages, broadcasts.

Telegram allows about 30 messages a second overall, about one a second in a private chat
(a short burst is tolerated) and about 20 a minute in a group. PTB's AIORateLimiter
keeps the overall and group limits but not the private-chat one, and it serves waiting
requests in no particular order, so a broadcast would hold up a patient's reply. Here:

- every sending method waits for its chat (`bot/sending/chat_pace.py`: `chat_burst` at
  once, then one a second; groups: 20 a sliding minute), then for an overall slot.
  Overall slots come from a token bucket too, refilled at 30 a second and holding
  `burst`: a reply with nothing queued goes at once, and a few patients asking together
  are answered together rather than a thirtieth of a second apart. Under it is
  Telegram's own window, which no burst may break: at most 30 requests in flight or
  counted by Telegram within the last second. When Telegram counted a request is not
  known, only that it was before the answer came back, by at least the answer's way
  back; and the next request needs at least its way there to arrive. So a slot frees a
  second after the answer, less the shortest recent round trip (the two ways together).
  That keeps us inside Telegram's window however late a request leaves (a busy event
  loop, a slow network) without losing a round trip per slot;
- only replies may spend the burst. Planned messages and broadcasts take a token only
  when the bucket is full, so they go evenly, one every 1/30 s, and leave the burst to
  the patients who are waiting; and few of them are ever on the wire together, so a
  process killed mid-broadcast leaves few copies whose fate is unknown;
- overall slots go by priority (`Priority`, passed as `rate_limit_args`), then by arrival,
  so a reply overtakes a queue of broadcast messages;
- a 429 holds its own chat for its `retry_after` (others go on: a busy staff group must
  not hold up patients' replies), then the request is tried again (up to `max_retries`
  times); only when 429s come for several chats within a second, which is the bot's
  overall rate and not one chat's, does all sending pause; a 5xx or a connection that
  failed or broke before an answer is tried again after a pause (0.5 s, doubling up to
  4 s), but not a request whose answer timed out, which Telegram has
  (bot/sending/delivery.py). Everything else Telegram answers is the caller's.

Requests that send nothing (answering a button, editing, setting commands) pass through.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from enum import IntEnum
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.sending.chat_pace import PRIVATE_BURST, WINDOW_MARGIN, ChatPaces
from bot.sending.delivery import may_have_arrived, record_answering, seconds_of

logger = logging.getLogger(__name__)

SENDING_ENDPOINTS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendAudio", "sendVideo", "sendVoice",
    "sendAnimation", "sendSticker", "sendLocation", "sendContact", "sendMediaGroup",
    "copyMessage", "forwardMessage", "sendPoll", "sendVenue", "sendDice",
})
OVERALL_PER_SECOND = 30
# The overall token bucket's size: sends that may leave at once (RATE_LIMIT_BURST).
OVERALL_BURST = 10
# A send that meets a 429, a 5xx or a broken connection is tried again this many times.
# A patient's reply has no queue to go back to, so it rides out about 12 s of trouble
# before the patient is told something went wrong: with three, a fifth of sends failing
# lost about one reply in 1,500 (tests/test_faults.py caught it); with five, one in 60,000.
MAX_RETRIES = 5
# The pauses after a 5xx or a broken connection: 0.5, 1, 2, 4, 4 s.
NETWORK_RETRY_PAUSE = 0.5
NETWORK_RETRY_PAUSE_MOST = 4.0
# Round trips remembered for the shortest-recent estimate.
ROUND_TRIPS_KEPT = 64
# 429s for this many chats within a second say the overall rate was passed: all sending
# pauses. Fewer hold only their own chats.
OVERALL_429_CHATS = 3


class Priority(IntEnum):
    """Lower goes first."""

    REPLY = 0  # answers to what a patient or staff member just did
    PLANNED = 1  # guides, reminders, check-ins, notices: due now, not urgent to the second
    BULK = 2  # broadcasts


class Ticket:
    """An overall slot taken ahead of the request (see `ClinicRateLimiter.acquire`).
    `on_wire`, when set, is awaited once, after every wait and just before the request
    begins: the sender records that from here a crash leaves the message in doubt."""

    __slots__ = ("on_wire", "priority")

    def __init__(self, priority: int) -> None:
        self.priority = priority
        self.on_wire: Callable[[], Awaitable[None]] | None = None


async def slot_first(limiter: object, priority: int) -> Ticket | int:
    """An overall slot taken before claiming what to send, so a claimed message goes out at
    once and a crash strands at most those on their way (a limiter other than the clinic's
    only gets the priority)."""
    if isinstance(limiter, ClinicRateLimiter):
        return await limiter.acquire(priority)
    return priority


def unused(limiter: object, ticket: Ticket | int) -> None:
    """A slot from `slot_first` that nothing was sent with."""
    if isinstance(ticket, Ticket) and isinstance(limiter, ClinicRateLimiter):
        limiter.give_back(ticket)


class ClinicRateLimiter(BaseRateLimiter[int | Ticket]):
    def __init__(self, *, overall_per_second: int = OVERALL_PER_SECOND,
                 burst: int = OVERALL_BURST, chat_burst: int = PRIVATE_BURST,
                 max_retries: int = MAX_RETRIES,
                 network_retry_pause: float = NETWORK_RETRY_PAUSE) -> None:
        if burst < 1 or chat_burst < 1:
            raise ValueError("a burst is at least 1")
        self._overall_per_second = overall_per_second
        self.burst = burst
        # The overall bucket: full at start, refilled at the overall rate.
        self._tokens = float(burst)
        self._refilled = time.monotonic()
        self.max_retries = max_retries
        # The first pause after a 5xx or a broken connection; each next one doubles, up to
        # NETWORK_RETRY_PAUSE_MOST. (Tests that exhaust the retries make it short.)
        self.network_retry_pause = network_retry_pause
        # When recent requests were counted by Telegram (at the latest), and how many are out.
        self._answered: deque[float] = deque()
        self._in_flight = 0
        self._round_trips: deque[float] = deque(maxlen=ROUND_TRIPS_KEPT)
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._paces = ChatPaces(chat_burst)
        self._paused_until = 0.0
        self._recent_429s: deque[tuple[float, object]] = deque()
        self._wake = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    @property
    def overall_per_second(self) -> int:
        return self._overall_per_second

    @overall_per_second.setter
    def overall_per_second(self, rate: int) -> None:
        """This process's share of the overall limit; 0 holds every request."""
        self._overall_per_second = rate
        self._wake.set()

    async def initialize(self) -> None:
        """Nothing yet: the slot pump starts with the first request that needs a slot, so
        a start that fails before any (no network, a refused token) leaves no task."""

    def _start_pump(self) -> None:
        if self._pump is None:
            self._wake = asyncio.Event()
            self._pump = asyncio.create_task(self._grant_slots(), name="rate-limiter")

    async def shutdown(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        for _, _, waiter in self._waiters:
            waiter.cancel()
        self._waiters.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Ticket | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in SENDING_ENDPOINTS:
            if isinstance(rate_limit_args, Ticket):
                self.give_back(rate_limit_args)
            return await callback(*args, **kwargs)
        ticket: Ticket | None = None
        on_wire: Callable[[], Awaitable[None]] | None = None
        if isinstance(rate_limit_args, Ticket):
            ticket, priority = rate_limit_args, rate_limit_args.priority
            on_wire = rate_limit_args.on_wire
        else:
            priority = Priority.REPLY if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        for attempt in range(self.max_retries + 1):
            granted = False
            travel = 0.0
            try:
                # A ticket holds its overall slot already; after the turn the request
                # holds one, and if the turn fails, none.
                await self._turn(chat_id, ticket is not None, priority, on_wire)
                granted = True
                ticket, on_wire = None, None  # a retry waits like any other request
                sent_at = time.monotonic()
                answer = await callback(*args, **kwargs)
                self._round_trips.append(time.monotonic() - sent_at)
                travel = min(self._round_trips)
                return answer
            except RetryAfter as error:
                if attempt == self.max_retries:
                    raise
                self._after_429(chat_id, seconds_of(error.retry_after))
            except NetworkError as error:  # 5xx, a refused or broken connection, a timeout
                if isinstance(error, BadRequest) or attempt == self.max_retries \
                        or may_have_arrived(error):
                    raise  # a 400 (PTB's subclass), or Telegram has it (bot/sending/delivery.py)
                logger.warning("Sending failed (%s); trying again", error)
                await asyncio.sleep(self.pause_after_failure(attempt))
            finally:
                if granted:
                    self._release(travel=travel)
                    bucket = self._paces.known(chat_id)
                    if bucket is not None:
                        bucket.answered(time.monotonic())
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _turn(self, chat_id: object, holding: bool, priority: int,
                    on_wire: Callable[[], Awaitable[None]] | None) -> None:
        """Every wait before a request, so that the moment the chat's allowance is spent
        is the moment the request leaves: the chat's turn and allowance, the overall slot
        (unless `holding` one, a ticket's), the sender's on-the-wire note (a database
        write), and only then the chat's token. Spent before the slow steps, a token would
        be counted early, and the next message to the chat, sent on time by that count,
        would reach Telegram too soon after this one (a 429 under load).

        No overall slot is held while waiting for a chat's turn: the request ahead in that
        chat may be waiting for a slot itself, and once every slot waited so, nothing
        would move (a ticket's planned message behind a calendar file of the same chat did
        that). A ticket whose chat is busy gives its slot back and waits like any other.
        Returns holding one overall slot; raises holding none."""
        bucket = self._paces.bucket(chat_id)
        try:
            if bucket is None:
                if not holding:
                    await self._wait_for_slot(priority)
                    holding = True
                if on_wire is not None:
                    await on_wire()
                await record_answering()
                return
            if holding and bucket.queued:
                self._release(answered=False)
                holding = False
            bucket.queued += 1
            try:
                async with bucket.lock:  # one request per chat at a time keeps the order
                    await bucket.until_allowed()
                    if not holding:
                        await self._wait_for_slot(priority)
                        holding = True
                    if on_wire is not None:
                        await on_wire()  # a failure here: nothing was sent
                    await record_answering()
                    await bucket.until_allowed()  # the waits only added allowance
                    bucket.take(time.monotonic())
            finally:
                bucket.queued -= 1
        except BaseException:
            if holding:
                self._release(answered=False)  # the slot it held, unused
            raise

    def _after_429(self, chat_id: object, delay: float) -> None:
        """Hold the chat a 429 was for; pause everything when the 429s say the overall
        rate was passed (several chats at once, or a request naming no chat)."""
        now = time.monotonic()
        self._recent_429s.append((now, chat_id))
        while self._recent_429s and now - self._recent_429s[0][0] > 1.0:
            self._recent_429s.popleft()
        chats = {chat for _, chat in self._recent_429s}
        bucket = self._paces.known(chat_id)
        if bucket is not None and len(chats) < OVERALL_429_CHATS:
            logger.warning("Telegram asked to wait %.1f s (429) for one chat; holding it",
                           delay)
            bucket.hold(now + delay)
            return
        logger.warning("Telegram asked to wait %.1f s (429); pausing all sending", delay)
        self._paused_until = max(self._paused_until, now + delay)
        self._wake.set()

    def pause_after_failure(self, attempt: int) -> float:
        """The pause before retry `attempt + 1` after a 5xx or a broken connection."""
        return float(min(self.network_retry_pause * 2 ** attempt, NETWORK_RETRY_PAUSE_MOST))

    async def acquire(self, priority: int) -> Ticket:
        """An overall slot now, for a request made right after (pass the ticket as
        `rate_limit_args`). A broadcast takes its slot before claiming a recipient, so a
        claimed copy is never left waiting in here when the process dies."""
        await self._wait_for_slot(priority)
        return Ticket(priority)

    def give_back(self, ticket: Ticket) -> None:
        """A slot taken with `acquire` but not used."""
        self._release(answered=False)

    def _release(self, *, answered: bool = True, travel: float = 0.0) -> None:
        """The request is answered (or failed): its slot frees a second from now, less
        `travel` (see the module's docstring)."""
        self._in_flight -= 1
        if answered:
            counted = time.monotonic() - travel
            # Kept in order, so the oldest is always first (erring late is safe).
            if self._answered and counted < self._answered[-1]:
                counted = self._answered[-1]
            self._answered.append(counted)
        self._wake.set()

    async def _wait_for_slot(self, priority: int) -> None:
        self._start_pump()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        now = time.monotonic()
        if not self._waiters and self._wait_before_grant(priority, now) is None:
            # Nobody queued and a slot free: taken here, without a round through the pump
            # (the common case for a reply; a task switch saved on every send).
            self._hand_out(priority, waiter, now)
        else:
            heapq.heappush(self._waiters, (priority, next(self._order), waiter))
            self._wake.set()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(answered=False)  # granted, then cancelled before sending
            raise

    def _wait_before_grant(self, priority: int, now: float) -> float | None:
        """None if a request of `priority` may have an overall slot at `now`; otherwise how
        long until it may, as far as is known (inf: until something is answered). Never
        more than the limit in flight or answered within a second (plus the margin), none
        while paused by a 429, and each for a token from the bucket (a reply any token,
        anything else only a full bucket)."""
        window = 1.0 + WINDOW_MARGIN
        while self._answered and now - self._answered[0] >= window:
            self._answered.popleft()
        busy = self._in_flight + len(self._answered)
        rate = self.overall_per_second  # 0 holds everything (bot/assembly/instances.py)
        size = float(min(self.burst, max(rate, 1)))  # a share of 5/s bursts 5 at most
        if rate > 0:
            self._tokens = min(size, self._tokens + (now - self._refilled) * rate)
        self._refilled = now
        need = 1.0 if priority == Priority.REPLY else size  # the burst is for replies
        if now < self._paused_until:
            return self._paused_until - now
        if rate <= 0:
            return math.inf
        if busy >= rate:
            return window - (now - self._answered[0]) if self._answered else math.inf
        if self._tokens < need - 1e-9:
            return (need - self._tokens) / rate
        return None

    async def _grant_slots(self) -> None:
        """Hand out overall slots to the queued requests, best priority first, each when
        `_wait_before_grant` allows."""
        while True:
            self._wake.clear()
            while self._waiters and self._waiters[0][2].done():  # cancelled: turn given away
                heapq.heappop(self._waiters)
            if not self._waiters:
                await self._wake.wait()
                continue
            now = time.monotonic()
            wait = self._wait_before_grant(self._waiters[0][0], now)
            if wait is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(),
                                           None if math.isinf(wait) else wait)
                continue
            priority, _, waiter = heapq.heappop(self._waiters)
            self._hand_out(priority, waiter, now)

    def _hand_out(self, priority: int, waiter: asyncio.Future[None], now: float) -> None:
        """The slot to the request of `priority` waiting on `waiter`, at `now`."""
        self._in_flight += 1
        self._tokens -= 1.0
        waiter.set_result(None)
