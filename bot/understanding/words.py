"""Words as the warning-sign reader sees them (`bot/understanding/warning_signs.py`):
text folded to one
case and form in any script, contractions and British spellings evened out, a light
English stem, the packaged English word list that tells a typo from a real word, and
lists of short phrases looked up in a clause.
"""

from __future__ import annotations

import functools
import gzip
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from importlib import resources

# Sentence ends; a comma is a softer break handled apart.
HARD_BREAK = re.compile(r"[.!?;:\n\r…。！？؟]+")
QUESTION = re.compile(r"[?？؟]")
_WORD = re.compile(r"[^\W_]+")
# "dizzzzy", "sooo": a letter written three times or more is one.
_DRAWN_OUT = re.compile(r"([^\W\d_])\1{2,}")  # letters: "sooo", not "999"
# "7kg", "45mins", "2am": a number and its unit are two words.
_NUMBER_UNIT = re.compile(r"\b(\d+)(kgs?|kilos?|lbs?|mins?|minutes?|hrs?|hours?|days?|wks?"
                          r"|weeks?|am|pm|cm|mm|ml)\b")
# Laughing emoji read as laughter: "nearly choked on my tea 😂" is a figure of speech.
_LAUGHING = str.maketrans(dict.fromkeys("😂🤣😆😹💀", " haha "))  # 💀: "dead" of laughing
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
# "can't" and "cannot" are negations like "not"; "won't" is "will not".
_CONTRACTIONS = (
    (re.compile(r"\bcan'?t\b|\bcannot\b|\bcnt\b"), "can not"),  # "cnt": texting
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bshan'?t\b"), "shall not"),
    (re.compile(r"\bain'?t\b"), "is not"),
    (re.compile(r"(\w)n't\b"), r"\1 not"),
    (re.compile(r"'ll\b"), " will"),
    # Spelled out, so a phrasing in order ('"going to faint"', '"i am dying"') also meets
    # the way patients type it: "gonna faint", "I'm dying", "im dying".
    (re.compile(r"\bgonna\b"), "going to"),
    (re.compile(r"\bwanna\b"), "want to"),
    (re.compile(r"\bi'?m\b"), "i am"),
)
# Written without the apostrophe, these are common enough to read as the negation too.
_BARE_NOT = re.compile(
    r"\b(do|does|did|is|was|are|were|has|have|had|could|would|should)nt\b")
# Whether any of the above may be in a text at all: most have none.
_QUICK = re.compile(r"'|\b(?:cannot|cnt|gonna|wanna|im)\b|nt\b")
# British spellings the other way's phrasing should still meet.
_SPELLING = (
    (re.compile(r"^(h|an|p)ae"), r"\1e"),  # haemorrhage, anaemia
    (re.compile(r"^oe(?=d|s)"), "e"),  # oedema, oesophagus
    (re.compile(r"hoea"), "hea"),  # diarrhoea
    (re.compile(r"(?<=\w{3})our$"), "or"),  # colour, tumour
    (re.compile(r"(?<=\w{3})is(e|es|ed|ing)$"), r"iz\1"),  # agonising
    (re.compile(r"(?<=\w{3})yse(s|d)?$"), r"yze\1"),  # paralysed
)
# Whether any of them may apply: letters every one of them needs.
_MAY_SPELL = re.compile(r"ae|oe|our|is|ys")
# Everyday words the light stem would turn into a sign's word: "sorry" is not "sore".
_WHOLE = frozenset({"sorry", "worry", "spine", "spines", "poorly", "fitted", "fitter", "sorrow",
                    "hurry", "carry", "marry", "ferry", "berry", "merry", "lorry", "furry"})
_SUFFIXES = ("iness", "ness", "ings", "ing", "ful", "ish", "ied", "ies", "ed", "es", "ly",
             "s", "y", "e")


def fold(text: str) -> str:
    """Lower case without accents, in any script: "Ζάλη" and "ζαλη" are one word."""
    if text.isascii():
        return text.lower()  # the same, for most messages, without a step per letter
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(char for char in folded if not unicodedata.combining(char))


