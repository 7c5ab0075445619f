"""Hearing warning signs in a patient's own words ("my chest feels tight", "the spot is hot
and puffy"), in two tiers: emergency and same day.

The signs and the words that shape them live in `content/red_flags.yaml`; this module is
the reading. A message is cut into clauses (at full stops, question marks, "but" and the
like) and each clause into words, which are compared by a light stem ("fainting" meets
"faint"), through the clinic's groups of words that mean the same ("hurts", "ache",
"pain"), and with small typos forgiven ("feaver", "dizy"), but never when the word is a
correctly spelled English word of its own ("fewer" is not "fever"). A phrasing matches
when its words all come close together in one clause, in any order unless it is quoted.

What keeps a match from counting, each a rule a patient's sentence can show:
- a negation just before it ("no redness", "not dizzy any more", "never fainted"), which
  reaches through a list ("no redness, swelling or heat") but not past a new subject
  ("I don't feel well my chest is tight"), and which "won't stop" turns back around;
- words after it saying it has passed ("the bleeding has stopped"); an emergency sign
  that has passed is still told to staff, as a same-day sign;
- a general question about acupuncture ("can it cause bruising or fainting?"), or a
  supposition ("what if I feel faint?"), that says nothing of the patient themselves;
- asking about treating it ("can it reduce inflammation?");
- a phrase the clinic listed as not the sign ("sick of waiting").
When two matches overlap, a longer phrasing said as one phrase wins over a shorter one
inside it ("feel faint" is a same-day sign, "fainted" an emergency one). When in doubt the
reading leans to hearing the sign: a needless alert costs the clinic a phone call.

Pure and synchronous: the handler in `handlers/safety.py` carries the finding out.
"""

from __future__ import annotations

import functools
import gzip
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from importlib import resources
from itertools import pairwise, product

from rapidfuzz import process
from rapidfuzz.distance import OSA


class Tier(IntEnum):
    """How urgent a sign is; a higher value wins when a message has several."""

    SAME_DAY = 1
    EMERGENCY = 2


@dataclass(frozen=True)
class Sign:
    """One warning sign from the clinic's list."""

    name: str
    tier: Tier
    phrasings: tuple[str, ...]
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Language:
    """The word lists that tell the matcher how patients write (`words:` in the file)."""

    alike: tuple[tuple[str, ...], ...] = ()
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
# A negation reaches this many words (fillers not counted) ahead.
NEGATION_REACH = 3
# Words saying a sign has passed count within this many words after it.
RESOLUTION_REACH = 5
# Typos: a word of at least this length may be one edit off; the longer, two edits.
ONE_EDIT_FROM = 4
TWO_EDITS_FROM = 6
# After a negation, these mean it is not one: "not only", "not sure".
NOT_A_NEGATION = frozenset({"only", "just", "sure", "certain"})

# Sentence ends; a comma is a softer break handled apart.
_HARD_BREAK = re.compile(r"[.!?;:\n\r…。！？؟]+")
_QUESTION = re.compile(r"[?？؟]")
_WORD = re.compile(r"[^\W_]+")
# "dizzzzy", "sooo": a letter written three times or more is one.
_DRAWN_OUT = re.compile(r"(\w)\1{2,}")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
# "can't" and "cannot" are negations like "not"; "won't" is "will not".
_CONTRACTIONS = (
    (re.compile(r"\bcan'?t\b|\bcannot\b"), "can not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bshan'?t\b"), "shall not"),
    (re.compile(r"\bain'?t\b"), "is not"),
    (re.compile(r"(\w)n't\b"), r"\1 not"),
    (re.compile(r"'ll\b"), " will"),
)
# Written without the apostrophe, these are common enough to read as the negation too.
_BARE_NOT = re.compile(
    r"\b(do|does|did|is|was|are|were|has|have|had|could|would|should)nt\b")
