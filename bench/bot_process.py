"""The bot as `python -m bot run` starts it, optionally changed for a comparison:

- `--ptb-limiter`: python-telegram-bot's stock `AIORateLimiter` in place of the clinic's
  limiter (bench/broadcast.py);
- `--naive-scheduler`: one APScheduler job for every planned message, all set at start,
  in place of timers for the next few hours only (bench/scheduler.py);
- `--no-ceiling`: the clinic's limiter with its overall ceiling lifted from Telegram's 30
  messages a second, for measuring the handlers against a stand-in with no limits
  (bench/throughput.py); the limiter's work is still done and counted.

Usage: `python -m bench.bot_process [--ptb-limiter] [--naive-scheduler] [--no-ceiling]`."""

from __future__ import annotations

import os
import sys
from typing import Any

from telegram.ext import AIORateLimiter

import bot.appointments.timers
import bot.assembly.app
import bot.assembly.instances
from bot.__main__ import main


def _stock_limiter(*, max_retries: int = 3, **_: Any) -> AIORateLimiter:
    return AIORateLimiter(max_retries=max_retries)


if __name__ == "__main__":
    options = sys.argv[1:]
    if "--ptb-limiter" in options:
        # build_application looks the limiter up by name when it builds the bot.
        setattr(bot.assembly.app, "ClinicRateLimiter", _stock_limiter)  # noqa: B010
    if "--naive-scheduler" in options:
        # Every pending message, however far ahead, gets its job at the first top-up;
        # later bookings get theirs at once (schedule_soon, within an endless horizon).
        setattr(bot.appointments.timers, "TOP_UP_BATCH", 10**9)  # noqa: B010
        os.environ["SCHEDULER_HORIZON"] = "36500d"
        os.environ["SCHEDULER_TOPUP_INTERVAL"] = "1d"
    if "--no-ceiling" in options:
        # At start each process takes its share of this (bot/assembly/instances.py join).
        setattr(bot.assembly.instances, "OVERALL_PER_SECOND", 100_000)  # noqa: B010
    sys.exit(main(["run"]))
