"""The second step of the reader: for each sign the matcher found, whose it is, when, what
the sentence does with it, and how much of it there is.

- who: the patient, someone with them now ("my wife can't breathe"), someone not here
  ("my sister felt dizzy once", "dad is in hospital"), or someone else and not clear
  which;
- when: now or since the session, or history ("years ago", "when I was 19", "used to",
  "I always faint at blood tests");
- what kind of sentence: a report, a question about risk in general ("can acupuncture
  cause a collapsed lung?") or a worry about what might happen, asking about treating it
  ("can it reduce inflammation?"), a figure of speech ("nearly had a heart attack when I
  saw the bill"), travel and booking ("stuck behind an ambulance"), or the patient's job;
- how much: heavy ("pouring", "for 40 minutes", on a blood thinner), slight ("a dot of
  blood"), hedged ("chest a bit tight"), or passed ("the bleeding has stopped").

Each is a small rule over the words of the clause or sentence, with the word lists in
`content/reading.yaml`. Pure and synchronous; `policy.py` decides what follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.understanding.clauses import Clause
from bot.understanding.sign_parts import RESOLUTION_REACH
from bot.understanding.warning_signs import Mention, WarningSigns
from bot.understanding.words import Phrases, stem


class Who(StrEnum):
    PATIENT = "patient"
    WITH_THEM = "someone with them now"
    ELSEWHERE = "someone not with them"
    SOMEONE = "someone else, unclear where"


class When(StrEnum):
    NOW = "now"
    HISTORY = "history"


class Kind(StrEnum):
    REPORT = "report"
    RISK_QUESTION = "a question about risk"
    TREATING = "asking about treating it"
    FIGURE = "a figure of speech"
    JOB = "their job"


class Amount(StrEnum):
    USUAL = "usual"
    HEAVY = "heavy"
    SLIGHT = "slight"


@dataclass(frozen=True)
class Reading:
    """One sign in one message, read in its context."""

    mention: Mention
    who: Who
    when: When
    kind: Kind
    amount: Amount
    hedged: bool  # "a bit", "maybe", "probably nothing" just before an emergency sign
    passed: bool  # "... but it has stopped now"
    after_a_session: bool = False  # someone else's sign, after their session here (a carer
    #                                writing for the patient)
    now: bool = False  # words placing it now: "since", "today", "still", "right now"
    a_condition: bool = False  # its words name a condition ("my seizures", "I faint"):
    #                            in "is it safe for me?", what is asked about


_COUNTS = frozenset({"one", "two", "three", "four", "five", "six", "several", "few", "many",
                     "multiple", "loads", "lots"})
# "asking me what year it is": the patient as the object, not the subject.
_OBJECTS = frozenset({"me", "myself"})
# A figure of speech counts this many words either side of a sign.
_FIGURE_REACH = 6
# Words saying a small amount keeps coming: not slight after all.
_PERSISTING = ("keeps", "keep", "again", "still", "on and off", "every time", "will not stop",
               "not stopped", "not stopping", "coming back", "starts again", "start again",
               "bigger", "growing", "grown", "spreading", "every day", "every morning")
# After words saying it passed, these say it has not.
_NOT_OVER = ("still", "not right", "worse", "not gone", "again", "back again")
# For the patient, these also place a sign now, not in their history.
_RECENT = ("yesterday", "last night", "after the session", "since the session",
           "after my session", "since my session", "after the needles", "since the needles",
           "after acupuncture", "since acupuncture", "after treatment", "since treatment")
# "in 1998", "back in 2015": a year named is history.
_YEAR = re.compile(r"^(19|20)\d\d$")
# "for 40 minutes", "45 mins": bleeding this long is heavy.
_MINUTES_HEAVY = 15
# After a number, these make it a time of day, not an age.
_CLOCK = frozenset({"am", "pm", "oclock", "o", "clock", "ish", "tonight", "today", "tomorrow"})
# Words before a sign a hedge or slight amount reaches back over.
_MODIFIER_REACH = 4
# After "going down", these say where a pain goes, not that it is easing.
_TOWARDS = frozenset({"my", "the", "to", "into", "his", "her", "your", "left", "right", "both",
                      "one", "arm", "leg", "back", "neck", "jaw"})
# A session named this close after someone ("her first session") or after "after" ties
# their sign to the clinic.
_TIE_REACH = 6
_AFTER = frozenset({"after", "since", "following", "from", "during"})
# Words that tie someone else's sign to a session here (a carer writing for the patient).
_SESSION = frozenset(stem(word) for word in (
    "session", "treatment", "acupuncture", "needle", "needles", "needled", "needling",
    "electro", "moxa", "practitioner", "appointment"))


class ContextReader:
    """Reads each found sign in its context. Built once, beside the matcher."""

    def __init__(self, signs: WarningSigns) -> None:
        words = signs.vocabulary
        self._signs = signs
        self._others = Phrases(words.others).single
        self._self = Phrases(words.self).single
        self._present = Phrases(words.present)
        self._history = Phrases([*words.history, *words.habitual])
        self._in_care = Phrases([*words.in_care, *words.elsewhere, *words.recent_past])
        self._figures = Phrases(words.figures)
        self._job = Phrases(words.job)
        self._heavy = Phrases(words.heavy)
        self._slight = Phrases(words.slight)
        self._hedges = Phrases(words.hedges)
        self._persisting = Phrases(_PERSISTING)
        self._carer = Phrases(words.carer)
        self._not_over = Phrases(_NOT_OVER)
        self._recent = Phrases([*words.present, *_RECENT])
        self._asking = Phrases(words.asking)
        self._general = Phrases(words.general)
        self._supposing = Phrases(words.supposing)
        self._worrying = Phrases(words.worrying)
        self._personal = Phrases(words.personal)
        self._treating = Phrases(words.treating).single
        self._new_subject = Phrases(words.new_subject).single
        self._thinner_phrases = Phrases(signs.vocabulary.concepts.get("thinner", ()))
        self._conditions = Phrases(words.conditions)

    def read(self, clauses: Sequence[Clause], mentions: Sequence[Mention]) -> list[Reading]:
        taken: dict[int, set[int]] = {}
        for mention in mentions:
            taken.setdefault(mention.clause, set()).update(mention.positions)
        on_thinners = any(self._said(clause, self._thinner_phrases) for clause in clauses)
        for_a_patient = self._after_a_session(clauses)
        readings = []
        for mention in mentions:
            clause = clauses[mention.clause]
            who = self._who(clauses, mention)
            readings.append(Reading(
                mention=mention, who=who, when=self._when(clauses, mention),
                kind=self._kind(clauses, mention, who),
                amount=self._amount(clause, mention, on_thinners),
                hedged=self._hedges.within(clause.words, range(
                    max(0, mention.positions[0] - _MODIFIER_REACH), mention.positions[-1])),
                passed=self._passed(clauses, mention, taken),
                after_a_session=for_a_patient,
                now=self._said(clause, self._recent),
                a_condition=any(self._conditions.within(clause.words, range(
                    max(0, position - 2), position + 1)) for position in mention.positions)))
        return readings


    # Who.

    def subject_of(self, clauses: Sequence[Clause], index: int, before: int) -> Who | None:
        """Whose words these are, from the nearest subject before position `before` in
        clause `index` (then in the clauses before it): the patient, someone else, or
        nobody named."""
        for number in range(index, -1, -1):
            clause = clauses[number]
            end = before if number == index else len(clause.words)
            for position in range(end - 1, -1, -1):
                word = clause.words[position]
                if self._someone(word) and not self._likeness(clause.words, position):
                    return Who.SOMEONE
                if word in self._self and word not in _OBJECTS:
                    following = clause.words[position + 1] if position + 1 < len(
                        clause.words) else ""
                    if word in {"my", "our"} and self._someone(following):
                        return Who.SOMEONE
                    return Who.PATIENT
        return None

    @staticmethod
    def _likeness(words: Sequence[str], position: int) -> bool:
        """"sick as a dog", "sleeping like a baby": a comparison, not a person."""
        return position >= 2 and words[position - 1] in {"a", "an"} \
            and words[position - 2] in {"as", "like"}

    def _someone(self, word: str) -> bool:
        """A word for someone else: "wife", "wifes" (wife's), "he"."""
        return word in self._others or (word.endswith("s") and word[:-1] in self._others)

    def _who(self, clauses: Sequence[Clause], mention: Mention) -> Who:
        subject = self.subject_of(clauses, mention.clause, mention.positions[0] + 1)
        # "my wife says I blacked out": the words inside the sign count too.
        for position in mention.positions:
            word = clauses[mention.clause].words[position]
            if word in self._self:
                subject = Who.PATIENT
        if mention.sign.others_only:
            words = clauses[mention.clause].words
            after = words[mention.positions[0]:mention.positions[-1] + 3]
            if subject is None or any(self._someone(word) for word in after):
                subject = Who.SOMEONE  # "not answering me", "I can't wake her"
        if subject is None or subject == Who.PATIENT:
            return Who.PATIENT
        clause = clauses[mention.clause]
        sentence = [other for other in clauses if other.sentence == clause.sentence]
        if any(self._said(other, self._in_care) for other in sentence):
            return Who.ELSEWHERE  # in hospital, back home, last week
        if any(self._said(other, self._present) for other in sentence):
            return Who.WITH_THEM
        return Who.SOMEONE

    # When.

    def _when(self, clauses: Sequence[Clause], mention: Mention) -> When:
        clause = clauses[mention.clause]
        if self._said(clause, self._history) or self._names_a_year(clause):
            return When.HISTORY
        return When.NOW

    @staticmethod
    def _names_a_year(clause: Clause) -> bool:
        """"in 1998", "back in 2015", or an age: "at 19", "aged 30"."""
        words = clause.words
        for position, word in enumerate(words):
            before = words[position - 1] if position else ""
            after = words[position + 1] if position + 1 < len(words) else ""
            if _YEAR.match(word) and before in {"in", "back", "of", "around", "circa", "was"}:
                return True
            if word.isdigit() and 5 <= int(word) <= 99 and before in {"at", "aged", "age"} \
                    and (not after.isdigit() or _YEAR.match(after)) and after not in _CLOCK:
                return True
        return False

    # What kind of sentence.

    def _kind(self, clauses: Sequence[Clause], mention: Mention, who: Who) -> Kind:
        clause = clauses[mention.clause]
        if self._figure(clause, mention):
            return Kind.FIGURE
        sentence = [other for other in clauses if other.sentence == clause.sentence]
        if (any(self._said(other, self._job) for other in sentence)
                or (self._counted(clause, mention)
                    and any(self._said(other, self._job) for other in clauses))) \
                and not self._own_before(clause, mention):
            return Kind.JOB  # "I'm a nurse. Three chest pains on the ward tonight"
        if self._treated(clause, mention):
            return Kind.TREATING
        if self._supposed(clause, mention) or self._beside_a_general_question(clauses, mention):
            return Kind.RISK_QUESTION
        return Kind.REPORT

    @staticmethod
    def _counted(clause: Clause, mention: Mention) -> bool:
        """Signs counted like cases: "two cardiac arrests", "three chest pains"."""
        first = mention.positions[0]
        return any(word.isdigit() or word in _COUNTS
                   for word in clause.words[max(0, first - 2):first])

    def _own_before(self, clause: Clause, mention: Mention) -> bool:
        """The patient's own words just before the sign: "my back", "I have", "I am"."""
        first = mention.positions[0]
        words = clause.words
        before = words[max(0, first - 3):first]
        return ((first > 0 and words[first - 1] == "i")
                or any(word in {"my", "me", "myself"} for word in before)
                or " ".join(before).endswith(("i am", "i have", "i had", "i feel", "i got",
                                              "i was")))

    def _beside_a_general_question(self, clauses: Sequence[Clause], mention: Mention
                                   ) -> bool:
        """A list of signs under a general question ("What are the side effects?
        Bleeding, infection, that sort of thing.")."""
        clause = clauses[mention.clause]
        if self._personal_in(clause.words, range(len(clause.words))):
            return False
        return any(other.asks and self._general.within(other.words, range(len(other.words)))
                   and not self._personal_in(other.words, range(len(other.words)))
                   for other in clauses if other.sentence != clause.sentence)

    def _figure(self, clause: Clause, mention: Mention) -> bool:
        """A figure of speech around the sign ("nearly had a heart attack when I saw the
        bill"), or laughter anywhere in the clause ("laughed so hard I couldn't breathe")."""
        words = clause.words
        near = range(max(0, mention.positions[0] - _FIGURE_REACH),
                     min(len(words), mention.positions[-1] + _FIGURE_REACH + 1))
        return self._figures.within(words, near) or any(
            word.startswith("laugh") for word in words)

    def _supposed(self, clause: Clause, mention: Mention) -> bool:
        """A general question or statement, or a supposition or worry, that says nothing of
        the patient themselves: "can acupuncture cause fainting?", "what if I feel faint?",
        "nervous about fainting"."""
        words = clause.words
        first = mention.positions[0]
        if any(self._worrying.at(words, position) for position in clause.part_of(first)):
            return True  # "scared of fainting", "shaking just thinking about it"
        for position in range(first):
            if self._supposing.at(words, position):
                return not self._personal_in(words, range(position + 1, len(words)))
        if self._personal_in(words, range(len(words))):
            return False
        part = clause.part_of(first)
        # "Can acupuncture cause ...?" asks; "can't breathe" ("can not") does not.
        opens_question = self._asking.at(words, part.start) and not (
            part.start + 1 < len(words) and words[part.start + 1] in self._signs.negations)
        asking = opens_question or (clause.asks and part.start == 0)
        return asking or self._general.within(words, range(len(words)) if clause.asks else part)

    def _personal_in(self, words: Sequence[str], positions: range) -> bool:
        """The patient speaks of themselves: "my", "still", "I feel" (but not "will I
        feel" or "if I feel", which suppose)."""
        for position in positions:
            if not self._personal.at(words, position):
                continue
            if words[position] in {"my", "mine"} and position + 1 < len(words) \
                    and self._someone(words[position + 1]):
                continue  # "my son": someone else
            if words[position] != "i" or position == 0:
                return True
            before = words[position - 1]
            if not (self._asking.at(words, position - 1) or before in self._supposing.single):
                return True
        return False

    def _treated(self, clause: Clause, mention: Mention) -> bool:
        """Asking about treating it: "can it reduce inflammation?" (but "help, I can't
        breathe" is no question)."""
        first = mention.positions[0]
        part = clause.part_of(first)
        if not (clause.asks or self._asking.at(clause.words, part.start)):
            return False
        return any(clause.words[position] in self._treating
                   for position in range(max(part.start, first - 3), first))

    # How much.

    def _amount(self, clause: Clause, mention: Mention, on_thinners: bool) -> Amount:
        words = clause.words
        heavy = [position for position in range(len(words)) if self._heavy.at(words, position)
                 and words[max(0, position - 1)] not in self._signs.negations]
        if heavy or self._long_minutes(clause):
            return Amount.HEAVY  # "pouring", "for 40 minutes" (but not "not a lot")
        if on_thinners and mention.sign.heavy is not None:
            return Amount.HEAVY
        part = clause.part_of(mention.positions[0])
        if self._slight.within(words, range(part.start, mention.positions[0])) \
                and not self._persisting.within(words, range(len(words))):
            return Amount.SLIGHT  # "a dot of blood" (but not "keeps oozing a bit")
        return Amount.USUAL

    @staticmethod
    def _long_minutes(clause: Clause) -> bool:
        words = clause.words
        for position, word in enumerate(words[:-1]):
            if word.isdigit() and words[position + 1] in {"minutes", "minute", "mins"} \
                    and int(word) >= _MINUTES_HEAVY:
                return True
            if word.isdigit() and words[position + 1] in {"hours", "hour", "hrs"}:
                return True
        return False

    def _passed(self, clauses: Sequence[Clause], mention: Mention,
                taken: dict[int, set[int]]) -> bool:
        """Words after the sign say it has passed: "the swelling has gone down", or, in
        the next clause, "I was dizzy but it passed"."""
        clause = clauses[mention.clause]
        counted = 0
        for position in range(mention.positions[-1] + 1, len(clause.words)):
            if position not in taken[mention.clause] \
                    and self._signs.resolution_at(clause, position) \
                    and not self._negation_just_before(clause, position) \
                    and not self._goes_somewhere(clause, position) \
                    and not self._starts_again(clause, position):
                return True
            if not clause.filler[position]:
                counted += 1
                if counted > RESOLUTION_REACH:
                    return False
        following = clauses[mention.clause + 1] if mention.clause + 1 < len(clauses) else None
        if following is None or mention.clause + 1 in taken or any(
                self._said(later, self._not_over) for later in clauses[mention.clause + 1:]):
            return False  # "... bit better now, but still not right"
        return any(self._signs.resolution_at(following, position)
                   and not self._negation_just_before(following, position)
                   and not self._starts_again(following, position)
                   for position in range(min(4, len(following.words))))

    @staticmethod
    def _goes_somewhere(clause: Clause, position: int) -> bool:
        """"pain going down my left arm" spreads; it has not gone down."""
        later = clause.words[position + 2:position + 3]
        return bool(later) and later[0] in _TOWARDS

    @staticmethod
    def _starts_again(clause: Clause, position: int) -> bool:
        """"stops then starts again": it has not passed."""
        return any(word in {"again", "starts", "restarts", "back", "then", "more"}
                   for word in clause.words[position + 1:position + 5])

    def _negation_just_before(self, clause: Clause, position: int) -> bool:
        """A negation in the few words before: "can't explain it any better"."""
        part = clause.part_of(position)
        return any(clause.words[index] in self._signs.negations
                   for index in range(max(part.start, position - 4), position))

    @staticmethod
    def _said(clause: Clause, phrases: Phrases) -> bool:
        known = clause.said.get(id(phrases))
        if known is None:
            known = clause.said[id(phrases)] = phrases.anywhere(clause.words)
        return known

    def _after_a_session(self, clauses: Sequence[Clause]) -> bool:
        """Someone's session here is named ("my son had his first session today", "right
        after the needles came out"), or the writer says they write for them ("my mum
        asked me to write"): the writer speaks for a patient."""
        if any(self._said(clause, self._carer) for clause in clauses):
            return True
        for index, clause in enumerate(clauses):
            for position, word in enumerate(clause.words):
                if stem(word) not in _SESSION:
                    continue
                before = clause.words[max(0, position - _TIE_REACH):position]
                if any(other in _AFTER for other in before) or self.subject_of(
                        clauses, index, position) == Who.SOMEONE:
                    return True
        return False
