"""Reading `content/red_flags.yaml`: the warning signs in two tiers and the words that
shape how a message is read (negations, fillers and the rest), with every problem
collected for the content check (`bot/texts/content.py`) rather than raised one at a time.
"""

from __future__ import annotations

from typing import Any

from bot.understanding.warning_signs import Language, Sign, Tier
from bot.understanding.words import words_of

RED_FLAGS_FILE = "red_flags.yaml"


def string_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str | int) and not isinstance(item, bool)
                                       for item in value):
        return tuple(str(item) for item in value)
    return None


_TIERS = {"emergency": Tier.EMERGENCY, "same_day": Tier.SAME_DAY}


def parse_red_flags(data: dict[str, Any] | None, problems: list[str]
                     ) -> tuple[tuple[Sign, ...], Language]:
    if data is None:
        return (), Language()
    where = RED_FLAGS_FILE
    for name in sorted(set(map(str, data)) - {*_TIERS, "words"}):
        problems.append(f"{where}: '{name}' is not a section here (emergency, same_day, words)")
    signs: list[Sign] = []
    for section, tier in _TIERS.items():
        raw = data.get(section)
        if not isinstance(raw, list) or not raw:
            problems.append(f"{where}: needs a list of signs called '{section}'")
            continue
        for number, item in enumerate(raw, start=1):
            sign = _parse_sign(item, tier, f"{where}: {section} sign {number}", problems)
            if sign is not None:
                signs.append(sign)
    return tuple(signs), _parse_language(data.get("words"), problems)


def _parse_sign(item: object, tier: Tier, where: str, problems: list[str]) -> Sign | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected 'sign' and 'phrasings'")
        return None
    name = item.get("sign")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: missing 'sign' (what staff read in the alert)")
        return None
    where = f"{RED_FLAGS_FILE}: sign '{name.strip()}'"
    for key in sorted(set(map(str, item)) - {"sign", "phrasings", "except"}):
        problems.append(f"{where}: '{key}' is not a field of a sign (sign, phrasings, except)")
    phrasings = string_list(item.get("phrasings"))
    exceptions = string_list(item.get("except", []))
    if not phrasings:
        problems.append(f"{where}: 'phrasings' must be a list of words or short phrases")
        return None
    if exceptions is None:
        problems.append(f"{where}: 'except' must be a list of words or short phrases")
        exceptions = ()
    for phrasing in phrasings:
        if not words_of(phrasing.strip().strip('"')):
            problems.append(f"{where}: the phrasing {phrasing!r} has no words to match")
    return Sign(name=name.strip(), tier=tier, phrasings=phrasings, exceptions=exceptions)


_WORD_LISTS = ("negations", "resolved", "filler", "clause_breaks", "new_subject", "asking",
               "general", "supposing", "worrying", "personal", "treating")


def _parse_language(raw: object, problems: list[str]) -> Language:
    where = f"{RED_FLAGS_FILE}: words"
    if raw is None:
        return Language()
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected named lists ({', '.join(('alike', *_WORD_LISTS))})")
        return Language()
    for name in sorted(set(map(str, raw)) - {"alike", *_WORD_LISTS}):
        problems.append(f"{where}.{name}: not a list the matcher reads (a typo?)")
    lists: dict[str, tuple[str, ...]] = {}
    for name in _WORD_LISTS:
        values = string_list(raw.get(name, []))
        if values is None:
            problems.append(f"{where}.{name}: must be a list of words")
        lists[name] = values or ()
    alike: list[tuple[str, ...]] = []
    for group in raw.get("alike", []) if isinstance(raw.get("alike", []), list) else [None]:
        words = string_list(group)
        if not words or len(words) < 2:
            problems.append(f"{where}.alike: each line must list two or more words, "
                            "like [pain, hurt, ache]")
            continue
        alike.append(words)
    return Language(alike=tuple(alike), **lists)
