"""The FAQ's topics and what is left to staff, as the matcher reads them; loaded from
`content/<language>/faq.yaml` by `bot/texts/content.py`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """One FAQ topic: what patients ask, the words that point to it, and the answer."""

    id: str
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class LeftToStaff:
    """Something patients ask that the FAQ does not answer (prices, opening hours), so a
    question about it goes to a person rather than to the nearest topic."""

    name: str
    keywords: tuple[str, ...]
