"""Logging that names ids, never a token, a password or a patient's words.

Every line written, tracebacks included, has the secrets it was given (the bot token, the
webhook secret, passwords) blanked in every form, and any password in a URL
(`bot/core/redaction.py`). Below DEBUG, an error that only says Telegram could not be
reached, or refused the token, is one line without its library traceback; the command
line explains it (`bot/__main__.py`).
"""

from __future__ import annotations

import logging

from telegram.error import InvalidToken, NetworkError

from bot.core.redaction import Redactor

# These libraries log request URLs (which contain the token) or whole updates (which
# contain patients' messages) below WARNING/INFO; they never get to.
# apscheduler logs two INFO lines for every job it adds and runs (a line per planned
# message, twice); the bot logs what each one did itself.
_QUIET = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO,
          "apscheduler": logging.WARNING, "aiosqlite": logging.INFO}


class RedactingFormatter(logging.Formatter):
    """A last line of defence: the whole line as written, traceback and all, without
    the secrets."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self._redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class OneLineForUnreachableTelegram(logging.Filter):
    """PTB logs a refused token or an unreachable Bot API with a library traceback of a
    hundred lines; the reason fits on the line. (At DEBUG the traceback stays.) The
    start-up retry loop's own "aborting" line goes: `python -m bot run` says it plainly."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, InvalidToken | NetworkError):
            if "(Bootstrap" in record.getMessage():
                return False
            record.msg = f"{record.getMessage()} ({error})"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    if logging.getLevelName(level) > logging.DEBUG:
        handler.addFilter(OneLineForUnreachableTelegram())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in _QUIET.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))
