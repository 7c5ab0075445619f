"""A reply whose sent message the bot never looks at again, sent without reading one back.

Telegram answers every send with the whole message it made; python-telegram-bot turns that
into a `Message` (the chat, the sender, every button of the keyboard, the formatting),
which for the clinic's long answers with buttons is a fifth of the CPU a question costs
(bench/throughput.py, profiled). Most replies are never edited or quoted, so they go
through the Bot API call itself, `do_api_request`, which leaves the answer as it came.
Everything else about the send is the same: the same endpoint and parameters, the bot's
defaults (HTML, no link previews), the rate limiter (a reply's priority), the errors.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

# PTB asks, on every call, that a method with its own function be called by it. Here the
# raw call is the point: not parsing the answer.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'",
                        category=PTBUserWarning)


async def send_text(bot: Bot, chat_id: int, text: str, markup: Markup | None = None) -> None:
    """Send `text` to `chat_id`, as `bot.send_message` would, without the Message."""
    parameters: dict[str, Any] = {"chat_id": chat_id, "text": text}
    defaults = bot.defaults if isinstance(bot, ExtBot) else None
    if defaults is not None:
        if defaults.parse_mode is not None:
            parameters["parse_mode"] = defaults.parse_mode
        if defaults.link_preview_options is not None:
            parameters["link_preview_options"] = defaults.link_preview_options
    if markup is not None:
        parameters["reply_markup"] = markup
    await bot.do_api_request("sendMessage", api_kwargs=parameters)
