"""Days, times and lists as each language writes them (Babel's CLDR data): "Tuesday 24
November" and "14:30" in en_GB, "martes, 24 de noviembre" and "14:30" in es_ES,
"Tuesday, November 24" and "2:30 PM" in en_US. The moments given are already local."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import date, datetime

from babel import Locale
from babel.dates import format_datetime, format_time, match_skeleton
from babel.lists import format_list

_ABBREVIATED_WEEKDAY = re.compile(r"E{1,3}(?!E)")


@functools.cache
def _pattern(locale: Locale, skeleton: str, *, full_weekday: bool) -> str:
    """The locale's pattern for `skeleton` (month and day without the year), with the
    weekday written out in full when asked (CLDR has no such skeleton of its own)."""
    skeletons = locale.datetime_skeletons
    found = match_skeleton(skeleton, skeletons)
    pattern = str(skeletons[found].pattern) if found else "EEE d MMM"
    if not full_weekday:
        return pattern
    # Only outside quoted literal text ('de' in Spanish).
    parts = pattern.split("'")
    return "'".join(_ABBREVIATED_WEEKDAY.sub("EEEE", part) if index % 2 == 0 else part
                    for index, part in enumerate(parts))


def day(moment: datetime | date, locale: Locale) -> str:
    """"Tuesday 24 November"."""
    return format_datetime(moment, _pattern(locale, "MMMMEd", full_weekday=True),
                           locale=locale)


def short(moment: datetime, locale: Locale) -> str:
    """"Tue 24 Nov, 10:00"."""
    date = format_datetime(moment, _pattern(locale, "MMMEd", full_weekday=False),
                           locale=locale)
    joined = str(locale.datetime_formats.get("short", "{1}, {0}"))
    return joined.format(format_time(moment, "short", locale=locale), date)


def times(moments: Sequence[datetime], locale: Locale) -> str:
    """"10:00", or "10:00 and 14:30"."""
    return and_list([format_time(moment, "short", locale=locale) for moment in moments],
                    locale)


def and_list(items: Sequence[str], locale: Locale) -> str:
    """"Dr Chen and Dr Lee", "A, B and C"."""
    return format_list(list(items), locale=locale) if items else ""
