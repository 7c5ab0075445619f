"""Logging that names ids, never a token or a patient's words."""

from __future__ import annotations

import logging

from telegram.error import InvalidToken

# These libraries log request URLs (which contain the token) or whole updates (which
# contain patients' messages) below WARNING/INFO; they never get to.
# apscheduler logs two INFO lines for every job it adds and runs (a line per planned
# message, twice); the bot logs what each one did itself.
_QUIET = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO,
          "apscheduler": logging.WARNING, "aiosqlite": logging.INFO}


class RedactSecrets(logging.Filter):
    """A last line of defence: blank out the token wherever it would appear."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
        return True


class NoTracebackForRefusedToken(logging.Filter):
    """PTB logs a refused token with its traceback; `python -m bot run` explains it in
    plain words instead, so the traceback is only noise for the operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken):
            record.exc_info, record.exc_text = None, None
        return True


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(NoTracebackForRefusedToken())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in _QUIET.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))