def _spell(word: str) -> str:
    if not _MAY_SPELL.search(word):
        return word  # most words: none of the spellings can apply
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stem ("swelling" -> "swel", "dizziness" -> "diz"); words in other
    scripts are left whole and met by their common start instead (`same_start`)."""
    if not word.isascii():
        return word
    word = _spell(word)
    if word in _WHOLE:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 \
                and not (suffix == "ed" and word.endswith("eed")):  # "bleed", not "ble"
            word = word[: -len(suffix)]
            break
    if word.endswith("i") and len(word) > 3:
        word = word[:-1] + "y"
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def same_start(one: str, other: str) -> bool:
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
    text = fold(text.translate(_APOSTROPHES).translate(_LAUGHING))
    if _QUICK.search(text):  # most words need none of this
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
        text = _BARE_NOT.sub(r"\1 not", text)
    text = _DRAWN_OUT.sub(r"\1", text.replace("'", ""))
    return _WORD.findall(_NUMBER_UNIT.sub(r"\1 \2", text))


class _RealWords:
    """The English word list (bot/data), kept as one sorted string (600 kB, where a set
    would take 6 MB), with where each two-letter start begins and ends in it, so a look-up
    searches a few kilobytes."""

    @cached_property
    def _text(self) -> str:
        packed = resources.files("bot").joinpath("data/english_words.txt.gz").read_bytes()
        return "\n" + gzip.decompress(packed).decode("ascii") + "\n"

    @cached_property
    def _starts(self) -> dict[str, tuple[int, int]]:
        text = self._text
        starts: dict[str, tuple[int, int]] = {}
        position = 0
        while position < len(text) - 1:
            end = text.find("\n", position + 1)
            start = text[position + 1:position + 3]
            first, _ = starts.get(start, (position, 0))
            starts[start] = (first, end + 1)
            position = end
        return starts

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or len(word) < 2:
            return False
        span = self._starts.get(word[:2])
        return span is not None and self._text.find(f"\n{word}\n", *span) >= 0


REAL_WORDS = _RealWords()


class Phrases:
    """A list of words and short phrases from `words:`, looked up in a clause's words."""

    def __init__(self, texts: Iterable[str]) -> None:
        phrases = {tuple(words_of(text)) for text in texts} - {()}
        self.single = frozenset(phrase[0] for phrase in phrases if len(phrase) == 1)
        # By first word: a position is held against only the phrases that could start
        # there.
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in sorted(phrases):
            self._by_first.setdefault(phrase[0], []).append(phrase)

    def at(self, words: Sequence[str], position: int) -> bool:
        for phrase in self._by_first.get(words[position], ()):
            if len(phrase) == 1 or tuple(words[position:position + len(phrase)]) == phrase:
                return True
        return False

    def within(self, words: Sequence[str], positions: Iterable[int]) -> bool:
        by_first = self._by_first
        return any(words[position] in by_first and self.at(words, position)
                   for position in positions)

    def positions(self, words: Sequence[str],
                  index: Mapping[str, list[int]] | None = None) -> tuple[int, ...]:
        """Where in `words` one of the phrases starts; `index`: where each word is in
        `words`, when known (a clause asks many lists: each looks only at its first
        words)."""
        by_first = self._by_first
        if index is None:
            if by_first.keys().isdisjoint(words):
                return ()  # most word lists, for most clauses
            starts: Iterable[tuple[int, list[tuple[str, ...]]]] = (
                (position, by_first[word]) for position, word in enumerate(words)
                if word in by_first)
        else:
            firsts = by_first.keys() & index.keys()
            if not firsts:
                return ()
            starts = sorted((position, by_first[word]) for word in firsts
                            for position in index[word])
        found = []
        for position, phrases in starts:
            for phrase in phrases:
                size = len(phrase)
                if size == 1 or tuple(words[position:position + size]) == phrase:
                    found.append(position)
                    break
        return tuple(found)

    def anywhere(self, words: Sequence[str]) -> bool:
        """Whether any of the phrases is said in `words`."""
        return bool(self.positions(words))
