"""When each message about an appointment goes out, and what a check-in answer leads to:
the one place these rules live.

Pure functions of the settings and the clock, so they are tested without a bot.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from bot.core.settings import ClinicSettings
from db.models import MessageKind, Trend

# A guide sent closer to the session than this is no help; a later booking gets none.
GUIDE_LEAST_NOTICE = timedelta(hours=1)
# A check-in this late (the bot was down) is still worth sending; a later one is not.
CHECKIN_LATEST = timedelta(hours=24)


def message_plan(settings: ClinicSettings, starts_at: datetime, minutes: int, now: datetime
                 ) -> dict[MessageKind, datetime]:
    """Which messages a newly booked (or moved) appointment gets, and when. Durations are
    real hours (in UTC), so a 24h lead across a DST change is 24 hours, not a wall-clock
    day; quiet hours are in clinic time."""
    starts_at = starts_at.astimezone(UTC)
    plan: dict[MessageKind, datetime] = {}
    guide: datetime | None = starts_at - settings.pre_session_lead
    if guide is not None and guide < now:
        # A late booking: at once while it still helps, and not at all when too close.
        guide = now if starts_at - now > GUIDE_LEAST_NOTICE else None
    if guide is not None:
        least = min(settings.pre_session_lead, GUIDE_LEAST_NOTICE)
        plan[MessageKind.GUIDE] = out_of_quiet_hours(settings, guide, earliest=now,
                                                     latest=starts_at - least)
    if starts_at > now:
        reminder = max(starts_at - settings.reminder_lead, now)  # never after the start
        plan[MessageKind.REMINDER] = out_of_quiet_hours(settings, reminder, earliest=now,
                                                        latest=starts_at)
    ends_at = starts_at + timedelta(minutes=minutes)
    plan[MessageKind.CHECKIN] = out_of_quiet_hours(settings, ends_at + settings.checkin_delay)
    return plan


class CheckinOutcome(StrEnum):
    """What a check-in answer leads to."""

    ALERT = "alert"  # the staff chat is told at once
    REASSURE = "reassure"  # mild: a common, minor side effect
    FOLLOW_UP = "follow_up"  # moderate after the first check-in: ask again later
    SEE_CLINIC = "see_clinic"  # moderate on the follow-up: contact the clinic if it lasts


def checkin_outcome(settings: ClinicSettings, score: int, trend: Trend | None, *,
                    followup: bool) -> CheckinOutcome | None:
    """The one place a soreness answer is judged. A score at ESCALATION_THRESHOLD or
    above alerts at once, before the trend is given, and so does "worse" at any score;
    otherwise nothing is decided (None) until the trend comes. Up to CHECKIN_MILD_MAX is
    mild; between the two, a first check-in gets a follow-up and a follow-up gets advice
    to see the clinic."""
    if score >= settings.escalation_threshold or trend == Trend.WORSE:
        return CheckinOutcome.ALERT
    if trend is None:
        return None
    if score <= settings.checkin_mild_max:
        return CheckinOutcome.REASSURE
    return CheckinOutcome.SEE_CLINIC if followup else CheckinOutcome.FOLLOW_UP


def followup_due(settings: ClinicSettings, now: datetime) -> datetime:
    """When the follow-up check-in goes, after a moderate answer now."""
    return out_of_quiet_hours(settings, now.astimezone(UTC) + settings.followup_delay)


def notice_due(settings: ClinicSettings, now: datetime) -> datetime:
    """When the patient hears of a booking, move or cancellation made now. A change undone
    within CHANGE_NOTICE_DELAY is never announced; each change restarts the wait."""
    return out_of_quiet_hours(settings, now.astimezone(UTC) + settings.change_notice_delay)


def out_of_quiet_hours(
    settings: ClinicSettings, due: datetime, *, earliest: datetime | None = None,
    latest: datetime | None = None,
) -> datetime:
    """`due`, moved out of QUIET_HOURS: to their end if that is no later than `latest`,
    else to just before they began if that is no earlier than `earliest`, else unchanged
    (a reminder is better at night than after the session has started)."""
    if settings.quiet_hours is None:
        return due
    start, end = settings.quiet_hours
    zone = settings.timezone
    local = due.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if not _is_quiet(clock, start, end):
        return due
    day = local.date()
    overnight = start > end
    end_day = day + timedelta(days=1) if overnight and clock >= start else day
    start_day = day - timedelta(days=1) if overnight and clock < end else day
    # combine() with the zone is right across a DST change: 08:00 is 08:00 either side.
    quiet_end = datetime.combine(end_day, end, zone)
    quiet_start = datetime.combine(start_day, start, zone) - timedelta(minutes=1)
    if latest is None or quiet_end <= latest:
        return quiet_end.astimezone(due.tzinfo)
    if earliest is None or quiet_start >= earliest:
        return quiet_start.astimezone(due.tzinfo)
    return due


def _is_quiet(clock: time, start: time, end: time) -> bool:
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end
