"""The reader, top to bottom: what a patient's message means for the bot.

1. Is it in a language the bot reads? (`readable`)
2. Cut it into clauses (`clauses.py`), spelling texting shorthand out.
3. Find the warning signs in them (`warning_signs.py`).
4. Read each sign in its context: who, when, what kind of sentence, how much
   (`context.py`).
5. Note what the whole message shows: the patient's own body now, a question about
   whether treatment is safe for them, a session named (`facts`).
6. Ask the FAQ (`faq_search.py`).
7. Decide (`policy.py`).

Pure and synchronous: `handlers/safety.py` and `handlers/patients/questions.py` carry the
verdict out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.understanding.clauses import Clause
from bot.understanding.context import ContextReader, Reading, Who
from bot.understanding.faq_search import FaqMatcher, Match
from bot.understanding.policy import Decision, Facts, Outcome, decide
from bot.understanding.warning_signs import Mention, WarningSigns
from bot.understanding.words import REAL_WORDS, Phrases

# Letters past Latin Extended-B (Greek, Cyrillic, Arabic, Chinese, ...): a message mostly
# in them is not in a language written in the Latin alphabet.
_LATIN_END = 0x024F
# A message of this many words or more is judged for its language; shorter ones are not.
_JUDGED_FROM = 3
# ... and read as another language when fewer than this share of its words are known.
_KNOWN_AT_LEAST = 0.5
# After an asking word, these make a question: "is it", "can I", "will this".
_ASKED = frozenset({"i", "it", "this", "that", "there", "acupuncture", "you", "we"})
# A clause opening with these speaks of the writer, "I" left out: "feel a bit weird".
_FEELING_VERBS = frozenset({"feel", "feeling", "felt", "feels", "been", "got", "getting"})
# Pain, and the words the back-pain patients this clinic sees use for it every day: about
# the patient's own body, but not unusual.
_EVERYDAY_PAIN = frozenset({"pain", "painful", "hurt", "hurts", "hurting", "ache", "aching",
                            "achy", "sore", "stiff", "stiffness", "tight", "tightness"})


@dataclass(frozen=True)
class Verdict:
    """What to do with a message, and the FAQ's answer when it is the FAQ's turn."""

    decision: Decision
    faq: Match
    readings: tuple[Reading, ...] = ()

    @property
    def outcome(self) -> Outcome:
        return self.decision.outcome


class Reader:
    """Reads messages with the clinic's signs, words and FAQ. Built once, from content."""

    def __init__(self, signs: WarningSigns, matcher: FaqMatcher) -> None:
        self.signs = signs
        self.matcher = matcher
        self.context = ContextReader(signs)
        words = signs.vocabulary
        self._common = Phrases(words.common).single
        self._feelings = Phrases(words.feelings)
        self._positive = Phrases(words.positive)
        self._expected = Phrases(words.expected).single
        self._conditions = Phrases(words.conditions)
        self._suitability = Phrases(words.suitability)
        self._history = Phrases([*words.history, *words.habitual])
        self._own_words = Phrases(words.self).single
        self._aside = Phrases([*words.worrying, *words.figures, "what if", "if i get",
                               "if i feel", "if i have", "if something", "if anything"])
        self._condition_words = Phrases(words.conditions)
        self._body = frozenset(words.concepts.get("body", ()))

    def read(self, text: str) -> Verdict:
        faq = self.matcher.match(text)
        if not self.readable(text):
            return Verdict(decide((), Facts(readable=False)), faq)
        clauses = self.signs.clauses(text)
        mentions = self.signs.mentions(clauses)
        readings = tuple(self.context.read(clauses, mentions))
        facts = self.facts(clauses, faq, mentions)
        return Verdict(decide(readings, facts), faq, readings)

    def readable(self, text: str) -> bool:
        """Whether the message is in the language the bot reads (or has no words)."""
        letters = [char for char in text if char.isalpha()]
        if not letters:
            return True
        if sum(ord(char) > _LATIN_END for char in letters) > len(letters) / 2:
            return False
        words = [word for word in self.signs.spelled(text) if word.isalpha()]
        if len(words) < _JUDGED_FROM:
            return True
        known = sum(1 for word in words if word in self._common or word in REAL_WORDS)
        return known >= _KNOWN_AT_LEAST * len(words)

    def facts(self, clauses: Sequence[Clause], faq: Match, mentions: Sequence[Mention]
              ) -> Facts:
        own_body = unusual = False
        going_well = any(self._positive.within(clause.words, self._unnegated(clause))
                         or self._easing(clause) for clause in clauses)
        for index in range(len(clauses)):
            signs_at = {position for mention in mentions if mention.clause == index
                        for position in mention.positions}
            feelings = [] if going_well else self._own_feelings_now(clauses, index, signs_at)
            own_body = own_body or bool(feelings)
            unusual = unusual or any(word not in self._expected and word not in _EVERYDAY_PAIN
                                     for word in feelings)
        every = [clause.words for clause in clauses]
        asking = [clause.words for clause in clauses
                  if clause.question or self._asks_within(clause.words)]
        return Facts(
            unusual_feeling_now=unusual, own_body_now=own_body,
            asks_if_safe_for_them=any(self._said(words, self._conditions) for words in every)
            and any(self._said(words, self._suitability) for words in asking),
            faq_answers=faq.topic is not None)

    def _own_feelings_now(self, clauses: Sequence[Clause], index: int, signs_at: set[int]
                          ) -> list[str]:
        """The words of clause `index` that say how the patient's body or mind feels now
        (outside the signs found at `signs_at`, which speak for themselves); none when it
        is someone else's, history, a general question, or going well."""
        clause = clauses[index]
        words = clause.words
        if self._said(words, self._history):
            return []
        opens_asking = self.signs.asking.at(words, 0) and not (
            len(words) > 1 and words[1] in self.signs.negations)
        if clause.asks or opens_asking or self._said(words, self._aside):
            return []  # "will I feel sick after?", "scared of needles", "sick of waiting"
        if not (words[0] in _FEELING_VERBS or self._feelings.at(words, 0)
                or any(word in self._own_words or word in self._body for word in words)):
            return []  # "hot weather today" (but "feel a bit weird" speaks of the writer)
        if self._easing(clause):
            return []  # "the soreness has eased off" (but not "not better")
        unnegated = self._unnegated(clause)
        conditions = {position + offset for position in range(len(words))
                      for offset in range(3) if self._condition_words.at(words, position)}
        return [words[position] for position in unnegated
                if position not in signs_at | conditions and self._feelings.at(words, position)
                and self.context.subject_of(clauses, index, position) != Who.SOMEONE]

    def _asks_within(self, words: Sequence[str]) -> bool:
        """A question without its mark: "is it safe for me", "can I still come"."""
        return any(self.signs.asking.at(words, position) and words[position + 1] in _ASKED
                   for position in range(len(words) - 1))

    def _easing(self, clause: Clause) -> bool:
        """Words saying something has passed or is easing, not negated."""
        words = clause.words
        return any(self.signs.resolution_at(clause, position) and not any(
            words[before] in self.signs.negations
            for before in range(max(0, position - 2), position))
            for position in range(len(words)))

    def _unnegated(self, clause: Clause) -> list[int]:
        """Positions of a clause with no negation before them in their comma-separated
        part: "no numbness or tingling" says nothing is wrong."""
        positions = []
        for position in range(len(clause.words)):
            part = clause.part_of(position)
            if not any(clause.words[before] in self.signs.negations
                       for before in range(part.start, position)):
                positions.append(position)
        return positions

    @staticmethod
    def _said(words: Sequence[str], phrases: Phrases) -> bool:
        return phrases.within(words, range(len(words)))
