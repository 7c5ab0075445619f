"""The second step of the reader: for each sign the matcher found, whose it is, when, what
the sentence does with it, and how much of it there is.

- who (`subjects.py`): the patient, someone with them now ("my wife can't breathe"),
  someone not here ("my sister felt dizzy once", "dad is in hospital"), or someone else
  and not clear which;
- when (`timing.py`): now or since the session, or history ("years ago", "when I was
  19", "used to", "I always faint at blood tests");
- what kind of sentence (`sentence_kinds.py`): a report, a question about risk in
  general ("can acupuncture cause a collapsed lung?") or a worry about what might happen,
  asking about treating it ("can it reduce inflammation?"), a figure of speech ("nearly
  had a heart attack when I saw the bill"), or the writer's job in health care;
- how much: heavy ("pouring", "for 40 minutes", on a blood thinner), slight ("a dot of
  blood"), hedged ("chest a bit tight"), or passed ("the bleeding has stopped").

Each is a small rule over the words of the clause or sentence, with the word lists in
`content/reading.yaml`. Pure and synchronous; `policy.py` decides what follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.understanding.clauses import Clause, found, found_within, said
from bot.understanding.sentence_kinds import Kind, SentenceKinds
from bot.understanding.sign_parts import RESOLUTION_REACH
from bot.understanding.subjects import Subjects, Who
from bot.understanding.timing import Timing
from bot.understanding.warning_signs import Mention, WarningSigns
from bot.understanding.words import Phrases


class When(StrEnum):
    NOW = "now"
    HISTORY = "history"


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
    own: bool = False  # said of the writer's self: "I've taken an overdose", "my chest"
    # Asked by someone who may have it now: "why do I feel so short of breath", "is it
    # normal to have chest pain after?", "how long will it last?".
    asked_of_own: bool = False


# Words saying a small amount keeps coming: not slight after all.
_PERSISTING = ("keeps", "keep", "again", "still", "on and off", "every time", "will not stop",
               "came back", "come back",
               "not stopped", "not stopping", "coming back", "starts again", "start again",
               "bigger", "growing", "grown", "spreading", "every day", "every morning")
# Said in any later clause, these say it has passed: "she's fine now".
_FINE_NOW = ("fine now", "ok now", "okay now", "alright now", "all right now", "all good now",
             "recovered now", "fully recovered", "back to normal now")
# Before words saying it passed, these say it only might ("thought it would go away"),
# liken ("it's like it stops halfway"), or make it something done ("I must stop").
_HOPED = frozenset({"thought", "think", "thinking", "hoped", "hoping", "hope", "expected",
                    "expecting", "would", "will", "should", "might", "may", "wait", "waiting",
                    "if", "whether", "usually", "normally", "always", "often", "like",
                    "must"})
# Right before such a word, someone doing it: "I stop it with a plaster" (but "they
# stopped", the hives, passed).
_DOERS = frozenset({"i", "we"})
_DONE = frozenset({"stop", "stops", "went"})
# ... but "seems like it's passed" hedges a sign that has passed.
_SEEMING = frozenset({"seems", "seem", "seemed", "feels", "feel", "felt", "looks", "look",
                      "looked", "sounds"})
# Words between a denial and a thinner's name: "not on any blood thinners".
_THINNER_FILLER = frozenset({"any", "a", "the", "my", "blood"})
_DENIALS = frozenset({"no", "off", "never", "without", "stopped", "not"})
# After a denial, these with "any" keep it off the thinner: "don't take any" (but "didn't
# take my warfarin this morning" says they are on it).
_TAKING = frozenset({"take", "taking", "use", "using"})
# Amounts that keep bleeding on a thinner from counting as heavy: "just little dribbles".
_LITTLE_AMOUNT = ("not loads", "not much", "not a lot", "dribbles", "dribble", "few drops",
                  "a drop", "a bit", "tiny bit", "a dot", "small amount", "spots of")
_PRONOUNS = frozenset({"he", "she", "they", "him", "her", "them", "his", "their"})
# After words saying it passed, these say it has not.
_NOT_OVER = ("still", "not right", "worse", "not gone", "again", "back again", "it is back",
             "came back", "comes back", "come back", "coming back", "returned", "returns")
# For the patient, these also place a sign now, not in their history.
_RECENT = ("yesterday", "last night", "after the session", "since the session",
           "after my session", "since my session", "after the needles", "since the needles",
           "after acupuncture", "since acupuncture", "after treatment", "since treatment",
           "noticed", "this arvo", "woke up", "waking up", "got home", "since then",
           "ever since", "for the last", "for the past", "all day", "all night", "worse",
           "getting worse", "keeps", "won't stop", "will not stop")
# "for 40 minutes", "45 mins": bleeding this long is heavy.
_MINUTES_HEAVY = 15
# Words before a sign a hedge or slight amount reaches back over.
_MODIFIER_REACH = 4
# After "going down", these say where a pain goes, not that it is easing.
_TOWARDS = frozenset({"my", "the", "to", "into", "his", "her", "your", "left", "right", "both",
                      "one", "arm", "leg", "back", "neck", "jaw", "from"})


class ContextReader:
    """Reads each found sign in its context. Built once, beside the matcher."""

    def __init__(self, signs: WarningSigns) -> None:
        words = signs.vocabulary
        self._signs = signs
        self._heavy = Phrases(words.heavy)
        self._slight = Phrases(words.slight)
        self._hedges = Phrases(words.hedges)
        self._persisting = Phrases(_PERSISTING)
        self._not_over = Phrases(_NOT_OVER)
        self._recent = Phrases([*words.present, *_RECENT])
        self._fine_now = Phrases(_FINE_NOW)
        self._little = Phrases(_LITTLE_AMOUNT)
        self._new_subject = Phrases(words.new_subject).single
        self._thinner_phrases = Phrases(signs.vocabulary.concepts.get("thinner", ()))
        self._conditions = Phrases(words.conditions)
        self.subjects = Subjects(signs)
        self._timing = Timing(words, self.subjects.someone)
        self._kinds = SentenceKinds(signs, self.subjects.someone)

    def read(self, clauses: Sequence[Clause], mentions: Sequence[Mention]) -> list[Reading]:
        taken: dict[int, set[int]] = {}
        for mention in mentions:
            taken.setdefault(mention.clause, set()).update(mention.positions)
        on_thinners = any(self._on_thinners(clause) for clause in clauses)
        for_a_patient = self.subjects.after_a_session(clauses)
        readings = []
        for mention in mentions:
            clause = clauses[mention.clause]
            who = self.subjects.who(clauses, mention)
            history = self._timing.is_history(clauses, mention)
            readings.append(Reading(
                mention=mention, who=who, when=When.HISTORY if history else When.NOW,
                kind=self._kinds.kind(clauses, mention, who == Who.PATIENT),
                amount=self._amount(clause, mention, on_thinners),
                hedged=found_within(clause, self._hedges, range(
                    max(0, mention.positions[0] - _MODIFIER_REACH), mention.positions[-1])),
                passed=self._passed(clauses, mention, taken),
                after_a_session=for_a_patient,
                now=self._said(clause, self._recent),
                own=self._kinds.said_of_self(clause, mention),
                asked_of_own=self._kinds.asked_of_own(clauses, mention),
                a_condition=any(found_within(clause, self._conditions, range(
                    max(0, position - 2), position + 1)) for position in mention.positions)))
        return readings


    def _on_thinners(self, clause: Clause) -> bool:
        """A blood thinner named, not denied: "not on any blood thinners", "no thinners",
        "stopped taking warfarin" deny it; "won't stop on warfarin" does not."""
        words = clause.words
        for position in found(clause, self._thinner_phrases):
            before = [word for word in words[max(0, position - 4):position]
                      if word not in _THINNER_FILLER]
            denied = bool(before) and (
                before[-1] in _DENIALS or (before[-1] == "on" and len(before) > 1
                                           and before[-2] in self._signs.negations)
                or (before[-1] in _TAKING and len(before) > 1 and "any" in words[
                    max(0, position - 3):position] and before[-2] in self._signs.negations)
                or (before[-1] == "taking" and len(before) > 1 and before[-2] == "stopped"))
            if not denied:
                return True
        return False

    # What kind of sentence.

    # How much.

    def _amount(self, clause: Clause, mention: Mention, on_thinners: bool) -> Amount:
        words = clause.words
        heavy = [position for position in found(clause, self._heavy)
                 if words[max(0, position - 1)] not in self._signs.negations]
        if heavy or self._long_minutes(clause):
            return Amount.HEAVY  # "pouring", "for 40 minutes" (but not "not a lot")
        if on_thinners and mention.sign.heavy is not None and not said(clause, self._little):
            return Amount.HEAVY  # on a thinner (but "little dribbles" is not heavy even then)
        part = clause.part_of(mention.positions[0])
        if found_within(clause, self._slight, range(part.start, mention.positions[0])) \
                and not said(clause, self._persisting):
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
        part = clause.part_of(mention.positions[0])
        if any(position >= part.stop and not self._negation_just_before(clause, position)
               and not _PRONOUNS.isdisjoint(clause.words[max(0, position - 2):position])
               and not any(self.subjects.someone(word) and word not in _PRONOUNS
                           for word in clause.words[clause.part_of(position).start:position])
               for position in found(clause, self._fine_now)):
            return True  # "collapsed at work last swing, got flown out, he's fine now" (but
            #              not "..., the headache's ok now")
        counted = 0
        for position in range(mention.positions[-1] + 1, len(clause.words)):
            if position not in taken[mention.clause] \
                    and self._signs.resolution_at(clause, position) \
                    and not self._negation_just_before(clause, position) \
                    and not self._goes_somewhere(clause, position) \
                    and not self._starts_again(clause, position) \
                    and not self._only_hoped(clause, position):
                return True
            if not clause.filler[position]:
                counted += 1
                if counted > RESOLUTION_REACH:
                    return False
        following = clauses[mention.clause + 1] if mention.clause + 1 < len(clauses) else None
        if following is None or mention.clause + 1 in taken or any(
                self._said(later, self._not_over) for later in clauses[mention.clause + 1:]):
            return False  # "... bit better now, but still not right"
        if self._fine_again(following):
            return True  # "she coughed up blood once, she's fine now"
        return any(self._signs.resolution_at(following, position)
                   and not self._someone_new(following, position)
                   and not self._negation_just_before(following, position)
                   and not self._starts_again(following, position)
                   and not self._only_hoped(following, position)
                   for position in range(min(4, len(following.words))))

    @staticmethod
    def _goes_somewhere(clause: Clause, position: int) -> bool:
        """"pain going down my left arm", "goin down L arm" spread; they have not gone
        down."""
        later = clause.words[position + 2:position + 4]
        return bool(later) and (later[0] in _TOWARDS or (
            later[0] == "l" and later[1:] in (["arm"], ["leg"], ["side"])))

    def _fine_again(self, clause: Clause) -> bool:
        """The clause says someone is fine now, not denied, and names nobody new before it
        ("she's fine now", but not "the baby is fine now")."""
        return any(not self._someone_new(clause, position)
                   and not any(word in self._signs.negations for word in clause.words[:position])
                   for position in found(clause, self._fine_now))

    def _someone_new(self, clause: Clause, position: int) -> bool:
        """Someone named before `position` ("the baby is fine"): what follows is theirs."""
        return any(self.subjects.someone(word) and word not in _PRONOUNS
                   for word in clause.words[:position])

    @staticmethod
    def _only_hoped(clause: Clause, position: int) -> bool:
        """"thought it would go away", "hoping it settles", "like it stops halfway", "I stop
        it with a plaster": not passed."""
        words = clause.words
        if position and words[position - 1] in _DOERS and words[position] in _DONE:
            return True  # "I stop it with a plaster", "I went down": something done, not a
            #              sign gone (but "I stopped it, all fine" passed)
        return any(word in _HOPED and not (word == "like" and at and words[at - 1] in _SEEMING)
                   for at, word in enumerate(words[:position]) if at >= position - 4)

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
        return said(clause, phrases)
