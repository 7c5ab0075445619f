"""Telegram's HTML parse mode: escaping values, and checking clinic-written markup."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Tags Telegram accepts in parse_mode=HTML; anything else makes it reject the message.
ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
     "tg-spoiler", "span", "blockquote", "tg-emoji"}
)

_BARE_AMPERSAND = re.compile(r"&(?![A-Za-z]+;|#[0-9]+;|#x[0-9A-Fa-f]+;)")


def plain_text(markup: str) -> str:
    """What a Telegram HTML text reads as, for places without a parse mode (button toasts)."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def escape(value: object) -> str:
    """Make any value safe to place inside a Telegram HTML message."""
    return html.escape(str(value), quote=False)


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open_tags: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is not a tag Telegram accepts")
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            self.problems.append(f"</{tag}> does not close the tag opened before it")
            return
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self.problems.append("a bare < (write it as &lt;)")

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.problems.append(f"&{name}; is not an entity Telegram knows (write & as &amp;)")


def html_problem(text: str) -> str | None:
    """Return why Telegram would refuse this HTML, or None when it is fine."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    if checker.open_tags:
        checker.problems.append(f"<{checker.open_tags[-1]}> is never closed")
    if _BARE_AMPERSAND.search(text):
        checker.problems.append("a bare & (write it as &amp;)")
    return checker.problems[0] if checker.problems else None
