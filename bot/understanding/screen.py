"""The reader, top to bottom: what a patient's message means for the bot.

1. Is it in a language the bot reads? (`readable`; if not, which one: `languages.py`)
2. Cut it into clauses (`clauses.py`), spelling texting shorthand out.
3. Find the warning signs in them (`warning_signs.py`).
4. Read each sign in its context: who, when, what kind of sentence, how much
   (`context.py`).
5. Note what the whole message shows: the patient's own body now, a question about
   whether treatment is safe for them, a session named (`facts`).
6. Ask the FAQ (`faq_search.py`).
7. Decide (`policy.py`).
8. Where a sentence goes on across a break, read it once more joined (`joins.py`): a sign
   heard only so wins.

Pure and synchronous: `handlers/safety.py` and `handlers/patients/questions.py` carry the
verdict out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.understanding.clauses import Clause, found, opens_a_question, said
from bot.understanding.context import ContextReader, Reading
from bot.understanding.faq_search import FaqMatcher, Match
from bot.understanding.joins import joined
from bot.understanding.languages import LanguageGuesser
from bot.understanding.lexicon import LexiconReader
from bot.understanding.names import unnamed, unsigned
from bot.understanding.negation import TURNS
from bot.understanding.policy import Decision, Facts, Outcome, decide
from bot.understanding.second_opinion import SecondOpinion
from bot.understanding.sentence_kinds import LAUGHS
from bot.understanding.subjects import Who
from bot.understanding.warning_signs import Mention, WarningSigns
from bot.understanding.words import REAL_WORDS, Phrases, words_of

# How sure the second opinion must be of a warning sign the rules did not find (held out a
# batch at a time, at this level it heard 95% of warnings and alarmed on 4% of tricky
# everyday messages: `python -m tests.eval.train --cross-validate`).
SECOND_OPINION_AT_LEAST = 0.8
# Verdicts kept for the next handler's question about the same message.
_RECENT_VERDICTS = 64
# Letters past Latin Extended-B (Greek, Cyrillic, Arabic, Chinese, ...): a message mostly
# in them is not in a language written in the Latin alphabet.
_LATIN_END = 0x024F
# A message of this many words or more is judged for its language; shorter ones are not.
_JUDGED_FROM = 3
# ... and read as another language when fewer than this share of its words are known.
_KNOWN_AT_LEAST = 0.5
# After an asking word, these make a question: "is it", "can I", "will this".
_ASKED = frozenset({"i", "it", "this", "that", "there", "acupuncture", "you", "we"})
# The weather is not how one feels: "hot weather today".
_WEATHER = ("weather", "hot day", "cold day", "sunny", "raining", "heatwave", "freezing out",
            "cold out", "hot out", "cold snap")
# Words after a condition's name that describe it ("immune system is a bit low").
_CONDITION_REACH = 7
# A clause opening with these speaks of the writer, "I" left out: "feel a bit weird".
_FEELING_VERBS = frozenset({"feel", "feeling", "felt", "feels", "been", "got", "getting"})
# Pain, and the words the back-pain patients this clinic sees use for it every day: about
# the patient's own body, but not unusual.
_EVERYDAY_PAIN = frozenset({"pain", "painful", "hurt", "hurts", "hurting", "ache", "aching",
                            "achy", "sore", "stiff", "stiffness", "tight", "tightness",
                            "tender", "bruised"})


class Verdict:
    """What to do with a message, and the FAQ's answer when it is the FAQ's turn (asked
    only then: the safety net does not wait for the FAQ it does not need)."""

    def __init__(self, decision: Decision, text: str, matcher: FaqMatcher,
                 readings: tuple[Reading, ...] = (), faq: Match | None = None) -> None:
        self.decision = decision
        self.readings = readings
        self._text = text
        self._matcher = matcher
        self._faq = faq

    @property
    def outcome(self) -> Outcome:
        return self.decision.outcome

    @property
    def faq(self) -> Match:
        if self._faq is None:
            self._faq = self._matcher.match(self._text)
        return self._faq


class Reader:
    """Reads messages with the clinic's signs, words and FAQ. Built once, from content."""

    def __init__(self, signs: WarningSigns, matcher: FaqMatcher,
                 second_opinion: SecondOpinion | None = None,
                 languages: LanguageGuesser | None = None,
                 others: Mapping[str, LexiconReader] | None = None) -> None:
        self.signs = signs
        self.matcher = matcher
        self.second_opinion = second_opinion
        self.languages = languages
        # The other languages the clinic offers that have a word list to read them by
        # (lexicon.py), by code.
        self.others = dict(others or {})
        self.context = ContextReader(signs)
        words = signs.vocabulary
        self._common = Phrases(words.common).single
        self._feelings = Phrases(words.feelings)
        self._laughs = Phrases(LAUGHS)
        self._positive = Phrases(words.positive)
        self._expected = Phrases(words.expected).single
        self._conditions = Phrases(words.conditions)
        self._suitability = Phrases(words.suitability)
        self._history = Phrases([*words.history, *words.habitual])
        self._own_words = Phrases(words.self).single
        self._aside = Phrases([*words.worrying, *words.figures, "what if", "if i get",
                               "if i feel", "if i have", "if i look", "if something", "if anything",
                               *_WEATHER])
        self._condition_words = Phrases(words.conditions)
        self._bookings = Phrases(words.bookings)
        body = words.concepts.get("body", ())
        # "tummy's a bit off" reads as "tummys": the possessive's "s" kept.
        self._body = frozenset((*body, *(f"{part}s" for part in body), "body"))
        self._recent: dict[str, Verdict] = {}
        self._new_subject = Phrases(words.new_subject).single
        self._plain = frozenset({*words.common, *words.others, *words.self, *self._body})

    def read(self, text: str) -> Verdict:
        """What `text` calls for. The safety net and then the FAQ's handler both ask about
        each message, so the last few verdicts are kept."""
        known = self._recent.get(text)
        if known is None:
            known = self._read(text)
            if known.outcome < Outcome.EMERGENCY:
                known = self._read_joined(text, known)
            if len(self._recent) >= _RECENT_VERDICTS:
                del self._recent[next(iter(self._recent))]
            self._recent[text] = known
        return known

    def forget(self) -> None:
        """Forget the verdicts kept (for a benchmark that times each reading afresh)."""
        self._recent.clear()

    def _read_joined(self, text: str, known: Verdict) -> Verdict:
        """The verdict on `text` read once more with its sentences joined where they go on
        across a break (`joins.py`), when that hears a sign the first reading did not and
        calls for at least a same-day answer."""
        join = joined(text, self._opens_anew)
        if join is None:
            return known
        heard = {reading.mention.sign for reading in known.readings}
        if all(mention.sign in heard for sentence in join.sentences
               for mention in self.signs.mentions(self._clauses(sentence))):
            return known
        other = self._read(join.text)
        louder = other.outcome >= Outcome.SAME_DAY and other.outcome > known.outcome
        return other if louder else known

    def _read(self, text: str) -> Verdict:
        clauses = self._clauses(text)
        spelled = [word for clause in clauses for word in clause.words]
        if not self.readable(text, spelled):
            decision = decide((), Facts(readable=False))
            guess = self.languages.guess(text) if self.languages is not None else None
            if guess is not None:
                decision = replace(decision, language=guess)
            return self._read_other(text, guess) or Verdict(decision, text, self.matcher)
        mentions = self.signs.mentions(clauses)
        readings = tuple(self.context.read(clauses, mentions))
        facts = self.facts(clauses, mentions)
        faq: Match | None = None
        if facts.own_body_now and not mentions:
            faq = self.matcher.match(text)  # the policy weighs it only then
            facts = replace(facts, faq_answers=faq.topic is not None)
        if self.second_opinion is not None and not any(
                clause.sign_words or said(clause, self._laughs) for clause in clauses) \
                and self._speaks_of_own_body(clauses):
            # Only where the rules saw no sign's words at all (not where they read them as
            # negated, excepted or someone else's), not laughed off ("a pain in the neck,
            # haha"), about the patient, and not going well.
            facts = replace(facts, second_opinion=self._second_opinion(spelled))
        return Verdict(decide(readings, facts), text, self.matcher, readings, faq)

    def _read_other(self, text: str, guess: str | None) -> Verdict | None:
        """Another offered language's reading of `text`: that of the language guessed (or,
        when the guess is unsure, the likeliest of them), else the loudest warning any of
        them hears."""
        if guess is not None:
            other = self.others.get(guess)
            return None if other is None else self._verdict(other, text)
        likeliest = self.languages.likeliest(text, self.others) if self.languages else None
        if likeliest is not None:
            # Only likelier than the other offered languages: read in it (the answer is in
            # it), but what it does not find goes to a person, as if it could not be read.
            other = self.others[likeliest]
            verdict = self._verdict(other, text)
            if verdict.outcome >= Outcome.LOOK:
                return verdict
            return Verdict(replace(verdict.decision, outcome=Outcome.LOOK, why="written in "
                                   "a language the bot cannot read with confidence"),
                           text, other.matcher)
        heard = [self._verdict(other, text) for other in self.others.values()]
        loudest = max(heard, key=lambda verdict: verdict.outcome, default=None)
        return loudest if loudest is not None and loudest.outcome >= Outcome.SAME_DAY \
            else None

    @staticmethod
    def _verdict(other: LexiconReader, text: str) -> Verdict:
        decision, match = other.decide(text)
        return Verdict(decision, text, other.matcher, faq=match)

    def _opens_anew(self, line: str) -> bool:
        """Whether a line opens a sentence of its own: a question ("is it normal ...") or
        a subject ("my chest hurts")."""
        words = words_of(line)
        return bool(words) and (self.signs.asking.at(words, 0) or words[0] in self._new_subject)

    def words_of(self, text: str) -> list[str]:
        """The words the reader reads in `text` (shorthand spelled out, "but" and the like
        left out): what the second opinion weighs."""
        return [word for clause in self._clauses(text) for word in clause.words]

    def _clauses(self, text: str) -> list[Clause]:
        """The clauses of `text`, its names ("the Stroke Foundation") read as one word."""
        return self.signs.clauses(unnamed(unsigned(text, self.signs.is_sign_word, self._plain),
                                          self._sign_word, self._plain))

    def _sign_word(self, word: str) -> bool:
        return self.signs.find(word) is not None

    def _speaks_of_own_body(self, clauses: Sequence[Clause]) -> bool:
        if any(self._positive_unnegated(clause) or self._easing(clause) for clause in clauses):
            return False
        return any((clause.words[0] in _FEELING_VERBS
                    or any(word in self._own_words for word in clause.words))
                   and (any(word in self._body for word in clause.words)
                        or said(clause, self._feelings))
                   for clause in clauses)

    def _positive_unnegated(self, clause: Clause) -> bool:
        """Words saying it goes well, not negated: "feeling much better" (but "is it
        okay?" asks)."""
        if clause.question or opens_a_question(clause.words, 0, self.signs.asking):
            return False
        positive = found(clause, self._positive)
        return bool(positive) and not set(positive).isdisjoint(self._unnegated(clause))

    def _second_opinion(self, spelled: Sequence[str]) -> Outcome | None:
        assert self.second_opinion is not None
        opinion = self.second_opinion.weigh(spelled)
        if opinion.warning < SECOND_OPINION_AT_LEAST:
            return None
        return Outcome.EMERGENCY if opinion.emergency > opinion.same_day else Outcome.SAME_DAY

    def readable(self, text: str, spelled: Sequence[str] | None = None) -> bool:
        """Whether the message is in the language the bot reads (or has no words);
        `spelled`: its words with shorthand spelled out, when already known."""
        if not text.isascii():
            letters = [char for char in text if char.isalpha()]
            if sum(ord(char) > _LATIN_END for char in letters) > len(letters) / 2:
                return False
        spelled = self.signs.spelled(text) if spelled is None else spelled
        words = [word for word in spelled if word.isalpha()]
        if len(words) < _JUDGED_FROM:
            return True
        needed = _KNOWN_AT_LEAST * len(words)
        known = sum(1 for word in words if word in self._common)
        for word in words:  # the long word list only as far as needed
            if known >= needed:
                return True
            if word not in self._common and word in REAL_WORDS:
                known += 1
        return known >= needed

    def facts(self, clauses: Sequence[Clause], mentions: Sequence[Mention]) -> Facts:
        """What the whole message shows; `faq_answers` is left to the caller."""
        own_body = unusual = False
        going_well = any(self._positive_unnegated(clause) or self._easing(clause)
                         for clause in clauses)
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
            faq_answers=True,
            about_a_booking=any(self._said(words, self._bookings) for words in every))

    def _own_feelings_now(self, clauses: Sequence[Clause], index: int, signs_at: set[int]
                          ) -> list[str]:
        """The words of clause `index` that say how the patient's body or mind feels now
        (outside the signs found at `signs_at`, which speak for themselves); none when it
        is someone else's, history, a general question, or going well."""
        clause = clauses[index]
        words = clause.words
        if self._said(words, self._history):
            return []
        opens_asking = opens_a_question(words, 0, self.signs.asking, clause.question)
        if opens_asking or self._said(words, self._aside):
            return []  # "will I feel sick after?", "scared of needles", "sick of waiting"
        # A report, then a question about it in a later part: "my eyelid's been twitching
        # since the session, is that a thing?" tells how it feels before it asks.
        asked_from = next((start for start in clause.part_starts[1:] if opens_a_question(
            words, start, self.signs.asking, clause.question)), None)
        if clause.asks and asked_from is None:
            return []
        end = len(words) if asked_from is None else asked_from
        feelings = found(clause, self._feelings)
        if not (words[0] in _FEELING_VERBS or (feelings and feelings[0] == 0)
                or any(word in self._own_words or word in self._body for word in words)):
            return []  # "hot weather today" (but "feel a bit weird" speaks of the writer)
        if self._easing(clause):
            return []  # "the soreness has eased off" (but not "not better")
        unnegated = self._unnegated(clause)
        # A condition's own description is no feeling now: "my immune system is a bit low".
        conditions = {position + offset for position in found(clause, self._condition_words)
                      for offset in range(_CONDITION_REACH)}
        unnegated_feelings = set(feelings).intersection(unnegated)
        return [words[position] for position in sorted(unnegated_feelings)
                if position < end and position not in signs_at | conditions
                and self.context.subjects.subject_of(clauses, index, position) != Who.SOMEONE]

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
        negated = False
        parts = set(clause.part_starts)
        for position, word in enumerate(clause.words):
            if position in parts or (negated and word in TURNS):
                negated = False  # "not really sore, just odd"
            if not negated:
                positions.append(position)
            negated = negated or word in self.signs.negations
        return positions

    @staticmethod
    def _said(words: Sequence[str], phrases: Phrases) -> bool:
        return phrases.anywhere(words)
