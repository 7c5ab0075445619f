"""Matching a patient's own words to an FAQ topic, or to nothing: keywords, the shape of
the question, and typo-tolerant words.

Each topic's words are weighted by where they come from (a keyword says more than a word
in the answer) and by how rare they are across topics (every topic mentions acupuncture,
so that word decides nothing). The example questions also give pairs of words that carry
the question's shape ("how long", "does it hurt", "what is"), found even among small
words. Words in the sentences that ask count fully; the story around them ("my daughter
booked me in") counts half. Words not in the vocabulary are matched fuzzily, so
"acupunture" and "brusing" still count.

The clinic also lists what the FAQ does not answer (`left_to_staff` in faq.yaml: prices,
opening hours, parking, ...): a question that fits one of those as well as any topic gets
no topic, and so goes to a person, rather than the nearest topic.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz, process

from bot.understanding.topics import LeftToStaff, Topic

KEYWORD_WEIGHT = 3.0
QUESTION_WEIGHT = 2.0
TITLE_WEIGHT = 2.0
ANSWER_WEIGHT = 0.6
# A pair of neighbouring words from an example question ("how long", "does it hurt").
PAIR_WEIGHT = 0.6
# A phrase keyword ("lower back") found whole is worth more than its words apart.
PHRASE_BONUS = 1.5
# A question worded almost like one of a topic's example questions.
QUESTION_MATCH_BONUS = 6.0
QUESTION_MATCH_CUTOFF = 85.0
FUZZY_CUTOFF = 84.0
MIN_FUZZY_LENGTH = 4
# Short words are alike more easily ("feet" and "fee"): a closer likeness is needed.
SHORT_WORD = 5
SHORT_FUZZY_CUTOFF = 88.0
# Words outside the sentences that ask count this much.
STORY_WEIGHT = 0.5
# Tuned on the questions in tests/test_faq_search.py and the evaluation's tuning set: one
# clear keyword clears it, a lone word from an answer does not.
MIN_SCORE = 3.0
# A runner-up this close to the best is offered as "did you mean".
CLOSE_RATIO = 0.55
# A question that fits something the FAQ leaves to staff this well, against the best
# topic, goes to staff.
LEFT_TO_STAFF_RATIO = 0.5

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
        "know", "want", "wanted", "like", "going", "go", "help", "actually", "exactly",
        "tho", "though", "honestly", "genuinely", "bit", "lot", "quite", "anyway", "sorry",
    )
)
# Words that open a sentence that asks.
_ASKING = frozenset({"what", "whats", "how", "why", "when", "where", "which", "who", "is",
                     "are", "can", "could", "do", "does", "did", "will", "would", "should",
                     "may", "am", "has", "have", "any", "anything"})

_WORD = re.compile(r"[a-z0-9]+")
_ANY_WORD = re.compile(r"[^\W_]+")  # in any script: Cyrillic, Arabic, Chinese...
_SENTENCE_END = re.compile(r"(?<=[.!?\n。！？؟])")
# Scripts written without spaces between words: kana, CJK ideographs, Thai.
# (the word-list reader, lexicon.py, reads them by character too).
UNSPACED_SCRIPTS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f"
_UNSPACED = re.compile(f"[{UNSPACED_SCRIPTS}]+")
_PIECES = re.compile(f"[{UNSPACED_SCRIPTS}]+|[^{UNSPACED_SCRIPTS}]+")


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces, accents and punctuation removed; in
    a script written without spaces, each character and each pair of neighbours is a
    word ("针灸疼吗": 针 灸 疼 吗 针灸 灸疼 疼吗)."""
    if text.isascii():
        plain = text.lower()  # the same, for most messages, without a step per letter
        return " ".join(_WORD.findall(plain.replace("'", "")))
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    found = _ANY_WORD.findall(plain.replace("'", ""))
    if not any(_UNSPACED.search(word) for word in found):
        return " ".join(found)
    words = []
    for word in found:
        for piece in _PIECES.findall(word):
            if _UNSPACED.fullmatch(piece):
                words += [*piece, *(one + two for one, two in pairwise(piece))]
            else:
                words.append(piece)
    return " ".join(words)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stemmer: enough to make hurts/hurting/hurt and bruise/bruising meet."""
    for suffix in ("ness", "ing", "ies", "es", "ed", "ly", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word


def content_words(text: str) -> list[str]:
    return [stem(word) for word in normalize(text).split() if word not in STOPWORDS]


def pairs_of(text: str) -> list[str]:
    """Neighbouring pairs of words with a small word among them: the shape of a question
    ("how long", "does it", "what will")."""
    words = normalize(text).split()
    return [f"{stem(one)} {stem(two)}" for one, two in pairwise(words)
            if one in STOPWORDS or two in STOPWORDS]


def weighted_sentences(text: str) -> list[tuple[str, float]]:
    """The sentences of a message, those that ask at full weight and the rest (the story
    around a question) at `STORY_WEIGHT`; all at full weight when none asks."""
    sentences = [part for part in _SENTENCE_END.split(text) if part.strip()]
    asking = [part.strip().endswith("?") or normalize(part).split()[:1] in (
        [word] for word in _ASKING) for part in sentences]
    if not any(asking):
        return [(part, 1.0) for part in sentences]
    return [(part, 1.0 if asks else STORY_WEIGHT)
            for part, asks in zip(sentences, asking, strict=True)]


@dataclass(frozen=True)
class Match:
    """The answer to a typed question: the best topic and any close runners-up."""

    topic: Topic | None
    alternatives: tuple[Topic, ...]
    score: float
    left_to_staff: str | None = None  # what the FAQ leaves to staff, when that fits best


class FaqMatcher:
    """An index over the FAQ topics, built once when the content is loaded."""

    def __init__(self, topics: Sequence[Topic], left_to_staff: Sequence[LeftToStaff] = (),
                 spelled_out: Sequence[tuple[str, str]] = ()) -> None:
        """`spelled_out`: texting shorthand and what it means ("wat", "what"), read as the
        warning-sign reader reads it (content/reading.yaml)."""
        self._shorthand = {normalize(typed): meant for typed, meant in spelled_out}
        self._shorthand_pattern = re.compile(
            r"\b(" + "|".join(re.escape(typed) for typed in sorted(
                self._shorthand, key=len, reverse=True)) + r")\b") if self._shorthand else None
        self._topics = tuple(topics)
        self._left = tuple(left_to_staff)
        # Index i < len(topics) is a topic; after them, what the FAQ leaves to staff.
        count = len(self._topics) + len(self._left)
        # word -> {index: weight}
        self._weights: dict[str, dict[int, float]] = defaultdict(dict)
        # normalized phrase -> {index: weight}
        self._phrases: dict[str, dict[int, float]] = defaultdict(dict)
        self._pairs: dict[str, dict[int, float]] = defaultdict(dict)
        for index, topic in enumerate(self._topics):
            self._add(index, [topic.title], TITLE_WEIGHT)
            self._add(index, topic.questions, QUESTION_WEIGHT)
            self._add(index, topic.keywords, KEYWORD_WEIGHT)
            self._add(index, [topic.answer], ANSWER_WEIGHT)
            self._add_phrases(index, topic.keywords)
            for question in topic.questions:
                for pair in pairs_of(question):
                    self._pairs[pair][index] = PAIR_WEIGHT
        for offset, left in enumerate(self._left):
            index = len(self._topics) + offset
            # Only whole: "what time" must not make every "time" a question of hours.
            self._add(index, [word for word in left.keywords if " " not in normalize(word)],
                      KEYWORD_WEIGHT)
            self._add_phrases(index, left.keywords, any_words=True)
        self._questions = [
            (normalize(question), index)
            for index, topic in enumerate(self._topics)
            for question in topic.questions
        ]
        self._idf = {
            word: math.log(1 + count / len(per_topic)) for word, per_topic in self._weights.items()
        }
        self._pair_idf = {
            pair: math.log(1 + count / len(per_topic)) for pair, per_topic in self._pairs.items()
        }
        self._vocabulary = list(self._weights)
        self._phrases_by_first: dict[str, list[str]] = defaultdict(list)
        for phrase in self._phrases:
            self._phrases_by_first[phrase.split()[0]].append(phrase)
        # Words met before and the vocabulary words they resemble.
        self._seen: dict[str, list[tuple[str, float]]] = {}

    def _add(self, index: int, texts: Iterable[str], weight: float) -> None:
        for text in texts:
            for word in content_words(re.sub(r"<[^>]+>", " ", text)):
                per_topic = self._weights[word]
                per_topic[index] = max(per_topic.get(index, 0.0), weight)

    def _add_phrases(self, index: int, keywords: Iterable[str], *, any_words: bool = False
                     ) -> None:
        for keyword in keywords:
            phrase = normalize(keyword)
            # "what is" alone says nothing of a topic; a phrase needs a word of substance.
            # What the FAQ leaves to staff may be small words: "how much", "what time".
            if " " in phrase and (any_words or content_words(phrase)):
                self._phrases[phrase][index] = KEYWORD_WEIGHT * PHRASE_BONUS

    def _spelled(self, text: str) -> str:
        if self._shorthand_pattern is None:
            return text
        return self._shorthand_pattern.sub(lambda found: self._shorthand[found.group(1)],
                                           text.lower())

    def _totals(self, text: str) -> list[float]:
        text = self._spelled(text)
        totals = [0.0] * (len(self._topics) + len(self._left))
        seen: dict[str, float] = {}
        phrases: dict[str, float] = {}
        sentences = weighted_sentences(text)
        for sentence, weight in sentences:
            for word in content_words(sentence):
                seen[word] = max(seen.get(word, 0.0), weight)
            # What the FAQ leaves to staff counts as much as the sentence it is in: "my
            # physio mentioned it" around "what is acupuncture?" is the story, not what is
            # asked (a topic's phrase in the story still tells what it is about).
            said = f" {normalize(sentence)} "
            for word in set(said.split()):
                for phrase in self._phrases_by_first.get(word, ()):
                    if f" {phrase} " in said:
                        phrases[phrase] = max(phrases.get(phrase, 0.0), weight)
        for word, weight in seen.items():
            for known, similarity in self._similar_words(word):
                for index, topic_weight in self._weights[known].items():
                    totals[index] += self._idf[known] * topic_weight * similarity * weight
        topics = len(self._topics)
        for phrase, sentence_weight in phrases.items():
            for index, weight in self._phrases[phrase].items():
                totals[index] += weight * (sentence_weight if index >= topics else 1.0)
        padded = f" {normalize(text)} "
        for pair in set(pairs_of(text)):
            for index, weight in self._pairs.get(pair, {}).items():
                totals[index] += self._pair_idf[pair] * weight
        # The whole message, or the sentence that asks, close to one of the FAQ's own
        # questions: "what even is acupuncture? my physio mentioned it".
        asked = {padded.strip()} | {normalize(sentence).strip() for sentence, weight in sentences
                                    if weight == 1.0 and len(sentences) > 1}
        best_question = max(
            (found for found in (process.extractOne(
                candidate, [question for question, _ in self._questions],
                scorer=fuzz.ratio, score_cutoff=QUESTION_MATCH_CUTOFF) for candidate in asked)
             if found is not None), key=lambda found: found[1], default=None)
        if best_question is not None:
            totals[self._questions[best_question[2]][1]] += QUESTION_MATCH_BONUS
        return totals

    def scores(self, text: str) -> list[tuple[float, Topic]]:
        """Every topic with a positive score, best first."""
        totals = self._totals(text)
        ranked = [(score, topic) for score, topic in zip(totals, self._topics, strict=False)]
        return sorted((pair for pair in ranked if pair[0] > 0), key=lambda pair: -pair[0])

    def _similar_words(self, word: str) -> list[tuple[str, float]]:
        if word in self._weights:
            return [(word, 1.0)]
        if len(word) < MIN_FUZZY_LENGTH:
            return []
        known = self._seen.get(word)
        if known is None:
            known = self._fuzzy(word)
            if len(self._seen) < 20_000:
                self._seen[word] = known
        return known

    def _fuzzy(self, word: str) -> list[tuple[str, float]]:
        cutoff = SHORT_FUZZY_CUTOFF if len(word) <= SHORT_WORD else FUZZY_CUTOFF
        found = process.extract(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3
        )
        return [(known, score / 100.0) for known, score, _ in found]

    def match(self, text: str) -> Match:
        """The best topic for a typed question, or none when nothing fits well enough or
        it fits what the FAQ leaves to staff."""
        totals = self._totals(text)
        ranked = sorted(((score, topic) for score, topic in zip(totals, self._topics,
                                                                 strict=False) if score > 0),
                        key=lambda pair: -pair[0])
        left = max(((score, item.name) for score, item in zip(
            totals[len(self._topics):], self._left, strict=True)), default=(0.0, ""))
        if not ranked or ranked[0][0] < MIN_SCORE:
            return Match(topic=None, alternatives=(), score=ranked[0][0] if ranked else 0.0,
                         left_to_staff=left[1] if left[0] >= MIN_SCORE else None)
        best_score, best = ranked[0]
        if left[0] >= MIN_SCORE and left[0] >= LEFT_TO_STAFF_RATIO * best_score:
            return Match(topic=None, alternatives=(), score=best_score, left_to_staff=left[1])
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
