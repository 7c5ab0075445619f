"""The staff's weekly picture: /stats on demand, and the weekly digest to the staff chat
(`WEEKLY_DIGEST`, e.g. `mon 08:30` clinic time).

The digest is claimed in the database before it is sent (`db/markers.py`), so it goes
once a week however many processes run and however often they restart; one cut off by a
crash between claim and send is not sent again (the rule every planned message keeps).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from telegram.error import TelegramError

from bot.core.settings import Settings
from bot.services.context import BotData, ClinicContext
from bot.texts.chart import weekly_chart
from bot.texts.keys import Text
from db.markers import claim_once
from db.questions import unanswered_questions
from db.stats import Figures, weekly_figures

logger = logging.getLogger(__name__)

WEEKS = 4
TOP_QUESTIONS = 3
QUESTION_CHARS = 80
DIGEST_JOB = "weekly-digest"
DIGEST_LOOK_EVERY = 5.0  # seconds: the job only compares times until the digest is due
DIGEST_LATEST = timedelta(hours=12)  # a bot down all morning skips that week's digest


@dataclass(frozen=True)
class Report:
    chart: bytes  # PNG
    summary: str  # HTML


def week_starts(now: datetime, settings: Settings, weeks: int = WEEKS) -> list[datetime]:
    """Midnight on the Monday of each of the last `weeks` clinic weeks, oldest first."""
    zone = settings.timezone
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return [datetime.combine(monday - timedelta(weeks=back), time(), zone)
            for back in range(weeks - 1, -1, -1)]


async def weekly_report(data: BotData, practitioner: str | None = None) -> Report:
    now = data.services.clock.now()
    async with data.services.database.transaction() as session:
        figures = await weekly_figures(session, week_starts(now, data.settings), now,
                                       practitioner)
        questions = await unanswered_questions(session, TOP_QUESTIONS)
    chart = await asyncio.to_thread(
        weekly_chart, figures, data.services.contents.staff, data.settings.timezone,
        data.settings.escalation_threshold, practitioner)
    lines = [_summary(data, figures)]
    lines += [data.services.contents.staff.text(Text.STATS_TOP_QUESTION, count=question.count,
                                question=question.example[:QUESTION_CHARS])
              for question in questions]
    return Report(chart, "\n".join(line.rstrip() for line in lines))


def _summary(data: BotData, figures: Figures) -> str:
    totals = {answer: sum(week.appointments[answer] for week in figures.weeks)
              for answer in ("confirmed", "cancelled", "asked to reschedule", "no answer")}
    return data.services.contents.staff.text(
        Text.STATS_SUMMARY, weeks=len(figures.weeks), appointments=sum(totals.values()),
        confirmed=totals["confirmed"], cancelled=totals["cancelled"],
        reschedule=totals["asked to reschedule"], no_answer=totals["no answer"],
        sent=sum(week.checkins_sent for week in figures.weeks),
        answered=sum(week.checkins_answered for week in figures.weeks),
        escalated=figures.escalated, alerts=sum(week.alerts for week in figures.weeks))


def digest_due(now: datetime, settings: Settings) -> datetime | None:
    """This week's digest moment, if it has come and is not too old; else None."""
    if settings.weekly_digest is None or settings.staff_chat_id is None:
        return None
    weekday, at = settings.weekly_digest
    local = now.astimezone(settings.timezone)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = datetime.combine(day, at, settings.timezone)
    return moment if moment <= now < moment + DIGEST_LATEST else None


async def send_digest(context: ClinicContext) -> None:
    data = context.bot_data
    moment = digest_due(data.services.clock.now(), data.settings)
    if moment is None:
        return
    async with data.services.database.transaction() as session:
        if not await claim_once(session, f"digest:{moment.date()}", data.services.clock.now()):
            return
    report = await weekly_report(data)
    assert data.settings.staff_chat_id is not None
    try:
        await context.bot.send_photo(data.settings.staff_chat_id, report.chart)
        await context.bot.send_message(data.settings.staff_chat_id, report.summary)
        logger.info("Weekly digest for %s sent to the staff chat", moment.date())
    except TelegramError as error:
        logger.warning("The weekly digest could not be sent: %s", error)
