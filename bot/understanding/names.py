"""Names written in capitals, for the reader's first step (`screen.py`): "the Stroke
Foundation fun run", "a play called The Fainting Goat", "my Swollen Members hoodie". A
sign's word inside such a name is no sign, so the name is read as one word no sign has.

Only a clear name is taken out: two or more capitalised words in a row, not opening a
sentence, said to be called so, opening with "The" or ending on a word for a body of people
or a place (and never on a sign's word, a body part, a person or a small word), with no
small word inside it but a leading "The" or "A", in a message that is not written with
capitals everywhere ("Chest Pain And Feeling Faint Since Lunch" is emphasis, not a name;
"a Suicide Plan" is no name). A name a message is signed with ("Regards,\nSiew Ling Tan")
is left out altogether (`unsigned`). Pure and synchronous.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

# What a name is read as: a word no list and no sign has.
NAME = "qqnameqq"
_WORD = re.compile(r"[^\W\d_][\w'’&-]*")
_SENTENCE_END = re.compile(r"[.!?\n]")
# Two capitalised words in a row: a message without them has no name to take out.
_TWO_CAPITALISED = re.compile(r"[A-Z][^\W\d_A-Z][\w'’&-]* [A-Z][^\W\d_A-Z]")
# A message with more of its words capitalised than this writes with capitals for emphasis.
_MOSTLY_CAPITALS = 0.3
# ... and one shorter than this is not judged.
_JUDGED_FROM = 6
_LEADING = frozenset({"the", "a", "an"})
# Capitalised in any message, so no sign of writing with capitals for emphasis.
_ALWAYS_CAPITALISED = frozenset({
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mondays",
    "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "i", "im", "ive", "id", "ill", "i'm", "i've", "i'd", "i'll"})
# A name is called so ("a book called The Fever Tree"), opens with a capitalised "The" ("at
# The Fainting Goat"), or ends with a word naming a body of people or a place ("the Stroke
# Foundation", "the Suicide Prevention Cafe"), not a symptom ("the Stroke Warning Signs",
# "a Suicide Plan", "a Thunderclap Headache").
_CALLED = frozenset({"called", "named", "titled", "entitled"})
_BODIES = frozenset({"foundation", "association", "society", "trust", "charity", "club", "cafe",
                     "café", "pub", "bar", "band", "appeal", "campaign", "fund", "league",
                     "team", "choir", "school", "college", "academy", "festival", "fun",
                     "marathon", "walk", "run", "week", "month", "day", "awareness", "network",
                     "alliance", "institute", "council", "group", "collective", "show",
                     "podcast", "magazine", "restaurant", "hotel", "inn", "arms", "tavern",
                     "street", "road", "lane", "avenue"})
# Nouns a sign's word is said with: "a Fainting Spell", "a Bleeding Episode".
_SAID_WITH = frozenset({"spell", "spells", "fit", "fits", "episode", "episodes", "attack",
                        "attacks", "turn", "turns", "feeling", "feelings", "sensation", "pain",
                        "pains", "ache", "aches", "problem", "problems", "issue", "issues",
                        "blood", "speech", "ideation", "thoughts", "activity", "breathing",
                        "breath", "vision", "sight", "bug", "virus", "reaction", "symptoms"})
# A line that signs a message off: the lines after it are the writer's name.
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:(?:kind|best|warm|warmest|many|with)[ \t]+)?(?:regards|wishes|thanks|"
    r"thank[ \t]+you|cheers|sincerely|yours(?:[ \t]+(?:sincerely|truly|faithfully))?|love|"
    r"blessings|take[ \t]+care)[ \t]*[,.!]*[ \t]*$", re.IGNORECASE | re.MULTILINE)
# ... and a word of that name: capitalised, an initial's dot or an apostrophe allowed
# ("Mrs.", "O'Neill"), on at most this many lines of at most this many words each.
_NAME_WORD = re.compile(r"[A-Z][^\W\d_]*[.'’-]?[^\W\d_]*\.?$")
_SIGNATURE_LINES = 2
_SIGNATURE_WORDS = 4


def unsigned(text: str, sign_word: Callable[[str], bool], plain: Collection[str]) -> str:
    """`text` without the name it is signed with ("Regards,\nSiew Ling Tan"): a name read
    word by word can look like a typo of a sign's word ("Siew" for "spew"). No name has a
    word of `plain` (small words, people, parts of the body) or, as written, of a sign
    (`sign_word`): "Love,\nI Cant Breathe" and "Thanks\nBreathless Wheezing" stay."""
    ends = list(_SIGN_OFF.finditer(text))
    if not ends:
        return text  # most messages
    after = text[ends[-1].end():].strip().splitlines()
    if after and len(after) <= _SIGNATURE_LINES and all(
            len(line.split()) <= _SIGNATURE_WORDS
            and all(_NAME_WORD.match(word) and _plain_name(word.lower(), sign_word, plain)
                    for word in line.split()) for line in after):
        return text[:ends[-1].end()]
    return text


def _plain_name(word: str, sign_word: Callable[[str], bool], plain: Collection[str]) -> bool:
    word = re.sub(r"\W", "", word)
    return word not in plain and not sign_word(word)


def unnamed(text: str, sign_word: Callable[[str], bool], plain: Collection[str]) -> str:
    """`text` with its names read as one word. `sign_word`: whether a word alone says a
    sign; `plain`: words that end no name (small words, people, parts of the body)."""
    if not _TWO_CAPITALISED.search(text):
        return text  # most messages
    words = list(_WORD.finditer(text))
    if len(words) < _JUDGED_FROM:
        return text
    opening = [index == 0 or bool(_SENTENCE_END.search(
        text[words[index - 1].end():word.start()])) for index, word in enumerate(words)]
    capital = [_capitalised(word.group()) for word in words]
    inside = [index for index in range(len(words)) if not opening[index]]
    if sum(capital[index] and words[index].group().lower() not in _ALWAYS_CAPITALISED
           for index in inside) > _MOSTLY_CAPITALS * len(inside):
        return text
    out, done = [], 0
    for start, end in _runs(text, words, capital, opening):
        before = words[start - 1].group().lower() if start else ""
        names = [word.group().lower() for word in words[start:end]]
        if not (before in _CALLED or names[0] in _LEADING or names[-1] in _BODIES):
            continue  # "my husband keeps Vomiting Blood", "I have a Suicide Plan"
        small_inside = any(name in plain for name in names[1:-1]) or (
            names[0] in plain and names[0] not in _LEADING)
        last = names[-1]
        if small_inside or last in plain or last in _SAID_WITH or last.endswith("ly") \
                or len(last) < 3 or sign_word(last) or not (
                    any(sign_word(name) for name in names[:-1])
                    or sign_word(" ".join(names[:-1]))):
            continue
        out += [text[done:words[start].start()], NAME]
        done = words[end - 1].end()
    return "".join([*out, text[done:]]) if out else text


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _runs(text: str, words: list[re.Match[str]], capital: list[bool],
          opening: list[bool]) -> list[tuple[int, int]]:
    """Runs of two or more capitalised words with only spaces between them, a sentence's
    first word left out."""
    runs, start = [], None
    for index in range(len(words) + 1):
        joined = index < len(words) and capital[index] and not (
            start is None and opening[index]) and (
            start is None or text[words[index - 1].end():words[index].start()] == " ")
        if joined and start is None:
            start = index
        elif not joined and start is not None:
            if index - start >= 2:
                runs.append((start, index))
            start = index if index < len(words) and capital[index] and not opening[index] \
                else None
    return runs
