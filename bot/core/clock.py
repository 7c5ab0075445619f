"""The clinic's clock: what "now" is when the bot plans, sends and judges appointment
messages (is the guide due, has the session started, is this check-in too late).

Production reads the system clock. Tests and the demo use a `ManualClock`, which moves
only when told: `advance` jumps it forward and pulls the scheduler's timers forward by
the same amount, so whatever falls due runs at once, through the same APScheduler jobs
and the same code as in production, with no second copy of the scheduling rules.

What coordinates processes (leases, heartbeats, the webhook's update records) and paces
sending (the rate limiter, broadcast retries) keeps to real time: skipping a day ahead in
a test or the demo must not make a lease expire or Telegram's limits loosen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.date import DateTrigger


class Clock:
    """The system clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock(Clock):
    """A clock that stands still until `advance` moves it (tests, the demo)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)
        self._driven: dict[Any, Callable[[], object] | None] = {}

    def now(self) -> datetime:
        return self._now

    def drive(self, scheduler: Any, on_advance: Callable[[], object] | None = None) -> None:
        """Let `advance` move this APScheduler scheduler's timers (PTB's job queue's),
        and call `on_advance` after each move (the bot looks for newly due messages)."""
        self._driven[scheduler] = on_advance

    def release(self, scheduler: Any) -> None:
        self._driven.pop(scheduler, None)

    def advance(self, by: timedelta) -> None:
        """Move the clock forward by `by`, and every pending one-off timer of the
        schedulers it drives as much closer: a timer due within `by` fires now, a later
        one stays as far from the new "now" as it was from its due time."""
        if by < timedelta(0):
            raise ValueError("a clinic clock does not go back")
        self._now += by
        for scheduler, on_advance in list(self._driven.items()):
            if not scheduler.running:
                continue
            for job in scheduler.get_jobs():
                # One-off timers are planned messages, due at a clinic time. Repeating jobs
                # (heartbeats, leases, sweeps) keep real time; moved back a day, APScheduler
                # would also work out each of the day's missed runs (28,800 for a 3 s one).
                if isinstance(job.trigger, DateTrigger) and job.next_run_time is not None:
                    job.modify(next_run_time=job.next_run_time - by)
            scheduler.wakeup()
            if on_advance is not None:
                on_advance()

    def advance_to(self, moment: datetime) -> None:
        """Move the clock forward to `moment` (no change if it is already past it)."""
        self.advance(max(timedelta(0), moment - self._now))
