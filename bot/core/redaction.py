"""One redaction for everything the bot writes out: log lines (tracebacks included), the
command line's answers (`run`, `check`, `migrate`, the import, `backup`), and errors.

A secret is blanked however it comes back to us: as given, in any case (a proxy that
lowercases paths), URL-encoded (`123%3AAbC`), or, for a bot token, its secret half alone;
anything shaped like a bot token is blanked even when it is not ours (a token pasted into
the wrong setting); and a password in a URL is replaced.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.core.settings import redact_url

REDACTED = "[redacted]"
# A bot token: the bot's id, a colon (or its URL encoding) and 30 or more letters.
_TOKEN_SHAPED = re.compile(r"\d{5,}(?::|%3A)[A-Za-z0-9_-]{30,}", re.IGNORECASE)
# The secret half of a token is this long at least before it is looked for alone.
_SECRET_HALF_AT_LEAST = 20


def secret_forms(secret: str) -> list[str]:
    """The ways a secret can come back: as given, URL-encoded, and a token's secret half."""
    forms = {secret, quote(secret, safe=""), quote(secret)}
    bot_id, colon, half = secret.partition(":")
    if colon and bot_id.isdigit() and len(half) >= _SECRET_HALF_AT_LEAST:
        forms.add(half)
    return sorted((form for form in forms if form), key=len, reverse=True)


class Redactor:
    """Blanks the given secrets, in every form, in any text."""

    def __init__(self, secrets: list[str]) -> None:
        forms = [form for secret in secrets if secret for form in secret_forms(secret)]
        self._pattern = re.compile("|".join(re.escape(form) for form in forms),
                                   re.IGNORECASE) if forms else None

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        return redact_url(_TOKEN_SHAPED.sub(REDACTED, text))


def redact(text: str, secrets: list[str]) -> str:
    return Redactor(secrets)(text)
