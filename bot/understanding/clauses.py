"""A message cut into clauses, the unit the reader works on: at sentence ends and line
breaks, then at words that start a new thought ("but", "although"), each clause keeping
where its comma-separated parts begin. Texting shorthand is spelled out on the way in
("rn" is "right now"), so every later step sees one spelling."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.understanding.words import HARD_BREAK, QUESTION, Phrases, words_of

# A comma, a dash between words, or brackets: a softer break than a full stop.
_SOFT_BREAK = re.compile(r",|\s[-–—]+\s|[()\[\]]")
_PART = "qqpartqq"
_NOT = frozenset({"not", "no", "never"})
# Words after an asking word that make a question of it without a question mark.
SUBJECTS = frozenset({"i", "you", "it", "this", "that", "there", "acupuncture", "we", "they",
                       "he", "she", "my", "the", "a", "an", "your", "people", "anyone",
                       "someone", "needles", "these", "those", "any", "me", "u"})
ASKING_PAIRS = frozenset({
    *(("how", word) for word in ("long", "often", "much", "many", "does", "do", "is", "are",
                                 "can", "will", "would", "come")),
    *(("what", word) for word in ("if", "is", "are", "does", "do", "about", "happens")),
    *(("why", word) for word in ("does", "do", "is", "are", "would"))})
_AUXILIARIES = frozenset({"is", "are", "does", "do", "can", "could", "will", "would", "should"})
# ... or that a word of this kind later makes one: "is bruising normal after acupuncture".
_ASKING_ABOUT = frozenset({"normal", "safe", "ok", "okay", "common", "usual", "possible",
                           "likely", "risk", "risky", "dangerous", "alright"})
# A sentence of this many words or fewer is a fragment ("chest. heavy. sweating."): it
# joins the fragments next to it, as one clause.
_FRAGMENT = 2
# ... and a line this short after such a run, with no mark before it, ends it.
_LINE_END = 5
_MARKED_END = re.compile(r"[.!?…]\W*$")


@dataclass
class Clause:
    """One clause: its words, what each may stand for (`keys`, filled in by the sign
    matcher), which words are filler, where comma-separated parts begin, its sentence's
    number in the message, and whether that sentence is a question."""

    sentence: int
    question: bool
    asks: bool  # the sentence opens like a question ("can ...", "is ...") and ends with "?"
    words: list[str] = field(default_factory=list)
    keys: list[frozenset[str]] = field(default_factory=list)
    filler: list[bool] = field(default_factory=list)
    part_starts: list[int] = field(default_factory=lambda: [0])
    # Where each word list is said in it, as the reader asks (by list), kept for the
    # message.
    found: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # A phrasing's words were all here, whatever the matcher then made of them (negated,
    # excepted, not near its context): the clause speaks of a sign, one way or another.
    sign_words: bool = False
    # Made of short fragments so far: the next fragment joins it.
    fragments: bool = False
    # Where each word is, built at the first look-up (the words are settled by then).
    index: dict[str, list[int]] | None = None

    def part_of(self, position: int) -> range:
        """The comma-separated part holding `position`."""
        start, end = 0, len(self.words)
        for begin in self.part_starts:
            if begin <= position:
                start = begin
            else:
                end = begin
                break
        return range(start, end)


def found(clause: Clause, phrases: Phrases) -> tuple[int, ...]:
    """Where `phrases` start in the clause (looked for once per list and clause)."""
    known = clause.found.get(id(phrases))
    if known is None:
        if clause.index is None:
            clause.index = {}
            for position, word in enumerate(clause.words):
                clause.index.setdefault(word, []).append(position)
        known = clause.found[id(phrases)] = phrases.positions(clause.words, clause.index)
    return known


def said(clause: Clause, phrases: Phrases) -> bool:
    """Whether any of `phrases` is said in the clause."""
    return bool(found(clause, phrases))


def found_within(clause: Clause, phrases: Phrases, positions: range) -> bool:
    """Whether one of `phrases` starts at one of `positions` of the clause."""
    return any(position in positions for position in found(clause, phrases))


def opens_a_question(words: Sequence[str], start: int, asking: Phrases,
                     question: bool = False) -> bool:
    """Whether the words from `start` open like a question: an asking word and a subject
    ("can I", "is it"), or any asking word before a question mark; never before a
    negation ("can't breathe")."""
    if start + 1 >= len(words) or not asking.at(words, start) or words[start + 1] in _NOT:
        return False
    pair = (words[start], words[start + 1])
    return question or pair in ASKING_PAIRS or (
        words[start + 1] in SUBJECTS and words[start] != "when") or (
        words[start] in _AUXILIARIES and not _ASKING_ABOUT.isdisjoint(words[start + 2:]))


def sentences(text: str) -> list[str]:
    """Sentences, each keeping its closing mark (a question mark matters)."""
    parts: list[str] = []
    start = 0
    for found in HARD_BREAK.finditer(text):
        parts.append(text[start:found.end()])
        start = found.end()
    parts.append(text[start:])
    return [part for part in parts if part.strip()]


class Shorthand:
    """Texting shorthand spelled out: ("rn", "right now") turns "rn" into two words."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._meant = {tuple(words_of(typed)): words_of(meant) for typed, meant in pairs}
        self._longest = max((len(typed) for typed in self._meant), default=0)
        self._firsts = frozenset(typed[0] for typed in self._meant)

    def spell_out(self, words: list[str]) -> list[str]:
        if not self._meant or self._firsts.isdisjoint(words):
            return words
        out: list[str] = []
        position = 0
        while position < len(words):
            for width in range(min(self._longest, len(words) - position), 0, -1):
                meant = self._meant.get(tuple(words[position:position + width]))
                if meant is not None:
                    out.extend(meant)
                    position += width
                    break
            else:
                out.append(words[position])
                position += 1
        return out


