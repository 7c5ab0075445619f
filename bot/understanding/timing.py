"""When a sign happened, for the reader's second step (`context.py`): now or since the
session, or history ("years ago", "when I was 19", "used to", "I always faint at blood
tests", "... blacked out. That was 2018.").

Each is a small rule over the words of the clause or sentence, with the word lists in
`content/reading.yaml`; thoughts of suicide are history only when nothing in them is
wished or planned now. Pure and synchronous.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import pairwise

from bot.understanding.clauses import Clause, found, said
from bot.understanding.subjects import AFTER
from bot.understanding.vocabulary import Vocabulary
from bot.understanding.warning_signs import Mention
from bot.understanding.words import Phrases

# A sign said to have begun lately: "since his chest pain started 20 mins ago".
_STARTED = ("ago", "started", "began", "came on", "now", "right now", "today", "tonight",
            "this morning", "this afternoon", "this evening", "just now", "just started",
            "just came on", "just happened")
# A habit or standing condition said with these is happening now: "I'm asthmatic and the
# wheeze is getting worse".
_FLARING = ("right now", "getting worse", "worse and worse", "not working",
            "not helping", "not touching", "tonight", "this morning",
            "this afternoon", "this evening", "since yesterday", "since last night",
            "at the moment", "minutes ago", "an hour ago", "since the session",
            "since my session", "since the needles", "after the session", "after my session",
            "after the needles", "will not stop", "not stopping")
# Times of life: thoughts of suicide said with them are history.
_AGES = ("in my twenties", "in my thirties", "in my teens", "in my forties", "in my fifties",
         "as a teenager", "at school", "at uni", "at university", "long behind me")
# Between words of the past and a sign, these put the sign now: "years ago ... and now".
_NOW_AGAIN = ("now", "today", "tonight", "this time", "this morning", "again", "but now")
# Said with thoughts of suicide, these make them now, whatever the past: "I want to".
_WISHED = ("want", "wanna", "wants", "going to", "gonna", "thinking of", "thinking about",
           "feel like", "planning", "plan to", "tonight", "right now", "today", "any more",
           "anymore", "can not go on", "i am going", "i will")
# A clause opening with these speaks of the one before: "but that was years ago".
_POINTING_BACK = frozenset({("that", "was"), ("it", "was"), ("this", "was"), ("which", "was"),
                            ("that", "is"), ("all", "that")})
# A sentence this short pointing back, with a year or "years ago" in it, dates the one
# before: "That was 2018."...
_SHORT_AFTERWORD = 5
_YEARS_AGO = frozenset({"years ago", "decades ago"})
# ... unless it likens or goes on: "It was 2019 all over again", "like this last time"...
_NOT_DATING = frozenset({"again", "like", "same", "last", "still", "now", "only", "just",
                         "today", "tonight", "minutes", "mins", "hour", "hours"})
# ... and only when the sentence before says nothing of now and likens it to nothing.
_STILL_NOW = frozenset({"now", "still", "will", "can", "keep", "keeps", "like", "same", "as",
                        "again", "currently", "right", "today", "tonight", "just", "since",
                        "is", "are", "am", "not"})
# A habit word (or an age: "in my twenties") counts for a sign this many words either
# side of it; a word of the past, anywhere in the clause.
_HABIT_REACH = 5
# Years said as how long a condition has lasted ("for 20 years"), unless said as new.
_LONG = frozenset({"years", "yrs", "decades"})
_HOW_MANY = frozenset({"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                       "twenty", "thirty", "forty", "fifty", "many", "several", "a", "few"})
_NEW_REACH = 8
_NEW = frozenset({"first", "never", "not", "no", "in", "worst", "worse", "bad", "badly",
                  "best", "most", "than", "like", "ever"})
# "in 1998", "back in 2015", "in March 2023": a past year named is history...
_YEAR = re.compile(r"^(19|20)\d\d$")
_BEFORE_A_YEAR = frozenset({"in", "back", "of", "around", "circa", "was", "january",
                            "february", "march", "april", "may", "june", "july", "august",
                            "september", "october", "november", "december", "jan", "feb", "mar",
                            "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"})
# A year after these is someone's birth, not the sign's date: "dad, born in 1944, ...".
_BORN = frozenset({"born", "b", "dob"})
# ... unless, between it and the sign, these liken one to the other ("worse than in 2015")
# or say the sign is recent ("had treatment in 2025, came back yesterday, lips swollen").
_LIKENING = frozenset({"like", "same", "as", "than", "worse", "worst", "similar",
                       "reminds", "remind", "before", "again"})
_RECENT = frozenset({"yesterday", "lately", "recently"})
# ... or, after the year, a new thought begins: "we moved here in 2019 so don't know the
# numbers and my husband has gone down".
_JOINING = frozenset({"and", "so", "but", "because", "cos"})
# A year in another part of the clause dates a sign told in the past ("When I was 6 I had
# meningitis, fever through the roof"), not one said as now ("... so no gp yet, my throat
# is closing up", "coughing up blood, had a cough since 2025").
_NOW_TENSE = frozenset({"is", "are", "am", "has", "have", "can", "keeps", "keep", "now", "still",
                        "currently", "today", "tonight", "right"})
# Between a sign and a year after it, these say the story goes on now: "nan's not making
# sense, keeps telling me she's getting married in 1962" (not "fainted, haven't since,
# that was 2019").
_GOING_ON = _NOW_TENSE - {"has", "have", "can"}
_RELATIVE = frozenset({"who", "which", "whose"})
# "at 86" after these is a reading or a person's age now, not when something happened: "my
# oxygen is at 86", "my nan at 92 has collapsed".
_NOT_AN_AGE_BEFORE = frozenset({"is", "are", "was", "were", "its", "been", "stuck", "sitting",
                                "sat", "reading", "level", "levels", "sats", "oxygen", "temp",
                                "temperature", "pulse", "rate", "bpm", "nan", "nana", "gran",
                                "granny", "grandad", "grandma", "grandpa", "mum", "dad", "mom"})
# After a number, these make it a count, not an age or a year: "I was 20 mins into my walk".
_UNITS = frozenset({"mins", "min", "minutes", "minute", "hours", "hour", "hrs", "weeks", "week",
                    "wks", "days", "miles", "mile", "km", "steps", "percent", "past", "to"})
# "at 11" is a time of day; "at 19", an age.
_CLOCK_HOURS = 12
# After a number, these make it a time of day, not an age.
_CLOCK = frozenset({"am", "pm", "oclock", "o", "clock", "ish", "tonight", "today", "tomorrow",
                    "hrs", "hours", "hr", "h"})
_THEIR = frozenset({"his", "her", "their"})
# Before words of the past, these deny them: "never once", "no history of", "not long ago".
_DENYING = frozenset({"never", "no", "not"})


def _for_years(words: Sequence[str]) -> list[int]:
    """Where a long-standing condition's years are said: "numb for 20 years", "been there
    20 years", "had it for years" (not "20 years ago", "the first time in 20 years", "the
    worst I've had for years")."""
    return [position for position in range(1, len(words))
            if words[position] in _LONG and (
                words[position - 1] == "for" or (
                    (words[position - 1].isdigit() or words[position - 1] in _HOW_MANY)
                    and words[position - 2:position - 1] in (["for"], ["there"], ["had"])))
            and _NEW.isdisjoint(words[max(0, position - _NEW_REACH):position])
            and words[position + 1:position + 2] not in (["ago"], ["old"], ["back"])]


