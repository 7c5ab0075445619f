"""The shared rate limiter on its own, with a recording callback in place of Telegram:
overall slots by priority, the per-chat pace, the 429 pause, and tickets."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.sending.chat_pace import GROUP_PER_MINUTE, PRIVATE_BURST, ChatBucket
from bot.sending.rate_limit import ClinicRateLimiter, Priority


class Recorder:
    """A stand-in for the HTTP call: notes when each request went out."""

    def __init__(self, answer_after: float = 0.0) -> None:
        self.started: list[tuple[float, str]] = []
        self.answer_after = answer_after
        self.refusals: dict[str, int] = {}

    async def call(self, name: str) -> dict[str, Any]:
        self.started.append((time.monotonic(), name))
        if self.refusals.get(name):
            self.refusals[name] -= 1
            raise RetryAfter(1)
        await asyncio.sleep(self.answer_after)
        return {"ok": name}


@pytest.fixture
async def limiter() -> AsyncIterator[ClinicRateLimiter]:
    limiter = ClinicRateLimiter(overall_per_second=3)
    await limiter.initialize()
    yield limiter
    await limiter.shutdown()


def send(limiter: ClinicRateLimiter, recorder: Recorder, name: str, chat_id: int,
         priority: Priority = Priority.REPLY) -> asyncio.Task[Any]:
    return asyncio.create_task(limiter.process_request(
        recorder.call, (name,), {}, "sendMessage", {"chat_id": chat_id}, priority))


async def test_a_reply_overtakes_queued_broadcast_messages(limiter: ClinicRateLimiter) -> None:
    recorder = Recorder()
    bulk = [send(limiter, recorder, f"bulk{n}", 1000 + n, Priority.BULK) for n in range(6)]
    await asyncio.sleep(0.1)  # one is out; the next may go a third of a second later
    reply = send(limiter, recorder, "reply", 7)
    await asyncio.gather(*bulk, reply)

    order = [name for _, name in recorder.started]
    assert order[:3] == ["bulk0", "reply", "bulk1"]


class GrantTimes(ClinicRateLimiter):
    """The limiter, noting the moment it hands out each overall slot. (When a request
    then starts depends on how busy the machine is; the grants are what it decides.)"""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.grants: list[float] = []
        self.priorities: list[int] = []

    def _hand_out(self, priority: int, waiter: asyncio.Future[None], now: float) -> None:
        self.grants.append(now)
        self.priorities.append(priority)
        super()._hand_out(priority, waiter, now)


async def test_broadcast_slots_are_spread_over_the_second_not_handed_out_at_once() -> None:
    limiter = GrantTimes(overall_per_second=3)
    await limiter.initialize()
    recorder = Recorder()
    try:
        await asyncio.gather(*(send(limiter, recorder, f"m{n}", 3000 + n, Priority.BULK)
                               for n in range(6)))
    finally:
        await limiter.shutdown()

    gaps = [later - earlier for earlier, later in itertools.pairwise(limiter.grants)]
    assert len(recorder.started) == len(limiter.grants) == 6
    assert min(gaps) >= 1 / 3  # three a second: one every third of a second


async def test_no_second_holds_more_than_the_overall_limit() -> None:
    limiter = GrantTimes(overall_per_second=3)
    await limiter.initialize()
    recorder = Recorder(answer_after=0.05)
    try:
        await asyncio.gather(*(send(limiter, recorder, f"m{n}", 2000 + n, Priority.BULK)
                               for n in range(9)))
    finally:
        await limiter.shutdown()

    grants = limiter.grants
    assert len(grants) == len(recorder.started) == 9
    for at in grants:
        within_a_second = [other for other in grants if at - 1.0 < other <= at]
        assert len(within_a_second) <= 3
    assert grants[-1] - grants[0] >= 2.0  # nine at three a second


async def replies_at_once(limiter: ClinicRateLimiter, count: int, *, first_chat: int,
                          answer_after: float = 0.0) -> None:
    """`count` replies, one to each of as many chats, all asked at once; then the limiter
    is shut down."""
    await limiter.initialize()
    recorder = Recorder(answer_after)
    try:
        await asyncio.gather(*(send(limiter, recorder, f"r{n}", first_chat + n)
                               for n in range(count)))
    finally:
        await limiter.shutdown()


async def test_replies_with_nothing_queued_go_at_once_not_a_thirtieth_apart() -> None:
    """Patients asking together are answered together: the burst is the replies'."""
    limiter = GrantTimes(overall_per_second=30, burst=10)
    await replies_at_once(limiter, 10, first_chat=4000)

    assert len(limiter.grants) == 10
    assert limiter.grants[-1] - limiter.grants[0] < 0.15  # paced, the tenth would wait 0.3 s


