"""Where a sentence goes on across a break: a line broken mid-sentence ("words coming out
all\njumbled"), a few words after "..." ("my chest ... so tight,"), or a word or two cut
off by a full stop ("now cant get. my breath."). The reader reads a message as written
and, when it has such a break, once more joined (`bot/understanding/screen.py`); a sign
heard only across a break wins, so joining can add a sign but never take one away (a
break often does end a thought: "laughing at the telly... then he collapsed").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.understanding.words import HARD_BREAK

# How much of the next line is read to tell whether it opens a sentence of its own.
_OPENING_REACH = 40
# Words: a message with a line this short is a list ("chest\ntight\ncan't breathe"),
# which the clause splitter reads as one; its lines are not joined.
_FRAGMENT_LINE = 2
# Words after "..." that still belong to the thought before it ("... so tight,").
_TRAILING_WORDS = 3
# A line break with no mark before it and a small letter after it.
_SOFT_LINE_BREAK = re.compile(r"(?<=[^\W_]|,)[ \t]*\r?\n\s*(?=[a-z])")
_GOING_ON = re.compile(r"(?<=[^\W_])[ \t]*(?:\.{3,}|\u2026)[ \t]*(?=[a-z])")
_UNTIL_A_MARK = re.compile(r"[^.,;:!?\n\u2026]*")
# Where a join was made, until the sentences it made are known.
_JOIN = "\x00"
# A full stop before a sentence of one or two words: "now cant get. my breath."
_CUT_SHORT = re.compile(
    r"(?<=[^\W_])\.[ \t]+(?=[^\W_]+(?:[ \t]+[^\W_]+)?[ \t]*(?:[.!?\n]|$))")


@dataclass(frozen=True)
class Joined:
    """A message joined where its sentences go on: the whole `text`, and the `sentences`
    a join made (enough to tell whether joining hears a new sign)."""

    text: str
    sentences: tuple[str, ...]


def joined(text: str, opens_anew: Callable[[str], bool]) -> Joined | None:
    """`text` with its sentences joined where they go on, or None when none does;
    `opens_anew(start)` says whether the words starting a line open a sentence of their
    own ("is it normal ...", "my chest hurts"), which is then not joined to the line
    before."""
    marked = _marked(text, opens_anew)
    if _JOIN not in marked:
        return None
    sentences = tuple(sentence.replace(_JOIN, " ") for sentence in HARD_BREAK.split(marked)
                      if _JOIN in sentence)
    return Joined(marked.replace(_JOIN, " "), sentences)


def _marked(text: str, opens_anew: Callable[[str], bool]) -> str:
    """`text` with `_JOIN` wherever a sentence goes on across a break."""
    text = text.replace(_JOIN, "")

    def unbroken(found: re.Match[str]) -> str:
        following = found.string[found.end():found.end() + _OPENING_REACH]
        return found.group() if opens_anew(following) else _JOIN

    def trails_off(found: re.Match[str]) -> str:
        going_on = _UNTIL_A_MARK.match(found.string, found.end())
        short = going_on is not None and len(going_on.group().split()) <= _TRAILING_WORDS
        return unbroken(found) if short else found.group()

    if "..." in text or "\u2026" in text:
        text = _GOING_ON.sub(trails_off, text)
    if ". " in text:
        text = _CUT_SHORT.sub(_JOIN, text)
    if "\n" in text and not any(
            0 < len(line.split()) <= _FRAGMENT_LINE for line in text.splitlines()):
        text = _SOFT_LINE_BREAK.sub(unbroken, text)
    return text
