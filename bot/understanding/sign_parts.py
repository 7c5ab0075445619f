"""The pieces the sign matcher (`bot/understanding/warning_signs.py`) is built from: signs
and their tiers as data (read from `content/red_flags.yaml`), the tuning constants, a
phrasing's match in a clause, and the pure helpers that place a phrasing's words in a
clause.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import pairwise, product

from bot.understanding.clauses import Clause

# The longest exception a clinic writes, in words ("took all my strength and courage").
LONGEST_EXCEPTION = 8
# Before a sign's words, these make them part of a noun ("my seizure meds"); before an
# anchored exception's, they still let it open its part ("the marquee collapsed").
DETERMINERS = frozenset({"my", "his", "her", "their", "the", "a", "an", "your", "our"})


class Tier(IntEnum):
    """How urgent a sign is; a higher value wins when a message has several."""

    SAME_DAY = 1
    EMERGENCY = 2


@dataclass(frozen=True)
class Sign:
    """One warning sign from the clinic's list.

    `near`: words or concepts one of which must be in the same sentence ("red" is a sign
    only near a part of the body); `context`: ... anywhere in the message ("spotting"
    only from someone pregnant); `unless`: ... none of which may be in the sentence ("stroke"
    is no sign beside "pool" or "clinic"). `heavy`: the tier when the amount is heavy (bleeding that
    pours); `slight_is_nothing`: a slight amount is no sign (a dot of blood); `passed`:
    the tier once it has passed, when not the same day (stroke signs that went away are
    still an emergency). `crisis`:
    thoughts of suicide or self-harm, answered with the crisis line. `others_only`: a sign
    only someone else can show (not answering, not waking): the patient writing it of
    themselves means something else ("I couldn't wake up this morning"); `already_in_care`:
    the sign is that someone is already with the emergency services (an ambulance, A&E),
    which for someone not with the writer is news, not a call for help."""

    name: str
    tier: Tier
    phrasings: tuple[str, ...]
    exceptions: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    heavy: Tier | None = None
    slight_is_nothing: bool = False
    crisis: bool = False
    passed: Tier | None = None
    others_only: bool = False
    already_in_care: bool = False


class Exceptions:
    """A sign's exceptions: the clinic's exact words ("chilling" must not cancel "chills"),
    filed by their first word. One written "^the marquee collapsed" holds only where its
    words open a part of the sentence, a determiner at most before them ("the marquee
    collapsed at the wedding", not "dad was fixing the pergola collapsed")."""

    def __init__(self, texts: Sequence[str], spelled: Callable[[str], list[str]]) -> None:
        self._filed: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
        for text in texts:
            anchored = text.startswith("^")
            if words := tuple(spelled(text.lstrip("^"))):
                self._filed.setdefault(words[0], []).append((words, anchored))

    def cover(self, clause: Clause, match: Match) -> bool:
        """Whether an exception covers one of `match`'s words, within one part: "pushing the
        pram, collapsed" is no "pram collapsed"."""
        if not self._filed:
            return False
        low, high = match.positions[0], match.positions[-1]
        for start in range(max(0, low - LONGEST_EXCEPTION), min(high + 1, len(clause.words))):
            for words, anchored in self._filed.get(clause.words[start], ()):
                width = len(words)
                if tuple(clause.words[start:start + width]) == words and any(
                        start <= position < start + width for position in match.positions
                ) and not any(start < part < start + width for part in clause.part_starts) \
                        and not (anchored and not self._opens_part(clause, start)):
                    return True
        return False

    @staticmethod
    def _opens_part(clause: Clause, start: int) -> bool:
        opening = clause.part_of(start).start
        return start == opening or (start == opening + 1
                                    and clause.words[opening] in DETERMINERS)


@dataclass(frozen=True)
class Finding:
    """What a message showed: the most urgent tier and the signs, for the staff alert."""

    tier: Tier
    signs: tuple[str, ...]


# How many words a phrasing's words may be spread over beyond their own number (fillers
# not counted): "pain that goes across my chest" is still chest pain.
SLACK = 2
# A quoted phrasing allows this many small words put in between its own.
ORDERED_SLACK = 2
# A phrasing with "~" in it allows this many more words among its own: "chest ~
# {heavy_thing}" meets "my chest feels like someone parked a fridge on it".
WIDE_SLACK = 6
# A negation reaches this many words (fillers not counted) ahead.
NEGATION_REACH = 3
# Words saying a sign has passed count within this many words after it.
RESOLUTION_REACH = 5
# Typos: a word of at least this length may be one edit off; the longer, two edits.
ONE_EDIT_FROM = 4
TWO_EDITS_FROM = 6
# After a negation, these mean it is not one: "not only", "not sure".
NOT_A_NEGATION = frozenset({"only", "just", "sure", "certain"})


@dataclass(frozen=True)
class Phrasing:
    sign: Sign
    keys: tuple[str, ...]
    ordered: bool
    wide: bool = False


@dataclass(frozen=True)
class Match:
    phrasing: Phrasing
    positions: tuple[int, ...]  # in clause order, with every word of a phrase it used

    @property
    def tier(self) -> Tier:
        return self.phrasing.sign.tier


def tightest(phrasing: Phrasing, where: Mapping[str, list[int]], counted: Mapping[int, int],
             clause: Clause, negations: frozenset[str],
             spans: Mapping[tuple[int, str], tuple[int, ...]]) -> Match | None:
    """The closest-together places of the phrasing's words in one comma-separated part,
    if close enough. A negation in a phrasing ("not breathe") comes before the word it
    negates, as it does in speech: "I can breathe now my back isn't tight" is no match."""
    allowed = len(phrasing.keys) - 1 + (ORDERED_SLACK if phrasing.ordered else SLACK) \
        + (WIDE_SLACK if phrasing.wide else 0)
    negating = [index for index, key in enumerate(phrasing.keys[:-1]) if key in negations]
    options = [where[key] for key in phrasing.keys]
    if combinations(options) > 4096:
        options = [positions[:8] for positions in options]
    best: tuple[int, ...] | None = None
    best_span = allowed + 1
    for chosen in product(*options):
        if len(set(chosen)) < len(chosen):
            continue
        if phrasing.ordered and not in_order(chosen, clause):
            continue
        if any(chosen[index] > chosen[index + 1] for index in negating):
            continue
        low, high = min(chosen), max(chosen)
        if clause.part_of(low) != clause.part_of(high):
            continue
        span = counted[high] - counted[low]
        if span < best_span:
            best, best_span = chosen, span
    if best is None:
        return None
    covered = {position for place, key in zip(best, phrasing.keys, strict=True)
               for position in spans.get((place, key), (place,))}
    return Match(phrasing, tuple(sorted(covered)))


def in_order(chosen: Sequence[int], clause: Clause) -> bool:
    """A quoted phrasing's words in its order, with at most a couple of small words put
    in ("bit of the needle", not "bit scared of needles")."""
    if list(chosen) != sorted(chosen):
        return False
    between = [position for low, high in pairwise(chosen)
               for position in range(low + 1, high)]
    return len(between) <= ORDERED_SLACK and all(clause.filler[p] for p in between)


def counted_positions(clause: Clause) -> dict[int, int]:
    """Each word's place counting only words that are not filler."""
    counted: dict[int, int] = {}
    number = 0
    for position, is_filler in enumerate(clause.filler):
        counted[position] = number
        if not is_filler:
            number += 1
    return counted


def combinations(options: Sequence[Sequence[int]]) -> int:
    total = 1
    for positions in options:
        total *= len(positions)
    return total


def drop_contained(matches: list[Match], counted: Mapping[int, int], clause: Clause
                   ) -> list[Match]:
    """A match inside a longer one said as one phrase gives way to it: "feel faint"."""
    kept = []
    for match in matches:
        inside = set(match.positions)
        if not any(inside < set(other.positions) and as_one_phrase(other, counted, clause)
                   for other in matches):
            kept.append(match)
    return kept


def as_one_phrase(match: Match, counted: Mapping[int, int], clause: Clause) -> bool:
    places = [counted[position] for position in match.positions
              if not clause.filler[position]]
    return not places or max(places) - min(places) == len(places) - 1


def allowed_edits(word: str) -> int:
    if len(word) >= TWO_EDITS_FROM:
        return 2
    return 1 if len(word) >= ONE_EDIT_FROM else 0


def phrase_at(clause: Clause, start: int, keys: Sequence[str]) -> tuple[int, ...]:
    """The positions of the phrase `keys` said from `start`, small words in between
    passed over ("between my legs" is "between legs"); empty if it is not there."""
    covered: list[int] = []
    position = start
    for key in keys:
        while position < len(clause.words) and key not in clause.keys[position]:
            if not clause.filler[position] or not covered:
                return ()
            position += 1
        if position == len(clause.words):
            return ()
        covered.append(position)
        position += 1
    return tuple(covered)
