"""Small typos in a sign's words, forgiven: "feaver" is "fever", "dizy" is "dizzy", "hurst"
is "hurts". Never when the word is a correctly spelled word of its own: "fewer" is not
"fever", and "wellness" (a word of the clinic's own texts) is not "weakness".

Pure and synchronous; built once with the warning signs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.understanding.sign_parts import allowed_edits
from bot.understanding.words import REAL_WORDS, same_start, stem, words_of


class Typos:
    """What a misspelt word may have meant, among the words that lead to a warning sign."""

    def __init__(self, targets: Mapping[str, str], known_texts: Iterable[str]) -> None:
        """`targets`: each word or stem a typo is compared with, and the key it stands
        for. `known_texts`: texts whose words are never typos."""
        self._targets = dict(targets)
        self._known_texts = tuple(known_texts)
        self._by_first: dict[str, list[str]] = {}
        for target in sorted(self._targets):
            self._by_first.setdefault(target[:1], []).append(target)

    def meant(self, word: str) -> set[str]:
        """The keys `word` is a typo of (in another script: an inflection of), if any. A
        short word allows fewer edits, whatever it is compared with: "anna" is no
        "angina"."""
        candidates = self._by_first.get(word[:1], [])
        found: set[str] = set()
        for form in {word, stem(word)}:
            found |= {target for target, distance, _ in process.extract(
                form, candidates, scorer=OSA.distance, score_cutoff=2, limit=None)
                if distance <= min(allowed_edits(target), allowed_edits(form))}
            if not form.isascii():
                found |= {target for target in candidates if same_start(form, target)}
        if found and (word in self._known or (word.isascii() and word in REAL_WORDS)):
            return set()  # a real word of its own, not a typo
        return {self._targets[target] for target in found}

    @cached_property
    def _known(self) -> frozenset[str]:
        # Read only at the first near miss: most messages never need it.
        return frozenset(word for text in self._known_texts for word in words_of(text))