# British spellings the other way's phrasing should still meet.
_SPELLING = (
    (re.compile(r"^(h|an|p)ae"), r"\1e"),  # haemorrhage, anaemia
    (re.compile(r"^oe(?=d|s)"), "e"),  # oedema, oesophagus
    (re.compile(r"hoea"), "hea"),  # diarrhoea
    (re.compile(r"(?<=\w{3})our$"), "or"),  # colour, tumour
    (re.compile(r"(?<=\w{3})is(e|es|ed|ing)$"), r"iz\1"),  # agonising
    (re.compile(r"(?<=\w{3})yse(s|d)?$"), r"yze\1"),  # paralysed
)
_SUFFIXES = ("iness", "ness", "ings", "ing", "ful", "ish", "ied", "ies", "ed", "es", "ly",
             "s", "y", "e")


def fold(text: str) -> str:
    """Lower case without accents, in any script: "Ζάλη" and "ζαλη" are one word."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(char for char in folded if not unicodedata.combining(char))


def _spell(word: str) -> str:
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stem ("swelling" -> "swel", "dizziness" -> "diz"); words in other
    scripts are left whole and met by their common start instead (`_same_start`)."""
    if not word.isascii():
        return word
    word = _spell(word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("i") and len(word) > 3:
        word = word[:-1] + "y"
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def _same_start(one: str, other: str) -> bool:
    """Inflection in a language without a stemmer here: "груди" meets "грудь"."""
    if one.isascii() or other.isascii() or min(len(one), len(other)) < 4:
        return False
    shared = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        shared += 1
    return shared >= max(4, max(len(one), len(other)) - 3)


def words_of(text: str) -> list[str]:
    """The words of a piece of text, folded, with negations spelled out."""
    text = fold(text.translate(_APOSTROPHES))
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = _BARE_NOT.sub(r"\1 not", text)
    return _WORD.findall(_DRAWN_OUT.sub(r"\1", text.replace("'", "")))


@dataclass
class _Clause:
    """One clause: its words, what each may stand for (`keys`), which words are filler,
    and where comma-separated parts begin."""

    question: bool
    words: list[str] = field(default_factory=list)
    keys: list[frozenset[str]] = field(default_factory=list)
    filler: list[bool] = field(default_factory=list)
    part_starts: list[int] = field(default_factory=lambda: [0])

    def part_of(self, position: int) -> range:
        """The comma-separated part holding `position`."""
        start = max(begin for begin in self.part_starts if begin <= position)
        later = [begin for begin in self.part_starts if begin > position]
        return range(start, later[0] if later else len(self.words))


@dataclass(frozen=True)
class _Phrasing:
    sign: Sign
    keys: tuple[str, ...]
    ordered: bool


@dataclass(frozen=True)
class _Match:
    phrasing: _Phrasing
    positions: tuple[int, ...]  # in clause order

    @property
    def tier(self) -> Tier:
        return self.phrasing.sign.tier


class _RealWords:
    """The English word list (bot/data), kept as one string: a word is looked up only when
    it is a near miss of a sign's word, so a 600 kB string does instead of a 6 MB set."""

    @cached_property
    def _text(self) -> str:
        packed = resources.files("bot").joinpath("data/english_words.txt.gz").read_bytes()
        return "\n" + gzip.decompress(packed).decode("ascii") + "\n"

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and f"\n{word}\n" in self._text


_REAL_WORDS = _RealWords()


class _Phrases:
    """A list of words and short phrases from `words:`, looked up in a clause's words."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._phrases = {tuple(words_of(text)) for text in texts} - {()}
        self.single = frozenset(phrase[0] for phrase in self._phrases if len(phrase) == 1)

    def at(self, words: Sequence[str], position: int) -> bool:
        return any(tuple(words[position:position + len(phrase)]) == phrase
                   for phrase in self._phrases)

    def within(self, words: Sequence[str], positions: Iterable[int]) -> bool:
        return any(self.at(words, position) for position in positions)


class WarningSigns:
    """The clinic's warning signs, ready to read messages with. Built once, from content."""

    def __init__(self, signs: Sequence[Sign], language: Language,
                 known_words: Iterable[str] = ()) -> None:
        """`known_words`: words that are never typos (the clinic's own texts: "wellness"
        is one letter pair from "weakness" and in no word list)."""
        self.signs = tuple(signs)
        self._known_texts = tuple(known_words)
        self._alike: dict[str, str] = {}
        for group in language.alike:
            for word in group:
                self._alike[stem(word)] = stem(group[0])
        self._filler = _Phrases(language.filler).single
        self._negations = _Phrases(language.negations).single
        self._breaks = _Phrases(language.clause_breaks).single
        self._new_subject = _Phrases(language.new_subject).single
        self._treating = _Phrases(language.treating).single
        self._asking = _Phrases(language.asking)
        self._general = _Phrases(language.general)
        self._supposing = _Phrases(language.supposing)
        self._worrying = _Phrases(language.worrying)
        self._personal = _Phrases(language.personal)
        self._resolved = [self._keys_of_text(text) for text in language.resolved]
        self._phrasings: list[_Phrasing] = []
        self._exceptions: dict[str, list[tuple[str, ...]]] = {}
        for sign in self.signs:
            for phrasing in sign.phrasings:
                text = phrasing.strip()
                ordered = text.startswith('"')
                # A quoted phrasing is said as written, small words and all.
                keys = tuple(key for word, key in zip(words_of(text.strip('"')),
                                                      self._keys_of_text(text.strip('"')),
                                                      strict=True)
                             if ordered or word not in self._filler)
                if keys:
                    self._phrasings.append(_Phrasing(sign, keys, ordered))
            # Exceptions are the clinic's exact words: "chilling" must not cancel "chills".
            self._exceptions[sign.name] = [
                words for text in sign.exceptions if (words := tuple(words_of(text)))]
        self._vocabulary = frozenset(
            {key for phrasing in self._phrasings for key in phrasing.keys}
            | {key for phrase in self._resolved for key in phrase})
        # What a typo is compared with: every stem that leads to a sign's word, the alike
        # groups' members included ("hurst" is a typo of "hurts", which is "pain").
        targets = {stem_: key for stem_, key in self._alike.items() if key in self._vocabulary}
        targets |= {key: key for key in self._vocabulary}
        # Written forms too: "numbess" is one letter from "numbness", two from "numb".
        written = [*(word for sign in self.signs for text in sign.phrasings
                     for word in words_of(text.strip('"'))),
                   *(word for group in language.alike for text in group
                     for word in words_of(text))]
        targets |= {word: self._key(word) for word in written
                    if self._key(word) in self._vocabulary}
        self._targets = targets
        self._by_first: dict[str, list[str]] = {}
        for target in sorted(targets):
            self._by_first.setdefault(target[:1], []).append(target)
        self._seen: dict[str, frozenset[str]] = {}

    def _key(self, word: str) -> str:
        """What a word stands for: its stem, through the clinic's alike groups."""
        stemmed = stem(word)
        return self._alike.get(stemmed, stemmed)

    def _keys_of_text(self, text: str) -> tuple[str, ...]:
        return tuple(self._key(word) for word in words_of(text))

    def _keys_for(self, word: str) -> frozenset[str]:
        """Every key a written word may stand for: its own, and a sign's word it is a typo
        or (in another script) an inflection of."""
        key = self._key(word)
        if key in self._vocabulary or len(word) < 4:
            return frozenset((key,))
        known = self._seen.get(word)
        if known is None:
            known = frozenset((key, *self._near_misses(word)))
            if len(self._seen) < 10_000:
                self._seen[word] = known
        return known

    def _near_misses(self, word: str) -> set[str]:
        candidates = self._by_first.get(word[:1], [])
        found: set[str] = set()
        for form in {word, stem(word)}:
            found |= {target for target, distance, _ in process.extract(
                form, candidates, scorer=OSA.distance, score_cutoff=2, limit=None)
                if distance <= _allowed_edits(target)}
            found |= {target for target in candidates if _same_start(form, target)}
        if found and (word in self._known or (word.isascii() and word in _REAL_WORDS)):
            return set()  # a real word of its own, not a typo
        return {self._targets[target] for target in found}

    @cached_property
    def _known(self) -> frozenset[str]:
        # Read only at the first near miss: most messages never need it.
        return frozenset(word for text in self._known_texts for word in words_of(text))

    # Reading a message.

    def find(self, text: str) -> Finding | None:
        """The warning signs in `text`, or None."""
        tiers: dict[str, Tier] = {}
        clauses = self._clauses(text)
        for index, clause in enumerate(clauses):
            following = clauses[index + 1] if index + 1 < len(clauses) else None
            matches = self._matches_in(clause)
            taken = {position for match in matches for position in match.positions}
            for match in matches:
                tier = match.tier
                if self._passed(clause, match, taken, following):
                    if tier < Tier.EMERGENCY:
                        continue
                    tier = Tier.SAME_DAY  # an emergency that passed still needs a person
                name = match.phrasing.sign.name
                tiers[name] = max(tiers.get(name, tier), tier)
        if not tiers:
            return None
        ranked = sorted(tiers, key=lambda name: -tiers[name])
        return Finding(tier=tiers[ranked[0]], signs=tuple(ranked))

    def _clauses(self, text: str) -> list[_Clause]:
        clauses: list[_Clause] = []
        for sentence in _sentences(text):
            opening = words_of(sentence)[:1]
            question = bool(_QUESTION.search(sentence)) and bool(opening) \
                and self._asking.at(opening, 0)
            clause = _Clause(question)
            for number, part in enumerate(sentence.split(",")):
                if number and clause.words:
                    clause.part_starts.append(len(clause.words))
                for word in words_of(part):
                    if word in self._breaks:
                        clauses.append(clause)
                        clause = _Clause(question)
                        continue
                    clause.words.append(word)
                    clause.keys.append(self._keys_for(word))
                    clause.filler.append(word in self._filler)
                    self._join_compound(clause)
            clauses.append(clause)
        for clause in clauses:
            clause.part_starts = sorted(set(clause.part_starts) - {len(clause.words)}) or [0]
        return [clause for clause in clauses if clause.words]

    def _join_compound(self, clause: _Clause) -> None:
        """"light-headed" and "light headed" are also "lightheaded"."""
        if len(clause.words) < 2:
            return
        joined = self._key(clause.words[-2] + clause.words[-1])
        if joined in self._vocabulary:
            clause.keys[-2] = clause.keys[-2] | {joined}

    def _matches_in(self, clause: _Clause) -> list[_Match]:
        where: dict[str, list[int]] = {}
        for position, keys in enumerate(clause.keys):
            for key in keys:
                where.setdefault(key, []).append(position)
        counted = _counted_positions(clause)
        found: list[_Match] = []
        for phrasing in self._phrasings:
            if all(key in where for key in phrasing.keys):
                match = _tightest(phrasing, where, counted, clause, self._negations)
                if match is not None and not self._set_aside(clause, match):
                    found.append(match)
        return _drop_contained(found, counted, clause)

    def _set_aside(self, clause: _Clause, match: _Match) -> bool:
        """Whether the words around the match say it is not the sign after all."""
        return (self._excepted(clause, match) or self._negated(clause, match)
                or self._supposed(clause, match) or self._treated(clause, match))

    def _excepted(self, clause: _Clause, match: _Match) -> bool:
        for words in self._exceptions[match.phrasing.sign.name]:
            width = len(words)
            for start in range(len(clause.words) - width + 1):
                covers = any(start <= position < start + width
                             for position in match.positions)
                if covers and tuple(clause.words[start:start + width]) == words:
                    return True
        return False

    def _negated(self, clause: _Clause, match: _Match) -> bool:
        inside = set(match.positions)
        return any(self._negated_at(clause, position, inside) for position in match.positions)

    def _negated_at(self, clause: _Clause, position: int, inside: set[int]) -> bool:
        """A negation within reach before the word, unless a new subject comes between
        ("I don't feel well, my chest is tight"), a comma that does not continue a list of
        signs, or a word that turns it around ("won't stop bleeding")."""
        reach = 0
        step = position
        while step > 0 and reach < NEGATION_REACH:
            crossing_comma = step in clause.part_starts
            step -= 1
            if step in inside:
                continue
            word = clause.words[step]
            if crossing_comma and not (clause.keys[step] & self._vocabulary
                                       or word in self._negations or clause.filler[step]):
                return False
            if word in self._negations:
                following = clause.words[step + 1]
                if following in NOT_A_NEGATION:
                    return False
                return not any(self._resolution_at(clause, index)
                               for index in range(step + 1, position))
            if word in self._new_subject:
                return False
            if not clause.filler[step]:
                reach += 1
        return False

    def _supposed(self, clause: _Clause, match: _Match) -> bool:
        """A general question or statement, or a supposition, that says nothing of the
        patient themselves: "can acupuncture cause fainting?", "what if I feel faint?"."""
        words = clause.words
        first = match.positions[0]
        if words[first].endswith("ing") and any(
                self._worrying.at(words, position) for position in range(max(0, first - 3),
                                                                         first)):
            return True  # "nervous about fainting": a worry, not an event
        for position in range(first):
            if self._supposing.at(words, position):
                return not self._personal_in(words, range(position + 1, len(words)))
        if self._personal_in(words, range(len(words))):
            return False
        part = clause.part_of(first)
        # "Can acupuncture cause ...?" asks; "can't breathe" ("can not") does not.
        opens_question = self._asking.at(words, part.start) and not (
            part.start + 1 < len(words) and words[part.start + 1] in self._negations)
        asking = opens_question or (clause.question and part.start == 0)
        return asking or self._general.within(words, part)

    def _personal_in(self, words: Sequence[str], positions: range) -> bool:
        """The patient speaks of themselves: "my", "still", "I feel" (but not "will I
        feel" or "if I feel", which suppose)."""
        for position in positions:
            if not self._personal.at(words, position):
                continue
            if words[position] != "i" or position == 0:
                return True
            before = words[position - 1]
            if not (self._asking.at(words, position - 1) or before in self._supposing.single):
                return True
        return False

    def _treated(self, clause: _Clause, match: _Match) -> bool:
        """Asking about treating it: "can it reduce inflammation?" (but "help, I can't
        breathe" is no question)."""
        first = match.positions[0]
        part = clause.part_of(first)
        if not (clause.question or self._asking.at(clause.words, part.start)):
            return False
        return any(clause.words[position] in self._treating
                   for position in range(max(part.start, first - 3), first))

    def _resolution_at(self, clause: _Clause, position: int) -> bool:
        for phrase in self._resolved:
            window = clause.keys[position:position + len(phrase)]
            if len(window) == len(phrase) and all(
                    key in keys for key, keys in zip(phrase, window, strict=True)):
                return True
        return False

    def _passed(self, clause: _Clause, match: _Match, taken: set[int],
                following: _Clause | None) -> bool:
        """Words after the sign say it has passed: "the swelling has gone down", or, in
        the next clause, "I was dizzy but it passed"."""
        counted = 0
        for position in range(match.positions[-1] + 1, len(clause.words)):
            if position not in taken and self._resolution_at(clause, position) \
                    and not self._negation_just_before(clause, position):
                return True
            if not clause.filler[position]:
                counted += 1
                if counted > RESOLUTION_REACH:
                    return False
        if following is None or not (following.words[0] in self._new_subject
                                     or self._resolution_at(following, 0)):
            return False
        if self._matches_in(following):
            return False
        return any(self._resolution_at(following, position)
                   and not self._negation_just_before(following, position)
                   for position in range(min(4, len(following.words))))

    def _negation_just_before(self, clause: _Clause, position: int) -> bool:
        return any(clause.words[index] in self._negations
                   for index in range(max(0, position - 2), position))


def _tightest(phrasing: _Phrasing, where: Mapping[str, list[int]], counted: Mapping[int, int],
              clause: _Clause, negations: frozenset[str]) -> _Match | None:
    """The closest-together places of the phrasing's words in one comma-separated part,
    if close enough. A negation in a phrasing ("not breathe") comes before the word it
    negates, as it does in speech: "I can breathe now my back isn't tight" is no match."""
    allowed = len(phrasing.keys) - 1 + (ORDERED_SLACK if phrasing.ordered else SLACK)
    negating = [index for index, key in enumerate(phrasing.keys[:-1]) if key in negations]
    options = [where[key] for key in phrasing.keys]
    if _combinations(options) > 4096:
        options = [positions[:8] for positions in options]
    best: tuple[int, ...] | None = None
    best_span = allowed + 1
    for chosen in product(*options):
        if len(set(chosen)) < len(chosen):
            continue
        if phrasing.ordered and not _in_order(chosen, clause):
            continue
        if any(chosen[index] > chosen[index + 1] for index in negating):
            continue
        low, high = min(chosen), max(chosen)
        if clause.part_of(low) != clause.part_of(high):
            continue
        span = counted[high] - counted[low]
        if span < best_span:
            best, best_span = tuple(sorted(chosen)), span
    return None if best is None else _Match(phrasing, best)


def _sentences(text: str) -> list[str]:
    """Sentences, each keeping its closing mark (a question mark matters)."""
    parts: list[str] = []
    start = 0
    for found in _HARD_BREAK.finditer(text):
        parts.append(text[start:found.end()])
        start = found.end()
    parts.append(text[start:])
    return [part for part in parts if part.strip()]


def _in_order(chosen: Sequence[int], clause: _Clause) -> bool:
    """A quoted phrasing's words in its order, with at most a couple of small words put
    in ("bit of the needle", not "bit scared of needles")."""
    if list(chosen) != sorted(chosen):
        return False
    between = [position for low, high in pairwise(chosen)
               for position in range(low + 1, high)]
    return len(between) <= ORDERED_SLACK and all(clause.filler[p] for p in between)


def _counted_positions(clause: _Clause) -> dict[int, int]:
    """Each word's place counting only words that are not filler."""
    counted: dict[int, int] = {}
    number = 0
    for position, is_filler in enumerate(clause.filler):
        counted[position] = number
        if not is_filler:
            number += 1
    return counted


def _combinations(options: Sequence[Sequence[int]]) -> int:
    total = 1
    for positions in options:
        total *= len(positions)
    return total


def _drop_contained(matches: list[_Match], counted: Mapping[int, int], clause: _Clause
                    ) -> list[_Match]:
    """A match inside a longer one said as one phrase gives way to it: "feel faint"."""
    kept = []
    for match in matches:
        inside = set(match.positions)
        if not any(inside < set(other.positions) and _as_one_phrase(other, counted, clause)
                   for other in matches):
            kept.append(match)
    return kept


def _as_one_phrase(match: _Match, counted: Mapping[int, int], clause: _Clause) -> bool:
    places = [counted[position] for position in match.positions
              if not clause.filler[position]]
    return max(places) - min(places) == len(places) - 1


def _allowed_edits(word: str) -> int:
    if len(word) >= TWO_EDITS_FROM:
        return 2
    return 1 if len(word) >= ONE_EDIT_FROM else 0