async def test_a_burst_of_replies_then_the_pace_and_never_over_the_limit_in_a_second() -> None:
    limiter = GrantTimes(overall_per_second=30, burst=10)
    await replies_at_once(limiter, 70, first_chat=5000, answer_after=0.01)

    grants = limiter.grants
    assert len(grants) == 70
    for at in grants:  # Telegram's window holds whatever the bucket allows
        assert len([other for other in grants if at - 1.0 < other <= at]) <= 30
    # After the burst, the bucket refills at 30 a second: 20 more take two thirds of one.
    assert grants[29] - grants[9] >= 19 / 30
    assert grants[9] - grants[0] < 0.15  # the burst itself at once
    assert grants[-1] - grants[0] >= 2.0  # seventy within Telegram's thirty a second


async def test_broadcasts_leave_the_burst_to_replies() -> None:
    """Bulk sending takes a token only from a full bucket: it goes one every 1/30 s, and
    patients who write meanwhile still find their burst."""
    limiter = GrantTimes(overall_per_second=30, burst=10)
    await limiter.initialize()
    recorder = Recorder()
    try:
        bulk = [send(limiter, recorder, f"b{n}", 6000 + n, Priority.BULK) for n in range(30)]
        await asyncio.sleep(0.25)
        await asyncio.gather(*(send(limiter, recorder, f"r{n}", 7000 + n) for n in range(8)))
        await asyncio.gather(*bulk)
    finally:
        await limiter.shutdown()

    by_priority: dict[int, list[float]] = {Priority.BULK: [], Priority.REPLY: []}
    for at, priority in zip(limiter.grants, limiter.priorities, strict=True):
        by_priority[priority].append(at)
    bulk_grants, reply_grants = by_priority[Priority.BULK], by_priority[Priority.REPLY]
    assert len(bulk_grants) == 30 and len(reply_grants) == 8
    assert min(later - earlier for earlier, later in itertools.pairwise(bulk_grants)) \
        >= 1 / 30 - 1e-6
    assert reply_grants[-1] - reply_grants[0] < 0.12  # together; paced would be 0.23 s
    assert bulk_grants[0] < reply_grants[0] < bulk_grants[-1]  # the broadcast was going


async def test_a_burst_of_one_paces_replies_as_well() -> None:
    """RATE_LIMIT_BURST=1: every send a thirtieth of a second after the last."""
    limiter = GrantTimes(overall_per_second=30, burst=1)
    await replies_at_once(limiter, 5, first_chat=8000)

    gaps = [later - earlier for earlier, later in itertools.pairwise(limiter.grants)]
    assert min(gaps) >= 1 / 30 - 1e-6


@pytest.mark.parametrize("chat_id", [42, -100123], ids=["private", "group"])
async def test_a_chat_gets_a_short_burst_then_one_a_second(chat_id: int) -> None:
    limiter = ClinicRateLimiter(overall_per_second=30)
    await limiter.initialize()
    recorder = Recorder()
    try:
        await asyncio.gather(*(send(limiter, recorder, f"m{n}", chat_id)
                               for n in range(PRIVATE_BURST + 2)))
    finally:
        await limiter.shutdown()

    starts = [at for at, _ in recorder.started]
    burst = starts[PRIVATE_BURST - 1] - starts[0]
    assert burst < 0.9  # at once, not at the chat's pace of one a second
    assert starts[PRIVATE_BURST] - starts[0] >= 0.9
    assert starts[PRIVATE_BURST + 1] - starts[PRIVATE_BURST] >= 0.9


