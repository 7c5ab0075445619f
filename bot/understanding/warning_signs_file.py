"""Reading `content/red_flags.yaml`: the warning signs in two tiers, each with its
phrasings and what shapes it, with every problem collected for the content check
(`bot/texts/content.py`) rather than raised one at a time.
"""

from __future__ import annotations

from typing import Any

from bot.understanding.reading_file import READING_FILE, string_list
from bot.understanding.sign_parts import Sign, Tier
from bot.understanding.words import words_of

RED_FLAGS_FILE = "red_flags.yaml"

_TIERS = {"emergency": Tier.EMERGENCY, "same_day": Tier.SAME_DAY}
_FIELDS = ("sign", "phrasings", "except", "near", "context", "unless", "heavy", "slight",
           "crisis", "about", "passed")


def parse_red_flags(data: dict[str, Any] | None, problems: list[str],
                    concepts: frozenset[str] = frozenset()) -> tuple[Sign, ...]:
    """The signs; `concepts`: the names a phrasing may use in braces (reading.yaml)."""
    if data is None:
        return ()
    where = RED_FLAGS_FILE
    if "words" in data:
        problems.append(f"{where}: 'words' has moved to {READING_FILE}")
    for name in sorted(set(map(str, data)) - {*_TIERS, "words"}):
        problems.append(f"{where}: '{name}' is not a section here (emergency, same_day)")
    signs: list[Sign] = []
    for section, tier in _TIERS.items():
        raw = data.get(section)
        if not isinstance(raw, list) or not raw:
            problems.append(f"{where}: needs a list of signs called '{section}'")
            continue
        for number, item in enumerate(raw, start=1):
            sign = _parse_sign(item, tier, f"{where}: {section} sign {number}", problems,
                               concepts)
            if sign is not None:
                signs.append(sign)
    return tuple(signs)


def _parse_sign(item: object, tier: Tier, where: str, problems: list[str],
                concepts: frozenset[str]) -> Sign | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected 'sign' and 'phrasings'")
        return None
    name = item.get("sign")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: missing 'sign' (what staff read in the alert)")
        return None
    where = f"{RED_FLAGS_FILE}: sign '{name.strip()}'"
    for key in sorted(set(map(str, item)) - set(_FIELDS)):
        problems.append(f"{where}: '{key}' is not a field of a sign ({', '.join(_FIELDS)})")
    phrasings = string_list(item.get("phrasings"))
    lists = {field: string_list(item.get(field, []))
             for field in ("except", "near", "context", "unless")}
    if not phrasings:
        problems.append(f"{where}: 'phrasings' must be a list of words or short phrases")
        return None
    for field, values in lists.items():
        if values is None:
            problems.append(f"{where}: '{field}' must be a list of words or short phrases")
        elif field != "except" and any(len(words_of(value)) != 1 for value in values):
            problems.append(f"{where}: '{field}' must list single words or concept names")
    for phrasing in phrasings:
        _check_phrasing(phrasing, where, problems, concepts)
    heavy = item.get("heavy")
    if heavy is not None and heavy not in _TIERS:
        problems.append(f"{where}: 'heavy' must be emergency or same_day")
    slight = item.get("slight")
    if slight is not None and slight != "ignore":
        problems.append(f"{where}: 'slight' can only be ignore")
    about = item.get("about")
    if about is not None and about not in {"others", "care"}:
        problems.append(f"{where}: 'about' can only be others or care")
    passed = item.get("passed")
    if passed is not None and passed not in _TIERS:
        problems.append(f"{where}: 'passed' must be emergency or same_day")
    crisis = item.get("crisis", False)
    if not isinstance(crisis, bool):
        problems.append(f"{where}: 'crisis' must be true or false")
    return Sign(name=name.strip(), tier=tier, phrasings=phrasings,
                exceptions=lists["except"] or (), near=lists["near"] or (),
                context=lists["context"] or (), unless=lists["unless"] or (),
                heavy=_TIERS.get(str(heavy)),
                slight_is_nothing=slight == "ignore", crisis=crisis is True,
                passed=_TIERS.get(str(passed)),
                others_only=about == "others", already_in_care=about == "care")


def _check_phrasing(phrasing: str, where: str, problems: list[str],
                    concepts: frozenset[str]) -> None:
    tokens = phrasing.strip().strip('"').split()
    named = [token[1:-1] for token in tokens if token.startswith("{") and token.endswith("}")]
    for name in named:
        if name not in concepts:
            problems.append(f"{where}: the phrasing {phrasing!r} names {{{name}}}, which is "
                            f"not a concept in {READING_FILE}")
    if not named and not words_of(phrasing.strip().strip('"').replace("=", "")):
        problems.append(f"{where}: the phrasing {phrasing!r} has no words to match")
