"""Whose a sign is, for the reader's second step (`context.py`): the patient, someone with
them now ("my wife can't breathe", "she's sitting here with me now"), someone not here
("my sister felt dizzy once", "back home in Lagos"), someone already in care ("dad is in
hospital"), or someone else and not clear which; and whether the writer speaks for a
patient of the clinic ("my son had his first session today"). The word lists are in
`content/reading.yaml`. Pure and synchronous.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from bot.understanding.clauses import Clause, found, said
from bot.understanding.warning_signs import Mention, WarningSigns
from bot.understanding.words import REAL_WORDS, Phrases, stem


class Who(StrEnum):
    PATIENT = "patient"
    WITH_THEM = "someone with them now"
    ELSEWHERE = "someone not with them"
    HEARD = "someone not with them, who told them"
    IN_CARE = "someone already in care"
    SOMEONE = "someone else, unclear where"


# "asking me what year it is": the patient as the object, not the subject.
_OBJECTS = frozenset({"me", "myself"})
# "the spot on my back where she put the needle in is red": someone in a clause about the
# writer's own place or time is not the sign's subject (but "I'm out the back where he was
# cutting the hedge, won't come round" is his).
_WHERE_THEY = frozenset({"where", "when", "wherever"})
# "mum, who I look after, ...": the "I" of a relative clause is not the subject.
_RELATIVE = frozenset({"who", "whom", "that", "which"})
# Before "my aunty's", these make it her home.
_TO_A_HOME = frozenset({"at", "to", "from", "round"})
# After "back in", these are no place: "his eyes went back in his head".
_NOT_A_PLACE = frozenset({"his", "her", "my", "their", "your", "the", "bed", "a"})
# ... and a word the word list does not know, this long, after "back in" is a place.
_PLACE_NAME = 4
# "our" names the subject of a sign at most this many words after it.
_OUR_REACH = 5
# A subject carries into this many sentences after its own.
_SUBJECT_REACH = 1
# Present words that say little of where someone is: "won't see a doctor".
_WEAK_PRESENT = frozenset({"will", "can", "is", "help", "starting", "started", "keep", "keeps"})
# A session named this close after someone ("her first session") or after "after" ties
# their sign to the clinic.
_TIE_REACH = 6
# Before a session, these tie it to the sign ("right after the needles"); before
# someone's past event, they date it ("since his stroke", in `context.py`).
AFTER = frozenset({"after", "since", "following", "from", "during"})
# Words naming one session, not acupuncture in general ("after the needles").
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
         "yesterday", "today")
_THIS_ONE = frozenset({"the", "his", "her", "their", "my", "your", "this", "that", "first",
                       "last", *_DAYS, *(day + "s" for day in _DAYS)})
# Someone else's session, said as theirs: "he had the electro", "her first treatment".
_HAVING = frozenset({"his", "her", "their", "had", "has", "having", "got", "gets", "get"})
# Someone's sign said to be happening where the writer is, whatever else the sentence says.
_RIGHT_HERE = ("right now", "this minute", "on the floor", "in front of me", "next to me",
               "beside me", "what do i do", "please help", "help me", "help us", "upstairs",
               "downstairs", "in the next room", "in the other room")
# Between someone's sign and a past day, these make the day another story: "she can't
# breathe and I'll ring you on Monday".
_ANOTHER_STORY = frozenset({"i", "we", "will", "shall", "going", "gonna", "can", "could",
                            "would", "next", "and", "after", "until", "till", "since",
                            "following", "booked", "book", "appointment", "appt", "session",
                            "op", "jab"})
# In the sign's part, these say it goes on whatever day is named: "it still hasn't come
# right".
_STILL = frozenset({"still", "now", "again", "keeps", "worse"})
# Just before or inside someone's sign, these say it is going on or just done.
_GOING_ON = frozenset({"is", "are", "has", "have", "hes", "shes", "theyre", "been", "keeps",
                       "keep", "now", "still", "currently", "just", "not", "cannot", "says",
                       "wants", "feels", "thinks"})
_GOING_ON_REACH = 2
# Said anywhere in the message of someone, these place them with the writer now.
_WITH_ME = ("here with me", "with me now", "sitting with me", "is with me", "are with me",
            "here beside me", "here next to me", "at home with me", "sitting here", "sat here",
            "lying here", "sitting next to me", "sat next to me", "sitting beside me")
# Words that tie someone else's sign to a session here (a carer writing for the patient).
_SESSION = frozenset(stem(word) for word in (
    "session", "treatment", "acupuncture", "needle", "needles", "needled", "needling",
    "electro", "moxa", "practitioner", "appointment"))


def _a_home(words: Sequence[str], position: int) -> bool:
    """Someone's home, not someone: "staying at my aunty's", "back to my mum's"."""
    return words[position].endswith("s") and position >= 2 \
        and words[position - 1] in {"my", "our"} and words[position - 2] in _TO_A_HOME


