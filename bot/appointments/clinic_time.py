"""Clinic wall-clock times, as staff type them, to instants: one rule for /book, /move,
the booking dialog and the import.

A time that does not exist (the hour the clocks skip in spring) is refused with the
first valid time after it suggested; a time that occurs twice (the hour repeated in
autumn) is refused unless it carries an offset, or unless the staff member picks which
(`choices` gives both, for the dialog's buttons). Python would otherwise take the first
silently, and store the skipped hour an hour off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class TimeProblem:
    """Why a clinic time cannot be used: it is in a gap (`suggested` is the nearest valid
    time) or happens twice (`offsets` are its two readings, to write after it)."""

    local: datetime
    zone: str
    suggested: datetime | None = None
    offsets: tuple[str, str] | None = None

    @property
    def when(self) -> str:
        return f"{self.local:%Y-%m-%d %H:%M}"

    def readings(self) -> tuple[str, str]:
        """The two ways to write a time that happens twice, offsets included."""
        assert self.offsets is not None
        return self.when + self.offsets[0], self.when + self.offsets[1]

    def english(self) -> str:
        """For the import's report (staff at a shell); the bot's chats use content texts."""
        if self.suggested is not None:
            return (f"{self.when} does not exist in {self.zone} (the clocks go forward "
                    f"then); the nearest valid time is {self.suggested:%H:%M}")
        first, second = self.readings()
        return (f"{self.when} happens twice in {self.zone} (the clocks go back then); "
                f"write it with its offset: {first} (the first) or {second} (the second)")


def exists(local: datetime, zone: ZoneInfo) -> bool:
    """Whether this wall-clock time happens in the zone (not in a spring-forward gap)."""
    there = local.replace(tzinfo=zone)
    back = there.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return back == local.replace(tzinfo=None, fold=0)


def choices(local: datetime, zone: ZoneInfo) -> list[datetime]:
    """The instants a wall-clock time names: none in a gap, two in a repeated hour."""
    if not exists(local, zone):
        return []
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return [first]
    return [first, second]


def next_valid(local: datetime, zone: ZoneInfo) -> datetime:
    """The first wall-clock time after a gap (tried minute by minute, at most a day)."""
    candidate = local.replace(tzinfo=None, second=0, microsecond=0)
    for _ in range(24 * 60):
        candidate += timedelta(minutes=1)
        if exists(candidate, zone):
            return candidate
    return candidate


def clinic_instant(local: datetime, zone: ZoneInfo) -> datetime | TimeProblem:
    """A typed time to an instant. One with an offset is taken as it is; one without is
    clinic time, refused when it does not exist or occurs twice."""
    if local.tzinfo is not None:
        return local
    options = choices(local, zone)
    if not options:
        return TimeProblem(local, zone.key, suggested=next_valid(local, zone))
    if len(options) > 1:
        return TimeProblem(local, zone.key, offsets=(_offset(options[0]), _offset(options[1])))
    return options[0]


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"


def typed(date_text: str, time_text: str, zone: ZoneInfo) -> datetime | TimeProblem | None:
    """A staff member's YYYY-MM-DD and HH:MM (with an offset if they wrote one): the
    instant, why it cannot be used, or None if it is not a date and time."""
    try:
        local = datetime.fromisoformat(f"{date_text} {time_text}")
    except ValueError:
        return None
    return clinic_instant(local, zone)