def _this_year() -> int:
    return datetime.now(UTC).year


class Timing:
    """Reads when each found sign happened. Built once, beside the matcher."""

    def __init__(self, words: Vocabulary, someone: Callable[[str], bool]) -> None:
        """`someone`: whether a word is someone else ("my husband")."""
        self._someone = someone
        self._subjects = frozenset({*words.self, "we", "our"})
        self._history = Phrases([*words.history, *words.habitual])
        self._past = Phrases(words.history)
        self._flaring = Phrases(_FLARING)
        self._now_again = Phrases(_NOW_AGAIN)
        self._ages = Phrases(_AGES)
        self._wished = Phrases(_WISHED)
        self._started = Phrases(_STARTED)

    def is_history(self, clauses: Sequence[Clause], mention: Mention) -> bool:
        """Whether the sign is of the past, not of now or since the session."""
        clause = clauses[mention.clause]
        if mention.sign.crisis:
            # Thoughts of suicide are history only when the whole clause is of the past
            # ("back in my 20s I was suicidal for a while") and nothing in it is wished or
            # planned now ("my mum died last year and now I want to die too").
            past = self._said(clause, self._past) or self._said(clause, self._ages) \
                or bool(self._years(clause))
            return past and not self._said(clause, self._wished)
        after = clauses[mention.clause + 1] if mention.clause + 1 < len(clauses) else None
        if after is not None and tuple(after.words[:2]) in _POINTING_BACK and (
                (after.sentence == clause.sentence and self._said(after, self._past))
                or (self._dated_afterword(after) and self._told_as_over(clauses, clause))):
            # "... couldn't breathe, but that was a long time ago"; "... blacked out. That
            # was 2018."
            return True
        return ((self._said(clause, self._history) or bool(_for_years(clause.words)))
                and self._history_said(clause, mention)) \
            or (self._dated_by_a_year(clause, mention) and not self._said(clause, self._flaring)) \
            or self._long_past(clause, mention)

    @staticmethod
    def _dated_afterword(clause: Clause) -> bool:
        """A short sentence that only dates the one before in years: "That was 2018.",
        "It was years ago." (not "It was 2019 all over again", "It was at 20 past 7", "That
        was the same last time", "It was a while ago")."""
        words = clause.words
        return len(words) <= _SHORT_AFTERWORD and _NOT_DATING.isdisjoint(words) and (
            any(_YEAR.fullmatch(word) for word in words)
            or any(" ".join(words[at:at + 2]) in _YEARS_AGO for at in range(len(words))))

    @staticmethod
    def _told_as_over(clauses: Sequence[Clause], clause: Clause) -> bool:
        """The sign's sentence says nothing of now and likens it to nothing: "blacked out
        and spent 3 days in intensive care" (not "crushing chest pain like my heart
        attack", "collapsed and won't wake")."""
        return all(_STILL_NOW.isdisjoint(other.words) for other in clauses
                   if other.sentence == clause.sentence)

    def _history_said(self, clause: Clause, mention: Mention) -> bool:
        """Words of the past in the clause ("years ago I had a blood clot"), or of a habit
        beside the sign ("I'm asthmatic", "he gets short of breath"), not denied ("never
        once in my life" says it is new), and not when the clause says it is happening now
        ("the wheeze is getting worse", "after the session I can't breathe")."""
        words = clause.words
        first, last = mention.positions[0], mention.positions[-1]
        part = clause.part_of(first)
        flaring = said(clause, self._flaring)
        for position in found(clause, self._history):
            if not _DENYING.isdisjoint(words[max(0, position - 2):position]) or (
                    position and words[position - 1] == "than"):
                continue  # "never once in my life", "worse than last time"
            if flaring or any(first > now > position and now in part
                              for now in found(clause, self._now_again)):
                return False  # "had a stroke years ago and now my face is drooping again"
            if self._past.at(words, position):
                return True  # "back in the 80s I was rushed in with a collapsed lung"
            if position in part and first - _HABIT_REACH <= position <= last + _HABIT_REACH:
                return True
        # How long the sign itself has lasted, said right after it ("numb for 20 years"),
        # not a condition's years before it ("had dementia for years and her face has
        # dropped").
        return not flaring and any(
            last < position <= last + _HABIT_REACH and position in part
            and _JOINING.isdisjoint(words[last + 1:position]) for position in _for_years(words))

    def _long_past(self, clause: Clause, mention: Mention) -> bool:
        """The sign named as someone's past event: "in a wheelchair since his stroke" (but
        not "since his chest pain started 20 mins ago"). Not one's own: "since my face
        dropped", "since my TIA my arm has been weak" are onsets."""
        words = clause.words
        return any(at >= 2 and words[at - 2] in AFTER and words[at - 1] in _THEIR
                   for at in mention.positions) and not self._said(clause, self._started)

    def _dated_by_a_year(self, clause: Clause, mention: Mention) -> bool:
        """A year or an age in the clause dates the sign ("in 1998 I had a collapsed lung",
        "heart attack 2011, stent put in"), unless the words between them say now or liken
        one to the other ("2019, and now my face has dropped", "chest pain, worst since my
        heart attack in 2015", "same as in 2019"), or the sign is said as now in another
        part of the clause."""
        words = clause.words
        first, last = mention.positions[0], mention.positions[-1]
        part = clause.part_of(first)
        after = last + 1
        right_after = [after] if after < len(words) and _YEAR.match(words[after]) and (
            int(words[after]) < _this_year() and after + 1 in {*clause.part_starts, len(words)}) \
            else []  # "heart attack 2011, stent put in"
        said_now = not _NOW_TENSE.isdisjoint(words[part.start:part.stop]) or (
            words[first].endswith("ing") and words[first - 1] not in {"was", "were"})
        for position in [*self._years(clause), *right_after]:
            if position not in part and said_now:
                continue  # "moved flats in 2024 so no gp yet, my throat is closing up"
            year_first = position < first
            between = words[position + 1:first] if year_first else words[last + 1:position]
            if _LIKENING.isdisjoint(between) and _RECENT.isdisjoint(between) \
                    and not self._now_again.anywhere(between) \
                    and (year_first or _GOING_ON.isdisjoint(between)) \
                    and not self._new_thought(words, part.start, position, between, year_first):
                return True
        return False

    def _new_thought(self, words: Sequence[str], start: int, year: int,
                     between: Sequence[str], year_first: bool) -> bool:
        """The year and the sign belong to different thoughts: after the sign, a joining
        word and then a subject ("can't breathe and my inhaler ran out in 2025", not "a clot
        on the lung and couldn't breathe in 2009"); before it, a relative clause ("my husband
        who had his stroke back in 2020 can't lift his arm")."""
        if year_first:
            return not _RELATIVE.isdisjoint(words[start:year])
        return any(word in _JOINING and (following in self._subjects or self._someone(following))
                   for word, following in pairwise(between))

    @staticmethod
    def _years(clause: Clause) -> list[int]:
        """Where a past year is named ("in 1998", "back in 2015", "in March 2023", not "since
        1900 hrs", "room 1908", "born in 1944"), or an age ("when I was 19", "at 19", but
        "at 11" is a time); not a count ("walked 2000 steps")."""
        words = clause.words
        if not any(word[0].isdigit() for word in words):
            return []
        years, this_year = [], _this_year()
        for position, word in enumerate(words):
            before = words[position - 1] if position else ""
            after = words[position + 1] if position + 1 < len(words) else ""
            if _YEAR.match(word) and int(word) < this_year and before in _BEFORE_A_YEAR \
                    and after not in _CLOCK \
                    and _BORN.isdisjoint(words[max(0, position - 2):position]):
                years.append(position)
            elif word.isdigit() and 5 <= int(word) <= 99 and before == "was" and position >= 2 \
                    and words[position - 2] in {"i", "he", "she", "mi"} and after not in _UNITS:
                years.append(position)  # "when I was 19" (not "I was 20 mins into my walk")
            elif len(word) == 2 and word.isdigit() and before == "in" and (
                    (position >= 2 and words[position - 2] == "back")
                    or (word[0] in "0789" and after not in _UNITS and after not in _CLOCK)):
                years.append(position)  # "back in 98", "a collapsed lung in '09"
            elif word.isdigit() and 5 <= int(word) <= 99 and before == "at" \
                    and after not in _UNITS and position >= 2 \
                    and words[position - 2] not in _NOT_AN_AGE_BEFORE \
                    and int(word) > _CLOCK_HOURS \
                    and (not after.isdigit() or _YEAR.match(after)) and after not in _CLOCK:
                years.append(position)
        return years

    @staticmethod
    def _said(clause: Clause, phrases: Phrases) -> bool:
        return said(clause, phrases)
