"""Reading a language the English reader does not read: its warning signs from a word
list the clinic keeps for it (content/<language>/warning_signs.yaml), a few kinds of
words around them (a negation, the patient's history, someone else, a general question
about risk, a figure of speech), and the FAQ in that language for questions.

Much simpler than the English reader (`screen.py`), and safe where unsure: a sign is
answered even when the words around it are not understood, and a message about the
writer's own body goes to a person unless it is a question the FAQ answers.

Matching: text folded (lower case, accents off, "ß" as "ss", a letter typed three times
or more as one); sentences split at . ! ? ; and line breaks; a phrase is words in order
in one sentence, up to `GAP` other words between two of them; a word ending in `*`
matches every word that begins with it ("respir*": respiro, respirar).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot.understanding.faq_search import UNSPACED_SCRIPTS, FaqMatcher, Match
from bot.understanding.policy import Decision, Outcome

LEXICON_FILE = "warning_signs.yaml"
Item = TypeVar("Item")
GAP = 2  # other words allowed between two words of a phrase
NEGATION_REACH = 3  # words before a phrase a negation denies it from
UNSPACED_REACH = 6  # ... characters, in a script written without spaces
SHORTEST_STEM = 4  # "respir*": shorter stems would match everyday words
_SENTENCE = re.compile(r"[.!?;\n\r…]+")
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r"[^\W_]+|[,，、]")
COMMA = ","  # kept among a sentence's words where it breaks one
# Scripts written without spaces between words: kana, CJK ideographs, Thai.
_UNSPACED = re.compile(f"[{UNSPACED_SCRIPTS}]")
_UNSPACED_PARTS = re.compile(f"[{UNSPACED_SCRIPTS}]|[^{UNSPACED_SCRIPTS}]+")
_QUESTION = re.compile(r"[?¿？؟]")
_DRAWN_OUT = re.compile(r"([^\W\d_])\1{2,}")
_TIERS = {"emergency": Outcome.EMERGENCY, "same_day": Outcome.SAME_DAY}
_LISTS = ("history", "someone_else", "with_me_now", "not_here", "general_question",
          "figures_of_speech", "body", "positive")
# A year in a sentence ("en 2015 me operaron") dates what it says: the patient's history.
_YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-2]\d)\b")


def fold(text: str) -> str:
    """Lower case, accents off, "ß" as "ss", a letter typed three times or more as one."""
    plain = text.casefold()
    if not plain.isascii():
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _DRAWN_OUT.sub(r"\1", plain)


def words(text: str) -> list[str]:
    """The words of `text`, folded (`tokens_of` keeps a sentence's commas)."""
    return [token for token in tokens_of(text) if token != COMMA]


def tokens_of(text: str) -> list[str]:
    """The words of `text`, folded; in a script written without spaces (Chinese,
    Japanese, Thai), each character is a word, so a phrase's characters may have up to
    `GAP` others between them ("胸口很疼" holds "胸口疼")."""
    found = [COMMA if token in "，、" else token for token in _TOKEN.findall(fold(text))]
    if not any(_UNSPACED.search(word) for word in found):
        return found
    return [part for word in found for part in _UNSPACED_PARTS.findall(word)]


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words in order; (word, whether it is a stem that matches longer words)."""

    parts: tuple[tuple[str, bool], ...]

    @classmethod
    def of(cls, written: str) -> Phrase:
        parts: list[tuple[str, bool]] = []
        for word in fold(written).split():
            stem = word.endswith("*")
            pieces = words(word.rstrip("*"))  # "u-bahn" is two words, as typed
            if _UNSPACED.search(word):
                parts += [(part, False) for part in pieces]
            elif pieces:
                parts += [(part, False) for part in pieces[:-1]] + [(pieces[-1], stem)]
        return cls(tuple(_PARTS.setdefault((word, stem), (sys.intern(word), stem))
                         for word, stem in parts if word))

    def at(self, tokens: Sequence[str], start: int) -> bool:
        """Whether this phrase begins at `tokens[start]`."""
        return _fits(self.parts[0], tokens[start]) and self._rest(tokens, start)

    def _rest(self, tokens: Sequence[str], at: int) -> bool:
        for part in self.parts[1:]:
            reach = tokens[at + 1:at + 2 + GAP]
            found = next((offset for offset, token in enumerate(reach) if _fits(part, token)),
                         None)
            if found is None:
                return False
            at += 1 + found
        return True



class PhraseIndex(Generic[Item]):
    """Phrases filed by their longest word (a stem by its first letters), the one least
    often in a sentence, with all the words each needs: a sentence is matched only
    against the phrases whose every word it holds."""

    def __init__(self, items: Iterable[tuple[Item, Phrase]]) -> None:
        filed: dict[str, list[tuple[Item, Phrase, frozenset[str]]]] = defaultdict(list)
        lengths: set[int] = set()
        for item, phrase in items:
            needs = frozenset(part[:SHORTEST_STEM] if stem else part
                              for part, stem in phrase.parts)
            needs = _KEYS.setdefault(needs, needs)
            filed[max(needs, key=len)].append((item, phrase, needs))
            lengths.update(len(part[:SHORTEST_STEM]) for part, stem in phrase.parts if stem)
        self._filed = dict(filed)
        self._lengths = sorted(lengths)

    def found(self, tokens: Sequence[str]) -> Iterator[tuple[Item, Phrase, int]]:
        """Each (item, phrase, where it begins) in `tokens`."""
        held = dict.fromkeys([*tokens, *(token[:length] for token in tokens
                                         for length in self._lengths)])
        for key in held:
            for item, phrase, needs in self._filed.get(key, ()):
                if needs <= held.keys():
                    for start in range(len(tokens)):
                        if phrase.at(tokens, start):
                            yield item, phrase, start

    def any(self, tokens: Sequence[str]) -> bool:
        return next(self.found(tokens), None) is not None


# One of each (word, stem) pair, shared by every phrase that has it: thousands of phrases
# hold a few hundred words.
_PARTS: dict[tuple[str, bool], tuple[str, bool]] = {}
_KEYS: dict[frozenset[str], frozenset[str]] = {}


def _fits(part: tuple[str, bool], token: str) -> bool:
    word, stem = part
    return token.startswith(word) if stem else token == word


@dataclass(frozen=True, eq=False)  # one of each: told apart by identity, cheaply
class LexiconSign:
    name: str  # in the staff's words
    tier: Outcome
    crisis: bool
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class Lexicon:
    """A language's warning signs and the words read around them."""

    negations: frozenset[str] = frozenset()
    personal: frozenset[str] = frozenset()
    lists: Mapping[str, PhraseIndex[str]] = field(default_factory=dict)
    signs: tuple[LexiconSign, ...] = ()

    def said(self, name: str, tokens: Sequence[str]) -> bool:
        found = self.lists.get(name)
        return found is not None and found.any(tokens)


def parse_lexicon(data: Mapping[str, Any] | None, where: str, problems: list[str]
                  ) -> Lexicon | None:
    """The file's word lists and signs; each problem is added to `problems`."""
    if data is None:
        return None
    found_problems: list[str] = []

    def strings(name: str) -> list[str]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            found_problems.append(f"{where}: '{name}' must be a list of words or phrases")
            return []
        return [item for item in value if item.strip()]

    negations = frozenset(fold(word) for word in strings("negations"))
    personal = frozenset(fold(word) for word in strings("personal"))
    lists = {name: PhraseIndex((text, Phrase.of(text)) for text in strings(name)
                               if Phrase.of(text).parts) for name in _LISTS}
    signs: list[LexiconSign] = []
    raw = data.get("signs")
    if not isinstance(raw, list) or not raw:
        found_problems.append(f"{where}: needs a non-empty list called 'signs'")
        raw = []
    for number, item in enumerate(raw, start=1):
        name = item.get("name") if isinstance(item, dict) else None
        tier = _TIERS.get(str(item.get("tier"))) if isinstance(item, dict) else None
        phrases = item.get("phrases") if isinstance(item, dict) else None
        if not isinstance(name, str) or tier is None or not isinstance(phrases, list) \
                or not phrases or not all(isinstance(p, str) for p in phrases):
            found_problems.append(f"{where}: sign {number}: needs a 'name', a 'tier' "
                                  "(emergency or same_day) and a list of 'phrases'")
            continue
        made = tuple(Phrase.of(text) for text in phrases if text.strip())
        for phrase, text in zip(made, phrases, strict=False):
            short = [word for word, stem in phrase.parts if stem and len(word) < SHORTEST_STEM]
            if short or not phrase.parts:
                found_problems.append(f"{where}: sign '{name}': \"{text}\": a stem with * "
                                      f"needs at least {SHORTEST_STEM} letters")
        signs.append(LexiconSign(name.strip(), tier, item.get("crisis") is True, made))
    problems.extend(found_problems)
    if found_problems:
        return None
    return Lexicon(negations, personal, lists, tuple(signs))


class LexiconReader:
    """Reads one language with its lexicon and its FAQ (the same `Verdict` shape as the
    English reader's, so the safety net and the FAQ's handler read it alike)."""

    def __init__(self, language: str, lexicon: Lexicon, matcher: FaqMatcher) -> None:
        self.language = language
        self.lexicon = lexicon
        self.matcher = matcher
        self._signs = PhraseIndex((sign, phrase) for sign in lexicon.signs
                                  for phrase in sign.phrases)

    def decide(self, text: str) -> tuple[Decision, Match | None]:
        """What the message calls for, and the FAQ's match when it was asked."""
        split = [(part, tokens_of(part)) for part in _SENTENCE.split(fold(text))]
        parts = [part for part, tokens in split if tokens]
        sentences = [tokens for _, tokens in split if tokens]
        every = [token for tokens in sentences for token in tokens]
        heard: list[tuple[Outcome, LexiconSign]] = []
        for part, tokens in zip(parts, sentences, strict=True):
            heard += self._signs_in(tokens, every, _YEAR.search(part) is not None)
        best = max((outcome for outcome, _ in heard), default=Outcome.NOTHING)
        if best == Outcome.LOOK:  # an emergency's words the sentence around them may undo
            names = tuple(dict.fromkeys(sign.name for outcome, sign in heard
                                        if outcome == Outcome.LOOK))
            return Decision(Outcome.LOOK, names, why=f"{'; '.join(names)}, perhaps (the "
                            f"{self.language} list; the words around it unclear)",
                            language=self.language), None
        if best >= Outcome.SAME_DAY:
            behind = sorted((pair for pair in heard if pair[0] >= Outcome.SAME_DAY),
                            key=lambda pair: -pair[0])
            names = tuple(dict.fromkeys(sign.name for _, sign in behind))
            crisis = any(sign.crisis for outcome, sign in behind if outcome >= Outcome.CONFIRM)
            return Decision(best, names, crisis, f"{'; '.join(names)} ({self.language} list)",
                            language=self.language), None
        if best in (Outcome.HISTORY, Outcome.RISKS):
            return Decision(best, language=self.language), None
        match = self.matcher.match(text)
        asked = _QUESTION.search(text) is not None
        if self._own_body(sentences) and (not asked or match.topic is None):
            # How they feel, told (or asked, with no topic for it): a person reads it.
            return Decision(Outcome.LOOK, why="about how they feel, in words the bot does not "
                            "know", language=self.language), match
        return Decision(Outcome.NOTHING, language=self.language), match

    def _signs_in(self, tokens: Sequence[str], every: Sequence[str], dated: bool
                  ) -> list[tuple[Outcome, LexiconSign]]:
        """Each sign in a sentence, and what the words around it make of it. These words
        are read crudely (anywhere in the sentence, not in a parse of it), so they never
        silence an emergency's words: what they would turn into history, someone else's
        past, a general question, a figure of speech or a denial goes to a person."""
        figure = self.lexicon.said("figures_of_speech", tokens)
        heard: dict[LexiconSign, Outcome] = {}
        for sign, phrase, start in self._signs.found(tokens):
            if figure or self._denied(tokens, start, phrase):
                outcome = Outcome.NOTHING
            elif dated:
                outcome = Outcome.HISTORY
            else:
                outcome = self._outcome(sign, tokens, every)
            if sign.tier == Outcome.EMERGENCY and outcome < Outcome.CONFIRM:
                outcome = Outcome.LOOK
            heard[sign] = max(outcome, heard.get(sign, Outcome.NOTHING))
        return [(outcome, sign) for sign, outcome in heard.items()]

    def _own_body(self, sentences: Sequence[Sequence[str]]) -> bool:
        """Whether the writer speaks of their body or feelings: a body word not denied,
        in a sentence that does not say it goes well ("me siento mucho mejor")."""
        lexicon = self.lexicon
        body = lexicon.lists.get("body")
        return body is not None and any(
            not lexicon.said("positive", tokens)
            and any(not self._denied(tokens, start, phrase)
                    for _, phrase, start in body.found(tokens))
            for tokens in sentences)

    def _denied(self, tokens: Sequence[str], start: int, phrase: Phrase) -> bool:
        negations = self.lexicon.negations
        if phrase.parts[0][0] in negations or self._opens_with_negation(phrase):
            return False  # "no puedo respirar" says the sign with its own negation
        if _UNSPACED.search(tokens[start]):
            # Characters, not words: a negation of a few characters shortly before.
            preceding = "".join(tokens[max(0, start - UNSPACED_REACH):start])
            return any(negation in preceding for negation in negations)
        before = tokens[max(0, start - NEGATION_REACH):start]
        if COMMA in before:  # "No, me duele el pecho": the negation answers something else
            before = before[len(before) - before[::-1].index(COMMA):]
        return any(token in negations for token in before)

    def _opens_with_negation(self, phrase: Phrase) -> bool:
        """Whether a phrase in characters begins with a negation ("不能呼吸")."""
        if not _UNSPACED.search(phrase.parts[0][0]):
            return False
        opening = "".join(word for word, _ in phrase.parts[:3])
        return any(opening.startswith(negation) for negation in self.lexicon.negations)

    def _outcome(self, sign: LexiconSign, tokens: Sequence[str], every: Sequence[str]
                 ) -> Outcome:
        lexicon = self.lexicon
        if lexicon.said("history", tokens):
            return Outcome.HISTORY
        if lexicon.said("someone_else", tokens) and not lexicon.said("with_me_now", every):
            if lexicon.said("not_here", tokens):
                return Outcome.NOTHING  # elsewhere, in care, better, or days ago
            return Outcome.CONFIRM if sign.tier == Outcome.EMERGENCY else Outcome.NOTHING
        if lexicon.said("general_question", every) \
                and not any(token in lexicon.personal for token in tokens):
            return Outcome.RISKS
        return sign.tier
