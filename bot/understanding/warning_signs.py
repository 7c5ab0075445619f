"""Hearing warning signs in a patient's own words ("my chest feels tight", "the spot is hot
and puffy"), in two tiers: emergency and same day.

The signs and the words that shape them live in `content/red_flags.yaml`; this module is
the reading. A message is cut into clauses (at full stops, question marks, "but" and the
like) and each clause into words, which are compared by a light stem ("fainting" meets
"faint"), through the clinic's groups of words that mean the same ("hurts", "ache",
"pain"), and with small typos forgiven ("feaver", "dizy"), but never when the word is a
correctly spelled English word of its own ("fewer" is not "fever"). A phrasing matches
when its words all come close together in one clause, in any order unless it is quoted.

What keeps a match from counting, each a rule a patient's sentence can show:
- a negation just before it ("no redness", "not dizzy any more", "never fainted"), which
  reaches through a list ("no redness, swelling or heat") but not past a new subject
  ("I don't feel well my chest is tight"), and which "won't stop" turns back around;
- words after it saying it has passed ("the bleeding has stopped"); an emergency sign
  that has passed is still told to staff, as a same-day sign;
- a general question about acupuncture ("can it cause bruising or fainting?"), or a
  supposition ("what if I feel faint?"), that says nothing of the patient themselves;
- asking about treating it ("can it reduce inflammation?");
- a phrase the clinic listed as not the sign ("sick of waiting").
When two matches overlap, a longer phrasing said as one phrase wins over a shorter one
inside it ("feel faint" is a same-day sign, "fainted" an emergency one). When in doubt the
reading leans to hearing the sign: a needless alert costs the clinic a phone call.

Pure and synchronous: the handler in `handlers/safety.py` carries the finding out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.understanding.sign_parts import (
    NEGATION_REACH,
    NOT_A_NEGATION,
    RESOLUTION_REACH,
    Clause,
    Finding,
    Language,
    Match,
    Phrasing,
    Sign,
    Tier,
    allowed_edits,
    counted_positions,
    drop_contained,
    sentences,
    tightest,
)
from bot.understanding.words import QUESTION, REAL_WORDS, Phrases, same_start, stem, words_of


class WarningSigns:
    """The clinic's warning signs, ready to read messages with. Built once, from content."""

    def __init__(self, signs: Sequence[Sign], language: Language,
                 known_words: Iterable[str] = ()) -> None:
        """`known_words`: words that are never typos (the clinic's own texts: "wellness"
        is one letter pair from "weakness" and in no word list)."""
        self.signs = tuple(signs)
        self._known_texts = tuple(known_words)
        self._alike: dict[str, str] = {}
        for group in language.alike:
            for word in group:
                self._alike[stem(word)] = stem(group[0])
        self._filler = Phrases(language.filler).single
        self._negations = Phrases(language.negations).single
        self._breaks = Phrases(language.clause_breaks).single
        self._new_subject = Phrases(language.new_subject).single
        self._treating = Phrases(language.treating).single
        self._asking = Phrases(language.asking)
        self._general = Phrases(language.general)
        self._supposing = Phrases(language.supposing)
        self._worrying = Phrases(language.worrying)
        self._personal = Phrases(language.personal)
        self._resolved = [self._keys_of_text(text) for text in language.resolved]
        self._phrasings: list[Phrasing] = []
        self._exceptions: dict[str, list[tuple[str, ...]]] = {}
        for sign in self.signs:
            for phrasing in sign.phrasings:
                text = phrasing.strip()
                ordered = text.startswith('"')
                # A quoted phrasing is said as written, small words and all.
                keys = tuple(key for word, key in zip(words_of(text.strip('"')),
                                                      self._keys_of_text(text.strip('"')),
                                                      strict=True)
                             if ordered or word not in self._filler)
                if keys:
                    self._phrasings.append(Phrasing(sign, keys, ordered))
            # Exceptions are the clinic's exact words: "chilling" must not cancel "chills".
            self._exceptions[sign.name] = [
                words for text in sign.exceptions if (words := tuple(words_of(text)))]
        # Each phrasing filed under the one of its words fewest phrasings share: a message
        # is held against only the phrasings whose word it has, not against all of them.
        uses: dict[str, int] = {}
        for entry in self._phrasings:
            for key in set(entry.keys):
                uses[key] = uses.get(key, 0) + 1
        self._filed: dict[str, list[int]] = {}
        for index, entry in enumerate(self._phrasings):
            rarest = min(entry.keys, key=lambda key: (uses[key], key))
            self._filed.setdefault(rarest, []).append(index)
        self._vocabulary = frozenset(
            {key for phrasing in self._phrasings for key in phrasing.keys}
            | {key for phrase in self._resolved for key in phrase})
        # What a typo is compared with: every stem that leads to a sign's word, the alike
        # groups' members included ("hurst" is a typo of "hurts", which is "pain").
        targets = {stem_: key for stem_, key in self._alike.items() if key in self._vocabulary}
        targets |= {key: key for key in self._vocabulary}
        # Written forms too: "numbess" is one letter from "numbness", two from "numb".
        written = [*(word for sign in self.signs for text in sign.phrasings
                     for word in words_of(text.strip('"'))),
                   *(word for group in language.alike for text in group
                     for word in words_of(text))]
        targets |= {word: self._key(word) for word in written
                    if self._key(word) in self._vocabulary}
        self._targets = targets
        self._by_first: dict[str, list[str]] = {}
        for target in sorted(targets):
            self._by_first.setdefault(target[:1], []).append(target)
        self._seen: dict[str, frozenset[str]] = {}

    def _key(self, word: str) -> str:
        """What a word stands for: its stem, through the clinic's alike groups."""
        stemmed = stem(word)
        return self._alike.get(stemmed, stemmed)

    def _keys_of_text(self, text: str) -> tuple[str, ...]:
        return tuple(self._key(word) for word in words_of(text))

    def _keys_for(self, word: str) -> frozenset[str]:
        """Every key a written word may stand for: its own, and a sign's word it is a typo
        or (in another script) an inflection of."""
        key = self._key(word)
        if key in self._vocabulary or len(word) < 4:
            return frozenset((key,))
        known = self._seen.get(word)
        if known is None:
            known = frozenset((key, *self._near_misses(word)))
            if len(self._seen) < 10_000:
                self._seen[word] = known
        return known

    def _near_misses(self, word: str) -> set[str]:
        candidates = self._by_first.get(word[:1], [])
        found: set[str] = set()
        for form in {word, stem(word)}:
            found |= {target for target, distance, _ in process.extract(
                form, candidates, scorer=OSA.distance, score_cutoff=2, limit=None)
                if distance <= allowed_edits(target)}
            found |= {target for target in candidates if same_start(form, target)}
        if found and (word in self._known or (word.isascii() and word in REAL_WORDS)):
            return set()  # a real word of its own, not a typo
        return {self._targets[target] for target in found}

    @cached_property
    def _known(self) -> frozenset[str]:
        # Read only at the first near miss: most messages never need it.
        return frozenset(word for text in self._known_texts for word in words_of(text))

    # Reading a message.

    def find(self, text: str) -> Finding | None:
        """The warning signs in `text`, or None."""
        tiers: dict[str, Tier] = {}
        clauses = self._clauses(text)
        for index, clause in enumerate(clauses):
            following = clauses[index + 1] if index + 1 < len(clauses) else None
            matches = self._matches_in(clause)
            taken = {position for match in matches for position in match.positions}
            for match in matches:
                tier = match.tier
                if self._passed(clause, match, taken, following):
                    if tier < Tier.EMERGENCY:
                        continue
                    tier = Tier.SAME_DAY  # an emergency that passed still needs a person
                name = match.phrasing.sign.name
                tiers[name] = max(tiers.get(name, tier), tier)
        if not tiers:
            return None
        ranked = sorted(tiers, key=lambda name: -tiers[name])
        return Finding(tier=tiers[ranked[0]], signs=tuple(ranked))

    def _clauses(self, text: str) -> list[Clause]:
        clauses: list[Clause] = []
        for sentence in sentences(text):
            opening = words_of(sentence)[:1]
            question = bool(QUESTION.search(sentence)) and bool(opening) \
                and self._asking.at(opening, 0)
            clause = Clause(question)
            for number, part in enumerate(sentence.split(",")):
                if number and clause.words:
                    clause.part_starts.append(len(clause.words))
                for word in words_of(part):
                    if word in self._breaks:
                        clauses.append(clause)
                        clause = Clause(question)
                        continue
                    clause.words.append(word)
                    clause.keys.append(self._keys_for(word))
                    clause.filler.append(word in self._filler)
                    self._join_compound(clause)
            clauses.append(clause)
        for clause in clauses:
            clause.part_starts = sorted(set(clause.part_starts) - {len(clause.words)}) or [0]
        return [clause for clause in clauses if clause.words]

    def _join_compound(self, clause: Clause) -> None:
        """"light-headed" and "light headed" are also "lightheaded"."""
        if len(clause.words) < 2:
            return
        joined = self._key(clause.words[-2] + clause.words[-1])
        if joined in self._vocabulary:
            clause.keys[-2] = clause.keys[-2] | {joined}

    def _matches_in(self, clause: Clause) -> list[Match]:
        where: dict[str, list[int]] = {}
        for position, keys in enumerate(clause.keys):
            for key in keys:
                where.setdefault(key, []).append(position)
        counted = counted_positions(clause)
        found: list[Match] = []
        filed = sorted({index for key in where for index in self._filed.get(key, ())})
        for phrasing in (self._phrasings[index] for index in filed):
            if all(key in where for key in phrasing.keys):
                match = tightest(phrasing, where, counted, clause, self._negations)
                if match is not None and not self._set_aside(clause, match):
                    found.append(match)
        return drop_contained(found, counted, clause)

    def _set_aside(self, clause: Clause, match: Match) -> bool:
        """Whether the words around the match say it is not the sign after all."""
        return (self._excepted(clause, match) or self._negated(clause, match)
                or self._supposed(clause, match) or self._treated(clause, match))

    def _excepted(self, clause: Clause, match: Match) -> bool:
        for words in self._exceptions[match.phrasing.sign.name]:
            width = len(words)
            for start in range(len(clause.words) - width + 1):
                covers = any(start <= position < start + width
                             for position in match.positions)
                if covers and tuple(clause.words[start:start + width]) == words:
                    return True
        return False

    def _negated(self, clause: Clause, match: Match) -> bool:
        inside = set(match.positions)
        return any(self._negated_at(clause, position, inside) for position in match.positions)

    def _negated_at(self, clause: Clause, position: int, inside: set[int]) -> bool:
        """A negation within reach before the word, unless a new subject comes between
        ("I don't feel well, my chest is tight"), a comma that does not continue a list of
        signs, or a word that turns it around ("won't stop bleeding")."""
        reach = 0
        step = position
        while step > 0 and reach < NEGATION_REACH:
            crossing_comma = step in clause.part_starts
            step -= 1
            if step in inside:
                continue
            word = clause.words[step]
            if crossing_comma and not (clause.keys[step] & self._vocabulary
                                       or word in self._negations or clause.filler[step]):
                return False
            if word in self._negations:
                following = clause.words[step + 1]
                if following in NOT_A_NEGATION:
                    return False
                return not any(self._resolution_at(clause, index)
                               for index in range(step + 1, position))
            if word in self._new_subject:
                return False
            if not clause.filler[step]:
                reach += 1
        return False

    def _supposed(self, clause: Clause, match: Match) -> bool:
        """A general question or statement, or a supposition, that says nothing of the
        patient themselves: "can acupuncture cause fainting?", "what if I feel faint?"."""
        words = clause.words
        first = match.positions[0]
        if words[first].endswith("ing") and any(
                self._worrying.at(words, position) for position in range(max(0, first - 3),
                                                                         first)):
            return True  # "nervous about fainting": a worry, not an event
        for position in range(first):
            if self._supposing.at(words, position):
                return not self._personal_in(words, range(position + 1, len(words)))
        if self._personal_in(words, range(len(words))):
            return False
        part = clause.part_of(first)
        # "Can acupuncture cause ...?" asks; "can't breathe" ("can not") does not.
        opens_question = self._asking.at(words, part.start) and not (
            part.start + 1 < len(words) and words[part.start + 1] in self._negations)
        asking = opens_question or (clause.question and part.start == 0)
        return asking or self._general.within(words, part)

    def _personal_in(self, words: Sequence[str], positions: range) -> bool:
        """The patient speaks of themselves: "my", "still", "I feel" (but not "will I
        feel" or "if I feel", which suppose)."""
        for position in positions:
            if not self._personal.at(words, position):
                continue
            if words[position] != "i" or position == 0:
                return True
            before = words[position - 1]
            if not (self._asking.at(words, position - 1) or before in self._supposing.single):
                return True
        return False

    def _treated(self, clause: Clause, match: Match) -> bool:
        """Asking about treating it: "can it reduce inflammation?" (but "help, I can't
        breathe" is no question)."""
        first = match.positions[0]
        part = clause.part_of(first)
        if not (clause.question or self._asking.at(clause.words, part.start)):
            return False
        return any(clause.words[position] in self._treating
                   for position in range(max(part.start, first - 3), first))

    def _resolution_at(self, clause: Clause, position: int) -> bool:
        for phrase in self._resolved:
            window = clause.keys[position:position + len(phrase)]
            if len(window) == len(phrase) and all(
                    key in keys for key, keys in zip(phrase, window, strict=True)):
                return True
        return False

    def _passed(self, clause: Clause, match: Match, taken: set[int],
                following: Clause | None) -> bool:
        """Words after the sign say it has passed: "the swelling has gone down", or, in
        the next clause, "I was dizzy but it passed"."""
        counted = 0
        for position in range(match.positions[-1] + 1, len(clause.words)):
            if position not in taken and self._resolution_at(clause, position) \
                    and not self._negation_just_before(clause, position):
                return True
            if not clause.filler[position]:
                counted += 1
                if counted > RESOLUTION_REACH:
                    return False
        if following is None or not (following.words[0] in self._new_subject
                                     or self._resolution_at(following, 0)):
            return False
        if self._matches_in(following):
            return False
        return any(self._resolution_at(following, position)
                   and not self._negation_just_before(following, position)
                   for position in range(min(4, len(following.words))))

    def _negation_just_before(self, clause: Clause, position: int) -> bool:
        return any(clause.words[index] in self._negations
                   for index in range(max(0, position - 2), position))


__all__ = ["Finding", "Language", "Sign", "Tier", "WarningSigns"]
