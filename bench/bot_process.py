"""The bot as `python -m bot run` starts it, optionally with python-telegram-bot's stock
`AIORateLimiter` in place of the clinic's limiter, for the comparison in
bench/broadcast.py. Usage: `python -m bench.bot_process [--ptb-limiter]`."""

from __future__ import annotations

import sys
from typing import Any

from telegram.ext import AIORateLimiter

import bot.app
from bot.__main__ import main


def _stock_limiter(*, max_retries: int = 3, **_: Any) -> AIORateLimiter:
    return AIORateLimiter(max_retries=max_retries)


if __name__ == "__main__":
    if "--ptb-limiter" in sys.argv[1:]:
        # build_application looks the limiter up by name when it builds the bot.
        setattr(bot.app, "ClinicRateLimiter", _stock_limiter)  # noqa: B010
    sys.exit(main(["run"]))
