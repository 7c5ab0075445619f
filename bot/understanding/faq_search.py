"""Matching a patient's own words to an FAQ topic: keywords, phrases and typo-tolerant words.

Each topic's words are weighted by where they come from (a keyword says more than a word
in the answer) and by how rare they are across topics (every topic mentions acupuncture,
so that word decides nothing). Words not in the vocabulary are matched fuzzily, so
"acupunture" and "brusing" still count.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.texts.content import Topic

KEYWORD_WEIGHT = 3.0
QUESTION_WEIGHT = 2.0
TITLE_WEIGHT = 2.0
ANSWER_WEIGHT = 0.6
# A phrase keyword ("lower back") found whole is worth more than its words apart.
PHRASE_BONUS = 1.5
# A question worded almost like one of a topic's example questions.
QUESTION_MATCH_BONUS = 6.0
QUESTION_MATCH_CUTOFF = 85.0
FUZZY_CUTOFF = 84.0
MIN_FUZZY_LENGTH = 4
# Tuned on the questions in tests/test_faq_search.py: one clear keyword clears it, a
# lone word from an answer does not.
MIN_SCORE = 3.0
# A runner-up this close to the best is offered as "did you mean".
CLOSE_RATIO = 0.55

STOPWORDS = frozenset(
    (
        "a", "an", "the", "is", "it", "its", "i", "im", "i'm", "me", "my", "mine", "we",
        "our", "us", "you", "your", "yours", "he", "she", "they", "them", "do", "does",
        "did", "doing", "done", "can", "could", "will", "would", "should", "shall", "may",
        "might", "must", "be", "been", "being", "am", "are", "was", "were", "what", "whats",
        "what's", "how", "when", "where", "which", "who", "whom", "why", "there", "here",
        "this", "that", "these", "those", "to", "of", "in", "on", "at", "by", "for", "with",
        "from", "about", "as", "into", "over", "after", "before", "so", "if", "or", "and",
        "but", "not", "no", "yes", "any", "some", "much", "many", "very", "really", "just",
        "also", "too", "than", "then", "get", "got", "have", "has", "had", "having",
        "there's", "please", "thanks", "thank", "hi", "hello", "hey", "ok", "okay", "tell",
        "know", "want", "wanted", "like", "going", "go", "help",
    )
)

_WORD = re.compile(r"[a-z0-9]+")


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces, accents and punctuation removed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(plain.replace("'", "")))


def stem(word: str) -> str:
    """A light English stemmer: enough to make hurts/hurting/hurt and bruise/bruising meet."""
    for suffix in ("ness", "ing", "ies", "es", "ed", "ly", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word


def content_words(text: str) -> list[str]:
    return [stem(word) for word in normalize(text).split() if word not in STOPWORDS]


@dataclass(frozen=True)
class Match:
    """The answer to a typed question: the best topic and any close runners-up."""

    topic: Topic | None
    alternatives: tuple[Topic, ...]
    score: float


class FaqMatcher:
    """An index over the FAQ topics, built once when the content is loaded."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self._topics = tuple(topics)
        # word -> {topic index: weight}
        self._weights: dict[str, dict[int, float]] = defaultdict(dict)
        # normalized phrase -> {topic index: weight}
        self._phrases: dict[str, dict[int, float]] = defaultdict(dict)
        for index, topic in enumerate(self._topics):
            self._add(index, [topic.title], TITLE_WEIGHT)
            self._add(index, topic.questions, QUESTION_WEIGHT)
            self._add(index, topic.keywords, KEYWORD_WEIGHT)
            self._add(index, [topic.answer], ANSWER_WEIGHT)
            for keyword in topic.keywords:
                phrase = normalize(keyword)
                # "what is" alone says nothing; a phrase needs a word of substance.
                if " " in phrase and content_words(phrase):
                    self._phrases[phrase][index] = KEYWORD_WEIGHT * PHRASE_BONUS
        self._questions = [
            (normalize(question), index)
            for index, topic in enumerate(self._topics)
            for question in topic.questions
        ]
        count = len(self._topics)
        self._idf = {
            word: math.log(1 + count / len(per_topic)) for word, per_topic in self._weights.items()
        }
        self._vocabulary = list(self._weights)

    def _add(self, index: int, texts: Iterable[str], weight: float) -> None:
        for text in texts:
            for word in content_words(re.sub(r"<[^>]+>", " ", text)):
                per_topic = self._weights[word]
                per_topic[index] = max(per_topic.get(index, 0.0), weight)

    def scores(self, text: str) -> list[tuple[float, Topic]]:
        """Every topic with a positive score, best first."""
        totals = [0.0] * len(self._topics)
        for word in set(content_words(text)):
            for known, similarity in self._similar_words(word):
                for index, weight in self._weights[known].items():
                    totals[index] += self._idf[known] * weight * similarity
        padded = f" {normalize(text)} "
        for phrase, per_topic in self._phrases.items():
            if f" {phrase} " in padded:
                for index, weight in per_topic.items():
                    totals[index] += weight
        best_question = process.extractOne(
            padded.strip(), [question for question, _ in self._questions],
            scorer=fuzz.ratio, score_cutoff=QUESTION_MATCH_CUTOFF,
        )
        if best_question is not None:
            totals[self._questions[best_question[2]][1]] += QUESTION_MATCH_BONUS
        ranked = [(score, topic) for score, topic in zip(totals, self._topics, strict=True)]
        return sorted((pair for pair in ranked if pair[0] > 0), key=lambda pair: -pair[0])

    def _similar_words(self, word: str) -> list[tuple[str, float]]:
        if word in self._weights:
            return [(word, 1.0)]
        if len(word) < MIN_FUZZY_LENGTH:
            return []
        found = process.extract(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
        )
        return [(known, score / 100.0) for known, score, _ in found]

    def match(self, text: str) -> Match:
        """The best topic for a typed question, or none when nothing fits well enough."""
        ranked = self.scores(text)
        if not ranked or ranked[0][0] < MIN_SCORE:
            return Match(topic=None, alternatives=(), score=ranked[0][0] if ranked else 0.0)
        best_score, best = ranked[0]
        close = tuple(
            topic for score, topic in ranked[1:3]
            if score >= MIN_SCORE and score >= CLOSE_RATIO * best_score
        )
        return Match(topic=best, alternatives=close, score=best_score)

    def search(self, words: str) -> list[Topic]:
        """Topics that fit the words of a `/faq words` search, best first."""
        ranked = self.scores(words)
        if not ranked:
            return []
        floor = max(1.0, ranked[0][0] * 0.35)
        return [topic for score, topic in ranked if score >= floor]