def clauses_of(text: str, shorthand: Shorthand, breaks: frozenset[str],
               filler: frozenset[str], asking: Phrases) -> list[Clause]:
    """The clauses of `text`, empty ones left out."""
    clauses: list[Clause] = []
    unmarked = False  # the sentence before ended at a bare line break
    for number, sentence in enumerate(sentences(text)):
        # One reading of the sentence, the soft breaks kept as a word no one writes.
        marked = words_of(_SOFT_BREAK.sub(f" {_PART} ", sentence))
        parts: list[list[str]] = [[]]
        for word in marked:
            if word == _PART:
                parts.append([])
            else:
                parts[-1].append(word)
        parts = [shorthand.spell_out(words) for words in parts]
        question = bool(QUESTION.search(sentence))
        # Opening like a question asks, mark or no mark, when a subject follows ("can I
        # still come", "is it safe"); "can't breathe", "can barely breathe" and "is really
        # hard to breathe" (the "I" left out) do not, nor "when I breathe in it hurts".
        first_words = next((words[:2] for words in parts if words), [])
        asks = opens_a_question(first_words, 0, asking, question)
        size = sum(len(words) for words in parts)
        fragment = size <= _FRAGMENT
        if clauses and clauses[-1].fragments and (fragment or (unmarked and size <= _LINE_END)):
            # One more fragment of the same clause, or the short line that ends a run of
            # fragments cut by bare line breaks ("cant\nget\na full breath").
            clause = clauses.pop()
            clause.question = clause.question or question
            clause.asks = clause.asks or asks
        else:
            clause = Clause(number, question, asks)
        clause.fragments = fragment
        for index, part_words in enumerate(parts):
            if index and clause.words:
                clause.part_starts.append(len(clause.words))
            for word in part_words:
                if word in breaks:
                    clauses.append(clause)
                    clause = Clause(number, question, False)  # "could be nothing but ..."
                    continue
                clause.words.append(word)
                clause.filler.append(word in filler)
        clauses.append(clause)
        unmarked = not _MARKED_END.search(sentence)
    for clause in clauses:
        clause.part_starts = sorted(set(clause.part_starts) - {len(clause.words)}) or [0]
    return [clause for clause in clauses if clause.words]
