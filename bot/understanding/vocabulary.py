"""The words the reader works with, read from `content/reading.yaml`: what each list is
for is written beside it there. Data only; `reading_file.py` parses it, the reader
(`clauses.py`, `warning_signs.py`, `context.py`, `screen.py`) uses it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

# The lists of words and short phrases in reading.yaml, in the order the file explains
# them (`alike`, `spelled_out` and `concepts` have shapes of their own).
WORD_LISTS = ("negations", "resolved", "filler", "clause_breaks", "new_subject", "asking",
              "general", "supposing", "worrying", "personal", "treating", "others", "self",
              "present", "history", "recent_past", "past_days", "elsewhere", "hearsay",
              "habitual", "in_care", "carer", "bookings", "figures", "job", "heavy", "slight",
              "hedges", "conditions", "suitability", "feelings", "positive", "expected",
              "common", "noun_heads")


@dataclass(frozen=True)
class Vocabulary:
    """One language's words for reading messages."""

    spelled_out: tuple[tuple[str, str], ...] = ()
    alike: tuple[tuple[str, ...], ...] = ()
    concepts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    negations: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    filler: tuple[str, ...] = ()
    clause_breaks: tuple[str, ...] = ()
    new_subject: tuple[str, ...] = ()
    asking: tuple[str, ...] = ()
    general: tuple[str, ...] = ()
    supposing: tuple[str, ...] = ()
    worrying: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()
    treating: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    self: tuple[str, ...] = ()
    present: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    recent_past: tuple[str, ...] = ()
    past_days: tuple[str, ...] = ()
    elsewhere: tuple[str, ...] = ()
    hearsay: tuple[str, ...] = ()
    habitual: tuple[str, ...] = ()
    in_care: tuple[str, ...] = ()
    carer: tuple[str, ...] = ()
    bookings: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    job: tuple[str, ...] = ()
    heavy: tuple[str, ...] = ()
    slight: tuple[str, ...] = ()
    hedges: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    suitability: tuple[str, ...] = ()
    feelings: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()
    common: tuple[str, ...] = ()
    noun_heads: tuple[str, ...] = ()


assert set(WORD_LISTS) | {"spelled_out", "alike", "concepts"} == {
    item.name for item in fields(Vocabulary)}