def _said_as_going_on(clause: Clause, mention: Mention) -> bool:
    """The sign said as going on or just done: "she's coughing", "he has taken", "is
    slurring" (not "apparently fainted at work")."""
    first = mention.positions[0]
    words = clause.words[max(0, first - _GOING_ON_REACH):mention.positions[-1] + 1]
    return any(word in _GOING_ON or word.endswith("ing") for word in words)


class Subjects:
    """Reads whose each sign is. Built once, beside the matcher."""

    def __init__(self, signs: WarningSigns) -> None:
        words = signs.vocabulary
        self._others = Phrases(words.others).single
        self._self = Phrases(words.self).single
        self._present = Phrases(words.present)
        self._in_care = Phrases(words.in_care)
        self._away = Phrases([*words.elsewhere, *words.hearsay, *words.recent_past])
        self._place_away = Phrases([*words.elsewhere, *words.hearsay])
        self._hearsay = Phrases(words.hearsay)
        self._dated_or_placed = Phrases([*words.elsewhere, *words.recent_past,
                                         *words.history])
        self._past_days = Phrases(words.past_days)
        self._right_here = Phrases(_RIGHT_HERE)
        self._with_me = Phrases(_WITH_ME)
        self._carer = Phrases(words.carer)
        self._lately = Phrases([*words.present, "yesterday", "last night"])

    def subject_of(self, clauses: Sequence[Clause], index: int, before: int,
                   this_clause_only: bool = False) -> Who | None:
        """Whose words these are, from the nearest subject before position `before` in
        clause `index` (then in the clauses before it, as far as the sentence before,
        unless `this_clause_only`): the patient, someone else, or nobody named."""
        for number in range(index, index - 1 if this_clause_only else -1, -1):
            clause = clauses[number]
            if clause.sentence < clauses[index].sentence - _SUBJECT_REACH:
                break  # a subject sentences back is another story
            end = before if number == index else len(clause.words)
            for position in range(end - 1, -1, -1):
                word = clause.words[position]
                if self.someone(word) and not self._likeness(clause.words, position) and not (
                        position and clause.words[position - 1] in _WHERE_THEY
                        and "my" in clause.words[:position - 1]) \
                        and not _a_home(clause.words, position):
                    return Who.SOMEONE
                if word == "our" and number == index and before - position <= _OUR_REACH:
                    return Who.SOMEONE  # "our centre half collapsed"
                if word == "mine" and position and clause.words[position - 1] == "of":
                    return Who.SOMEONE  # "two of mine could barely breathe"
                if word in self._self and word not in _OBJECTS and not (
                        position and clause.words[position - 1] in _RELATIVE):
                    following = clause.words[position + 1] if position + 1 < len(
                        clause.words) else ""
                    if word == "my" and self.someone(following) \
                            and not _a_home(clause.words, position + 1):
                        return Who.SOMEONE  # "my son"
                    return Who.PATIENT
        return None

    @staticmethod
    def _likeness(words: Sequence[str], position: int) -> bool:
        """"sick as a dog", "sleeping like a baby": a comparison, not a person."""
        return position >= 2 and words[position - 1] in {"a", "an"} \
            and words[position - 2] in {"as", "like"}

    def someone(self, word: str) -> bool:
        """A word for someone else: "wife", "wifes" (wife's), "he"."""
        return word in self._others or (word.endswith("s") and word[:-1] in self._others)

    def who(self, clauses: Sequence[Clause], mention: Mention) -> Who:
        """Whose the sign is, and where they are."""
        subject = self.subject_of(clauses, mention.clause, mention.positions[0] + 1)
        # "my wife says I blacked out": the words inside the sign count too.
        for position in mention.positions:
            word = clauses[mention.clause].words[position]
            if word in self._self:
                subject = Who.PATIENT
        if subject == Who.SOMEONE and self._someone_away_elsewhere(clauses[mention.clause],
                                                                  mention):
            subject = None  # "Husband away on business, can't breathe": the writer's own
        if mention.sign.others_only:
            words = clauses[mention.clause].words
            after = words[mention.positions[0]:mention.positions[-1] + 3]
            if subject is None or any(self.someone(word) for word in after):
                subject = Who.SOMEONE  # "not answering me", "I can't wake her"
        if subject is None or subject == Who.PATIENT:
            return Who.PATIENT
        clause = clauses[mention.clause]
        sentence = [other for other in clauses if other.sentence == clause.sentence]
        if any(said(other, self._right_here) or other.words[0] == "help"
               for other in sentence):
            return Who.WITH_THEM  # "on the floor right now", "HELP my son ...", whatever else
        if any(said(other, self._in_care) for other in sentence):
            return Who.IN_CARE  # in hospital, taken in, at the vet's
        if any(said(other, self._with_me) and any(self.someone(word) for word in other.words)
               for other in clauses):
            return Who.WITH_THEM  # "... she just told me. She's sitting here with me now."
        placed = self._placed(clause, mention)
        if placed is None and any(self._away_from_a_session(other) for other in sentence):
            placed = Who.ELSEWHERE  # "my son had chest pains at football, turned out ..."
        if placed == Who.ELSEWHERE and self._only_heard(sentence) and (
                mention.sign.crisis or _said_as_going_on(clause, mention)):
            return Who.HEARD  # "my son just texted me, he's coughing up blood"
        if placed is not None:
            return placed  # "had her session last week and now she can't breathe"
        if any(said(other, self._present) for other in sentence):
            return Who.WITH_THEM
        return Who.SOMEONE

    def _only_heard(self, sentence: Sequence[Clause]) -> bool:
        """Someone is away only because the writer heard from them: nothing in the sentence
        dates the news or places them ("texted me from Spain last week" does; "on Friday"
        unless it goes on "since")."""
        going_on = any("since" in clause.words for clause in sentence)
        return any(said(clause, self._hearsay) for clause in sentence) and not any(
            said(clause, self._dated_or_placed)
            or (not going_on and said(clause, self._past_days)) for clause in sentence)

    def _away_from_a_session(self, clause: Clause) -> bool:
        """Words of another time or place, in a part of the clause that does not name a
        session ("she isn't breathing, she had acupuncture last week" dates the session,
        not the sign)."""
        words = clause.words
        return any(not any(stem(words[index]) in _SESSION for index in clause.part_of(position))
                   for position in self._away_at(clause))

    def _someone_away_elsewhere(self, clause: Clause, mention: Mention) -> bool:
        """Someone named in an earlier part of the clause, with a word placing them away,
        and nobody named in the sign's own part: "husband away on business, can't
        breathe"."""
        first = mention.positions[0]
        part = clause.part_of(first)
        if part.start == 0 or any(self.someone(word) for word in clause.words[part.start:first]):
            return False
        earlier = range(0, part.start)
        return any(position in earlier for position in found(clause, self._place_away)) and any(
            self.someone(clause.words[position]) for position in earlier)

    def _away_at(self, clause: Clause) -> list[int]:
        """Where words placing someone away start: "back in Lagos", "back in Nuku'alofa" (a
        place the word list does not know), not "his eyes went back in his head"."""
        words = clause.words
        named = [position for position in range(len(words) - 2)
                 if words[position] == "back" and words[position + 1] == "in"
                 and len(words[position + 2]) >= _PLACE_NAME and words[position + 2].isalpha()
                 and words[position + 2] not in REAL_WORDS]
        return sorted({*named, *(position for position in found(clause, self._away)
                                 if not (words[position] == "back" and position + 2 < len(words)
                                         and words[position + 2] in _NOT_A_PLACE))})

    def _placed(self, clause: Clause, mention: Mention) -> Who | None:
        """Where and when someone else's sign is, from the words of time or place in its
        own part of the clause, the nearest winning: "last week" or "back home" away, "now"
        with them; a past day ("collapsed at golf on Sunday") too, when the sign is said as
        done and nothing between them says the day is another event's ("after his jab on
        Monday")."""
        first, last = mention.positions[0], mention.positions[-1]
        part = clause.part_of(first)

        def distance(position: int) -> int:
            return first - position if position < first else max(0, position - last)

        here = [distance(position) for position in found(clause, self._present)
                if position in part and clause.words[position] not in _WEAK_PRESENT]
        away = [distance(position) for position in self._away_at(clause)
                if position in part]
        if "since" not in clause.words and not _said_as_going_on(clause, mention) \
                and _STILL.isdisjoint(clause.words[part.start:part.stop]):
            away += [distance(position) for position in found(clause, self._past_days)
                     if position in part and _ANOTHER_STORY.isdisjoint(
                         clause.words[min(position, last):max(position, first)])]
        if here and (not away or min(here) < min(away)):
            return Who.WITH_THEM
        return Who.ELSEWHERE if away else None

    def after_a_session(self, clauses: Sequence[Clause]) -> bool:
        """Someone's session here is named ("my son had his first session today", "right
        after the needles came out"), or the writer says they write for them ("my mum
        asked me to write"): the writer speaks for a patient."""
        if any(said(clause, self._carer) for clause in clauses):
            return True
        for index, clause in enumerate(clauses):
            for position, word in enumerate(clause.words):
                if stem(word) not in _SESSION:
                    continue
                before = clause.words[max(0, position - _TIE_REACH):position]
                named = position > 0 and clause.words[position - 1] in _THIS_ONE
                if any(other in AFTER for other in before) and (
                        named or said(clause, self._lately)):
                    return True  # "right after the needles came out" (not "after acupuncture once")
                if any(other in _HAVING for other in before) and self.subject_of(
                        clauses, index, position, this_clause_only=True) == Who.SOMEONE:
                    return True  # "my son had his first session today"
        return False
