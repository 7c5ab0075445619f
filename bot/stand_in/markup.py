"""Telegram's HTML parse mode, parsed the way the Bot API does, independently of the bot's
own checker, so the tests catch what Telegram would refuse."""

from __future__ import annotations

import html
import re

SUPPORTED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
             "tg-spoiler", "span", "blockquote", "tg-emoji"}
_TOKEN = re.compile(
    r"<(?P<close>/?)(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>\s[^<>]*)?>"
    r"|&(?P<entity>[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);"
    r"|(?P<bare>[<&])"
)
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityError(ValueError):
    """The text cannot be parsed; the message is Telegram's wording."""


def parse_html(text: str) -> str:
    """The plain text a patient would see; raises EntityError where Telegram answers 400."""
    plain: list[str] = []
    stack: list[str] = []
    position = 0
    for token in _TOKEN.finditer(text):
        plain.append(text[position:token.start()])
        position = token.end()
        offset = len(text[: token.start()].encode("utf-8"))
        if token.group("bare"):
            raise EntityError(f"can't parse entities: unexpected {token.group('bare')!r} "
                              f"at byte offset {offset}")
        if token.group("entity"):
            plain.append(_entity(token.group("entity"), offset))
            continue
        tag = token.group("tag").lower()
        if tag not in SUPPORTED:
            raise EntityError(f'can\'t parse entities: Unsupported start tag "{tag}" at byte '
                              f"offset {offset}")
        if token.group("close"):
            if not stack or stack[-1] != tag:
                raise EntityError(f'can\'t parse entities: Unmatched end tag at byte offset '
                                  f'{offset}, expected "</{stack[-1] if stack else ""}>", '
                                  f'found "</{tag}>"')
            stack.pop()
        else:
            stack.append(tag)
    plain.append(text[position:])
    if stack:
        raise EntityError(f'can\'t parse entities: Can\'t find end tag corresponding to start '
                          f'tag "{stack[-1]}"')
    return "".join(plain)


def _entity(name: str, offset: int) -> str:
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    if name in _NAMED:
        return _NAMED[name]
    raise EntityError(f"can't parse entities: Unknown entity &{name}; at byte offset {offset}")


def utf16_length(text: str) -> int:
    """Telegram measures message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def unescape(text: str) -> str:
    return html.unescape(text)