async def test_a_429_for_one_chat_holds_that_chat_alone_then_retries_the_message(
    limiter: ClinicRateLimiter,
) -> None:
    recorder = Recorder()
    recorder.refusals["first"] = 1
    first = send(limiter, recorder, "first", 1)
    await asyncio.sleep(0.05)
    other = send(limiter, recorder, "other", 2)

    assert await other == {"ok": "other"}
    assert await first == {"ok": "first"}
    times = {name: at for at, name in recorder.started}  # the last start of each
    refused_at = recorder.started[0][0]
    assert times["other"] - refused_at < 0.9  # another chat goes on
    assert times["first"] - refused_at >= 0.95  # the refused chat waited its retry_after
    assert [name for _, name in recorder.started].count("first") == 2


async def test_429s_for_several_chats_at_once_pause_everyone() -> None:
    limiter = ClinicRateLimiter(overall_per_second=30)
    await limiter.initialize()
    recorder = Recorder()
    for name in ("a", "b", "c"):
        recorder.refusals[name] = 1
    all_refused = asyncio.Event()
    answer = recorder.call

    async def call(name: str) -> dict[str, Any]:
        try:
            return await answer(name)
        finally:
            if not any(recorder.refusals.values()):
                all_refused.set()

    recorder.call = call  # type: ignore[method-assign]
    try:
        refused = [send(limiter, recorder, name, chat)
                   for chat, name in enumerate(("a", "b", "c"), start=1)]
        await asyncio.wait_for(all_refused.wait(), 5)
        other = send(limiter, recorder, "other", 9)
        await asyncio.gather(*refused, other)
    finally:
        await limiter.shutdown()

    times = {name: at for at, name in recorder.started}
    refused_at = recorder.started[0][0]
    assert times["other"] - refused_at >= 0.95  # the overall rate: everyone waits


async def test_a_429_past_the_retries_reaches_the_caller() -> None:
    limiter = ClinicRateLimiter(overall_per_second=30, max_retries=0)
    await limiter.initialize()
    recorder = Recorder()
    recorder.refusals["m"] = 1
    try:
        with pytest.raises(RetryAfter):
            await send(limiter, recorder, "m", 1)
    finally:
        await limiter.shutdown()


async def test_a_ticket_is_the_slot_and_an_unused_one_comes_back(
    limiter: ClinicRateLimiter,
) -> None:
    recorder = Recorder()
    tickets = [await limiter.acquire(Priority.BULK) for _ in range(3)]
    waiting = asyncio.create_task(limiter.acquire(Priority.BULK))
    await asyncio.sleep(0.2)
    assert not waiting.done()  # all three slots are taken

    limiter.give_back(tickets[0])  # never used: free at once, not a second later
    await asyncio.wait_for(waiting, 0.2)
    sent = await limiter.process_request(recorder.call, ("m",), {}, "sendMessage",
                                         {"chat_id": 5}, tickets[1])
    assert sent == {"ok": "m"}
    assert len(recorder.started) == 1


async def test_calls_that_send_nothing_are_not_held(limiter: ClinicRateLimiter) -> None:
    recorder = Recorder()
    for _ in range(3):
        await limiter.acquire(Priority.BULK)  # every overall slot taken
    answered = await asyncio.wait_for(limiter.process_request(
        recorder.call, ("edit",), {}, "editMessageText", {"chat_id": 1}, None), 0.2)
    assert answered == {"ok": "edit"}


async def test_a_broken_connection_is_tried_again_but_a_timed_out_answer_is_not(
    limiter: ClinicRateLimiter,
) -> None:
    calls: list[str] = []

    async def flaky(name: str) -> dict[str, Any]:
        calls.append(name)
        if name == "reset" and calls.count(name) <= 2:
            raise NetworkError("httpx.RemoteProtocolError: Server disconnected")
        if name == "slow":
            try:
                raise httpx.ReadTimeout("no answer")
            except httpx.ReadTimeout as cause:
                raise TimedOut from cause
        return {"ok": name}

    def call(name: str) -> Any:
        return limiter.process_request(flaky, (name,), {}, "sendMessage", {"chat_id": 5},
                                       Priority.PLANNED)

    answer = await call("reset")
    with pytest.raises(TimedOut):
        await call("slow")

    assert answer == {"ok": "reset"} and calls.count("reset") == 3
    assert calls.count("slow") == 1  # Telegram has it: sending again would be a duplicate


