"""Spotting warning signs ("it's swelling", "I feel faint") in a patient's own words.

The clinic lists the signs in `content/red_flags.yaml`. Words are compared after the same
normalising and light stemming the FAQ search uses, so "bleeding" meets "bleed". No
attempt is made to read negation ("no fever" still matches): a needless alert costs the
clinic a phone call, a missed one costs the patient far more.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.faq_search import normalize, stem


def _stems(text: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in normalize(text).split())


class RedFlagWatcher:
    def __init__(self, signs: Iterable[str]) -> None:
        self._signs = {stems: sign for sign in signs if (stems := _stems(sign))}

    def find(self, text: str) -> str | None:
        """The first listed sign found in `text`, or None."""
        words = _stems(text)
        for stems, sign in self._signs.items():
            width = len(stems)
            if any(words[start:start + width] == stems
                   for start in range(len(words) - width + 1)):
                return sign
        return None
