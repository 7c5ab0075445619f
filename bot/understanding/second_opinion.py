"""A second opinion on whether a message reports a warning sign: a small linear model
trained in this repository on the labelled messages of tests/eval/tuning/
(`python -m tests.eval.train`), shipped in bot/data/, no download, read in milliseconds.

It sees only words and pairs of words, so it knows nothing of who or when; the rules
(`warning_signs.py`, `context.py`, `policy.py`) stay the first line, and the model is
asked only about messages the rules found no sign in at all. When it is confident of a
sign there, the message is not left to the FAQ (`policy.py`): an emergency gets the
one-tap question, anything else the same-day answer.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path

from bot.understanding.words import stem

MODEL_FILE = "data/second_opinion.json.gz"
CLASSES = ("none", "same_day", "emergency")


def features(words: Sequence[str]) -> set[str]:
    """What the model sees of a message: its stemmed words and each pair of neighbours."""
    stems = [stem(word) for word in words]
    return {*stems, *(f"{one}_{two}" for one, two in pairwise(stems))}


@dataclass(frozen=True)
class Opinion:
    none: float
    same_day: float
    emergency: float

    @property
    def warning(self) -> float:
        return self.same_day + self.emergency


class SecondOpinion:
    """The trained weights: a score per class for each feature, and a bias."""

    def __init__(self, weights: Mapping[str, Sequence[float]], bias: Sequence[float]) -> None:
        self._weights = weights
        self._bias = tuple(bias)

    @classmethod
    def packaged(cls) -> SecondOpinion | None:
        """The model shipped in bot/data, or None when there is none."""
        path = resources.files("bot").joinpath(MODEL_FILE)
        if not path.is_file():
            return None
        return cls.from_bytes(path.read_bytes())

    @classmethod
    def from_bytes(cls, packed: bytes) -> SecondOpinion:
        data = json.loads(gzip.decompress(packed))
        return cls(data["weights"], data["bias"])

    def to_bytes(self) -> bytes:
        data = {"classes": CLASSES, "bias": list(self._bias),
                "weights": dict(sorted(self._weights.items()))}
        return gzip.compress(json.dumps(data, separators=(",", ":")).encode(), mtime=0)

    def save(self, path: Path) -> None:
        path.write_bytes(self.to_bytes())

    def weigh(self, words: Iterable[str]) -> Opinion:
        scores = list(self._bias)
        for feature in features(list(words)):
            for index, weight in enumerate(self._weights.get(feature, ())):
                scores[index] += weight
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        return Opinion(*(value / total for value in exps))