def test_the_pauses_after_a_5xx_double_from_half_a_second_up_to_four() -> None:
    """0.5, 1, 2, 4 and 4 s: about 12 s of trouble ridden out, then the caller hears."""
    limiter = ClinicRateLimiter()

    pauses = [limiter.pause_after_failure(attempt) for attempt in range(limiter.max_retries)]

    assert pauses == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_a_group_goes_one_a_second_and_twenty_a_minute() -> None:
    """The group's pace on a clock the test holds: a burst, one a second, and never more
    than 20 in any minute (Telegram's two limits for groups)."""
    bucket = ChatBucket(is_group=True, burst=PRIVATE_BURST)
    start = now = bucket.updated
    offsets = []
    for _ in range(GROUP_PER_MINUTE + 5):
        now += bucket.wait_needed(now)
        assert bucket.wait_needed(now) == 0
        bucket.take(now)
        offsets.append(now - start)
    assert offsets[PRIVATE_BURST - 1] == 0.0
    for first, at in enumerate(offsets):  # a bucket: never more than a burst ahead
        for seconds in (1, 5, 10):
            within = [other for other in offsets[first:] if other - at < seconds - 1e-6]
            assert len(within) <= PRIVATE_BURST + seconds - 1
    assert offsets[PRIVATE_BURST] >= 1.0 - 1e-6
    for first, at in enumerate(offsets):
        in_a_minute = [other for other in offsets[first:] if other - at < 60.0 - 1e-6]
        assert len(in_a_minute) <= GROUP_PER_MINUTE
    assert offsets[GROUP_PER_MINUTE] >= 60.0


def test_a_held_chat_waits_out_its_retry_after_and_loses_its_burst() -> None:
    bucket = ChatBucket(is_group=False, burst=PRIVATE_BURST)
    now = bucket.updated
    bucket.hold(now + 5.0)
    assert bucket.wait_needed(now) == pytest.approx(5.0)
    assert bucket.wait_needed(now + 5.0) == 0
    bucket.take(now + 5.0)
    assert bucket.wait_needed(now + 5.0) > 0.5  # one a second after the hold, no burst


def test_a_chat_s_allowance_grows_back_from_the_answer_not_the_send() -> None:
    """A request slow on its way (a loaded machine) reaches Telegram late; counting the
    second from when it left would let the next one arrive less than a second after it
    (the broadcast test met that 429). The allowance grows back from the answer."""
    bucket = ChatBucket(is_group=False, burst=PRIVATE_BURST)
    now = bucket.updated
    for _ in range(PRIVATE_BURST):
        bucket.take(now)  # the burst, all at once
    bucket.answered(now + 0.4)  # the last of them answered 0.4 s after it left
    assert bucket.wait_needed(now + 1.0) == pytest.approx(0.4)
    assert bucket.wait_needed(now + 1.4) == 0


async def test_tickets_never_hold_every_slot_while_their_chat_waits_for_one() -> None:
    """A planned message's ticket holds an overall slot; a calendar file for the same chat,
    sent without one, held the chat's turn while it waited for a slot. Once every slot
    was a ticket waiting for that chat, nothing moved (the chaos test hung so)."""
    limiter = ClinicRateLimiter(overall_per_second=2, burst=2)
    await limiter.initialize()
    recorder = Recorder()
    try:
        first, second = (await limiter.acquire(Priority.PLANNED),
                         await limiter.acquire(Priority.PLANNED))  # every slot
        unticketed = send(limiter, recorder, "calendar", 5, Priority.PLANNED)
        await asyncio.sleep(0.05)  # it has the chat's turn and waits for a slot
        ticketed = [asyncio.create_task(limiter.process_request(
            recorder.call, (name,), {}, "sendMessage", {"chat_id": 5}, ticket))
            for name, ticket in (("guide", first), ("reminder", second))]
        await asyncio.wait_for(asyncio.gather(unticketed, *ticketed), 10)
    finally:
        await limiter.shutdown()

    assert [name for _, name in recorder.started] == ["calendar", "guide", "reminder"]
