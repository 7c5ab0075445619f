"""When the bot has nothing in hand: every update it received handled, every job due by now
run, and no background work (staff alerts, imports, broadcasts) still going.

Tests wait for this (with the stand-in's side of it, `bot/stand_in/quiet.py`) instead of
sleeping for "long enough" and hoping: a reply that comes
late is then a reply that comes, not one the test stopped looking for. It costs production
two counters; `in_hand`, which looks at every timer, only tests call.

What counts as in hand:
- updates received by polling: PTB's update queue counts each from the moment the updater
  puts it in until its handling ends (`UpdateQueue`);
- updates received by the webhook: the tasks handling them (`Running.updates`);
- jobs: those APScheduler has started and not finished (`JobsRunning`), and those due by
  now that it has not yet started (a clock moved by a test makes timers due at once);
- background and broadcast tasks (`Running`).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobSubmissionEvent,
)
from apscheduler.schedulers.base import BaseScheduler

from bot.services.context import ClinicApp

LOOK_EVERY = 0.005


class UpdateQueue(asyncio.Queue[object]):
    """PTB's update queue, counting the updates put in whose handling has not ended yet
    (PTB marks each done once handled: `Application.__process_update_wrapper`)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_hand = 0

    def put_nowait(self, item: object) -> None:  # `put` comes here too
        super().put_nowait(item)
        self.in_hand += 1

    def task_done(self) -> None:
        super().task_done()  # raises, and counts nothing, when called once too often
        self.in_hand -= 1


class JobsRunning:
    """How many job runs APScheduler has started and not finished: a submission counts
    its run times, and each ends in one event (executed, an error, or missed)."""

    def __init__(self, scheduler: BaseScheduler) -> None:
        self.count = 0
        scheduler.add_listener(self._started, EVENT_JOB_SUBMITTED)
        scheduler.add_listener(self._ended, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
                               | EVENT_JOB_MISSED)

    def _started(self, event: JobSubmissionEvent) -> None:
        # One end event comes for each run time: several, if a job that does not coalesce
        # fell behind.
        self.count += len(event.scheduled_run_times)

    def _ended(self, event: JobEvent) -> None:
        self.count = max(0, self.count - 1)


def in_hand(application: ClinicApp) -> str | None:
    """What the bot still has in hand, in a few words; None when nothing."""
    data = application.bot_data
    queue = application.update_queue
    if isinstance(queue, UpdateQueue) and queue.in_hand:
        return f"{queue.in_hand} updates"
    if data.running.updates:
        return f"{len(data.running.updates)} webhook updates"
    jobs = data.feature(_Jobs).running
    if jobs is not None and jobs.count:
        return f"{jobs.count} jobs running"
    if application.job_queue is not None and _due(application.job_queue.scheduler):
        return "jobs due"
    if data.running.background or data.running.broadcasts:
        return "background work"
    return None


async def settled(application: ClinicApp, within: float = 60.0) -> None:
    """Return once nothing is in hand (`in_hand`); raise TimeoutError, naming what was
    still going, if that takes longer than `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while (busy := in_hand(application)) is not None:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the bot still had {busy} after {within:.0f}s")
        await asyncio.sleep(LOOK_EVERY)


def track_jobs(application: ClinicApp) -> None:
    """Count the application's running jobs from now on (at start-up, once its scheduler
    exists)."""
    assert application.job_queue is not None
    application.bot_data.feature(_Jobs).running = JobsRunning(application.job_queue.scheduler)


class _Jobs:
    def __init__(self) -> None:
        self.running: JobsRunning | None = None


def _due(scheduler: Any) -> bool:
    if not scheduler.running:
        return False
    now = datetime.now(UTC)
    return any(job.next_run_time is not None and job.next_run_time <= now
               for job in scheduler.get_jobs())
