"""What a failed send means for sending it again, and what a sent one records.

Telegram cannot be asked whether a message arrived, and has no idempotency key, so a send
that fails without a clear answer is a guess. The guesses here:

- Telegram answered (429, 403, 400, 5xx): it said what happened; 429 and 5xx were not
  carried out and may be tried again.
- The connection could not be made, or broke before an answer (refused, reset,
  disconnected): taken as not carried out, and tried again.
- The request went out and no answer came within the read timeout: Telegram is slow,
  not deaf; taken as carried out, and not sent again. `TELEGRAM_READ_TIMEOUT` is long
  (10 s) so that only a truly stuck answer lands here.

A duplicate reminder is a nuisance and a missing one a missed session, but a guess either
way is rare: the timeout is far above Telegram's usual answer time.
"""

from __future__ import annotations

import logging

import httpx
from telegram.error import TelegramError, TimedOut

from bot.services.answering import ANSWERING

logger = logging.getLogger(__name__)



class AnswerTimedOut(Exception):
    """The request went out; its answer did not come within the read timeout (raised by
    the aiohttp transport, bot/sending/aiohttp_request.py, as httpx raises ReadTimeout)."""


def may_have_arrived(error: TelegramError) -> bool:
    """True when the request reached Telegram and only its answer is missing."""
    return isinstance(error, TimedOut) and isinstance(error.__cause__,
                                                      (httpx.ReadTimeout, AnswerTimedOut))


async def record_answering() -> None:
    """The update being handled is recorded as answered (`ANSWERING`); a failure
    to record it never holds up the reply, it only leaves the update to be retried."""
    answering = ANSWERING.get()
    if answering is None:
        return
    try:
        await answering()
    except Exception as error:
        logger.warning("Could not record an update as answered: %s", type(error).__name__)


def seconds_of(retry_after: object) -> float:
    """RetryAfter.retry_after, an int today and a timedelta in a later PTB, in seconds."""
    if hasattr(retry_after, "total_seconds"):
        return float(retry_after.total_seconds())
    return float(retry_after)  # type: ignore[arg-type]
