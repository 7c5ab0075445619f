"""Whether a found sign is denied or over: a negation just before it ("no redness", "not
dizzy any more", "never fainted"), which reaches through a list ("no redness, swelling or
heat") but not past a new subject ("I don't feel well my chest is tight") and which
"won't stop" turns back around; and the words saying something has passed ("it stopped",
"the swelling has gone down"). Part of finding signs (`warning_signs.py`); the reader's
next step asks about passing too (`context.py`).

Pure and synchronous.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.understanding.clauses import Clause, said
from bot.understanding.sign_parts import NEGATION_REACH, NOT_A_NEGATION, Match
from bot.understanding.vocabulary import Vocabulary
from bot.understanding.words import Phrases

# With "never", these say something is new, not absent: "never had pain like this".
_NOVEL = ("like this", "like that", "this bad", "so bad", "this much", "anything like",
          "before like this", "this bad before")
# "stop" said of something else: "had to stop the car", "at the bus stop", "stopped me".
_STOPPING = frozenset({"stop", "stopped", "stops", "stopping"})
_STOPPED_SOMETHING = frozenset({"the", "a", "me", "my", "him", "her", "us", "them", "at",
                                "for", "to"})
_NOT_THE_SIGN_STOPPING = frozenset({"bus", "to", "full", "pit", "truck", "rest", "tram"})
# Words joining signs under one negation: "no chest pain or breathing problems".
_ALTERNATIVES = frozenset({"or", "nor"})
# Where a clause's words of resolution start, kept with the clause's word lists.
_RESOLUTIONS = -1
# After a negation, these turn to what is there: "not sore just dizzy" (also for how
# the patient feels, `screen.py`: "not really sore, just odd").
TURNS = frozenset({"just", "but", "only", "instead", "rather"})
# "passed" followed by these passed something, not the sign.
_PASSED_SOMETHING = frozenset({"urine", "water", "wind", "blood", "a", "out", "away", "on"})
# Stemmed like "eased" but saying nothing passed: "7/10 easy", "could easily cry".
_NOT_EASING = frozenset({"easy", "easily"})
# "gone" followed by anything else names what something became: "gone numb".
_BECOMING = frozenset({"gone", "went"})
_GONE_FOR_GOOD = frozenset({"now", "away", "down", "off", "completely", "totally", "again",
                            "overnight", "today", "since", "already", "by", "after", "and",
                            "but", "thank", "thanks", "so", "which", "too"})


class Negations:
    """The reader's negations and words of passing, ready to apply to a clause. Built once,
    with the warning signs: `resolved` are the phrases of passing as keys, `sign_keys`
    every key that leads to a sign."""

    def __init__(self, vocabulary: Vocabulary, negations: frozenset[str],
                 resolved: Sequence[tuple[str, ...]], sign_keys: frozenset[str]) -> None:
        self.negations = negations
        self._new_subject = Phrases(vocabulary.new_subject).single
        self._novel = Phrases(_NOVEL)
        self._vocabulary = sign_keys
        self._resolved_by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in resolved:
            if phrase:
                self._resolved_by_first.setdefault(phrase[0], []).append(phrase)

    def negated(self, clause: Clause, match: Match) -> bool:
        inside = set(match.positions)
        return any(self._negated_at(clause, position, inside) for position in match.positions)

    def _negated_at(self, clause: Clause, position: int, inside: set[int]) -> bool:
        """A negation within reach before the word, unless a new subject comes between
        ("I don't feel well, my chest is tight"), a comma that does not continue a list of
        signs, or a word that turns it around ("won't stop bleeding")."""
        reach = 0
        listed = False
        step = position
        while step > 0 and reach < NEGATION_REACH:
            crossing_comma = step in clause.part_starts
            step -= 1
            if step in inside:
                continue
            word = clause.words[step]
            if crossing_comma and not (
                    (word in self.negations or clause.filler[step]
                     or (clause.keys[step] & self._vocabulary and any(
                         earlier in self.negations
                         for earlier in clause.words[max(0, step - 2):step])))
                    and not _ALTERNATIVES.isdisjoint(clause.words)):
                # A list of what is not there goes on ("no redness, swelling or heat"); a new
                # part does not ("no fever, chest crushing").
                return False
            if word in self.negations:
                following = clause.words[step + 1]
                if following in NOT_A_NEGATION:
                    return False
                if word == "without" and any(
                        clause.words[index] in self.negations
                        for index in range(clause.part_of(step).start, step)):
                    return False  # "can't cough without bringing up blood"
                if word == "never" and said(clause, self._novel):
                    return False  # "never had pain like this", "never this bad before"
                return not any(self.resolution_at(clause, index)
                               for index in range(step + 1, position))
            if word in TURNS:
                return False  # "not sore, just dizzy": what follows is there
            if word in self._new_subject:
                # "without my back killing me": a thing the writer is without, not a new
                # subject (but "can't walk without my legs giving way" says they do)
                part = clause.part_of(step)
                return step > 0 and clause.words[step - 1] == "without" and not any(
                    clause.words[index] in self.negations
                    for index in range(part.start, step - 1)) and not any(
                    self.resolution_at(clause, index) for index in range(step, position))
            listed = listed or word in _ALTERNATIVES
            if not clause.filler[step] and not (listed and clause.keys[step] & self._vocabulary):
                reach += 1  # signs listed before "or" are passed over: "no chest pain or ..."
        return False

    def resolution_at(self, clause: Clause, position: int) -> bool:
        """Words at `position` saying something has passed ("stopped", "gone down"); not
        "gone" naming what it became ("gone numb", "gone purple")."""
        known = clause.found.get(_RESOLUTIONS)
        if known is None:
            known = clause.found[_RESOLUTIONS] = tuple(
                start for start in range(len(clause.words)) if self._resolution_from(clause, start))
        return position in known

    def _resolution_from(self, clause: Clause, position: int) -> bool:
        firsts = clause.keys[position]
        if firsts.isdisjoint(self._resolved_by_first) or clause.words[position] in _NOT_EASING:
            return False
        for phrase in (phrase for key in firsts for phrase in self._resolved_by_first.get(key, ())):
            window = clause.keys[position:position + len(phrase)]
            if len(window) == len(phrase) and all(
                    key in keys for key, keys in zip(phrase, window, strict=True)):
                last = clause.words[position + len(phrase) - 1]
                after = clause.words[position + len(phrase):position + len(phrase) + 1]
                if last in _BECOMING and after and after[0] not in _GONE_FOR_GOOD:
                    continue
                before = clause.words[position - 1] if position else ""
                if last in _STOPPING and ((after and after[0] in _STOPPED_SOMETHING)
                                          or before in _NOT_THE_SIGN_STOPPING):
                    continue  # "had to stop the car", "the bus stop", "it stopped me sleeping"
                if last == "passed" and after and after[0] in _PASSED_SOMETHING:
                    continue  # "has passed urine"
                if last in _STOPPING and position >= 2 and clause.words[position - 2] == "make":
                    continue  # "please make it stop" asks for it to stop
                return True
        return False
