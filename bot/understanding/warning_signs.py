"""Finding warning signs in a patient's own words ("my chest feels tight", "the spot is hot
and puffy"): the matching step of the reader. Whose sign it is, when, and what the
sentence does with it is the next step's (`context.py`).

The signs live in `content/red_flags.yaml`, the words that shape them in
`content/reading.yaml`. Each clause's words are compared by a light stem ("fainting"
meets "faint"), through the clinic's groups of words that mean the same ("hurts", "ache",
"pain") and its named concepts ("{breath} {hard}" is any breathing word near any word of
difficulty), and with small typos forgiven ("feaver", "dizy"), but never when the word is a
correctly spelled English word of its own ("fewer" is not "fever"; `typos.py`). A phrasing matches
when its words all come close together in one part of a clause, in any order unless it is
quoted.

What keeps a match from counting here:
- a negation just before it ("no redness", "not dizzy any more", "never fainted";
  `negation.py`), which reaches through a list ("no redness, swelling or heat") but not
  past a new subject ("I don't feel well my chest is tight"), and which "won't stop"
  turns back around;
- a phrase the clinic listed as not the sign ("sick of waiting");
- a sign that needs a word near it and has none ("red" with no part of the body).
When two matches overlap, a longer phrasing said as one phrase wins over a shorter one
inside it ("feel faint" is a same-day sign, "fainted" an emergency one).

Pure and synchronous.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.understanding.clauses import Clause, Shorthand, clauses_of
from bot.understanding.negation import Negations
from bot.understanding.sign_parts import (
    DETERMINERS,
    Exceptions,
    Finding,
    Match,
    Phrasing,
    Sign,
    Tier,
    counted_positions,
    drop_contained,
    phrase_at,
    tightest,
)
from bot.understanding.typos import Typos
from bot.understanding.vocabulary import WORD_LISTS, Vocabulary
from bot.understanding.words import Phrases, stem, words_of

# A compound's parts are words of at least this many letters ("light" + "headed").
_COMPOUND_PART = 3
# A phrasing opening with these says its sign whole, so a negation before it negates it:
# "not short of breath", "not out of breath".
_SAID_WHOLE = frozenset({"short", "out"})
# Words and word pairs whose reading is remembered; past this many, forgotten and begun
# again (a bot that only stopped remembering would read every new word slowly for ever).
_REMEMBERED = 20_000
# After an excepted match, a sign's words are looked for again this many times elsewhere
# in the clause.
_EXCEPTED_RETRIES = 3

@dataclass(frozen=True)
class Mention:
    """A sign found in one clause of a message, at `positions` of its words."""

    sign: Sign
    clause: int
    positions: tuple[int, ...]
    phrasing: tuple[str, ...] = ()  # the phrasing's keys, for explaining a match

    @property
    def tier(self) -> Tier:
        return self.sign.tier


class WarningSigns:
    """The clinic's warning signs, ready to find in messages. Built once, from content."""

    def __init__(self, signs: Sequence[Sign], vocabulary: Vocabulary,
                 known_words: Iterable[str] = ()) -> None:
        """`known_words`: words that are never typos (the clinic's own texts: "wellness"
        is one letter pair from "weakness" and in no word list)."""
        self.signs = tuple(signs)
        self.vocabulary = vocabulary
        self._noun_heads = Phrases(vocabulary.noun_heads)
        # The reader's own word lists are real words too ("floaty" is how one feels).
        self._known_texts = (*known_words, *(text for name in WORD_LISTS
                                             for text in getattr(vocabulary, name)))
        self._alike = {stem(word): stem(group[0]) for group in vocabulary.alike
                       for word in group}
        self.shorthand = Shorthand(vocabulary.spelled_out)
        self.filler = Phrases(vocabulary.filler).single
        self.negations = Phrases(vocabulary.negations).single
        self._breaks = Phrases(vocabulary.clause_breaks).single
        self.asking = Phrases(vocabulary.asking)
        self._resolved = [self.keys_of_text(text) for text in vocabulary.resolved]
        # Concepts: a one-word member is a key its word also stands for; a longer one is
        # found as a phrase in the clause.
        self._concept_of: dict[str, set[str]] = {}
        # Concept phrases by their first key: (keys, concept).
        self._concept_phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for name, members in vocabulary.concepts.items():
            for member in members:
                if member.startswith("="):  # a word exactly as written: "=took"
                    self._concept_of.setdefault(member, set()).add("{" + name + "}")
                    continue
                keys = self.keys_of_text(member)
                if len(keys) == 1:
                    self._concept_of.setdefault(keys[0], set()).add("{" + name + "}")
                elif keys:
                    self._concept_phrases.setdefault(keys[0], []).append((keys, "{" + name + "}"))
        self._phrasings: list[Phrasing] = []
        self._exceptions: dict[Sign, Exceptions] = {}
        for sign in self.signs:
            for text in sign.phrasings:
                phrasing = self._phrasing(sign, text.strip())
                if phrasing is not None:
                    self._phrasings.append(phrasing)
            self._exceptions[sign] = Exceptions(sign.exceptions, self.spelled)
        self._needs = {sign: (self._named(sign.near), self._named(sign.context),
                              self._named(sign.unless)) for sign in self.signs}
        # The words a phrasing or concept names exactly as written ("=legs").
        self._exact = frozenset(
            {key for phrasing in self._phrasings for key in phrasing.keys if key[:1] == "="}
            | {key for key in self._concept_of if key[:1] == "="})
        self._compounds: dict[tuple[str, str], str | None] = {}
        self._file_phrasings()
        self._build_typo_targets()
        self._negation = Negations(vocabulary, self.negations, self._resolved, self._vocabulary)
        self._seen: dict[str, frozenset[str]] = {}

    def _phrasing(self, sign: Sign, text: str) -> Phrasing | None:
        ordered = text.startswith('"')
        wide = "~" in text.split()
        keys: list[str] = []
        for token in text.strip('"').split():
            if token == "~":
                continue
            if (token.startswith("{") and token.endswith("}")) or token.startswith("="):
                keys.append(token)  # a concept, or a word exactly as written ("=legs")
                continue
            # A quoted phrasing is said as written, small words and all.
            keys += [self._key(word) for word in self.spelled(token)
                     if ordered or word not in self.filler]
        return Phrasing(sign, tuple(keys), ordered, wide) if keys else None

    def _file_phrasings(self) -> None:
        """Each phrasing filed under the one of its words fewest phrasings share: a message
        is held against only the phrasings whose word it has, not against all of them."""
        uses: dict[str, int] = {}
        for entry in self._phrasings:
            for key in set(entry.keys):
                uses[key] = uses.get(key, 0) + 1
        self._filed: dict[str, list[int]] = {}
        for index, entry in enumerate(self._phrasings):
            rarest = min(entry.keys, key=lambda key: (uses[key], key))
            self._filed.setdefault(rarest, []).append(index)

    def _build_typo_targets(self) -> None:
        """What a typo is compared with: every stem that leads to a sign's word, the alike
        groups' and concepts' members included ("hurst" is a typo of "hurts")."""
        self._vocabulary = frozenset(
            {key for phrasing in self._phrasings for key in phrasing.keys}
            | {key for phrase in self._resolved for key in phrase}
            | set(self._concept_of))
        # A concept's members are matched as written, not as typos: "floaty" is no "flop".
        typo_prone = {key for phrasing in self._phrasings for key in phrasing.keys
                      if not key.startswith("{")} | {key for phrase in self._resolved
                                                     for key in phrase}
        targets = {stem_: key for stem_, key in self._alike.items() if key in typo_prone}
        targets |= {key: key for key in typo_prone}
        written = [*(word for sign in self.signs for text in sign.phrasings
                     for word in words_of(text.strip('"'))),
                   *(word for group in self.vocabulary.alike for text in group
                     for word in words_of(text))]
        targets |= {word: self._key(word) for word in written
                    if self._key(word) in typo_prone}
        self._typos = Typos(targets, self._known_texts)

    def is_sign_word(self, word: str) -> bool:
        """Whether `word` as written (not read as a typo) is a word of some sign."""
        return self._key(word) in self._vocabulary

    def spelled(self, text: str) -> list[str]:
        """The words of `text` as a clause holds them: shorthand spelled out."""
        return self.shorthand.spell_out(words_of(text))

    def _key(self, word: str) -> str:
        """What a word stands for: its stem, through the clinic's alike groups."""
        stemmed = stem(word)
        return self._alike.get(stemmed, stemmed)

    def keys_of_text(self, text: str) -> tuple[str, ...]:
        return tuple(self._key(word) for word in words_of(text))

    def _keys_for(self, word: str) -> frozenset[str]:
        """Every key a written word may stand for: its own, its concepts', a sign's word it
        is a typo or (in another script) an inflection of, and the word as written
        ("=legs")."""
        known = self._seen.get(word)
        if known is not None:
            return known
        key = self._key(word)
        keys = {key}
        if "=" + word in self._exact:
            keys.add("=" + word)
        if key not in self._vocabulary and len(word) >= 4:
            keys |= self._typos.meant(word)
        for each in list(keys):
            keys |= self._concept_of.get(each, set())
        known = frozenset(keys)
        if len(self._seen) >= _REMEMBERED:
            self._seen.clear()  # a long-running bot meets new words for ever
        self._seen[word] = known
        return known

    # Reading a message.

    def clauses(self, text: str) -> list[Clause]:
        """The message's clauses, each word with the keys it may stand for."""
        clauses = clauses_of(text, self.shorthand, self._breaks, self.filler, self.asking)
        for clause in clauses:
            clause.keys = [self._keys_for(word) for word in clause.words]
            self._join_compounds(clause)
        return clauses

    def _join_compounds(self, clause: Clause) -> None:
        """"light-headed" and "light headed" are also "lightheaded"."""
        words, compounds = clause.words, self._compounds
        for position in range(1, len(words)):
            first, second = words[position - 1], words[position]
            if len(first) < _COMPOUND_PART or len(second) < _COMPOUND_PART:
                continue  # "ago n" is not "agony"
            pair = (first, second)
            joined = compounds.get(pair, "")
            if joined == "":
                key = self._key(first + second)
                joined = key if key in self._vocabulary else None
                if len(compounds) >= _REMEMBERED:
                    compounds.clear()
                compounds[pair] = joined
            if joined is not None:
                clause.keys[position - 1] = clause.keys[position - 1] | {joined}

    def _concept_spans(self, clause: Clause) -> dict[tuple[int, str], tuple[int, ...]]:
        """Concepts said in several words ("between my legs"): the concept's key goes to
        the phrase's last word, and a match that uses it covers the whole phrase."""
        spans: dict[tuple[int, str], tuple[int, ...]] = {}
        for start in range(len(clause.words)):
            for key in clause.keys[start]:
                for keys, concept in self._concept_phrases.get(key, ()):
                    covered = phrase_at(clause, start, keys)
                    if covered:
                        last = covered[-1]
                        clause.keys[last] = clause.keys[last] | {concept}
                        spans[(last, concept)] = covered
        return spans

    def find(self, text: str) -> Finding | None:
        """The signs in `text`, their context not weighed: for tests of the matching."""
        clauses = self.clauses(text)
        tiers: dict[str, Tier] = {}
        for mention in self.mentions(clauses):
            tiers[mention.sign.name] = max(tiers.get(mention.sign.name, mention.tier),
                                           mention.tier)
        if not tiers:
            return None
        ranked = sorted(tiers, key=lambda name: -tiers[name])
        return Finding(tier=tiers[ranked[0]], signs=tuple(ranked))

    def mentions(self, clauses: Sequence[Clause]) -> list[Mention]:
        """Every sign said in the clauses, not negated and not excepted."""
        found: list[Mention] = []
        everywhere: set[str] = set()
        by_sentence: dict[int, set[str]] = {}
        # Concepts said in several words first, so a sign's `near` hears them anywhere in
        # the sentence ("won't be around" beside "I've made my peace").
        spans = [self._concept_spans(clause) for clause in clauses]
        for clause in clauses:
            for keys in clause.keys:
                everywhere |= keys
                by_sentence.setdefault(clause.sentence, set()).update(keys)
        for index, clause in enumerate(clauses):
            sentence = by_sentence[clause.sentence]
            for match in self._matches_in(clause, spans[index], sentence, everywhere):
                mention = Mention(match.phrasing.sign, index, match.positions,
                                  match.phrasing.keys)
                # One mention of a sign where it starts: its context reads the same.
                if not any(other.sign == mention.sign and other.clause == index
                           and other.positions[0] == mention.positions[0] for other in found):
                    found.append(mention)
        return found

    def _fits(self, sign: Sign, sentence: set[str], everywhere: set[str]) -> bool:
        """Whether the words a sign needs around it are there (`near`, `context`), and
        none that make it something else (`unless`)."""
        near, context, unless = self._needs[sign]
        return not ((near and not near & sentence) or (context and not context & everywhere)
                    or (unless and unless & sentence))

    def _named(self, names: Sequence[str]) -> frozenset[str]:
        concepts = {"{" + name + "}" for name in self.vocabulary.concepts}
        named = set()
        for name in names:
            concept = "{" + name + "}"
            named |= {concept} if concept in concepts else set(self.keys_of_text(name))
        return frozenset(named)

    def _matches_in(self, clause: Clause, spans: dict[tuple[int, str], tuple[int, ...]],
                    sentence: set[str], everywhere: set[str]
                    ) -> list[Match]:
        where: dict[str, list[int]] = {}
        for position, keys in enumerate(clause.keys):
            for key in keys:
                where.setdefault(key, []).append(position)
        counted = counted_positions(clause)
        unnegated: list[Match] = []
        filed = sorted({index for key in where for index in self._filed.get(key, ())})
        for phrasing in (self._phrasings[index] for index in filed):
            if not all(key in where for key in phrasing.keys):
                continue
            match = tightest(phrasing, where, counted, clause, self.negations, spans)
            if match is None:
                continue
            clause.sign_words = True
            if not self._fits(phrasing.sign, sentence, everywhere):
                continue
            excluded: set[int] = set()
            for _ in range(_EXCEPTED_RETRIES):
                if match is None or not self._excepted(clause, match):
                    break
                # An exception covers its own words only: "bee hives ... come up in hives
                # all over" is read again without the first "hives".
                excluded.update(match.positions)
                left = {key: [place for place in where[key] if place not in excluded]
                        for key in phrasing.keys}
                match = tightest(phrasing, left, counted, clause, self.negations, spans) \
                    if all(left.values()) else None
            else:
                match = None
            if match is not None:
                unnegated.append(match)
        found = [match for match in unnegated
                 if not self._negates_another(match, clause, unnegated)
                 and not self._negation.negated(clause, match)]
        return drop_contained(found, counted, clause)

    def _negates_another(self, match: Match, clause: Clause, matches: Sequence[Match]
                         ) -> bool:
        """A phrasing's own negation that is really another phrasing's, said right after
        it, when that phrasing says the sign whole: "not short of breath" is no "not ...
        breath" (can't breathe) but "short of breath" negated ("can not get my breath",
        "can not hardly breathe" and "not know what year it is" stay)."""
        if match.phrasing.keys[0] not in self.negations or len(match.phrasing.keys) < 2:
            return False
        start, end = match.positions[0], match.positions[-1]
        following = next((position for position in range(start + 1, end + 1)
                          if not clause.filler[position]), None)
        return any(other.positions[0] == following and other.positions[-1] <= end
                   and clause.words[following] in _SAID_WHOLE
                   for other in matches if other is not match)

    def _excepted(self, clause: Clause, match: Match) -> bool:
        low, high = match.positions[0], match.positions[-1]
        following = high + 1
        if low and clause.words[low - 1] in DETERMINERS and following < len(clause.words) \
                and following not in clause.part_starts \
                and self._noun_heads.at(clause.words, following):
            return True  # "my seizure meds", "the chest pain clinic" (not "crushing chest
            #              pain tablets not working")
        return self._exceptions[match.phrasing.sign].cover(clause, match)

    def resolution_at(self, clause: Clause, position: int) -> bool:
        """Words at `position` saying something has passed (`negation.py`)."""
        return self._negation.resolution_at(clause, position)

__all__ = ["Finding", "Mention", "Sign", "Tier", "WarningSigns"]
