"""Reading `content/reading.yaml` into a `Vocabulary`, with every problem collected for the
content check (`bot/texts/content.py`) rather than raised one at a time."""

from __future__ import annotations

from typing import Any

from bot.understanding.vocabulary import WORD_LISTS, Vocabulary
from bot.understanding.words import words_of

READING_FILE = "reading.yaml"


def string_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str | int) and not isinstance(item, bool)
                                       for item in value):
        return tuple(str(item) for item in value)
    return None


def parse_reading(data: dict[str, Any] | None, problems: list[str]) -> Vocabulary:
    if data is None:
        return Vocabulary()
    where = READING_FILE
    known = {"spelled_out", "alike", "concepts", *WORD_LISTS}
    for name in sorted(set(map(str, data)) - known):
        problems.append(f"{where}: '{name}' is not a list the reader uses (a typo?)")
    lists: dict[str, tuple[str, ...]] = {}
    for name in WORD_LISTS:
        values = string_list(data.get(name, []))
        if values is None:
            problems.append(f"{where}: {name}: must be a list of words or short phrases")
        lists[name] = values or ()
    return Vocabulary(spelled_out=_pairs(data.get("spelled_out", []), problems),
                      alike=_groups(data.get("alike", []), problems),
                      concepts=_concepts(data.get("concepts", {}), problems), **lists)


def _pairs(raw: object, problems: list[str]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for item in raw if isinstance(raw, list) else [None]:
        pair = string_list(item)
        if pair is None or len(pair) != 2 or not all(words_of(text) for text in pair):
            problems.append(f"{READING_FILE}: spelled_out: each line is [as typed, as meant], "
                            "like [rn, right now]")
            continue
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _groups(raw: object, problems: list[str]) -> tuple[tuple[str, ...], ...]:
    groups: list[tuple[str, ...]] = []
    for item in raw if isinstance(raw, list) else [None]:
        words = string_list(item)
        if not words or len(words) < 2 or any(len(words_of(word)) != 1 for word in words):
            problems.append(f"{READING_FILE}: alike: each line must list two or more single "
                            "words, like [pain, hurt, ache]")
            continue
        groups.append(words)
    return tuple(groups)


def _concepts(raw: object, problems: list[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        problems.append(f"{READING_FILE}: concepts: expected named lists, like "
                        "breath: [breathe, air]")
        return {}
    concepts: dict[str, tuple[str, ...]] = {}
    for name, words in raw.items():
        values = string_list(words)
        if not str(name).isidentifier() or not values:
            problems.append(f"{READING_FILE}: concepts.{name}: needs a plain name and a list "
                            "of words")
            continue
        concepts[str(name)] = values
    return concepts
